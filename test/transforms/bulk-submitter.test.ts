/**
 * BulkSubmitter with the standard battery: validation, the happy path against the local org,
 * bounded uploads with write gating (scripted server), errors and destroy.
 */
import { expect } from 'chai';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { BulkClient } from '../../lib/http/client.js';
import type { SpooledBatch, SubmittedBatch } from '../../lib/load-types.js';
import { parseJobInfo, serializeJobInfo } from '../../lib/wire/job-info.js';
import { parseBatchInfo, serializeBatchInfo } from '../../lib/wire/batch-info.js';
import { serializeApiError } from '../../lib/wire/api-error.js';
import { BulkSubmitter } from '../../transforms/bulk-submitter.js';
import { fileDigest } from '../../lib/load/load-spool.js';
import { OrgBatches } from '../../lib/load/org-batches.js';
import { rejection, wireFixture } from '../helpers/fixtures.js';
import { useTestOrg } from '../helpers/local-org.js';
import { ScriptedServer } from '../helpers/scripted-server.js';
import { spooledBatch } from '../helpers/spooled-batch.js';
import { collector } from '../helpers/streams.js';
import { useTempDir } from '../helpers/temp-dir.js';
import { waitFor } from '../helpers/wait-for.js';

const JOB = parseJobInfo(wireFixture('jetstream_jobInfo_open_update_v65.xml'), 'xml');
const BATCH = parseBatchInfo(wireFixture('jetstream_batchInfo_queued_v65.xml'), 'xml');

