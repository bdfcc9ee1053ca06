/**
 * Issue 10, end to end through the local org: outputs in input order with sf__Row, a bad batch that
 * costs its own rows only, no blank record lines, output paths checked before any job, write failures
 * that name the file and the job, result columns never uploaded (an error file loads again as it is,
 * a success file feeds a delete), and no spool folder left behind.
 */
import { expect } from 'chai';
import { readFile, readdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { parse } from 'csv-parse/sync';
import type { BulkClient } from '../../lib/http/client.js';
import type { BatchInfo } from '../../lib/types.js';
import { bulkLoad, type BulkLoadOptions, type LoadSummary } from '../../pipelines/bulk-load.js';
import { collect, rejection } from '../helpers/fixtures.js';
import { startTestOrg, type TestOrg } from '../helpers/local-org.js';
import { useTempDir } from '../helpers/temp-dir.js';

type Row = Record<string, string>;
const csv = (text: string) => parse(text, { columns: true }) as Row[];
const spoolFolders = async () => (await readdir(tmpdir())).filter((f) => f.startsWith('bulkpipe-spool-')).length;

/** The client with some of its answers changed: every other call goes to the real one. */
function tampered(client: BulkClient, overrides: Partial<Pick<BulkClient, 'listBatches' | 'getBatchResult' | 'addBatch'>>): BulkClient {
  return new Proxy(client, {
    get(target, prop) {
      if (prop in overrides) return overrides[prop as keyof typeof overrides];
      const value = Reflect.get(target, prop, target) as unknown;
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
    },
  });
}

describe('regressions/issue-10: every record accounted for, in input order', function () {
  this.timeout(60_000);
  let t: TestOrg;
  const tmp = useTempDir('bulkpipe-issue10-');
  before(async () => {
    // Uploads answered after a random delay: batches are created, and so finish, out of sequence.
    t = await startTestOrg({ parallelism: 4, faults: { seed: 11, latencyMs: [1, 40] } });
  });
  after(async () => {
    await t.close();
  });

  async function load(
    name: string,
    text: string,
    options: Partial<BulkLoadOptions> = {},
  ): Promise<{ summary: LoadSummary; ok: Row[]; failed: Row[]; okText: string; failedText: string }> {
    const input = join(tmp.path, name);
    await writeFile(input, text);
    const successPath = join(tmp.path, `${name}.ok.csv`);
    const errorPath = join(tmp.path, `${name}.err.csv`);
    const summary = await bulkLoad({
      client: t.client,
      input,
      format: 'csv',
      object: 'Account',
      operation: 'insert',
      successPath,
      errorPath,
      minPollIntervalMs: 10,
      maxPollIntervalMs: 50,
      ...options,
    });
    const okText = await readFile(successPath, 'utf8');
    const failedText = await readFile(errorPath, 'utf8');
    return { summary, ok: csv(okText), failed: csv(failedText), okText, failedText };
  }

  it('writes both files in input order, each row with its sf__Row, over 30 batches finishing out of order', async () => {
    const lines = Array.from({ length: 3000 }, (_, i) => (i % 37 === 5 ? `,${i}` : `"Order ${i}, Inc.",${i}`));
    const { summary, ok, failed, okText } = await load('order.csv', `Name,NumberOfEmployees\r\n${lines.join('\r\n')}\r\n`, { batchSize: 100, concurrency: 4 });
    expect(summary).to.include({ recordsRead: 3000, batches: 30 });
    const rows = (list: Row[]) => list.map((r) => Number(r.sf__Row));
    const sorted = (list: number[]) => list.every((n, i) => i === 0 || n > (list[i - 1] as number));
    expect(sorted(rows(ok)), 'success file in input order').to.equal(true);
    expect(sorted(rows(failed)), 'error file in input order').to.equal(true);
    expect([...rows(ok), ...rows(failed)].sort((a, b) => a - b)).to.deep.equal(Array.from({ length: 3000 }, (_, i) => i + 1));
    // The input line's own bytes come back, with the result columns after them.
    expect(okText.split('\n')[0]).to.equal('Name,NumberOfEmployees,sf__Id,sf__Created,sf__Row,sf__Attempts');
    expect(okText.split('\n')[1]).to.match(/^"Order 0, Inc\.",0,0015g\w{13},true,1,1$/);
    for (const r of failed) expect(r.NumberOfEmployees, 'a failed row is its own input row').to.equal(String(Number(r.sf__Row) - 1));
  });

  it('keeps the NDJSON row number and empty fields', async () => {
    const resultsPath = join(tmp.path, 'all.ndjson');
    await load('ndjson.csv', 'Name,Description\nA,\nB,text\n', { resultsPath });
    const all = (await readFile(resultsPath, 'utf8'))
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { row: number; fields: Row });
    expect(all.map((r) => [r.row, r.fields])).to.deep.equal([
      [1, { Name: 'A', Description: '' }],
      [2, { Name: 'B', Description: 'text' }],
    ]);
  });

  it('a batch whose result count differs from its records costs its own rows only, named in the errors; the run ends with failures, not a failure', async () => {
    let victim: string | undefined;
    // The org answers as if it had skipped a record of the second batch: one result fewer than records.
    const client = tampered(t.client, {
      listBatches: async (jobId, options) =>
        (await t.client.listBatches(jobId, options)).map((b: BatchInfo, i): BatchInfo => {
          if (i !== 1 || b.state !== 'Completed') return b;
          victim = b.id;
          return { ...b, numberRecordsProcessed: b.numberRecordsProcessed - 1 };
        }),
    });
    const lines = Array.from({ length: 300 }, (_, i) => `M${i}`);
    const { summary, ok, failed } = await load('mismatch.csv', `Name\n${lines.join('\n')}\n`, { client, batchSize: 100, concurrency: 1 });
    expect(summary).to.include({ recordsRead: 300, recordsSucceeded: 200, recordsFailed: 100 });
    expect(ok).to.have.length(200);
    expect(failed.map((r) => Number(r.sf__Row))).to.deep.equal(Array.from({ length: 100 }, (_, i) => i + 101));
    expect(failed[0]?.sf__Error).to.equal(
      `BULKPIPE_RESULT_MISMATCH:batch ${victim} of job ${summary.jobId} returned 99 results for its 100 records, so which result is whose is unknown; check these records in the org before loading them again:--`,
    );
  });

  it('a result body shorter than its batch: the rows already written are taken back, the batch goes to the errors', async () => {
    let cut = false;
    let firstBatch: string | undefined;
    // The first batch's result body loses its last 500 rows, while its batch says it has all 2,000.
    // (Picked by its id: the joiner may ask for the next batch's results first, to have them ready.)
    const client = tampered(t.client, {
      addBatch: async (...args: Parameters<BulkClient['addBatch']>) => {
        const info = await t.client.addBatch(...args);
        firstBatch ??= info.id;
        return info;
      },
      getBatchResult: async (jobId, batchId, options) => {
        const answer = await t.client.getBatchResult(jobId, batchId, options);
        if (cut || batchId !== firstBatch) return answer;
        cut = true;
        const rows = Buffer.concat(await collect(answer.body as AsyncIterable<Buffer>))
          .toString()
          .split('\n');
        return { ...answer, body: Readable.from([Buffer.from(`${rows.slice(0, rows.length - 501).join('\n')}\n`)]) };
      },
    });
    // Lines long enough for the payload to be read in several chunks: rows are out before the shortfall shows.
    const lines = Array.from({ length: 4000 }, (_, i) => `${'s'.repeat(250)}${i}`);
    const { summary, ok, failed } = await load('short.csv', `Name\n${lines.join('\n')}\n`, { client, batchSize: 2000, concurrency: 1 });
    expect(summary).to.include({ recordsSucceeded: 2000, recordsFailed: 2000 });
    expect(ok.map((r) => Number(r.sf__Row))).to.deep.equal(Array.from({ length: 2000 }, (_, i) => i + 2001));
    expect(failed.map((r) => Number(r.sf__Row))).to.deep.equal(Array.from({ length: 2000 }, (_, i) => i + 1));
    expect(failed.every((r) => (r.sf__Error as string).includes('returned 1500 results for its 2000 records'))).to.equal(true);
  });

  it('never sends a blank record line: a lone empty value is a record of its own, for every input format', async () => {
    const ndjson = await load('blank.ndjson', '{"Name":""}\n{"Name":"kept"}\n{"Name":""}\n', { format: 'ndjson' });
    expect(ndjson.summary).to.include({ recordsRead: 3, recordsSucceeded: 1, recordsFailed: 2 });
    expect(ndjson.failed.map((r) => [r.sf__Row, (r.sf__Error as string).split(':')[0]])).to.deep.equal([
      ['1', 'REQUIRED_FIELD_MISSING'],
      ['3', 'REQUIRED_FIELD_MISSING'],
    ]);
    const quoted = await load('blank.csv', 'Name\n""\nkept\n', {});
    expect(quoted.summary).to.include({ recordsRead: 2, recordsSucceeded: 1, recordsFailed: 1 });
    const ids = await load('blank-ids.csv', `Id\n""\n${ndjson.ok[0]?.sf__Id}\n`, { operation: 'delete' });
    expect(ids.summary).to.include({ recordsRead: 2, recordsSucceeded: 1, recordsFailed: 1 });
    expect(ids.failed[0]?.sf__Error).not.to.contain('BULKPIPE_RESULT_MISMATCH');
  });

  it('checks the output paths before any job or spool folder exists, and leaves no folder on a bad option', async () => {
    const before = await spoolFolders();
    let jobs = 0;
    for (const bad of [{ errorPath: join(tmp.path, 'no', 'such', 'e.csv') }, { successPath: tmp.path }, { resultsPath: join(tmp.path, 'missing', 'r.ndjson') }]) {
      const input = join(tmp.path, 'some.csv');
      await writeFile(input, 'Name\nA\n');
      const err = await rejection(bulkLoad({ client: t.client, input, format: 'csv', object: 'Account', operation: 'insert', onJob: () => jobs++, ...bad }));
      expect(err, JSON.stringify(bad)).to.include({ code: 'BULK_INVALID_OPTION' });
    }
    for (const bad of [{ operation: 'merge' as never }, { concurrency: 0 }, { batchSize: 10_001 }, { minPollIntervalMs: -1 }, { input: 42 as never }]) {
      const err = await rejection(bulkLoad({ client: t.client, input: join(tmp.path, 'never.csv'), format: 'csv', object: 'Account', operation: 'insert', ...bad }));
      expect(err, JSON.stringify(bad)).to.include({ code: 'BULK_INVALID_OPTION' });
    }
    expect(jobs).to.equal(0);
    expect(await spoolFolders()).to.equal(before);
  });

  it('a file that cannot be written during the run: a clean error naming it and the job, the job closed, no spool left', async () => {
    const before = await spoolFolders();
    const input = join(tmp.path, 'full.csv');
    await writeFile(input, `Name\n${Array.from({ length: 50_000 }, (_, i) => `Full ${i}`).join('\n')}\n`);
    const err = await rejection(
      bulkLoad({
        client: t.client,
        input,
        format: 'csv',
        object: 'Account',
        operation: 'insert',
        successPath: '/dev/full',
        errorPath: join(tmp.path, 'full.err.csv'),
        minPollIntervalMs: 10,
      }),
    );
    expect(err).to.include({ code: 'BULK_OUTPUT', path: '/dev/full' });
    const jobId = (err as unknown as { jobId: string }).jobId;
    expect(jobId).to.match(/^750/);
    expect(err.message).to.contain(`bulkpipe job results ${jobId}`);
    expect((await t.client.getJob(jobId)).state).to.equal('Closed');
    expect(await spoolFolders()).to.equal(before);
  });

  it('an error file loads again as it is: its result columns are not uploaded, and the summary says what it was', async () => {
    const first = await load('reload.csv', 'Name,NumberOfEmployees\nGood,1\nBad,many\n"Also, bad",lots\n');
    expect(first.failed).to.have.length(2);
    // The user fixes the values in the error file and loads it back, sf__Error and sf__Row still in it.
    const fixed = first.failedText.replace(',many,', ',2,').replace(',lots,', ',3,');
    const notices: string[] = [];
    const again = await load('reload.err.fixed.csv', fixed, { onNotice: (n) => notices.push(n) });
    expect(again.summary).to.include({ recordsSucceeded: 2, recordsFailed: 0, reload: 'errors' });
    expect(again.summary.droppedColumns).to.deep.equal(['sf__Error', 'sf__Row', 'sf__Attempts']);
    expect(notices).to.deep.equal(['a bulkpipe error file: sf__Error, sf__Row, sf__Attempts are result columns, not uploaded']);
    expect(again.okText.split('\n')[0]).to.equal('Name,NumberOfEmployees,sf__Id,sf__Created,sf__Row,sf__Attempts');
    expect(again.ok.map((r) => [r.Name, r.NumberOfEmployees, r.sf__Row])).to.deep.equal([
      ['Bad', '2', '1'],
      ['Also, bad', '3', '2'],
    ]);
  });

  it('a success file feeds a delete as it is (sf__Id as the Id), and an update', async () => {
    const inserted = await load('to-delete.csv', `Name\n${Array.from({ length: 250 }, (_, i) => `Doomed ${i}`).join('\n')}\n`, { batchSize: 100 });
    expect(inserted.ok).to.have.length(250);
    const renamed = inserted.okText.replaceAll('Doomed', 'Renamed');
    const updated = await load('update-from-success.csv', renamed, { operation: 'update' });
    expect(updated.summary).to.include({ recordsSucceeded: 250, reload: 'success' });
    const deleted = await load('delete-from-success.csv', inserted.okText, { operation: 'delete', batchSize: 100 });
    expect(deleted.summary).to.include({ recordsSucceeded: 250, recordsFailed: 0, reload: 'success' });
    expect(deleted.ok.map((r) => r.Id)).to.deep.equal(inserted.ok.map((r) => r.sf__Id));
    const job = await t.client.createJob({ operation: 'query', object: 'Account', contentType: 'CSV' });
    const batch = await t.client.addBatch(job.id, "SELECT Id FROM Account WHERE Name LIKE 'Renamed%'");
    await t.org.whenIdle();
    expect((await t.client.getBatch(job.id, batch.id)).numberRecordsProcessed).to.equal(0);
  });
});
