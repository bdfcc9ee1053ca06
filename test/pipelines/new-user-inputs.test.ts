/**
 * Issue 27 through the library (bulkLoad, dryRunLoad) against the local org: an Excel export's
 * columns without a name (dropped, told, a value in one a usage error before the job or a row error
 * after it, from a stream too), and the --date-format hints of the summary and the notices.
 */
import { expect } from 'chai';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { parse } from 'csv-parse/sync';
import { bulkLoad, type BulkLoadOptions } from '../../pipelines/bulk-load.js';
import { dryRunLoad } from '../../pipelines/dry-run.js';
import { rejection } from '../helpers/fixtures.js';
import { startTestOrg, type TestOrg } from '../helpers/local-org.js';
import { useTempDir } from '../helpers/temp-dir.js';

describe('pipelines: what a new user brings (issue 27)', function () {
  this.timeout(30_000);
  let t: TestOrg;
  const tmp = useTempDir('bulkpipe-i27-');
  before(async () => {
    t = await startTestOrg();
  });
  after(async () => {
    await t.close();
  });

  const load = async (text: string, options: Partial<BulkLoadOptions>) => {
    const notices: string[] = [];
    const successPath = join(tmp.path, 'ok.csv');
    const errorPath = join(tmp.path, 'bad.csv');
    const summary = await bulkLoad({
      client: t.client,
      input: Readable.from([Buffer.from(text)]),
      source: 'stdin',
      format: 'csv',
      object: 'Contact',
      operation: 'insert',
      successPath,
      errorPath,
      minPollIntervalMs: 20,
      maxPollIntervalMs: 100,
      spoolDir: tmp.path,
      onNotice: (message) => notices.push(message),
      ...options,
    });
    const rows = async (path: string) => parse(await readFile(path), { columns: true }) as Array<Record<string, string>>;
    return { summary, notices, ok: await rows(successPath), failed: await rows(errorPath) };
  };

  it('stdin with empty unnamed columns: dropped and told; a value in one past the first segment (its batch and the records rejected up to the next batch) fails that record only (fast path and record path)', async () => {
    const text = 'LastName,,Birthdate,\nA,,2024-01-02,\nB,,2024-01-03,\nC,,2024-01-04,\nD,,2024-01-05,x\n';
    for (const options of [{}, { dateFormat: 'dd/MM/yyyy' }]) {
      const { summary, notices, ok, failed } = await load(text, { batchSize: 2, ...options });
      expect(summary, JSON.stringify(options)).to.deep.include({ recordsSucceeded: 3, recordsFailed: 1, unnamedColumns: [2, 4], droppedColumns: [] });
      expect(notices[0]).to.match(/^stdin: the header's columns 2 and 4 have no name: they are not uploaded/);
      expect(ok.map((r) => r.LastName)).to.deep.equal(['A', 'B', 'C']);
      expect(failed.map((r) => [r.sf__Row, r.sf__Error?.split(':')[0]])).to.deep.equal([['4', 'BULKPIPE_UNNAMED_COLUMN']]);
      expect(failed[0]?.sf__Error).to.include('(stdin, line 5, record 4, field #4)');
    }
  });

  it('a value in an unnamed column in the first batch: UnnamedColumnError (BULK_COLUMNS) before any job', async () => {
    const jobs: string[] = [];
    for (const options of [{}, { dateFormat: 'dd/MM/yyyy' }, { bulkApi: 2 as const }]) {
      const err = await rejection(load('LastName;;\nA;;\nB;y;\n', { delimiter: ';', onJob: (job) => jobs.push(job.id), ...options }));
      expect(err, JSON.stringify(options)).to.include({ name: 'UnnamedColumnError', code: 'BULK_COLUMNS', row: 2 });
      expect((err as Error).message)
        .to.include('a value ("y") in column 2')
        .and.include('(stdin, line 3, record 2, field #2)');
    }
    // Every record holds one: nothing to upload, no job, the same usage error.
    const all = await rejection(load('LastName,\nA,1\nB,2\n', { onJob: (job) => jobs.push(job.id) }));
    expect(all).to.include({ name: 'UnnamedColumnError', row: 1 });
    expect(jobs).to.deep.equal([]);
    const dry = await rejection(dryRunLoad({ client: t.client, object: 'Contact', operation: 'insert', input: Readable.from([Buffer.from('LastName,\nA,z\n')]), format: 'csv' }));
    expect(dry).to.include({ name: 'UnnamedColumnError', row: 1 });
  });

  it('a resume never refuses for a value in an unnamed column: a job exists, so the record costs itself only (fast path and record path)', async () => {
    // Notes in every other row past the first batch: the first run's cost themselves; the resume's new job's first batch holds some too.
    const n = 40_000;
    const noted = (row: number) => row > 1000 && row % 2 === 0;
    const lines = Array.from({ length: n }, (_, i) => `R${i + 1};;${noted(i + 1) ? 'note' : ''}`);
    for (const options of [{}, { dateFormat: 'dd/MM/yyyy' }]) {
      const path = join(tmp.path, 'late-notes.csv');
      await writeFile(path, `LastName;;\n${lines.join('\n')}\n`);
      const ledgerDir = join(tmp.path, `ledger-${Object.keys(options).length}`);
      const stop = new AbortController();
      const first = await load('', {
        input: path,
        source: 'late-notes.csv',
        delimiter: ';',
        batchSize: 1000,
        concurrency: 1,
        ledgerDir,
        stopSignal: stop.signal,
        onJob: () => stop.abort(),
        ...options,
      });
      expect(first.summary.stopped, JSON.stringify(options)).to.equal(true);
      expect(first.summary.recordsRead).to.be.below(n);
      await bulkLoad({ client: t.client, ledgerDir, resume: true, minPollIntervalMs: 20, maxPollIntervalMs: 100 });
      const rows = async (file: string) => parse(await readFile(join(tmp.path, file)), { columns: true }) as Array<Record<string, string>>;
      const failed = await rows('bad.csv');
      expect(failed.length, JSON.stringify(options)).to.equal((n - 1000) / 2);
      expect(failed.every((r) => noted(Number(r.sf__Row)) && r.sf__Error?.startsWith('BULKPIPE_UNNAMED_COLUMN:'))).to.equal(true);
      expect((await rows('ok.csv')).length).to.equal(n - (n - 1000) / 2);
    }
  });

  it('dates in another format: the summary and the notices say the --date-format; the error stays the org', async () => {
    const { summary, notices, failed } = await load('LastName,Birthdate\nA,13/01/2024\nB,2024-01-02\n', { checkColumns: true });
    const hint = 'Birthdate: values like 13/01/2024 look like dd/MM/yyyy: --date-format dd/MM/yyyy';
    expect(summary.dateFormatHints).to.deep.equal([hint]);
    expect(notices[0]).to.equal(hint); // before the job, from the first batch
    expect(failed[0]?.sf__Error).to.equal("INVALID_FIELD:Failed to deserialize field at col 2. Due to, '13/01/2024' is not a valid value for the type xsd:date:Birthdate --");
    expect(notices).to.include(`record 1 failed in the org with ${JSON.stringify(failed[0]?.sf__Error)}: ${hint}`);
    // Without the column check no describe is read before the job: the first refused date gives the hint.
    const unchecked = await load('LastName,Birthdate\nA,13/01/2024\n', {});
    expect(unchecked.summary.dateFormatHints).to.deep.equal([hint]);
    expect(unchecked.notices).to.deep.equal([`record 1 failed in the org with ${JSON.stringify(failed[0]?.sf__Error)}: ${hint}`]);
    const fixed = await load('LastName,Birthdate\nA,13/01/2024\nB,2024-01-02\n', { dateFormat: 'dd/MM/yyyy' });
    expect(fixed.summary).to.deep.include({ recordsFailed: 0, dateFormatHints: [] });
  });
});
