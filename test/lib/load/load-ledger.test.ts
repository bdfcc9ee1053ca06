import { expect } from 'chai';
import { appendFile, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { RunLockedError } from '../../../lib/errors.js';
import { LEDGER_FILE, LoadLedger, readLedger, type LedgerRun } from '../../../lib/load/load-ledger.js';
import { probeRunLock } from '../../../lib/load/run-lock.js';
import { rejection } from '../../helpers/fixtures.js';
import { useTempDir } from '../../helpers/temp-dir.js';

const RUN: LedgerRun = {
  runId: 'r1',
  org: 'http://org',
  shape: {
    input: '/in.csv',
    source: 'in.csv',
    format: 'csv',
    contentType: 'CSV',
    object: 'Account',
    operation: 'insert',
    batchSize: 10_000,
    serial: false,
    successPath: '/ok.csv',
  },
  inputFile: { size: 10, mtimeMs: 1 },
};
const segment = (seq: number, first: number, count: number) => ({
  seq,
  records: count,
  rejected: 0,
  bytes: 100,
  rows: [[first, count]] as Array<[number, number]>,
  columns: ['Name'],
  contentType: 'CSV' as const,
  payload: `segment-${seq}.csv`,
  end: { row: first + count - 1, offset: 1000 * (seq + 1) },
});

describe('lib/load/load-ledger', () => {
  const tmp = useTempDir('bulkpipe-ledger-');
  const dir = () => join(tmp.path, 'run');

  it('reads back where a run stands: its job, pending segments with their batches, the last joined, the input position', async () => {
    const ledger = new LoadLedger(dir());
    await ledger.start(RUN);
    await ledger.creatingJob();
    await ledger.job('750A');
    await ledger.segment({ ...segment(0, 1, 10), header: 'Name\n' });
    await ledger.segment(segment(1, 11, 10));
    await ledger.batch(0, '750A', '751A');
    await ledger.batch(1, '750A', '751B');
    await ledger.joined({ seq: 0, succeeded: 9, failed: 1, sizes: { successPath: 300 } });
    await ledger.segment(segment(2, 21, 5));
    await ledger.close();
    const state = await readLedger(dir());
    expect(state.run).to.deep.equal(RUN);
    expect(state.pid).to.equal(process.pid);
    expect(state).to.include({ creatingSince: undefined, nextSeq: 3, inputEnded: false, finished: false, inputHeader: 'Name\n' });
    expect(state.jobs).to.deep.equal(['750A']);
    expect(state.batches.get('750A')).to.deep.equal(['751A', '751B']);
    expect(state.joined).to.deep.equal({ seq: 0, succeeded: 9, failed: 1, sizes: { successPath: 300 } });
    expect(state.pending.map((s) => [s.seq, s.batchId])).to.deep.equal([
      [1, '751B'],
      [2, undefined],
    ]);
    expect(state.inputAt).to.deep.equal({ row: 25, offset: 3000 });
  });

  it('tells the jobs the run made (a job line) from jobs found in the org and named by batch lines alone', async () => {
    const ledger = new LoadLedger(dir());
    await ledger.start(RUN);
    await ledger.job('750A');
    await ledger.segment(segment(0, 1, 10));
    await ledger.batch(0, '750A', '751A');
    // A resume found a job whose line the ledger lost, by its batches: it is the run's, but the run did not make it.
    await ledger.segment(segment(1, 11, 10));
    await ledger.batch(1, '750F', '751F');
    await ledger.close();
    const state = await readLedger(dir());
    expect(state.jobs).to.deep.equal(['750A', '750F']);
    expect(state.createdJobs).to.deep.equal(['750A']);
  });

  it('knows a create-job POST that no job id followed', async () => {
    const ledger = new LoadLedger(dir());
    await ledger.start(RUN);
    await ledger.creatingJob();
    await ledger.close();
    expect((await readLedger(dir())).creatingSince).to.be.a('number');
  });

  it('skips a torn last line, and a reopened ledger starts on a line of its own', async () => {
    const ledger = new LoadLedger(dir());
    await ledger.start(RUN);
    await ledger.job('750A');
    await ledger.close();
    await appendFile(join(dir(), LEDGER_FILE), '{"type":"segment","seq":0,"reco'); // a crash mid-write
    expect((await readLedger(dir())).pending).to.deep.equal([]);
    const again = new LoadLedger(dir());
    await again.reopen();
    await again.inputEnd(0);
    await again.finished();
    await again.close();
    const state = await readLedger(dir());
    expect(state).to.include({ inputEnded: true, finished: true });
    expect((await readFile(join(dir(), LEDGER_FILE), 'utf8')).split('\n').filter((l) => l.includes('"type":"resumed"'))).to.have.length(1);
  });

  it('is open in one process at a time: start and reopen take the run lock, refused while another holds it, let go on close', async () => {
    const ledger = new LoadLedger(dir());
    await ledger.start(RUN);
    const second = new LoadLedger(dir());
    const err = await rejection(second.reopen());
    expect(err).to.include({ code: 'BULK_LOCKED' });
    expect((err as RunLockedError).holder).to.include({ pid: process.pid });
    expect(await rejection(second.lock())).to.include({ code: 'BULK_LOCKED' });
    expect(await rejection(new LoadLedger(join(tmp.path, 'none')).lock())).to.include({ code: 'BULK_LEDGER' });
    // The start of a ledger that exists fails on the ledger, not the lock, once the first is closed, and lets the lock go.
    await ledger.close();
    expect(await rejection(new LoadLedger(dir()).start(RUN))).to.include({ code: 'BULK_LEDGER' });
    expect(await probeRunLock(dir())).to.deep.equal({ held: false });
    await second.reopen();
    expect(await probeRunLock(dir())).to.deep.include({ held: true });
    await second.close();
    expect(await probeRunLock(dir())).to.deep.equal({ held: false });
  });

  it('refuses a folder with a ledger in it, a folder without one, and a file that is not a ledger', async () => {
    const ledger = new LoadLedger(dir());
    await ledger.start(RUN);
    await ledger.close();
    expect(await rejection(new LoadLedger(dir()).start(RUN))).to.include({ code: 'BULK_LEDGER' });
    expect(await rejection(readLedger(join(tmp.path, 'none')))).to.include({ code: 'BULK_LEDGER' });
    await appendFile(join(tmp.path, LEDGER_FILE), '{"type":"job","jobId":"x"}\n');
    expect(await rejection(readLedger(tmp.path))).to.include({ code: 'BULK_LEDGER' });
    expect(await rejection(new LoadLedger(join(tmp.path, 'unopened')).job('x'))).to.include({ code: 'BULK_LEDGER' });
  });

  it("keeps each segment's spool file checks, where the input stands after the last joined one, and lets a segment cut again supersede those after it", async () => {
    const ledger = new LoadLedger(dir());
    await ledger.start(RUN);
    await ledger.job('750A');
    const files = [{ name: 'segment-0.csv', bytes: 100, sha256: 'ab'.repeat(32) }];
    await ledger.segment({ ...segment(0, 1, 10), files });
    await ledger.segment(segment(1, 11, 10));
    await ledger.segment(segment(2, 21, 10));
    await ledger.batch(0, '750A', '751A');
    await ledger.batch(1, '750A', '751B');
    await ledger.batch(2, '750A', '751C');
    await ledger.joined({ seq: 0, succeeded: 10, failed: 0, sizes: {} });
    await ledger.inputEnd(30);
    // A resumed run found segment 1's spool damaged and cut it again from the input: 1 and 2 are superseded.
    await ledger.segment({ ...segment(1, 11, 8), end: { row: 18, offset: 1800 } });
    await ledger.close();
    const state = await readLedger(dir());
    expect(state.joinedEnd).to.deep.equal({ row: 10, offset: 1000 });
    expect(state.pending.map((s) => [s.seq, s.records, s.batchId])).to.deep.equal([[1, 8, undefined]]);
    expect(state).to.include({ nextSeq: 2, inputEnded: false });
    expect(state.inputAt).to.deep.equal({ row: 18, offset: 1800 });
    // Their batches are no longer placed by the ledger: the org's copies are matched by their bytes.
    expect(state.batches.get('750A')).to.deep.equal(['751A']);
    // Where the superseded segments ended is kept: a resume that cuts them again cuts them there.
    expect(state.superseded.map((s) => [s.seq, s.end.row, s.batchId])).to.deep.equal([
      [1, 20, '751B'],
      [2, 30, '751C'],
    ]);
    const first = (await readFile(join(dir(), LEDGER_FILE), 'utf8')).split('\n').find((l) => l.includes('"seq":0') && l.includes('segment'));
    expect(JSON.parse(first as string).files).to.deep.equal(files);
  });
});
