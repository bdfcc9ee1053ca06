/**
 * RecordRetrier: validation; against a local org whose lockFail fault fails a share of rows once,
 * each finished batch leaves once with its results merged in the spool (an Attempts column), the
 * lock failures told for first attempts and retries; what must not be retried passes untouched
 * (a Failed batch, a segment never uploaded, an XML job's batch, with a notice); errors propagate.
 */
import { expect } from 'chai';
import { appendFile, mkdir, readFile, writeFile } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { join } from 'node:path';
import { LEDGER_FILE } from '../../lib/load/ledger-state.js';
import { LoadLedger, readLedger } from '../../lib/load/load-ledger.js';
import { LoadSpool } from '../../lib/load/load-spool.js';
import type { FinishedBatch, SpooledBatch } from '../../lib/load-types.js';
import { RecordRetrier, type RecordRetrierOptions } from '../../transforms/record-retrier.js';
import { rejection } from '../helpers/fixtures.js';
import { startTestOrg, type TestOrg } from '../helpers/local-org.js';
import { collector } from '../helpers/streams.js';
import { useTempDir } from '../helpers/temp-dir.js';

const JOB = { operation: 'insert', object: 'Account', contentType: 'CSV' } as const;

/** The client, its every method call's name pushed to `calls` (what a resume sends or reads). */
function watching<T extends object>(client: T, calls: string[]): T {
  return new Proxy(client, {
    get(target, name) {
      const value = Reflect.get(target, name, target) as unknown;
      if (typeof value !== 'function') return value;
      return (...args: unknown[]) => {
        calls.push(String(name));
        return (value as (...a: unknown[]) => unknown).apply(target, args);
      };
    },
  });
}

