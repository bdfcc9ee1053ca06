/** gzip input through the CLI (issue 16): by extension and by magic bytes, in every format, from a file or stdin, loads and dry runs alike. */
import { expect } from 'chai';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { parse } from 'csv-parse/sync';
import { runCli, type CliRun } from '../helpers/cli.js';
import { useTempDir } from '../helpers/temp-dir.js';

const FORMATS = {
  'accounts.csv': 'Name,NumberOfEmployees\nGz A,1\nGz B,many\n',
  'accounts.ndjson': '{"Name":"Gz A","NumberOfEmployees":1}\n{"Name":"Gz B","NumberOfEmployees":"many"}\n',
  'accounts.json': '[{"Name":"Gz A","NumberOfEmployees":1},{"Name":"Gz B","NumberOfEmployees":"many"}]',
  'accounts.xml':
    '<sObjects><sObject><Name>Gz A</Name><NumberOfEmployees>1</NumberOfEmployees></sObject><sObject><Name>Gz B</Name><NumberOfEmployees>many</NumberOfEmployees></sObject></sObjects>',
};

describe('bin: gzip input', function () {
  this.timeout(60_000);
  const tmp = useTempDir('bulkpipe-gzip-');
  const cli = (args: string[], stdin?: Buffer): Promise<CliRun> => runCli(args, { cwd: tmp.path, env: { BULKPIPE_HOME: join(tmp.path, 'home') }, ...(stdin ? { stdin } : {}) });
  const rows = async (name: string) => parse(await readFile(join(tmp.path, name)), { columns: true }) as Array<Record<string, string>>;

  for (const [name, text] of Object.entries(FORMATS)) {
    it(`loads ${name}.gz, and the same bytes under the plain name (told by their magic)`, async () => {
      await writeFile(join(tmp.path, `${name}.gz`), gzipSync(text));
      const byName = await cli(['load', 'Account', `${name}.gz`, '--success', 'ok.csv', '--errors', 'bad.csv', '--json']);
      expect(byName.code, byName.stderr).to.equal(3);
      expect(JSON.parse(byName.stdout)).to.include({ recordsRead: 2, recordsSucceeded: 1, recordsFailed: 1 });
      expect((await rows('ok.csv')).map((r) => r.Name)).to.deep.equal(['Gz A']);
      expect((await rows('bad.csv')).map((r) => [r.Name, r.sf__Row])).to.deep.equal([['Gz B', '2']]);
      await writeFile(join(tmp.path, name), gzipSync(text));
      const byMagic = await cli(['load', 'Account', name, '--json']);
      expect(byMagic.code, byMagic.stderr).to.equal(3);
      expect(JSON.parse(byMagic.stdout)).to.include({ recordsRead: 2, recordsSucceeded: 1 });
    });
  }

  it('reads gzip from stdin, and a dry run reads it too; default outputs are named without .gz', async () => {
    const piped = await cli(['load', 'Account', '-', '--format', 'ndjson', '--json'], gzipSync(FORMATS['accounts.ndjson']));
    expect(piped.code, piped.stderr).to.equal(3);
    expect(JSON.parse(piped.stdout)).to.include({ recordsRead: 2, recordsSucceeded: 1 });
    const semicolons = gzipSync('Name;NumberOfEmployees\nSemi;3\n');
    await writeFile(join(tmp.path, 'semi.csv.gz'), semicolons);
    const dry = await cli(['load', 'Account', 'semi.csv.gz', '--dry-run']);
    expect(dry.code, dry.stderr).to.equal(0);
    expect(dry.stderr).to.contain('separated by ";"').and.contain('1 record read, 1 would be uploaded');
    const load = await cli(['load', 'Account', 'semi.csv.gz', '--json']);
    const summary = JSON.parse(load.stdout) as { successPath: string; jobId: string };
    expect(summary.successPath).to.equal(join(tmp.path, `semi.${summary.jobId}.success.csv`));
  });
});
