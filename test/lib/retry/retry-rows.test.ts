/** The rows a record retry sends again: found in a results file, cut into a retry payload by parent; and an attempt's results merged back. */
import { expect } from 'chai';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { mergeAttempt } from '../../../lib/retry/merge-results.js';
import { retryPayload, scanRetryable } from '../../../lib/retry/retry-rows.js';
import { useTempDir } from '../../helpers/temp-dir.js';

const LOCK = (id: string) => `UNABLE_TO_LOCK_ROW:unable to obtain exclusive access to this record or 1 records: ${id}:--`;

describe('lib/retry/retry-rows and merge-results', () => {
  const tmp = useTempDir('bulkpipe-retry-rows-');

  async function files() {
    const payload = join(tmp.path, 'payload.csv');
    // CRLF as the input had it, a quoted line break, and a parent column.
    await writeFile(payload, 'LastName,AccountId\r\nA,001B\r\n"B\r\nb",001A\r\nC,001B\r\nD,001A\r\nE,001C\r\n');
    const results = join(tmp.path, 'results.csv');
    await writeFile(
      results,
      [
        '"Id","Success","Created","Error"',
        `"","false","false","${LOCK('001000000000002AAA')}"`,
        `"","false","false","${LOCK('001000000000001AAA')}"`,
        '"003000000000003AAA","true","true",""',
        `"","false","false","${LOCK('001000000000001AAA')}"`,
        '"","false","false","REQUIRED_FIELD_MISSING:Required fields are missing: [LastName]:LastName --"',
        '',
      ].join('\n'),
    );
    return { payload, results };
  }

  it('finds only the rows a lock failure proved unwritten, with the record each names', async () => {
    const { results } = await files();
    expect(await scanRetryable(results)).to.deep.equal({
      rows: 5,
      retry: [
        { index: 0, locked: '001000000000002AAA' },
        { index: 1, locked: '001000000000001AAA' },
        { index: 3, locked: '001000000000001AAA' },
      ],
    });
  });

  it('cuts a retry payload of those rows, LF-ended, ordered by the locked record or by the groupBy column', async () => {
    const { payload, results } = await files();
    const { retry } = await scanRetryable(results);
    const byLock = await retryPayload(payload, ['LastName', 'AccountId'], retry);
    expect(byLock.order).to.deep.equal([1, 3, 0]);
    expect(Buffer.concat(byLock.parts).toString()).to.equal('LastName,AccountId\n"B\r\nb",001A\nD,001A\nA,001B\n');
    const byColumn = await retryPayload(payload, ['LastName', 'AccountId'], [...retry, { index: 4, locked: '' }], 'accountid');
    expect(byColumn.order).to.deep.equal([1, 3, 0, 4]);
  });

  it('merges an attempt: its rows take its results and number, the others keep theirs; a failed attempt gives its rows its error', async () => {
    const { results } = await files();
    const attempt = join(tmp.path, 'attempt.csv');
    // In the retry payload's order: rows 1, 3, 0.
    await writeFile(
      attempt,
      `"Id","Success","Created","Error"\n"003000000000011AAA","true","true",""\n"","false","false","${LOCK('001000000000001AAA')}"\n"003000000000010AAA","true","true",""\n`,
    );
    const merged = await mergeAttempt(results, [1, 3, 0], { resultsPath: attempt }, 2);
    if (!('parts' in merged)) throw new Error('no merge');
    const path = join(tmp.path, 'merged.csv');
    await writeFile(path, Buffer.concat(merged.parts));
    expect((await readFile(path, 'utf8')).split('\n')).to.deep.equal([
      '"Id","Success","Created","Error","Attempts"',
      '"003000000000010AAA",true,true,"",2',
      '"003000000000011AAA",true,true,"",2',
      '"003000000000003AAA",true,true,"",1',
      `"",false,false,"${LOCK('001000000000001AAA')}",2`,
      '"",false,false,"REQUIRED_FIELD_MISSING:Required fields are missing: [LastName]:LastName --",1',
      '',
    ]);
    // The next scan finds the row that failed again, and a third attempt counts on from the merged file.
    expect((await scanRetryable(path)).retry.map((r) => r.index)).to.deep.equal([3]);
    const failed = await mergeAttempt(path, [3], { failure: 'BULKPIPE_RETRY_FAILED:gone:--' }, 3);
    if (!('parts' in failed)) throw new Error('no merge');
    expect(Buffer.concat(failed.parts).toString().split('\n')[4]).to.equal('"",false,false,"BULKPIPE_RETRY_FAILED:gone:--",3');
    // Results that are not one a row: nothing is merged.
    expect(await mergeAttempt(results, [1, 3], { resultsPath: attempt }, 2)).to.deep.equal({ mismatch: 3 });
  });
});
