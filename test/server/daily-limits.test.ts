/**
 * A spent daily limit (`startServer({ limits })`, `bulkpipe server --limit NAME=N`) is refused as
 * Salesforce refuses it, per API (server/org/org-limits.ts says where each answer comes from), and
 * what is refused is not counted.
 */
import { expect } from 'chai';
import { startServer } from '../../server/index.js';
import { ingestCalls } from '../helpers/ingest-v2-calls.js';
import { type TestOrg, startTestOrg } from '../helpers/local-org.js';
import { raw } from '../helpers/raw-http.js';

type Limits = Record<string, { Max: number; Remaining: number }>;

describe('server: daily limits set by option, and refused when spent', () => {
  let t: TestOrg;
  afterEach(async () => {
    await t?.close();
  });

  const limits = async (): Promise<Limits> => {
    const res = await raw(`${t.org.instanceUrl}/services/data/v62.0/limits`, { headers: { authorization: `Bearer ${t.session}` } });
    expect(res.status, res.text).to.equal(200);
    return JSON.parse(res.text) as Limits;
  };
  const csv = (rows: number) => `Name\n${Array.from({ length: rows }, (_, i) => `a${i}`).join('\n')}\n`;

  it('validation: an unknown limit is an option error naming the closest one; a negative Max is refused', async () => {
    for (const [limits, says] of [
      [{ DailyBulkApiBatchs: 5 }, /did you mean DailyBulkApiBatches/],
      [{ DailyBulkApiBatches: -1 }, /limits\.DailyBulkApiBatches/],
      [{ DailyBulkApiBatches: 1.5 }, /limits\.DailyBulkApiBatches/],
    ] as const) {
      const err = await startServer({ limits: limits as never }).then(
        async (org) => {
          await org.close();
          return undefined;
        },
        (e: unknown) => e as { code?: string; message: string },
      );
      expect(err?.code, JSON.stringify(limits)).to.equal('BULK_INVALID_OPTION');
      expect(err?.message).to.match(says);
    }
  });

  it('sets each Max given, the others keep their defaults', async () => {
    t = await startTestOrg({ limits: { DailyBulkApiBatches: 5, DailyBulkV2QueryJobs: 2 } });
    const all = await limits();
    expect(all.DailyBulkApiBatches).to.deep.equal({ Max: 5, Remaining: 5 });
    expect(all.DailyBulkV2QueryJobs).to.deep.equal({ Max: 2, Remaining: 2 });
    expect(all.DailyApiRequests?.Max).to.equal(15_000);
  });

  it('Bulk API v1: the batch past DailyBulkApiBatches is refused with ExceededQuota (400) and never created', async () => {
    t = await startTestOrg({ limits: { DailyBulkApiBatches: 2 } });
    const job = await t.client.createJob({ operation: 'insert', object: 'Account', contentType: 'CSV' });
    await t.client.addBatch(job.id, csv(3));
    await t.client.addBatch(job.id, csv(3));
    const refused = await raw(`${t.org.instanceUrl}/services/async/62.0/job/${job.id}/batch`, {
      method: 'POST',
      headers: { 'x-sfdc-session': t.session, 'content-type': 'text/csv' },
      body: csv(3),
    });
    expect(refused.status).to.equal(400);
    expect(refused.text).to.contain('<exceptionCode>ExceededQuota</exceptionCode>');
    expect(refused.text).to.contain('exceeds the allowed number for the past 24-hour period');
    expect(await t.client.listBatches(job.id)).to.have.length(2);
    expect((await limits()).DailyBulkApiBatches).to.deep.equal({ Max: 2, Remaining: 0 });
  });

  it('REST over DailyApiRequests: 403 REQUEST_LIMIT_EXCEEDED "TotalRequests Limit exceeded." with Sforce-Limit-Info; Bulk v1: ExceededQuota; the refused are not counted', async () => {
    t = await startTestOrg({ limits: { DailyApiRequests: 3 } });
    // The test org's client logged in (SOAP login is not an API request) and made no call yet.
    const sobjects = () => raw(`${t.org.instanceUrl}/services/data/v62.0/sobjects`, { headers: { authorization: `Bearer ${t.session}` } });
    for (let i = 1; i <= 3; i++) {
      const ok = await sobjects();
      expect(ok.status).to.equal(200);
      expect(ok.headers['sforce-limit-info']).to.equal(`api-usage=${i}/3`);
    }
    const refused = await sobjects();
    expect(refused.status).to.equal(403);
    expect(JSON.parse(refused.text)).to.deep.equal([{ message: 'TotalRequests Limit exceeded.', errorCode: 'REQUEST_LIMIT_EXCEEDED' }]);
    expect(refused.headers['sforce-limit-info']).to.equal('api-usage=3/3');
    // Bulk API 2.0 is REST: the same answer.
    const v2 = await raw(`${t.org.instanceUrl}/services/data/v62.0/jobs/ingest`, { headers: { authorization: `Bearer ${t.session}` } });
    expect(v2.status).to.equal(403);
    expect(v2.text).to.contain('REQUEST_LIMIT_EXCEEDED');
    const v1 = await raw(`${t.org.instanceUrl}/services/async/62.0/job`, {
      method: 'POST',
      headers: { 'x-sfdc-session': t.session, 'content-type': 'application/xml' },
      body: '<jobInfo xmlns="http://www.force.com/2009/06/asyncapi/dataload"><operation>insert</operation><object>Account</object></jobInfo>',
    });
    expect(v1.status).to.equal(400);
    expect(v1.text).to.contain('<exceptionCode>ExceededQuota</exceptionCode>');
    expect(v1.text).to.contain('TotalRequests Limit exceeded.');
  });

  it('Bulk API 2.0 query: the job past DailyBulkV2QueryJobs is refused at create with 400 LIMIT_EXCEEDED in Salesforce words', async () => {
    t = await startTestOrg({ limits: { DailyBulkV2QueryJobs: 1 } });
    const create = () =>
      raw(`${t.org.instanceUrl}/services/data/v62.0/jobs/query`, {
        method: 'POST',
        headers: { authorization: `Bearer ${t.session}`, 'content-type': 'application/json' },
        body: JSON.stringify({ operation: 'query', query: 'SELECT Id FROM Account' }),
      });
    expect((await create()).status).to.equal(200);
    const refused = await create();
    expect(refused.status).to.equal(400);
    expect(JSON.parse(refused.text)).to.deep.equal([{ errorCode: 'LIMIT_EXCEEDED', message: 'Max bulk v2 query jobs (1) per 24 hrs has been reached (1)' }]);
    expect((await limits()).DailyBulkV2QueryJobs).to.deep.equal({ Max: 1, Remaining: 0 });
  });

  it('Bulk API 2.0 ingest: internal batches of 10,000 records count; a job whose batches do not fit fails unprocessed (ExceededQuota) and costs none', async () => {
    t = await startTestOrg({ limits: { DailyBulkApiBatches: 3 } });
    const v2 = ingestCalls(() => t);
    const done = await v2.load({ object: 'Account', operation: 'insert' }, csv(20_001));
    expect(done.state).to.equal('JobComplete');
    expect((await limits()).DailyBulkApiBatches).to.deep.equal({ Max: 3, Remaining: 0 });

    const t2 = t;
    t = await startTestOrg({ limits: { DailyBulkApiBatches: 2 } });
    await t2.close();
    const failed = await v2.load({ object: 'Account', operation: 'insert' }, csv(20_001));
    expect(failed.state).to.equal('Failed');
    expect(failed.errorMessage).to.match(/^ExceededQuota : /);
    expect(failed.numberRecordsProcessed).to.equal(0);
    expect((await limits()).DailyBulkApiBatches).to.deep.equal({ Max: 2, Remaining: 2 });
    const ok = await v2.load({ object: 'Account', operation: 'insert' }, csv(10_000));
    expect(ok.state).to.equal('JobComplete');
    expect((await limits()).DailyBulkApiBatches).to.deep.equal({ Max: 2, Remaining: 1 });
  });
});