describe('transforms/bulk-submitter', () => {
  const tmp = useTempDir('bulkpipe-submitter-');
  const org = useTestOrg();
  const spooled = (seq: number, names: string[], firstRow = 1): Promise<SpooledBatch> => spooledBatch(tmp.path, seq, names, firstRow);

  it('validates concurrency', () => {
    for (const concurrency of [0, 26, 1.5])
      expect(() => new BulkSubmitter({ client: org.org.client, job: { operation: 'insert', object: 'Account' }, concurrency }))
        .to.throw()
        .with.property('code', 'BULK_INVALID_OPTION');
  });

  it('creates the job once, uploads every batch, passes a segment with nothing to upload through, closes the job', async () => {
    const rejectedOnly: SpooledBatch = { kind: 'batch', seq: 1, path: null, contentType: 'CSV', records: 0, rejected: 3, bytes: 0, rows: [], columns: ['Name'] };
    const items = [await spooled(0, ['a']), rejectedOnly, await spooled(2, ['b', 'c'], 5)];
    const submitter = new BulkSubmitter({ client: org.org.client, job: { operation: 'insert', object: 'Account' } });
    const sink = collector<SubmittedBatch | SpooledBatch>();
    await pipeline(Readable.from(items), submitter, sink);
    const submitted = sink.items.filter((i): i is SubmittedBatch => i.kind === 'submitted');
    expect(submitted.map((b) => b.seq).sort()).to.deep.equal([0, 2]);
    expect(new Set(submitted.map((b) => b.jobId)).size).to.equal(1);
    expect(sink.items.filter((i) => i.kind === 'batch')).to.deep.equal([rejectedOnly]);
    expect(await org.org.client.getJob(submitter.job?.id as string)).to.include({ state: 'Closed', numberBatchesTotal: 2 });
  });

  it('resumed: a segment whose payload has the bytes of a batch the org holds takes that batch instead of uploading; the others are uploaded', async () => {
    const client = org.org.client;
    const old = await client.createJob({ operation: 'insert', object: 'Account', contentType: 'CSV' });
    const first = await spooled(0, ['resumed-a']);
    const batch = await client.addBatch(old.id, { path: first.path as string });
    const orgBatches = new OrgBatches((jobId, batchId) => client.batchRequestDigest(jobId, batchId));
    orgBatches.addUnplaced((await fileDigest(first.path as string)).sha256, { jobId: old.id, batchId: batch.id });
    const submitter = new BulkSubmitter({ client, job: { operation: 'insert', object: 'Account' } });
    submitter.goOn({ openJob: undefined, orgBatches });
    const sink = collector<SubmittedBatch>();
    await pipeline(Readable.from([first, await spooled(1, ['resumed-b'], 2)]), submitter, sink);
    const bySeq = new Map(sink.items.map((b) => [b.seq, b]));
    expect(bySeq.get(0)).to.include({ jobId: old.id, batchId: batch.id });
    expect(bySeq.get(1)?.jobId).to.equal(submitter.job?.id).and.not.equal(old.id);
    expect(orgBatches.unplaced()).to.deep.equal([]);
    expect((await client.listBatches(old.id)).length).to.equal(1);
    await client.closeJob(old.id);
  });

  it('refuses an input that is not a spooled batch, naming the stages it expects before it', async () => {
    const err = await rejection(
      pipeline(Readable.from([{ row: 1, fields: { Name: 'a' } }]), new BulkSubmitter({ client: org.org.client, job: { operation: 'insert', object: 'Account' } }), collector()),
    );
    expect(err).to.include({ code: 'BULK_PIPELINE' });
    expect(err.message).to.contain('BatchChunker or CsvBatchSplitter');
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
        if (held.length === 3)
          setTimeout(() => {
            for (const answer of held.splice(0)) answer();
          }, 50);
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

  it('setConcurrency: lowering holds new uploads without cancelling those in flight; raising lets held ones go', async () => {
    const server = await new ScriptedServer().start();
    let inFlight = 0;
    let uploads = 0;
    const held: Array<() => void> = [];
    server.fallback = (req, res) => {
      if (req.url.endsWith('/job')) return void res.writeHead(201, { 'content-type': 'application/xml' }).end(serializeJobInfo(JOB, 'xml'));
      if (req.method === 'POST' && req.url.endsWith('/batch')) {
        inFlight++;
        uploads++;
        const id = `${BATCH.id.slice(0, -3)}${String(uploads).padStart(3, '0')}`;
        held.push(() => {
          inFlight--;
          res.writeHead(201, { 'content-type': 'application/xml' }).end(serializeBatchInfo({ ...BATCH, id }, 'xml'));
        });
        return;
      }
      res.writeHead(200, { 'content-type': 'application/xml' }).end(serializeJobInfo({ ...JOB, state: 'Closed' }, 'xml'));
    };
    const client = new BulkClient({ instanceUrl: server.url, accessToken: 'T' });
    try {
      const batches = await Promise.all(Array.from({ length: 10 }, (_, i) => spooled(i, [`n${i}`])));
      const submitter = new BulkSubmitter({ client, job: { operation: 'insert', object: 'Account' }, concurrency: 4 });
      const sink = collector<SubmittedBatch>();
      const done = pipeline(Readable.from(batches), submitter, sink);
      await waitFor('4 uploads in flight', () => inFlight === 4);
      expect(() => submitter.setConcurrency(0))
        .to.throw()
        .with.property('code', 'BULK_INVALID_OPTION');
      submitter.setConcurrency(1);
      expect(submitter.concurrency).to.equal(1);
      // The 4 in flight go on; once they are answered, the lowered limit also waits for the org to
      // finish its batches (batchEnded, from the poller): the org works on every batch it holds.
      for (const answer of held.splice(0)) answer();
      await waitFor('the 4 answered', () => sink.items.length === 4);
      expect(uploads).to.equal(4);
      for (const batch of sink.items.slice(0, 3)) submitter.batchEnded(batch.batchId);
      expect(uploads).to.equal(4);
      submitter.batchEnded((sink.items[3] as SubmittedBatch).batchId);
      await waitFor('the fifth upload', () => uploads === 5);
      expect(inFlight).to.equal(1);
      submitter.setConcurrency(4);
      await waitFor('4 uploads in flight again', () => inFlight === 4);
      expect(uploads).to.equal(8);
      while (sink.items.length < 10) {
        for (const answer of held.splice(0)) answer();
        await waitFor('an upload or the end', () => held.length > 0 || sink.items.length === 10);
        expect(inFlight).to.be.at.most(4);
      }
      await done;
      expect(sink.items.map((b) => b.seq).sort((a, b) => a - b)).to.deep.equal([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
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
