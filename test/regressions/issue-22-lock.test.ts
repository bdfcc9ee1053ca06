/**
 * Issue 22, item 2: one live owner per load. Two resumes of the same load at once (in code, and two
 * `bulkpipe load --resume` processes) used to both take the ledger: duplicates in the org, records
 * in no output, or a load that could never be finished. Now the run's lock lets one of them in; the
 * other is refused at once (BULK_LOCKED), naming the process that holds it, before it sends a single
 * request; `job clean` is refused the same way. The one let in finishes the load exactly once.
 */
import { expect } from 'chai';
import type { ChildProcessWithoutNullStreams } from 'node:child_process';
import { readdir, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import type { RunLockedError } from '../../lib/errors.js';
import { BulkClient } from '../../lib/http/client.js';
import { readLedger } from '../../lib/load/load-ledger.js';
import { bulkLoad } from '../../pipelines/bulk-load.js';
import { runCli, startCli, type CliRun } from '../helpers/cli.js';
import { CREATE_JOB, FaultProxy, POLL, RESULT } from '../helpers/fault-proxy.js';
import { rejection } from '../helpers/fixtures.js';
import { useTestOrg } from '../helpers/local-org.js';
import { useTempDir } from '../helpers/temp-dir.js';
import { expectExactlyOnce as expectExactlyOnceIn } from '../helpers/org-query.js';

const ROWS = 600;
/** Every 97th record fails in the org (a number field that is not a number). */
const bad = (row: number) => row % 97 === 0;

describe('regressions/issue-22: one live owner per load', function () {
  this.timeout(120_000);
  const t = useTestOrg();
  const tmp = useTempDir('bulkpipe-issue22-lock-');
  let prefix = '';
  let serial = 0;
  const proxies: FaultProxy[] = [];
  const clients: BulkClient[] = [];

  beforeEach(async () => {
    prefix = `I22L-${++serial}-`;
    const lines = Array.from({ length: ROWS }, (_, i) => `${prefix}${i + 1},${bad(i + 1) ? 'x' : i + 1}`);
    await writeFile(join(tmp.path, 'in.csv'), `Name,NumberOfEmployees\n${lines.join('\n')}\n`);
  });
  afterEach(async () => {
    for (const client of clients.splice(0)) await client.close();
    for (const proxy of proxies.splice(0)) await proxy.close();
  });

  async function proxied(): Promise<{ proxy: FaultProxy; client: BulkClient }> {
    const proxy = await new FaultProxy(t.org.org.instanceUrl).start();
    const client = new BulkClient({ instanceUrl: proxy.url, accessToken: t.org.session, retry: { maxElapsedMs: 300, minDelayMs: 5, maxDelayMs: 50 } });
    proxies.push(proxy);
    clients.push(client);
    return { proxy, client };
  }

  /** Every input row once in the outputs (input = success + error rows), the org holds exactly the successes, none twice. */
  async function expectExactlyOnce(): Promise<void> {
    await expectExactlyOnceIn({ client: t.org.client, prefix, dir: tmp.path, rows: ROWS, bad });
  }

  describe('bulkLoad (library)', () => {
    const options = (client: BulkClient) => ({
      client,
      input: join(tmp.path, 'in.csv'),
      format: 'csv' as const,
      object: 'Account',
      operation: 'insert' as const,
      batchSize: 50,
      successPath: join(tmp.path, 'ok.csv'),
      errorPath: join(tmp.path, 'bad.csv'),
      ledgerDir: join(tmp.path, 'ledger'),
      minPollIntervalMs: 10,
      maxPollIntervalMs: 50,
    });

    /** A load that fails once its third result download is cut for good: its ledger is left, with a job. */
    async function failedLoad(): Promise<void> {
      const { proxy, client } = await proxied();
      proxy.rule = (r) => (RESULT(r) && r.n >= 3 ? 'cut' : 'pass');
      await rejection(bulkLoad(options(client)));
      const state = await readLedger(join(tmp.path, 'ledger'));
      expect(state.finished).to.equal(false);
      expect(state.jobs).to.have.length(1);
    }

    it('two resumes started at once: one is refused (BULK_LOCKED) before it sends a request, the other completes exactly once', async () => {
      await failedLoad();
      // Each through a proxy of its own: what each sent is known apart.
      const [a, b] = [await proxied(), await proxied()];
      const results = await Promise.allSettled([bulkLoad({ ...options(a.client), resume: true }), bulkLoad({ ...options(b.client), resume: true })]);
      const refused = results.flatMap((r, i) => (r.status === 'rejected' ? [{ err: r.reason as RunLockedError, proxy: [a, b][i]?.proxy }] : []));
      const done = results.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
      expect(refused, 'one refused').to.have.length(1);
      expect(done, 'one completed').to.have.length(1);
      expect(refused[0]?.err).to.include({ code: 'BULK_LOCKED', name: 'RunLockedError' });
      expect(refused[0]?.err.holder).to.include({ pid: process.pid, host: hostname() });
      expect(refused[0]?.proxy?.requests, 'requests of the refused resume').to.deep.equal([]);
      expect(done[0]).to.include({ resumed: true, recordsRead: ROWS, recordsPending: 0 });
      expect((await readLedger(join(tmp.path, 'ledger'))).finished).to.equal(true);
      await expectExactlyOnce();
    });

    it('a resume while another holds the run mid-flight (a poll held): refused at once, uploads nothing; the holder then completes exactly once', async () => {
      await failedLoad();
      const a = await proxied();
      a.proxy.rule = (r) => (POLL(r) ? 'hold' : 'pass');
      const held = a.proxy.whenHeld(POLL);
      const first = bulkLoad({ ...options(a.client), resume: true });
      await held;
      const b = await proxied();
      const err = (await rejection(bulkLoad({ ...options(b.client), resume: true }))) as RunLockedError;
      expect(err).to.include({ code: 'BULK_LOCKED' });
      expect(err.holder?.pid).to.equal(process.pid);
      expect(b.proxy.requests).to.deep.equal([]);
      // A new run in the same folder is refused by the lock too (before the ledger's own check).
      expect(await rejection(bulkLoad({ ...options(b.client), resume: false }))).to.include({ code: 'BULK_LOCKED' });
      expect(b.proxy.requests).to.deep.equal([]);
      a.proxy.rule = () => 'pass';
      a.proxy.releaseHeld();
      expect(await first).to.include({ resumed: true, recordsRead: ROWS, recordsPending: 0 });
      await expectExactlyOnce();
    });

    it('a resume of a folder with no ledger is BULK_LEDGER, and makes no folder', async () => {
      const { client, proxy } = await proxied();
      expect(await rejection(bulkLoad({ ...options(client), ledgerDir: join(tmp.path, 'nowhere'), resume: true }))).to.include({ code: 'BULK_LEDGER' });
      expect(await readdir(tmp.path)).not.to.include('nowhere');
      expect(proxy.requests).to.deep.equal([]);
    });
  });

  describe('the CLI', () => {
    const env = () => ({ BULKPIPE_HOME: join(tmp.path, 'home') });
    const connection = (proxy: FaultProxy) => ['--instance-url', proxy.url, '--access-token', t.org.session, '--poll-interval', '20'];
    const cli = (args: string[]): Promise<CliRun> => runCli(args, { cwd: tmp.path, env: env() });

    /** A CLI process with its stderr and exit. */
    function started(args: string[]): { child: ChildProcessWithoutNullStreams; stderr: () => string; exited: Promise<number | null> } {
      const child = startCli(args, { cwd: tmp.path, env: env() });
      let stderr = '';
      child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
      child.stdin.end();
      return { child, stderr: () => stderr, exited: new Promise((resolve) => child.on('close', resolve)) };
    }

    it('a load killed, then two `load --resume` at once: one refuses at once naming the other; job clean refuses it; the other finishes exactly once', async () => {
      const { proxy } = await proxied();
      // Killed (SIGKILL) with its second result download held: a job, batches, a ledger left.
      proxy.rule = (r) => (RESULT(r) && r.n === 2 ? 'hold' : 'pass');
      const heldResult = proxy.whenHeld(RESULT);
      const load = started(['load', 'Account', 'in.csv', '--batch-size', '50', '--success', 'ok.csv', '--errors', 'bad.csv', '--quiet', ...connection(proxy)]);
      await Promise.race([heldResult, load.exited.then(() => Promise.reject(new Error(`the load exited before the fault: ${load.stderr()}`)))]);
      load.child.kill('SIGKILL');
      await load.exited;
      proxy.releaseHeld();
      const [runId] = await readdir(join(tmp.path, 'home', 'runs'));

      // The resume let in is held at its first poll, so that it is alive, mid-load, while the other and job clean try.
      proxy.rule = (r) => (POLL(r) ? 'hold' : 'pass');
      const heldPoll = proxy.whenHeld(POLL);
      const resumes = [started(['load', '--resume', ...connection(proxy)]), started(['load', '--resume', ...connection(proxy)])];
      const firstOut = await Promise.race(resumes.map((r, i) => r.exited.then((code) => ({ i, code }))));
      const loser = resumes[firstOut.i] as (typeof resumes)[number];
      const winner = resumes[1 - firstOut.i] as (typeof resumes)[number];
      expect(firstOut.code, loser.stderr()).to.equal(1);
      expect(loser.stderr()).to.contain(`is in use by process ${winner.child.pid} on ${hostname()}`);
      expect(loser.stderr()).to.contain('load --resume');
      expect(loser.stderr(), 'the holder masks its token').not.to.contain(t.org.session);
      await heldPoll;

      const runs = await cli(['job', 'runs', '--json']);
      expect(runs.code, runs.stderr).to.equal(0);
      const [row] = JSON.parse(runs.stdout) as Array<{ id: string; state: string; holder: { pid: number } }>;
      expect(row).to.include({ id: runId, state: 'running' });
      expect(row?.holder.pid).to.equal(winner.child.pid);
      const named = await cli(['job', 'clean', runId as string]);
      expect(named.code, named.stderr).to.equal(1);
      expect(named.stderr).to.contain(`is in use by process ${winner.child.pid}`);
      const all = await cli(['job', 'clean']);
      expect(all.code, all.stderr).to.equal(0);
      expect(all.stderr).not.to.contain(`removed load ${runId}`);
      expect(await readdir(join(tmp.path, 'home', 'runs'))).to.deep.equal([runId]);

      proxy.rule = () => 'pass';
      proxy.releaseHeld();
      expect(await winner.exited, winner.stderr()).to.equal(3);
      // The refused resume created nothing: one job, and no batch uploaded twice (the org count below).
      expect(proxy.requests.filter(CREATE_JOB)).to.have.length(1);
      await expectExactlyOnce();
      expect(await readdir(join(tmp.path, 'home', 'runs'))).to.deep.equal([]);
    });
  });
});
