/**
 * bulkQuery({ bulkApi: 2 }) end to end through the local org: the same rows as v1 in every output
 * format, paging by the locator loop (maxRecords) and by listed pages downloaded ahead, a cut page
 * resumed (by Range-less re-request, and whole by its locator), queryAll, a Failed job, and the
 * option checks.
 */
import { expect } from 'chai';
import { pbkdf2 } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { parse } from 'csv-parse/sync';
import { BulkClient } from '../../lib/http/client.js';
import { bulkQuery, type BulkQueryOptions, type QueryRecord } from '../../pipelines/bulk-query.js';
import { FaultProxy } from '../helpers/fault-proxy.js';
import { insertAccount, runJob, startTestOrg, type TestOrg } from '../helpers/local-org.js';
import { closeScripted, queryJobAnswer, type ScriptedServer, scriptedClient } from '../helpers/scripted-server.js';
import { waitFor } from '../helpers/wait-for.js';

const ROWS = 120;
const PAGE_ROWS = 25;
const SOQL = 'SELECT Id, Name, NumberOfEmployees, AnnualRevenue, Description, IsDeleted, CreatedDate, Parent.Name FROM Account ORDER BY Name';

/** A client of `org` (or of `instanceUrl`, a proxy in front of it) at `apiVersion`, counting its requests by path. */
async function clientOf(t: TestOrg, apiVersion: string, instanceUrl?: string): Promise<{ client: BulkClient; requests: string[] }> {
  const requests: string[] = [];
  const options = {
    apiVersion,
    retry: { minDelayMs: 5, maxDelayMs: 20, maxRetries: 1 },
    onRequest: (r: { method: string; path: string }) => requests.push(`${r.method} ${r.path}`),
  };
  const client = instanceUrl
    ? new BulkClient({ instanceUrl, accessToken: t.session, ...options })
    : await BulkClient.login({ loginUrl: t.org.loginUrl, username: t.org.username, password: t.org.password, ...options });
  return { client, requests };
}

async function collect(options: BulkQueryOptions, onChunk?: () => void): Promise<{ text: string; records: QueryRecord[] }> {
  let text = '';
  const records: QueryRecord[] = [];
  await pipeline(
    bulkQuery({ minPollIntervalMs: 10, maxPollIntervalMs: 50, ...options }),
    new Writable({
      objectMode: options.format === 'records',
      write(c: Buffer | QueryRecord, _e, cb) {
        onChunk?.();
        if (options.format === 'records') records.push(c as QueryRecord);
        else text += c.toString();
        cb();
      },
    }),
  );
  return { text, records };
}

const resultsRequests = (requests: readonly string[]) => requests.filter((r) => /^GET \/services\/data\/v[\d.]+\/jobs\/query\/\w+\/results/.test(r));

