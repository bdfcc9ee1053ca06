/**
 * QueryJobs (Bulk API 2.0 query jobs) against the local org: create, get, abort, delete, the
 * locator loop, resultPages in the org's two shapes; and, against a scripted server, each shape
 * alone, a 404 (an org without resultPages) and a page without its headers.
 */
import { expect } from 'chai';
import type { ServerResponse } from 'node:http';
import { BulkClient } from '../../../lib/http/client.js';
import type { QueryJobs, QueryResultsPage } from '../../../lib/http/query-jobs.js';
import { startTestOrg, runJob, type TestOrg } from '../../helpers/local-org.js';
import { closeScripted, type ScriptedServer, scriptedClient } from '../../helpers/scripted-server.js';
import { waitFor } from '../../helpers/wait-for.js';

const ROWS = 23;
const text = async (page: QueryResultsPage) => {
  let out = '';
  for await (const chunk of page.body) out += (chunk as Buffer).toString('utf8');
  return out;
};
const done = (jobs: QueryJobs, id: string) => waitFor(`query job ${id}`, async () => ((await jobs.get(id)).state === 'JobComplete' ? true : undefined));

describe('lib/http/query-jobs: Bulk API 2.0 query jobs', () => {
  let t: TestOrg;
  let client: BulkClient;
  before(async () => {
    t = await startTestOrg({ queryPageRows: 10 });
    await runJob(t, { object: 'Account', operation: 'insert', contentType: 'CSV' }, [
      `Name\n${Array.from({ length: ROWS }, (_, i) => `QJ${String(i).padStart(2, '0')}`).join('\n')}\n`,
    ]);
    client = await BulkClient.login({ loginUrl: t.org.loginUrl, username: t.org.username, password: t.org.password, apiVersion: '62.0', retry: { minDelayMs: 5, maxDelayMs: 50 } });
  });
  after(async () => {
    await client?.close();
    await t?.close();
  });

  it('validation: an empty query, an unknown operation or delimiter, a maxRecords of 0 are refused (thrown) before any request', async () => {
    const jobs = client.queryJobs;
    expect(client.queryJobs).to.equal(jobs); // made once
    for (const bad of [
      (): Promise<unknown> => jobs.create({ query: '', operation: 'query' }),
      () => jobs.create({ query: 'SELECT Id FROM Account', operation: 'select' as 'query' }),
      () => jobs.create({ query: 'SELECT Id FROM Account', operation: 'query', columnDelimiter: 'COLON' as 'COMMA' }),
      () => jobs.results('750000000000001AAA', { maxRecords: 0 }),
    ]) {
      const err = await Promise.resolve()
        .then(bad)
        .then(
          () => undefined,
          (e: unknown) => e,
        );
      expect(err).to.have.property('code', 'BULK_INVALID_OPTION');
    }
  });

  it('creates a job, reads it to JobComplete, and walks the locator loop with maxRecords: each page with its header, the last locator null', async () => {
    const jobs = client.queryJobs;
    const job = await jobs.create({ query: "SELECT Name FROM Account WHERE Name LIKE 'QJ%' ORDER BY Name", operation: 'query' });
    expect(job).to.include({ operation: 'query', object: 'Account', columnDelimiter: 'COMMA', lineEnding: 'LF' });
    expect(['UploadComplete', 'InProgress', 'JobComplete']).to.include(job.state);
    await done(jobs, job.id);
    expect((await jobs.get(job.id)).numberRecordsProcessed).to.equal(ROWS);
    const names: string[] = [];
    const counts: number[] = [];
    let locator: string | null = null;
    do {
      const page: QueryResultsPage = await jobs.results(job.id, { locator, maxRecords: 7 });
      const lines = (await text(page)).split('\n').filter(Boolean);
      expect(lines[0]).to.equal('"Name"');
      expect(lines.length - 1).to.equal(page.numberOfRecords);
      names.push(...lines.slice(1));
      counts.push(page.numberOfRecords);
      locator = page.locator;
    } while (locator !== null);
    expect(counts).to.deep.equal([7, 7, 7, 2]);
    expect(names).to.deep.equal(Array.from({ length: ROWS }, (_, i) => `"QJ${String(i).padStart(2, '0')}"`));
  });

  it('lists the result pages (the org cuts them) and reads each listed page; the list goes on by nextRecordsUrl', async () => {
    const jobs = client.queryJobs;
    const job = await jobs.create({ query: "SELECT Name FROM Account WHERE Name LIKE 'QJ%' ORDER BY Name", operation: 'query' });
    await done(jobs, job.id);
    const list = await jobs.resultPages(job.id);
    expect(list?.pages).to.have.length(3); // 23 rows, 10 a page
    expect(list?.next).to.equal(null);
    const rows: string[] = [];
    for (const path of list?.pages ?? []) {
      expect(path).to.match(/^\/services\/data\/v62\.0\/jobs\/query\/750\w+\/results\?locator=/);
      rows.push(...(await text(await jobs.resultPage(job.id, path))).split('\n').filter(Boolean).slice(1));
    }
    expect(rows).to.have.length(ROWS);
    // Before API 58.0 there is no resultPages: not offered, and not asked for.
    const asked: string[] = [];
    const v57 = await BulkClient.login({ loginUrl: t.org.loginUrl, username: t.org.username, password: t.org.password, apiVersion: '57.0', onRequest: (r) => asked.push(r.path) });
    expect(await v57.queryJobs.resultPages(job.id)).to.equal(undefined);
    expect(asked.filter((p) => p.includes('/jobs/'))).to.deep.equal([]);
    await v57.close();
  });

  it('queryAll, a CRLF and PIPE job: the results come in the job dialect', async () => {
    const jobs = client.queryJobs;
    const job = await jobs.create({ query: "SELECT Name FROM Account WHERE Name = 'QJ01'", operation: 'queryAll', columnDelimiter: 'PIPE', lineEnding: 'CRLF' });
    expect(job).to.include({ operation: 'queryAll', columnDelimiter: 'PIPE', lineEnding: 'CRLF' });
    await done(jobs, job.id);
    expect(await text(await jobs.results(job.id))).to.equal('"Name"\r\n"QJ01"\r\n');
  });

  it('aborts a running job (again: still success), deletes it, and then it is NOT_FOUND (404)', async () => {
    const held = await startTestOrg({ faults: { holdInProgressMs: 2_000 } });
    const slow = await BulkClient.login({ loginUrl: held.org.loginUrl, username: held.org.username, password: held.org.password, apiVersion: '62.0' });
    try {
      const jobs = slow.queryJobs;
      const job = await jobs.create({ query: 'SELECT Id FROM Account', operation: 'query' });
      expect((await jobs.abort(job.id)).state).to.equal('Aborted');
      expect((await jobs.abort(job.id)).state).to.equal('Aborted'); // a retried abort whose first answer was lost
      await jobs.delete(job.id);
      const err = await jobs.get(job.id).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(err).to.include({ code: 'BULK_API_ERROR', exceptionCode: 'NOT_FOUND', statusCode: 404, jobId: job.id });
    } finally {
      await slow.close();
      await held.close();
    }
  });
});

