/**
 * bulkLoad with groupBy, end to end through the local org: batches hold few parents, every input row
 * ends in exactly one output with its input row as sf__Row, rejected records keep their input row,
 * the option's checks, and a resume that must give the same grouping.
 */
import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { bulkLoad, type BulkLoadOptions, type LoadBatchEvent } from '../../pipelines/bulk-load.js';
import { rejection } from '../helpers/fixtures.js';
import { startTestOrg, type TestOrg } from '../helpers/local-org.js';
import { queryRows } from '../helpers/org-query.js';
import { useTempDir } from '../helpers/temp-dir.js';

/** A deterministic shuffle (xorshift), so that a failure can be replayed. */
function shuffled<T>(items: readonly T[], seed = 7): T[] {
  const out = [...items];
  let x = seed;
  for (let i = out.length - 1; i > 0; i--) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    const j = (x >>> 0) % (i + 1);
    [out[i], out[j]] = [out[j] as T, out[i] as T];
  }
  return out;
}

describe('pipelines/bulk-load with groupBy (end to end)', () => {
  let t: TestOrg;
  let accounts: string[];
  const tmp = useTempDir('bulkpipe-group-');
  before(async () => {
    t = await startTestOrg();
    const job = await t.client.createJob({ operation: 'insert', object: 'Account', contentType: 'CSV' });
    await t.client.addBatch(job.id, `Name\n${Array.from({ length: 20 }, (_, i) => `Parent ${i}`).join('\n')}\n`);
    await t.client.closeJob(job.id);
    await t.org.whenIdle();
    const [batch] = await t.client.listBatches(job.id);
    const results = await t.client.getBatchResult(job.id, batch?.id as string);
    const text = await new Response(results.body as never).text();
    accounts = (parse(text, { columns: true }) as Array<Record<string, string>>).map((r) => r.Id as string);
    expect(accounts).to.have.length(20);
  });
  after(async () => {
    await t?.close();
  });

  /** Contacts under the 20 accounts, shuffled; LastName names the input row. Row `tooLong` has a field over the limits, row `noName` no LastName. */
  function contacts(n: number, bad: { tooLong?: number; noName?: number } = {}): string {
    const parents = shuffled(Array.from({ length: n }, (_, i) => accounts[i % 20] as string));
    const lines = parents.map((account, i) => {
      const row = i + 1;
      if (row === bad.tooLong) return `C${row},${'x'.repeat(33_000)},${account}`;
      return `${row === bad.noName ? '' : `C${row}`},d,${account}`;
    });
    return `LastName,Description,AccountId\n${lines.join('\n')}\n`;
  }

  async function load(name: string, text: string, options: Partial<BulkLoadOptions> = {}) {
    const input = join(tmp.path, name);
    await writeFile(input, text);
    const successPath = join(tmp.path, `${name}.ok.csv`);
    const errorPath = join(tmp.path, `${name}.err.csv`);
    // Each batch's parents, read from its payload as it is cut (the spool is gone at the end).
    const parentsPerBatch: number[] = [];
    const onBatch = (event: LoadBatchEvent) => {
      if (event.stage !== 'cut' || event.batch.path === null) return;
      const rows = parse(readFileSync(event.batch.path), { columns: true }) as Array<Record<string, string>>;
      parentsPerBatch.push(new Set(rows.map((r) => r.AccountId)).size);
    };
    const summary = await bulkLoad({
      client: t.client,
      input,
      format: 'csv',
      object: 'Contact',
      operation: 'insert',
      successPath,
      errorPath,
      minPollIntervalMs: 10,
      maxPollIntervalMs: 50,
      batchSize: 200,
      onBatch,
      ...options,
    });
    const ok = parse(await readFile(successPath), { columns: true }) as Array<Record<string, string>>;
    const failed = parse(await readFile(errorPath), { columns: true }) as Array<Record<string, string>>;
    return { summary, ok, failed, parentsPerBatch };
  }

  it('groups the records by parent into batches; every input row in one output, sf__Row its input row', async () => {
    const n = 3000;
    const text = contacts(n, { tooLong: 17, noName: 1234 });
    const input = (parse(text, { columns: true }) as Array<Record<string, string>>).map((r) => r.AccountId);
    const grouped = await load('grouped.csv', text, { groupBy: 'AccountId', groupWindow: 1000 });
    const plain = await load('plain.csv', text);
    // Shuffled, each batch of 200 holds all 20 parents; grouped in windows of 1000 (about 50 a parent), about 200/50 + 1.
    expect(Math.min(...plain.parentsPerBatch)).to.equal(20);
    expect(Math.max(...grouped.parentsPerBatch)).to.be.at.most(8);
    expect(grouped.parentsPerBatch.reduce((a, b) => a + b, 0) / grouped.parentsPerBatch.length).to.be.below(6);
    const { ok, failed, summary } = grouped;
    expect(summary).to.include({ recordsRead: n, recordsSucceeded: n - 2, recordsFailed: 2 });
    const rows = [...ok, ...failed].map((r) => Number(r.sf__Row));
    expect(rows.slice().sort((a, b) => a - b)).to.deep.equal(Array.from({ length: n }, (_, i) => i + 1));
    for (const r of ok) {
      expect(r.LastName).to.equal(`C${r.sf__Row}`);
      expect(r.AccountId).to.equal(input[Number(r.sf__Row) - 1]);
    }
    expect(failed.map((r) => [r.sf__Row, (r.sf__Error as string).split(':')[0]]).sort()).to.deep.equal([
      ['1234', 'REQUIRED_FIELD_MISSING'],
      ['17', 'STRING_TOO_LONG'],
    ]);
    expect((failed.find((r) => r.sf__Row === '17')?.sf__Error as string) ?? '').to.contain('record 17, field Description');
    // The outputs are in the order sent: within each window of 1000 input rows, by parent.
    const windowOf = (r: Record<string, string>) => Math.floor((Number(r.sf__Row) - 1) / 1000);
    for (let i = 1; i < ok.length; i++) {
      const [a, b] = [ok[i - 1], ok[i]] as [Record<string, string>, Record<string, string>];
      if (windowOf(a) === windowOf(b)) expect((a.AccountId as string) <= (b.AccountId as string), `rows ${a.sf__Row}, ${b.sf__Row}`).to.equal(true);
    }
    // The org holds each success row's record once, as that input row had it.
    const held = new Map((await queryRows(t.client, 'SELECT Id, LastName, AccountId FROM Contact')).map((r) => [r.Id, r]));
    for (const r of ok) expect(held.get(r.sf__Id as string)).to.deep.include({ LastName: `C${r.sf__Row}`, AccountId: r.AccountId });
    expect(new Set(ok.map((r) => r.sf__Id)).size).to.equal(ok.length);
  });

  it('groups a Bulk API 2.0 load too: sf__Row its input row, every row once', async () => {
    const n = 1200;
    const { ok, failed, parentsPerBatch } = await load('v2.csv', contacts(n, { noName: 5 }), { groupBy: 'AccountId', bulkApi: 2, jobSize: 20_000 });
    expect(Math.max(...parentsPerBatch)).to.be.at.most(8);
    expect(failed.map((r) => r.sf__Row)).to.deep.equal(['5']);
    expect([...ok, ...failed].map((r) => Number(r.sf__Row)).sort((a, b) => a - b)).to.deep.equal(Array.from({ length: n }, (_, i) => i + 1));
    for (const r of ok) expect(r.LastName).to.equal(`C${r.sf__Row}`);
  });

  it('the columns are the input first record fields as without grouping, though another record is sent first (NDJSON)', async () => {
    const [a, b] = [...accounts].sort() as [string, string];
    const lines = [
      { LastName: 'First', AccountId: b, Title: 'Boss' },
      { LastName: 'Second', AccountId: a },
    ].map((r) => JSON.stringify(r));
    const input = join(tmp.path, 'mixed.ndjson');
    await writeFile(input, `${lines.join('\n')}\n`);
    const successPath = join(tmp.path, 'mixed.ok.csv');
    const summary = await bulkLoad({
      client: t.client,
      input,
      format: 'ndjson',
      object: 'Contact',
      operation: 'insert',
      successPath,
      errorPath: join(tmp.path, 'mixed.err.csv'),
      groupBy: 'AccountId',
    });
    expect(summary).to.include({ recordsSucceeded: 2, recordsFailed: 0 });
    const ok = parse(await readFile(successPath), { columns: true }) as Array<Record<string, string>>;
    expect(ok.map((r) => [r.LastName, r.Title, r.sf__Row])).to.deep.equal([
      ['Second', '', '2'],
      ['First', 'Boss', '1'],
    ]);
  });

  it('a stop ends at the last whole window, and a resume (which reads the input again) goes on exactly; another groupBy is refused', async () => {
    const n = 3000;
    const text = contacts(n);
    const ledgerDir = join(tmp.path, 'stopped-ledger');
    const stop = new AbortController();
    const first = await load('stopped.csv', text, {
      groupBy: 'AccountId',
      groupWindow: 700,
      ledgerDir,
      stopSignal: stop.signal,
      onBatch: (event) => {
        if (event.stage === 'cut') stop.abort();
      },
    });
    expect(first.summary.stopped).to.equal(true);
    // Whole windows of 700 only: the input's first rows, every one in the outputs.
    const firstRows = [...first.ok, ...first.failed].map((r) => Number(r.sf__Row)).sort((a, b) => a - b);
    expect(firstRows.length % 700).to.equal(0);
    expect(firstRows).to.deep.equal(Array.from({ length: firstRows.length }, (_, i) => i + 1));
    expect(firstRows.length).to.be.below(n);
    const other = await rejection(bulkLoad({ client: t.client, ledgerDir, resume: true, groupBy: 'LastName' }));
    expect(other).to.include({ code: 'BULK_INVALID_OPTION' });
    expect(other.message).to.contain('groupBy');
    await bulkLoad({ client: t.client, ledgerDir, resume: true, minPollIntervalMs: 10, maxPollIntervalMs: 50 });
    const ok = parse(await readFile(join(tmp.path, 'stopped.csv.ok.csv')), { columns: true }) as Array<Record<string, string>>;
    const failed = parse(await readFile(join(tmp.path, 'stopped.csv.err.csv')), { columns: true }) as Array<Record<string, string>>;
    expect(failed).to.deep.equal([]);
    expect(ok.map((r) => Number(r.sf__Row)).sort((a, b) => a - b)).to.deep.equal(Array.from({ length: n }, (_, i) => i + 1));
    for (const r of ok) expect(r.LastName).to.equal(`C${r.sf__Row}`);
    const ids = new Set(ok.map((r) => r.sf__Id));
    expect(ids.size).to.equal(n);
  });

  it('refuses a group-by field that is not an input column, naming it with a did-you-mean, before any job', async () => {
    const err = await rejection(load('typo.csv', contacts(10), { groupBy: 'AcountId' }));
    expect(err).to.include({ code: 'BULK_COLUMNS' });
    expect(err.message).to.contain('AcountId').and.to.contain('did you mean AccountId?');
    expect(await rejection(load('w.csv', contacts(10), { groupWindow: 10 }))).to.include({ code: 'BULK_INVALID_OPTION' });
    expect(await rejection(load('w.csv', contacts(10), { groupBy: 'AccountId', groupWindow: 0 }))).to.include({ code: 'BULK_INVALID_OPTION' });
  });
});
