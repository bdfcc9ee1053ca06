/**
 * The CLI's conventions (issue 16), on the built binary: -h/--help and -q on every command and
 * `bulkpipe help <command>`; one usage-error style with a did-you-mean; `--flag value` and
 * `--flag=value` alike; `--json` prints only JSON; singular and plural; a reader that goes away
 * ends `job results` quietly; and the README's commands and flags are the ones --help gives.
 */
import { expect } from 'chai';
import { readFile, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runCli, startCli, type CliRun } from '../helpers/cli.js';
import { FaultProxy, RESULT } from '../helpers/fault-proxy.js';
import { useTestOrg } from '../helpers/local-org.js';
import { useTempDir } from '../helpers/temp-dir.js';

const COMMANDS = ['load', 'query', 'job', 'server', 'bench', 'limits'] as const;
const README = fileURLToPath(new URL('../../README.md', import.meta.url));
/** Flags of other tools the README shows (`node --import tsx`, `sf ... --no-prompt`). */
const OTHER_TOOLS = new Set(['--import', '--no-prompt']);

describe('bin: conventions', function () {
  this.timeout(60_000);
  const t = useTestOrg();
  const tmp = useTempDir('bulkpipe-conventions-');
  const cli = (args: string[], stdin?: string): Promise<CliRun> =>
    runCli(args, { cwd: tmp.path, env: { BULKPIPE_HOME: join(tmp.path, 'home') }, ...(stdin !== undefined ? { stdin } : {}) });
  const helps = new Map<string, string>();
  before(async () => {
    for (const command of COMMANDS) helps.set(command, (await runCli([command, '--help'])).stdout);
    helps.set('', (await runCli(['--help'])).stdout);
  });

  it('every command takes -h and --help, and bulkpipe help <command> gives the same', async () => {
    for (const command of COMMANDS) {
      const short = await cli([command, '-h']);
      const named = await cli(['help', command]);
      expect([short.code, named.code], command).to.deep.equal([0, 0]);
      expect(short.stdout, command).to.match(new RegExp(`^Usage: bulkpipe ${command}`));
      expect(short.stdout).to.equal(helps.get(command));
      expect(named.stdout).to.equal(helps.get(command));
      expect(helps.get(command), command).to.contain('-h, --help');
    }
    expect((await cli(['help'])).stdout).to.equal(helps.get(''));
  });

  it('one usage-error style, with a did-you-mean, for unknown options and commands', async () => {
    const cases: Array<[string[], string]> = [
      [['load', 'Account', 'a.csv', '--opration', 'upsert'], 'bulkpipe: load: unknown option --opration (did you mean --operation?) (see bulkpipe load --help)'],
      [['query', 'SELECT Id FROM Account', '--fromat', 'csv'], 'bulkpipe: query: unknown option --fromat (did you mean --format?) (see bulkpipe query --help)'],
      [['job', 'list', '--limt', '3'], 'bulkpipe: job: unknown option --limt (did you mean --limit?) (see bulkpipe job --help)'],
      [['server', '--prot', '0'], 'bulkpipe: server: unknown option --prot (did you mean --port?) (see bulkpipe server --help)'],
      [['bench', '--row', '10'], 'bulkpipe: bench: unknown option --row (did you mean --rows?) (see bulkpipe bench --help)'],
      [['load', 'Account', 'a.csv', '--zzz'], 'bulkpipe: load: unknown option --zzz (see bulkpipe load --help)'],
      [['load', 'Account', 'a.csv', '--success'], 'bulkpipe: load: --success needs a value (see bulkpipe load --help)'],
      [['load', 'Account', 'a.csv', '--serial=yes'], 'bulkpipe: load: --serial takes no value (see bulkpipe load --help)'],
      [['lod', 'Account'], 'bulkpipe: unknown command "lod" (did you mean load?) (see bulkpipe --help)'],
      [['--verison'], 'bulkpipe: unknown option --verison (did you mean --version?) (see bulkpipe --help)'],
    ];
    for (const [args, message] of cases) {
      const result = await cli(args);
      expect([result.code, result.stderr.trim()], args.join(' ')).to.deep.equal([2, message]);
    }
  });

  it('--flag value and --flag=value alike (--pk-chunking too); -q and --json print nothing but errors and the JSON', async () => {
    await writeFile(join(tmp.path, 'one.csv'), 'Name\nOne\n');
    const spaced = await cli(['load', 'Account', 'one.csv', '--batch-size', '5', '--json']);
    const joined = await cli(['load', 'Account', 'one.csv', '--batch-size=5', '--json']);
    for (const result of [spaced, joined]) {
      expect(result.code, result.stderr).to.equal(0);
      expect(JSON.parse(result.stdout)).to.include({ recordsRead: 1, recordsSucceeded: 1 });
      expect(result.stderr).to.equal('');
    }
    const quiet = await cli(['load', 'Account', 'one.csv', '-q']);
    expect([quiet.code, quiet.stdout, quiet.stderr]).to.deep.equal([0, '', '']);
    const loud = await cli(['load', 'Account', 'one.csv']);
    expect(loud.stderr).to.match(/: 1 record read, 1 succeeded, 0 failed .*1 batch\)/);
    const chunked = await cli(['query', 'SELECT Id FROM Account', '--pk-chunking', '50000', '-o', 'ids.csv', '--json']);
    expect(chunked.code, chunked.stderr).to.equal(0);
    expect(JSON.parse(chunked.stdout)).to.include({ rows: 4, object: 'Account' });
    expect(chunked.stderr).to.equal('');
    expect((await readFile(join(tmp.path, 'ids.csv'), 'utf8')).trim().split('\n')).to.have.length(5);
    const bare = await cli(['query', 'SELECT Id FROM Account', '--pk-chunking', '-q']);
    expect([bare.code, bare.stderr]).to.deep.equal([0, '']);
    expect(bare.stdout.trim().split('\n')).to.have.length(5);
  });

  it('- means stdout for --success, --errors, --results and -o, once the load completes; one of them at most', async () => {
    await writeFile(join(tmp.path, 'mixed.csv'), 'Name,NumberOfEmployees\nGood,1\nBad,many\n');
    const errors = await cli(['load', 'Account', 'mixed.csv', '--errors', '-', '-q']);
    expect(errors.code).to.equal(3);
    expect(errors.stdout).to.match(/^Name,NumberOfEmployees,sf__Error,sf__Row,sf__Attempts\nBad,many,"INVALID_FIELD:.*",2,1\n$/);
    const success = await cli(['load', 'Account', 'mixed.csv', '--success', '-', '--json']);
    expect(success.stdout).to.match(/^Name,NumberOfEmployees,sf__Id,sf__Created,sf__Row,sf__Attempts\nGood,1,001\w{15},true,1,1\n$/);
    expect(JSON.parse(success.stderr)).to.include({ successPath: 'stdout', recordsSucceeded: 1 }); // the JSON moves to stderr
    const results = await cli(['load', 'Account', 'mixed.csv', '--results', '-', '-q']);
    expect(
      results.stdout
        .trim()
        .split('\n')
        .map((l) => (JSON.parse(l) as { row: number; success: boolean }).success),
    ).to.deep.equal([true, false]);
    const two = await cli(['load', 'Account', 'mixed.csv', '--success', '-', '--errors', '-']);
    expect([two.code, two.stderr.trim()]).to.deep.equal([2, 'bulkpipe: load: only one of --success, --errors and --results can be - (stdout)']);
    const query = await cli(['query', "SELECT Name FROM Account WHERE Name = 'Good'", '-o', '-', '-q']);
    expect(query.stdout.trim().split('\n')[1]).to.equal('"Good"');
    const files = await readdir(tmp.path);
    expect(files).not.to.include('-');
    expect(files.filter((f) => f.includes('.partial'))).to.deep.equal([]);
  });

  it('a load with --errors - that is killed: its resume prints every error row once, those of both runs', async () => {
    const proxy = await new FaultProxy(t.org.org.instanceUrl).start();
    try {
      const lines = Array.from({ length: 60 }, (_, i) => `Killed ${i + 1},${(i + 1) % 7 === 0 ? 'x' : i + 1}`);
      await writeFile(join(tmp.path, 'kill.csv'), `Name,NumberOfEmployees\n${lines.join('\n')}\n`);
      const connection = ['--instance-url', proxy.url, '--access-token', t.org.session, '--poll-interval', '20'];
      proxy.rule = (r) => (RESULT(r) && r.n === 3 ? 'hold' : 'pass');
      const child = startCli(['load', 'Account', 'kill.csv', '--batch-size', '10', '--errors', '-', '-q', ...connection], {
        cwd: tmp.path,
        env: { BULKPIPE_HOME: join(tmp.path, 'home') },
      });
      child.stdin.end();
      let first = '';
      child.stdout.on('data', (c: Buffer) => (first += c.toString()));
      const exited = new Promise<void>((resolve) => child.on('close', () => resolve()));
      await proxy.whenHeld((r) => RESULT(r) && r.n === 3);
      child.kill('SIGKILL');
      await exited;
      proxy.rule = () => 'pass';
      proxy.releaseHeld();
      expect(first).to.equal(''); // nothing on stdout before the load completes
      const resumed = await cli(['load', '--resume', ...connection]);
      expect(resumed.code, resumed.stderr).to.equal(3);
      const rows = resumed.stdout.trim().split('\n');
      expect(rows[0]).to.equal('Name,NumberOfEmployees,sf__Error,sf__Row,sf__Attempts');
      expect(rows.slice(1).map((r) => Number(r.split(',').at(-2)))).to.deep.equal([7, 14, 21, 28, 35, 42, 49, 56]);
      expect((await readdir(tmp.path)).filter((f) => f.includes('.partial'))).to.deep.equal([]);
    } finally {
      await proxy.close();
    }
  });

  it('job results | head: the reader going away ends it quietly', async () => {
    const rows = Array.from({ length: 3000 }, (_, i) => `Row ${i}`).join('\n');
    const load = await cli(['load', 'Account', '-', '--json'], `Name\n${rows}\n`);
    const { jobId } = JSON.parse(load.stdout) as { jobId: string };
    const child = startCli(['job', 'results', jobId], { cwd: tmp.path, env: { BULKPIPE_HOME: join(tmp.path, 'home') } });
    child.stdin.end();
    let stderr = '';
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.stdout.once('data', () => child.stdout.destroy());
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    expect(stderr.split('\n').filter((l) => l && !l.includes('local org'))).to.deep.equal([]);
    expect(code).to.equal(0);
  });

  it("the README's commands and flags are the ones --help gives", async () => {
    const readme = await readFile(README, 'utf8');
    const allHelp = [...helps.values()].join('\n');
    for (const line of readme.split('\n')) {
      for (const flag of line.match(/--[a-z][a-z0-9-]*/g) ?? []) {
        if (!OTHER_TOOLS.has(flag)) expect(allHelp, `README: ${line}`).to.match(new RegExp(`${flag}\\b`));
      }
      // A command line of the README: its flags are that command's.
      const command = /\bbulkpipe (load|query|job|server|bench|limits)\b/.exec(line)?.[1];
      if (!command) continue;
      const help = helps.get(command) as string;
      const after = line.slice(line.indexOf(`bulkpipe ${command}`));
      for (const flag of after.match(/(?<![\w-])--[a-z][a-z0-9-]*/g) ?? []) {
        if (!OTHER_TOOLS.has(flag)) expect(help, `bulkpipe ${command} ${flag} (README: ${line})`).to.match(new RegExp(`${flag}\\b`));
      }
    }
    // The job actions the README names.
    for (const action of ['list', 'runs', 'clean', 'show', 'close', 'abort', 'batches', 'results']) expect(helps.get('job'), action).to.match(new RegExp(`^  ${action}\\b`, 'm'));
    expect(readme).not.to.match(/bulkpipe job [^\n]*\bresult 750/); // the action is `results`
  });
});
