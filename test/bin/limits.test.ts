/**
 * The daily budget through the built CLI, against `bulkpipe server --limit NAME=N` run as a user
 * would run it: `bulkpipe limits` (table and --json), a load refused with exit 2 before any job
 * (the org's job list stays empty), a stdin load checked only for something left, the budget line a
 * load ends with, and `--ignore-limits` past the pre-flight to the org's own refusal.
 */
import type { ChildProcessWithoutNullStreams } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { expect } from 'chai';
import { type CliRun, runCli, startCli } from '../helpers/cli.js';
import { login } from '../helpers/local-org.js';
import { raw } from '../helpers/raw-http.js';
import { useTempDir } from '../helpers/temp-dir.js';

interface OrgInfo {
  readonly loginUrl: string;
  readonly instanceUrl: string;
  readonly username: string;
  readonly password: string;
}

const csv = (rows: number) => `Name\n${Array.from({ length: rows }, (_, i) => `Cli ${i}`).join('\n')}\n`;

/** Starts `bulkpipe server` with these flags; resolves on the JSON line it prints once it listens. */
async function startServerCli(args: readonly string[]): Promise<{ child: ChildProcessWithoutNullStreams; info: OrgInfo }> {
  const child = startCli(['server', '--port', '0', '--db', ':memory:', '--quiet', ...args]);
  let stderr = '';
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
  const line = await new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (c: Buffer) => {
      out += c.toString();
      if (out.includes('\n')) resolve(out.split('\n')[0] as string);
    });
    child.on('exit', (code) => reject(new Error(`server exited ${code}: ${stderr}`)));
  });
  return { child, info: JSON.parse(line) as OrgInfo };
}

