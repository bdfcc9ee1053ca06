/**
 * IngestJobSubmitter and IngestJobPoller against the local org: consecutive segments gathered into
 * jobs of at most jobSize bytes (or one segment), each job created, uploaded as one body (the later
 * payloads without their header) and closed; a segment with nothing to upload passed through; a
 * resumed job's segments going to it, not to a new job; the poller ordering each job's results per
 * segment; a create whose answer was lost settled at the end, the retrier's live jobs known; the
 * wrong item refused.
 */
import { expect } from 'chai';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { parse } from 'csv-parse/sync';
import { readFile, readdir } from 'node:fs/promises';
import { BulkClient } from '../../lib/http/client.js';
import { planJobs } from '../../lib/load/ingest-job-plan.js';
import { LoadSpool } from '../../lib/load/load-spool.js';
import type { FinishedBatch, SpooledBatch, SubmittedBatch } from '../../lib/load-types.js';
import { IngestJobPoller } from '../../transforms/ingest-job-poller.js';
import { IngestJobSubmitter } from '../../transforms/ingest-job-submitter.js';
import { FaultProxy, type ProxiedRequest } from '../helpers/fault-proxy.js';
import { rejection } from '../helpers/fixtures.js';
import { queryRows } from '../helpers/org-query.js';
import { useTestOrg } from '../helpers/local-org.js';
import { spooledBatch } from '../helpers/spooled-batch.js';
import { collector } from '../helpers/streams.js';
import { useTempDir } from '../helpers/temp-dir.js';

