/** The CLI's --group-by, --group-window and --no-adaptive-concurrency (built binary, the local org it falls back to). */
import { expect } from 'chai';
import { readFile, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { runCli, type CliRun } from '../helpers/cli.js';
import { useTempDir } from '../helpers/temp-dir.js';

describe('bin/bulkpipe load --group-by (built binary, end to end)', function () {
  this.timeout(60_000);
  const tmp = useTempDir('bulkpipe-cli-group-');
  const cli = (args: string[]): Promise<CliRun> => runCli(args, { cwd: tmp.path, env: { BULKPIPE_HOME: join(tmp.path, 'home') } });

  it('usage errors exit 2 before any job: --group-window without --group-by or out of range, a group-by field that is no input column (did you mean)', async () => {
    await writeFile(join(tmp.path, 'contacts.csv'), 'LastName,Title\nA,x\nB,y\n');
    const without = await cli(['load', 'Contact', 'contacts.csv', '--group-window', '10']);
    expect(without.code, without.stderr).to.equal(2);
    expect(without.stderr).to.contain('--group-window is for --group-by');
    const zero = await cli(['load', 'Contact', 'contacts.csv', '--group-by', 'Title', '--group-window', '0']);
    expect(zero.code, zero.stderr).to.equal(2);
    expect(zero.stderr).to.contain('group-window');
    const typo = await cli(['load', 'Contact', 'contacts.csv', '--group-by', 'Titel', '--quiet']);
    expect(typo.code, typo.stderr).to.equal(2);
    expect(typo.stderr.trim().split('\n').at(-1)).to.equal(
      'bulkpipe: the columns do not fit Contact, so no job was created: the group-by field Titel is not an input column (LastName, Title) (did you mean Title?)',
    );
    expect(await readFile(join(tmp.path, 'home', 'jobs.ndjson'), 'utf8').catch(() => '')).to.equal('');
  });

  it('loads grouped: the outputs in the order sent, sf__Row the input row; --no-adaptive-concurrency is taken', async () => {
    await writeFile(join(tmp.path, 'grouped.csv'), 'LastName,Title\nA,z\nB,a\nC,z\nD,a\n');
    const run = await cli(['load', 'Contact', 'grouped.csv', '--group-by', 'Title', '--no-adaptive-concurrency', '--success', 'ok.csv', '--errors', 'bad.csv']);
    expect(run.code, run.stderr).to.equal(0);
    const ok = parse(await readFile(join(tmp.path, 'ok.csv')), { columns: true }) as Array<Record<string, string>>;
    expect(ok.map((r) => [r.LastName, r.Title, r.sf__Row])).to.deep.equal([
      ['B', 'a', '2'],
      ['D', 'a', '4'],
      ['A', 'z', '1'],
      ['C', 'z', '3'],
    ]);
    expect((await readdir(tmp.path)).filter((f) => f.startsWith('grouped.') && f !== 'grouped.csv')).to.deep.equal([]);
  });

  it('--help names the flags', async () => {
    const help = await cli(['load', '--help']);
    for (const flag of ['--group-by FIELD', '--group-window N', '--no-adaptive-concurrency']) expect(help.stdout).to.contain(flag);
  });
});