describe('bin: the daily budget (bulkpipe limits, server --limit, load and query pre-flight)', function () {
  this.timeout(120_000);
  const tmp = useTempDir('bulkpipe-limits-cli-');
  let server: { child: ChildProcessWithoutNullStreams; info: OrgInfo } | undefined;
  afterEach(async () => {
    const child = server?.child;
    server = undefined;
    if (!child || child.exitCode !== null) return;
    await new Promise((resolve) => {
      child.once('exit', resolve);
      child.kill('SIGTERM');
    });
  });

  const connection = () => ['--login-url', server?.info.loginUrl ?? '', '--username', server?.info.username ?? '', '--password', server?.info.password ?? ''];
  const cli = (args: readonly string[], stdin?: string): Promise<CliRun> =>
    runCli([...args, ...connection()], { cwd: tmp.path, env: { BULKPIPE_HOME: join(tmp.path, 'home') }, ...(stdin !== undefined ? { stdin } : {}) });
  const orgJobs = async () => {
    const session = await login(server?.info as OrgInfo);
    const res = await raw(`${server?.info.instanceUrl}/services/data/v62.0/jobs/ingest?jobType=Classic`, { headers: { authorization: `Bearer ${session}` } });
    return (JSON.parse(res.text) as { records: unknown[] }).records.length;
  };

  it('server --limit: an unknown limit is a usage error (exit 2) with a did-you-mean; NAME=N is required', async () => {
    const typo = await runCli(['server', '--port', '0', '--db', ':memory:', '--limit', 'DailyBulkApiBatchs=5']);
    expect(typo.code).to.equal(2);
    expect(typo.stderr).to.match(/^bulkpipe: server: --limit: unknown limit "DailyBulkApiBatchs" \(did you mean DailyBulkApiBatches\?\)/);
    const bare = await runCli(['server', '--port', '0', '--db', ':memory:', '--limit', 'DailyBulkApiBatches']);
    expect(bare.code).to.equal(2);
    expect(bare.stderr).to.contain('--limit expects NAME=N');
    const negative = await runCli(['server', '--port', '0', '--db', ':memory:', '--limit', 'DailyBulkApiBatches=-1']);
    expect(negative.code).to.equal(2);
  });

  it('bulkpipe limits: the Bulk limits first, used, remaining, max and percent; --json is the org answer', async () => {
    server = await startServerCli(['--limit', 'DailyBulkApiBatches=4', '--limit', 'DailyApiRequests=200']);
    const table = await cli(['limits']);
    expect(table.code, table.stderr).to.equal(0);
    const lines = table.stdout.trim().split('\n');
    expect(lines[0]).to.match(/^LIMIT\s+USED\s+REMAINING\s+MAX\s+USED %$/);
    expect(lines[1]).to.match(/^DailyBulkApiBatches\s+0\s+4\s+4\s+0\.0%$/);
    expect(lines[2]).to.match(/^DailyBulkV2QueryJobs\s+0\s+10,000\s+10,000\s+0\.0%$/);
    expect(lines[4]).to.match(/^DailyApiRequests\s+1\s+199\s+200\s+0\.5%$/);
    const json = await cli(['limits', '--json']);
    const limits = JSON.parse(json.stdout) as Record<string, { Max: number; Remaining: number }>;
    expect(limits.DailyBulkApiBatches).to.deep.equal({ Max: 4, Remaining: 4 });
    expect(limits.DailyApiRequests).to.deep.equal({ Max: 200, Remaining: 198 });
  });

  it('load: refused with exit 2 before any job when the estimate does not fit; the budget line once it fits; --ignore-limits goes on to the org refusal', async () => {
    server = await startServerCli(['--limit', 'DailyBulkApiBatches=3']);
    await writeFile(join(tmp.path, 'big.csv'), csv(500));
    const refused = await cli(['load', 'Account', 'big.csv', '--batch-size', '100']);
    expect(refused.code, refused.stderr).to.equal(2);
    expect(refused.stderr.trim().split('\n').at(-1)).to.equal(
      "bulkpipe: load: this load needs about 5 Bulk API batches (an estimate from the input's size, rounded up) and the org has 3 of its daily 3 Bulk API batches left (DailyBulkApiBatches); --ignore-limits (ignoreLimits) loads anyway",
    );
    expect(await orgJobs()).to.equal(0);

    await writeFile(join(tmp.path, 'fits.csv'), csv(250));
    const fits = await cli(['load', 'Account', 'fits.csv', '--batch-size', '100', '--poll-interval', '20']);
    expect(fits.code, fits.stderr).to.equal(0);
    const lines = fits.stderr.trim().split('\n');
    expect(lines.at(-2)).to.match(
      /^bulkpipe: budget: \d+ API requests and 3 Bulk API batches spent \(counted by bulkpipe\); the org has [\d,]+ API requests and 0 Bulk API batches left today$/,
    );
    expect(lines.at(-1)).to.match(/^bulkpipe: insert Account: 250 records read, 250 succeeded, 0 failed/);

    // Nothing left: a stream is checked for something left, and says so.
    const stdin = await cli(['load', 'Account', '-'], csv(1));
    expect(stdin.code).to.equal(2);
    expect(stdin.stderr).to.contain(
      'bulkpipe: load: the input is a stream, whose size is not known, so only that something is left is checked: the org has 0 of its daily 3 Bulk API batches left',
    );
    expect(await orgJobs()).to.equal(1);

    // Past the pre-flight: the org refuses the batch itself (ExceededQuota), the run fails (exit 1).
    const forced = await cli(['load', 'Account', '-', '--ignore-limits'], csv(1));
    expect(forced.code).to.equal(1);
    expect(forced.stderr).to.contain('ExceededQuota');
    expect(await orgJobs()).to.equal(2);
  });

  it('query --bulk-api 2: refused with exit 2 when no query job is left', async () => {
    server = await startServerCli(['--limit', 'DailyBulkV2QueryJobs=0']);
    const refused = await cli(['query', 'SELECT Id FROM Account', '--bulk-api', '2']);
    expect(refused.code).to.equal(2);
    expect(refused.stderr).to.contain('the org has 0 of its daily 0 Bulk API 2.0 query jobs left (DailyBulkV2QueryJobs)');
  });
});