describe('lib/http/query-jobs against a scripted org', () => {
  let server: ScriptedServer;
  let client: BulkClient;
  const json = (status: number, body: unknown) => (_req: unknown, res: ServerResponse) =>
    res.writeHead(status, { 'content-type': 'application/json;charset=UTF-8' }).end(JSON.stringify(body));
  beforeEach(async () => {
    ({ server, client } = await scriptedClient());
  });
  afterEach(() => closeScripted(server, client));

  it("reads the docs' shape (resultPages[].resultUrl, nextRecordsUrl) and follows the next list", async () => {
    server.script(
      json(200, {
        resultPages: [{ resultUrl: '/services/data/v62.0/jobs/query/750x/results?locator=MA' }],
        nextRecordsUrl: '/services/data/v62.0/jobs/query/750x/resultpages?locator=MTA',
        done: false,
      }),
      json(200, { resultPages: [{ resultUrl: 'https://elsewhere.example/services/data/v62.0/jobs/query/750x/results?locator=MTA' }], nextRecordsUrl: null, done: true }),
    );
    const first = await client.queryJobs.resultPages('750x');
    expect(first).to.deep.equal({ pages: ['/services/data/v62.0/jobs/query/750x/results?locator=MA'], next: '/services/data/v62.0/jobs/query/750x/resultpages?locator=MTA' });
    const second = await client.queryJobs.resultPages('750x', { next: first?.next as string });
    // An absolute link keeps only its path: pages are fetched from the client's own org.
    expect(second).to.deep.equal({ pages: ['/services/data/v62.0/jobs/query/750x/results?locator=MTA'], next: null });
    expect(server.requests.map((r) => r.url)).to.deep.equal(['/services/data/v62.0/jobs/query/750x/resultPages', '/services/data/v62.0/jobs/query/750x/resultpages?locator=MTA']);
    expect(server.requests[0]?.headers.authorization).to.equal('Bearer token');
  });

  it("reads node-sf-bulk2's shape (resultChunks[].resultLink under /services/data/vXX.X)", async () => {
    server.script(json(200, { resultChunks: [{ resultLink: '/jobs/query/750x/results?locator=MA' }], nextRecordsUrl: null, done: true }));
    expect(await client.queryJobs.resultPages('750x')).to.deep.equal({ pages: ['/services/data/v62.0/jobs/query/750x/results?locator=MA'], next: null });
  });

  it('an org without resultPages (404, JSON or not) is undefined; a list without links is a ParseError', async () => {
    server.script(
      json(404, [{ errorCode: 'NOT_FOUND', message: 'The requested resource does not exist' }]),
      (_r, res) => res.writeHead(404).end('Not Found'),
      json(200, { done: true }),
    );
    expect(await client.queryJobs.resultPages('750x')).to.equal(undefined);
    expect(await client.queryJobs.resultPages('750x')).to.equal(undefined);
    const err = await client.queryJobs.resultPages('750x').catch((e: unknown) => e);
    expect(err).to.have.property('code', 'BULK_PARSE');
  });

  it('a 2.0 refusal is a BulkApiError with its errorCode; a page without Sforce-Locator is a ParseError', async () => {
    server.script(json(400, [{ errorCode: 'INVALIDJOB', message: 'InvalidJob : Unable to find object: Nope' }]), (_r, res) =>
      res.writeHead(200, { 'content-type': 'text/csv', 'sforce-numberofrecords': '0' }).end('"Id"\n'),
    );
    const refused = await client.queryJobs.create({ query: 'SELECT Id FROM Nope', operation: 'query' }).catch((e: unknown) => e);
    expect(refused).to.include({ code: 'BULK_API_ERROR', exceptionCode: 'INVALIDJOB', statusCode: 400 });
    expect(JSON.parse(server.requests[0]?.body.toString() ?? '')).to.deep.equal({
      operation: 'query',
      query: 'SELECT Id FROM Nope',
      contentType: 'CSV',
      columnDelimiter: 'COMMA',
      lineEnding: 'LF',
    });
    const bad = await client.queryJobs.results('750x').catch((e: unknown) => e);
    expect(bad).to.have.property('code', 'BULK_PARSE');
  });
});
