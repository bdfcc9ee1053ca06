/**
 * One org file served by several orgs at once (in this process and in others): one batch processor
 * at a time, claims that only one processor wins and that a lost claim cannot write through, ids
 * that never collide, first-time setup done once.
 */
import { expect } from 'chai';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { startOrgProcess, type OrgProcess } from '../../bin/org-process.js';
import { BulkClient } from '../../lib/http/client.js';
import { IdGenerator } from '../../server/org/id-generator.js';
import { startServer } from '../../server/index.js';
import { AuthStore } from '../../server/store/auth-store.js';
import { onRollback, openDatabase, writeTransaction } from '../../server/store/database.js';
import { ClaimLost, JobsStore } from '../../server/store/jobs-store.js';
import { collect } from '../helpers/fixtures.js';
import { classicJobRow } from '../helpers/job-row.js';
import { useTempDir } from '../helpers/temp-dir.js';
import { waitFor } from '../helpers/wait-for.js';

const connect = (org: { loginUrl: string; username: string; password: string }) => BulkClient.login({ ...org, apiVersion: '47.0' });
const body = (tag: string, rows: number) => `Name\n${Array.from({ length: rows }, (_, i) => `${tag}-${i}`).join('\n')}\n`;

/** Reads the file apart from any org: counts of what the tests check. */
function inspect<T>(file: string, read: (db: Database.Database) => T): T {
  const db = new Database(file, { readonly: true });
  try {
    return read(db);
  } finally {
    db.close();
  }
}
const accounts = (file: string, tag: string) =>
  inspect(file, (db) =>
    db.prepare("SELECT count(*) AS n, count(DISTINCT json_extract(data, '$.Name')) AS names FROM records WHERE json_extract(data, '$.Name') LIKE ?").get(`${tag}-%`),
  ) as {
    n: number;
    names: number;
  };

