/** `bulkpipe bench` end to end (built binary, a fresh local org per run in a child process). */
import { expect } from 'chai';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { runCli } from '../helpers/cli.js';
import { useTempDir } from '../helpers/temp-dir.js';

describe('bin/bulkpipe bench (built binary, end to end)', function () {
  // Each run starts an org process of its own: a loaded machine makes that slow, never wrong.
  this.timeout(180_000);
  const tmp = useTempDir('bulkpipe-bench-cli-');
  const env = () => ({ BULKPIPE_HOME: join(tmp.path, 'home'), TMPDIR: tmp.path });

  it('sweeps synthetic records over batch sizes and concurrencies: JSON with every run, and an HTML report', async () => {
    const result = await runCli(['bench', '--rows', '900', '--batch-size', '300,900', '--concurrency', '1,2', '--gzip', 'on,off', '--json', '--report', 'r.html'], {
      env: env(),
      cwd: tmp.path,
    });
    expect(result.code, result.stderr).to.equal(0);
    const report = JSON.parse(result.stdout) as {
      object: string;
      input: string;
      runs: Array<Record<string, unknown> & { settings: Record<string, unknown>; batchLatencyMs: Record<string, unknown>; stageSeconds: Record<string, unknown> }>;
    };
    expect(report).to.include({ object: 'Account', input: '900 synthetic Account records' });
    expect(report.runs).to.have.length(8);
    expect(report.runs.map((r) => `${r.settings.batchSize}/${r.settings.concurrency}/${r.settings.gzip}`)).to.deep.equal([
      '300/1/true',
      '300/1/false',
      '300/2/true',
      '300/2/false',
      '900/1/true',
      '900/1/false',
      '900/2/true',
      '900/2/false',
    ]);
    for (const run of report.runs) {
      expect(run).to.include.keys(
        'records',
        'succeeded',
        'failed',
        'seconds',
        'recordsPerSecond',
        'megabytesPerSecond',
        'cpuSeconds',
        'peakRssMb',
        'rssAtStartMb',
        'apiRequests',
        'timeline',
        'jobId',
      );
      expect(run).to.include({ records: 900, succeeded: 900, failed: 0 });
      expect(run.batchLatencyMs).to.have.keys('upload', 'queued', 'processing', 'apiActive');
      expect(run.stageSeconds).to.have.keys('cut', 'upload', 'org', 'joinAndWrite');
    }
    const html = await readFile(join(tmp.path, 'r.html'), 'utf8');
    expect(html.match(/<svg class="chart"/g)).to.have.length(5);
    // The headline, computed from these runs: the fastest setting is the one with the highest mean records/s.
    // Each setting ran once here.
    const flagsOf = (settings: Record<string, unknown>) => `--batch-size ${settings.batchSize} --concurrency ${settings.concurrency} --gzip ${settings.gzip ? 'on' : 'off'}`;
    const top = report.runs.reduce((a, r) => ((r.recordsPerSecond as number) > (a.recordsPerSecond as number) ? r : a));
    const fastest = flagsOf(top.settings);
    expect(html).to.match(/<p class="best">Best(, tied at [^:]+)?: <code>--batch-size/);
    expect(html.replace(/<\/?code>/g, ''), fastest).to.include(fastest);
    // Each run had an org of its own, in a temporary folder, gone afterwards; the home's org was never touched.
    const { readdir } = await import('node:fs/promises');
    expect((await readdir(tmp.path)).filter((n) => n.startsWith('bulkpipe-bench-'))).to.deep.equal([]);
  });

  it('a file as input, a table on stdout and the best setting on stderr; --bulk-api 1,2 adds a 2.0 run (CSV, gzip)', async () => {
    await writeFile(join(tmp.path, 'in.csv'), `Name,NumberOfEmployees\n${Array.from({ length: 400 }, (_, i) => `N${i},${i}`).join('\n')}\n`);
    const result = await runCli(['bench', 'in.csv', '--batch-size', '200', '--content-type', 'csv,json', '--bulk-api', '1,2'], { env: env(), cwd: tmp.path });
    expect(result.code, result.stderr).to.equal(0);
    // After the table, on stderr: the best setting, named by the flags the sweep varied.
    expect(result.stderr).to.match(/\nbulkpipe: bench: Best(, tied at [^:]+)?: --(bulk-api|content-type) [^\n]+\.\n$/);
    const lines = result.stdout.trim().split('\n');
    expect(lines).to.have.length(4);
    expect(lines[1]).to.match(/^1\s+200\s+4\s+CSV\s+off\s+no\s+1\s+400\s/);
    expect(lines[2]).to.match(/^1\s+200\s+4\s+JSON\s+off\s+no\s+1\s+400\s/);
    expect(lines[3]).to.match(/^2\s+200\s+4\s+CSV\s+on\s+no\s+1\s+400\s/);
  });

  it("a configured org, with --yes: the runs go there and each run's records are hard-deleted after it", async () => {
    const { startOrgProcess } = await import('../../bin/org-process.js');
    const { BulkClient } = await import('../../lib/http/client.js');
    const { bulkQuery } = await import('../../pipelines/bulk-query.js');
    const org = await startOrgProcess(join(tmp.path, 'configured.db'), 0, 'ignore');
    try {
      const connection = { SF_LOGIN_URL: org.loginUrl, SF_USERNAME: org.username, SF_PASSWORD: org.password };
      const result = await runCli(['bench', '--rows', '500', '--batch-size', '250', '--runs', '2', '--yes', '--json'], { env: { ...env(), ...connection }, cwd: tmp.path });
      expect(result.code, result.stderr).to.equal(0);
      expect((JSON.parse(result.stdout) as { runs: unknown[] }).runs).to.have.length(2);
      const client = await BulkClient.login({ loginUrl: org.loginUrl, username: org.username, password: org.password });
      try {
        // queryAll: a delete would leave the records in the recycle bin; hardDelete leaves nothing.
        let text = '';
        for await (const chunk of bulkQuery({ client, soql: 'SELECT Id FROM Account', all: true, minPollIntervalMs: 20 })) text += String(chunk);
        expect(
          text
            .trim()
            .split('\n')
            .filter((l) => l !== '' && l !== 'Id' && l !== '"Id"'),
        ).to.deep.equal([]);
      } finally {
        await client.close();
      }
    } finally {
      await org.stop();
    }
  });

  it('refuses to write to a configured org without --yes, and bad sweep values, before anything runs', async () => {
    const real = await runCli(['bench', '--rows', '10'], { env: { ...env(), SF_INSTANCE_URL: 'https://example.my.salesforce.com', SF_ACCESS_TOKEN: 'x' }, cwd: tmp.path });
    expect(real.code).to.equal(2);
    expect(real.stderr).to.include('only with --yes');
    for (const bad of [
      ['--gzip', 'maybe'],
      ['--batch-size', '0'],
      ['--concurrency', '99'],
      ['--content-type', 'YAML'],
      ['--runs', '0'],
    ]) {
      expect((await runCli(['bench', ...bad], { env: env(), cwd: tmp.path })).code, bad.join(' ')).to.equal(2);
    }
  });
});