describe('transforms/record-retrier', () => {
  const tmp = useTempDir('bulkpipe-retrier-');
  let t: TestOrg;
  let jobId: string;
  let n = 0;
  before(async () => {
    t = await startTestOrg({ faults: 'seed=11,lockFail=0.3' });
  });
  after(async () => {
    await t.close();
  });
  beforeEach(async () => {
    jobId = (await t.client.createJob(JOB)).id;
    n++;
  });

  const options = (spool: LoadSpool, more: Partial<RecordRetrierOptions> = {}): RecordRetrierOptions => ({
    client: t.client,
    spool,
    job: JOB,
    delayMs: 1,
    minIntervalMs: 5,
    maxIntervalMs: 20,
    ...more,
  });

  /** A segment of `count` Name records, spooled, uploaded and finished. */
  async function finished(spool: LoadSpool, seq: number, count: number): Promise<FinishedBatch> {
    const names = Array.from({ length: count }, (_, i) => `T${n}-${seq}-${i}`);
    const path = await spool.path(seq, 'payload', 'csv');
    await writeFile(path, `Name\n${names.join('\n')}\n`);
    const info = await t.client.addBatch(jobId, { path });
    await t.org.whenIdle();
    const done = await t.client.getBatch(jobId, info.id);
    const rows = [[seq * 1000 + 1, count]] as const;
    return {
      kind: 'finished',
      seq,
      path,
      contentType: 'CSV',
      records: count,
      rejected: 0,
      bytes: 0,
      rows,
      columns: ['Name'],
      jobId,
      batchId: info.id,
      state: done.state,
      stateMessage: done.stateMessage,
      processed: done.numberRecordsProcessed,
    };
  }

  it('validation: bad options throw BULK_INVALID_OPTION', async () => {
    const spool = new LoadSpool({ dir: tmp.path });
    const bad: Array<Partial<RecordRetrierOptions> & Record<string, unknown>> = [
      { retryRecords: -1 },
      { retryRecords: 21 },
      { retryRecords: 1.5 },
      { concurrency: 0 },
      { segments: 0 },
      { delayMs: -1 },
      { maxDelayMs: -5 },
      { spool: {} as LoadSpool },
      { minIntervalMs: 100, maxIntervalMs: 10 },
    ];
    for (const more of bad)
      expect(() => new RecordRetrier(options(spool, more)), JSON.stringify(more))
        .to.throw()
        .with.property('code', 'BULK_INVALID_OPTION');
  });

  it('sends the rows that failed on a lock again until they succeed: each batch once, its results merged with their attempts', async () => {
    const spool = new LoadSpool({ dir: tmp.path });
    const batches = [await finished(spool, 0, 40), await finished(spool, 1, 30), await finished(spool, 2, 20)];
    const seen: Array<[number, number]> = [];
    const retries: Array<{ seq: number; attempt: number; records: number }> = [];
    const retrier = new RecordRetrier(options(spool, { onLockFailures: (sent, failed) => seen.push([sent, failed]) }));
    retrier.on('retry', (r) => retries.push(r));
    const out = collector<FinishedBatch>();
    await pipeline(Readable.from(batches), retrier, out);
    expect(out.items.map((b) => b.seq).sort()).to.deep.equal([0, 1, 2]);
    let retried = 0;
    for (const item of out.items) {
      const lines = (await readFile(item.resultsPath as string, 'utf8')).trim().split('\n');
      expect(lines).to.have.length(item.records + 1);
      if (lines[0] === '"Id","Success","Created","Error","Attempts"') {
        expect(lines.slice(1).every((l) => /^"001\w{15}",true,true,"",[12]$/.test(l))).to.equal(true);
        retried += lines.filter((l) => l.endsWith(',2')).length;
      } else expect(lines.slice(1).every((l) => l.includes('"true"'))).to.equal(true);
    }
    // Every lock failure of a first attempt was retried once, and went through.
    const firstFailures = seen.filter(([sent]) => sent >= 20).reduce((sum, [, failed]) => sum + failed, 0);
    expect(retried).to.equal(firstFailures).and.to.be.greaterThan(5);
    expect(retries.reduce((sum, r) => sum + r.records, 0)).to.equal(retried);
    expect(retries.every((r) => r.attempt === 2)).to.equal(true);
    expect(seen.filter(([sent]) => sent < 20).every(([, failed]) => failed === 0)).to.equal(true);
  });

  it('never sends blind: a Failed batch, a segment never uploaded, an XML batch and one none of whose records failed pass as they are (with a notice for XML)', async () => {
    const spool = new LoadSpool({ dir: tmp.path });
    const ok = await finished(spool, 0, 3);
    const failed: FinishedBatch = { ...ok, seq: 1, state: 'Failed', stateMessage: 'InvalidBatch : x', processed: 0 };
    const short: FinishedBatch = { ...ok, seq: 2, processed: 2 };
    const xml: FinishedBatch = { ...ok, seq: 3, contentType: 'XML' };
    const rejected: SpooledBatch = { kind: 'batch', seq: 4, path: null, contentType: 'CSV', records: 0, rejected: 2, bytes: 0, rows: [], columns: ['Name'] };
    // The org said none failed (numberRecordsFailed 0): its results are not downloaded to be scanned (issue 28).
    const clean: FinishedBatch = { ...ok, seq: 5, failed: 0 };
    const notices: string[] = [];
    const seen: Array<[number, number]> = [];
    const retrier = new RecordRetrier(options(spool, { client: null as unknown as RecordRetrierOptions['client'], onLockFailures: (sent, failed) => seen.push([sent, failed]) }));
    retrier.on('notice', (m) => notices.push(m));
    const out = collector<FinishedBatch | SpooledBatch>();
    await pipeline(Readable.from([failed, short, xml, rejected, clean]), retrier, out);
    expect(out.items).to.deep.equal([failed, short, xml, rejected, clean]);
    expect(seen).to.deep.equal([[3, 0]]);
    expect(notices).to.have.length(1);
    expect(notices[0]).to.match(/CSV jobs only/);
  });

  it('a results download that fails rejects the pipeline with its code; an item of the wrong stage is BULK_PIPELINE', async () => {
    const spool = new LoadSpool({ dir: tmp.path });
    const ok = await finished(spool, 0, 3);
    const gone: FinishedBatch = { ...ok, batchId: '751000000000000AAA' };
    const err = await rejection(pipeline(Readable.from([gone]), new RecordRetrier(options(spool)), collector()));
    expect(err.code).to.match(/^BULK_/);
    const wrong = await rejection(pipeline(Readable.from([{ kind: 'joined' }]), new RecordRetrier(options(spool)), collector()));
    expect(wrong.code).to.equal('BULK_PIPELINE');
  });

  it('a resumed run goes on from the ledger: a merged file whose hash matches is used as it is (no request), a damaged one is refused', async () => {
    const dir = join(tmp.path, 'run');
    const ledger = new LoadLedger(dir);
    await ledger.start({
      runId: 'r',
      org: 'o',
      shape: { input: null, source: 'in', format: 'csv', contentType: 'CSV', object: 'Account', operation: 'insert', batchSize: 100, serial: false },
      inputFile: null,
    });
    const spool = new LoadSpool({ dir: ledger.spoolDir });
    const batches = [await finished(spool, 0, 40), await finished(spool, 1, 40)];
    const first = collector<FinishedBatch>();
    await pipeline(Readable.from(batches), new RecordRetrier(options(spool, { ledger })), first);
    await ledger.close();
    const { retries } = await readLedger(dir);
    expect([...retries.steps.values()].map((s) => [s.kind, s.attempt])).to.deep.equal([
      ['merged', 2],
      ['merged', 2],
    ]);
    expect(retries.batchJobs).to.have.length(1);
    // Resumed: the merged files are the outcome; nothing is sent or read again (the run's end looks whether its retry job is Open).
    const calls: string[] = [];
    const watched = watching(t.client, calls);
    const again = new RecordRetrier(options(new LoadSpool({ dir: ledger.spoolDir }), { client: watched }));
    again.goOn(retries);
    const second = collector<FinishedBatch>();
    await pipeline(Readable.from(batches), again, second);
    const text = async (items: FinishedBatch[]) => Promise.all([...items].sort((a, b) => a.seq - b.seq).map((b) => readFile(b.resultsPath as string, 'utf8')));
    expect(await text(second.items)).to.deep.equal(await text(first.items));
    expect(calls.filter((c) => c !== 'getJob')).to.deep.equal([]);
    // A merged file changed since: which rows await which attempt cannot be told.
    await appendFile(first.items.find((b) => b.seq === 1)?.resultsPath as string, 'x');
    const refused = new RecordRetrier(options(new LoadSpool({ dir: ledger.spoolDir }), { client: watched }));
    refused.goOn(retries);
    const err = await rejection(pipeline(Readable.from(batches), refused, collector()));
    expect(err).to.have.property('code', 'BULK_LEDGER');
    expect(err).to.have.nested.property('context.problem', 'retry-spool-damaged');
  });

  it('a resumed attempt whose retry job the org no longer has (v1 deletes jobs after 7 days): its rows are unknown, in the results as BULKPIPE_RETRY_UNKNOWN, never sent again', async () => {
    const dir = join(tmp.path, 'gone');
    const ledger = new LoadLedger(dir);
    await ledger.start({
      runId: 'r',
      org: 'o',
      shape: { input: null, source: 'in', format: 'csv', contentType: 'CSV', object: 'Account', operation: 'insert', batchSize: 100, serial: false },
      inputFile: null,
    });
    const spool = new LoadSpool({ dir: ledger.spoolDir });
    const batch = await finished(spool, 0, 40);
    await pipeline(Readable.from([batch]), new RecordRetrier(options(spool, { ledger })), collector());
    await ledger.close();
    const lines = (await readFile(join(dir, LEDGER_FILE), 'utf8')).trim().split('\n');
    const retryJob = (await readLedger(dir)).retries.batchJobs[0] as string;
    // The local org cannot delete a v1 job: an id it never had gets the answer a deleted one does.
    const gone = '750000000000099AAA';
    /** The run as if killed before the line of `type` for attempt 2 (or after it: `upTo`), its retry job gone from the org. */
    const resumedFrom = async (type: string, upTo: boolean) => {
      const at = lines.findIndex((l) => l.includes(`"type":"${type}"`));
      const copy = join(tmp.path, `gone-${type}`);
      await mkdir(copy, { recursive: true });
      await writeFile(
        join(copy, LEDGER_FILE),
        `${lines
          .slice(0, upTo ? at + 1 : at)
          .join('\n')
          .replaceAll(retryJob, gone)}\n`,
      );
      return (await readLedger(copy)).retries;
    };
    for (const [type, upTo] of [
      ['retrySent', true],
      ['retrySent', false],
    ] as const) {
      const retries = await resumedFrom(type, upTo);
      const step = retries.steps.get(0);
      if (step?.kind !== 'attempt') throw new Error(`attempt 2 awaited: ${JSON.stringify(step)}`);
      expect(step.batchId !== undefined, `${type} ${upTo}`).to.equal(upTo);
      const calls: string[] = [];
      const watched = watching(t.client, calls);
      const again = new RecordRetrier(options(new LoadSpool({ dir: ledger.spoolDir }), { client: watched }));
      again.goOn(retries);
      const out = collector<FinishedBatch>();
      await pipeline(Readable.from([batch]), again, out);
      expect(calls).to.not.include('addBatch');
      expect(calls).to.not.include('createJob');
      const results = (await readFile(out.items[0]?.resultsPath as string, 'utf8')).trim().split('\n');
      expect(results).to.have.length(41);
      const unknown = results.filter((l) => l.includes('BULKPIPE_RETRY_UNKNOWN'));
      expect(unknown.length).to.equal(step.rows.length).and.to.be.greaterThan(3);
      expect(unknown[0])
        .to.include(`attempt 2's ${upTo ? 'batch' : 'job'}`)
        .and.to.include(gone)
        .and.to.include('is gone from the org: whether this record was written is unknown');
    }
  });
});
