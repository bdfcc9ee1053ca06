/**
 * IngestJobs (Bulk API 2.0 ingest) end to end against the local org on 127.0.0.1, with a fault
 * proxy in front of it for lost answers: every call, its retries, a renewed session, gzip, the list.
 */
import { createReadStream } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { request as httpRequest } from 'node:http';
import Database from 'better-sqlite3';
import { expect } from 'chai';
import type { Session, SessionProvider } from '../../../lib/auth/session.js';
import { SoapLoginProvider } from '../../../lib/auth/soap-login-provider.js';
import { BulkApiError } from '../../../lib/errors.js';
import { BulkClient, type ReplayableStreamBody } from '../../../lib/http/client.js';
import type { IngestJobInfo } from '../../../lib/http/ingest-jobs.js';
import { startServer, type LocalOrg } from '../../../server/index.js';
import { FaultProxy, is, type ProxiedRequest } from '../../helpers/fault-proxy.js';
import { collect, rejection } from '../../helpers/fixtures.js';
import { login } from '../../helpers/local-org.js';
import { waitFor } from '../../helpers/wait-for.js';

const VERSION = '62.0';
const CREATE = is(`POST /services/data/v${VERSION}/jobs/ingest`);
const PUT = is(`PUT /services/data/v${VERSION}/jobs/ingest/:id/batches`);
const PATCH = is(`PATCH /services/data/v${VERSION}/jobs/ingest/:id`);
const DELETE = is(`DELETE /services/data/v${VERSION}/jobs/ingest/:id`);
const RETRY = { minDelayMs: 5, maxDelayMs: 50, maxRetries: 6 };

const csvOf = (names: readonly string[]) => `Name\n${names.join('\n')}\n`;
const namesOf = (prefix: string, n: number) => Array.from({ length: n }, (_, i) => `${prefix}-${i}`);

async function text(body: Readable): Promise<string> {
  return Buffer.concat(await collect(body as AsyncIterable<Buffer>)).toString('utf8');
}

/** The Name column of a result file (the org quotes every value). */
async function resultNames(client: BulkClient, jobId: string, file: 'successfulResults' | 'failedResults' | 'unprocessedrecords'): Promise<string[]> {
  const lines = (await text((await client.ingestJobs.results(jobId, file)).body)).split('\n').filter(Boolean);
  const header = (lines.shift() ?? '').split(',');
  const column = header.indexOf('Name');
  return lines.map((line) => (line.split(',')[column] ?? '').replaceAll('"', '')).sort();
}

