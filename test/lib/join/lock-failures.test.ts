/** LockFailureCounter: a segment's sent rows and lock failures, given once its last block is by; restarts and rejected rows. */
import { expect } from 'chai';
import { JoinedRows } from '../../../lib/join/joined-rows.js';
import { LockFailureCounter } from '../../../lib/join/lock-failures.js';

function block(seq: number, errors: ReadonlyArray<string | null>, options: { last?: boolean; restart?: boolean; rejected?: number } = {}): JoinedRows {
  const out = new JoinedRows({ seq, jobId: 'J', batchId: 'B', columns: ['Name'] }, errors.length + (options.rejected ?? 0));
  for (let r = 0; r < (options.rejected ?? 0); r++) out.fail(out.add(r + 1, false, { Name: 'x' }), 'BULKPIPE_RECORD_TOO_LARGE:too large:Name --');
  errors.forEach((error, i) => {
    const at = out.add(100 + i, true, { Name: 'x' });
    if (error !== null) out.fail(at, error);
  });
  out.last = options.last ?? false;
  out.restart = options.restart ?? false;
  return out;
}

describe('lib/join/lock-failures', () => {
  const LOCK = 'UNABLE_TO_LOCK_ROW:unable to obtain exclusive access to this record or 1 records: 001000000000001AAA:--';

  it('counts a segment across its blocks and tells once, at its last', () => {
    const seen: Array<[number, number]> = [];
    const counter = new LockFailureCounter((sent, failed) => seen.push([sent, failed]));
    counter.add(block(0, [null, LOCK, 'REQUIRED_FIELD_MISSING:x:Name --']));
    expect(seen).to.deep.equal([]);
    counter.add(block(0, [LOCK, null], { last: true, rejected: 2 }));
    counter.add(block(1, [null], { last: true }));
    expect(seen).to.deep.equal([
      [5, 2],
      [1, 0],
    ]);
  });

  it('counts a segment joined again from nothing, and says nothing of one with rejected records only', () => {
    const seen: Array<[number, number]> = [];
    const counter = new LockFailureCounter((sent, failed) => seen.push([sent, failed]));
    counter.add(block(3, [LOCK, LOCK]));
    counter.add(block(3, [null, null, LOCK], { restart: true, last: true }));
    counter.add(block(4, [], { last: true, rejected: 3 }));
    expect(seen).to.deep.equal([[3, 1]]);
  });
});
