/** The local org survives restarts, and BulkClient survives the org's injected faults. */
import { expect } from 'chai';
import { join } from 'node:path';
import { BulkClient } from '../../lib/http/client.js';
import { startServer } from '../../server/index.js';
import { Faults } from '../../server/faults.js';
import { collect } from '../helpers/fixtures.js';
import { startTestOrg } from '../helpers/local-org.js';
import { useTempDir } from '../helpers/temp-dir.js';
import { waitFor } from '../helpers/wait-for.js';

describe('server: restarts and faults', () => {
  const tmp = useTempDir('bulkpipe-org-');

  const connect = (org: { loginUrl: string; username: string; password: string }) => BulkClient.login({ ...org, apiVersion: '47.0' });

  it('loses nothing when stopped in the middle of a job: the interrupted batch resumes, nothing is applied twice', async () => {
    const db = join(tmp.path, 'org.db');
    let org = await startServer({ db, parallelism: 1 });
    let client = await connect(org);
    const job = await client.createJob({ operation: 'insert', object: 'Account', contentType: 'CSV' });
    const body = (b: number) => `Name\n${Array.from({ length: 10_000 }, (_, i) => `R${b}-${i}`).join('\n')}\n`;
    const batches = [await client.addBatch(job.id, body(1)), await client.addBatch(job.id, body(2))];
    await client.closeJob(job.id);
    // Stop the org once the first batch has committed some of its chunks (or finished: either way nothing may be lost).
    await waitFor(
      'the first batch under way',
      async () => {
        const info = await client.getBatch(job.id, batches[0]?.id as string);
        return info.state !== 'Queued' && (info.numberRecordsProcessed > 0 || info.state !== 'InProgress');
      },
      { intervalMs: 2 },
    );
    await client.close();
    await org.close();

    org = await startServer({ db, parallelism: 1 });
    client = await connect(org);
    try {
      await org.whenIdle();
      const info = await client.getJob(job.id);
      expect(info).to.include({ state: 'Closed', numberBatchesCompleted: 2, numberRecordsProcessed: 20_000, numberRecordsFailed: 0 });
      for (const b of batches) {
        const results = await collect(client.batchResults(job.id, b.id));
        expect(results).to.have.length(10_000);
        expect(new Set(results.map((r) => r.id)).size).to.equal(10_000);
      }
      const q = await client.createJob({ operation: 'query', object: 'Account', contentType: 'CSV' });
      const qb = await client.addBatch(q.id, 'SELECT Id FROM Account');
      await org.whenIdle();
      expect((await client.getBatch(q.id, qb.id)).numberRecordsProcessed).to.equal(20_000);
    } finally {
      await client.close();
      await org.close();
    }
  });

  it('keeps users, sessions, jobs and ids across restarts', async () => {
    const db = join(tmp.path, 'org.db');
    let org = await startServer({ db, username: 'u@example.com', password: 'pw' });
    let client = await connect(org);
    const first = await client.createJob({ operation: 'insert', object: 'Account' });
    await client.close();
    await org.close();
    org = await startServer({ db, username: 'u@example.com', password: 'pw' });
    client = await connect(org);
    try {
      expect((await client.getJob(first.id)).state).to.equal('Open');
      const second = await client.createJob({ operation: 'insert', object: 'Account' });
      expect(second.id).not.to.equal(first.id);
    } finally {
      await client.close();
      await org.close();
    }
  });

  it('parses the --faults form and rejects bad values', () => {
    const faults = Faults.parse('seed=7,latency=5-10,error5xx=0.1,drop=0.05,dropAfterBody=0.05,sessionTtl=30,holdInProgress=100');
    expect(faults.options).to.deep.equal({
      seed: 7,
      latencyMs: [5, 10],
      error5xxRate: 0.1,
      dropBeforeBodyRate: 0.05,
      dropAfterBodyRate: 0.05,
      sessionTtlSeconds: 30,
      holdInProgressMs: 100,
    });
    expect(() => Faults.parse('error5xx=2'))
      .to.throw()
      .with.property('code', 'BULK_INVALID_OPTION');
    expect(() => Faults.parse('explode=1'))
      .to.throw()
      .with.property('code', 'BULK_INVALID_OPTION');
    const a = Faults.parse('seed=3,error5xx=0.5');
    const b = Faults.parse('seed=3,error5xx=0.5');
    expect(Array.from({ length: 20 }, () => a.decide())).to.deep.equal(Array.from({ length: 20 }, () => b.decide()));
  });

  it('BulkClient completes a job through 5xx answers, dropped connections and lost answers, without duplicate batches', async () => {
    const t = await startTestOrg({ faults: { seed: 11, error5xxRate: 0.2, dropBeforeBodyRate: 0.1, dropAfterBodyRate: 0.1, latencyMs: [0, 5] } });
    try {
      const client = await BulkClient.login({
        loginUrl: t.org.loginUrl,
        username: t.org.username,
        password: t.org.password,
        apiVersion: '47.0',
        retry: { maxRetries: 12, minDelayMs: 2, maxDelayMs: 20 },
      }).catch(() => undefined);
      const c = client ?? t.client;
      // A lost create-job answer is not retried (it may have created the job): try again, as a caller would.
      let job: Awaited<ReturnType<typeof c.createJob>> | undefined;
      for (let i = 0; i < 10 && !job; i++) job = await c.createJob({ operation: 'insert', object: 'Account', contentType: 'CSV' }).catch(() => undefined);
      expect(job, 'a job').to.not.equal(undefined);
      const jobId = (job as { id: string }).id;
      for (let b = 0; b < 8; b++) await c.addBatch(jobId, `Name\n${Array.from({ length: 50 }, (_, i) => `F${b}-${i}`).join('\n')}\n`);
      await c.closeJob(jobId);
      await t.org.whenIdle();
      const batches = await c.listBatches(jobId);
      expect(batches).to.have.length(8);
      let rows = 0;
      for (const b of batches) rows += (await collect(c.batchResults(jobId, b.id))).filter((r) => r.success).length;
      expect(rows).to.equal(400);
      if (client) await client.close();
    } finally {
      await t.close();
    }
  });
});
