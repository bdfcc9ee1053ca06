import { expect } from 'chai';
import { isRetryableError, lockedIds } from '../../../lib/retry/retryable-errors.js';

describe('lib/retry/retryable-errors', () => {
  it('retries a lock failure, and a trigger failure caused by one; nothing else', () => {
    const cases: ReadonlyArray<readonly [string, boolean]> = [
      ['UNABLE_TO_LOCK_ROW:unable to obtain exclusive access to this record or 1 records: 001000000000001AAA:--', true],
      [
        'CANNOT_INSERT_UPDATE_ACTIVATE_ENTITY:ContactTrigger: execution of AfterInsert caused by: System.DmlException: Update failed. UNABLE_TO_LOCK_ROW, unable to obtain exclusive access to this record:--',
        true,
      ],
      ['CANNOT_INSERT_UPDATE_ACTIVATE_ENTITY:ContactTrigger: execution of AfterInsert caused by: System.NullPointerException:--', false],
      ['REQUIRED_FIELD_MISSING:Required fields are missing: [LastName]:LastName --', false],
      ['API_TEMPORARILY_UNAVAILABLE:try later:--', false],
      ['BULKPIPE_RESULT_MISMATCH:batch 751 returned 3 results for its 4 records:--', false],
      ['', false],
      // Every error of the row must be a lock failure: one that is not may have been decided on the record.
      ['UNABLE_TO_LOCK_ROW:unable to obtain exclusive access to this record:--\nDUPLICATE_VALUE:duplicate value found:--', false],
      ['UNABLE_TO_LOCK_ROW:unable to obtain exclusive access to this record:--\nUNABLE_TO_LOCK_ROW:again:--', true],
    ];
    for (const [error, retried] of cases) expect(isRetryableError(error), error).to.equal(retried);
  });

  it('reads the records a lock failure names', () => {
    expect(lockedIds('UNABLE_TO_LOCK_ROW:unable to obtain exclusive access to this record or 2 records: 001000000000001AAA, 001000000000002:--')).to.deep.equal([
      '001000000000001AAA',
      '001000000000002',
    ]);
    expect(lockedIds('UNABLE_TO_LOCK_ROW:unable to obtain exclusive access to this record:--')).to.deep.equal([]);
  });
});
