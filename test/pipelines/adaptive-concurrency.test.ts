/**
 * Adaptive concurrency end to end: bulkLoad through the local org, with the results of the first
 * batches rewritten (a fake of lock contention, until the local org models row locks) so that a
 * third of their rows fail UNABLE_TO_LOCK_ROW. The uploads in flight are lowered, said in a notice,
 * raised again once batches come back clean, and the summary reports the lowest and final limits;
 * with adaptiveConcurrency off the limit stays.
 */
import { expect } from 'chai';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { text } from 'node:stream/consumers';
import { bulkLoad } from '../../pipelines/bulk-load.js';
import { startTestOrg, type TestOrg } from '../helpers/local-org.js';
import { useTempDir } from '../helpers/temp-dir.js';

const LOCK = 'UNABLE_TO_LOCK_ROW:unable to obtain exclusive access to this record or 1 records: 001000000000001AAA:--';

describe('pipelines/bulk-load with adaptive concurrency (end to end, lock failures faked)', () => {
  let t: TestOrg;
  const tmp = useTempDir('bulkpipe-adaptive-');
  before(async () => {
    t = await startTestOrg();
  });
  after(async () => {
    await t?.close();
  });

  /** Runs a load of 40 batches whose first `locked` batches' results have every third row failed on a lock; returns the summary and the concurrency notices. */
  async function run(name: string, locked: number, adaptiveConcurrency?: boolean) {
    const input = join(tmp.path, `${name}.csv`);
    await writeFile(input, `Name\n${Array.from({ length: 40 * 30 }, (_, i) => `${name}${i}`).join('\n')}\n`);
    const client = t.client;
    const original = { getBatchResult: client.getBatchResult.bind(client) };
    let results = 0;
    client.getBatchResult = async (...args: Parameters<typeof client.getBatchResult>) => {
      const got = await original.getBatchResult(...args);
      if (++results > locked) return got;
      const [header, ...rows] = (await text(got.body)).trimEnd().split('\n');
      const body = [header, ...rows.map((row, i) => (i % 3 === 0 ? `"","false","false","${LOCK}"` : row))].join('\n');
      return { ...got, body: Readable.from([Buffer.from(`${body}\n`)]) };
    };
    const notices: string[] = [];
    try {
      const summary = await bulkLoad({
        client,
        input,
        format: 'csv',
        object: 'Account',
        operation: 'insert',
        batchSize: 30,
        concurrency: 8,
        joinAhead: 0,
        // The faked failures were written in fact: retrying them would load them twice. The tap on the
        // joined blocks feeds the controller here; with retries the retrier does (record-retrier tests).
        retryRecords: 0,
        minPollIntervalMs: 5,
        maxPollIntervalMs: 20,
        successPath: join(tmp.path, `${name}.ok.csv`),
        errorPath: join(tmp.path, `${name}.err.csv`),
        onNotice: (message) => notices.push(message),
        ...(adaptiveConcurrency !== undefined ? { adaptiveConcurrency } : {}),
      });
      return { summary, notices: notices.filter((n) => n.startsWith('concurrency')) };
    } finally {
      client.getBatchResult = original.getBatchResult;
    }
  }

  it('lowers the uploads in flight when a batch has lock failures, says so, and raises them again after clean batches', async () => {
    const { summary, notices } = await run('Adaptive', 1);
    expect(summary).to.include({ recordsRead: 1200, recordsFailed: 10, concurrency: 8, lowestConcurrency: 4 });
    expect(notices[0]).to.equal('concurrency 8 -> 4 (lock failures 33% of the last batch)');
    expect(notices.slice(1)).to.deep.equal(['5', '6', '7', '8'].map((to, i) => `concurrency ${4 + i} -> ${to} (lock failures 0% of the last batch)`));
    expect(summary.finalConcurrency).to.equal(8);
  });

  it('with adaptiveConcurrency false the limit stays, whatever the lock failures', async () => {
    const { summary, notices } = await run('Fixed', 40, false);
    expect(summary).to.include({ recordsFailed: 400, concurrency: 8, lowestConcurrency: 8, finalConcurrency: 8 });
    expect(notices).to.deep.equal([]);
  });

  it('rejects an adaptiveConcurrency that is not a boolean', async () => {
    const err = await bulkLoad({ client: t.client, input: 'x.csv', format: 'csv', object: 'Account', operation: 'insert', adaptiveConcurrency: 'no' as never }).catch(
      (e: unknown) => e,
    );
    expect(err).to.have.property('code', 'BULK_INVALID_OPTION');
  });
});
