/**
 * Issue 11, end to end: the built CLI loads through a fault proxy in front of the local org, is
 * killed (SIGKILL) at each point that matters, and `bulkpipe load --resume` finishes the load. After
 * each: every input row exactly once in the outputs, the org holds exactly the successes (no record
 * twice), and no ledger is left. Responses cut mid-body are ridden out within one run; a run that
 * still fails writes what it has, says what is pending and how to resume.
 */
import { expect } from 'chai';
import type { ChildProcess } from 'node:child_process';
import { readFile, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { runCli, startCli, type CliRun } from '../helpers/cli.js';
import { CREATE_JOB, FaultProxy, POLL, RESULT, UPLOAD, shapeOf, type ProxiedRequest } from '../helpers/fault-proxy.js';
import { useTestOrg } from '../helpers/local-org.js';
import { useTempDir } from '../helpers/temp-dir.js';
import { waitFor } from '../helpers/wait-for.js';
import { expectExactlyOnce as expectExactlyOnceIn } from '../helpers/org-query.js';

type Row = Record<string, string>;
const csvRows = (text: string) => parse(text, { columns: true }) as Row[];
const ROWS = 1000;
/** Every 97th record fails in the org (a number field that is not a number). */
const bad = (row: number) => row % 97 === 0;

describe('regressions/issue-11: crash-proof loads (CLI, through a fault proxy)', function () {
  this.timeout(120_000);
  const t = useTestOrg();
  const tmp = useTempDir('bulkpipe-issue11-');
  let proxy: FaultProxy;
  let prefix = '';
  let serial = 0;

  beforeEach(async () => {
    proxy = await new FaultProxy(t.org.org.instanceUrl).start();
    prefix = `I11-${++serial}-`;
    const lines = Array.from({ length: ROWS }, (_, i) => `${prefix}${i + 1},${bad(i + 1) ? 'x' : i + 1}`);
    await writeFile(join(tmp.path, 'in.csv'), `Name,NumberOfEmployees\n${lines.join('\n')}\n`);
  });
  afterEach(async () => {
    await proxy.close();
  });

  const env = () => ({ BULKPIPE_HOME: join(tmp.path, 'home') });
  const connection = () => ['--instance-url', proxy.url, '--access-token', t.org.session, '--poll-interval', '20'];
  const loadArgs = (...extra: string[]) => ['load', 'Account', 'in.csv', '--batch-size', '100', '--success', 'ok.csv', '--errors', 'bad.csv', '--quiet', ...connection(), ...extra];
  const cli = (args: string[]): Promise<CliRun> => runCli(args, { cwd: tmp.path, env: env() });
  const resume = (...id: string[]) => cli(['load', '--resume', ...id, ...connection()]);

  /** Starts a load, waits for the proxy to hold a request `test` accepts, and kills the CLI with SIGKILL. */
  async function killWhenHeld(test: (r: ProxiedRequest) => boolean, then: () => Promise<unknown> = async () => undefined): Promise<void> {
    const child = startCli(loadArgs(), { cwd: tmp.path, env: env() });
    let stderr = '';
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    const exited = new Promise<void>((resolve) => child.on('close', () => resolve()));
    const held = proxy.whenHeld(test);
    await Promise.race([held, exited.then(() => Promise.reject(new Error(`the CLI exited before the fault: ${stderr}`)))]);
    await then();
    killed(child);
    await exited;
    proxy.rule = () => 'pass';
    proxy.releaseHeld();
  }
  const killed = (child: ChildProcess) => child.kill('SIGKILL');

  /** Every row once in the outputs, the successes once each in the org, the failures not at all, no ledger left. */
  async function expectExactlyOnce(): Promise<void> {
    await expectExactlyOnceIn({ client: t.org.client, prefix, dir: tmp.path, rows: ROWS, bad });
    expect(await readdir(join(tmp.path, 'home', 'runs')).catch(() => [])).to.deep.equal([]);
  }

  it('killed after the create-job POST, before its answer: the resume finds the job in the org job list and adopts it', async () => {
    proxy.rule = (r) => (CREATE_JOB(r) ? 'hold' : 'pass');
    await killWhenHeld(CREATE_JOB);
    const result = await resume();
    expect(result.code, result.stderr).to.equal(3);
    await expectExactlyOnce();
    // The job the killed run made is the one used: no second job.
    expect(proxy.requests.filter(CREATE_JOB)).to.have.length(1);
  });

  it('killed mid-upload (a batch made, its answer lost): the resume finds that batch and uploads only what was not sent', async () => {
    proxy.rule = (r) => (UPLOAD(r) && r.n === 4 ? 'hold' : 'pass');
    await killWhenHeld((r) => UPLOAD(r) && r.n === 4);
    const result = await resume();
    expect(result.code, result.stderr).to.equal(3);
    // A batch uploaded twice would put its records in the org twice: expectExactlyOnce counts them.
    await expectExactlyOnce();
  });

  it('killed with every batch uploaded and none polled: the resume uploads nothing and joins them all', async () => {
    proxy.rule = (r) => (POLL(r) ? 'hold' : 'pass');
    const ledgerBatches = async () => {
      const runs = await readdir(join(tmp.path, 'home', 'runs')).catch(() => [] as string[]);
      const text = runs[0] ? await readFile(join(tmp.path, 'home', 'runs', runs[0], 'ledger.ndjson'), 'utf8').catch(() => '') : '';
      return text.split('\n').filter((l) => l.includes('"type":"batch"')).length;
    };
    await killWhenHeld(POLL, () => waitFor('every batch in the ledger', async () => (await ledgerBatches()) === 10));
    const uploads = proxy.requests.filter(UPLOAD).length;
    const result = await resume();
    expect(result.code, result.stderr).to.equal(3);
    await expectExactlyOnce();
    expect(proxy.requests.filter(UPLOAD).length).to.equal(uploads);
  });

  it('killed mid-join: the resume keeps the segments written, cuts anything after them, and writes the rest', async () => {
    proxy.rule = (r) => (RESULT(r) && r.n === 3 ? 'hold' : 'pass');
    await killWhenHeld((r) => RESULT(r) && r.n === 3);
    // Rows past the ledger's last whole segment (a crash mid-write) are cut off by the resume.
    await writeFile(join(tmp.path, 'ok.csv'), `${await readFile(join(tmp.path, 'ok.csv'), 'utf8')}torn,row,no newline`);
    const result = await resume();
    expect(result.code, result.stderr).to.equal(3);
    await expectExactlyOnce();
  });

  it('job runs lists an abandoned load with its job and spool; job clean removes it, after which it cannot be resumed', async () => {
    proxy.rule = (r) => (RESULT(r) && r.n === 2 ? 'hold' : 'pass');
    await killWhenHeld((r) => RESULT(r) && r.n === 2);
    const runs = await cli(['job', 'runs', '--json']);
    expect(runs.code, runs.stderr).to.equal(0);
    const [run, ...others] = JSON.parse(runs.stdout) as Array<{ id: string; state: string; jobs: string[]; object: string; pending: number; spoolBytes: number }>;
    expect(others).to.deep.equal([]);
    expect(run).to.include({ state: 'abandoned', object: 'Account' });
    expect(run?.jobs).to.have.length(1);
    expect(run?.pending).to.be.above(0);
    expect(run?.spoolBytes).to.be.above(0);
    // A load is resumed on the org it ran on only.
    const elsewhere = await cli(['load', '--resume', run?.jobs[0] as string, '--instance-url', t.org.org.instanceUrl, '--access-token', t.org.session]);
    expect(elsewhere.code).to.equal(2);
    expect(elsewhere.stderr).to.contain('connect to that org to resume it');
    const dry = await cli(['job', 'clean', '--dry-run']);
    expect(dry.stderr).to.contain(`would remove load ${run?.id}`);
    expect(await readdir(join(tmp.path, 'home', 'runs'))).to.deep.equal([run?.id]);
    const clean = await cli(['job', 'clean']);
    expect(clean.stderr).to.contain(`removed load ${run?.id}`);
    expect(clean.stderr).to.contain(`bulkpipe job close ${run?.jobs[0]}`);
    // As it says: the abandoned job is closed, so that no later lost create takes it for its own.
    expect((await cli(['job', 'close', run?.jobs[0] as string, ...connection().slice(0, 4)])).code).to.equal(0);
    expect(await readdir(join(tmp.path, 'home', 'runs'))).to.deep.equal([]);
    const none = await resume();
    expect(none.code).to.equal(2);
    expect(none.stderr).to.contain('no unfinished load');
  });

  it('two Ctrl-C: the second exits at once, names the resume command, and that command completes the load', async () => {
    proxy.rule = (r) => (UPLOAD(r) && r.n === 5 ? 'hold' : 'pass');
    const child = startCli(loadArgs(), { cwd: tmp.path, env: env() });
    let stderr = '';
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
    await proxy.whenHeld((r) => UPLOAD(r) && r.n === 5);
    child.kill('SIGINT');
    await waitFor('the graceful stop to begin', () => stderr.includes('stopping (press Ctrl-C again'));
    child.kill('SIGINT');
    expect(await exited, stderr).to.equal(130);
    proxy.rule = () => 'pass';
    proxy.releaseHeld();
    const command = /finish the load with: bulkpipe load --resume (750\w+)/.exec(stderr);
    expect(command, stderr).to.not.equal(null);
    const result = await resume(command?.[1] as string);
    expect(result.code, result.stderr).to.equal(3);
    await expectExactlyOnce();
  });

  it('rides out answers cut mid-body: the create-job answer, a batch POST answer, the batch list, a result download', async () => {
    const cut = new Set<string>();
    proxy.rule = (r) => {
      for (const [name, test, n] of [
        ['create', CREATE_JOB, 1],
        ['upload', UPLOAD, 3],
        ['poll', POLL, 2],
        ['result', RESULT, 2],
      ] as const) {
        if (test(r) && r.n === n && !cut.has(name)) {
          cut.add(name);
          return 'cut';
        }
      }
      return 'pass';
    };
    const result = await cli(loadArgs());
    expect(result.code, result.stderr).to.equal(3);
    expect([...cut].sort()).to.deep.equal(['create', 'poll', 'result', 'upload']);
    await expectExactlyOnce();
  });

  it('rides out a query result file cut mid-body', async () => {
    const loaded = await cli(loadArgs());
    expect(loaded.code, loaded.stderr).to.equal(3);
    let cuts = 0;
    proxy.rule = (r) => (shapeOf(r.method, r.url) === 'GET /job/:id/batch/:id/result/:id' && cuts++ === 0 ? 'cut' : 'pass');
    const query = await cli(['query', `SELECT Name FROM Account WHERE Name LIKE '${prefix}%'`, '-o', 'q.csv', '--quiet', ...connection()]);
    expect(query.code, query.stderr).to.equal(0);
    expect(cuts).to.be.above(1);
    const names = csvRows(await readFile(join(tmp.path, 'q.csv'), 'utf8')).map((r) => r.Name);
    expect(names.length).to.equal(ROWS - Array.from({ length: ROWS }, (_, i) => i + 1).filter(bad).length);
    expect(new Set(names).size).to.equal(names.length);
  });

  it('a failed run writes what it has, says how many records are pending and how to resume; the resume completes it', async () => {
    // Every result download is cut: the retries give up after --retry-for.
    proxy.rule = (r) => (RESULT(r) && r.n > 2 ? 'cut' : 'pass');
    const failed = await cli(loadArgs('--retry-for', '1'));
    expect(failed.code, failed.stderr).to.equal(1);
    const so = /results so far: ([\d,]+) succeeded, ([\d,]+) failed, ([\d,]+) pending/.exec(failed.stderr);
    expect(so, failed.stderr).to.not.equal(null);
    const [succeeded, errored, pending] = (so as RegExpExecArray).slice(1).map((n) => Number(n.replace(/,/g, '')));
    expect((succeeded as number) + (errored as number) + (pending as number)).to.equal(ROWS);
    expect(pending).to.be.above(0);
    // The outputs hold the rows that were joined, whole segments, each file with its header.
    const ok = csvRows(await readFile(join(tmp.path, 'ok.csv'), 'utf8'));
    expect(ok.length).to.equal(succeeded);
    expect((await readFile(join(tmp.path, 'bad.csv'), 'utf8')).split('\n')[0]).to.equal('Name,NumberOfEmployees,sf__Error,sf__Row,sf__Attempts');
    const command = /finish the load with: bulkpipe load --resume (750\w+)/.exec(failed.stderr);
    expect(command, failed.stderr).to.not.equal(null);
    proxy.rule = () => 'pass';
    const result = await resume(command?.[1] as string);
    expect(result.code, result.stderr).to.equal(3);
    await expectExactlyOnce();
  });
});