describe('pipelines/bulk2-query: bulkQuery({ bulkApi: 2 }) end to end', function () {
  this.timeout(60_000);
  let t: TestOrg;
  let v62: BulkClient;
  before(async () => {
    t = await startTestOrg({ queryPageRows: PAGE_ROWS });
    const parent = await insertAccount(t, 'A Parent');
    // Values that cross page edges: quotes, commas and line breaks inside them; every other row has a parent.
    const lines = Array.from({ length: ROWS - 1 }, (_, i) => `Q${String(i).padStart(3, '0')},${i},${i * 1.5},"line ""${i}""\nsecond, line",${i % 2 === 0 ? parent : ''}`);
    await runJob(t, { object: 'Account', operation: 'insert', contentType: 'CSV' }, [`Name,NumberOfEmployees,AnnualRevenue,Description,ParentId\n${lines.join('\n')}\n`]);
    v62 = (await clientOf(t, '62.0')).client;
  });
  after(async () => {
    await v62?.close();
    await t?.close();
  });

  it('validation: bulkApi other than 1 or 2, maxRecords out of 1..1,000,000, PK chunking with 2.0', () => {
    for (const bad of [{ bulkApi: 3 as 2 }, { bulkApi: 2 as const, maxRecords: 0 }, { bulkApi: 2 as const, maxRecords: 1_000_001 }, { bulkApi: 2 as const, pkChunking: true }]) {
      expect(() => bulkQuery({ client: v62, soql: SOQL, ...bad }), JSON.stringify(bad))
        .to.throw()
        .with.property('code', 'BULK_INVALID_OPTION');
    }
  });

  it('CSV: the same rows as v1 for the same SOQL, one header, over pages of the org (listed, downloaded ahead)', async () => {
    const v1 = await collect({ client: v62, soql: SOQL });
    const v2 = await collect({ client: v62, soql: SOQL, bulkApi: 2 });
    const rows = parse(v2.text, { columns: true }) as Array<Record<string, string>>;
    expect(rows).to.have.length(ROWS);
    expect(rows.filter((r) => r.Name === 'Name')).to.have.length(0);
    expect(rows[6]?.Description).to.equal('line "5"\nsecond, line');
    expect(v2.text).to.equal(v1.text);
  });

  for (const format of ['records', 'ndjson', 'json'] as const) {
    it(`${format}: the same typed records as v1 (numbers, booleans, dateTimes as epoch ms, parents nested or null)`, async () => {
      const v1 = await collect({ client: v62, soql: SOQL, format });
      const v2 = await collect({ client: v62, soql: SOQL, format, bulkApi: 2 });
      if (format === 'records') {
        expect(v2.records).to.have.length(ROWS);
        expect(v2.records).to.deep.equal(v1.records);
        const typed = v2.records.find((r) => r.Name === 'Q004') as QueryRecord;
        expect(typed).to.include({ NumberOfEmployees: 4, AnnualRevenue: 6, IsDeleted: false });
        expect(typed.CreatedDate).to.be.a('number');
        expect(typed.Parent).to.deep.equal({ Name: 'A Parent' });
        expect((v2.records.find((r) => r.Name === 'Q005') as QueryRecord).Parent).to.equal(null);
      } else {
        expect(v2.text).to.equal(v1.text);
      }
    });
  }

  it('an empty result: CSV is its header, a JSON array is []', async () => {
    const soql = "SELECT Id, Name FROM Account WHERE Name = 'nobody'";
    expect((await collect({ client: v62, soql, bulkApi: 2 })).text).to.equal('"Id","Name"\n');
    expect((await collect({ client: v62, soql, bulkApi: 2, format: 'json' })).text).to.equal('[]');
  });

  it('maxRecords: the locator loop, pages of that size, every row once, in order; an org without resultPages (API 47.0): the locator loop too', async () => {
    const { client, requests } = await clientOf(t, '47.0');
    try {
      const pages: number[] = [];
      const { text } = await collect({ client, soql: SOQL, bulkApi: 2, maxRecords: 17, onProgress: (p) => pages.push(p.batchesDone) });
      expect(text).to.equal((await collect({ client: v62, soql: SOQL })).text);
      expect(resultsRequests(requests)).to.have.length(Math.ceil(ROWS / 17));
      expect(resultsRequests(requests).every((r) => r.includes('maxRecords=17'))).to.equal(true);
      expect(requests.filter((r) => r.includes('/resultPages'))).to.have.length(0); // pages of a given size: never listed
      expect(pages.at(-1)).to.equal(Math.ceil(ROWS / 17));
      // Without maxRecords, API 47.0 has no resultPages (not asked for): the locator loop, 50,000 rows a page.
      requests.length = 0;
      expect((await collect({ client, soql: SOQL, bulkApi: 2 })).text).to.equal(text);
      expect(requests.filter((r) => r.includes('/resultPages'))).to.have.length(0);
      expect(resultsRequests(requests)).to.have.length(1);
      expect(resultsRequests(requests)[0]).to.include('maxRecords=50000');
    } finally {
      await client.close();
    }
  });

  it('listed pages download in parallel: `concurrency` pages are asked for before the first byte reaches the reader', async () => {
    const { client, requests } = await clientOf(t, '62.0');
    try {
      let atFirstChunk = -1;
      // The thread pool busy as the pages are listed (a loaded machine): file calls wait there, requests must not wait for them.
      const push = requests.push.bind(requests);
      requests.push = (...added: string[]) => {
        if (added.some((r) => r.includes('/resultPages'))) for (let i = 0; i < 4; i++) pbkdf2('busy', 'pool', 300_000, 32, 'sha256', () => undefined);
        return push(...added);
      };
      const { text } = await collect({ client, soql: SOQL, bulkApi: 2, concurrency: 4 }, () => {
        if (atFirstChunk < 0) atFirstChunk = resultsRequests(requests).length;
      });
      expect(atFirstChunk).to.equal(4);
      expect(resultsRequests(requests)).to.have.length(Math.ceil(ROWS / PAGE_ROWS));
      expect(parse(text, { columns: true })).to.have.length(ROWS);
    } finally {
      await client.close();
    }
  });

  it('a page cut mid-way is resumed: once by its own retry (streamed page), and fetched whole again by its locator when the retries run out (spooled page)', async () => {
    const proxy = await new FaultProxy(t.org.instanceUrl).start();
    const cuts = new Map<string, number>();
    const cutTimes = (locator: string, times: number) => (url: string) => {
      if (!url.includes('/results') || !url.includes(`locator=${locator}`)) return false;
      const n = (cuts.get(locator) ?? 0) + 1;
      cuts.set(locator, n);
      return n <= times;
    };
    const expected = (await collect({ client: v62, soql: SOQL })).text;
    try {
      // The locator loop streams each page to the reader: a cut of page 2 (row 17 on, locator "MTc") is resumed once.
      const streamed = cutTimes('MTc', 1);
      proxy.rule = (r) => (streamed(r.url) ? 'cut' : 'pass');
      const loop = await clientOf(t, '47.0', proxy.url);
      expect((await collect({ client: loop.client, soql: SOQL, bulkApi: 2, maxRecords: 17, concurrency: 1 })).text).to.equal(expected);
      expect(resultsRequests(loop.requests).filter((r) => r.includes('locator=MTc'))).to.have.length(2);
      await loop.client.close();
      // Listed pages ahead are spooled: page 3 (row 50, "NTA") cut twice outlasts its one retry, and is fetched whole again.
      const spooled = cutTimes('NTA', 2);
      proxy.rule = (r) => (spooled(r.url) ? 'cut' : 'pass');
      const ahead = await clientOf(t, '62.0', proxy.url);
      expect((await collect({ client: ahead.client, soql: SOQL, bulkApi: 2, concurrency: 3 })).text).to.equal(expected);
      expect(resultsRequests(ahead.requests).filter((r) => r.includes('locator=NTA'))).to.have.length(3);
      await ahead.client.close();
    } finally {
      await proxy.close();
    }
  });

  it('queryAll: deleted records too', async () => {
    const soql = "SELECT Id, Name, IsDeleted FROM Account WHERE Name LIKE 'Gone%'";
    const { job, batches } = await runJob(t, { object: 'Account', operation: 'insert', contentType: 'CSV' }, ['Name\nGone 1\nGone 2\n']);
    const ids: string[] = [];
    for await (const r of t.client.batchResults(job.id, batches[0]?.id as string)) ids.push(r.id as string);
    await runJob(t, { object: 'Account', operation: 'delete', contentType: 'CSV' }, [`Id\n${ids[0]}\n`]);
    const live = await collect({ client: v62, soql, bulkApi: 2, format: 'records' });
    const all = await collect({ client: v62, soql, bulkApi: 2, format: 'records', all: true });
    expect(live.records.map((r) => r.Name)).to.deep.equal(['Gone 2']);
    expect(all.records.map((r) => [r.Name, r.IsDeleted]).sort()).to.deep.equal([
      ['Gone 1', true],
      ['Gone 2', false],
    ]);
    expect(all.records).to.deep.equal((await collect({ client: v62, soql, format: 'records', all: true })).records);
  });
});

