/**
 * Issue 25: a Bulk API 2.0 load is crash-proof like a v1 load. The CLI is killed (SIGKILL) at each
 * phase of a job: its create request reached the org and the answer never came back (created), its
 * upload reached the org (uploading), its UploadComplete did (uploaded), or it was polling
 * (UploadComplete sent); then `load --resume`: every input row once in the outputs, the org holding
 * exactly the successes (none lost, none twice), no job left Open.
 */
import { expect } from 'chai';
import { mkdir, readFile, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { LEDGER_FILE } from '../../lib/load/load-ledger.js';
import { runCli, startCli } from '../helpers/cli.js';
import { FaultProxy, type ProxiedRequest } from '../helpers/fault-proxy.js';
import { useTestOrg } from '../helpers/local-org.js';
import { namesInOrg } from '../helpers/org-query.js';
import { useTempDir } from '../helpers/temp-dir.js';

type Row = Record<string, string>;
const csvRows = (text: string) => parse(text, { columns: true }) as Row[];
const ROWS = 2400;
/** Every 97th record fails in the org (a number field that is not a number). */
const bad = (row: number) => row % 97 === 0;

const path = (r: ProxiedRequest) => r.url.split('?')[0] as string;
const PHASES: ReadonlyArray<readonly [string, (r: ProxiedRequest) => boolean]> = [
  ['created (the create answer lost)', (r) => r.method === 'POST' && /\/jobs\/ingest\/?$/.test(path(r))],
  ['uploading (the upload reached the org, its answer lost)', (r) => r.method === 'PUT'],
  ['uploaded (UploadComplete reached the org, its answer lost)', (r) => r.method === 'PATCH'],
  ['UploadComplete (polling the job)', (r) => r.method === 'GET' && /\/jobs\/ingest\/750\w+$/.test(path(r))],
];

describe('regressions/issue-25: a Bulk API 2.0 load killed at each phase of a job, then resumed', function () {
  this.timeout(180_000);
  const t = useTestOrg();
  const tmp = useTempDir('bulkpipe-i25-');
  let prefix = '';
  let serial = 0;
  let dir = '';

  beforeEach(async () => {
    prefix = `I25-${++serial}-`;
    dir = join(tmp.path, String(serial));
    await mkdir(dir);
    const lines = Array.from({ length: ROWS }, (_, i) => `${prefix}${i + 1},${bad(i + 1) ? 'x' : i + 1},"a description, with a comma"`);
    await writeFile(join(dir, 'in.csv'), `Name,NumberOfEmployees,Description\n${lines.join('\n')}\n`);
  });

  async function expectExact(): Promise<void> {
    const ok = csvRows(await readFile(join(dir, 'ok.csv'), 'utf8'));
    const failed = csvRows(await readFile(join(dir, 'bad.csv'), 'utf8'));
    const rows = [...ok, ...failed].map((r) => Number(r.sf__Row)).sort((a, b) => a - b);
    expect(rows).to.deep.equal(Array.from({ length: ROWS }, (_, i) => i + 1));
    expect(failed.map((r) => Number(r.sf__Row)).every(bad)).to.equal(true);
    expect(failed).to.have.length(Math.floor(ROWS / 97));
    for (const row of ok) expect(row.Name).to.equal(`${prefix}${row.sf__Row}`);
    const inOrg = await namesInOrg(t.org.client, prefix);
    expect(new Set(inOrg).size).to.equal(inOrg.length, 'no record twice in the org');
    expect(inOrg.sort()).to.deep.equal(ok.map((r) => r.Name as string).sort());
  }

  for (const [phase, held] of PHASES) {
    it(`killed when ${phase}: --resume loads every row exactly once, no job left Open`, async () => {
      const home = join(dir, 'home');
      const connection = (url: string) => ['--instance-url', url, '--access-token', t.org.session, '--poll-interval', '20'];
      const proxy = await new FaultProxy(t.org.org.instanceUrl).start();
      try {
        // The second job's request is held: the first may be done, others in flight at any phase.
        proxy.rule = (r) => (held(r) && r.n === 2 ? 'hold' : 'pass');
        const args = ['load', 'Account', 'in.csv', '--bulk-api', '2', '--job-size', '20k', '--batch-size', '100', '--success', 'ok.csv', '--errors', 'bad.csv', '--quiet'];
        const child = startCli([...args, ...connection(proxy.url)], { cwd: dir, env: { BULKPIPE_HOME: home } });
        const exited = new Promise<void>((resolve) => child.on('close', () => resolve()));
        await proxy.whenHeld((r) => held(r) && r.n === 2);
        child.kill('SIGKILL');
        await exited;
        proxy.rule = () => 'pass';
        proxy.releaseHeld();
        await t.org.org.whenIdle();
        const [run] = await readdir(join(home, 'runs'));
        const ledger = await readFile(join(home, 'runs', run as string, LEDGER_FILE), 'utf8');
        const resumed = await runCli(['load', '--resume', ...connection(proxy.url)], { cwd: dir, env: { BULKPIPE_HOME: home } });
        expect(resumed.code, resumed.stderr).to.equal(3);
        await t.org.org.whenIdle();
        const jobIds = [...ledger.matchAll(/"type":"v2job","first":\d+,"jobId":"(\w+)"/g)].map((m) => m[1] as string);
        for (const id of jobIds) expect((await t.org.client.ingestJobs.get(id)).state, id).to.not.equal('Open');
        // A job made by a create whose answer was lost (in no ledger line) is not left Open either.
        for await (const job of t.org.client.ingestJobs.list()) expect(job.state, job.id).to.not.equal('Open');
      } finally {
        await proxy.close();
      }
      await expectExact();
    });
  }
});