describe('lib/http/ingest-jobs (IngestJobs)', () => {
  let org: LocalOrg;
  let session: string;
  let proxy: FaultProxy;
  let client: BulkClient;
  const retries: Array<{ method: string; error: Error }> = [];

  before(async () => {
    org = await startServer({ schema: { objects: [{ name: 'Account', fields: [{ name: 'Ext_Id__c', type: 'string', length: 20, externalId: true, unique: true }] }] } });
    session = await login(org);
    proxy = await new FaultProxy(org.instanceUrl).start();
  });
  after(async () => {
    await proxy.close();
    await org.close();
  });
  /** The requests the proxy saw in this test. */
  let start = 0;
  const seen = (test: (r: ProxiedRequest) => boolean) => proxy.requests.slice(start).filter(test);
  beforeEach(() => {
    start = proxy.requests.length;
    proxy.rule = () => 'pass';
    retries.length = 0;
    client = new BulkClient({ instanceUrl: proxy.url, accessToken: session, apiVersion: VERSION, retry: RETRY, onRetry: (e) => retries.push(e) });
  });
  afterEach(async () => {
    await client.close();
  });

  /** Closes the job and waits until the org has processed it. */
  async function closeAndWait(jobId: string): Promise<IngestJobInfo> {
    await client.ingestJobs.close(jobId);
    return ended(jobId);
  }

  async function ended(jobId: string, jobs = client.ingestJobs): Promise<IngestJobInfo> {
    return waitFor('the job to end', async () => {
      const job = await jobs.get(jobId);
      return job.state === 'JobComplete' || job.state === 'Failed' ? job : undefined;
    });
  }

  /** Holds the answer to the first request `test` matches: the org acts on it, then the client's connection drops. */
  function loseFirstAnswer(test: (r: ProxiedRequest) => boolean): void {
    let held = false;
    proxy.rule = (r) => {
      if (held || !test(r)) return 'pass';
      held = true;
      return 'hold';
    };
    void proxy.whenHeld(test).then(() => proxy.releaseHeld());
  }

  describe('a job from create to results', () => {
    it('creates (JSON, Bearer), uploads, closes, gets, reads the three result files, deletes', async () => {
      const jobs = client.ingestJobs;
      expect(client.ingestJobs).to.equal(jobs); // made once
      const job = await jobs.create({ object: 'Account', operation: 'insert', lineEnding: 'LF', columnDelimiter: 'COMMA' });
      expect(job).to.include({ object: 'Account', operation: 'insert', state: 'Open', apiVersion: VERSION, lineEnding: 'LF', columnDelimiter: 'COMMA', numberRecordsProcessed: 0 });
      expect(job.id).to.match(/^750\w{15}$/);
      const create = seen(CREATE)[0];
      expect(create?.headers.authorization).to.equal(`Bearer ${session}`);
      expect(create?.headers['content-type']).to.equal('application/json; charset=UTF-8');

      expect(await jobs.upload(job.id, 'Name\nA1\nA2\n""\nA4\n')).to.equal('uploaded');
      const put = seen(PUT)[0];
      expect(put?.headers['content-type']).to.equal('text/csv; charset=UTF-8');
      expect(put?.headers['content-encoding']).to.equal(undefined);

      const closed = await jobs.close(job.id);
      expect(closed.state).to.be.oneOf(['UploadComplete', 'InProgress', 'JobComplete']);
      // The PATCH answer has no dialect: it comes from the create answer.
      expect(closed).to.include({ lineEnding: 'LF', columnDelimiter: 'COMMA' });
      const done = await ended(job.id);
      expect(done).to.include({ state: 'JobComplete', numberRecordsProcessed: 4, numberRecordsFailed: 1, jobType: 'V2Ingest' });

      expect(await resultNames(client, job.id, 'successfulResults')).to.deep.equal(['A1', 'A2', 'A4']);
      expect(await resultNames(client, job.id, 'failedResults')).to.deep.equal(['']);
      expect(await resultNames(client, job.id, 'unprocessedrecords')).to.deep.equal([]);

      await jobs.delete(job.id);
      expect(await rejection(jobs.get(job.id))).to.include({ code: 'BULK_API_ERROR', exceptionCode: 'NOT_FOUND', statusCode: 404 });
    });

    it('keeps a CRLF / SEMICOLON job dialect, upserts by external id', async () => {
      const job = await client.ingestJobs.create({ object: 'Account', operation: 'upsert', externalIdFieldName: 'Ext_Id__c', lineEnding: 'CRLF', columnDelimiter: 'SEMICOLON' });
      expect(job).to.include({ lineEnding: 'CRLF', columnDelimiter: 'SEMICOLON', externalIdFieldName: 'Ext_Id__c' });
      await client.ingestJobs.upload(job.id, 'Name;Ext_Id__c\r\nU1;E1\r\nU2;E2\r\n');
      const done = await closeAndWait(job.id);
      expect(done).to.include({ state: 'JobComplete', numberRecordsProcessed: 2, numberRecordsFailed: 0, lineEnding: 'CRLF', columnDelimiter: 'SEMICOLON' });
    });

    it('reads the dialect of a job it did not create from the job info after a PATCH', async () => {
      const other = new BulkClient({ instanceUrl: org.instanceUrl, accessToken: session, apiVersion: VERSION, retry: RETRY });
      try {
        const job = await other.ingestJobs.create({ object: 'Account', operation: 'insert', columnDelimiter: 'PIPE' });
        await other.ingestJobs.upload(job.id, 'Name\nP1\n');
        const closed = await client.ingestJobs.close(job.id);
        expect(closed.columnDelimiter).to.equal('PIPE');
      } finally {
        await other.close();
      }
    });

    it('maps the 2.0 error array to BulkApiError with its errorCode', async () => {
      const err = await rejection(client.ingestJobs.create({ object: 'NoSuchObject__c', operation: 'insert' }));
      expect(err).to.be.instanceOf(BulkApiError);
      expect(err).to.include({ exceptionCode: 'INVALIDJOB', statusCode: 400 });
      expect((err as BulkApiError).exceptionMessage).to.contain('Unable to find object: NoSuchObject__c');
      const missing = await rejection(client.ingestJobs.get('750000000000000AAA'));
      expect(missing).to.include({ exceptionCode: 'NOT_FOUND', statusCode: 404, jobId: '750000000000000AAA' });
      expect(retries).to.deep.equal([]); // a 4xx is not retried
    });

    it('refuses to delete an Open job (API_ERROR), deletes it once aborted', async () => {
      const job = await client.ingestJobs.create({ object: 'Account', operation: 'insert' });
      expect(await rejection(client.ingestJobs.delete(job.id))).to.include({ exceptionCode: 'API_ERROR', statusCode: 400 });
      await client.ingestJobs.abort(job.id);
      await client.ingestJobs.delete(job.id);
      expect(await rejection(client.ingestJobs.get(job.id))).to.include({ exceptionCode: 'NOT_FOUND' });
    });
  });

  describe('lost answers and retries', () => {
    it("a create whose answer was lost is sent again, never answered by a like job in the list (it may be another process's); the lost one is told", async () => {
      const since = Date.now();
      // Another process's like job, made just before: the retry must not take it.
      const theirs = await client.ingestJobs.create({ object: 'Account', operation: 'delete' });
      expect(client.ingestJobs.takeLostCreates()).to.deep.equal([]);
      loseFirstAnswer(CREATE);
      const job = await client.ingestJobs.create({ object: 'Account', operation: 'delete' });
      expect(job.id).to.not.equal(theirs.id);
      expect(seen(CREATE)).to.have.length(3);
      expect(retries.map((r) => r.error.name)).to.deep.equal(['NetworkError']);
      const lost = client.ingestJobs.takeLostCreates();
      expect(lost).to.have.length(1);
      expect(lost[0]).to.be.at.least(since);
      const listed = (await collect(client.ingestJobs.list({ since: since - 2000 }))).filter((j) => j.operation === 'delete' && j.state === 'Open');
      expect(listed).to.have.length(3); // theirs, the lost attempt's (no data) and ours
      for (const open of listed) await client.ingestJobs.abort(open.id);
    });

    it('a PUT whose answer was lost resolves "present", and the job holds the rows once', async () => {
      const job = await client.ingestJobs.create({ object: 'Account', operation: 'insert' });
      const names = namesOf('lost-put', 50);
      loseFirstAnswer(PUT);
      expect(await client.ingestJobs.upload(job.id, Buffer.from(csvOf(names)))).to.equal('present');
      expect(seen(PUT)).to.have.length(2);
      const done = await closeAndWait(job.id);
      expect(done).to.include({ state: 'JobComplete', numberRecordsProcessed: 50, numberRecordsFailed: 0 });
      expect(await resultNames(client, job.id, 'successfulResults')).to.deep.equal([...names].sort());
    });

    it('a second upload of a job that holds data is "present", not an error (a resumed load)', async () => {
      const job = await client.ingestJobs.create({ object: 'Account', operation: 'insert' });
      expect(await client.ingestJobs.upload(job.id, 'Name\nS1\n')).to.equal('uploaded');
      expect(await client.ingestJobs.upload(job.id, 'Name\nS1\n')).to.equal('present');
      expect((await closeAndWait(job.id)).numberRecordsProcessed).to.equal(1);
    });

    it('a retry meeting an upload of the job still streaming in (a cut attempt the org has not seen end) waits for it, then uploads', async () => {
      // The org's store in a file, to see when it has taken the stalled upload (the job's upload token).
      const dbPath = join(await mkdtemp(join(tmpdir(), 'ingest-stall-')), 'org.db');
      const slowOrg = await startServer({ db: dbPath });
      const sent: Array<{ method: string; path: string }> = [];
      const slowClient = new BulkClient({ instanceUrl: slowOrg.instanceUrl, accessToken: await login(slowOrg), apiVersion: VERSION, retry: RETRY, onRequest: (r) => sent.push(r) });
      const store = new Database(dbPath, { readonly: true });
      try {
        const job = await slowClient.ingestJobs.create({ object: 'Account', operation: 'insert' });
        const put = httpRequest(`${slowOrg.instanceUrl}/services/data/v${VERSION}/jobs/ingest/${job.id}/batches`, {
          method: 'PUT',
          headers: { authorization: `Bearer ${await login(slowOrg)}`, 'content-type': 'text/csv' },
        });
        put.on('error', () => undefined);
        put.write('Name\nstalled-1\n');
        await waitFor(
          'the org to take the stalled upload',
          () => (store.prepare('SELECT upload_token FROM jobs WHERE id = ?').get(job.id) as { upload_token: string | null }).upload_token !== null,
        );
        let settled = false;
        const upload = slowClient.ingestJobs.upload(job.id, 'Name\nmine-1\nmine-2\n').finally(() => {
          settled = true;
        });
        // Refused while the stalled upload streams; the org drops it once its client is gone.
        await waitFor('the first refusal (the client then looks at the job)', () => settled || sent.some((r) => r.method === 'GET' && r.path.endsWith(job.id)));
        put.destroy();
        expect(await upload).to.equal('uploaded');
        await slowClient.ingestJobs.close(job.id);
        expect(await ended(job.id, slowClient.ingestJobs)).to.include({ state: 'JobComplete', numberRecordsProcessed: 2 });
        expect(await resultNames(slowClient, job.id, 'successfulResults')).to.deep.equal(['mine-1', 'mine-2']);
      } finally {
        store.close();
        await slowClient.close();
        await slowOrg.close();
      }
    });

    it('a close whose answer was lost succeeds on the retry (the job is past Open)', async () => {
      const job = await client.ingestJobs.create({ object: 'Account', operation: 'insert' });
      await client.ingestJobs.upload(job.id, 'Name\nC1\n');
      loseFirstAnswer(PATCH);
      const closed = await client.ingestJobs.close(job.id);
      expect(closed.state).to.be.oneOf(['UploadComplete', 'InProgress', 'JobComplete']);
      expect(seen(PATCH)).to.have.length(2);
      expect(retries.map((r) => r.error.name)).to.deep.equal(['NetworkError']);
    });

    it('an abort whose answer was lost succeeds on the retry; an abort of an ended job returns it', async () => {
      const job = await client.ingestJobs.create({ object: 'Account', operation: 'insert' });
      loseFirstAnswer(PATCH);
      expect((await client.ingestJobs.abort(job.id)).state).to.equal('Aborted');
      expect(seen(PATCH)).to.have.length(2);
      expect((await client.ingestJobs.abort(job.id)).state).to.equal('Aborted');

      const complete = await client.ingestJobs.create({ object: 'Account', operation: 'insert' });
      await client.ingestJobs.upload(complete.id, 'Name\nT1\n');
      await closeAndWait(complete.id);
      expect((await client.ingestJobs.abort(complete.id)).state).to.equal('JobComplete');
    });

    it('a close of an aborted job still fails', async () => {
      const job = await client.ingestJobs.create({ object: 'Account', operation: 'insert' });
      await client.ingestJobs.abort(job.id);
      expect(await rejection(client.ingestJobs.close(job.id))).to.include({ exceptionCode: 'INVALIDJOBSTATE' });
    });

    it('a delete whose answer was lost finds the job gone', async () => {
      const job = await client.ingestJobs.create({ object: 'Account', operation: 'insert' });
      await client.ingestJobs.abort(job.id);
      loseFirstAnswer(DELETE);
      await client.ingestJobs.delete(job.id);
      expect(seen(DELETE)).to.have.length(1);
    });

    it('resumes a result download cut mid-body', async () => {
      const job = await client.ingestJobs.create({ object: 'Account', operation: 'insert' });
      const names = namesOf('cut', 2000);
      await client.ingestJobs.upload(job.id, csvOf(names));
      await closeAndWait(job.id);
      const RESULTS = is(`GET /services/data/v${VERSION}/jobs/ingest/:id/successfulResults`);
      let cut = false;
      proxy.rule = (r) => {
        if (cut || !RESULTS(r)) return 'pass';
        cut = true;
        return 'cut';
      };
      client = new BulkClient({ instanceUrl: proxy.url, accessToken: session, apiVersion: VERSION, retry: RETRY, acceptGzip: false });
      expect(await resultNames(client, job.id, 'successfulResults')).to.deep.equal([...names].sort());
      expect(seen(RESULTS).length).to.be.greaterThan(1);
    });
  });

  describe('bodies', () => {
    let dir: string;
    before(async () => {
      dir = await mkdtemp(join(tmpdir(), 'ingest-jobs-'));
    });
    after(async () => {
      await rm(dir, { recursive: true, force: true });
    });

    it('uploads gzip when asked (Content-Encoding: gzip, compressed per send)', async () => {
      const job = await client.ingestJobs.create({ object: 'Account', operation: 'insert' });
      const names = namesOf('gz', 300);
      loseFirstAnswer(PUT);
      expect(await client.ingestJobs.upload(job.id, { path: await written('gz.csv', csvOf(names)) }, { gzip: true })).to.equal('present');
      const puts = seen(PUT);
      // The lost one and its retry at least: a retry that meets the first upload's lock still held on the org's side
      // (the answer was sent, the handler not yet done) is refused as busy and sent once more.
      expect(puts.length).to.be.at.least(2);
      expect(puts.map((r) => r.headers['content-encoding'])).to.deep.equal(puts.map(() => 'gzip'));
      await closeAndWait(job.id);
      expect(await resultNames(client, job.id, 'successfulResults')).to.deep.equal([...names].sort());
    });

    it('sends a replayable stream body again after a 5xx, made anew per send', async () => {
      const faulty = await startServer({ faults: { seed: 3, error5xxRate: 0.4 } });
      const faultyClient = await BulkClient.login({
        loginUrl: faulty.loginUrl,
        username: faulty.username,
        password: faulty.password,
        apiVersion: VERSION,
        retry: { ...RETRY, maxRetries: 10 },
        onRetry: (e) => retries.push(e),
      });
      try {
        const head = await written('head.csv', 'Name\nR1\n');
        const tail = await written('tail.csv', 'R2\nR3\n');
        let opened = 0;
        const body: ReplayableStreamBody = {
          stream: () => {
            opened++;
            return Readable.from(segments([head, tail]));
          },
        };
        const jobs = faultyClient.ingestJobs;
        const job = await jobs.create({ object: 'Account', operation: 'insert' });
        expect(await jobs.upload(job.id, body)).to.equal('uploaded');
        await jobs.close(job.id);
        expect(await ended(job.id, jobs)).to.include({ state: 'JobComplete', numberRecordsProcessed: 3, numberRecordsFailed: 0 });
        const statuses = retries.map((r) => (r.error as { statusCode?: number }).statusCode);
        expect(statuses).to.include(503);
        const putRetries = retries.filter((r) => r.method === 'PUT').length;
        expect(putRetries).to.be.greaterThan(0);
        expect(opened).to.equal(1 + putRetries);
      } finally {
        await faultyClient.close();
        await faulty.close();
      }
    });

    it('renews an expired session and replays the whole upload', async () => {
      class CountingProvider implements SessionProvider {
        logins = 0;
        readonly #soap = new SoapLoginProvider({ loginUrl: org.loginUrl, username: org.username, password: org.password, apiVersion: VERSION });
        async login(signal?: AbortSignal): Promise<Session> {
          this.logins++;
          return this.#soap.login(signal);
        }
      }
      const provider = new CountingProvider();
      const job = await client.ingestJobs.create({ object: 'Account', operation: 'insert' });
      const stale = new BulkClient({ instanceUrl: org.instanceUrl, accessToken: 'expired-session', sessionProvider: provider, apiVersion: VERSION, retry: RETRY });
      try {
        const names = namesOf('renewed', 100);
        expect(await stale.ingestJobs.upload(job.id, csvOf(names))).to.equal('uploaded');
        expect(provider.logins).to.equal(1);
        await client.ingestJobs.close(job.id);
        expect(await ended(job.id, stale.ingestJobs)).to.include({ state: 'JobComplete', numberRecordsProcessed: 100 });
        expect(provider.logins).to.equal(1);
      } finally {
        await stale.close();
      }
    });

    async function written(name: string, content: string): Promise<string> {
      const path = join(dir, name);
      await writeFile(path, content);
      return path;
    }
  });

  describe('list', () => {
    it('follows nextRecordsUrl across pages of 1,000 and filters by creation time', async () => {
      const before = await collect(client.ingestJobs.list());
      const since = Date.now();
      const made: string[] = [];
      // Enough jobs for a second page whatever the earlier tests made.
      for (let round = 0; round < 26; round++) {
        const batch = await Promise.all(Array.from({ length: 40 }, () => client.ingestJobs.create({ object: 'Account', operation: 'hardDelete' })));
        made.push(...batch.map((j) => j.id));
      }
      const pages = seen(is(`GET /services/data/v${VERSION}/jobs/ingest`)).length;
      const all = await collect(client.ingestJobs.list());
      expect(seen(is(`GET /services/data/v${VERSION}/jobs/ingest`)).length - pages).to.equal(Math.ceil(all.length / 1000));
      expect(all.length).to.equal(before.length + made.length);
      expect(new Set(all.map((j) => j.id)).size).to.equal(all.length);
      expect(all.every((j) => j.jobType === 'V2Ingest')).to.equal(true);
      const recent = await collect(client.ingestJobs.list({ since: since - 1000 }));
      expect(recent.map((j) => j.id)).to.include.members(made);
      const future = await collect(client.ingestJobs.list({ since: Date.now() + 60_000 }));
      expect(future).to.deep.equal([]);
    });
  });
});

async function* segments(paths: readonly string[]): AsyncGenerator<Buffer> {
  for (const path of paths) yield* createReadStream(path) as AsyncIterable<Buffer>;
}
