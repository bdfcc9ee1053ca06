/**
 * Row lock contention in the local org, end to end (issue 26): Contacts written by batches that run
 * at once lock their Accounts for each 200-row transaction; a transaction that cannot lock one in
 * time fails those rows with UNABLE_TO_LOCK_ROW, and only those. Serial mode and rows grouped by
 * Account remove the contention. The assertions are relations between runs of the same data, never
 * wall times: a loaded machine changes how many rows fail, not which way the comparisons go.
 */
import { expect } from 'chai';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import type { DmlResult } from '../../lib/types.js';
import { ingestCalls } from '../helpers/ingest-v2-calls.js';
import { runJob, startTestOrg, type TestOrg } from '../helpers/local-org.js';
import { queryRows } from '../helpers/org-query.js';
import { useTempDir } from '../helpers/temp-dir.js';
import { waitFor } from '../helpers/wait-for.js';

const ACCOUNTS = 4;
const CONTACTS = 2_000;
const BATCHES = 8;
const LOCK_MESSAGE = /^unable to obtain exclusive access to this record or (\d+) records: (.+)$/;

/** Seeded Fisher-Yates: the same "random" order in every run. */
function shuffled<T>(items: readonly T[], seed = 26): T[] {
  const out = [...items];
  let s = seed;
  for (let i = out.length - 1; i > 0; i--) {
    s = (s * 1_103_515_245 + 12_345) % 2_147_483_648;
    const j = s % (i + 1);
    [out[i], out[j]] = [out[j] as T, out[i] as T];
  }
  return out;
}

async function insertAccounts(t: TestOrg, tag: string): Promise<string[]> {
  const names = Array.from({ length: ACCOUNTS }, (_, i) => `${tag}-account-${i}`);
  const { job, batches } = await runJob(t, { object: 'Account', operation: 'insert', contentType: 'CSV' }, [`Name\n${names.join('\n')}\n`]);
  const ids: string[] = [];
  for await (const r of t.client.batchResults(job.id, batches[0]?.id as string)) ids.push(r.id as string);
  expect(ids).to.have.length(ACCOUNTS);
  return ids;
}

/** The Contacts `<tag>-<n>`, each under one of the accounts (500 each: grouped, two batches each), sorted by account or shuffled. */
function contacts(tag: string, accounts: readonly string[], order: 'grouped' | 'shuffled'): Array<{ name: string; accountId: string }> {
  const sorted = Array.from({ length: CONTACTS }, (_, n) => ({ name: `${tag}-${n}`, accountId: accounts[Math.floor((n * ACCOUNTS) / CONTACTS)] as string }));
  return order === 'grouped' ? sorted : shuffled(sorted);
}

interface Outcome {
  readonly inserted: number;
  readonly lockFailures: number;
}

/**
 * Inserts the Contacts in BATCHES batches uploaded at once; checks that every row either was inserted
 * (once: the org holds exactly the names of the successful rows) or failed UNABLE_TO_LOCK_ROW naming
 * its own Account, and returns the counts.
 */
async function load(t: TestOrg, tag: string, rows: ReadonlyArray<{ name: string; accountId: string }>, mode: 'Parallel' | 'Serial'): Promise<Outcome> {
  const job = await t.client.createJob({ object: 'Contact', operation: 'insert', contentType: 'CSV', concurrencyMode: mode });
  const size = Math.ceil(rows.length / BATCHES);
  const parts = Array.from({ length: BATCHES }, (_, b) => rows.slice(b * size, (b + 1) * size));
  // Uploaded together, so that the batches run at the same time.
  const batches = await Promise.all(parts.map((part) => t.client.addBatch(job.id, `LastName,AccountId\n${part.map((r) => `${r.name},${r.accountId}`).join('\n')}\n`)));
  await t.client.closeJob(job.id);
  await t.org.whenIdle();
  const inserted = new Set<string>();
  let lockFailures = 0;
  for (const [b, batch] of batches.entries()) {
    const part = parts[b] as Array<{ name: string; accountId: string }>;
    const results: DmlResult[] = [];
    for await (const r of t.client.batchResults(job.id, batch.id)) results.push(r);
    expect(results).to.have.length(part.length);
    for (const [i, r] of results.entries()) {
      const row = part[i] as { name: string; accountId: string };
      if (r.success) {
        inserted.add(row.name);
        continue;
      }
      expect(r.errors.map((e) => e.statusCode)).to.deep.equal(['UNABLE_TO_LOCK_ROW']);
      const [, count, ids] = LOCK_MESSAGE.exec(r.errors[0]?.message ?? '') ?? [];
      expect([count, ids], r.errors[0]?.message).to.deep.equal(['1', row.accountId]);
      lockFailures++;
    }
  }
  const inOrg = (await queryRows(t.client, `SELECT LastName FROM Contact WHERE LastName LIKE '${tag}-%'`)).map((r) => r.LastName as string);
  expect(inOrg).to.have.length(inserted.size);
  expect(new Set(inOrg)).to.deep.equal(inserted);
  expect(inserted.size + lockFailures).to.equal(rows.length);
  return { inserted: inserted.size, lockFailures };
}

