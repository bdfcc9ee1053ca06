/**
 * The states of a Bulk API 2.0 query job through the wire, on an org that keeps each batch
 * InProgress for a while and runs one at a time (so that UploadComplete and InProgress can be seen):
 * abort, delete and results in each state with the docs' refusals, and resultPages walked to the end.
 */
import { expect } from 'chai';
import { runJob, startTestOrg, type TestOrg } from '../helpers/local-org.js';
import { raw } from '../helpers/raw-http.js';
import { keysOf, pageLines, v2Api, v2Fixture } from '../helpers/v2-query.js';
import { waitFor } from '../helpers/wait-for.js';

const ROWS = 6_500;
const PAGE_ROWS = 1_000;

describe('server/http/v2/query-jobs: states, abort, delete, resultPages', function () {
  this.timeout(120_000);
  let t: TestOrg;
  const api = v2Api(() => t);
  const inState = (id: string, state: string) => waitFor(`query job ${id} ${state}`, async () => ((await api.info(id)).state === state ? true : undefined));
  const docsError = (name: string) => JSON.parse(v2Fixture(name).replace(/^HTTP[^\n]*\n/, '')) as unknown;

  before(async () => {
    t = await startTestOrg({ parallelism: 1, faults: { holdInProgressMs: 3000 }, queryPageRows: PAGE_ROWS });
    const lines = ['Name'];
    for (let i = 0; i < ROWS; i++) lines.push(`Paged-${String(i).padStart(4, '0')}`);
    await runJob(t, { object: 'Account', operation: 'insert', contentType: 'CSV' }, [`${lines.join('\n')}\n`]);
  });
  after(() => t.close());

  it('UploadComplete while queued and InProgress while running (numberRecordsProcessed 0); aborts in both, in the docs’ short shape; refuses a second abort', async () => {
    const running = await api.create({ operation: 'query', query: 'SELECT Id FROM Account LIMIT 10' });
    await inState(running.id as string, 'InProgress');
    const queued = await api.create({ operation: 'query', query: 'SELECT Id FROM Account LIMIT 10' });
    const waiting = await api.info(queued.id as string);
    expect(waiting.state).to.equal('UploadComplete');
    const progress = await api.info(running.id as string);
    expect(progress).to.include({ state: 'InProgress', numberRecordsProcessed: 0 });
    for (const id of [queued.id as string, running.id as string]) {
      const res = await api.call('PATCH', `/${id}`, { body: { state: 'Aborted' } });
      expect(res.status).to.equal(200);
      const shape = JSON.parse(res.text) as Record<string, unknown>;
      expect(Object.keys(shape)).to.deep.equal(keysOf(v2Fixture('docs_query_abort_response.json')));
      expect(shape.state).to.equal('Aborted');
      const again = await api.call('PATCH', `/${id}`, { body: { state: 'Aborted' } });
      expect(again.status).to.equal(400);
      expect(JSON.parse(again.text)).to.deep.equal(docsError('docs_query_abort_completed_400.txt'));
    }
    await t.org.whenIdle();
    // An aborted job stays Aborted, and serves no results.
    expect((await api.info(running.id as string)).state).to.equal('Aborted');
    expect((await api.info(queued.id as string)).state).to.equal('Aborted');
    const results = await api.call('GET', `/${running.id as string}/results`);
    expect(results.status).to.equal(400);
    expect((JSON.parse(results.text) as Array<{ errorCode: string }>)[0]?.errorCode).to.equal('INVALIDJOBSTATE');
    expect((await api.call('DELETE', `/${running.id as string}`)).status).to.equal(204);
    expect((await api.call('GET', `/${running.id as string}`)).status).to.equal(404);
  });

  it('refuses DELETE and results until the job ends, and an abort once it is JobComplete', async () => {
    const { id } = await api.create({ operation: 'query', query: 'SELECT Id FROM Account LIMIT 10' });
    const del = await api.call('DELETE', `/${id as string}`);
    expect(del.status).to.equal(400);
    expect(JSON.parse(del.text)).to.deep.equal(docsError('docs_query_delete_not_terminated_400.txt'));
    expect((await api.call('GET', `/${id as string}/results`)).status).to.equal(400);
    expect((await api.call('GET', `/${id as string}/resultPages`)).status).to.equal(400);
    expect((await api.settled(id as string)).state).to.equal('JobComplete');
    const abort = await api.call('PATCH', `/${id as string}`, { body: { state: 'Aborted' } });
    expect(abort.status).to.equal(400);
    expect(JSON.parse(abort.text)).to.deep.equal(docsError('docs_query_abort_completed_400.txt'));
    expect((await api.call('PATCH', `/${id as string}`, { body: { state: 'UploadComplete' } })).status).to.equal(400);
    expect((await api.call('DELETE', `/${id as string}`)).status).to.equal(204);
  });

  it('resultPages: five page URLs a response in both shapes, nextRecordsUrl to the rest, and the pages hold every row once', async () => {
    const { id } = await api.create({ operation: 'query', query: "SELECT Id, Name FROM Account WHERE Name LIKE 'Paged-%'" });
    await api.settled(id as string);
    const docs = JSON.parse(v2Fixture('docs_query_resultPages_v58.json')) as Record<string, unknown>;
    const client = JSON.parse(v2Fixture('client_node_sf_bulk2_resultPages_shape.txt').split('\n').slice(1, 6).join('\n')) as Record<string, unknown>;
    const urls: string[] = [];
    let next: string | null = `/services/data/v62.0/jobs/query/${id as string}/resultPages`;
    const responses: Array<Record<string, unknown>> = [];
    while (next) {
      const res = await raw(`${t.org.instanceUrl}${next}`, { headers: { authorization: `Bearer ${t.session}` } });
      expect(res.status, res.text).to.equal(200);
      const body = JSON.parse(res.text) as { resultPages: Array<{ resultUrl: string }>; resultChunks: Array<{ resultLink: string }>; nextRecordsUrl: string | null; done: boolean };
      expect(Object.keys(body)).to.include.members([...Object.keys(docs), ...Object.keys(client)]);
      expect(body.resultPages.length).to.be.within(1, 5);
      expect(body.resultChunks.map((c) => `/services/data/v62.0${c.resultLink}`)).to.deep.equal(body.resultPages.map((p) => p.resultUrl));
      expect(body.done).to.equal(body.nextRecordsUrl === null);
      urls.push(...body.resultPages.map((p) => p.resultUrl));
      responses.push(body);
      next = body.nextRecordsUrl;
    }
    expect(responses.map((r) => (r.resultPages as unknown[]).length)).to.deep.equal([5, 2]);
    const pages = await Promise.all(urls.map((url) => raw(`${t.org.instanceUrl}${url}`, { headers: { authorization: `Bearer ${t.session}` } })));
    const rows = pages.flatMap((page) => pageLines(page).rows);
    expect(pages.map((p) => p.headers['sforce-numberofrecords'])).to.deep.equal(['1000', '1000', '1000', '1000', '1000', '1000', '500']);
    expect(rows).to.have.length(ROWS);
    expect(new Set(rows).size).to.equal(ROWS);
    // The lowercase spelling of the docs' nextRecordsUrl is served too.
    expect((await api.call('GET', `/${id as string}/resultpages`)).status).to.equal(200);
    // Without maxRecords, a results page is the org's page size.
    expect((await api.call('GET', `/${id as string}/results`)).headers['sforce-numberofrecords']).to.equal(String(PAGE_ROWS));
  });
});
