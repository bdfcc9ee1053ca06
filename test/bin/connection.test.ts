/**
 * Where the CLI connects (bin/connection.ts, bin/sf-org.ts): a refused or silent org fails fast with
 * a hint and in words; a refused token says what to do; a load names the org and user it writes
 * to, and on a terminal asks first (--yes does not); --target-org takes an org the sf CLI has.
 */
import { expect } from 'chai';
import { chmod, mkdir, writeFile } from 'node:fs/promises';
import { createServer as createHttpServer, request as httpRequest } from 'node:http';
import { createServer, type AddressInfo, type Socket } from 'node:net';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { main } from '../../bin/bulkpipe.js';
import type { CliIo } from '../../bin/cli-io.js';
import { runCli } from '../helpers/cli.js';
import { useTestOrg } from '../helpers/local-org.js';
import { useTempDir } from '../helpers/temp-dir.js';

describe('bin: connections', function () {
  this.timeout(60_000);
  const t = useTestOrg();
  const tmp = useTempDir('bulkpipe-connection-');
  const env = (extra: Record<string, string> = {}) => ({ BULKPIPE_HOME: join(tmp.path, 'home'), ...extra });
  beforeEach(async () => {
    await writeFile(join(tmp.path, 'in.csv'), 'Name\nConnected\n');
  });

  it('a refused URL fails in seconds, in words and with what to check', async () => {
    const result = await runCli(['load', 'Account', 'in.csv', '--instance-url', 'http://127.0.0.1:1', '--access-token', 'x'], { cwd: tmp.path, env: env() });
    expect(result.code).to.equal(1);
    expect(result.stderr.trim()).to.equal(
      'bulkpipe: cannot use the org at http://127.0.0.1:1: GET /services/oauth2/userinfo failed: the connection was refused (nothing listens at that address and port) (ECONNREFUSED); check the URL (--instance-url, SF_INSTANCE_URL), the network and any proxy',
    );
  });

  it('a host that never answers: --response-timeout bounds the wait, and no library code shows', async () => {
    const sockets = new Set<Socket>();
    const silent = createServer((socket) => sockets.add(socket));
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    try {
      const url = `http://127.0.0.1:${(silent.address() as AddressInfo).port}`;
      const result = await runCli(['query', 'SELECT Id FROM Account', '--instance-url', url, '--access-token', 'x', '--response-timeout', '1'], { cwd: tmp.path, env: env() });
      expect(result.code).to.equal(1);
      expect(result.stderr).to.contain('no answer within the response timeout').and.not.contain('UND_ERR');
    } finally {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => silent.close(resolve));
    }
  });

  it('a refused token says how to get a new one', async () => {
    const result = await runCli(['load', 'Account', 'in.csv', '--instance-url', t.org.org.instanceUrl, '--access-token', 'not-a-session'], { cwd: tmp.path, env: env() });
    expect(result.code).to.equal(1);
    expect(result.stderr).to.contain(`cannot use the org at ${t.org.org.instanceUrl}`).and.contain('the access token was refused');
  });

  it('a load names the org and user it writes to; --quiet does not', async () => {
    const connection = ['--instance-url', t.org.org.instanceUrl, '--access-token', t.org.session];
    const loud = await runCli(['load', 'Account', 'in.csv', ...connection], { cwd: tmp.path, env: env() });
    expect(loud.code, loud.stderr).to.equal(0);
    expect(loud.stderr.split('\n')[0]).to.match(new RegExp(`^bulkpipe: insert Account into ${t.org.org.instanceUrl} as ${t.org.org.username} \\(org 00D\\w+\\)$`));
    const quiet = await runCli(['load', 'Account', 'in.csv', ...connection, '-q'], { cwd: tmp.path, env: env() });
    expect([quiet.code, quiet.stderr]).to.deep.equal([0, '']);
  });

  describe('on a terminal', () => {
    /** Runs the CLI in-process with a terminal's stdin and stderr, typing `answer`. */
    async function onTerminal(args: string[], answer: string | undefined): Promise<{ code: number; stderr: string }> {
      const stdin = Object.assign(new PassThrough(), { isTTY: true });
      const stderr = Object.assign(new PassThrough(), { isTTY: true, columns: 100 });
      let err = '';
      stderr.on('data', (c: Buffer) => {
        err += c.toString();
        if (answer !== undefined && err.endsWith('Go on? [y/N] ')) stdin.write(`${answer}\n`);
      });
      const io: CliIo = { stdin, stdout: new PassThrough(), stderr, env: env(), signal: new AbortController().signal };
      const cwd = process.cwd();
      process.chdir(tmp.path);
      try {
        return { code: await main(args, io), stderr: err };
      } finally {
        process.chdir(cwd);
      }
    }
    const args = () => ['load', 'Account', 'in.csv', '--instance-url', t.org.org.instanceUrl, '--access-token', t.org.session];

    it('asks before writing to a real org: no is nothing written, yes loads, --yes does not ask', async () => {
      const no = await onTerminal(args(), 'n');
      expect(no.code).to.equal(1);
      expect(no.stderr).to.contain(`insert Account into ${t.org.org.instanceUrl} as ${t.org.org.username}`).and.contain('not confirmed: nothing was written');
      const yes = await onTerminal(args(), 'y');
      expect(yes.code, yes.stderr).to.equal(0);
      expect(yes.stderr).to.contain('1 record read, 1 succeeded');
      const scripted = await onTerminal([...args(), '--yes'], undefined);
      expect(scripted.code, scripted.stderr).to.equal(0);
      expect(scripted.stderr).not.to.contain('Go on?');
    });
  });

  it('an org whose userinfo refuses a session the Bulk API takes: the load goes on, naming no user', async () => {
    // In front of the local org: userinfo answers 401 (a token without the openid scope), everything else passes.
    const target = new URL(t.org.org.instanceUrl);
    const proxy = createHttpServer((req, res) => {
      if (req.url?.startsWith('/services/oauth2/userinfo')) {
        res.writeHead(401, { 'content-type': 'application/json' }).end('[{"message":"Session expired or invalid","errorCode":"INVALID_SESSION_ID"}]');
        return;
      }
      const forward = httpRequest({ host: target.hostname, port: target.port, path: req.url, method: req.method, headers: req.headers }, (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      });
      req.pipe(forward);
    });
    await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
    try {
      const url = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`;
      const result = await runCli(['load', 'Account', 'in.csv', '--instance-url', url, '--access-token', t.org.session], { cwd: tmp.path, env: env() });
      expect(result.code, result.stderr).to.equal(0);
      expect(result.stderr.split('\n')[0]).to.equal(`bulkpipe: insert Account into ${url}`);
      const bad = await runCli(['load', 'Account', 'in.csv', '--instance-url', url, '--access-token', 'not-a-session'], { cwd: tmp.path, env: env() });
      expect(bad.code).to.equal(1);
      expect(bad.stderr).to.contain('the access token was refused');
    } finally {
      proxy.closeAllConnections();
      await new Promise((resolve) => proxy.close(resolve));
    }
  });

  describe('--target-org', () => {
    /** A stand-in for the sf CLI on the PATH, answering `sf org display` with `answer`. */
    async function fakeSf(answer: object, exitCode = 0): Promise<string> {
      const bin = join(tmp.path, 'bin');
      await mkdir(bin, { recursive: true });
      await writeFile(
        join(bin, 'sf'),
        `#!/bin/sh\n[ "$1 $2 $3 $4 $5" = "org display --target-org my-alias --json" ] || { echo '{"status":1,"message":"No org configuration found for name '$4'"}'; exit 1; }\ncat <<'JSON'\n${JSON.stringify(answer)}\nJSON\nexit ${exitCode}\n`,
      );
      await chmod(join(bin, 'sf'), 0o755);
      return `${bin}:${process.env.PATH ?? ''}`;
    }

    it('loads into the org the sf CLI has under that alias; an unknown alias or no sf says so', async () => {
      const PATH = await fakeSf({ status: 0, result: { instanceUrl: t.org.org.instanceUrl, accessToken: t.org.session, username: t.org.org.username } });
      const ok = await runCli(['load', 'Account', 'in.csv', '--target-org', 'my-alias', '--json'], { cwd: tmp.path, env: env({ PATH }) });
      expect(ok.code, ok.stderr).to.equal(0);
      expect(JSON.parse(ok.stdout)).to.include({ recordsSucceeded: 1 });
      const unknown = await runCli(['load', 'Account', 'in.csv', '--target-org', 'other'], { cwd: tmp.path, env: env({ PATH }) });
      expect([unknown.code, unknown.stderr.trim()]).to.deep.equal([
        2,
        'bulkpipe: --target-org other: No org configuration found for name other (sf org list shows the orgs sf knows)',
      ]);
      const both = await runCli(['load', 'Account', 'in.csv', '--target-org', 'my-alias', '--instance-url', 'http://x'], { cwd: tmp.path, env: env({ PATH }) });
      expect(both.stderr.trim()).to.equal("bulkpipe: --target-org and --instance-url do not go together: the org is the sf CLI's");
      const none = await runCli(['load', 'Account', 'in.csv', '--target-org', 'my-alias'], { cwd: tmp.path, env: env({ PATH: '/nonexistent' }) });
      expect(none.code).to.equal(2);
      expect(none.stderr).to.contain('--target-org needs the Salesforce CLI (sf) on the PATH');
    });
  });
});
