import { expect } from 'chai';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseJobInfo, serializeJobInfo } from '../../lib/wire/job-info.js';
import { serializeApiError } from '../../lib/wire/api-error.js';
import { wireFixture } from '../helpers/fixtures.js';
import { ScriptedServer, reply } from '../helpers/scripted-server.js';
import { BulkClient } from '../../lib/http/client.js';
import { runCli, startCli } from '../helpers/cli.js';

/** The CLI with only the given environment, its local org (when it falls back to one) in a scratch home. */
const run = (args: string[], env: Record<string, string> = {}) => runCli(args, { env: { BULKPIPE_HOME: home, ...env } });
let home = '';

describe('bin/bulkpipe', function () {
  this.timeout(30_000);
  let server: ScriptedServer;
  before(async () => {
    server = await new ScriptedServer().start();
    home = await mkdtemp(join(tmpdir(), 'bulkpipe-cli-home-'));
  });
  after(async () => {
    await server.close();
    await rm(home, { recursive: true, force: true });
  });

  it('prints the version and help', async () => {
    const version = await run(['--version']);
    expect(version.code).to.equal(0);
    expect(version.stdout.trim()).to.match(/^\d+\.\d+\.\d+$/);
    const help = await run(['job', '--help']);
    expect(help.code).to.equal(0);
    expect(help.stdout).to.contain('Examples:');
  });

  it('rejects a bad flag, an unknown command and half-given credentials with exit code 2 and one line', async () => {
    for (const args of [['--frobnicate'], ['frob'], ['job', 'show', '750Kf00000R1wzRIAR', '--instance-url', 'http://127.0.0.1:9'], ['job', 'explode', 'x']]) {
      const result = await run(args);
      expect(result.code, args.join(' ')).to.equal(2);
      expect(result.stderr.trim().split('\n'), args.join(' ')).to.have.length(1);
    }
  });

  it('load: a file that cannot be read is said in words, with its code (issue 27)', async () => {
    const result = await run(['load', 'Account', join(home, 'nosuchfile.csv'), '--instance-url', 'http://127.0.0.1:9', '--access-token', 'T']);
    expect(result.code).to.equal(2);
    expect(result.stderr.trim()).to.equal(`bulkpipe: load: cannot read ${join(home, 'nosuchfile.csv')}: no such file (ENOENT)`);
    const map = await run(['load', 'Account', '-', '--map', join(home, 'nomap.json'), '--instance-url', 'http://127.0.0.1:9', '--access-token', 'T']);
    expect(map.code).to.equal(2);
    expect(map.stderr).to.contain(`cannot read the --map file ${join(home, 'nomap.json')}: no such file (ENOENT)`);
  });

  it('shows a job with an access token from the environment', async () => {
    const job = serializeJobInfo(parseJobInfo(wireFixture('jetstream_jobInfo_open_update_v65.xml'), 'xml'), 'xml');
    server.script(reply(200, 'application/xml', job));
    const result = await run(['job', 'show', '750Kf00000R1wzRIAR'], { SF_INSTANCE_URL: server.url, SF_ACCESS_TOKEN: 'T' });
    expect(result.code).to.equal(0);
    expect(JSON.parse(result.stdout)).to.include({ id: '750Kf00000R1wzRIAR', state: 'Open' });
    expect(server.requests.at(-1)?.headers['x-sfdc-session']).to.equal('T');
  });

  it('reports an API error in one line with the job id, exit code 1, and never prints the password', async () => {
    server.script((_req, res) => res.writeHead(500, { 'content-type': 'text/xml' }).end(wireFixture('soap_login_fault_jorgevaldivia.xml')));
    const login = await run(['job', 'show', '750Kf00000R1wzRIAR', '--login-url', server.url, '--username', 'u@example.com', '--password', 'hunter2secret']);
    expect(login.code).to.equal(1);
    expect(login.stderr).to.contain('INVALID_LOGIN');
    expect(login.stderr + login.stdout).not.to.contain('hunter2secret');

    server.script(reply(400, 'application/xml', serializeApiError({ exceptionCode: 'InvalidJob', exceptionMessage: 'Unable to find job' }, 'xml')));
    const result = await run(['job', 'close', '750Kf00000R1wzRIAR', '--instance-url', server.url, '--access-token', 'T']);
    expect(result.code).to.equal(1);
    expect(result.stderr.trim()).to.match(/^bulkpipe: InvalidJob: Unable to find job .*\[job 750Kf00000R1wzRIAR\]$/);
  });

  it('server: prints one JSON line, serves clients, logs to stderr, stops cleanly on SIGTERM', async () => {
    const child = startCli(['server', '--port', '0', '--db', ':memory:', '--user', 'cli@example.com:pa:ss', '--user', 'second@example.com:two']);
    let stderr = '';
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    const line = await new Promise<string>((resolve, reject) => {
      let out = '';
      child.stdout.on('data', (c: Buffer) => {
        out += c.toString();
        if (out.includes('\n')) resolve(out.split('\n')[0] as string);
      });
      child.on('exit', () => reject(new Error(`server exited: ${stderr}`)));
    });
    const info = JSON.parse(line) as { loginUrl: string; instanceUrl: string; username: string; password: string };
    expect(info).to.include({ username: 'cli@example.com', password: 'pa:ss' });
    expect(info.loginUrl).to.match(/^http:\/\/127\.0\.0\.1:\d+$/);
    const client = await BulkClient.login({ loginUrl: info.loginUrl, username: info.username, password: info.password });
    const job = await client.createJob({ operation: 'insert', object: 'Account' });
    await client.close();
    // A repeated --user adds a user: both can log in.
    const second = await BulkClient.login({ loginUrl: info.loginUrl, username: 'second@example.com', password: 'two' });
    await second.close();
    const code = await new Promise<number | null>((resolve) => {
      child.on('exit', (c) => resolve(c));
      child.kill('SIGTERM');
    });
    expect(code).to.equal(0);
    expect(stderr).to.contain('POST /services/async/62.0/job 201');
    expect(job.id).to.match(/^750/);
  });

  it('server: rejects a bad --user, --port, --parallelism, --lock-timeout or --transaction-ms with exit code 2', async () => {
    expect((await run(['server', '--user', 'nopassword'])).code).to.equal(2);
    expect((await run(['server', '--port', 'abc'])).code).to.equal(2);
    for (const bad of [
      ['--parallelism', '0'],
      ['--parallelism', '65'],
      ['--lock-timeout', '-1'],
      ['--transaction-ms', '1.5'],
    ]) {
      const result = await run(['server', ...bad]);
      expect(result.code, bad.join(' ')).to.equal(2);
      expect(result.stderr).to.contain(bad[0]);
    }
  });
});
