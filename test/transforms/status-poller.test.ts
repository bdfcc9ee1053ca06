/**
 * StatusPoller with the standard battery: validation, each batch once from job-level polls, the
 * records the org processed as polled, the timeout with ids, and no timer left behind.
 */
import { expect } from 'chai';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { BulkClient } from '../../lib/http/client.js';
import type { FinishedBatch, SpooledBatch, SubmittedBatch } from '../../lib/load-types.js';
import type { BatchInfo } from '../../lib/types.js';
import { parseBatchInfo, serializeBatchInfoList } from '../../lib/wire/batch-info.js';
import { StatusPoller } from '../../transforms/status-poller.js';
import { rejection, wireFixture } from '../helpers/fixtures.js';
import { useTestOrg } from '../helpers/local-org.js';
import { ScriptedServer } from '../helpers/scripted-server.js';
import { spooledBatch } from '../helpers/spooled-batch.js';
import { collector } from '../helpers/streams.js';
import { useTempDir } from '../helpers/temp-dir.js';
import { waitFor } from '../helpers/wait-for.js';

const BATCH = parseBatchInfo(wireFixture('jetstream_batchInfo_queued_v65.xml'), 'xml');

describe('transforms/status-poller', () => {
  const tmp = useTempDir('bulkpipe-poller-');
  const org = useTestOrg();
  const spooled = (seq: number, names: string[], firstRow = 1): Promise<SpooledBatch> => spooledBatch(tmp.path, seq, names, firstRow);

  it('validates its intervals', () => {
    expect(() => new StatusPoller({ client: org.org.client, minIntervalMs: 100, maxIntervalMs: 50 }))
      .to.throw()
      .with.property('code', 'BULK_INVALID_OPTION');
    expect(() => new StatusPoller({ client: org.org.client, timeoutMs: -1 }))
      .to.throw()
      .with.property('code', 'BULK_INVALID_OPTION');
  });

  it('emits each batch once when it finishes, polling the job not each batch', async () => {
    const job = await org.org.client.createJob({ operation: 'insert', object: 'Account', contentType: 'CSV' });
    const submitted: SubmittedBatch[] = [];
    for (const [i, body] of ['Name\nA\n', 'Nope__c\nx\n'].entries()) {
      const info = await org.org.client.addBatch(job.id, body);
      submitted.push({ ...(await spooled(i, ['A'])), kind: 'submitted', jobId: job.id, batchId: info.id });
    }
    const sink = collector<FinishedBatch>();
    await pipeline(Readable.from(submitted), new StatusPoller({ client: org.org.client, minIntervalMs: 10, maxIntervalMs: 50 }), sink);
    expect(sink.items.map((b) => [b.seq, b.state]).sort()).to.deep.equal([
      [0, 'Completed'],
      [1, 'Failed'],
    ]);
    expect(sink.items.find((b) => b.state === 'Failed')?.stateMessage).to.equal('InvalidBatch : Field name not found : Nope__c');
  });

  it('counts the records the org processed as each poll reads them, rising while a batch is InProgress, never down (issue 27)', async () => {
    const server = await new ScriptedServer().start();
    // Each poll one step on: a count that rises, then a lower one (no news), then the end.
    const steps: Array<Pick<BatchInfo, 'state' | 'numberRecordsProcessed'>> = [
      { state: 'Queued', numberRecordsProcessed: 0 },
      { state: 'InProgress', numberRecordsProcessed: 400 },
      { state: 'InProgress', numberRecordsProcessed: 200 },
      { state: 'InProgress', numberRecordsProcessed: 800 },
      { state: 'Completed', numberRecordsProcessed: 1000 },
    ];
    let poll = 0;
    server.fallback = (_req, res) => {
      const step = steps[Math.min(poll++, steps.length - 1)];
      res.writeHead(200, { 'content-type': 'application/xml' }).end(serializeBatchInfoList([{ ...BATCH, ...step }], 'xml'));
    };
    const client = new BulkClient({ instanceUrl: server.url, accessToken: 'T' });
    try {
      const names = Array.from({ length: 1000 }, (_, i) => `A${i}`);
      const batch: SubmittedBatch = { ...(await spooled(0, names)), kind: 'submitted', jobId: BATCH.jobId, batchId: BATCH.id };
      const poller = new StatusPoller({ client, minIntervalMs: 1, maxIntervalMs: 5 });
      const seen: number[] = [];
      poller.on('poll', () => seen.push(poller.recordsProcessed));
      await pipeline(Readable.from([batch]), poller, collector());
      expect(seen).to.deep.equal([0, 400, 400, 800, 1000]);
      expect(poller.recordsProcessed).to.equal(1000);
    } finally {
      await client.close();
      await server.close();
    }
  });

  it('polls when a running batch should end, at the rate its count rose, rather than a whole interval later (issue 28)', async () => {
    const server = await new ScriptedServer().start();
    // A batch of 1,000 records processed evenly over 1.5 s from the first poll.
    const RUN_MS = 1_500;
    let started: number | undefined;
    const polledAt: number[] = [];
    server.fallback = (_req, res) => {
      const now = performance.now();
      started ??= now;
      polledAt.push(now - started);
      const done = now - started >= RUN_MS;
      const processed = done ? 1000 : Math.floor(((now - started) / RUN_MS) * 1000);
      res
        .writeHead(200, { 'content-type': 'application/xml' })
        .end(serializeBatchInfoList([{ ...BATCH, state: done ? 'Completed' : 'InProgress', numberRecordsProcessed: processed }], 'xml'));
    };
    const client = new BulkClient({ instanceUrl: server.url, accessToken: 'T' });
    try {
      const names = Array.from({ length: 1000 }, (_, i) => `A${i}`);
      const batch: SubmittedBatch = { ...(await spooled(0, names)), kind: 'submitted', jobId: BATCH.jobId, batchId: BATCH.id };
      // Without the due poll: at 0, 1,000 and 2,500 ms, the end seen 1 s late.
      const poller = new StatusPoller({ client, minIntervalMs: 1_000, maxIntervalMs: 5_000 });
      await pipeline(Readable.from([batch]), poller, collector());
      // At 1,000 ms two thirds were done: the next poll at about 1.1 x the 500 ms left, but never under the minimum interval after the last: at 2,000, not at 2,500.
      expect(polledAt.length).to.equal(3);
      expect(polledAt[2]).to.be.at.least(RUN_MS).and.below(2_300);
    } finally {
      await client.close();
      await server.close();
    }
  });

  it('due polls stay at least minIntervalMs apart, one poll for the batches due together, however early the estimates (issue 28 review)', async () => {
    const server = await new ScriptedServer().start();
    // 40 batches of 1,000 on a saturated org: each rises fast, then stalls near half (each estimate comes early), and all end at 3 s.
    const N = 40;
    const END_MS = 3_000;
    let started: number | undefined;
    const polledAt: number[] = [];
    server.fallback = (_req, res) => {
      const now = performance.now();
      started ??= now;
      const t = now - started;
      polledAt.push(t);
      const infos = Array.from({ length: N }, (_, i) => ({
        ...BATCH,
        id: `B${i}`,
        state: t >= END_MS ? 'Completed' : 'InProgress',
        numberRecordsProcessed: t >= END_MS ? 1000 : Math.floor(Math.min(500 + i, t < 300 ? t * 1.67 : 500 + (t - 300) / 12)),
      })) as BatchInfo[];
      res.writeHead(200, { 'content-type': 'application/xml' }).end(serializeBatchInfoList(infos, 'xml'));
    };
    const client = new BulkClient({ instanceUrl: server.url, accessToken: 'T' });
    try {
      const one = await spooled(0, ['A']);
      const batches: SubmittedBatch[] = Array.from({ length: N }, (_, i) => ({ ...one, seq: i, records: 1000, kind: 'submitted', jobId: BATCH.jobId, batchId: `B${i}` }));
      const poller = new StatusPoller({ client, minIntervalMs: 500, maxIntervalMs: 2_000 });
      const out = collector<FinishedBatch>();
      await pipeline(Readable.from(batches), poller, out);
      expect(out.items).to.have.length(N);
      // Before: the due wait's floor was 100 ms and each overdue batch had a poll of its own (about one per batch, 100 ms apart).
      const gaps = polledAt.slice(1).map((t, i) => t - (polledAt[i] as number));
      expect(Math.min(...gaps), `gaps ${gaps.map(Math.round).join(' ')}`).to.be.at.least(480);
      expect(polledAt.length).to.be.at.most(END_MS / 500 + 3);
    } finally {
      await client.close();
      await server.close();
    }
  });

  it('times out with the job and the unfinished batch ids, and leaves no timer behind', async () => {
    // A batch that never finishes, from a server that sets no timers of its own.
    const server = await new ScriptedServer().start();
    server.fallback = (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/xml' }).end(serializeBatchInfoList([BATCH], 'xml'));
    };
    const client = new BulkClient({ instanceUrl: server.url, accessToken: 'T' });
    const timers = () => process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;
    try {
      const batch: SubmittedBatch = { ...(await spooled(0, ['A'])), kind: 'submitted', jobId: BATCH.jobId, batchId: BATCH.id };
      const before = timers();
      // A long longest interval: a sleep left behind would hold a timer for 10 minutes.
      const poller = new StatusPoller({ client, minIntervalMs: 10, maxIntervalMs: 600_000, timeoutMs: 100 });
      const err = await rejection(pipeline(Readable.from([batch]), poller, collector()));
      expect(err).to.include({ code: 'BULK_POLL_TIMEOUT', jobId: BATCH.jobId });
      expect((err as unknown as { batchIds: string[] }).batchIds).to.deep.equal([BATCH.id]);
      expect(server.requests.length).to.be.above(0);
      expect(poller.destroyed).to.equal(true);
      expect(timers()).to.be.at.most(before);

      // Destroyed in the middle of a 10-minute wait: the wait's timer goes with it.
      const sleeper = new StatusPoller({ client, minIntervalMs: 600_000, maxIntervalMs: 600_000 });
      const controller = new AbortController();
      const run = rejection(pipeline(Readable.from([batch]), sleeper, collector(), { signal: controller.signal }));
      await waitFor('the poller to start waiting', () => timers() > before);
      controller.abort();
      expect(await run).to.have.property('name', 'AbortError');
      expect(timers()).to.be.at.most(before);
    } finally {
      await client.close();
      await server.close();
    }
  });
});
