/**
 * Loads with a ledger through the local org (pipelines/load-resume.ts with bulkLoad): a run that
 * fails is resumed to exactly-once outputs, for the CSV fast path (read on from a byte offset) and
 * for a parsed format (parsed again, the records cut before passed over); a stream input says what
 * it never read; a resumed run must be the same load; the org restarted mid-job is ridden out.
 */
import { expect } from 'chai';
import { appendFile, readFile, readdir, stat, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { gzipSync } from 'node:zlib';
import { parse } from 'csv-parse/sync';
import { BulkClient } from '../../lib/http/client.js';
import { readLedger } from '../../lib/load/load-ledger.js';
import { LoadSpool } from '../../lib/load/load-spool.js';
import { bulkLoad, type BulkLoadOptions, type LoadSummary } from '../../pipelines/bulk-load.js';
import { OrgBatches } from '../../lib/load/org-batches.js';
import type { SpooledBatch } from '../../lib/load-types.js';
import { recordDigest } from '../../lib/load/csv-payload-records.js';
import { checkLedger, readingOn, uploadRefusal } from '../../pipelines/load-resume.js';
import { startServer, type LocalOrg } from '../../server/index.js';
import { rejection } from '../helpers/fixtures.js';
import { FaultProxy, RESULT, is } from '../helpers/fault-proxy.js';
import { useTestOrg } from '../helpers/local-org.js';
import { useTempDir } from '../helpers/temp-dir.js';
import { waitFor } from '../helpers/wait-for.js';
import { namesInOrg } from '../helpers/org-query.js';

type Row = Record<string, string>;
const csv = (text: string) => parse(text, { columns: true }) as Row[];

describe('pipelines/load-resume (bulkLoad with a ledger)', function () {
  this.timeout(60_000);
  const t = useTestOrg();
  const tmp = useTempDir('bulkpipe-resume-');
  let prefix = '';
  let n = 0;
  beforeEach(() => {
    prefix = `LR-${++n}-`;
  });

  const orgNames = (client: BulkClient = t.org.client) => namesInOrg(client, prefix);

  /** A load that fails once its third result download is cut for good, then its resume; both through a proxy. */
  async function failThenResume(
    name: string,
    text: string | Buffer,
    options: Partial<BulkLoadOptions> = {},
  ): Promise<{ first: Error; summary: LoadSummary; ok: Row[]; failed: Row[] }> {
    const proxy = await new FaultProxy(t.org.org.instanceUrl).start();
    const client = new BulkClient({ instanceUrl: proxy.url, accessToken: t.org.session, retry: { maxElapsedMs: 300, minDelayMs: 5, maxDelayMs: 50 } });
    try {
      const input = join(tmp.path, name);
      await writeFile(input, text);
      const base = {
        client,
        input,
        format: 'csv' as const,
        object: 'Account',
        operation: 'insert' as const,
        batchSize: 10,
        successPath: join(tmp.path, 'ok.csv'),
        errorPath: join(tmp.path, 'bad.csv'),
        ledgerDir: join(tmp.path, 'ledger'),
        minPollIntervalMs: 10,
        maxPollIntervalMs: 50,
        ...options,
      };
      proxy.rule = (r) => (RESULT(r) && r.n >= 3 ? 'cut' : 'pass');
      const first = await rejection(bulkLoad(base));
      const state = await readLedger(base.ledgerDir);
      expect(state.finished).to.equal(false);
      // Segments joined before the cut: the first for sure; the second too unless its join (a file
      // write) was still under way when the cut third download used up its retries (300 ms), as on a
      // loaded machine. Either way the resume must load the rest exactly once.
      expect(state.joined?.seq).to.be.oneOf([0, 1]);
      proxy.rule = () => 'pass';
      const summary = await bulkLoad({ ...base, resume: true, input: typeof base.input === 'string' ? base.input : Readable.from([]) });
      expect((await readLedger(base.ledgerDir)).finished).to.equal(true);
      expect(await readdir(base.ledgerDir)).to.deep.equal(['ledger.ndjson']); // the spool is gone
      return { first, summary, ok: csv(await readFile(base.successPath, 'utf8')), failed: csv(await readFile(base.errorPath, 'utf8')) };
    } finally {
      await client.close();
      await proxy.close();
    }
  }

  const names = (count: number) => Array.from({ length: count }, (_, i) => `${prefix}${i + 1}`);

  it('CSV fast path: a failed run resumed from the byte offset after its last segment, exactly once', async () => {
    const { first, summary, ok, failed } = await failThenResume('in.csv', `Name\n${names(95).join('\n')}\n`);
    expect(first.message).to.match(/failed|cut|closed|reset/i);
    expect(summary).to.include({ resumed: true, recordsRead: 95, recordsSucceeded: 95, recordsFailed: 0, recordsPending: 0 });
    expect(failed).to.deep.equal([]);
    expect(ok.map((r) => Number(r.sf__Row))).to.deep.equal(Array.from({ length: 95 }, (_, i) => i + 1));
    expect(ok.map((r) => r.Name)).to.deep.equal(names(95));
    expect((await orgNames()).sort()).to.deep.equal(names(95).sort());
  });

  it('a gzip CSV file: decompressed again from the start (no offset to seek to), the rows cut before passed over, exactly once', async () => {
    const { summary, ok, failed } = await failThenResume('in.csv.gz', gzipSync(`Name\n${names(64).join('\n')}\n`));
    expect(summary).to.include({ resumed: true, recordsRead: 64, recordsSucceeded: 64, recordsFailed: 0 });
    expect(failed).to.deep.equal([]);
    expect(ok.map((r) => r.Name)).to.deep.equal(names(64));
    expect((await orgNames()).sort()).to.deep.equal(names(64).sort());
  });

  it('NDJSON: parsed again from the start, the records cut before passed over, exactly once', async () => {
    const text = `${names(57)
      .map((name, i) => JSON.stringify(i === 20 ? { Name: name, Bogus__c: 1 } : { Name: name }))
      .join('\n')}\n`;
    const { summary, ok, failed } = await failThenResume('in.ndjson', text, { format: 'ndjson' });
    expect(summary).to.include({ recordsRead: 57, recordsSucceeded: 56, recordsFailed: 1 });
    expect([...ok, ...failed].map((r) => Number(r.sf__Row)).sort((a, b) => a - b)).to.deep.equal(Array.from({ length: 57 }, (_, i) => i + 1));
    expect(failed.map((r) => r.sf__Row)).to.deep.equal(['21']);
    expect((await orgNames()).length).to.equal(56);
  });

  it('a stream input: the resume finishes what the ledger has and says from which row the input was never read', async () => {
    const proxy = await new FaultProxy(t.org.org.instanceUrl).start();
    const client = new BulkClient({ instanceUrl: proxy.url, accessToken: t.org.session, retry: { maxElapsedMs: 300, minDelayMs: 5, maxDelayMs: 50 } });
    try {
      const base = {
        client,
        format: 'csv' as const,
        object: 'Account',
        operation: 'insert' as const,
        batchSize: 10,
        successPath: join(tmp.path, 'ok.csv'),
        errorPath: join(tmp.path, 'bad.csv'),
        ledgerDir: join(tmp.path, 'ledger'),
        minPollIntervalMs: 10,
        maxPollIntervalMs: 50,
      };
      proxy.rule = (r) => (RESULT(r) && r.n >= 2 ? 'cut' : 'pass');
      // A producer that is still going when the run fails, as a pipe from another program would be.
      const all = names(2000);
      async function* producer() {
        yield 'Name\n';
        for (let i = 0; i < all.length; i += 10) {
          await new Promise((resolve) => setTimeout(resolve, 5));
          yield `${all.slice(i, i + 10).join('\n')}\n`;
        }
      }
      await rejection(bulkLoad({ ...base, input: Readable.from(producer()) }));
      const state = await readLedger(base.ledgerDir);
      expect(state.inputEnded).to.equal(false);
      proxy.rule = () => 'pass';
      const notices: string[] = [];
      const summary = await bulkLoad({ ...base, input: Readable.from([]), resume: true, onNotice: (m) => notices.push(m) });
      const written = [...csv(await readFile(base.successPath, 'utf8')), ...csv(await readFile(base.errorPath, 'utf8'))];
      // Whatever the ledger had spooled is in the outputs; nothing of it twice.
      expect(written.map((r) => Number(r.sf__Row))).to.deep.equal(Array.from({ length: state.inputAt.row }, (_, i) => i + 1));
      expect((await orgNames()).length).to.equal(written.length);
      expect(summary.unreadAfterRow).to.equal(state.inputAt.row);
      expect(notices.join('\n')).to.contain(`after row ${state.inputAt.row} were never read`);
    } finally {
      await client.close();
      await proxy.close();
    }
  });

  it('a failed run that cannot close its job says so, and the resume goes on with that job', async () => {
    const proxy = await new FaultProxy(t.org.org.instanceUrl).start();
    const client = new BulkClient({ instanceUrl: proxy.url, accessToken: t.org.session, retry: { maxElapsedMs: 300, minDelayMs: 5, maxDelayMs: 50 } });
    try {
      const input = join(tmp.path, 'in.csv');
      await writeFile(input, `Name\n${names(30).join('\n')}\n`);
      const notices: string[] = [];
      const base = {
        client,
        input,
        format: 'csv' as const,
        object: 'Account',
        operation: 'insert' as const,
        batchSize: 10,
        successPath: join(tmp.path, 'ok.csv'),
        errorPath: join(tmp.path, 'bad.csv'),
        ledgerDir: join(tmp.path, 'ledger'),
        minPollIntervalMs: 10,
        maxPollIntervalMs: 50,
        onNotice: (m: string) => notices.push(m),
      };
      const CLOSE = is('POST /job/:id');
      proxy.rule = (r) => ((RESULT(r) && r.n >= 2) || CLOSE(r) ? 'cut' : 'pass');
      await rejection(bulkLoad(base));
      const [jobId] = (await readLedger(base.ledgerDir)).jobs;
      expect(notices.join('\n')).to.contain(`job ${jobId} could not be closed`);
      proxy.rule = () => 'pass';
      const summary = await bulkLoad({ ...base, resume: true });
      expect(summary).to.include({ jobId, recordsSucceeded: 30 });
      expect((await orgNames()).length).to.equal(30);
    } finally {
      await client.close();
      await proxy.close();
    }
  });

  it('reads the input on from where the ledger stands: an offset on the fast path, rows passed over otherwise, nothing after its end or of a stream', () => {
    const shape = { input: '/in.csv', source: 'in.csv', format: 'csv', contentType: 'CSV', object: 'Account', operation: 'insert', batchSize: 10_000, serial: false } as const;
    const run = { runId: 'r', org: 'o', shape, inputFile: { size: 1, mtimeMs: 1 } };
    const state = {
      dir: '/l',
      run,
      pid: 1,
      host: 'h',
      startedAt: '',
      jobs: [],
      createdJobs: [],
      batches: new Map(),
      creatingSince: undefined,
      pending: [],
      superseded: [],
      joined: undefined,
      nextSeq: 3,
      inputAt: { row: 30, offset: 900 },
      inputHeader: 'Name\n',
      inputEnded: false,
      finished: false,
      ingestJobs: [],
      retries: { steps: new Map(), jobs: [], batchJobs: [], placed: new Set<string>() },
    };
    expect(readingOn(undefined, true)).to.include({ readInput: true, fromOffset: 0, fromRow: 0 });
    expect(readingOn(state, true)).to.deep.include({
      readInput: true,
      fromOffset: 900,
      fromRow: 30,
      splitterResume: { seq: 3, row: 30, offset: 900, header: 'Name\n' },
      chunkerResume: undefined,
    });
    expect(readingOn(state, false)).to.deep.include({ readInput: true, fromOffset: 0, chunkerResume: { seq: 3, afterRow: 30 }, splitterResume: undefined });
    expect(readingOn({ ...state, inputEnded: true }, true)).to.include({ readInput: false, unreadAfterRow: undefined });
    expect(readingOn({ ...state, run: { ...run, shape: { ...shape, input: null }, inputFile: null } }, true)).to.include({ readInput: false, unreadAfterRow: 30 });
    expect(readingOn({ ...state, nextSeq: 0, inputAt: { row: 0, offset: 0 } }, true)).to.include({ readInput: true, fromOffset: 0 });
    expect(() => readingOn({ ...state, inputHeader: undefined }, true))
      .to.throw()
      .with.property('code', 'BULK_LEDGER');
  });

  it('checks the spool files the ledger names: from the first one gone or damaged on, the segments are cut again from the input, or the resume is refused naming the rows', async () => {
    const input = join(tmp.path, 'in.csv');
    await writeFile(input, `Name\n${names(40).join('\n')}\n`);
    const { size, mtimeMs } = await stat(input);
    const spoolDir = join(tmp.path, 'spool');
    const spool = new LoadSpool({ dir: spoolDir });
    const segment = async (seq: number, body: string, batchId?: string) => {
      await spool.write(seq, 'payload', 'csv', [Buffer.from(body)]);
      const first = seq * 10 + 1;
      return {
        seq,
        records: 10,
        rejected: 0,
        bytes: body.length,
        rows: [[first, 10]] as Array<[number, number]>,
        columns: ['Name'],
        contentType: 'CSV' as const,
        payload: `segment-00000${seq}.csv`,
        end: { row: first + 9, offset: 100 * (seq + 1) },
        files: spool.checks(seq),
        ...(batchId ? { jobId: '750A', batchId } : {}),
      };
    };
    const pending = [await segment(1, 'Name\nb\n', '751B'), await segment(2, 'Name\nc\n', '751C'), await segment(3, 'Name\nd\n')];
    const state = {
      dir: '/l',
      run: {
        runId: 'r',
        org: 'o',
        shape: { input, source: 'in.csv', format: 'csv', contentType: 'CSV', object: 'Account', operation: 'insert', batchSize: 10_000, serial: false } as const,
        inputFile: { size, mtimeMs },
      },
      pid: 1,
      host: 'h',
      startedAt: '',
      jobs: ['750A'],
      createdJobs: ['750A'],
      batches: new Map([['750A', ['751A', '751B', '751C']]]),
      creatingSince: undefined,
      pending,
      superseded: [],
      joined: { seq: 0, succeeded: 10, failed: 0, sizes: {} },
      joinedEnd: { row: 10, offset: 100 },
      nextSeq: 4,
      inputAt: { row: 40, offset: 400 },
      inputHeader: 'Name\n',
      inputEnded: true,
      finished: false,
      ingestJobs: [],
      retries: { steps: new Map(), jobs: [], batchJobs: [], placed: new Set<string>() },
    };
    // Sound: the ledger's state as it is.
    expect(await checkLedger(state, spoolDir)).to.deep.equal({ state, notice: undefined });
    // Segment 2's payload cut short: 2 and 3 are cut again from where 1 ended, their batches matched by bytes.
    await writeFile(join(spoolDir, 'segment-000002.csv'), 'Name\n');
    const checked = await checkLedger(state, spoolDir);
    expect(checked.state).to.deep.include({ nextSeq: 2, inputAt: { row: 20, offset: 200 }, inputEnded: false });
    expect(checked.state.pending.map((s) => s.seq)).to.deep.equal([1]);
    expect(checked.state.batches.get('750A')).to.deep.equal(['751A', '751B']);
    expect(checked.notice).to.contain('segments 2-3 (input rows 21-40) are cut again from the input');
    // They are cut where they ended before (a stop may have cut one short), not where the batch size would.
    expect(readingOn(checked.state, true)).to.deep.include({ fromOffset: 200, splitterResume: { seq: 2, row: 20, offset: 200, header: 'Name\n' }, cuts: [30, 40] });
    expect(readingOn(checked.state, false)).to.deep.include({ chunkerResume: { seq: 2, afterRow: 20 }, cuts: [30, 40] });
    // A segment cut again that takes no org batch is not uploaded while a batch no segment took may hold its rows:
    // one whose segment is cut again (rows known), or one whose segment line the ledger lost (rows after row 40).
    // Only the run's own jobs here: no found job's batch is ever digested.
    const orgBatches = new OrgBatches(() => Promise.reject(new Error('no found job in this test')));
    orgBatches.addUnplaced('c'.repeat(64), { jobId: '750A', batchId: '751C' });
    const refusal = uploadRefusal(checked.state, orgBatches);
    const cut = (seq: number, first: number): SpooledBatch => ({
      kind: 'batch',
      seq,
      path: 'p',
      contentType: 'CSV',
      records: 10,
      rejected: 0,
      bytes: 1,
      rows: [[first, 10]],
      columns: ['Name'],
      end: { row: first + 9, offset: null },
    });
    expect(await refusal(cut(2, 21)))
      .to.contain('segment 2 (input rows 21-30)')
      .and.contain('job 750A: batch 751C');
    expect(await refusal(cut(3, 31))).to.equal(undefined);
    expect(await refusal(cut(4, 41))).to.equal(undefined);
    orgBatches.addUnplaced('d'.repeat(64), { jobId: '750A', batchId: '751D' });
    expect(await refusal(cut(3, 31))).to.equal(undefined);
    expect(await refusal(cut(4, 41)))
      .to.contain('input rows 41-50')
      .and.contain('751D')
      .and.not.contain('751C');
    // A segment the ledger records without its batch (a resume before refused it, cut where the org's batch was not):
    // a batch whose segment line was lost may hold its rows though they are not after the recorded ones.
    const lost = new OrgBatches(() => Promise.reject(new Error('no found job in this test')));
    lost.addUnplaced('e'.repeat(64), { jobId: '750A', batchId: '751E' });
    expect(await uploadRefusal(state, lost)(cut(3, 31)))
      .to.contain('segment 3 (input rows 31-40)')
      .and.contain('751E');
    expect(await uploadRefusal(state, lost)(cut(4, 41))).to.contain('751E');
    // A CSV batch's first record tells where it began: it may hold the rows of the segment whose payload holds that record, and of none before.
    const shapes = new Map([['751E', { firstRecord: recordDigest(Buffer.from('n33\n')), records: 2 }]]);
    const holding = join(tmp.path, 'holding.csv');
    await writeFile(holding, 'Name\nn31\n"n\n32"\nn33\nn34\n');
    const notHolding = join(tmp.path, 'not-holding.csv');
    await writeFile(notHolding, 'Name\nn31\nn33x\n');
    expect(await uploadRefusal(state, lost, shapes)({ ...cut(3, 31), path: holding }))
      .to.contain('segment 3 (input rows 31-40)')
      .and.contain('751E');
    expect(await uploadRefusal(state, lost, shapes)({ ...cut(3, 31), path: notHolding })).to.equal(undefined);
    expect(await uploadRefusal(state, lost, shapes)({ ...cut(4, 41), path: notHolding })).to.equal(undefined);
    // Segment 1's gone: cut again from where the last joined segment ended.
    await unlink(join(spoolDir, 'segment-000001.csv'));
    const fromOne = (await checkLedger(state, spoolDir)).state;
    expect(fromOne).to.deep.include({ nextSeq: 1, inputAt: { row: 10, offset: 100 } });
    expect(readingOn(fromOne, true).cuts).to.deep.equal([20, 30, 40]);
    // The input changed, or a stream: nothing can give those rows again. Refused, naming them.
    await appendFile(input, 'more\n');
    for (const changed of [state, { ...state, run: { ...state.run, shape: { ...state.run.shape, input: null }, inputFile: null } }]) {
      const err = (await rejection(checkLedger(changed, spoolDir))) as Error & { code?: string };
      expect(err.code).to.equal('BULK_LEDGER');
      expect(err.message).to.contain('Nothing accounts for input rows 11-40 and any after');
    }
    await spool.dispose();
  });

  it('refuses to resume as another load, or a finished one, or without a ledger', async () => {
    const input = join(tmp.path, 'in.csv');
    await writeFile(input, `Name\n${names(3).join('\n')}\n`);
    const base = {
      client: t.org.client,
      input,
      format: 'csv' as const,
      object: 'Account',
      operation: 'insert' as const,
      successPath: join(tmp.path, 'ok.csv'),
      errorPath: join(tmp.path, 'bad.csv'),
      ledgerDir: join(tmp.path, 'ledger'),
      minPollIntervalMs: 10,
    };
    await bulkLoad(base);
    expect(await rejection(bulkLoad({ ...base, resume: true }))).to.include({ code: 'BULK_LEDGER' });
    expect(await rejection(bulkLoad({ ...base, object: 'Contact', resume: true }))).to.include({ code: 'BULK_INVALID_OPTION', option: 'resume' });
    await writeFile(join(tmp.path, 'other.csv'), 'Name\nX\n');
    const otherInput = await rejection(bulkLoad({ ...base, input: join(tmp.path, 'other.csv'), resume: true }));
    expect(otherInput).to.include({ option: 'resume' });
    expect(otherInput.message).to.contain('other.csv now');
    expect(await rejection(bulkLoad(base))).to.include({ code: 'BULK_LEDGER' }); // a new run never writes over a ledger
    const { ledgerDir: _ledger, ...without } = base;
    expect(await rejection(bulkLoad({ ...without, resume: true }))).to.include({ option: 'ledgerDir' });
  });

  it('rides out the org restarted mid-job on the same port and file: exactly once, no retry given up', async () => {
    const db = join(tmp.path, 'org.db');
    let org: LocalOrg = await startServer({ db, port: 0 });
    const port = Number(new URL(org.instanceUrl).port);
    let retries = 0;
    const client = await BulkClient.login({
      loginUrl: org.loginUrl,
      username: org.username,
      password: org.password,
      retry: { maxElapsedMs: 30_000, minDelayMs: 20, maxDelayMs: 200 },
      onRetry: () => retries++,
    });
    const restarting = { done: Promise.resolve() };
    try {
      const input = join(tmp.path, 'in.csv');
      await writeFile(input, `Name\n${names(300).join('\n')}\n`);
      let restarted = false;
      const summary = await bulkLoad({
        client,
        input,
        format: 'csv',
        object: 'Account',
        operation: 'insert',
        batchSize: 20,
        concurrency: 2,
        successPath: join(tmp.path, 'ok.csv'),
        errorPath: join(tmp.path, 'bad.csv'),
        ledgerDir: join(tmp.path, 'ledger'),
        minPollIntervalMs: 10,
        maxPollIntervalMs: 50,
        onProgress: (p) => {
          if (restarted || p.batchesSubmitted < 3) return;
          restarted = true;
          // Down until the client has met the outage a few times, then back on the same port and file.
          restarting.done = (async () => {
            await org.close();
            const before = retries;
            await waitFor('the client to retry through the outage', () => retries >= before + 3);
            org = await startServer({ db, port });
          })();
        },
      });
      await restarting.done;
      expect(restarted).to.equal(true);
      expect(retries).to.be.at.least(3);
      expect(summary).to.include({ recordsRead: 300, recordsSucceeded: 300, recordsFailed: 0 });
      const ok = csv(await readFile(join(tmp.path, 'ok.csv'), 'utf8'));
      expect(ok.map((r) => Number(r.sf__Row))).to.deep.equal(Array.from({ length: 300 }, (_, i) => i + 1));
      expect((await orgNames(client)).sort()).to.deep.equal(names(300).sort());
    } finally {
      await restarting.done.catch(() => undefined);
      await client.close();
      await org.close();
    }
  });
});
