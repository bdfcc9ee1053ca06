/**
 * `GET /services/data/vXX.X/limits` (server/org/org-limits.ts): every limit a `{Max, Remaining}`,
 * Remaining counted from the org's own last 24 hours: Bulk batches (v1 ingest and v2 internal),
 * Bulk API 2.0 query jobs and their result storage, and authenticated API requests, kept across a
 * restart of the org.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { startServer } from '../../server/index.js';
import { openDatabase } from '../../server/store/database.js';
import { type JobRow, JobsStore } from '../../server/store/jobs-store.js';
import { V2QueryStore } from '../../server/store/v2-query-store.js';
import { login, startTestOrg, type TestOrg } from '../helpers/local-org.js';
import { raw } from '../helpers/raw-http.js';

type Limits = Record<string, { Max: number; Remaining: number }>;

describe('server/org/org-limits: GET /limits', () => {
  let dir: string;
  let t: TestOrg;
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'bulkpipe-limits-'));
    t = await startTestOrg({ db: join(dir, 'org.db') });
  });
  after(async () => {
    await t.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const limits = async (session = t.session, version = '66.0', instanceUrl = t.org.instanceUrl): Promise<Limits> => {
    const res = await raw(`${instanceUrl}/services/data/v${version}/limits`, { headers: { authorization: `Bearer ${session}` } });
    expect(res.status, res.text).to.equal(200);
    return JSON.parse(res.text) as Limits;
  };
  const used = (before: Limits, after: Limits, name: string) => (before[name]?.Remaining ?? 0) - (after[name]?.Remaining ?? 0);

  it('lists each limit as {Max, Remaining}, in alphabetical order, the Bulk ones with their documented maxima', async () => {
    const all = await limits();
    expect(Object.keys(all)).to.deep.equal(Object.keys(all).sort());
    for (const [name, value] of Object.entries(all)) expect(Object.keys(value), name).to.deep.equal(['Max', 'Remaining']);
    expect(all.DailyBulkApiBatches?.Max).to.equal(15_000);
    expect(all.DailyBulkV2QueryJobs?.Max).to.equal(10_000);
    expect(all.DailyBulkV2QueryFileStorageMB?.Max).to.equal(976_562);
    expect(all.DailyApiRequests?.Max).to.equal(15_000);
    // The allocation's name before API 49.0.
    const old = await limits(t.session, '45.0');
    expect(old).to.have.property('DailyBulkApiRequests');
    expect(old).not.to.have.property('DailyBulkApiBatches');
  });

  it('DailyApiRequests: every authenticated REST and Bulk request, not the refused ones, kept across a restart', async () => {
    const before = await limits();
    await raw(`${t.org.instanceUrl}/services/data/v66.0/sobjects`, { headers: { authorization: `Bearer ${t.session}` } });
    await raw(`${t.org.instanceUrl}/services/data/v66.0/nothing`, { headers: { authorization: `Bearer ${t.session}` } });
    await raw(`${t.org.instanceUrl}/services/oauth2/userinfo`, { headers: { authorization: `Bearer ${t.session}` } });
    await t.client.getJob((await t.client.createJob({ operation: 'insert', object: 'Account', contentType: 'CSV' })).id);
    await raw(`${t.org.instanceUrl}/services/data/v66.0/sobjects`, { headers: { authorization: 'Bearer dead' } });
    await raw(`${t.org.instanceUrl}/services/async/66.0/job`, { method: 'POST', headers: { 'x-sfdc-session': 'dead' } });
    await raw(`${t.org.instanceUrl}/services/data`);
    const after = await limits();
    // 3 REST, 2 Bulk, and the second /limits itself.
    expect(used(before, after, 'DailyApiRequests')).to.equal(6);

    await t.close();
    const again = await startServer({ db: join(dir, 'org.db') });
    try {
      const session = await login(again);
      const reopened = await limits(session, '66.0', again.instanceUrl);
      expect(used(after, reopened, 'DailyApiRequests')).to.equal(1);
    } finally {
      await again.close();
    }
    t = await startTestOrg({ db: join(dir, 'org.db') });
  });

  it('DailyBulkApiBatches: v1 batches (ingest and query) and v2 internal ingest batches of the last 24 h, not v2 query jobs; DailyBulkV2QueryJobs and their storage', async () => {
    const before = await limits();
    const insert = await t.client.createJob({ operation: 'insert', object: 'Account', contentType: 'CSV' });
    await t.client.addBatch(insert.id, 'Name\nL1\n');
    await t.client.addBatch(insert.id, 'Name\nL2\n');
    await t.client.closeJob(insert.id);
    const query = await t.client.createJob({ operation: 'query', object: 'Account', contentType: 'CSV' });
    await t.client.addBatch(query.id, 'SELECT Id FROM Account');
    await t.client.closeJob(query.id);
    await t.org.whenIdle();
    expect(used(before, await limits(), 'DailyBulkApiBatches')).to.equal(3);

    // Bulk API 2.0 jobs as their front end stores them (same tables), one of them two days old.
    const db = openDatabase(join(dir, 'org.db'));
    try {
      const jobs = new JobsStore(db);
      const now = Date.now();
      const job = (id: string, job_type: JobRow['job_type'], created: number): JobRow => ({
        ...(jobs.job(insert.id) as JobRow),
        id,
        job_type,
        operation: job_type === 'V2Query' ? 'query' : 'insert',
        created_date: created,
        modstamp: created,
      });
      // One transaction, Completed at once: the org's processor never sees these batches Queued.
      db.transaction(() => {
        jobs.createJob(job('7505g00000LIM01AAA', 'V2Ingest', now));
        jobs.addBatch('7515g00000LIM01AAA', '7505g00000LIM01AAA', Buffer.from('Name\nx\n'), now);
        jobs.addBatch('7515g00000LIM02AAA', '7505g00000LIM01AAA', Buffer.from('Name\ny\n'), now);
        jobs.addBatch('7515g00000LIM03AAA', '7505g00000LIM01AAA', Buffer.from('Name\nz\n'), now - 2 * 24 * 3_600_000);
        jobs.createJob(job('7505g00000LIM02AAA', 'V2Query', now));
        jobs.createJob(job('7505g00000LIM03AAA', 'V2Query', now - 2 * 24 * 3_600_000));
        jobs.addBatch('7515g00000LIM04AAA', '7505g00000LIM02AAA', Buffer.from('SELECT Id FROM Account'), now);
        new V2QueryStore(db).add('7515g00000LIM04AAA', 0, 1, Buffer.alloc(8), Buffer.alloc(3 * 1024 * 1024 - 10, 'a'));
        db.prepare("UPDATE batches SET state = 'Completed' WHERE id LIKE '7515g00000LIM%'").run();
      })();
    } finally {
      db.close();
    }
    const after = await limits();
    expect(used(before, after, 'DailyBulkApiBatches')).to.equal(5);
    expect(used(before, after, 'DailyBulkV2QueryJobs')).to.equal(1);
    expect(used(before, after, 'DailyBulkV2QueryFileStorageMB')).to.equal(3);
  });
});
