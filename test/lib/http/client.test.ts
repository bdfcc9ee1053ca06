import { expect } from 'chai';
import { createServer, type AddressInfo, type Socket } from 'node:net';
import { Readable } from 'node:stream';
import { gzipSync } from 'node:zlib';
import { BulkClient, type BulkClientOptions } from '../../../lib/http/client.js';
import { isLoopback } from '../../../lib/http/connection.js';
import type { Session, SessionProvider } from '../../../lib/auth/session.js';
import { UploadRegistry } from '../../../lib/load/upload-registry.js';
import type { BatchInfo, JobInfo } from '../../../lib/types.js';
import { parseBatchInfo, serializeBatchInfo, serializeBatchInfoList } from '../../../lib/wire/batch-info.js';
import { serializeApiError } from '../../../lib/wire/api-error.js';
import { parseJobInfo, serializeJobInfo } from '../../../lib/wire/job-info.js';
import { serializeResultList } from '../../../lib/wire/result-list.js';
import { collect, rejection, wireFixture } from '../../helpers/fixtures.js';
import { ScriptedServer, cutBody, hangUp, reply, type Handler } from '../../helpers/scripted-server.js';

const XML = 'application/xml';
const JOB: JobInfo = parseJobInfo(wireFixture('jetstream_jobInfo_open_update_v65.xml'), 'xml');
const BATCH: BatchInfo = parseBatchInfo(wireFixture('jetstream_batchInfo_queued_v65.xml'), 'xml');
const jobXml = (job: Partial<JobInfo> = {}) => serializeJobInfo({ ...JOB, ...job }, 'xml');
const batchXml = (batch: Partial<BatchInfo> = {}) => serializeBatchInfo({ ...BATCH, ...batch }, 'xml');
const errorXml = (exceptionCode: string, exceptionMessage: string) => serializeApiError({ exceptionCode, exceptionMessage }, 'xml');
const invalidSession = reply(400, XML, errorXml('InvalidSessionId', 'Invalid session id'));