describe('transforms/ingest-job-submitter and ingest-job-poller', () => {
  const tmp = useTempDir('bulkpipe-ingest-stages-');
  const org = useTestOrg();
  let n = 0;
  const names = (count: number) => Array.from({ length: count }, (_, i) => `IJS-${n}-${i}`);

  it('gathers consecutive segments into jobs of at most jobSize bytes, uploads each as one body, closes it; a segment with nothing to upload passes', async () => {
    n++;
    const segments: SpooledBatch[] = [];
    let row = 1;
    for (let seq = 0; seq < 5; seq++) {
      segments.push(
        await spooledBatch(
          tmp.path,
          seq + 100 * n,
          names(10).map((x) => `${x}-${seq}`),
          row,
        ),
      );
      row += 10;
    }
    const rejectedOnly: SpooledBatch = { kind: 'batch', seq: 999, path: null, contentType: 'CSV', records: 0, rejected: 2, bytes: 0, rows: [], columns: ['Name'] };
    const bytes = (segments[0] as SpooledBatch).bytes;
    const submitter = new IngestJobSubmitter({ client: org.org.client, job: { object: 'Account', operation: 'insert' }, jobSize: bytes * 2, concurrency: 2 });
    const out = collector<SubmittedBatch | SpooledBatch>();
    await pipeline(Readable.from([...segments.slice(0, 2), rejectedOnly, ...segments.slice(2)]), submitter, out);
    const submitted = out.items.filter((i): i is SubmittedBatch => i.kind === 'submitted');
    expect(out.items.filter((i) => i.kind === 'batch')).to.deep.equal([rejectedOnly]);
    const jobs = [...new Set(submitted.map((s) => s.jobId))];
    expect(jobs).to.have.length(3); // 2 + 2 + 1 segments
    for (const s of submitted) expect(s.jobSegments).to.equal(submitted.filter((t) => t.jobId === s.jobId).length);
    await org.org.org.whenIdle();
    for (const id of jobs) {
      const info = await org.org.client.ingestJobs.get(id);
      expect(info.state).to.equal('JobComplete');
      const count = submitted.filter((s) => s.jobId === id).reduce((sum, s) => sum + s.records, 0);
      expect(info.numberRecordsProcessed).to.equal(count); // one header per job: the later payloads' headers were not uploaded as records
    }
  });

  /** Twenty segments of two records and the same bytes each (the plan's unit). */
  async function equalSegments(): Promise<{ segments: SpooledBatch[]; bytes: number }> {
    n++;
    const segments: SpooledBatch[] = [];
    for (let seq = 0; seq < 20; seq++) {
      const tag = String(seq).padStart(2, '0'); // equal segments: the same bytes each
      segments.push(
        await spooledBatch(
          tmp.path,
          seq + 100 * n,
          names(2).map((x) => `${x}-${tag}`),
          1 + 2 * seq,
        ),
      );
    }
    const bytes = (segments[0] as SpooledBatch).bytes;
    expect(segments.every((s) => s.bytes === bytes)).to.equal(true);
    return { segments, bytes };
  }

  it('growJobs: the first job one segment, each later one launched at half the bytes before it, as the plan the budget estimate counts (lib/load/ingest-job-plan.ts)', async () => {
    const { segments, bytes } = await equalSegments();
    const plan = planJobs({ records: 40, bytes: 20 * bytes, batchSize: 2, jobSize: undefined, grow: true }).map((j) => j.segments);
    expect(plan).to.deep.equal([1, 1, 1, 2, 3, 4, 6, 2]);
    // At most jobSize all the same: growth stops at four segments a job.
    expect(planJobs({ records: 40, bytes: 20 * bytes, batchSize: 2, jobSize: 4 * bytes, grow: true }).map((j) => j.segments)).to.deep.equal([1, 1, 1, 2, 3, 4, 4, 4]);
    expect(planJobs({ records: 40, bytes: 20 * bytes, batchSize: 2, jobSize: 4 * bytes, grow: false }).map((j) => j.segments)).to.deep.equal([4, 4, 4, 4, 4]);
    const submitter = new IngestJobSubmitter({ client: org.org.client, job: { object: 'Account', operation: 'insert' }, growJobs: true, concurrency: 25 });
    const out = collector<SubmittedBatch>();
    await pipeline(Readable.from(segments), submitter, out);
    // Jobs in the order of their segments (their uploads run side by side, and finish in any order).
    const bySeq = [...out.items].sort((a, b) => a.seq - b.seq);
    const jobs = [...new Set(bySeq.map((s) => s.jobId))];
    expect(jobs.map((id) => bySeq.filter((s) => s.jobId === id).length)).to.deep.equal(plan);
    await org.org.org.whenIdle();
  });

  it('growJobs with expectedBytes: the jobs shrink again towards the end, each at half the bytes left after it, as the plan counts; past a low estimate they only grow', async () => {
    const { segments, bytes } = await equalSegments();
    const plan = planJobs({ records: 40, bytes: 20 * bytes, batchSize: 2, jobSize: undefined, grow: true, sizeKnown: true }).map((j) => j.segments);
    // Growing only: 1, 1, 1, 2, 3, 4, 6, 2 (the test above); the last jobs are one segment each now.
    expect(plan).to.deep.equal([1, 1, 1, 2, 3, 4, 3, 2, 1, 1, 1]);
    const jobSizes = async (expectedBytes: number) => {
      const submitter = new IngestJobSubmitter({ client: org.org.client, job: { object: 'Account', operation: 'insert' }, growJobs: true, expectedBytes, concurrency: 25 });
      const out = collector<SubmittedBatch>();
      await pipeline(Readable.from(segments), submitter, out);
      const bySeq = [...out.items].sort((a, b) => a.seq - b.seq);
      return [...new Set(bySeq.map((s) => s.jobId))].map((id) => bySeq.filter((s) => s.jobId === id).length);
    };
    // Eleven jobs in flight at once (concurrency 25), each request listening on the submitter's one signal: no leak warning on the user's stderr.
    const warnings: string[] = [];
    const onWarning = (warning: Error) => warnings.push(warning.name);
    process.on('warning', onWarning);
    try {
      expect(await jobSizes(20 * bytes)).to.deep.equal(plan);
    } finally {
      process.off('warning', onWarning);
    }
    expect(warnings).to.deep.equal([]);
    // An estimate of half the bytes: shrinking to it, then growing again from what was launched (never a job per segment to the end).
    expect(await jobSizes(10 * bytes)).to.deep.equal([1, 1, 1, 2, 2, 1, 1, 1, 5, 5]);
    await org.org.org.whenIdle();
  });

  it("sends a resumed job's segments to it (uploaded again when asked, the org taking the data once), not to a new job", async () => {
    n++;
    const client = org.org.client;
    const job = await client.ingestJobs.create({ object: 'Account', operation: 'insert' });
    const segments = [
      await spooledBatch(tmp.path, 200 + n, names(3)),
      await spooledBatch(
        tmp.path,
        201 + n,
        names(3).map((x) => `${x}b`),
        4,
      ),
    ];
    const submitter = new IngestJobSubmitter({ client, job: { object: 'Account', operation: 'insert' } });
    submitter.goOn([{ seqs: segments.map((s) => s.seq), jobId: job.id, uploaded: false, closed: false }]);
    const out = collector<SubmittedBatch>();
    await pipeline(Readable.from(segments), submitter, out);
    expect(out.items.map((s) => s.jobId)).to.deep.equal([job.id, job.id]);
    expect(submitter.job).to.equal(undefined); // no new job
    await org.org.org.whenIdle();
    expect((await client.ingestJobs.get(job.id)).numberRecordsProcessed).to.equal(6);
  });

  it("the poller orders each ended job's results per segment, in payload order, for the joiner", async () => {
    n++;
    const client = org.org.client;
    const spool = new LoadSpool({ dir: tmp.path });
    const segments = [
      await spooledBatch(tmp.path, 300 + n, names(40)),
      await spooledBatch(
        tmp.path,
        301 + n,
        names(40).map((x) => `${x}b`),
        41,
      ),
    ];
    const finished = collector<FinishedBatch>();
    await pipeline(
      Readable.from(segments),
      new IngestJobSubmitter({ client, job: { object: 'Account', operation: 'insert' } }),
      new IngestJobPoller({ client, spool, minIntervalMs: 10, maxIntervalMs: 50 }),
      finished,
    );
    expect(finished.items.map((f) => [f.seq, f.state, f.processed])).to.deep.equal(segments.map((s) => [s.seq, 'Completed', 40]));
    const nameOf = new Map((await queryRows(client, `SELECT Id, Name FROM Account WHERE Name LIKE 'IJS-${n}-%'`)).map((r) => [r.Id, r.Name]));
    for (const [k, f] of finished.items.entries()) {
      const results = parse(await readFile(f.resultsPath as string), { columns: true }) as Array<Record<string, string>>;
      expect(results.every((r) => r.Success === 'true')).to.equal(true);
      // In payload order: each row's id is the record its own values made (the org served them out of order).
      const payload = (await readFile((segments[k] as SpooledBatch).path as string, 'utf8')).trim().split('\n').slice(1);
      expect(results.map((r) => nameOf.get(r.Id as string))).to.deep.equal(payload);
    }
    await spool.dispose();
  });

  /** Two jobs of a segment each (20 records), one in the org at a time: the second's UploadComplete waits for the first to end, and it runs while the first's results are held. */
  async function twoJobsInTurn(
    firstSeq: number,
    suffix: string,
    run: (stages: { client: BulkClient; spool: LoadSpool; segments: SpooledBatch[]; submitter: IngestJobSubmitter; poller: IngestJobPoller }) => Promise<void>,
  ) {
    n++;
    const client = new BulkClient({ instanceUrl: org.org.org.instanceUrl, accessToken: org.org.session, apiVersion: '62.0' });
    const spool = new LoadSpool({ dir: tmp.path });
    try {
      const segments = [
        await spooledBatch(tmp.path, firstSeq + n, names(20)),
        await spooledBatch(
          tmp.path,
          firstSeq + 1 + n,
          names(20).map((x) => `${x}${suffix}`),
          21,
        ),
      ];
      const submitter = new IngestJobSubmitter({ client, job: { object: 'Account', operation: 'insert' }, jobSize: segments[0]?.bytes ?? 1, concurrency: 1, untilJobsEnd: true });
      const poller = new IngestJobPoller({ client, spool, minIntervalMs: 10, maxIntervalMs: 50 });
      await run({ client, spool, segments, submitter, poller });
    } finally {
      await spool.dispose();
      await client.close();
    }
  }

  it("the poller sees a job end while an earlier job's results are still being fetched: its slot is freed meanwhile (issue 28)", async () => {
    await twoJobsInTurn(400, 'b', async ({ client, segments, submitter, poller }) => {
      const left: string[] = [];
      let release: () => void = () => undefined;
      const held = new Promise<void>((resolve) => (release = resolve));
      poller.on('jobLeftOrg', (id: string) => {
        left.push(id);
        submitter.jobEnded(id);
        if (left.length === 2) release();
      });
      // The first job's result downloads wait until the second job's end is seen (before: never, the poll loop held by them).
      const results = client.ingestJobs.results.bind(client.ingestJobs);
      client.ingestJobs.results = async (...args: Parameters<typeof results>) => {
        if (args[0] === left[0] && left.length < 2) await held;
        return results(...args);
      };
      const finished = collector<FinishedBatch>();
      await pipeline(Readable.from(segments), submitter, poller, finished);
      expect(left).to.have.length(2);
      expect(finished.items.map((f) => [f.seq, f.state, f.processed])).to.deep.equal(segments.map((s) => [s.seq, 'Completed', 20]));
    });
  });

  it("the poller downloads the next ended job's results while it orders one job's (one job ahead; issue 28)", async () => {
    await twoJobsInTurn(450, 'c', async ({ client, spool, segments, submitter, poller }) => {
      const events: string[] = [];
      const jobs: string[] = [];
      submitter.on('job', (info: { id: string }) => jobs.push(info.id));
      const name = (id: string) => `job ${jobs.indexOf(id) + 1}`;
      let secondLeft: () => void = () => undefined;
      const whenSecondLeft = new Promise<void>((resolve) => (secondLeft = resolve));
      let secondFetched: () => void = () => undefined;
      const whenSecondFetched = new Promise<void>((resolve) => (secondFetched = resolve));
      poller.on('jobLeftOrg', (id: string) => {
        events.push(`${name(id)} left`);
        submitter.jobEnded(id);
        if (jobs.indexOf(id) === 1) secondLeft();
      });
      poller.on('jobEnded', (id: string) => events.push(`${name(id)} ordered`));
      const results = client.ingestJobs.results.bind(client.ingestJobs);
      client.ingestJobs.results = async (...args: Parameters<typeof results>) => {
        if (args[1] === 'successfulResults') events.push(`${name(args[0])} results`);
        if (jobs.indexOf(args[0]) === 1) secondFetched();
        return results(...args);
      };
      // The first job's ordering is held until the second job has left the org and its download began (or 3 s: before, it never began meanwhile).
      const seal = spool.seal.bind(spool);
      spool.seal = async (seq: number, path: string) => {
        if (seq === segments[0]?.seq) {
          await whenSecondLeft;
          await Promise.race([whenSecondFetched, new Promise((resolve) => setTimeout(resolve, 3_000))]);
        }
        return seal(seq, path);
      };
      const finished = collector<FinishedBatch>();
      await pipeline(Readable.from(segments), submitter, poller, finished);
      expect(finished.items.map((f) => [f.seq, f.state, f.processed])).to.deep.equal(segments.map((s) => [s.seq, 'Completed', 20]));
      expect(events.indexOf('job 2 results'), events.join(', ')).to.be.greaterThan(-1).and.below(events.indexOf('job 1 ordered'));
      expect(events.indexOf('job 1 results')).to.be.below(events.indexOf('job 2 results'));
      expect(events.indexOf('job 1 ordered')).to.be.below(events.indexOf('job 2 ordered'));
    });
  });

  it("a result download cut in the middle leaves no partial file in the caller's spool folder (review)", async () => {
    await twoJobsInTurn(480, 'd', async ({ client, segments, submitter, poller }) => {
      const results = client.ingestJobs.results.bind(client.ingestJobs);
      client.ingestJobs.results = async (...args: Parameters<typeof results>) => {
        const answer = await results(...args);
        if (args[1] !== 'successfulResults') return answer;
        // Some bytes, then the connection cut.
        async function* cut() {
          yield Buffer.from('"sf__Id","sf__Created","Name"\n');
          throw new Error('socket hang up');
        }
        answer.body.destroy();
        return { ...answer, body: Readable.from(cut()) };
      };
      const err = await rejection(pipeline(Readable.from(segments), submitter, poller, collector<FinishedBatch>()));
      expect(err.message).to.match(/socket hang up/);
      // As a load settles a failed run: a job made and not closed is aborted (the later tests count Open jobs).
      for (const id of submitter.unclosedJobs) await client.ingestJobs.abort(id);
      const left = (await readdir(tmp.path, { recursive: true })).filter((name) => name.includes('successfulResults'));
      expect(left).to.deep.equal([]);
    });
  });

  it('ended jobs waiting for a held result fetch stay bounded: beyond the fetch queue a job keeps its slot (issue 28 review)', async () => {
    n++;
    const client = new BulkClient({ instanceUrl: org.org.org.instanceUrl, accessToken: org.org.session, apiVersion: '62.0' });
    const spool = new LoadSpool({ dir: tmp.path });
    try {
      const segments: SpooledBatch[] = [];
      for (let i = 0; i < 8; i++)
        segments.push(
          await spooledBatch(
            tmp.path,
            600 + 10 * n + i,
            names(5).map((x) => `${x}q${i}`),
            1 + 5 * i,
          ),
        );
      const submitter = new IngestJobSubmitter({ client, job: { object: 'Account', operation: 'insert' }, jobSize: segments[0]?.bytes ?? 1, concurrency: 1, untilJobsEnd: true });
      const poller = new IngestJobPoller({ client, spool, minIntervalMs: 10, maxIntervalMs: 50, fetchQueue: 1 });
      let left = 0;
      let ended = 0;
      let most = 0;
      let first: string | undefined;
      const created: string[] = [];
      submitter.on('job', (job: { id: string }) => created.push(job.id));
      poller.on('jobLeftOrg', (id: string) => {
        first ??= id;
        left++;
        most = Math.max(most, left - ended);
        submitter.jobEnded(id);
      });
      poller.on('jobEnded', () => ended++);
      // The first job's results are held for 1.5 s: before, every other job ended, left the org and queued behind it (8 of 8 waiting at once).
      const results = client.ingestJobs.results.bind(client.ingestJobs);
      let createdWhileHeld = 0;
      const held = new Promise<void>((resolve) =>
        setTimeout(() => {
          createdWhileHeld = created.length;
          resolve();
        }, 1_500),
      );
      client.ingestJobs.results = async (...args: Parameters<typeof results>) => {
        if (args[0] === first) await held;
        return results(...args);
      };
      const finished = collector<FinishedBatch>();
      await pipeline(Readable.from(segments), submitter, poller, finished);
      expect(finished.items.map((f) => [f.seq, f.state, f.processed])).to.deep.equal(segments.map((s) => [s.seq, 'Completed', 5]));
      // The job fetching and one queued behind it have left the org; a third ended keeps its slot, and one more is created meanwhile.
      expect(most).to.equal(2);
      expect(createdWhileHeld).to.be.at.most(4);
    } finally {
      await spool.dispose();
      await client.close();
    }
  });

  it("settles a create whose answer was lost at its end, never taking a live job of the run's retrier for one", async () => {
    n++;
    const proxy = await new FaultProxy(org.org.org.instanceUrl).start();
    // The retrier's live job: Open, like the load's, made a moment before the lost create.
    const live = await org.org.client.ingestJobs.create({ object: 'Account', operation: 'insert', lineEnding: 'LF' });
    try {
      const client = new BulkClient({ instanceUrl: proxy.url, accessToken: org.org.session, apiVersion: '62.0', retry: { minDelayMs: 5, maxDelayMs: 50 } });
      const create = (r: ProxiedRequest) => r.method === 'POST' && /\/jobs\/ingest\/?$/.test(r.url.split('?')[0] as string) && r.n === 1;
      proxy.rule = (r) => (create(r) ? 'hold' : 'pass');
      const submitter = new IngestJobSubmitter({ client, job: { object: 'Account', operation: 'insert' } });
      let quiet = 0;
      submitter.shareJobs({
        knownJobs: () => [live.id],
        quiet: (settle) => {
          quiet++;
          return settle();
        },
      });
      const notices: string[] = [];
      submitter.on('notice', (m: string) => notices.push(m));
      const out = collector<SubmittedBatch>();
      const done = pipeline(Readable.from([await spooledBatch(tmp.path, 100 * n, names(3), 1)]), submitter, out);
      await proxy.whenHeld(create);
      proxy.rule = () => 'pass';
      proxy.releaseHeld();
      await done;
      expect(quiet).to.equal(1);
      expect(notices).to.have.length(1);
      const aborted = /job\(s\) (\w+), made by them and holding no data, are aborted/.exec(notices[0] as string)?.[1];
      expect(aborted, notices[0]).to.be.a('string').and.not.equal(live.id).and.not.equal(out.items[0]?.jobId);
      expect((await org.org.client.ingestJobs.get(aborted as string)).state).to.equal('Aborted');
      expect((await org.org.client.ingestJobs.get(live.id)).state).to.equal('Open');
    } finally {
      await org.org.client.ingestJobs.abort(live.id);
      await proxy.close();
    }
  });

  it('uploads plain to a loopback org (no network to save) and gzip when asked; the org takes both (issue 28)', async () => {
    n++;
    const proxy = await new FaultProxy(org.org.org.instanceUrl).start();
    try {
      const client = new BulkClient({ instanceUrl: proxy.url, accessToken: org.org.session, apiVersion: '62.0' });
      const encodings: Array<string | undefined> = [];
      for (const gzip of [undefined, true, false]) {
        const submitter = new IngestJobSubmitter({ client, job: { object: 'Account', operation: 'insert' }, ...(gzip === undefined ? {} : { gzip }) });
        const out = collector<SubmittedBatch>();
        const rows = names(3).map((x) => `${x}-${String(gzip)}`);
        await pipeline(Readable.from([await spooledBatch(tmp.path, 100 * n + encodings.length, rows, 1)]), submitter, out);
        const put = proxy.requests.filter((r) => r.method === 'PUT').at(-1) as ProxiedRequest;
        encodings.push(put.headers['content-encoding'] as string | undefined);
        await org.org.org.whenIdle();
        expect((await org.org.client.ingestJobs.get(out.items[0]?.jobId as string)).numberRecordsProcessed).to.equal(3);
      }
      expect(encodings).to.deep.equal([undefined, 'gzip', undefined]);
    } finally {
      await proxy.close();
    }
  });

  it('refuses an item from the wrong stage', async () => {
    const submitter = new IngestJobSubmitter({ client: org.org.client, job: { object: 'Account', operation: 'insert' } });
    const err = await rejection(pipeline(Readable.from([{ kind: 'finished' }]), submitter, collector()));
    expect(err).to.include({ name: 'StageOrderError', code: 'BULK_PIPELINE' });
  });
});
