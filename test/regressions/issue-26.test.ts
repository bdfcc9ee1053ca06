/**
 * Issue 26: a load whose records are retried is crash-proof between attempts. The local org fails a
 * fifth of the rows once on a lock (`lockFail`, nothing of them written); the CLI is killed (SIGKILL)
 * while attempt 2 waits for its backoff (its rows announced in the ledger, nothing sent), or when a
 * step of attempt 2 reached the org and its answer never came back (v1: the retry job's create, the
 * retry batch's upload, its results; 2.0: the retry job's create, upload, UploadComplete); then
 * `load --resume`: every record
 * once in the org and once in the outputs, the retried ones with sf__Attempts 2, no job left Open.
 * One segment (one batch, one 2.0 job), so that the second request of a kind is attempt 2's.
 */
import { expect } from 'chai';
import { mkdir, readFile, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { LEDGER_FILE } from '../../lib/load/load-ledger.js';
import { runCli, startCli } from '../helpers/cli.js';
import { CREATE_JOB, FaultProxy, RESULT, UPLOAD, type ProxiedRequest } from '../helpers/fault-proxy.js';
import { type TestOrg, useTestOrg } from '../helpers/local-org.js';
import { namesInOrg } from '../helpers/org-query.js';
import { useTempDir } from '../helpers/temp-dir.js';
import { waitFor } from '../helpers/wait-for.js';

type Row = Record<string, string>;
const csvRows = (text: string) => parse(text, { columns: true }) as Row[];
const ROWS = 400;
/** Every 97th record fails in the org for its value (not retried). */
const bad = (row: number) => row % 97 === 0;
const path = (r: ProxiedRequest) => r.url.split('?')[0] as string;
type Held = (r: ProxiedRequest) => boolean;

/**
 * Where the run is killed: after the ledger announces attempt 2 (its backoff is long), or when a
 * request of it is held; `third`: in an org that fails the chosen rows twice, a request of attempt 3
 * (which goes on from attempt 2's merged results).
 */
type Phase = readonly [name: string, at: 'backoff' | Held, third?: 'third'];
const V1: readonly Phase[] = [
  ['waiting for attempt 2 (announced, nothing sent)', 'backoff'],
  ['the retry job created, its answer lost', (r) => CREATE_JOB(r) && r.n === 2],
  ["attempt 2's batch created, its answer lost", (r) => UPLOAD(r) && r.n === 2],
  ["attempt 2's results being read", (r) => RESULT(r) && r.n === 2],
  ["attempt 3's batch created, its answer lost", (r) => UPLOAD(r) && r.n === 3, 'third'],
];
const V2: readonly Phase[] = [
  ['waiting for attempt 2 (announced, nothing sent)', 'backoff'],
  ["attempt 2's job created, its answer lost", (r) => r.method === 'POST' && /\/jobs\/ingest\/?$/.test(path(r)) && r.n === 2],
  ["attempt 2's upload taken, its answer lost", (r) => r.method === 'PUT' && r.n === 2],
  ["attempt 2's UploadComplete taken, its answer lost", (r) => r.method === 'PATCH' && r.n === 2],
  ["attempt 3's upload taken, its answer lost", (r) => r.method === 'PUT' && r.n === 3, 'third'],
];

describe('regressions/issue-26: a load killed between two attempts of its records, then resumed', function () {
  this.timeout(180_000);
  const once = useTestOrg({ faults: 'seed=5,lockFail=0.2' });
  const twice = useTestOrg({ faults: 'seed=5,lockFail=0.2,lockFailTimes=2' });
  const tmp = useTempDir('bulkpipe-i26-');
  let prefix = '';
  let serial = 0;
  let dir = '';

  beforeEach(async () => {
    prefix = `I26-${++serial}-`;
    dir = join(tmp.path, String(serial));
    await mkdir(dir);
    const lines = Array.from({ length: ROWS }, (_, i) => `${prefix}${i + 1},${bad(i + 1) ? 'x' : i + 1}`);
    await writeFile(join(dir, 'in.csv'), `Name,NumberOfEmployees\n${lines.join('\n')}\n`);
  });

  async function expectExact(t: { readonly org: TestOrg }, attempts: string): Promise<void> {
    const ok = csvRows(await readFile(join(dir, 'ok.csv'), 'utf8'));
    const failed = csvRows(await readFile(join(dir, 'bad.csv'), 'utf8'));
    const rows = [...ok, ...failed].map((r) => Number(r.sf__Row)).sort((a, b) => a - b);
    expect(rows).to.deep.equal(Array.from({ length: ROWS }, (_, i) => i + 1));
    expect(failed.map((r) => Number(r.sf__Row))).to.deep.equal(Array.from({ length: Math.floor(ROWS / 97) }, (_, i) => 97 * (i + 1)));
    for (const row of failed) expect(row.sf__Error).to.match(/^INVALID_FIELD:/);
    expect(ok.filter((r) => r.sf__Attempts === attempts).length, 'rows retried').to.be.greaterThan(30);
    expect(ok.every((r) => r.sf__Attempts === '1' || r.sf__Attempts === attempts)).to.equal(true);
    for (const row of ok) expect(row.Name).to.equal(`${prefix}${row.sf__Row}`);
    const inOrg = await namesInOrg(t.org.client, prefix);
    expect(new Set(inOrg).size).to.equal(inOrg.length, 'no record twice in the org');
    expect(inOrg.sort()).to.deep.equal(ok.map((r) => r.Name as string).sort());
  }

  for (const [api, phases] of [
    ['1', V1],
    ['2', V2],
  ] as const) {
    for (const [phase, at, third] of phases) {
      it(`Bulk API ${api}, killed ${phase}: --resume loads every record exactly once, no job left Open`, async () => {
        const t = third ? twice : once;
        const home = join(dir, 'home');
        const connection = (url: string) => ['--instance-url', url, '--access-token', t.org.session, '--poll-interval', '20'];
        const proxy = await new FaultProxy(t.org.org.instanceUrl).start();
        try {
          if (at !== 'backoff') proxy.rule = (r) => (at(r) ? 'hold' : 'pass');
          const args = ['load', 'Account', 'in.csv', '--bulk-api', api, '--success', 'ok.csv', '--errors', 'bad.csv', '--quiet'];
          const delay = ['--retry-delay', at === 'backoff' ? '60000' : '10'];
          const child = startCli([...args, ...delay, ...connection(proxy.url)], { cwd: dir, env: { BULKPIPE_HOME: home } });
          const exited = new Promise<void>((resolve) => child.on('close', () => resolve()));
          if (at === 'backoff') {
            await waitFor('the ledger to announce attempt 2', async () => {
              const runs = await readdir(join(home, 'runs')).catch(() => []);
              const ledger = runs[0] === undefined ? '' : await readFile(join(home, 'runs', runs[0], LEDGER_FILE), 'utf8').catch(() => '');
              return /"type":"retry","seq":0,"attempt":2/.test(ledger);
            });
          } else {
            await proxy.whenHeld(at);
          }
          child.kill('SIGKILL');
          await exited;
          proxy.rule = () => 'pass';
          proxy.releaseHeld();
          await t.org.org.whenIdle();
          const resumed = await runCli(['load', '--resume', '--retry-delay', '10', ...connection(proxy.url)], { cwd: dir, env: { BULKPIPE_HOME: home } });
          expect(resumed.code, resumed.stderr).to.equal(3);
          await t.org.org.whenIdle();
        } finally {
          await proxy.close();
        }
        await expectExact(t, third ? '3' : '2');
        // Every job of the org, v1's (the ingest list has 2.0's only) and 2.0's: none is left Open.
        const classic = await t.org.client.findLikeJobs({ object: 'Account', operation: 'insert', contentType: 'CSV' }, 0, { known: () => false });
        if (api === '1') expect(classic.length).to.be.greaterThan(0);
        for (const id of classic) expect((await t.org.client.getJob(id)).state, id).to.not.equal('Open');
        for await (const job of t.org.client.ingestJobs.list()) expect(job.state, job.id).to.not.equal('Open');
      });
    }
  }

  // A resume whose Open retry job held the killed run's attempt-2 batch, and attempt 3 with the same
  // bytes (the same rows fail twice) whose POST answer is lost: the lost upload must never be taken for
  // attempt 2's batch (its rows would be sent a fourth time, written twice).
  it("Bulk API 1, killed waiting for attempt 3, attempt 3's batch created on --resume, its answer lost: every record exactly once", async () => {
    const t = twice;
    const home = join(dir, 'home');
    const connection = (url: string) => ['--instance-url', url, '--access-token', t.org.session, '--poll-interval', '20'];
    const proxy = await new FaultProxy(t.org.org.instanceUrl).start();
    try {
      // Attempt 2 waits 1-2 s, attempt 3 a minute and more: the kill comes while attempt 3 waits.
      const args = ['load', 'Account', 'in.csv', '--success', 'ok.csv', '--errors', 'bad.csv', '--quiet', '--retry-delay', '2000'];
      const child = startCli([...args, ...connection(proxy.url)], { cwd: dir, env: { BULKPIPE_HOME: home } });
      const exited = new Promise<void>((resolve) => child.on('close', () => resolve()));
      await waitFor(
        'the ledger to announce attempt 3',
        async () => {
          const runs = await readdir(join(home, 'runs')).catch(() => []);
          const ledger = runs[0] === undefined ? '' : await readFile(join(home, 'runs', runs[0], LEDGER_FILE), 'utf8').catch(() => '');
          return /"type":"retry","seq":0,"attempt":3/.test(ledger);
        },
        { timeoutMs: 60_000 },
      );
      child.kill('SIGKILL');
      await exited;
      await t.org.org.whenIdle();
      const before = proxy.requests.filter(UPLOAD).length;
      const lost: Held = (r) => UPLOAD(r) && r.n === before + 1;
      proxy.rule = (r) => (lost(r) ? 'hold' : 'pass');
      const resumed = runCli(['load', '--resume', '--retry-delay', '10', ...connection(proxy.url)], { cwd: dir, env: { BULKPIPE_HOME: home } });
      await proxy.whenHeld(lost);
      proxy.rule = () => 'pass';
      proxy.releaseHeld();
      const done = await resumed;
      expect(done.code, done.stderr).to.equal(3);
      await t.org.org.whenIdle();
    } finally {
      await proxy.close();
    }
    await expectExact(t, '3');
  });

  // A 2.0 create whose answer is lost within a run (no kill) made an Open job without data: the load's
  // (settled at the submitter's end, while retry jobs are live: none of them may be taken for it) or a
  // retry job's (made after that settling: the retrier settles it once it drains). None is left Open.
  for (const [whose, n] of [
    ["the load's job", 1],
    ["attempt 2's job", 2],
  ] as const) {
    it(`Bulk API 2, ${whose} create answer lost within the run: every record exactly once, no job left Open`, async () => {
      const t = once;
      const proxy = await new FaultProxy(t.org.org.instanceUrl).start();
      try {
        const create: Held = (r) => r.method === 'POST' && /\/jobs\/ingest\/?$/.test(path(r)) && r.n === n;
        proxy.rule = (r) => (create(r) ? 'hold' : 'pass');
        const args = ['load', 'Account', 'in.csv', '--bulk-api', '2', '--success', 'ok.csv', '--errors', 'bad.csv', '--quiet', '--retry-delay', '10'];
        const connection = ['--instance-url', proxy.url, '--access-token', t.org.session, '--poll-interval', '20'];
        const run = runCli([...args, ...connection], { cwd: dir, env: { BULKPIPE_HOME: join(dir, 'home') } });
        await proxy.whenHeld(create);
        proxy.rule = () => 'pass';
        proxy.releaseHeld();
        const done = await run;
        expect(done.code, done.stderr).to.equal(3);
        await t.org.org.whenIdle();
      } finally {
        await proxy.close();
      }
      await expectExact(t, '2');
      for await (const job of t.org.client.ingestJobs.list()) expect(job.state, job.id).to.not.equal('Open');
    });
  }

  // The org deleted attempt 2's job before the resume (a 2.0 job may be deleted by anyone): whether its
  // rows were written cannot be known, so they are neither sent again nor lost: each is in the errors,
  // saying so, and the resume ends.
  it("Bulk API 2, attempt 2's job deleted in the org before --resume: its rows in the errors as unknown, never sent again", async () => {
    const t = once;
    const home = join(dir, 'home');
    const connection = (url: string) => ['--instance-url', url, '--access-token', t.org.session, '--poll-interval', '20'];
    const proxy = await new FaultProxy(t.org.org.instanceUrl).start();
    let resumed: Awaited<ReturnType<typeof runCli>>;
    try {
      const closing: Held = (r) => r.method === 'PATCH' && r.n === 2;
      proxy.rule = (r) => (closing(r) ? 'hold' : 'pass');
      const args = ['load', 'Account', 'in.csv', '--bulk-api', '2', '--success', 'ok.csv', '--errors', 'bad.csv', '--quiet', '--retry-delay', '10'];
      const child = startCli([...args, ...connection(proxy.url)], { cwd: dir, env: { BULKPIPE_HOME: home } });
      const exited = new Promise<void>((resolve) => child.on('close', () => resolve()));
      const held = await proxy.whenHeld(closing);
      child.kill('SIGKILL');
      await exited;
      proxy.rule = () => 'pass';
      proxy.releaseHeld();
      await t.org.org.whenIdle();
      const retryJob = /ingest\/([^/?]+)/.exec(path(held))?.[1] as string;
      expect((await t.org.client.ingestJobs.get(retryJob)).state).to.equal('JobComplete');
      await t.org.client.ingestJobs.delete(retryJob);
      resumed = await runCli(['load', '--resume', '--retry-delay', '10', ...connection(proxy.url)], { cwd: dir, env: { BULKPIPE_HOME: home } });
      await t.org.org.whenIdle();
    } finally {
      await proxy.close();
    }
    expect(resumed.code, resumed.stderr).to.equal(3);
    const ok = csvRows(await readFile(join(dir, 'ok.csv'), 'utf8'));
    const failed = csvRows(await readFile(join(dir, 'bad.csv'), 'utf8'));
    const rows = [...ok, ...failed].map((r) => Number(r.sf__Row)).sort((a, b) => a - b);
    expect(rows).to.deep.equal(Array.from({ length: ROWS }, (_, i) => i + 1));
    const unknown = failed.filter((r) => r.sf__Error?.startsWith('BULKPIPE_RETRY_UNKNOWN:'));
    expect(unknown.length, 'rows of the deleted job').to.be.greaterThan(30);
    for (const row of unknown) expect(row.sf__Error).to.match(/attempt 2's job \w+ is gone from the org: whether this record was written is unknown/);
    expect(ok.every((r) => r.sf__Attempts === '1')).to.equal(true);
    // Attempt 2 was processed before its job was deleted: its rows are in the org once (not sent again),
    // but for those whose value the org refuses (a lock failure came first at attempt 1).
    const inOrg = await namesInOrg(t.org.client, prefix);
    expect(new Set(inOrg).size).to.equal(inOrg.length, 'no record twice in the org');
    const written = [...ok, ...unknown.filter((r) => !bad(Number(r.sf__Row)))];
    expect(inOrg.sort()).to.deep.equal(written.map((r) => r.Name as string).sort());
  });
});
