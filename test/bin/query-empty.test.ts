/**
 * `bulkpipe query` of a SOQL that matches no row, through the built CLI (issue 27): the CSV output
 * (stdout or -o) is the header line, v1 and 2.0; NDJSON is empty and JSON is [].
 */
import { expect } from 'chai';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { runCli, type CliRun } from '../helpers/cli.js';
import { useTempDir } from '../helpers/temp-dir.js';

describe('bin/bulkpipe query: no row matches (built binary, end to end)', function () {
  this.timeout(60_000);
  const tmp = useTempDir('bulkpipe-cli-query-empty-');
  const cli = (args: string[]): Promise<CliRun> => runCli(args, { cwd: tmp.path, env: { BULKPIPE_HOME: join(tmp.path, 'home') } });
  const SOQL = "SELECT Id, Name, Owner.Name FROM Account WHERE Name = 'nobody'";

  for (const api of ['1', '2']) {
    it(`--bulk-api ${api}: CSV to stdout and to a file is the header line; NDJSON is empty, JSON is []`, async () => {
      const stdout = await cli(['query', SOQL, '--bulk-api', api, '--quiet']);
      expect(stdout.code, stdout.stderr).to.equal(0);
      expect(stdout.stdout).to.equal('"Id","Name","Owner.Name"\n');
      const file = await cli(['query', SOQL, '--bulk-api', api, '-o', 'out.csv']);
      expect(file.code, file.stderr).to.equal(0);
      expect(file.stderr.trim().split('\n').at(-1)).to.match(/: 0 rows in .*written to out\.csv$/);
      expect(await readFile(join(tmp.path, 'out.csv'), 'utf8')).to.equal('"Id","Name","Owner.Name"\n');
      const ndjson = await cli(['query', SOQL, '--bulk-api', api, '--format', 'ndjson', '-o', 'out.ndjson', '--quiet']);
      expect(ndjson.code, ndjson.stderr).to.equal(0);
      expect(await readFile(join(tmp.path, 'out.ndjson'), 'utf8')).to.equal('');
      const json = await cli(['query', SOQL, '--bulk-api', api, '--format', 'json', '--quiet']);
      expect(json.code, json.stderr).to.equal(0);
      expect(JSON.parse(json.stdout)).to.deep.equal([]);
    });
  }
});
