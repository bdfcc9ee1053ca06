/**
 * A load's plan (pipelines/load-plan.ts): every option refused under the name the caller wrote;
 * the plan's shape stored in a ledger and read back equal; a resume that takes its shape from the
 * ledger, refusing a shaping option that differs, naming it; a ledger written before the shape was
 * stored whole (version 1) resumed, and one of an unknown version refused saying what to do.
 */
import { expect } from 'chai';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { BulkClient } from '../../lib/http/client.js';
import { LEDGER_FILE, LoadLedger, readLedger } from '../../lib/load/load-ledger.js';
import type { LedgerRun } from '../../lib/load/ledger-run.js';
import { bulkLoad, type BulkLoadOptions, type LoadLedgerOutcome } from '../../pipelines/bulk-load.js';
import { planLoad } from '../../pipelines/load-plan.js';
import { rejection } from '../helpers/fixtures.js';
import { FaultProxy, RESULT } from '../helpers/fault-proxy.js';
import { useTestOrg } from '../helpers/local-org.js';
import { useTempDir } from '../helpers/temp-dir.js';

const client = { instanceUrl: 'http://org.test' } as BulkClient;

describe('pipelines/load-plan', function () {
  this.timeout(60_000);
  const tmp = useTempDir('bulkpipe-plan-');
  const input = () => join(tmp.path, 'in.csv');
  const options = (more: Partial<BulkLoadOptions> = {}): BulkLoadOptions => ({ client, input: input(), format: 'csv', object: 'Account', operation: 'insert', ...more });
  beforeEach(() => writeFile(input(), 'Name\nA\nB\n'));

  it('retries records by default in a CSV job only (issue 26): 3 there, 0 for XML and JSON jobs, where more is refused', async () => {
    expect((await planLoad(options())).shape.retryRecords).to.equal(3);
    expect((await planLoad(options({ retryRecords: 0 }))).shape.retryRecords).to.equal(0);
    expect((await planLoad(options({ contentType: 'XML' }))).shape.retryRecords).to.equal(0);
    expect(await rejection(planLoad(options({ contentType: 'JSON', retryRecords: 2 })))).to.include({ code: 'BULK_INVALID_OPTION', option: 'retryRecords' });
  });

  describe('options refused under their own names', () => {
    const numeric: Array<[keyof BulkLoadOptions, unknown[]]> = [
      ['batchSize', [0, -1, 1.5, Number.NaN, '100', 10_001, Number.POSITIVE_INFINITY]],
      ['concurrency', [0, -1, 1.5, Number.NaN, '4', 26]],
      ['joinAhead', [-1, 1.5, Number.NaN, '1', 9]],
      ['minPollIntervalMs', [-1, 1.5, Number.NaN, '500', 3_600_001]],
      ['maxPollIntervalMs', [0, -1, 1.5, Number.NaN, '10000']],
      ['pollTimeoutMs', [0, -1, 1.5, Number.NaN, '60000']],
      ['retryRecords', [-1, 1.5, Number.NaN, '3', 21]],
      ['retryDelayMs', [-1, 1.5, Number.NaN, '100', 60_001]],
    ];
    for (const [name, values] of numeric) {
      it(`${name}: ${values.map((v) => (typeof v === 'string' ? JSON.stringify(v) : String(v))).join(', ')}`, async () => {
        for (const value of values) {
          const err = await rejection(planLoad(options({ [name]: value })));
          expect(err, `${name}: ${String(value)}`).to.include({ code: 'BULK_INVALID_OPTION', option: name });
        }
      });
    }

    it('takes 0 where it means something (joinAhead, minPollIntervalMs), and resolves each default once', async () => {
      const plan = await planLoad(options({ joinAhead: 0, minPollIntervalMs: 0 }));
      expect(plan.run).to.include({ joinAhead: 0, minPollIntervalMs: 0, maxPollIntervalMs: 10_000, concurrency: 4, pollTimeoutMs: 6 * 3_600_000 });
      expect((await planLoad(options())).run).to.include({ joinAhead: 1, minPollIntervalMs: 500 });
      expect((await planLoad(options())).shape).to.include({ batchSize: 10_000, contentType: 'CSV', serial: false, source: input() });
    });

    it('other options by their names: strings, choices, flags, paths, maps', async () => {
      const bad: Array<[string, Partial<BulkLoadOptions> | Record<string, unknown>]> = [
        ['object', { object: '' }],
        ['operation', { operation: 'merge' }],
        ['format', { format: 'yaml' }],
        ['contentType', { contentType: 'ZIP' }],
        ['serial', { serial: 'yes' }],
        ['replaceInvalidUtf8', { replaceInvalidUtf8: 1 }],
        ['delimiter', { delimiter: 'ab' }],
        ['timeZone', { timeZone: 'Mars/Olympus' }],
        ['columnMap', { columnMap: { Name: 'Name' } }],
        ['columns', { columns: 'Name' }],
        ['successPath', { successPath: '' }],
        ['externalIdField', { operation: 'upsert' }],
        ['attachments', { operation: 'delete', attachments: tmp.path }],
        ['checkColumns', { checkColumns: 'true' }],
        ['ledgerDir', { resume: true }],
      ];
      for (const [name, more] of bad) {
        const err = await rejection(planLoad(options(more as Partial<BulkLoadOptions>)));
        expect(err, name).to.include({ code: 'BULK_INVALID_OPTION', option: name });
      }
    });

    it('a missing input file is an option error naming the input, with its cause', async () => {
      const missing = join(tmp.path, 'nope.csv');
      const err = (await rejection(planLoad(options({ input: missing })))) as Error & { option?: string; cause?: { code?: string } };
      expect(err).to.include({ code: 'BULK_INVALID_OPTION', option: 'input' });
      expect(err.message).to.contain(missing);
      expect(err.cause?.code).to.equal('ENOENT');
      expect(await rejection(planLoad(options({ input: tmp.path })))).to.include({ option: 'input' }); // a folder
    });
  });

  it('stores the plan whole in the ledger and reads it back equal', async () => {
    const plan = await planLoad(
      options({
        contentType: 'JSON',
        batchSize: 250,
        serial: true,
        delimiter: ';',
        replaceInvalidUtf8: true,
        columnMap: new Map([['Nom', 'Name']]),
        dateFormat: 'dd.MM.yyyy',
        timeZone: 'Europe/Paris',
        successPath: 'ok.csv',
        errorPath: 'bad.csv',
        resultsPath: 'all.ndjson',
        source: 'accounts',
      }),
    );
    const ledger = new LoadLedger(join(tmp.path, 'ledger'));
    const run: LedgerRun = { runId: 'r1', org: client.instanceUrl, shape: plan.shape, inputFile: plan.inputFile };
    await ledger.start(run);
    await ledger.close();
    const read = await readLedger(ledger.dir);
    expect(read.run).to.deep.equal(run);
    expect(read.run.shape).to.deep.include({ batchSize: 250, columnMap: { Nom: 'Name' }, successPath: join(process.cwd(), 'ok.csv') });
    // A resume given nothing but the ledger has the same plan.
    const resumed = await planLoad({ client, ledgerDir: ledger.dir, resume: true }, async () => read.run);
    expect(resumed.shape).to.deep.equal(plan.shape);
    expect(resumed.inputFile).to.deep.equal(plan.inputFile);
  });

  it('a resume given a shaping option that differs from its ledger is refused naming it; the same value, or a run setting, is taken', async () => {
    const plan = await planLoad(
      options({
        batchSize: 100,
        columnMap: new Map([
          ['A', 'Name'],
          ['B', 'Site'],
        ]),
      }),
    );
    const stored: LedgerRun = { runId: 'r', org: 'o', shape: plan.shape, inputFile: plan.inputFile };
    const resume = (more: Partial<BulkLoadOptions>) => planLoad({ client, ledgerDir: join(tmp.path, 'ledger'), resume: true, ...more }, async () => stored);
    const changed: Array<[string, Partial<BulkLoadOptions>]> = [
      ['batchSize', { batchSize: 99 }],
      ['object', { object: 'Contact' }],
      ['operation', { operation: 'update' }],
      ['contentType', { contentType: 'XML' }],
      ['serial', { serial: true }],
      ['format', { format: 'ndjson' }],
      ['delimiter', { delimiter: ';' }],
      ['columnMap', { columnMap: new Map([['A', 'Name']]) }],
      ['timeZone', { timeZone: 'UTC' }],
      ['errorPath', { errorPath: join(tmp.path, 'other.csv') }],
      ['input', { input: join(tmp.path, 'other.csv') }],
    ];
    for (const [name, more] of changed) {
      const err = await rejection(resume(more));
      expect(err, name).to.include({ code: 'BULK_INVALID_OPTION', option: 'resume' });
      expect(err.message, name).to.contain(`${name} (`);
    }
    // The same values (a map in another order too), and run settings, which a resume may change.
    const same = await resume({
      ...options({
        batchSize: 100,
        columnMap: new Map([
          ['B', 'Site'],
          ['A', 'Name'],
        ]),
      }),
      concurrency: 8,
      minPollIntervalMs: 20,
    });
    expect(same.shape).to.deep.equal(plan.shape);
    expect(same.run).to.include({ concurrency: 8, minPollIntervalMs: 20 });
  });

  describe('through the local org', () => {
    const t = useTestOrg();

    /** A load that fails once its third result download is cut for good, leaving its ledger; `rewrite` changes the run line before the resume. */
    async function failedLoad(
      rewrite: (line: Record<string, unknown>) => Record<string, unknown>,
    ): Promise<{ ledgerDir: string; base: BulkLoadOptions; left: LoadLedgerOutcome | undefined }> {
      const proxy = await new FaultProxy(t.org.org.instanceUrl).start();
      const cut = new BulkClient({ instanceUrl: proxy.url, accessToken: t.org.session, retry: { maxElapsedMs: 300, minDelayMs: 5, maxDelayMs: 50 } });
      const ledgerDir = join(tmp.path, 'ledger');
      await writeFile(input(), `Name\n${Array.from({ length: 45 }, (_, i) => `PLAN-${i + 1}`).join('\n')}\n`);
      const base = {
        ...options(),
        client: cut,
        batchSize: 10,
        successPath: join(tmp.path, 'ok.csv'),
        errorPath: join(tmp.path, 'bad.csv'),
        ledgerDir,
        minPollIntervalMs: 10,
        maxPollIntervalMs: 50,
      };
      let left: LoadLedgerOutcome | undefined;
      try {
        proxy.rule = (r) => (RESULT(r) && r.n >= 3 ? 'cut' : 'pass');
        await rejection(bulkLoad({ ...base, onLedger: (outcome) => (left = outcome) }));
      } finally {
        await cut.close();
        await proxy.close();
      }
      const file = join(ledgerDir, LEDGER_FILE);
      const [first, ...rest] = (await readFile(file, 'utf8')).split('\n');
      await writeFile(file, [JSON.stringify(rewrite(JSON.parse(first as string) as Record<string, unknown>)), ...rest].join('\n'));
      return { ledgerDir, base: { ...base, client: t.org.client }, left };
    }

    it('a failed run says what it left in its ledger (kept, a job made) without the ledger being read again', async () => {
      const { left } = await failedLoad((line) => line);
      expect(left).to.deep.equal({ open: true, jobMayExist: true });
    });

    it('resumes from the ledger alone: bulkLoad({ client, ledgerDir, resume: true }) takes the whole plan from it', async () => {
      const { ledgerDir } = await failedLoad((line) => line);
      const summary = await bulkLoad({ client: t.org.client, ledgerDir, resume: true, minPollIntervalMs: 10 });
      expect(summary).to.include({ resumed: true, recordsRead: 45, recordsSucceeded: 45, recordsFailed: 0 });
      expect(summary.ledger).to.deep.equal({ open: false, jobMayExist: false });
      const ok = parse(await readFile(join(tmp.path, 'ok.csv')), { columns: true }) as Array<Record<string, string>>;
      expect(ok.map((r) => r.Name)).to.deep.equal(Array.from({ length: 45 }, (_, i) => `PLAN-${i + 1}`));
    });

    it('a ledger written before this change (version 1: the shape spread on the run line) is converted and resumed', async () => {
      const { ledgerDir, base } = await failedLoad(toVersion1);
      const state = await readLedger(ledgerDir);
      expect(state.run.shape).to.include({ batchSize: 10, object: 'Account', operation: 'insert', format: 'csv', input: input() });
      // Given again whole, as a caller of the old API does: the same load.
      const summary = await bulkLoad({ ...base, resume: true });
      expect(summary).to.include({ resumed: true, recordsRead: 45, recordsSucceeded: 45, recordsFailed: 0 });
      expect(await rejection(bulkLoad({ ...base, resume: true }))).to.include({ code: 'BULK_LEDGER' }); // finished now
    });

    it('a ledger of an unknown version (or none) is refused, saying what to do', async () => {
      const { ledgerDir } = await failedLoad((line) => ({ ...line, version: 3 }));
      const err = await rejection(bulkLoad({ client: t.org.client, ledgerDir, resume: true }));
      expect(err).to.include({ code: 'BULK_LEDGER' });
      expect(err.message).to.contain('version 3').and.contain('bulkpipe job clean');
      const { version: _version, ...none } = JSON.parse((await readFile(join(ledgerDir, LEDGER_FILE), 'utf8')).split('\n')[0] as string) as Record<string, unknown>;
      const rest = (await readFile(join(ledgerDir, LEDGER_FILE), 'utf8')).split('\n').slice(1);
      await writeFile(join(ledgerDir, LEDGER_FILE), [JSON.stringify(none), ...rest].join('\n'));
      expect((await rejection(readLedger(ledgerDir))).message).to.contain('version null');
    });
  });
});

/** The run line as bulkpipe wrote it before version 2: the shape's fields beside the run's, the input with its size, the batch size as given. */
function toVersion1(line: Record<string, unknown>): Record<string, unknown> {
  const { shape, inputFile, ...run } = line as { shape: Record<string, unknown>; inputFile: { size: number; mtimeMs: number } | null };
  const { input, ...fields } = shape;
  return { ...run, version: 1, ...fields, input: input === null ? null : { path: input, ...inputFile } };
}