describe('lib/http/client (BulkClient)', () => {
  let server: ScriptedServer;
  let client: BulkClient;
  const retries: number[] = [];

  const makeClient = (options: Partial<BulkClientOptions> = {}) =>
    new BulkClient({
      instanceUrl: server.url,
      accessToken: 'TOKEN-1',
      retry: { minDelayMs: 5, maxDelayMs: 40, random: () => 0.5, maxRetries: 3 },
      onRetry: (e) => retries.push(e.delayMs),
      ...options,
    });

  beforeEach(async () => {
    server = await new ScriptedServer().start();
    client = makeClient();
    retries.length = 0;
  });

  afterEach(async () => {
    await client.close();
    await server.close();
  });

  describe('options', () => {
    const bad: Array<[string, Partial<BulkClientOptions>]> = [
      ['instanceUrl', { instanceUrl: 'ftp://x' }],
      ['accessToken', { accessToken: '' }],
      ['apiVersion', { apiVersion: '35' }],
      ['retry.maxRetries', { retry: { maxRetries: -1 } }],
    ];
    for (const [name, options] of bad) {
      it(`rejects a bad ${name} with BULK_INVALID_OPTION`, () => {
        expect(() => makeClient(options))
          .to.throw()
          .with.property('code', 'BULK_INVALID_OPTION');
      });
    }
  });

  describe('jobs', () => {
    it('creates a job: path, headers, body, 201 jobInfo', async () => {
      server.script(reply(201, XML, jobXml({ operation: 'insert' })));
      const job = await client.createJob({ operation: 'insert', object: 'Account', contentType: 'CSV' });
      expect(job).to.include({ id: JOB.id, operation: 'insert', state: 'Open' });
      const [req] = server.requests;
      expect(req?.method).to.equal('POST');
      expect(req?.url).to.equal('/services/async/62.0/job');
      expect(req?.headers['x-sfdc-session']).to.equal('TOKEN-1');
      expect(req?.headers['content-type']).to.equal('application/xml; charset=UTF-8');
      expect(req?.body.toString()).to.contain('<operation>insert</operation>\n <object>Account</object>\n <contentType>CSV</contentType>');
    });

    it('sends PK chunking and batch-retry headers', async () => {
      server.script(reply(201, XML, jobXml({ operation: 'query' })));
      await client.createJob({ operation: 'query', object: 'Account' }, { pkChunking: { chunkSize: 50_000, startRow: '001300000000000' }, disableBatchRetry: true });
      expect(server.requests[0]?.headers['sforce-enable-pkchunking']).to.equal('chunkSize=50000; startRow=001300000000000');
      expect(server.requests[0]?.headers['sforce-disable-batch-retry']).to.equal('TRUE');
    });

    it('speaks JSON to a JSON job', async () => {
      server.script(reply(201, 'application/json', serializeJobInfo({ ...JOB, contentType: 'JSON' }, 'json')));
      const job = await client.createJob({ operation: 'insert', object: 'Account', contentType: 'JSON' });
      expect(job.contentType).to.equal('JSON');
      expect(JSON.parse(server.requests[0]?.body.toString() ?? '')).to.deep.equal({ operation: 'insert', object: 'Account', contentType: 'JSON' });
      server.script(reply(200, 'application/json', serializeJobInfo({ ...JOB, contentType: 'JSON', state: 'Closed' }, 'json')));
      await client.closeJob(JOB.id);
      expect(server.requests[1]?.body.toString()).to.equal('{"state":"Closed"}');
    });

    it('closes and aborts with a state body', async () => {
      server.script(reply(200, XML, jobXml({ state: 'Closed' })), reply(200, XML, jobXml({ state: 'Aborted' })));
      expect((await client.closeJob(JOB.id)).state).to.equal('Closed');
      expect((await client.abortJob(JOB.id)).state).to.equal('Aborted');
      expect(server.requests.map((r) => [r.method, r.url])).to.deep.equal([
        ['POST', `/services/async/62.0/job/${JOB.id}`],
        ['POST', `/services/async/62.0/job/${JOB.id}`],
      ]);
      expect(server.requests[1]?.body.toString()).to.contain('<state>Aborted</state>');
    });

    it('treats a close whose first answer was lost as done when the job is closed', async () => {
      server.script(hangUp, reply(400, XML, errorXml('InvalidJobState', 'Closed job cannot be closed')), reply(200, XML, jobXml({ state: 'Closed' })));
      expect((await client.closeJob(JOB.id)).state).to.equal('Closed');
      expect(server.requests.map((r) => r.method)).to.deep.equal(['POST', 'POST', 'GET']);
    });
  });

  describe('status and error mapping', () => {
    it('maps an <error> body to BulkApiError with exceptionCode, status and ids', async () => {
      server.script(reply(400, XML, errorXml('InvalidJob', 'Unable to find job')));
      const err = await rejection(client.getJob('750000000000000AAA'));
      expect(err).to.include({ code: 'BULK_API_ERROR', exceptionCode: 'InvalidJob', statusCode: 400, jobId: '750000000000000AAA' });
      expect(err.message).to.contain('InvalidJob: Unable to find job');
      expect(server.requests).to.have.length(1); // a 400 is not retried
    });

    it('maps a JSON error body', async () => {
      server.script(reply(400, 'application/json', '{"exceptionCode":"InvalidBatch","exceptionMessage":"Records not processed"}'));
      const err = await rejection(client.getBatch(JOB.id, BATCH.id));
      expect(err).to.include({ code: 'BULK_API_ERROR', exceptionCode: 'InvalidBatch', batchId: BATCH.id });
    });

    it('maps a non-API error page to HttpStatusError with an excerpt, after the retries', async () => {
      client = makeClient({ retry: { maxRetries: 2, minDelayMs: 1, random: () => 0 } });
      server.fallback = reply(502, 'text/html', '<html>Bad gateway</html>');
      const err = await rejection(client.getJob(JOB.id));
      expect(err).to.include({ code: 'BULK_HTTP_STATUS', statusCode: 502 });
      expect((err as unknown as { bodyExcerpt: string }).bodyExcerpt).to.contain('Bad gateway');
      expect(server.requests).to.have.length(3);
    });

    it('maps a refused connection to NetworkError', async () => {
      const port = new URL(server.url).port;
      await server.close();
      client = makeClient({ instanceUrl: `http://127.0.0.1:${port}`, retry: { maxRetries: 1, minDelayMs: 1 } });
      const err = await rejection(client.getJob(JOB.id));
      expect(err).to.include({ code: 'BULK_NETWORK', causeCode: 'ECONNREFUSED' });
      server = await new ScriptedServer().start(); // for afterEach
    });

    it('rejects an unexpected document clearly', async () => {
      server.script(reply(200, XML, batchXml()));
      const err = await rejection(client.getJob(JOB.id));
      expect(err).to.include({ code: 'BULK_PARSE', source: 'jobInfo' });
    });
  });

  describe('retries', () => {
    it('retries GETs on 5xx and resets with capped exponential back-off', async () => {
      server.script(reply(503, 'text/plain', 'busy'), hangUp, reply(500, XML, errorXml('InternalServerError', 'oops')), reply(200, XML, jobXml()));
      const job = await client.getJob(JOB.id);
      expect(job.id).to.equal(JOB.id);
      expect(server.requests).to.have.length(4);
      // random pinned at 0.5: 3/4 of min(40, 5 * 2^n)
      expect(retries).to.deep.equal([4, 8, 15]);
    });

    it('a first contact refused fails within firstContactMs, said in words, not an HTTP library code', async () => {
      const closed = await new ScriptedServer().start();
      const url = closed.url;
      await closed.close(); // nothing listens there now
      const refused = new BulkClient({
        instanceUrl: url,
        accessToken: 'T',
        retry: { minDelayMs: 5, maxDelayMs: 40, random: () => 0.5, firstContactMs: 300, maxElapsedMs: 60_000 },
        onRetry: (e) => retries.push(e.delayMs),
      });
      try {
        const err = await rejection(refused.getJob(JOB.id));
        expect(err).to.include({ code: 'BULK_NETWORK', causeCode: 'ECONNREFUSED' });
        expect(err.message).to.equal(
          `GET /services/async/${refused.apiVersion}/job/${JOB.id} failed: the connection was refused (nothing listens at that address and port) (ECONNREFUSED)`,
        );
        expect(retries.reduce((a, b) => a + b, 0)).to.be.at.most(300); // the first-contact budget, not the 60 s
      } finally {
        await refused.close();
      }
    });

    it('a host that takes the connection and never answers: no answer within the response timeout, one attempt at first contact', async () => {
      const sockets = new Set<Socket>();
      const silent = createServer((socket) => sockets.add(socket)); // reads, never answers
      await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
      const silentClient = new BulkClient({
        instanceUrl: `http://127.0.0.1:${(silent.address() as AddressInfo).port}`,
        accessToken: 'T',
        connection: { headersTimeoutMs: 200 },
        retry: { firstContactMs: 0 },
      });
      try {
        const err = await rejection(silentClient.getJob(JOB.id));
        expect(err).to.include({ code: 'BULK_NETWORK', causeCode: 'UND_ERR_HEADERS_TIMEOUT' });
        expect(err.message).to.match(/failed: no answer within the response timeout \(the server took the request and said nothing\)$/);
      } finally {
        await silentClient.close().catch(() => undefined);
        for (const socket of sockets) socket.destroy();
        await new Promise((resolve) => silent.close(resolve));
      }
    });

    it('honours Retry-After (seconds) on 429', async () => {
      client = makeClient({ retry: { maxRetryAfterMs: 1500, minDelayMs: 1 } });
      server.script(reply(429, XML, errorXml('ExceededQuota', 'slow down'), { 'retry-after': '1' }), reply(200, XML, jobXml()));
      const started = Date.now();
      await client.getJob(JOB.id);
      expect(retries).to.deep.equal([1000]);
      expect(Date.now() - started).to.be.at.least(900);
    });

    it('caps Retry-After', async () => {
      client = makeClient({ retry: { maxRetryAfterMs: 20 } });
      server.script(reply(503, 'text/plain', '', { 'retry-after': '3600' }), reply(200, XML, jobXml()));
      await client.getJob(JOB.id);
      expect(retries).to.deep.equal([20]);
    });

    const listed = (jobs: Array<Record<string, string>>) =>
      reply(
        200,
        'application/json',
        JSON.stringify({
          done: true,
          nextRecordsUrl: null,
          records: jobs.map((j) => ({
            id: j.id,
            object: 'Account',
            operation: 'insert',
            state: 'Open',
            contentType: 'XML',
            jobType: 'Classic',
            createdDate: new Date().toISOString(),
            ...j,
          })),
        }),
      );

    it('finds the job a create-job POST made when its answer was lost, in the org job list', async () => {
      server.script(
        hangUp,
        listed([{ id: JOB.id }, { id: '750Kf00000OLDJOB', createdDate: '2020-01-01T00:00:00.000+0000' }, { id: '750Kf00000CLOSED', state: 'Closed' }]),
        reply(200, XML, jobXml()),
      );
      const job = await client.createJob({ operation: 'insert', object: 'Account' });
      expect(job.id).to.equal(JOB.id);
      expect(server.requests.map((r) => `${r.method} ${r.url}`)).to.deep.equal([
        'POST /services/async/62.0/job',
        'GET /services/data/v62.0/jobs/ingest?jobType=Classic',
        `GET /services/async/62.0/job/${JOB.id}`,
      ]);
      expect(server.requests[1]?.headers.authorization).to.equal('Bearer TOKEN-1');
    });

    it('creates the job again when the lost POST made none', async () => {
      server.script(cutBody(201, XML, jobXml()), listed([]), reply(201, XML, jobXml()));
      await client.createJob({ operation: 'insert', object: 'Account' });
      expect(server.requests.map((r) => r.method)).to.deep.equal(['POST', 'GET', 'POST']);
    });

    it('names the candidates when the lost job cannot be told from another', async () => {
      server.script(hangUp, listed([{ id: '750Kf00000AAAAAA' }, { id: '750Kf00000BBBBBB' }]));
      const err = await rejection(client.createJob({ operation: 'insert', object: 'Account' }));
      expect(err).to.include({ code: 'BULK_JOB_UNKNOWN' });
      expect(err.message).to.contain('750Kf00000AAAAAA, 750Kf00000BBBBBB');
    });

    it('retries a document whose body is cut mid-way', async () => {
      server.script(cutBody(200, XML, jobXml()), reply(200, XML, jobXml()));
      expect((await client.getJob(JOB.id)).id).to.equal(JOB.id);
      server.script(cutBody(200, XML, serializeBatchInfoList([BATCH, BATCH], 'xml')), reply(200, XML, serializeBatchInfoList([BATCH, BATCH], 'xml')));
      expect(await client.listBatches(JOB.id)).to.have.length(2);
      expect(server.requests).to.have.length(4);
    });

    it('resumes a download cut mid-body, skipping what was read', async () => {
      const results = `"Id","Success","Created","Error"\n${Array.from({ length: 5000 }, (_, i) => `"001Kf00000${String(i).padStart(5, '0')}AAA","true","true",""`).join('\n')}\n`;
      server.script(cutBody(200, 'text/csv', results, 70_000), cutBody(200, 'text/csv', results, 100_000), reply(200, 'text/csv', results));
      const { body } = await client.getBatchResult(JOB.id, BATCH.id);
      expect(Buffer.concat(await collect<Buffer>(body)).toString()).to.equal(results);
      expect(server.requests).to.have.length(3);
    });

    it('fails a resumed download whose second body is shorter than what was read', async () => {
      server.script(cutBody(200, 'text/csv', 'a'.repeat(50_000), 40_000), reply(200, 'text/csv', 'a'.repeat(100)));
      const { body } = await client.getBatchResult(JOB.id, BATCH.id);
      const err = await rejection(collect(body));
      expect(err.message).to.contain('shorter');
    });

    it('retries a create-job POST refused with 503 (not processed)', async () => {
      server.script(reply(503, 'text/plain', 'maintenance'), reply(201, XML, jobXml()));
      await client.createJob({ operation: 'insert', object: 'Account' });
      expect(server.requests).to.have.length(2);
    });
  });

  describe('describe (REST)', () => {
    const DESCRIBE = JSON.stringify({
      name: 'Account',
      label: 'Account',
      keyPrefix: '001',
      custom: false,
      createable: true,
      fields: [{ name: 'Name', type: 'string', length: 255, nillable: false, createable: true }],
    });

    it("reads an object's describe once with a Bearer session, and describeGlobal", async () => {
      server.script(
        reply(200, 'application/json', DESCRIBE),
        reply(200, 'application/json', JSON.stringify({ encoding: 'UTF-8', maxBatchSize: 200, sobjects: [{ name: 'Account', keyPrefix: '001' }] })),
      );
      const [a, b] = await Promise.all([client.describe('Account'), client.describe('account')]);
      expect(a).to.equal(b);
      expect(a.fields[0]).to.include({ name: 'Name', type: 'string', length: 255, nillable: false });
      expect((await client.describeGlobal()).sobjects.map((o) => o.name)).to.deep.equal(['Account']);
      expect(server.requests.map((r) => r.url)).to.deep.equal(['/services/data/v62.0/sobjects/Account/describe', '/services/data/v62.0/sobjects']);
      expect(server.requests[0]?.headers.authorization).to.equal('Bearer TOKEN-1');
    });

    it('maps a REST error array to BulkApiError, retries a 503, and does not keep a failure', async () => {
      server.script(reply(404, 'application/json', '[{"message":"The requested resource does not exist","errorCode":"NOT_FOUND"}]'));
      expect(await rejection(client.describe('Nope__c'))).to.include({ code: 'BULK_API_ERROR', exceptionCode: 'NOT_FOUND', statusCode: 404 });
      server.script(reply(503, 'text/plain', 'busy'), reply(200, 'application/json', DESCRIBE.replace('Account', 'Nope__c')));
      expect((await client.describe('Nope__c')).name).to.equal('Nope__c');
      expect(server.requests).to.have.length(3);
    });

    it('renews an expired session on a REST INVALID_SESSION_ID', async () => {
      const provider: SessionProvider = { login: async (): Promise<Session> => ({ instanceUrl: server.url, sessionId: 'TOKEN-2' }) };
      client = makeClient({ sessionProvider: provider });
      server.script(reply(401, 'application/json', '[{"message":"Session expired or invalid","errorCode":"INVALID_SESSION_ID"}]'), reply(200, 'application/json', DESCRIBE));
      expect((await client.describe('Account')).name).to.equal('Account');
      expect(server.requests[1]?.headers.authorization).to.equal('Bearer TOKEN-2');
    });
  });

  describe('batches', () => {
    beforeEach(async () => {
      server.script(reply(201, XML, jobXml({ operation: 'insert' })));
      await client.createJob({ operation: 'insert', object: 'Account', contentType: 'CSV' });
      server.requests.length = 0;
    });

    it('uploads a batch with the job content type and reads batchInfo', async () => {
      server.script(reply(201, XML, batchXml()));
      const batch = await client.addBatch(JOB.id, 'Name\nAcme\n');
      expect(batch).to.include({ id: BATCH.id, state: 'Queued' });
      expect(server.requests[0]?.headers['content-type']).to.equal('text/csv; charset=UTF-8');
      expect(server.requests[0]?.url).to.equal(`/services/async/62.0/job/${JOB.id}/batch`);
    });

    it('looks the job up for its content type when it did not create it', async () => {
      server.script(reply(200, XML, jobXml({ id: '750Kf00000R1wzSIAR', contentType: 'XML' })), reply(201, XML, batchXml()));
      await client.addBatch('750Kf00000R1wzSIAR', '<sObjects/>');
      expect(server.requests.map((r) => r.method)).to.deep.equal(['GET', 'POST']);
      expect(server.requests[1]?.headers['content-type']).to.equal('application/xml; charset=UTF-8');
    });

    it('does not create the batch twice when the POST answer was lost', async () => {
      const body = 'Name\nAcme\nGlobex\n';
      let stored: Buffer | undefined;
      const storeThenHangUp: Handler = (req, res) => {
        stored = req.body;
        res.socket?.destroy();
      };
      server.script(
        storeThenHangUp,
        (_req, res) => res.writeHead(200, { 'content-type': XML }).end(serializeBatchInfoList([BATCH], 'xml')),
        (_req, res) => res.writeHead(200, { 'content-type': 'text/csv' }).end(stored),
        reply(200, XML, batchXml()),
      );
      const batch = await client.addBatch(JOB.id, body);
      expect(batch.id).to.equal(BATCH.id);
      expect(server.requests.map((r) => `${r.method} ${r.url.replace(/.*\/job\/\w+/, '')}`)).to.deep.equal([
        'POST /batch',
        'GET /batch',
        `GET /batch/${BATCH.id}/request`,
        `GET /batch/${BATCH.id}`,
      ]);
    });

    it('gives two lost uploads of identical bodies one batch each', async () => {
      const ids = ['751Kf000018uaV7IAI', '751Kf000018uaV8IAI'];
      const stored: Array<{ id: string; body: Buffer }> = [];
      server.fallback = (req, res) => {
        const path = req.url.replace(/.*\/job\/\w+/, '');
        if (req.method === 'POST') {
          stored.push({ id: ids[stored.length] as string, body: req.body });
          res.socket?.destroy(); // created, but the answer is lost
        } else if (path === '/batch') {
          res.writeHead(200, { 'content-type': XML }).end(
            serializeBatchInfoList(
              stored.map((b) => ({ ...BATCH, id: b.id })),
              'xml',
            ),
          );
        } else if (path.endsWith('/request')) {
          res.writeHead(200, { 'content-type': 'text/csv' }).end(stored.find((b) => path.includes(b.id))?.body);
        } else {
          res.writeHead(200, { 'content-type': XML }).end(batchXml({ id: path.split('/')[2] as string }));
        }
      };
      const body = 'Name\nSame\n';
      const got = await Promise.all([client.addBatch(JOB.id, body), client.addBatch(JOB.id, body)]);
      expect(got.map((b) => b.id).sort()).to.deep.equal(ids);
      expect(server.requests.filter((r) => r.method === 'POST')).to.have.length(2);
      // The second search starts after the first has claimed its batch: one list per lost upload.
      expect(server.requests.filter((r) => r.method === 'GET' && r.url.endsWith('/batch'))).to.have.length(2);
    });

    it('looks up the batch when the answer to its POST is cut mid-body', async () => {
      let stored: Buffer | undefined;
      server.script(
        (req, res) => {
          stored = req.body;
          cutBody(201, XML, batchXml())(req, res);
        },
        (_req, res) => res.writeHead(200, { 'content-type': XML }).end(serializeBatchInfoList([BATCH], 'xml')),
        (_req, res) => res.writeHead(200, { 'content-type': 'text/csv' }).end(stored),
        reply(200, XML, batchXml()),
      );
      expect((await client.addBatch(JOB.id, 'Name\nAcme\n')).id).to.equal(BATCH.id);
      expect(server.requests.map((r) => r.method)).to.deep.equal(['POST', 'GET', 'GET', 'GET']);
    });

    it('sends the batch again when the lost POST did not create it', async () => {
      server.script(hangUp, reply(200, XML, serializeBatchInfoList([], 'xml')), reply(201, XML, batchXml()));
      await client.addBatch(JOB.id, Buffer.from('Name\nAcme\n'));
      expect(server.requests.map((r) => r.method)).to.deep.equal(['POST', 'GET', 'POST']);
      expect(server.requests[2]?.body.toString()).to.equal('Name\nAcme\n');
    });

    it('ignores batches it created itself when looking for a lost one', async () => {
      const other = { ...BATCH, id: '751Kf000018uaV8IAI' };
      server.script(reply(201, XML, batchXml({ id: other.id })));
      await client.addBatch(JOB.id, 'Name\nFirst\n');
      server.script(hangUp, reply(200, XML, serializeBatchInfoList([other], 'xml')), reply(201, XML, batchXml()));
      await client.addBatch(JOB.id, 'Name\nSecond\n');
      expect(server.requests.map((r) => r.method)).to.deep.equal(['POST', 'POST', 'GET', 'POST']);
    });

    it('passes over the batches an UploadRegistry given to addBatch claims, and claims the batch it makes in it', async () => {
      const other = { ...BATCH, id: '751Kf000018uaV8IAI' };
      const uploads = new UploadRegistry();
      uploads.claim(JOB.id, [other.id]);
      server.script(hangUp, reply(200, XML, serializeBatchInfoList([other], 'xml')), reply(201, XML, batchXml()));
      expect((await client.addBatch(JOB.id, 'Name\nAcme\n', { uploads })).id).to.equal(BATCH.id);
      expect(server.requests.map((r) => r.method)).to.deep.equal(['POST', 'GET', 'POST']);
      expect(uploads.claimed(JOB.id, BATCH.id)).to.equal(true);
    });

    it('never retries a stream body', async () => {
      server.script(reply(503, 'text/plain', 'busy'));
      const err = await rejection(client.addBatch(JOB.id, Readable.from([Buffer.from('Name\nAcme\n')])));
      expect(err).to.include({ code: 'BULK_HTTP_STATUS', statusCode: 503 });
      expect(server.requests).to.have.length(1);
    });

    it('uploads gzip when asked, and decodes gzip answers', async () => {
      await client.close();
      client = makeClient({ gzipUploads: true, acceptGzip: true });
      server.script(reply(201, XML, gzipSync(batchXml()), { 'content-encoding': 'gzip' }));
      const batch = await client.addBatch(JOB.id, 'Name\nAcme\n', { contentType: 'CSV' });
      expect(batch.id).to.equal(BATCH.id);
      const [req] = server.requests;
      expect(req?.headers['content-encoding']).to.equal('gzip');
      expect(req?.headers['accept-encoding']).to.equal('gzip');
      expect(req?.raw.subarray(0, 2)).to.deep.equal(Buffer.from([0x1f, 0x8b]));
      expect(req?.body.toString()).to.equal('Name\nAcme\n');
    });

    it('asks for gzip answers by default, except from a loopback origin (issue 28)', async () => {
      server.script(reply(201, XML, batchXml()));
      await client.addBatch(JOB.id, 'Name\nAcme\n', { contentType: 'CSV' });
      expect(server.requests[0]?.headers['accept-encoding']).to.equal(undefined);
      expect(isLoopback('http://localhost:8780')).to.equal(true);
      expect(isLoopback('http://127.0.0.1:8780')).to.equal(true);
      expect(isLoopback('http://[::1]:8780')).to.equal(true);
      expect(isLoopback('https://example.my.salesforce.com')).to.equal(false);
      expect(isLoopback('https://127.0.0.1.example.com')).to.equal(false);
    });

    it('uploads from a file path and from a stream', async () => {
      const { writeFile, mkdtemp, rm } = await import('node:fs/promises');
      const { tmpdir } = await import('node:os');
      const dir = await mkdtemp(`${tmpdir()}/bulkpipe-`);
      try {
        await writeFile(`${dir}/b.csv`, 'Name\nFromFile\n');
        server.script(reply(201, XML, batchXml()), reply(201, XML, batchXml()));
        await client.addBatch(JOB.id, { path: `${dir}/b.csv` });
        await client.addBatch(JOB.id, Readable.from(['Name\n', 'FromStream\n']));
        expect(server.requests.map((r) => r.body.toString())).to.deep.equal(['Name\nFromFile\n', 'Name\nFromStream\n']);
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    });

    it('lists batches, gets one, and reads its request', async () => {
      server.script(
        reply(200, XML, serializeBatchInfoList([BATCH, { ...BATCH, id: '751Kf000018uaV8IAI', state: 'Completed' }], 'xml')),
        reply(200, XML, batchXml({ state: 'InProgress' })),
        reply(200, 'text/csv', 'Name\nAcme\n'),
      );
      expect((await client.listBatches(JOB.id)).map((b) => b.state)).to.deep.equal(['Queued', 'Completed']);
      expect((await client.getBatch(JOB.id, BATCH.id)).state).to.equal('InProgress');
      const request = await client.getBatchRequest(JOB.id, BATCH.id);
      expect(Buffer.concat(await collect(request.body)).toString()).to.equal('Name\nAcme\n');
    });

    it('streams DML results', async () => {
      const csv =
        '"Id","Success","Created","Error"\n"001000000000001AAA","true","true",""\n"","false","false","REQUIRED_FIELD_MISSING:Required fields are missing: [Name]:Name --"\n';
      server.script(reply(200, 'text/csv', csv));
      const results = await collect(client.batchResults(JOB.id, BATCH.id));
      expect(results.map((r) => r.success)).to.deep.equal([true, false]);
      expect(results[1]?.errors[0]).to.deep.equal({ statusCode: 'REQUIRED_FIELD_MISSING', message: 'Required fields are missing: [Name]', fields: ['Name'] });
    });

    it('lists query result ids and streams a result file', async () => {
      server.script(reply(200, XML, serializeResultList(['752x00000004CJE', '752x00000004CJF'], 'xml')), reply(200, 'text/csv', '"Id"\n"001000000000001AAA"\n'));
      expect(await client.listQueryResultIds(JOB.id, BATCH.id)).to.deep.equal(['752x00000004CJE', '752x00000004CJF']);
      const file = await client.getQueryResult(JOB.id, BATCH.id, '752x00000004CJE');
      expect(file.contentType).to.equal('text/csv');
      expect(Buffer.concat(await collect(file.body)).toString()).to.equal('"Id"\n"001000000000001AAA"\n');
      expect(server.requests[1]?.url).to.equal(`/services/async/62.0/job/${JOB.id}/batch/${BATCH.id}/result/752x00000004CJE`);
    });
  });

  describe('expired sessions', () => {
    class CountingProvider implements SessionProvider {
      logins = 0;
      async login(): Promise<Session> {
        this.logins++;
        await new Promise((r) => setTimeout(r, 20));
        return { instanceUrl: server.url, sessionId: `TOKEN-${this.logins + 1}` };
      }
    }

    it('logs in again and replays the batch with its whole body', async () => {
      const provider = new CountingProvider();
      client = makeClient({ sessionProvider: provider });
      const body = Buffer.from(`Name,Description\n${'Acme,"x\ny"\n'.repeat(1000)}`);
      server.script(invalidSession, reply(201, XML, batchXml()));
      await client.addBatch(JOB.id, body, { contentType: 'CSV' });
      expect(provider.logins).to.equal(1);
      expect(server.requests.map((r) => r.headers['x-sfdc-session'])).to.deep.equal(['TOKEN-1', 'TOKEN-2']);
      expect(server.requests[1]?.body.equals(body)).to.equal(true);
      expect(server.requests[0]?.body.equals(body)).to.equal(true);
    });

    it('renews once for concurrent requests that saw the same expired session', async () => {
      const provider = new CountingProvider();
      client = makeClient({ sessionProvider: provider });
      server.fallback = (req, res) => {
        if (req.headers['x-sfdc-session'] === 'TOKEN-1') invalidSession(req, res);
        else res.writeHead(200, { 'content-type': XML }).end(jobXml());
      };
      await Promise.all([client.getJob(JOB.id), client.getJob(JOB.id), client.getJob(JOB.id)]);
      expect(provider.logins).to.equal(1);
    });

    it('fails with BULK_SESSION_EXPIRED without a provider', async () => {
      server.script(invalidSession);
      const err = await rejection(client.getJob(JOB.id));
      expect(err).to.include({ code: 'BULK_SESSION_EXPIRED', exceptionCode: 'InvalidSessionId', statusCode: 400 });
    });

    it('never replays a consumed stream: the expiry is reported instead', async () => {
      const provider = new CountingProvider();
      client = makeClient({ sessionProvider: provider });
      server.script(invalidSession);
      const err = await rejection(client.addBatch(JOB.id, Readable.from(['Name\nAcme\n']), { contentType: 'CSV' }));
      expect(err).to.include({ code: 'BULK_SESSION_EXPIRED' });
      expect(server.requests).to.have.length(1);
      expect(provider.logins).to.equal(0);
    });

    it('gives up when the renewed session is refused too', async () => {
      const provider = new CountingProvider();
      client = makeClient({ sessionProvider: provider });
      server.fallback = invalidSession;
      const err = await rejection(client.getJob(JOB.id));
      expect(err).to.include({ code: 'BULK_SESSION_EXPIRED' });
      expect(provider.logins).to.equal(1);
      expect(server.requests).to.have.length(2);
    });
  });

  describe('abort', () => {
    it('aborts a request in flight through the signal', async () => {
      const controller = new AbortController();
      // The server holds the request and never answers: only the abort can end the call.
      server.script(() => controller.abort(new Error('user stop')));
      const err = await rejection(client.getJob(JOB.id, { signal: controller.signal }));
      expect(err).to.include({ code: 'BULK_ABORTED' });
      expect(server.requests).to.have.length(1);
    });

    it('aborts during the back-off wait', async () => {
      // A 20 s back-off: without the abort the test would time out, or retry and make a second request.
      client = makeClient({ retry: { minDelayMs: 20_000, maxDelayMs: 20_000 } });
      const controller = new AbortController();
      server.fallback = (req, res) => {
        res.on('finish', () => setImmediate(() => controller.abort()));
        reply(503, 'text/plain', 'busy')(req, res);
      };
      const err = await rejection(client.getJob(JOB.id, { signal: controller.signal }));
      expect(err).to.include({ code: 'BULK_ABORTED' });
      expect(server.requests).to.have.length(1);
    });

    it('refuses to start with an aborted signal', async () => {
      const err = await rejection(client.getJob(JOB.id, { signal: AbortSignal.abort() }));
      expect(err).to.include({ code: 'BULK_ABORTED' });
      expect(server.requests).to.have.length(0);
    });
  });
});