describe('pipelines/bulk2-query against a scripted org: a job that fails', () => {
  let server: ScriptedServer;
  let client: BulkClient;
  // The script answers requests in order: no /limits pre-flight (ignoreLimits) before the job's create.
  const job = queryJobAnswer;
  beforeEach(async () => {
    ({ server, client } = await scriptedClient());
  });
  afterEach(() => closeScripted(server, client));

  it('a Failed job ends the run with BULK_JOB_FAILED naming the job and the org message; no abort is sent for it', async () => {
    server.script(job('UploadComplete'), job('InProgress'), job('Failed', { errorMessage: 'InvalidBatch : Failed to process query: too many retries' }));
    const err = await collect({ client, soql: 'SELECT Id FROM Account', bulkApi: 2, ignoreLimits: true, minPollIntervalMs: 1, maxPollIntervalMs: 2 }).catch((e: unknown) => e);
    expect(err).to.include({ code: 'BULK_JOB_FAILED', jobId: '750000000000001AAA', state: 'Failed', errorMessage: 'InvalidBatch : Failed to process query: too many retries' });
    expect((err as Error).message)
      .to.contain('750000000000001AAA')
      .and.contain('too many retries');
    expect(server.requests.map((r) => r.method)).to.deep.equal(['POST', 'GET', 'GET']);
  });

  it('a reader that stops while the job runs aborts the job', async () => {
    server.script(job('UploadComplete'));
    server.fallback = job('InProgress');
    const ac = new AbortController();
    const running = collect({ client, soql: 'SELECT Id FROM Account', bulkApi: 2, ignoreLimits: true, minPollIntervalMs: 5, maxPollIntervalMs: 5, signal: ac.signal }).catch(
      (e: unknown) => e,
    );
    await waitFor('the first poll', () => server.requests.length >= 2);
    ac.abort();
    expect(await running).to.have.property('code', 'BULK_ABORTED');
    const patch = server.requests.find((r) => r.method === 'PATCH');
    expect(patch?.body.toString()).to.equal('{"state":"Aborted"}');
  });

  it('a stream destroyed while the job runs (no signal: an output that failed) stops polling at once and aborts the job', async () => {
    server.script(job('UploadComplete'));
    server.fallback = job('InProgress');
    const rows = bulkQuery({ client, soql: 'SELECT Id FROM Account', bulkApi: 2, ignoreLimits: true, minPollIntervalMs: 20, maxPollIntervalMs: 20, pollTimeoutMs: 60_000 });
    rows.on('error', () => undefined);
    rows.resume();
    await waitFor('the first poll', () => server.requests.length >= 2);
    rows.destroy(new Error('the output failed'));
    await new Promise((resolve) => rows.once('close', resolve));
    await waitFor('the abort', () => server.requests.some((r) => r.method === 'PATCH'));
    expect(server.requests.find((r) => r.method === 'PATCH')?.body.toString()).to.equal('{"state":"Aborted"}');
    expect(server.requests.filter((r) => r.method === 'GET').length).to.be.below(5);
  });

  it('a page that holds fewer rows than the org said (rows lost on the way) ends the run with an error, never a shorter output', async () => {
    const page = (_r: unknown, res: ServerResponse) =>
      res.writeHead(200, { 'content-type': 'text/csv', 'sforce-locator': 'null', 'sforce-numberofrecords': '3' }).end('"Id"\n"001000000000001AAA"\n');
    server.script(job('UploadComplete'), job('JobComplete', { numberRecordsProcessed: 3 }), page);
    const err = await collect({ client, soql: 'SELECT Id FROM Account', bulkApi: 2, ignoreLimits: true, maxRecords: 10, minPollIntervalMs: 1, maxPollIntervalMs: 2 }).catch(
      (e: unknown) => e,
    );
    expect(err).to.have.property('code', 'BULK_PARSE');
    expect((err as Error).message).to.contain('holds 1 rows where the org said 3');
  });
});
