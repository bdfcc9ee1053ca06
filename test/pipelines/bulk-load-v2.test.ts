/**
 * bulkLoad with Bulk API 2.0 (`bulkApi: 2`) end to end through the local org, which returns 2.0
 * results out of input order, as a real org may: every operation; an input larger than one job
 * (several jobs in flight, input order kept); identical rows within one job; rows the org fails; a
 * job that Fails whole and one aborted while it runs (their unprocessed rows in the errors, said);
 * a run stopped in the middle of a job's join and resumed, exactly once.
 */
import { expect } from 'chai';
import { readFile, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { parse } from 'csv-parse/sync';
import { planJobs } from '../../lib/load/ingest-job-plan.js';
import { readLedger } from '../../lib/load/load-ledger.js';
import { bulkLoad, type BulkLoadOptions } from '../../pipelines/bulk-load.js';
import { BulkClient } from '../../lib/http/client.js';
import { FaultProxy } from '../helpers/fault-proxy.js';
import { rejection } from '../helpers/fixtures.js';
import { startTestOrg, type TestOrg } from '../helpers/local-org.js';
import { namesInOrg } from '../helpers/org-query.js';
import { useTempDir } from '../helpers/temp-dir.js';

type Row = Record<string, string>;
const rowsOf = async (path: string) => parse(await readFile(path), { columns: true }) as Row[];

describe('pipelines/bulk-load with Bulk API 2.0 (end to end)', function () {
  this.timeout(120_000);
  let t: TestOrg;
  const tmp = useTempDir('bulkpipe-load2-');
  let n = 0;
  let prefix = '';
  before(async () => {
    t = await startTestOrg({ schema: { objects: [{ name: 'Account', fields: [{ name: 'Ext_Id__c', type: 'string', length: 20, externalId: true, unique: true }] }] } });
  });
  after(async () => {
    await t.close();
  });
  beforeEach(() => {
    prefix = `V2-${++n}-`;
  });

  async function load(name: string, text: string, options: Partial<BulkLoadOptions> = {}) {
    const input = join(tmp.path, `${n}-${name}`);
    await writeFile(input, text);
    const successPath = `${input}.ok.csv`;
    const errorPath = `${input}.err.csv`;
    const summary = await bulkLoad({
      client: t.client,
      input,
      format: 'csv',
      object: 'Account',
      operation: 'insert',
      bulkApi: 2,
      successPath,
      errorPath,
      minPollIntervalMs: 10,
      maxPollIntervalMs: 50,
      spoolDir: join(tmp.path, `spool-${n}`),
      ...options,
    });
    return { summary, ok: await rowsOf(successPath), failed: await rowsOf(errorPath), successPath, errorPath };
  }

  /** The options of a 2.0 insert of `input` with a ledger, its outputs beside it. */
  const ledgered = (input: string, extra: Partial<BulkLoadOptions> = {}): BulkLoadOptions => ({
    client: t.client,
    input,
    format: 'csv',
    object: 'Account',
    operation: 'insert',
    bulkApi: 2,
    successPath: `${input}.ok.csv`,
    errorPath: `${input}.err.csv`,
    ledgerDir: join(tmp.path, `${n}-ledger`),
    minPollIntervalMs: 10,
    maxPollIntervalMs: 50,
    ...extra,
  });

  /** Every input row once in the outputs, in input order within each. */
  function expectEveryRowOnce(ok: Row[], failed: Row[], rows: number): void {
    const all = [...ok, ...failed].map((r) => Number(r.sf__Row)).sort((a, b) => a - b);
    expect(all).to.deep.equal(Array.from({ length: rows }, (_, i) => i + 1));
    for (const file of [ok, failed]) {
      const order = file.map((r) => Number(r.sf__Row));
      expect(order).to.deep.equal([...order].sort((a, b) => a - b));
    }
  }

  it('refuses what Bulk API 2.0 cannot do, before anything', async () => {
    for (const bad of [{ contentType: 'JSON' as const }, { serial: true }, { jobSize: 10 }, { bulkApi: 3 as never }, { bulkApi: 1 as const, jobSize: 5_000 }]) {
      const err = await rejection(bulkLoad({ client: t.client, input: 'never-read.csv', format: 'csv', object: 'Account', operation: 'insert', bulkApi: 2, ...bad }));
      expect(err, JSON.stringify(bad)).to.include({ code: 'BULK_INVALID_OPTION' });
    }
  });

  it('inserts across several jobs in flight: each row joined with its own result, in input order, rows the org fails in the errors', async () => {
    const ROWS = 1_000;
    const lines = Array.from({ length: ROWS }, (_, i) => `${prefix}${i + 1},${(i + 1) % 97 === 0 ? 'x' : i + 1}`);
    const { summary, ok, failed } = await load('in.csv', `Name,NumberOfEmployees\n${lines.join('\n')}\n`, { batchSize: 50, jobSize: 4_000, concurrency: 3 });
    expectEveryRowOnce(ok, failed, ROWS);
    expect(failed.map((r) => Number(r.sf__Row))).to.deep.equal(Array.from({ length: 10 }, (_, i) => (i + 1) * 97));
    expect(failed.every((r) => /^INVALID_FIELD/.test(r.sf__Error as string))).to.equal(true);
    // Each success row's Id is the record its own values made: the join matched by content, not by position.
    for (const row of ok) expect(row.Name).to.equal(`${prefix}${row.sf__Row}`);
    const inOrg = await namesInOrg(t.client, prefix);
    expect(inOrg.sort()).to.deep.equal(ok.map((r) => r.Name as string).sort());
    expect(summary).to.include({ recordsRead: ROWS, recordsSucceeded: ROWS - 10, recordsFailed: 10 });
    expect(summary.jobId).to.match(/^750/);
  });

  it('keeps at most concurrency jobs in the org at once: the input waits for a job to end', async () => {
    const slow = await startTestOrg({ faults: { holdInProgressMs: 600 } });
    try {
      // Counted in the org: a job's slot is free once the org has ended it, while its results download (issue 28).
      let most = 0;
      let loading = true;
      const sampling = (async () => {
        while (loading) {
          let live = 0;
          for await (const job of slow.client.ingestJobs.list()) if (job.state === 'UploadComplete' || job.state === 'InProgress') live++;
          most = Math.max(most, live);
          await sleep(25);
        }
      })();
      // Ten jobs of one segment each (20 rows of about 50 bytes).
      const lines = Array.from({ length: 200 }, (_, i) => `${prefix}${i + 1},a description of some forty characters`);
      const { ok } = await load('slots.csv', `Name,Description\n${lines.join('\n')}\n`, {
        client: slow.client,
        batchSize: 20,
        jobSize: 1_000,
        concurrency: 2,
      }).finally(() => (loading = false));
      await sampling;
      expect(ok).to.have.length(200);
      expect(most).to.be.within(1, 2);
    } finally {
      await slow.close();
    }
  });

  it('gives identical rows within one job one result each (they are the same record), every Id once', async () => {
    const { ok, failed } = await load('dups.csv', `Name,Phone\n${Array.from({ length: 30 }, () => `${prefix}same,1`).join('\n')}\n${prefix}other,2\n`);
    expect(failed).to.deep.equal([]);
    expect(ok.map((r) => Number(r.sf__Row))).to.deep.equal(Array.from({ length: 31 }, (_, i) => i + 1));
    expect(new Set(ok.map((r) => r.sf__Id)).size).to.equal(31);
    expect(ok[30]?.Name).to.equal(`${prefix}other`);
  });

  it('joins quoted values with commas, quotes and line breaks, and CRLF input', async () => {
    const text = `Name,Description\r\n"${prefix}a, b","say ""hi"""\r\n"${prefix}c","two\r\nlines"\r\n${prefix}d,\r\n`;
    const { ok, failed } = await load('quoted.csv', text);
    expect(failed).to.deep.equal([]);
    expect(ok.map((r) => [r.Name, r.Description])).to.deep.equal([
      [`${prefix}a, b`, 'say "hi"'],
      [`${prefix}c`, 'two\r\nlines'],
      [`${prefix}d`, ''],
    ]);
  });

  it('CRLF input whose last record has no line end, in several segments of one job: every row loaded (the job is LF)', async () => {
    const rows = Array.from({ length: 25 }, (_, i) => `${prefix}${i + 1},"line one\r\nline two"`);
    const { ok, failed, summary } = await load('crlf.csv', `Name,Description\r\n${rows.join('\r\n')}`, { batchSize: 10 });
    expect(failed).to.deep.equal([]);
    expect(ok.map((r) => r.Name)).to.deep.equal(Array.from({ length: 25 }, (_, i) => `${prefix}${i + 1}`));
    expect(ok.every((r) => r.Description === 'line one\r\nline two')).to.equal(true);
    expect(summary.failedJobs).to.deep.equal([]);
  });

  it('upserts, updates, deletes and hard-deletes', async () => {
    const up = await load('up.csv', `Ext_Id__c,Name\n${prefix}1,${prefix}one\n${prefix}2,${prefix}two\n`, { operation: 'upsert', externalIdField: 'Ext_Id__c' });
    expect(up.ok.map((r) => r.sf__Created)).to.deep.equal(['true', 'true']);
    const again = await load('up2.csv', `Ext_Id__c,Name\n${prefix}1,${prefix}uno\n${prefix}3,${prefix}three\n`, { operation: 'upsert', externalIdField: 'Ext_Id__c' });
    expect(again.ok.map((r) => r.sf__Created)).to.deep.equal(['false', 'true']);
    const ids = again.ok.map((r) => r.sf__Id as string);
    const updated = await load('update.csv', `Id,Phone\n${ids[0]},555\n001000000000000AAA,1\n`, { operation: 'update' });
    expect(updated.ok.map((r) => r.sf__Id)).to.deep.equal([ids[0]]);
    expect(updated.failed.map((r) => Number(r.sf__Row))).to.deep.equal([2]);
    const deleted = await load('delete.csv', `Id\n${ids[0]}\n`, { operation: 'delete' });
    expect(deleted.ok.map((r) => r.sf__Id)).to.deep.equal([ids[0]]);
    const hard = await load('hard.csv', `Id\n${ids[1]}\n`, { operation: 'hardDelete' });
    expect(hard.summary.recordsSucceeded).to.equal(1);
  });

  it("a job the org Fails whole: its rows in the errors as never processed, with the org's message", async () => {
    const notices: string[] = [];
    const { summary, ok, failed } = await load('bad.csv', `Name,Nope__c\n${prefix}A,1\n${prefix}B,2\n`, { onNotice: (m) => notices.push(m) });
    expect(ok).to.deep.equal([]);
    expect(failed.map((r) => Number(r.sf__Row))).to.deep.equal([1, 2]);
    for (const row of failed) expect(row.sf__Error).to.match(/^BULKPIPE_NOT_PROCESSED:job 750\w+ ended Failed \(.*Nope__c.*\) before the org processed this record/);
    expect(summary.recordsFailed).to.equal(2);
    expect(summary.failedJobs).to.have.length(1);
    expect(summary.failedJobs[0]).to.include({ state: 'Failed' });
    expect(summary.failedJobs[0]?.errorMessage).to.contain('Nope__c');
    expect(notices.some((m) => /^job 750\w+ ended Failed: .*Nope__c/.test(m))).to.equal(true, notices.join('\n'));
  });

  it('a poll that outlives its timeout fails the run with the records pending in the ledger, never failed; the resume joins them', async () => {
    const slow = await startTestOrg({ faults: { holdInProgressMs: 1_500 } });
    try {
      const input = join(tmp.path, `${n}-slow.csv`);
      await writeFile(input, `Name\n${Array.from({ length: 20 }, (_, i) => `${prefix}${i + 1}`).join('\n')}\n`);
      const base = ledgered(input, { client: slow.client });
      const first = await rejection(bulkLoad({ ...base, pollTimeoutMs: 100 }));
      expect(first).to.include({ code: 'BULK_POLL_TIMEOUT' });
      expect(await rowsOf(base.errorPath as string)).to.deep.equal([]);
      expect((await readLedger(base.ledgerDir as string)).pending).to.have.length(1);
      const summary = await bulkLoad({ ...base, resume: true });
      expect(summary).to.include({ recordsSucceeded: 20, recordsFailed: 0 });
      expect((await rowsOf(base.successPath as string)).map((r) => Number(r.sf__Row))).to.deep.equal(Array.from({ length: 20 }, (_, i) => i + 1));
    } finally {
      await slow.close();
    }
  });

  it('a job aborted while it runs: the rows the org processed have their results, the others are never processed, all once', async () => {
    // An org whose internal batches take a while, one at a time: the abort lands while some are still queued.
    const slow = await startTestOrg({ parallelism: 1, faults: { holdInProgressMs: 300 } });
    try {
      const ROWS = 30_000;
      const lines = Array.from({ length: ROWS }, (_, i) => `${prefix}${i + 1}`);
      let aborted = false;
      const { ok, failed } = await load('abort.csv', `Name\n${lines.join('\n')}\n`, {
        client: slow.client,
        onBatch: (event) => {
          if (event.stage === 'submitted' && !aborted) {
            aborted = true;
            void slow.client.ingestJobs.abort(event.batch.jobId).catch(() => undefined);
          }
        },
      });
      expectEveryRowOnce(ok, failed, ROWS);
      expect(failed.length).to.be.greaterThan(0);
      for (const row of failed) expect(row.sf__Error).to.match(/^BULKPIPE_NOT_PROCESSED:job 750\w+ ended Aborted before the org processed this record/);
      const inOrg = await namesInOrg(slow.client, prefix);
      expect(inOrg.sort()).to.deep.equal(ok.map((r) => r.Name as string).sort());
    } finally {
      await slow.close();
    }
  });

  it("a resume after a lost create answer aborts the job it made, never another load's like job made then", async () => {
    const input = join(tmp.path, `${n}-lost.csv`);
    await writeFile(input, `Name\n${Array.from({ length: 30 }, (_, i) => `${prefix}${i}`).join('\n')}\n`);
    const base = ledgered(input);
    const ingest = t.client.ingestJobs;
    const create = ingest.create.bind(ingest);
    let made = '';
    // The org makes the job; its answer is lost (every retry's too), so the run fails with no job id in its ledger.
    const lose = async (...args: Parameters<typeof create>) => {
      made = (await create(...args)).id;
      throw new Error('the create answer was lost');
    };
    Object.assign(ingest, { create: lose });
    try {
      await rejection(bulkLoad(base));
    } finally {
      Object.assign(ingest, { create });
    }
    const notices: string[] = [];
    const first = await bulkLoad({ ...base, resume: true, onNotice: (m) => notices.push(m) });
    expect(first.recordsSucceeded).to.equal(30);
    expect((await ingest.get(made)).state).to.equal('Aborted');
    expect(notices.join('\n')).to.contain(`${made}, made by them and holding no data, are aborted`);
    // Again, with another load's like job made in the same minute: two candidates for one lost create, so none is aborted.
    const base2 = { ...base, ledgerDir: join(tmp.path, `${n}-ledger2`), successPath: `${input}.ok2.csv`, errorPath: `${input}.err2.csv` };
    Object.assign(ingest, { create: lose });
    try {
      await rejection(bulkLoad(base2));
    } finally {
      Object.assign(ingest, { create });
    }
    const foreign = await create({ object: 'Account', operation: 'insert', lineEnding: 'LF' });
    const later: string[] = [];
    await bulkLoad({ ...base2, resume: true, onNotice: (m) => later.push(m) });
    expect((await ingest.get(foreign.id)).state).to.equal('Open');
    expect((await ingest.get(made)).state).to.equal('Open');
    expect(later.join('\n')).to.match(/2 Open jobs like them were made then .*none is aborted/);
    await ingest.abort(foreign.id);
    await ingest.abort(made);
  });

  it('a create answer lost on the way: the client sends it again, and the job the lost one made (empty) is aborted at the end, said', async () => {
    const proxy = await new FaultProxy(t.org.instanceUrl).start();
    const client = new BulkClient({ instanceUrl: proxy.url, accessToken: t.session, retry: { minDelayMs: 5, maxDelayMs: 20 } });
    try {
      const creates = (r: { method: string; url: string }) => r.method === 'POST' && /\/jobs\/ingest\/?$/.test(r.url);
      proxy.rule = (r) => (creates(r) && r.n === 1 ? 'cut' : 'pass');
      const notices: string[] = [];
      const { ok, summary } = await load('lostcreate.csv', `Name\n${prefix}a\n${prefix}b\n`, { client, onNotice: (m) => notices.push(m) });
      expect(ok).to.have.length(2);
      const aborted = /job\(s\) (750\w+), made by them and holding no data, are aborted/.exec(notices.join('\n'));
      expect(aborted, notices.join('\n')).to.not.equal(null);
      expect(aborted?.[1]).to.not.equal(summary.jobId);
      expect((await t.client.ingestJobs.get(aborted?.[1] as string)).state).to.equal('Aborted');
    } finally {
      await client.close();
      await proxy.close();
    }
  });

  it('a CSV file of small segments under a long header: the jobs shrink to single segments at the end, as the budget plans them (review: the headers each payload repeats once ran the tail into two large jobs)', async () => {
    const RECORDS = 3_000;
    const BATCH = 10;
    // Each payload repeats the header: 110 bytes against a segment's ~150 bytes of records (records of one length, as the plan takes them).
    const header = 'Name,Description,BillingStreet,BillingCity,BillingState,BillingPostalCode,BillingCountry,Website,Phone,Industry';
    const text = `${header}\n${Array.from({ length: RECORDS }, (_, i) => `${prefix}${String(i).padStart(4, '0')},,,,,,,,,`).join('\n')}\n`;
    const jobs: string[] = [];
    const { summary, failed } = await load('tail.csv', text, { batchSize: BATCH, onJob: (job) => jobs.push(job.id) });
    expect(summary.recordsSucceeded).to.equal(RECORDS);
    expect(failed).to.have.length(0);
    const segments: number[] = [];
    for (const id of jobs) segments.push((await t.client.ingestJobs.get(id)).numberRecordsProcessed / BATCH);
    const plan = planJobs({ records: RECORDS, bytes: Buffer.byteLength(text), batchSize: BATCH, jobSize: undefined, grow: true, sizeKnown: true, headerBytes: header.length + 1 });
    expect(segments).to.deep.equal(plan.map((j) => j.segments));
    expect(segments.slice(-3)).to.deep.equal([1, 1, 1]);
    expect(Math.max(...segments.slice(-6))).to.be.below(10);
  });

  it("a run stopped in the middle of a job's join resumes from the ordered results: exactly once, no second upload", async () => {
    const ROWS = 700;
    const lines = Array.from({ length: ROWS }, (_, i) => `${prefix}${i + 1},${(i + 1) % 50 === 0 ? 'x' : i + 1}`);
    const input = join(tmp.path, `${n}-half.csv`);
    await writeFile(input, `Name,NumberOfEmployees\n${lines.join('\n')}\n`);
    const ledgerDir = join(tmp.path, `${n}-ledger`);
    const abort = new AbortController();
    const base = ledgered(input, { batchSize: 100, ledgerDir });
    let segments = 0;
    // Seven segments in growing jobs that shrink again at the end (issue 28): [0], [1], [2], [3, 4], [5], [6]; stopped with segment 3 joined and 4 not.
    const first = await rejection(
      bulkLoad({
        ...base,
        signal: abort.signal,
        onRows: () => {
          if (++segments === 4) abort.abort(new Error('stopped mid-join'));
        },
      }),
    );
    expect(first.message).to.match(/abort|stopped/i);
    const state = await readLedger(ledgerDir);
    expect(state.ingestJobs.slice(0, 4).map((j) => [j.seqs, j.ordered])).to.deep.equal([
      [[0], true],
      [[1], true],
      [[2], true],
      [[3, 4], true],
    ]);
    expect(state.pending.length).to.be.greaterThan(0);
    const summary = await bulkLoad({ ...base, resume: true });
    expect(summary.resumed).to.equal(true);
    const ok = await rowsOf(base.successPath as string);
    const failed = await rowsOf(base.errorPath as string);
    expectEveryRowOnce(ok, failed, ROWS);
    expect(failed).to.have.length(14);
    const inOrg = await namesInOrg(t.client, prefix);
    expect(new Set(inOrg).size).to.equal(inOrg.length);
    expect(inOrg.sort()).to.deep.equal(ok.map((r) => r.Name as string).sort());
    // No second job for a segment: the stopped run's jobs went on, and the resume made one only for segments that had none.
    const jobs = (await readLedger(ledgerDir)).ingestJobs;
    expect(jobs.slice(0, state.ingestJobs.length).map((j) => j.jobId)).to.deep.equal(state.ingestJobs.map((j) => j.jobId));
    expect(jobs.flatMap((j) => j.seqs)).to.deep.equal([0, 1, 2, 3, 4, 5, 6]);
    expect(await readdir(ledgerDir)).to.deep.equal(['ledger.ndjson']);
  });
});