describe('server: one org file, several orgs', function () {
  this.timeout(120_000);
  const tmp = useTempDir('bulkpipe-shared-org-');
  const file = () => join(tmp.path, 'org.db');
  /** The processor that has claimed a batch (undefined unless it is InProgress). */
  const claimOf = (batchId: string) =>
    inspect(file(), (db) => (db.prepare("SELECT owner FROM batches WHERE id = ? AND state = 'InProgress'").get(batchId) as { owner: string } | undefined)?.owner);

  it('runs every batch in the first org only, the second org’s too; the second never requeues what the first is running, and takes over when it closes', async () => {
    // The first holds each batch InProgress a while after its rows are applied (long enough for a loaded
    // machine): the second starts meanwhile.
    const first = await startServer({ db: file(), faults: { holdInProgressMs: 2000 } });
    const a = await connect(first);
    const jobA = await a.createJob({ operation: 'insert', object: 'Account', contentType: 'CSV' });
    const batchA = await a.addBatch(jobA.id, body('A', 3000));
    const ownerA = await waitFor('the batch in progress', () => claimOf(batchA.id), { intervalMs: 5 });
    await a.closeJob(jobA.id);
    const second = await startServer({ db: file() });
    const b = await connect(second);
    try {
      const jobB = await b.createJob({ operation: 'insert', object: 'Account', contentType: 'CSV' });
      expect(jobB.id).to.not.equal(jobA.id);
      const batchB = await b.addBatch(jobB.id, body('B', 3000));
      await b.closeJob(jobB.id);
      // Held InProgress by the first org's faults: the first org's processor runs it.
      expect(await waitFor('the batch of the second org in progress', () => claimOf(batchB.id), { intervalMs: 5 })).to.equal(ownerA);
      await second.whenIdle();
      await first.whenIdle();
      expect(await a.getBatch(jobA.id, batchA.id)).to.include({ state: 'Completed', numberRecordsProcessed: 3000 });
      expect(await b.getBatch(jobB.id, batchB.id)).to.include({ state: 'Completed', numberRecordsProcessed: 3000 });
      expect(await collect(a.batchResults(jobA.id, batchA.id))).to.have.length(3000);
      expect(await collect(b.batchResults(jobB.id, batchB.id))).to.have.length(3000);
      expect(accounts(file(), 'A')).to.deep.equal({ n: 3000, names: 3000 });
      expect(accounts(file(), 'B')).to.deep.equal({ n: 3000, names: 3000 });

      await a.close();
      await first.close();
      const jobC = await b.createJob({ operation: 'insert', object: 'Account', contentType: 'CSV' });
      const batchC = await b.addBatch(jobC.id, body('C', 2000));
      await b.closeJob(jobC.id);
      await waitFor('the second org to take over', async () => (await b.getBatch(jobC.id, batchC.id)).state === 'Completed');
      expect(accounts(file(), 'C')).to.deep.equal({ n: 2000, names: 2000 });
      const ids = inspect(file(), (db) => db.prepare('SELECT count(*) AS n, count(DISTINCT id) AS distinct_ids FROM records').get());
      expect(ids).to.deep.equal({ n: 8000, distinct_ids: 8000 });
    } finally {
      await b.close();
      await second.close();
      await first.close();
    }
  });

  it('runs a job under the schema of the org that took it, whichever org runs its batches', async () => {
    const first = await startServer({ db: file() });
    const second = await startServer({ db: file(), schema: { objects: [{ name: 'Invoice__c', fields: [{ name: 'Amount__c', type: 'currency' }] }] } });
    const client = await connect(second);
    try {
      const job = await client.createJob({ operation: 'insert', object: 'Invoice__c', contentType: 'CSV' });
      const batch = await client.addBatch(job.id, 'Amount__c\n12.5\nx\n');
      await client.closeJob(job.id);
      // The first org, which has no Invoice__c, runs it.
      await first.whenIdle();
      expect(await client.getBatch(job.id, batch.id)).to.include({ state: 'Completed', numberRecordsProcessed: 2, numberRecordsFailed: 1 });
      const results = await collect(client.batchResults(job.id, batch.id));
      expect(results.map((r) => r.success)).to.deep.equal([true, false]);
      expect(inspect(file(), (db) => db.prepare("SELECT count(*) AS n FROM records WHERE object = 'Invoice__c'").get())).to.deep.equal({ n: 1 });
    } finally {
      await client.close();
      await second.close();
      await first.close();
    }
  });

  it('a second process takes over the batch that the first, killed -9, had claimed; nothing is applied twice', async () => {
    // The first process applies the batch, then holds it InProgress (for a minute): it is killed meanwhile.
    const first = await startOrgProcess(file(), 0, 'ignore', ['--faults', 'holdInProgress=60000']);
    let second: OrgProcess | undefined;
    try {
      second = await startOrgProcess(file(), 0, 'ignore');
      const client = await connect(second);
      try {
        const job = await client.createJob({ operation: 'insert', object: 'Account', contentType: 'CSV' });
        const batch = await client.addBatch(job.id, body('K', 2500));
        await client.closeJob(job.id);
        await waitFor('the first process to apply the batch', () => accounts(file(), 'K').n === 2500);
        expect((await client.getBatch(job.id, batch.id)).state).to.equal('InProgress');
        await first.stop('SIGKILL');
        await waitFor('the second process to finish it', async () => (await client.getBatch(job.id, batch.id)).state === 'Completed');
        const results = await collect(client.batchResults(job.id, batch.id));
        expect(results).to.have.length(2500);
        expect(new Set(results.map((r) => r.id)).size).to.equal(2500);
        expect(accounts(file(), 'K')).to.deep.equal({ n: 2500, names: 2500 });
      } finally {
        await client.close();
      }
    } finally {
      await first.stop('SIGKILL');
      await second?.stop();
    }
  });

  it('starts servers in several processes at once on a fresh file: each starts, one admin user', async () => {
    const orgs = await Promise.all(Array.from({ length: 4 }, () => startOrgProcess(file(), 0, 'ignore')));
    try {
      expect(inspect(file(), (db) => db.prepare('SELECT count(*) AS n FROM users').get())).to.deep.equal({ n: 1 });
      for (const org of orgs) await (await connect(org)).close();
    } finally {
      await Promise.all(orgs.map((o) => o.stop()));
    }
  });

  it('opens a file of an earlier version: the claim and the job schema columns are added, its queued batch runs', async () => {
    const old = new Database(file());
    old.exec(`CREATE TABLE jobs (id TEXT PRIMARY KEY, user_id TEXT NOT NULL, operation TEXT NOT NULL, object TEXT NOT NULL, external_id_field TEXT,
        concurrency_mode TEXT NOT NULL, content_type TEXT NOT NULL, state TEXT NOT NULL, api_version TEXT NOT NULL, assignment_rule_id TEXT,
        pk_chunking TEXT, created_date INTEGER NOT NULL, modstamp INTEGER NOT NULL);
      CREATE TABLE batches (id TEXT PRIMARY KEY, job_id TEXT NOT NULL, seq INTEGER NOT NULL, state TEXT NOT NULL, state_message TEXT,
        created_date INTEGER NOT NULL, modstamp INTEGER NOT NULL, records_processed INTEGER NOT NULL DEFAULT 0, records_failed INTEGER NOT NULL DEFAULT 0,
        total_ms INTEGER NOT NULL DEFAULT 0, api_ms INTEGER NOT NULL DEFAULT 0, progress INTEGER NOT NULL DEFAULT 0, pk_parent TEXT, pk_from TEXT, pk_to TEXT);
      CREATE TABLE batch_requests (batch_id TEXT PRIMARY KEY, body BLOB NOT NULL);
      INSERT INTO jobs VALUES ('7505g0000000001AAA', '0055g0000000001AAA', 'insert', 'Account', NULL, 'Parallel', 'CSV', 'Closed', '47.0', NULL, NULL, 0, 0);
      INSERT INTO batches (id, job_id, seq, state, created_date, modstamp) VALUES ('7515g0000000001AAA', '7505g0000000001AAA', 1, 'InProgress', 0, 0);`);
    old.prepare('INSERT INTO batch_requests VALUES (?, ?)').run('7515g0000000001AAA', Buffer.from(body('OLD', 3)));
    old.close();
    const org = await startServer({ db: file() });
    try {
      await org.whenIdle();
      const batch = inspect(file(), (db) => db.prepare('SELECT state, owner, records_processed FROM batches').get());
      expect(batch).to.deep.equal({ state: 'Completed', owner: null, records_processed: 3 });
      expect(accounts(file(), 'OLD')).to.deep.equal({ n: 3, names: 3 });
    } finally {
      await org.close();
    }
  });

  describe('claims (JobsStore over two connections to one file)', () => {
    it('lets one of two claims win; a chunk commits only under the claim at its progress; a lost claim writes nothing', () => {
      const [one, two] = [openDatabase(file()), openDatabase(file())];
      try {
        const [jobs1, jobs2] = [new JobsStore(one), new JobsStore(two)];
        const ids = new IdGenerator(new AuthStore(one));
        const now = Date.now();
        jobs1.createJob(classicJobRow(ids, ids.next('005'), now));
        const jobId = (one.prepare('SELECT id FROM jobs').get() as { id: string }).id;
        const added = jobs1.addBatch(ids.next('751'), jobId, Buffer.from(body('X', 2)), now);
        const won = jobs1.claim(added.id, 'p1', now);
        expect(won).to.include({ state: 'InProgress', owner: 'p1', progress: 0 });
        expect(jobs2.claim(added.id, 'p2', now), 'the second claim').to.equal(undefined);
        const result = { row: 0, id: null, success: true, created: true, errors: [] };
        const chunk = (store: JobsStore, owner: string | null, progress: number) => () =>
          store.underClaim({ id: added.id, owner }, () => store.saveChunk(added.id, [{ ...result, row: progress }], 1, now), progress);
        expect(chunk(jobs2, 'p2', 0)).to.throw(ClaimLost);
        expect(chunk(jobs1, 'p1', 1), 'at another progress').to.throw(ClaimLost);
        chunk(jobs1, 'p1', 0)();
        expect(chunk(jobs1, 'p1', 0), 'the same chunk again').to.throw(ClaimLost);
        // A new holder queues again what the old one left InProgress: the old one's claim is lost.
        expect(jobs2.requeueInterrupted()).to.equal(1);
        expect(jobs2.claim(added.id, 'p2', now)).to.include({ owner: 'p2', progress: 1 });
        expect(chunk(jobs1, 'p1', 1)).to.throw(ClaimLost);
        expect(jobs1.finish({ id: added.id, owner: 'p1' }, 'Completed', now), 'the old owner cannot end it').to.equal(false);
        chunk(jobs2, 'p2', 1)();
        expect(jobs2.finish({ id: added.id, owner: 'p2' }, 'Completed', now)).to.equal(true);
        expect(jobs1.batch(added.id)).to.include({ state: 'Completed', owner: null, progress: 2, records_processed: 2 });
        expect(jobs1.resultCount(added.id)).to.equal(2);
      } finally {
        one.close();
        two.close();
      }
    });

    it('never gives the same id twice across connections, even after a rollback undid the reservation of a block', () => {
      const [one, two] = [openDatabase(file()), openDatabase(file())];
      try {
        const [ids1, ids2] = [new IdGenerator(new AuthStore(one)), new IdGenerator(new AuthStore(two))];
        onRollback(one, () => ids1.forget());
        const lost: string[] = [];
        expect(() =>
          writeTransaction(one, () => {
            lost.push(ids1.next('001')); // reserves its block inside the transaction
            throw new Error('rolled back');
          }),
        ).to.throw('rolled back');
        // The rollback gave that block back: the other connection reserves it, and the first must not use it too.
        const seen = new Set([...Array.from({ length: 5 }, () => ids2.next('001')), ...Array.from({ length: 5 }, () => ids1.next('001'))]);
        expect(seen.size).to.equal(10);
        expect(seen.has(lost[0] as string), 'the rolled-back id is handed out once, by the other').to.equal(true);
      } finally {
        one.close();
        two.close();
      }
    });
  });
});
