/**
 * The 2.0 result files of an org in a file, written on the worker thread (server/v2/result-worker.ts):
 * the bytes the org's own thread writes, downloads at once or left half-way, a worker that fails,
 * and an org closed with a download in flight.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { expect } from 'chai';
import { type JobRow, JobsStore } from '../../server/store/jobs-store.js';
import { type IngestResultKind, ingestResultChunks } from '../../server/v2/ingest-results.js';
import { ResultWorker } from '../../server/v2/result-worker.js';
import { ingestCalls } from '../helpers/ingest-v2-calls.js';
import { startTestOrg, type TestOrg } from '../helpers/local-org.js';

const KINDS: IngestResultKind[] = ['successfulResults', 'failedResults', 'unprocessedrecords'];
/** 25,000 rows (three internal batches), one in seven failing (employees that are not a number), quoted values with commas and quotes. */
const CSV = `Name,NumberOfEmployees,Description\n${Array.from({ length: 25_000 }, (_, i) => `"Acme, ""${i}""",${i % 7 === 3 ? 'many' : i},line ${i}`).join('\n')}\n`;

describe('server/v2/result-worker', () => {
  let dir = '';
  let t: TestOrg;
  let jobId = '';
  const calls = ingestCalls(() => t);
  const callsBefore53 = ingestCalls(() => t, '52.0');
  const file = () => join(dir, 'org.db');

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'bulkpipe-result-worker-'));
    t = await startTestOrg({ db: file() });
    const info = await calls.load({ object: 'Account', operation: 'insert' }, CSV);
    expect(info.state).to.equal('JobComplete');
    expect(info.numberRecordsFailed).to.equal(3571);
    jobId = info.id as string;
  });
  after(async () => {
    await t?.close();
    await rm(dir, { recursive: true, force: true });
  });

  /** The file as the org's own thread writes it, from the same database file. */
  function inThread(kind: IngestResultKind, withFailedId: boolean): Buffer {
    const db = new Database(file(), { readonly: true });
    try {
      const jobs = new JobsStore(db);
      return Buffer.concat([...ingestResultChunks(jobs, jobs.job(jobId) as JobRow, kind, withFailedId)]);
    } finally {
      db.close();
    }
  }

  it('serves the bytes the org thread writes, for each file, before and after API 53', async () => {
    for (const kind of KINDS) {
      const served = await calls.results(jobId, kind);
      expect(served.status).to.equal(200);
      expect(served.body.equals(inThread(kind, true)), kind).to.equal(true);
      const before53 = await callsBefore53.results(jobId, kind);
      expect(before53.body.equals(inThread(kind, false)), `${kind} before 53`).to.equal(true);
    }
    expect((await calls.results(jobId, 'successfulResults')).body.length).to.be.greaterThan(1_000_000);
    // The worker itself, apart from the org's routes.
    const worker = new ResultWorker(file());
    try {
      const db = new Database(file(), { readonly: true });
      const job = new JobsStore(db).job(jobId) as JobRow;
      db.close();
      for (const kind of KINDS) {
        const chunks: Buffer[] = [];
        for await (const chunk of worker.chunks(job, kind, true)) chunks.push(chunk);
        expect(Buffer.concat(chunks).equals(inThread(kind, true)), `worker ${kind}`).to.equal(true);
      }
    } finally {
      await worker.close();
    }
  });

  it('serves downloads at once, and goes on serving when a client leaves one half-way', async () => {
    const want = inThread('successfulResults', true);
    // A client that reads the first bytes and goes.
    const left = new Promise<number>((resolve, reject) => {
      const req = request(`${t.org.instanceUrl}/services/data/v62.0/jobs/ingest/${jobId}/successfulResults`, { headers: { authorization: `Bearer ${t.session}` } }, (res) => {
        res.once('data', (chunk: Buffer) => {
          req.destroy();
          resolve(chunk.length);
        });
      });
      req.on('error', (err) => (req.destroyed ? undefined : reject(err)));
      req.end();
    });
    const whole = await Promise.all([calls.results(jobId, 'successfulResults'), left, calls.results(jobId, 'successfulResults'), calls.results(jobId, 'failedResults')]);
    expect(whole[1]).to.be.greaterThan(0);
    expect(whole[0].body.equals(want)).to.equal(true);
    expect(whole[2].body.equals(want)).to.equal(true);
    expect(whole[3].body.equals(inThread('failedResults', true))).to.equal(true);
    expect((await calls.results(jobId, 'successfulResults')).body.equals(want)).to.equal(true);
  });

  it('ends a download with the error of a worker that cannot read the file, and starts another worker for the next', async () => {
    const worker = new ResultWorker(join(dir, 'no-such.db'));
    const job = { id: jobId } as JobRow;
    const read = async () => {
      for await (const _ of worker.chunks(job, 'successfulResults', true)) expect.fail('no chunk from a file that is not there');
    };
    for (let i = 0; i < 2; i++) {
      const err = await read().then(
        () => undefined,
        (e: unknown) => e as Error,
      );
      expect(err?.message, `try ${i + 1}`).to.match(/result files' worker|could not be written/);
    }
    await worker.close();
    expect(() => worker.chunks(job, 'successfulResults', true)[Symbol.asyncIterator]()).to.throw('the org is closed');
  });

  it('closes an org with a download in flight that its client does not read', async () => {
    const other = await startTestOrg({ db: join(dir, 'other.db') });
    const otherCalls = ingestCalls(() => other);
    const info = await otherCalls.load({ object: 'Account', operation: 'insert' }, CSV);
    let res: import('node:http').IncomingMessage | undefined;
    const req = request(`${other.org.instanceUrl}/services/data/v62.0/jobs/ingest/${info.id as string}/successfulResults`, {
      headers: { authorization: `Bearer ${other.session}` },
    });
    const answered = new Promise<void>((resolve) => {
      req.on('response', (r) => {
        res = r;
        r.pause(); // never read: the org's socket fills, and the worker waits to be asked for more
        resolve();
      });
    });
    req.on('error', () => undefined);
    req.end();
    await answered;
    const ended = new Promise<void>((resolve) => {
      res?.on('close', () => resolve());
      res?.on('error', () => resolve());
    });
    await other.close();
    res?.resume();
    await ended;
  });
});
