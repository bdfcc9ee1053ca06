/** The local org's REST job lists (server/http/job-list.ts): the user's v1 jobs and Bulk API 2.0 jobs as Salesforce lists them. */
import { expect } from 'chai';
import { login, startTestOrg, type TestOrg } from '../helpers/local-org.js';
import { raw } from '../helpers/raw-http.js';
import { v2Api } from '../helpers/v2-query.js';

describe('server/http/job-list', () => {
  let t: TestOrg;
  before(async () => {
    t = await startTestOrg({ users: [{ username: 'other@bulkpipe.local', password: 'pw' }] });
  });
  after(async () => {
    await t.close();
  });

  const list = (session: string, query = '?jobType=Classic') =>
    raw(`${t.org.instanceUrl}/services/data/v62.0/jobs/ingest${query}`, { headers: { authorization: `Bearer ${session}` } });

  it("lists the user's jobs as Classic jobs, and no one else's", async () => {
    const mine = await t.client.createJob({ operation: 'insert', object: 'Account', contentType: 'CSV' });
    const other = await login(t.org, 'other@bulkpipe.local', 'pw');
    const res = await list(t.session);
    expect(res.status).to.equal(200);
    expect(res.headers['content-type']).to.equal('application/json;charset=UTF-8');
    const doc = JSON.parse(res.text) as { done: boolean; records: Array<Record<string, unknown>>; nextRecordsUrl: string | null };
    expect(doc.done).to.equal(true);
    expect(doc.nextRecordsUrl).to.equal(null);
    const listed = doc.records.find((r) => r.id === mine.id);
    expect(listed).to.include({ object: 'Account', operation: 'insert', state: 'Open', contentType: 'CSV', jobType: 'Classic', apiVersion: 47 });
    expect(String(listed?.createdDate)).to.match(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+0000$/);
    const theirs = JSON.parse((await list(other)).text) as { records: unknown[] };
    expect(theirs.records).to.deep.equal([]);
    expect(JSON.parse((await list(t.session, '?jobType=V2Ingest')).text).records).to.deep.equal([]);
  });

  it('lists Bulk API 2.0 ingest jobs as V2Ingest, with their dialect and derived state; jobType filters', async () => {
    const headers = { authorization: `Bearer ${t.session}`, 'content-type': 'application/json' };
    const created = await raw(`${t.org.instanceUrl}/services/data/v62.0/jobs/ingest`, {
      method: 'POST',
      headers,
      body: JSON.stringify({ object: 'Contact', operation: 'insert', columnDelimiter: 'PIPE', lineEnding: 'CRLF' }),
    });
    const v2 = JSON.parse(created.text) as { id: string };
    const all = JSON.parse((await list(t.session, '')).text) as { records: Array<Record<string, unknown>> };
    expect(all.records.find((r) => r.id === v2.id)).to.deep.include({
      jobType: 'V2Ingest',
      state: 'Open',
      lineEnding: 'CRLF',
      columnDelimiter: 'PIPE',
      apiVersion: 62,
      object: 'Contact',
    });
    expect(all.records.filter((r) => r.jobType === 'Classic')).to.not.have.length(0);
    for (const r of all.records.filter((r) => r.jobType === 'Classic')) expect(r).to.include({ lineEnding: 'LF', columnDelimiter: 'COMMA' });
    const v2Only = JSON.parse((await list(t.session, '?jobType=V2Ingest')).text) as { records: Array<Record<string, unknown>> };
    expect(v2Only.records.map((r) => r.id)).to.deep.equal([v2.id]);
    const classicOnly = JSON.parse((await list(t.session, '?jobType=Classic')).text) as { records: Array<Record<string, unknown>> };
    expect(classicOnly.records.map((r) => r.id)).to.not.include(v2.id);
    expect(JSON.parse((await list(t.session, '?jobType=V2Query')).text).records).to.deep.equal([]);
  });

  it('lists Bulk API 2.0 query jobs under /jobs/query with the state and systemModstamp their job info shows', async () => {
    const queries = v2Api(() => t);
    const created = await queries.create({ operation: 'query', query: 'SELECT Id FROM Account' });
    const settled = await queries.settled(created.id as string);
    expect(settled.state).to.equal('JobComplete');
    const res = await raw(`${t.org.instanceUrl}/services/data/v62.0/jobs/query`, { headers: { authorization: `Bearer ${t.session}` } });
    const listed = (JSON.parse(res.text) as { records: Array<Record<string, unknown>> }).records.find((r) => r.id === created.id);
    expect(listed).to.include({ jobType: 'V2Query', state: 'JobComplete', systemModstamp: settled.systemModstamp, operation: 'query' });
  });

  it('pages 1,000 jobs at a time with a nextRecordsUrl on the resource called', async () => {
    const other = await login(t.org, 'other@bulkpipe.local', 'pw');
    const headers = { authorization: `Bearer ${other}`, 'content-type': 'application/json' };
    for (let i = 0; i < 1001; i++) {
      const res = await raw(`${t.org.instanceUrl}/services/data/v62.0/jobs/ingest`, { method: 'POST', headers, body: '{"object":"Account","operation":"insert"}' });
      expect(res.status).to.equal(200);
    }
    const first = JSON.parse((await list(other, '')).text) as { done: boolean; records: unknown[]; nextRecordsUrl: string };
    expect(first.done).to.equal(false);
    expect(first.records).to.have.length(1000);
    expect(first.nextRecordsUrl).to.match(/^\/services\/data\/v62\.0\/jobs\/ingest\?queryLocator=\w+$/);
    const second = JSON.parse((await raw(`${t.org.instanceUrl}${first.nextRecordsUrl}`, { headers: { authorization: `Bearer ${other}` } })).text) as {
      done: boolean;
      records: unknown[];
      nextRecordsUrl: null;
    };
    expect(second).to.deep.include({ done: true, nextRecordsUrl: null });
    expect(second.records).to.have.length(1);
  });

  it('answers REST errors: no session 401, a bad job type 400', async () => {
    const unauthorized = await list('nope');
    expect(unauthorized.status).to.equal(401);
    expect(JSON.parse(unauthorized.text)).to.deep.equal([{ message: 'Session expired or invalid', errorCode: 'INVALID_SESSION_ID' }]);
    expect((await list(t.session, '?jobType=Nope')).status).to.equal(400);
  });

  it('refuses a malformed %-escape in a job path as an unknown job, not a 500', async () => {
    const res = await raw(`${t.org.instanceUrl}/services/async/62.0/job/%ZZ`, { headers: { 'x-sfdc-session': t.session } });
    expect(res.status).to.equal(400);
    expect(res.text).to.contain('<exceptionCode>InvalidJob</exceptionCode>');
  });
});