describe('server: row lock contention between batches (issue 26)', function () {
  this.timeout(120_000);
  let t: TestOrg;
  // A transaction holds its locks 10 ms and waits 40 ms for them: up to 4 transactions in line for
  // an Account get through, the fifth and later fail. Grouped, each Account is written by two batches.
  before(async () => {
    t = await startTestOrg({ parallelism: 8, transactionMs: 10, lockTimeoutMs: 40 });
  });
  after(() => t?.close());

  it('shuffled Contacts of 4 Accounts in 8 parallel batches: some rows fail UNABLE_TO_LOCK_ROW naming their Account, the others are inserted once; grouped by Account, far fewer fail; Serial, none', async () => {
    const accounts = await insertAccounts(t, 'lc');
    const shuffledRun = await load(t, 'lc-shuffled', contacts('lc-shuffled', accounts, 'shuffled'), 'Parallel');
    const groupedRun = await load(t, 'lc-grouped', contacts('lc-grouped', accounts, 'grouped'), 'Parallel');
    const serialRun = await load(t, 'lc-serial', contacts('lc-serial', accounts, 'shuffled'), 'Serial');
    expect(shuffledRun.lockFailures, 'shuffled').to.be.greaterThan(0);
    expect(groupedRun.lockFailures, `grouped (${groupedRun.lockFailures}) against shuffled (${shuffledRun.lockFailures})`).to.be.lessThan(shuffledRun.lockFailures / 4);
    expect(serialRun.lockFailures, 'serial').to.equal(0);
  });

  it('Accounts lock no parent: the same 8 parallel batches of them never fail UNABLE_TO_LOCK_ROW', async () => {
    const names = shuffled(Array.from({ length: CONTACTS }, (_, n) => `lc-acc-${n}`));
    const job = await t.client.createJob({ object: 'Account', operation: 'insert', contentType: 'CSV' });
    const size = CONTACTS / BATCHES;
    const batches = await Promise.all(Array.from({ length: BATCHES }, (_, b) => t.client.addBatch(job.id, `Name\n${names.slice(b * size, (b + 1) * size).join('\n')}\n`)));
    await t.client.closeJob(job.id);
    await t.org.whenIdle();
    for (const batch of batches) for await (const r of t.client.batchResults(job.id, batch.id)) expect(r.errors).to.deep.equal([]);
  });
});

describe('server: row lock contention between the internal batches of one Bulk API 2.0 job', function () {
  this.timeout(120_000);
  let t: TestOrg;
  // Two internal batches of 10,000 run at once; a transaction holds its locks longer than the other waits.
  before(async () => {
    t = await startTestOrg({ parallelism: 8, transactionMs: 15, lockTimeoutMs: 5 });
  });
  after(() => t?.close());
  const v2 = ingestCalls(() => t);

  it('shuffled: failedResults hold UNABLE_TO_LOCK_ROW rows naming their Account; every other row is inserted once', async () => {
    const accounts = await insertAccounts(t, 'v2lc');
    const rows = shuffled(Array.from({ length: 20_000 }, (_, n) => ({ name: `v2lc-${n}`, accountId: accounts[n % ACCOUNTS] as string })));
    const info = await v2.load({ object: 'Contact', operation: 'insert', lineEnding: 'LF' }, `LastName,AccountId\n${rows.map((r) => `${r.name},${r.accountId}`).join('\n')}\n`);
    expect(info.state).to.equal('JobComplete');
    const accountOf = new Map(rows.map((r) => [r.name, r.accountId]));
    const failed = parse((await v2.results(info.id as string, 'failedResults')).text, { columns: true }) as Array<Record<string, string>>;
    const ok = parse((await v2.results(info.id as string, 'successfulResults')).text, { columns: true }) as Array<Record<string, string>>;
    expect(failed.length, 'lock failures').to.be.greaterThan(0);
    for (const f of failed) {
      expect(f.sf__Error).to.equal(`UNABLE_TO_LOCK_ROW:unable to obtain exclusive access to this record or 1 records: ${accountOf.get(f.LastName as string)}:--`);
      expect(f.sf__Id).to.equal('');
    }
    expect(ok.length + failed.length).to.equal(rows.length);
    const inOrg = (await queryRows(t.client, "SELECT LastName FROM Contact WHERE LastName LIKE 'v2lc-%'")).map((r) => r.LastName as string);
    expect(new Set(inOrg)).to.deep.equal(new Set(ok.map((r) => r.LastName)));
    expect(inOrg).to.have.length(ok.length);
  });
});

describe('server: an org stopped while transactions wait for locks or work', function () {
  this.timeout(60_000);
  const tmp = useTempDir('bulkpipe-locks-');

  it('stops at once, writes nothing of those chunks, and the restarted org writes every row once', async () => {
    const db = join(tmp.path, 'org.db');
    let t = await startTestOrg({ db });
    const [account] = await insertAccounts(t, 'stop');
    await t.close();
    // Transactions that would hold their locks for a minute: one works, the other waits for its Account.
    t = await startTestOrg({ db, parallelism: 2, transactionMs: 60_000, lockTimeoutMs: 60_000 });
    const job = await t.client.createJob({ object: 'Contact', operation: 'insert', contentType: 'CSV' });
    const bodies = [0, 1].map((b) => `LastName,AccountId\n${Array.from({ length: 300 }, (_, n) => `stop-${b}-${n},${account}`).join('\n')}\n`);
    const batches = await Promise.all(bodies.map((body) => t.client.addBatch(job.id, body)));
    await waitFor('both batches in progress', async () => (await t.client.listBatches(job.id)).every((b) => b.state === 'InProgress'));
    await t.close();
    t = await startTestOrg({ db });
    try {
      await t.client.closeJob(job.id);
      await t.org.whenIdle();
      for (const batch of batches) {
        let ok = 0;
        for await (const r of t.client.batchResults(job.id, batch.id)) if (r.success) ok++;
        expect(ok).to.equal(300);
      }
      expect(await queryRows(t.client, "SELECT Id FROM Contact WHERE LastName LIKE 'stop-%'")).to.have.length(600);
    } finally {
      await t.close();
    }
  });
});
