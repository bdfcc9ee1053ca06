/**
 * Record retry end to end (issue 26), v1 and Bulk API 2.0, through a local org whose `lockFail`
 * fault fails a seeded share of rows once with UNABLE_TO_LOCK_ROW, writing nothing of them: with
 * retries off those rows are in the errors; by default every record succeeds exactly once (counted
 * in the org), the retried ones with sf__Attempts 2 or more, the outputs in input order; with more
 * failures than attempts the last one's error is the outcome; the budget the summary reports counts
 * the retries' batches.
 */
import { expect } from 'chai';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { bulkLoad, type BulkLoadOptions } from '../../pipelines/bulk-load.js';
import { limitOf } from '../../pipelines/daily-budget.js';
import { startTestOrg, type TestOrg } from '../helpers/local-org.js';
import { namesInOrg } from '../helpers/org-query.js';
import { useTempDir } from '../helpers/temp-dir.js';

type Row = Record<string, string>;
const rowsOf = async (path: string) => parse(await readFile(path), { columns: true }) as Row[];
const ROWS = 300;

for (const bulkApi of [1, 2] as const) {
  describe(`pipelines/record retry, Bulk API ${bulkApi === 1 ? 'v1' : '2.0'} (end to end)`, function () {
    this.timeout(120_000);
    let t: TestOrg;
    let twice: TestOrg;
    const tmp = useTempDir('bulkpipe-retry-');
    let n = 0;
    let prefix = '';
    before(async () => {
      // A fifth of the rows fails its first attempt; in the second org, its first two.
      t = await startTestOrg({ faults: 'seed=3,lockFail=0.2' });
      twice = await startTestOrg({ faults: 'seed=3,lockFail=0.2,lockFailTimes=2' });
    });
    after(async () => {
      await t.close();
      await twice.close();
    });
    beforeEach(() => {
      prefix = `R${bulkApi}-${++n}-`;
    });

    async function load(org: TestOrg, options: Partial<BulkLoadOptions>) {
      const input = join(tmp.path, `${n}.csv`);
      const lines = Array.from({ length: ROWS }, (_, i) => `${prefix}${i + 1},${i + 1}`);
      await writeFile(input, `Name,NumberOfEmployees\n${lines.join('\n')}\n`);
      const successPath = `${input}.ok.csv`;
      const errorPath = `${input}.err.csv`;
      const resultsPath = `${input}.results.ndjson`;
      const summary = await bulkLoad({
        client: org.client,
        input,
        format: 'csv',
        object: 'Account',
        operation: 'insert',
        batchSize: 40,
        concurrency: 4,
        ...(bulkApi === 2 ? { bulkApi, jobSize: 2_000 } : {}),
        successPath,
        errorPath,
        resultsPath,
        minPollIntervalMs: 10,
        maxPollIntervalMs: 50,
        retryDelayMs: 5,
        ...options,
      });
      const results = (await readFile(resultsPath, 'utf8'))
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l) as { row: number; success: boolean; attempts?: number; error: string | null });
      return { summary, ok: await rowsOf(successPath), failed: await rowsOf(errorPath), results };
    }

    it('with retries off, the rows that failed on a lock are in the errors, and the outputs have no attempts column', async () => {
      const { summary, ok, failed, results } = await load(t, { retryRecords: 0 });
      expect(summary).to.include({ recordsRetried: 0, lockFailures: 0 });
      expect(failed.length).to.be.greaterThan(20);
      for (const row of failed) expect(row.sf__Error).to.match(/^UNABLE_TO_LOCK_ROW:unable to obtain exclusive access to this record or 1 records: 001\w+:--$/);
      expect(ok.length + failed.length).to.equal(ROWS);
      expect(Object.keys(ok[0] as Row)).to.deep.equal(['Name', 'NumberOfEmployees', 'sf__Id', 'sf__Created', 'sf__Row']);
      expect(Object.keys(failed[0] as Row)).to.deep.equal(['Name', 'NumberOfEmployees', 'sf__Error', 'sf__Row']);
      expect(results.every((r) => r.attempts === undefined)).to.equal(true);
      expect((await namesInOrg(t.client, prefix)).sort()).to.deep.equal(ok.map((r) => r.Name).sort());
    });

    it('by default every record succeeds exactly once, the retried ones with sf__Attempts 2, the outputs in input order', async () => {
      const batchesLeft = async () => limitOf(await t.client.limits(), 'DailyBulkApiBatches')?.Remaining as number;
      const left = await batchesLeft();
      const { summary, ok, failed, results } = await load(t, {});
      // The budget spent counts the retries' batches (v1) and retry jobs' internal batches (2.0), as the org does.
      expect(summary.budget.batches).to.equal(left - (await batchesLeft()));
      expect(failed).to.deep.equal([]);
      expect(summary.recordsSucceeded).to.equal(ROWS);
      expect(ok.map((r) => Number(r.sf__Row))).to.deep.equal(Array.from({ length: ROWS }, (_, i) => i + 1));
      expect(Object.keys(ok[0] as Row)).to.deep.equal(['Name', 'NumberOfEmployees', 'sf__Id', 'sf__Created', 'sf__Row', 'sf__Attempts']);
      const retried = ok.filter((r) => r.sf__Attempts === '2');
      expect(retried.length).to.be.greaterThan(20);
      expect(ok.every((r) => r.sf__Attempts === '1' || r.sf__Attempts === '2')).to.equal(true);
      for (const r of ok) expect(r.Name).to.equal(`${prefix}${r.sf__Row}`);
      expect(results.map((r) => r.row)).to.deep.equal(Array.from({ length: ROWS }, (_, i) => i + 1));
      expect(results.filter((r) => r.attempts === 2).length).to.equal(retried.length);
      expect(summary).to.include({ recordsRetried: retried.length, lockFailures: retried.length });
      const inOrg = await namesInOrg(t.client, prefix);
      expect(inOrg.length).to.equal(ROWS);
      expect(new Set(inOrg).size).to.equal(ROWS, 'no record twice in the org');
      expect(new Set(ok.map((r) => r.sf__Id)).size).to.equal(ROWS);
    });

    it('rows that fail more times than they are retried end in the errors with their last attempt counted', async () => {
      const { ok, failed } = await load(twice, { retryRecords: 1 });
      expect(failed.length).to.be.greaterThan(20);
      for (const row of failed) {
        expect(row.sf__Error).to.match(/^UNABLE_TO_LOCK_ROW:/);
        expect(row.sf__Attempts).to.equal('2');
      }
      expect(ok.every((r) => r.sf__Attempts === '1')).to.equal(true);
      expect((await namesInOrg(twice.client, prefix)).sort()).to.deep.equal(ok.map((r) => r.Name).sort());
      // With two retries, the same rows go through on their third attempt.
      prefix = `R${bulkApi}-${++n}-third-`;
      const again = await load(twice, { retryRecords: 2 });
      expect(again.failed).to.deep.equal([]);
      expect(again.ok.filter((r) => r.sf__Attempts === '3').length).to.be.greaterThan(20);
      expect((await namesInOrg(twice.client, prefix)).length).to.equal(ROWS);
    });
  });
}
