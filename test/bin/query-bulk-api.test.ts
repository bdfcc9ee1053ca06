/**
 * `bulkpipe query --bulk-api 2` through the built binary, against the local org it falls back to:
 * the same output as --bulk-api 1, the summary in pages, `| head` quiet, and the flag's usage errors.
 */
import { expect } from 'chai';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli, startCli, type CliRun } from '../helpers/cli.js';

describe('bin/bulkpipe query --bulk-api (built binary, end to end)', function () {
  this.timeout(60_000);
  // One folder (and so one local org) for the whole block: the rows are loaded once.
  const tmp = { path: '' };
  const env = () => ({ BULKPIPE_HOME: join(tmp.path, 'home') });
  const cli = (args: string[], stdin?: string): Promise<CliRun> => runCli(args, { cwd: tmp.path, env: env(), ...(stdin !== undefined ? { stdin } : {}) });
  const ROWS = 30_000;

  before(async () => {
    tmp.path = await mkdtemp(join(tmpdir(), 'bulkpipe-cli-q2-'));
    const many = Array.from({ length: ROWS }, (_, i) => `Many ${i},${i}`).join('\n');
    const load = await cli(['load', 'Account', '-', '--quiet'], `Name,NumberOfEmployees\n${many}\n`);
    expect(load.code, load.stderr).to.equal(0);
  });

  after(async () => {
    if (tmp.path) await rm(tmp.path, { recursive: true, force: true });
  });

  it('--bulk-api 2 writes what --bulk-api 1 writes, in every format; the summary counts pages', async () => {
    for (const format of ['csv', 'ndjson', 'json']) {
      const soql = "SELECT Id, Name, NumberOfEmployees FROM Account WHERE Name LIKE 'Many 1%' ORDER BY Name";
      const v1 = await cli(['query', soql, '--format', format, '--quiet']);
      const v2 = await cli(['query', soql, '--format', format, '--bulk-api', '2', '--max-records', '1000', '--json']);
      expect(v2.code, v2.stderr).to.equal(0);
      expect(v2.stdout, format).to.equal(v1.stdout);
      const summary = JSON.parse(v2.stderr.trim().split('\n').at(-1) as string) as { bulkApi: number; rows: number; batches: number };
      expect(summary).to.include({ bulkApi: 2, rows: 11_111 });
      expect(summary.batches).to.equal(12); // 11,111 rows in pages of 1,000
    }
  });

  it('| head: a stdout closed early ends the 2.0 run quietly with exit 0', async () => {
    const child = startCli(['query', 'SELECT Id, Name, NumberOfEmployees FROM Account', '--bulk-api', '2', '--quiet'], { cwd: tmp.path, env: env() });
    child.stdin.end();
    let stderr = '';
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    let head = '';
    await new Promise<void>((resolve) => {
      child.stdout.on('data', (c: Buffer) => {
        head += c.toString();
        if (head.split('\n').length > 5) {
          child.stdout.destroy(); // what `head -5` does once it has its lines
          resolve();
        }
      });
    });
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    expect(code, stderr).to.equal(0);
    expect(stderr).to.equal('');
    expect(head.split('\n')[0]).to.equal('"Id","Name","NumberOfEmployees"');
  });

  it('usage errors: --bulk-api other than 1 or 2, --pk-chunking with 2, --max-records with 1', async () => {
    for (const [args, message] of [
      [['--bulk-api', '3'], '--bulk-api expects 1 or 2, got "3"'],
      [['--bulk-api', '2', '--pk-chunking'], '--pk-chunking is for Bulk API 1'],
      [['--max-records', '10'], '--max-records is for --bulk-api 2'],
      [['--bulk-api', '2', '--max-records', '0'], '--max-records expects a whole number from 1 to 1000000'],
    ] as const) {
      const run = await cli(['query', 'SELECT Id FROM Account', ...args]);
      expect(run.code, run.stderr).to.equal(2);
      expect(run.stderr).to.contain(message);
    }
    const help = await cli(['query', '--help']);
    expect(help.stdout).to.contain('--bulk-api 1|2');
  });
});
