/**
 * The network stages one by one: BulkSubmitter, StatusPoller, ResultJoiner, and the OutcomeSink,
 * with the standard battery (validation, happy path, bounds, errors, destroy).
 */
import { expect } from 'chai';
import { readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { BulkClient } from '../../lib/http/client.js';
import type { FinishedBatch, JoinedRow, SpooledBatch, SubmittedBatch } from '../../lib/load-types.js';
import { parseJobInfo, serializeJobInfo } from '../../lib/wire/job-info.js';
import { parseBatchInfo, serializeBatchInfo, serializeBatchInfoList } from '../../lib/wire/batch-info.js';
import { serializeApiError } from '../../lib/wire/api-error.js';
import { OutcomeSink } from '../../sinks/outcome-sink.js';
import { BulkSubmitter } from '../../transforms/bulk-submitter.js';
import { ResultJoiner } from '../../transforms/result-joiner.js';
import { StatusPoller } from '../../transforms/status-poller.js';
import { rejection, wireFixture } from '../helpers/fixtures.js';
import { startTestOrg, type TestOrg } from '../helpers/local-org.js';
import { ScriptedServer } from '../helpers/scripted-server.js';
import { collector } from '../helpers/streams.js';
import { useTempDir } from '../helpers/temp-dir.js';
import { waitFor } from '../helpers/wait-for.js';

const JOB = parseJobInfo(wireFixture('jetstream_jobInfo_open_update_v65.xml'), 'xml');
const BATCH = parseBatchInfo(wireFixture('jetstream_batchInfo_queued_v65.xml'), 'xml');

describe('transforms: submitter, poller, joiner, sink', () => {
  const tmp = useTempDir('bulkpipe-stages-');
  let t: TestOrg;
  before(async () => {
    t = await startTestOrg();
  });
  after(async () => {
    await t.close();
  });

  async function spooled(seq: number, names: string[], firstRow = 1): Promise<SpooledBatch> {
    const path = join(tmp.path, `b${seq}.csv`);
    const body = `Name\n${names.join('\n')}\n`;
    await writeFile(path, body);
    return { kind: 'batch', seq, path, contentType: 'CSV', records: names.length, bytes: body.length, rows: [[firstRow, names.length]], columns: ['Name'] };
  }

  describe('BulkSubmitter', () => {
    it('validates concurrency', () => {
      for (const concurrency of [0, 26, 1.5]) expect(() => new BulkSubmitter({ client: t.client, job: { operation: 'insert', object: 'Account' }, concurrency })).to.throw().with.property('code', 'BULK_INVALID_OPTION');
    });

    it('creates the job once, uploads every batch, passes rejected records through, closes the job', async () => {
      const items = [await spooled(0, ['a']), { kind: 'rejected' as const, row: 2, fields: { Name: 'x' }, columns: ['Name'], error: 'E' }, await spooled(1, ['b', 'c'], 3)];
      const submitter = new BulkSubmitter({ client: t.client, job: { operation: 'insert', object: 'Account' } });
      const sink = collector<SubmittedBatch | { kind: string }>();
      await pipeline(Readable.from(items), submitter, sink);
      const submitted = sink.items.filter((i): i is SubmittedBatch => i.kind === 'submitted');
      expect(submitted.map((b) => b.seq).sort()).to.deep.equal([0, 1]);
      expect(new Set(submitted.map((b) => b.jobId)).size).to.equal(1);
      expect(sink.items.filter((i) => i.kind === 'rejected')).to.have.length(1);
      expect((await t.client.getJob(submitter.job?.id as string))).to.include({ state: 'Closed', numberBatchesTotal: 2 });
    });

    it('keeps at most `concurrency` uploads in flight and holds its input meanwhile', async () => {
      const server = await new ScriptedServer().start();
      let inFlight = 0;
      let maxInFlight = 0;
      const held: Array<() => void> = [];
      // Uploads are answered only once 3 are in flight (then after a grace period in which a 4th
      // would show up if the limit leaked): a slow machine changes nothing.
      server.fallback = (req, res) => {
        if (req.url.endsWith('/job')) return void res.writeHead(201, { 'content-type': 'application/xml' }).end(serializeJobInfo(JOB, 'xml'));
        if (req.method === 'POST' && req.url.endsWith('/batch')) {
          inFlight++;
          maxInFlight = Math.max(maxInFlight, inFlight);
          held.push(() => {
            inFlight--;
            res.writeHead(201, { 'content-type': 'application/xml' }).end(serializeBatchInfo(BATCH, 'xml'));
          });
          if (held.length === 3) setTimeout(() => held.splice(0).forEach((answer) => answer()), 50);
          return;
        }
        res.writeHead(200, { 'content-type': 'application/xml' }).end(serializeJobInfo({ ...JOB, state: 'Closed' }, 'xml'));
      };
      const client = new BulkClient({ instanceUrl: server.url, accessToken: 'T' });
      try {
        let pulled = 0;
        let maxAhead = 0;
        const sink = collector<SubmittedBatch>();
        const batches = await Promise.all(Array.from({ length: 12 }, (_, i) => spooled(i, [`n${i}`])));
        async function* source() {
          for (const b of batches) {
            pulled++;
            maxAhead = Math.max(maxAhead, pulled - sink.items.length);
            yield b;
          }
        }
        await pipeline(Readable.from(source()), new BulkSubmitter({ client, job: { operation: 'insert', object: 'Account' }, concurrency: 3 }), sink);
        expect(sink.items).to.have.length(12);
        expect(maxInFlight).to.equal(3);
        expect(maxAhead).to.be.at.most(8);
      } finally {
        await client.close();
        await server.close();
      }
    });

    it('fails the pipeline on an upload error and stops uploading when destroyed', async () => {
      const server = await new ScriptedServer().start();
      let uploads = 0;
      server.fallback = (req, res) => {
        if (req.url.endsWith('/job')) return void res.writeHead(201, { 'content-type': 'application/xml' }).end(serializeJobInfo(JOB, 'xml'));
        if (req.method === 'POST' && req.url.endsWith('/batch')) uploads++;
        res.writeHead(400, { 'content-type': 'application/xml' }).end(serializeApiError({ exceptionCode: 'InvalidBatch', exceptionMessage: 'nope' }, 'xml'));
      };
      const client = new BulkClient({ instanceUrl: server.url, accessToken: 'T' });
      try {
        const batches = await Promise.all(Array.from({ length: 20 }, (_, i) => spooled(i, [`n${i}`])));
        let pulled = 0;
        async function* source() {
          for (const b of batches) {
            pulled++;
            yield b;
          }
        }
        const err = await rejection(pipeline(Readable.from(source()), new BulkSubmitter({ client, job: { operation: 'insert', object: 'Account' }, concurrency: 2 }), collector()));
        expect(err).to.include({ code: 'BULK_API_ERROR', exceptionCode: 'InvalidBatch' });
        // Once destroyed, the submitter takes no more batches and starts no more uploads: the server
        // sees at most the `concurrency` uploads that were in flight, even once the client has let
        // everything it had started run to its end.
        await client.close();
        expect(uploads).to.be.within(1, 2);
        expect(pulled).to.be.below(batches.length);
        expect(server.requests.filter((r) => r.method === 'POST' && r.url.endsWith('/batch'))).to.have.length(uploads);
      } finally {
        await client.close();
        await server.close();
      }
    });
  });

  describe('StatusPoller', () => {
    it('validates its intervals', () => {
      expect(() => new StatusPoller({ client: t.client, minIntervalMs: 100, maxIntervalMs: 50 })).to.throw().with.property('code', 'BULK_INVALID_OPTION');
      expect(() => new StatusPoller({ client: t.client, timeoutMs: -1 })).to.throw().with.property('code', 'BULK_INVALID_OPTION');
    });

    it('emits each batch once when it finishes, polling the job not each batch', async () => {
      const job = await t.client.createJob({ operation: 'insert', object: 'Account', contentType: 'CSV' });
      const submitted: SubmittedBatch[] = [];
      for (const [i, body] of ['Name\nA\n', 'Nope__c\nx\n'].entries()) {
        const info = await t.client.addBatch(job.id, body);
        submitted.push({ ...(await spooled(i, ['A'])), kind: 'submitted', jobId: job.id, batchId: info.id });
      }
      const sink = collector<FinishedBatch>();
      await pipeline(Readable.from(submitted), new StatusPoller({ client: t.client, minIntervalMs: 10, maxIntervalMs: 50 }), sink);
      expect(sink.items.map((b) => [b.seq, b.state]).sort()).to.deep.equal([[0, 'Completed'], [1, 'Failed']]);
      expect(sink.items.find((b) => b.state === 'Failed')?.stateMessage).to.equal('InvalidBatch : Field name not found : Nope__c');
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

  describe('ResultJoiner and OutcomeSink', () => {
    it('joins each row with its result, deletes the spool file, and writes both CSV files', async () => {
      const job = await t.client.createJob({ operation: 'insert', object: 'Account', contentType: 'CSV' });
      const batch = await spooled(0, ['Good', '"Quoted, name"', ''], 5);
      // A blank Name fails on the server (REQUIRED_FIELD_MISSING): the payload is sent as spooled.
      await writeFile(batch.path, 'Name\nGood\n"Quoted, name"\n#N/A\n');
      const info = await t.client.addBatch(job.id, { path: batch.path });
      await t.org.whenIdle();
      const finished: FinishedBatch = { ...batch, kind: 'finished', jobId: job.id, batchId: info.id, state: 'Completed', stateMessage: undefined };
      const rejected = { kind: 'rejected' as const, row: 9, fields: { Name: 'too big' }, columns: ['Name'], error: 'STRING_TOO_LONG:too long:Name --' };
      const sink = new OutcomeSink({ successPath: join(tmp.path, 'ok.csv'), errorPath: join(tmp.path, 'err.csv'), resultsPath: join(tmp.path, 'all.ndjson') });
      await pipeline(Readable.from([finished, rejected]), new ResultJoiner({ client: t.client }), sink);
      expect(await stat(batch.path).catch(() => 'gone')).to.equal('gone');
      expect([sink.succeeded, sink.failed]).to.deep.equal([2, 2]);
      const ok = (await readFile(join(tmp.path, 'ok.csv'), 'utf8')).split('\n');
      expect(ok[0]).to.equal('Name,sf__Id,sf__Created');
      expect(ok[2]).to.match(/^"Quoted, name",0015g\w{13},true$/);
      const err = (await readFile(join(tmp.path, 'err.csv'), 'utf8')).trim().split('\n');
      expect(err).to.deep.equal(['Name,sf__Error', '#N/A,REQUIRED_FIELD_MISSING:Required fields are missing: [Name]:Name --', 'too big,STRING_TOO_LONG:too long:Name --']);
      const rows = (await readFile(join(tmp.path, 'all.ndjson'), 'utf8')).trim().split('\n').map((l) => JSON.parse(l) as JoinedRow);
      expect(rows.map((r) => r.row)).to.deep.equal([5, 6, 7, 9]);
    });

    it('sends every row of a Failed batch to the errors with its state message', async () => {
      const batch = await spooled(0, ['a', 'b']);
      const finished: FinishedBatch = { ...batch, kind: 'finished', jobId: '750000000000000AAA', batchId: '751000000000000AAA', state: 'NotProcessed', stateMessage: undefined };
      const sink = collector<JoinedRow>();
      await pipeline(Readable.from([finished]), new ResultJoiner({ client: t.client }), sink);
      expect(sink.items.map((r) => [r.row, r.success, r.error])).to.deep.equal([[1, false, 'batch NotProcessed'], [2, false, 'batch NotProcessed']]);
    });

    it('fails loudly when the result count does not match the rows', async () => {
      const job = await t.client.createJob({ operation: 'insert', object: 'Account', contentType: 'CSV' });
      const info = await t.client.addBatch(job.id, 'Name\nonly one\n');
      await t.org.whenIdle();
      const batch = await spooled(0, ['one', 'two']);
      const finished: FinishedBatch = { ...batch, kind: 'finished', jobId: job.id, batchId: info.id, state: 'Completed', stateMessage: undefined };
      const err = await rejection(pipeline(Readable.from([finished]), new ResultJoiner({ client: t.client }), collector()));
      expect(err).to.include({ code: 'BULK_JOIN_MISMATCH', batchId: info.id, expected: 2, actual: 1 });
    });
  });
});
