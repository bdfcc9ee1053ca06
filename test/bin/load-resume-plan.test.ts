/**
 * `bulkpipe load --resume` takes the load's plan from its ledger (pipelines/load-plan.ts): a flag
 * that shapes the load is refused beside it (exit 2, naming the flag), and a ledger written before
 * the plan was stored whole (version 1) is resumed by the CLI as it is by the library.
 */
import { expect } from 'chai';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { BulkClient } from '../../lib/http/client.js';
import { LEDGER_FILE, readLedger } from '../../lib/load/load-ledger.js';
import { bulkLoad } from '../../pipelines/bulk-load.js';
import { runCli } from '../helpers/cli.js';
import { rejection } from '../helpers/fixtures.js';
import { FaultProxy, RESULT } from '../helpers/fault-proxy.js';
import { useTestOrg } from '../helpers/local-org.js';
import { useTempDir } from '../helpers/temp-dir.js';

describe('bin/load --resume and the load plan (built binary)', function () {
  this.timeout(60_000);
  const tmp = useTempDir('bulkpipe-resume-plan-');
  const env = () => ({ BULKPIPE_HOME: join(tmp.path, 'home') });

  it('refuses a flag that shapes the load beside --resume, naming it (exit 2), before connecting', async () => {
    for (const flags of [['--batch-size', '5'], ['--serial'], ['--success', 'ok.csv'], ['--map', 'A=Name'], ['--operation', 'update'], ['--time-zone', 'UTC']]) {
      const result = await runCli(['load', '--resume', ...flags, '--instance-url', 'http://127.0.0.1:9', '--access-token', 'x'], { cwd: tmp.path, env: env() });
      expect(result.code, result.stderr).to.equal(2);
      expect(result.stderr).to.contain(`--resume goes on with the options the load began with; ${flags[0]} cannot change them`);
    }
  });

  it('refuses a run setting out of range under its flag (exit 2) before connecting, a dry run too; with no org given, the local org is never started', async () => {
    await writeFile(join(tmp.path, 'x.csv'), 'Name\nA\n');
    for (const flags of [
      ['--concurrency', '99'],
      ['--poll-interval', '-1'],
      ['--concurrency', '0', '--dry-run'],
    ]) {
      const unreachable = await runCli(['load', 'Account', 'x.csv', ...flags, '--instance-url', 'http://127.0.0.1:9', '--access-token', 'x'], { cwd: tmp.path, env: env() });
      expect(unreachable.code, unreachable.stderr).to.equal(2);
      expect(unreachable.stderr).to.contain(flags[0]);
      const local = await runCli(['load', 'Account', 'x.csv', ...flags, '--quiet'], { cwd: tmp.path, env: env() });
      expect(local.code, local.stderr).to.equal(2);
    }
  });

  describe('through the local org', () => {
    const t = useTestOrg();

    it('resumes a version 1 ledger (written before the plan was stored whole) to exactly-once outputs', async () => {
      const input = join(tmp.path, 'in.csv');
      const names = Array.from({ length: 35 }, (_, i) => `RPV1-${i + 1}`);
      await writeFile(input, `Name\n${names.join('\n')}\n`);
      const ledgerDir = join(env().BULKPIPE_HOME, 'runs', '20261206T230000Z-1');
      const proxy = await new FaultProxy(t.org.org.instanceUrl).start();
      const cut = new BulkClient({ instanceUrl: proxy.url, accessToken: t.org.session, retry: { maxElapsedMs: 300, minDelayMs: 5, maxDelayMs: 50 } });
      const successPath = join(tmp.path, 'ok.csv');
      try {
        proxy.rule = (r) => (RESULT(r) && r.n >= 2 ? 'cut' : 'pass');
        const base = {
          client: cut,
          input,
          format: 'csv' as const,
          object: 'Account',
          operation: 'insert' as const,
          batchSize: 10,
          // As bulkpipe loaded before it retried records: no attempts column in the outputs.
          retryRecords: 0,
          successPath,
          errorPath: join(tmp.path, 'bad.csv'),
        };
        await rejection(bulkLoad({ ...base, ledgerDir, org: t.org.org.instanceUrl, minPollIntervalMs: 10, maxPollIntervalMs: 50 }));
      } finally {
        await cut.close();
        await proxy.close();
      }
      // The run line as bulkpipe wrote it before version 2.
      const file = join(ledgerDir, LEDGER_FILE);
      const [first, ...rest] = (await readFile(file, 'utf8')).split('\n');
      const { shape, inputFile, ...line } = JSON.parse(first as string) as { shape: Record<string, unknown>; inputFile: object };
      const { input: path, ...fields } = shape;
      await writeFile(file, [JSON.stringify({ ...line, version: 1, ...fields, input: { path, ...inputFile } }), ...rest].join('\n'));
      const result = await runCli(['load', '--resume', '--quiet', '--instance-url', t.org.org.instanceUrl, '--access-token', t.org.session, '--poll-interval', '20'], {
        cwd: tmp.path,
        env: env(),
      });
      expect(result.code, result.stderr).to.equal(0);
      const ok = parse(await readFile(successPath), { columns: true }) as Array<Record<string, string>>;
      expect(ok.map((r) => r.Name)).to.deep.equal(names);
      expect(await rejection(readLedger(ledgerDir))).to.include({ code: 'BULK_LEDGER' }); // finished, and its folder removed
    });
  });
});
