/**
 * Issue 22, item 7: several processes on one local org file. CLI loads with no connection
 * configured each start the default org in-process on one $BULKPIPE_HOME; with `bulkpipe server`
 * on the same file beside them. One of them at a time runs the batches, the others take over when
 * it ends or dies. Every load exits 0 with all its rows in its success file, the org holds exactly
 * the rows loaded (counted by each load's own name prefix), no record twice, no result mismatch.
 */
import { expect } from 'chai';
import { readdirSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { parse } from 'csv-parse/sync';
import { startOrgProcess } from '../../bin/org-process.js';
import { runCli, startCli, type CliRun } from '../helpers/cli.js';
import { useTempDir } from '../helpers/temp-dir.js';
import { waitFor } from '../helpers/wait-for.js';

const csvRows = (text: string) => parse(text, { columns: true }) as Array<Record<string, string>>;

describe('regressions/issue-22: the local org is safe for several processes', function () {
  this.timeout(300_000);
  const tmp = useTempDir('bulkpipe-issue22-org-');
  const home = () => join(tmp.path, 'home');
  const orgFile = () => join(home(), 'org.db');
  const env = () => ({ BULKPIPE_HOME: home() });

  /** Writes the input of load `name`: `rows` Accounts named `<name>-<n>`. */
  async function input(name: string, rows: number): Promise<void> {
    const lines = Array.from({ length: rows }, (_, i) => `${name}-${i + 1},${i + 1}`);
    await writeFile(join(tmp.path, `${name}.csv`), `Name,NumberOfEmployees\n${lines.join('\n')}\n`);
  }

  const loadArgs = (name: string, batchSize = 1000) => [
    'load',
    'Account',
    `${name}.csv`,
    '--batch-size',
    String(batchSize),
    '--success',
    `${name}.ok.csv`,
    '--errors',
    `${name}.bad.csv`,
    '--quiet',
  ];
  const load = (name: string, ...extra: string[]): Promise<CliRun> => runCli([...loadArgs(name), ...extra], { cwd: tmp.path, env: env() });

  /** The names in the org's file that begin with `name-`, read straight from SQLite (no processor of its own). */
  function orgNames(name: string): string[] {
    const db = new Database(orgFile(), { readonly: true });
    try {
      const rows = db
        .prepare("SELECT json_extract(data, '$.Name') AS n FROM records WHERE object = 'Account' AND deleted = 0 AND json_extract(data, '$.Name') LIKE ?")
        .all(`${name}-%`);
      return (rows as Array<{ n: string }>).map((r) => r.n);
    } finally {
      db.close();
    }
  }

  /** Load `name` exited 0, its success file holds each of its rows once, and the org exactly those. */
  async function expectExact(name: string, rows: number, run: CliRun): Promise<void> {
    expect(run.code, `${name}: ${run.stderr}`).to.equal(0);
    expect(run.stderr).to.not.contain('RESULT_MISMATCH');
    const ok = csvRows(await readFile(join(tmp.path, `${name}.ok.csv`), 'utf8'));
    expect(ok.map((r) => Number(r.sf__Row)).sort((a, b) => a - b)).to.deep.equal(Array.from({ length: rows }, (_, i) => i + 1));
    for (const r of ok) expect(r.Name).to.equal(`${name}-${r.sf__Row}`);
    expect(new Set(ok.map((r) => r.sf__Id)).size, `${name}: an id per row`).to.equal(rows);
    const names = orgNames(name);
    expect(names.length, `${name}: records in the org`).to.equal(rows);
    expect(new Set(names).size, `${name}: no record twice in the org`).to.equal(rows);
  }

  /** `count` loads of `rows` each at once on the default org; each exact. */
  async function concurrentLoads(tag: string, count: number, rows: number): Promise<void> {
    const names = Array.from({ length: count }, (_, i) => `${tag}${i + 1}`);
    for (const name of names) await input(name, rows);
    const runs = await Promise.all(names.map((name) => load(name)));
    for (const [i, name] of names.entries()) await expectExact(name, rows, runs[i] as CliRun);
  }

  /** An org file that exists and holds records already. */
  async function existingOrg(): Promise<void> {
    await input('OLD', 500);
    await expectExact('OLD', 500, await load('OLD'));
  }

  it('two loads at once on a fresh default org', async () => {
    await concurrentLoads('FRESH2x', 2, 5000);
  });

  it('two loads at once on an existing default org', async () => {
    await existingOrg();
    await concurrentLoads('OLD2x', 2, 5000);
    expect(orgNames('OLD')).to.have.length(500);
  });

  it('eight loads at once on a fresh default org', async () => {
    await concurrentLoads('FRESH8x', 8, 5000);
  });

  it('eight loads at once on an existing default org', async () => {
    await existingOrg();
    await concurrentLoads('OLD8x', 8, 5000);
  });

  it('one of two loads killed -9 mid-load (the one running the batches): the other finishes exactly, and the resume of the killed one is exact', async () => {
    // Its uploads, one at a time, go on while the second load starts: it is killed mid-load.
    await input('KILLED', 60_000);
    // One batch of ten chunks (a chunk is a transaction of 1,000 rows): it is killed part-way through.
    await input('SURVIVOR', 10_000);
    // The first process to start runs the org's batches: the one killed.
    const killed = startCli([...loadArgs('KILLED'), '--concurrency', '1'], { cwd: tmp.path, env: env() });
    const exited = new Promise<NodeJS.Signals | null>((resolve) => killed.on('close', (_code, signal) => resolve(signal)));
    await waitFor('the first load under way in the org', () => orgNamesOrNone('KILLED') > 0, { timeoutMs: 120_000 });
    const survivor = runCli(loadArgs('SURVIVOR', 10_000), { cwd: tmp.path, env: env() });
    // Killed while it runs the second load's batch, its own load unfinished: its claim on that batch dies with it.
    const claimed = await waitFor('the batch of the second load in progress', () => secondJobBatch()?.state === 'InProgress' && unfinishedLoads() === 2 && secondJobBatch(), {
      timeoutMs: 120_000,
      intervalMs: 2,
    });
    killed.kill('SIGKILL');
    expect(await exited).to.equal('SIGKILL');
    expect(claimed.owner).to.be.a('string');
    await expectExact('SURVIVOR', 10_000, await survivor);
    const resumed = await runCli(['load', '--resume', '--quiet'], { cwd: tmp.path, env: env() });
    await expectExact('KILLED', 60_000, resumed);
  });

  it('bulkpipe server on the file while CLI loads use it in-process, and a second server on it: every load exact, and the server killed -9 is taken over', async () => {
    await input('SRV1', 5000);
    await input('SRV2', 5000);
    await input('CLI1', 5000);
    await input('CLI2', 5000);
    const first = await startOrgProcess(orgFile(), 0, 'ignore');
    const second = await startOrgProcess(orgFile(), 0, 'ignore');
    try {
      const through = (org: { loginUrl: string; username: string; password: string }) => [
        '--login-url',
        org.loginUrl,
        '--username',
        org.username,
        '--password',
        org.password,
        '--yes',
      ];
      const runs = await Promise.all([load('SRV1', ...through(first)), load('SRV2', ...through(second)), load('CLI1'), load('CLI2')]);
      for (const [i, name] of ['SRV1', 'SRV2', 'CLI1', 'CLI2'].entries()) await expectExact(name, 5000, runs[i] as CliRun);
      // The first server ran the batches; killed, the second takes over for a load through it.
      await first.stop('SIGKILL');
      await input('AFTER', 3000);
      await expectExact('AFTER', 3000, await load('AFTER', ...through(second)));
    } finally {
      await first.stop('SIGKILL');
      await second.stop();
    }
  });

  /** Records of `name` in the org, 0 while the file does not exist yet. */
  function orgNamesOrNone(name: string): number {
    try {
      return orgNames(name).length;
    } catch {
      return 0;
    }
  }

  /** Loads with a ledger in $BULKPIPE_HOME/runs. */
  const unfinishedLoads = () => readdirSync(join(home(), 'runs')).length;

  /** The first batch of the org's second job: its state and claim. */
  function secondJobBatch(): { state: string; owner: string | null } | undefined {
    try {
      const db = new Database(orgFile(), { readonly: true });
      try {
        return db.prepare('SELECT state, owner FROM batches WHERE job_id = (SELECT id FROM jobs ORDER BY rowid LIMIT 1 OFFSET 1) ORDER BY seq LIMIT 1').get() as
          | { state: string; owner: string | null }
          | undefined;
      } finally {
        db.close();
      }
    } catch {
      return undefined; // the file or its tables are not there yet
    }
  }
});
