/**
 * A misspelt object through the built CLI (issue 27): load (v1, 2.0, --dry-run, --no-check) and
 * query (v1, 2.0) each say the nearest object in one line and exit 2, leaving no job, no outputs and
 * no ledger; an object named in another case loads. A job create refused after a job of the run was
 * made is no refusal: the org's error, the ledger kept, the resume said.
 */
import { expect } from 'chai';
import { readFile, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { runCli, type CliRun } from '../helpers/cli.js';
import { startTestOrg } from '../helpers/local-org.js';
import { lostObjectProxy } from '../helpers/lost-object-proxy.js';
import { useTempDir } from '../helpers/temp-dir.js';

describe('bin/bulkpipe load and query: an object the org does not have (built binary, end to end)', function () {
  this.timeout(60_000);
  const tmp = useTempDir('bulkpipe-cli-object-');
  const cli = (args: string[]): Promise<CliRun> => runCli(args, { cwd: tmp.path, env: { BULKPIPE_HOME: join(tmp.path, 'home') } });

  it('load and query, v1 and 2.0, dry run and --no-check: "Acount is not an object this user can see in the org (did you mean Account?)", exit 2, no job, no outputs, no ledger', async () => {
    await writeFile(join(tmp.path, 'accounts.csv'), 'Name\nAcme\n');
    const runs = [
      ['load', 'Acount', 'accounts.csv'],
      ['load', 'Acount', 'accounts.csv', '--bulk-api', '2'],
      ['load', 'Acount', 'accounts.csv', '--dry-run'],
      ['load', 'Acount', 'accounts.csv', '--no-check'],
      ['load', 'Acount', 'accounts.csv', '--no-check', '--bulk-api', '2'],
      ['query', 'SELECT Id, Name FROM Acount'],
      ['query', 'SELECT Id, Name FROM Acount', '--bulk-api', '2'],
    ];
    for (const args of runs) {
      const result = await cli([...args, '--quiet']);
      expect(result.code, `${args.join(' ')}: ${result.stderr}`).to.equal(2);
      expect(result.stderr.trim().split('\n'), args.join(' ')).to.deep.equal([
        'bulkpipe: Acount is not an object this user can see in the org (did you mean Account?), so no job was created',
      ]);
      expect(result.stdout, args.join(' ')).to.equal('');
    }
    expect(await readFile(join(tmp.path, 'home', 'jobs.ndjson'), 'utf8').catch(() => '')).to.equal(''); // no job
    expect(await readdir(join(tmp.path, 'home', 'runs')).catch(() => [])).to.deep.equal([]); // no ledger kept
    // The dry run's error file is its output even when nothing is checked; a load leaves none.
    expect((await readdir(tmp.path)).filter((f) => f.startsWith('accounts.') && f !== 'accounts.csv' && !f.includes('dry-run'))).to.deep.equal([]);
  });

  it('a 2.0 job create refused after the run made a job (access lost mid-run): the org error, exit 1, the ledger kept and --resume said', async () => {
    const t = await startTestOrg({ schema: { objects: [{ name: 'Invoice__c', fields: [{ name: 'Total__c', type: 'double' }] }] } });
    const proxy = await lostObjectProxy(t.org.instanceUrl, 'Invoice__c');
    try {
      await writeFile(join(tmp.path, 'in.csv'), `Total__c\n${Array.from({ length: 2000 }, (_, i) => i + 1).join('\n')}\n`);
      const args = ['load', 'Invoice__c', 'in.csv', '--bulk-api', '2', '--job-size', '5000', '--concurrency', '1', '--yes'];
      const result = await cli([...args, '--instance-url', proxy.url, '--access-token', t.session]);
      expect(proxy.creates()).to.equal(2);
      expect(result.code, result.stderr).to.equal(1);
      expect(result.stderr).to.match(/^bulkpipe: INVALIDJOB: InvalidJob : Unable to find object: Invoice__c .*\[job 750\w+\]$/m);
      expect(result.stderr).to.match(/^bulkpipe: the ledger is kept: finish the load with: bulkpipe load --resume 750\w+$/m);
      expect(result.stderr).not.to.include('no job was created');
      expect(await readdir(join(tmp.path, 'home', 'runs'))).to.have.length(1);
    } finally {
      await proxy.close();
      await t.close();
    }
  });

  it('an object named in another case is the object (Salesforce reads names regardless of case)', async () => {
    await writeFile(join(tmp.path, 'accounts.csv'), 'Name\nAcme\n');
    const load = await cli(['load', 'account', 'accounts.csv', '--quiet']);
    expect(load.code, load.stderr).to.equal(0);
    const query = await cli(['query', 'SELECT Name FROM ACCOUNT', '--quiet']);
    expect(query.code, query.stderr).to.equal(0);
    expect(query.stdout).to.equal('"Name"\n"Acme"\n');
  });
});
