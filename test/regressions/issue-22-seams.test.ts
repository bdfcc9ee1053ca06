/**
 * Issue 22, where its parts meet (found in review of the merged change): a stop that comes when
 * nothing is left to read changes nothing; a new run given the folder of an abandoned load leaves
 * that load's outputs as they are, so that its resume still completes it; a full disk while
 * rejected records are spooled keeps the ledger open for the resume. Each ends with every input
 * row once in the outputs and the org holding exactly the successes.
 */
import { execFileSync } from 'node:child_process';
import { expect } from 'chai';
import { mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { readLedger } from '../../lib/load/load-ledger.js';
import { bulkLoad, type BulkLoadOptions, type LoadBatchEvent } from '../../pipelines/bulk-load.js';
import { runCli } from '../helpers/cli.js';
import { useTestOrg } from '../helpers/local-org.js';
import { useTempDir } from '../helpers/temp-dir.js';
import { namesInOrg } from '../helpers/org-query.js';

type Row = Record<string, string>;
const csvRows = (text: string) => parse(text, { columns: true, bom: true }) as Row[];

describe('regressions/issue-22: the seams between stops, ledgers and the disk', function () {
  this.timeout(120_000);
  const t = useTestOrg();
  const tmp = useTempDir('bulkpipe-issue22-seams-');
  let serial = 0;

  /** A CSV of `rows` Accounts under a prefix of its own, and the options of its load with a ledger. */
  async function load(rows: number, line: (prefix: string, row: number) => string = (p, n) => `${p}${n},${n}`, folder = tmp.path) {
    const prefix = `SEAM${++serial}-`;
    const input = join(tmp.path, `${prefix}in.csv`);
    await writeFile(input, `Name,NumberOfEmployees\n${Array.from({ length: rows }, (_, i) => line(prefix, i + 1)).join('\n')}\n`);
    const options: BulkLoadOptions = {
      client: t.org.client,
      input,
      format: 'csv',
      object: 'Account',
      operation: 'insert',
      batchSize: 10,
      successPath: join(tmp.path, `${prefix}ok.csv`),
      errorPath: join(tmp.path, `${prefix}bad.csv`),
      ledgerDir: join(folder, `${prefix}ledger`),
      minPollIntervalMs: 5,
      maxPollIntervalMs: 20,
    };
    return { prefix, options };
  }

  /** Every input row once in the outputs, and the org holds exactly the successes. */
  async function expectExact(prefix: string, options: BulkLoadOptions, rows: number): Promise<void> {
    const ok = csvRows(await readFile(options.successPath as string, 'utf8'));
    const failed = csvRows(await readFile(options.errorPath as string, 'utf8'));
    const outputRows = [...ok, ...failed].map((r) => Number(r.sf__Row)).sort((a, b) => a - b);
    expect(outputRows, 'every input row once in the outputs').to.deep.equal(Array.from({ length: rows }, (_, i) => i + 1));
    const names = await namesInOrg(t.org.client, prefix);
    expect(names.sort(), 'the org holds exactly the successes').to.deep.equal(ok.map((r) => r.Name as string).sort());
  }

  it('a stop during a resume whose input was read to its end changes nothing: the load completes and its ledger is finished', async () => {
    const { prefix, options } = await load(60);
    const abort = new AbortController();
    // Killed (aborted) once every segment is cut and the last is uploaded: the ledger says the input ended.
    await bulkLoad({
      ...options,
      signal: abort.signal,
      minPollIntervalMs: 3000,
      maxPollIntervalMs: 3000,
      onBatch: (e: LoadBatchEvent) => {
        if (e.stage === 'submitted' && e.batch.seq === 5) setImmediate(() => abort.abort());
      },
    }).catch(() => undefined);
    expect((await readLedger(options.ledgerDir as string)).inputEnded).to.equal(true);
    const stop = new AbortController();
    stop.abort();
    const summary = await bulkLoad({ ...options, resume: true, stopSignal: stop.signal });
    expect(summary.stopped, 'nothing was left to read').to.equal(false);
    expect((await readLedger(options.ledgerDir as string)).finished).to.equal(true);
    await expectExact(prefix, options, 60);
  });

  it('a new run given the folder of an abandoned load is refused before it opens an output; the abandoned load resumes exactly', async () => {
    const { prefix, options } = await load(60);
    const abort = new AbortController();
    await bulkLoad({
      ...options,
      signal: abort.signal,
      onBatch: (e: LoadBatchEvent) => {
        if (e.stage === 'joined' && e.seq === 2) abort.abort();
      },
    }).catch(() => undefined);
    const written = await readFile(options.successPath as string);
    const again = await bulkLoad(options).then(
      () => undefined,
      (e: unknown) => e as { code?: string },
    );
    expect(again?.code).to.equal('BULK_LEDGER');
    expect(await readFile(options.successPath as string), 'the abandoned load keeps its outputs').to.deep.equal(written);
    await bulkLoad({ ...options, resume: true });
    await expectExact(prefix, options, 60);
  });

  it('a disk that fills while rejected records are spooled fails the run and keeps the ledger open; once there is room the resume is exact', async function () {
    const mount = join(tmp.path, 'small');
    await mkdir(mount);
    try {
      execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=300k', 'tmpfs', mount], { stdio: 'ignore' });
    } catch {
      this.skip(); // needs root and a mount: test/lib/load/reject-file.test.ts covers the writer on /dev/full
    }
    try {
      // Every other row has a field too many (rejected before upload, 400 bytes each in the reject file).
      const rows = 3000;
      const { prefix, options } = await load(rows, (p, n) => `${p}${n},${n}${n % 2 ? `,extra${'x'.repeat(400)}` : ''}`, mount);
      const run = await bulkLoad({ ...options, batchSize: 1000 }).then(
        () => undefined,
        (e: unknown) => e as { code?: string },
      );
      expect(run?.code).to.equal('BULK_SPOOL');
      const state = await readLedger(options.ledgerDir as string);
      expect(state.finished, 'a full disk leaves the ledger open for --resume').to.equal(false);
      execFileSync('mount', ['-o', 'remount,size=16m', mount]);
      await bulkLoad({ ...options, batchSize: 1000, resume: true });
      await expectExact(prefix, options, rows);
      const failed = csvRows(await readFile(options.errorPath as string, 'utf8'));
      expect(failed).to.have.length(rows / 2);
      for (const r of failed) expect(r.Name, 'rejected rows keep their values').to.match(new RegExp(`^${prefix}\\d+$`));
    } finally {
      execFileSync('umount', ['-l', mount], { stdio: 'ignore' });
    }
    expect(await stat(mount).then((s) => s.isDirectory())).to.equal(true);
  });

  it('a ledger cut inside its first line is said as unreadable by load --resume (exit 1, the folder named), never as "no unfinished load"', async () => {
    const home = join(tmp.path, 'home-cut');
    const run = join(home, 'runs', '20261206T000000Z-1');
    await mkdir(run, { recursive: true });
    await writeFile(join(run, 'ledger.ndjson'), '{"type":"run","version":1,"pid":1,"ho');
    const resumed = await runCli(['load', '--resume', '--quiet'], { cwd: tmp.path, env: { BULKPIPE_HOME: home } });
    expect(resumed.code, resumed.stderr).to.equal(1);
    expect(resumed.stderr).to.contain(`the load in ${run} cannot be resumed`).and.contain('bulkpipe job clean 20261206T000000Z-1');
    const cleaned = await runCli(['job', 'clean', '20261206T000000Z-1', '--quiet'], { cwd: tmp.path, env: { BULKPIPE_HOME: home } });
    expect(cleaned.code, cleaned.stderr).to.equal(0);
    expect(
      await stat(run).then(
        () => true,
        () => false,
      ),
    ).to.equal(false);
  });
});
