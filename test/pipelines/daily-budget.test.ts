/**
 * The pre-flight of the org's daily budget (pipelines/daily-budget.ts) and what a run spent
 * (pipelines/spent-budget.ts), through the local org with `limits`: a load whose estimate does not
 * fit is refused before any job exists (the org's job lists stay empty), the override loads anyway,
 * a stream is checked only for something left, a /limits that cannot be read stops nothing, a 2.0
 * query is checked against DailyBulkV2QueryJobs; the summary's figures match the org's counters.
 */
import { Readable } from 'node:stream';
import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { expect } from 'chai';
import { BulkApiError, type DailyLimitError, HttpStatusError } from '../../lib/errors.js';
import type { BulkClient } from '../../lib/http/client.js';
import { estimateRecords, loadNeed } from '../../lib/load/budget-estimate.js';
import { bulkLoad, type BulkLoadOptions } from '../../pipelines/bulk-load.js';
import { bulkQuery } from '../../pipelines/bulk-query.js';
import { type TestOrg, startTestOrg } from '../helpers/local-org.js';
import { raw } from '../helpers/raw-http.js';
import { useTempDir } from '../helpers/temp-dir.js';

/** Reads a query stream to its end: its error, if any, rejects. */
const drain = async (stream: AsyncIterable<unknown>) => {
  for await (const _ of stream);
};
const csv = (rows: number) => `Name\n${Array.from({ length: rows }, (_, i) => `Budget ${i}`).join('\n')}\n`;

/** The client, but its `/limits` read fails with `failure`. */
function limitsFailing(client: BulkClient, failure: Error): BulkClient {
  return new Proxy(client, {
    get(target, property) {
      if (property === 'limits') return () => Promise.reject(failure);
      const value = Reflect.get(target, property, target) as unknown;
      return typeof value === 'function' ? value.bind(target) : value;
    },
  }) as BulkClient;
}

describe('pipelines/daily-budget', function () {
  this.timeout(120_000);

  describe('the estimate (lib/load/budget-estimate.ts)', () => {
    it('counts a whole sample exactly, header or not, a last line without its break too', () => {
      const text = Buffer.from('Name\na\nb\nc');
      expect(estimateRecords(text.length, text, true)).to.equal(3);
      expect(estimateRecords(text.length, text, false)).to.equal(4);
      expect(estimateRecords(0, Buffer.alloc(0), true)).to.equal(0);
    });

    it('scales a sample of the head by its bytes per record, rounded up', () => {
      // 10-byte records after a 5-byte header; the sample ends mid-record.
      const sample = Buffer.from(`Name\n${'123456789\n'.repeat(10)}12345`);
      expect(estimateRecords(5 + 10 * 1000, sample, true)).to.equal(1000);
      expect(estimateRecords(5 + 10 * 1000 + 1, sample, true)).to.equal(1001);
    });

    it('v1: batches by count and by bytes, requests for each; 2.0: internal batches of 10,000 per job, 7 requests per job', () => {
      expect(loadNeed({ bulkApi: 1, records: 2_500, bytes: 1_000, batchSize: 1_000, jobSize: undefined })).to.deep.equal({ records: 2_500, batches: 3, requests: 9 });
      expect(loadNeed({ bulkApi: 1, records: 10, bytes: 25_000_000, batchSize: 10_000, jobSize: undefined }).batches).to.equal(3);
      // Growing jobs (issue 28): segments of 10,000, 10,000 and 5,000 records, one a job.
      expect(loadNeed({ bulkApi: 2, records: 25_000, bytes: 1_000_000, batchSize: 10_000, jobSize: 100_000_000 })).to.deep.equal({ records: 25_000, batches: 3, requests: 21 });
      // Segments cut at the 1,000,000-byte job (8,333 records of 120 bytes): one job each.
      expect(loadNeed({ bulkApi: 2, records: 25_000, bytes: 3_000_000, batchSize: 10_000, jobSize: 1_000_000 })).to.deep.equal({ records: 25_000, batches: 4, requests: 28 });
      expect(loadNeed({ bulkApi: 1, records: 0, bytes: 5, batchSize: 10, jobSize: undefined })).to.deep.equal({ records: 0, batches: 0, requests: 0 });
    });

    it('2.0 with small segments: every job the submitter grows counts, at least one internal batch each', () => {
      // 20 segments of 1,000 records grow into jobs of 1, 1, 1, 2, 3, 4, 6 and 2 segments (the review's repro: 2 batches were estimated, 8 jobs made).
      expect(loadNeed({ bulkApi: 2, records: 20_000, bytes: 400_000, batchSize: 1_000, jobSize: undefined })).to.deep.equal({ records: 20_000, batches: 8, requests: 56 });
      // Jobs of more than 10,000 records count their internal batches: 100 segments of 1,000 grow into 12 jobs, the largest of 31,000 (4 batches).
      expect(loadNeed({ bulkApi: 2, records: 100_000, bytes: 2_000_000, batchSize: 1_000, jobSize: undefined })).to.deep.equal({ records: 100_000, batches: 18, requests: 84 });
    });
  });

  describe('against the local org', () => {
    let t: TestOrg;
    const tmp = useTempDir('bulkpipe-budget-');
    afterEach(async () => {
      await t?.close();
    });

    const load = (input: string | Readable, options: Partial<BulkLoadOptions> = {}) =>
      bulkLoad({
        client: t.client,
        input,
        format: 'csv',
        object: 'Account',
        operation: 'insert',
        successPath: join(tmp.path, 'ok.csv'),
        errorPath: join(tmp.path, 'err.csv'),
        minPollIntervalMs: 10,
        maxPollIntervalMs: 50,
        ...options,
      });
    const file = async (text: string) => {
      const path = join(tmp.path, 'in.csv');
      await writeFile(path, text);
      return path;
    };
    const refusal = (run: Promise<unknown>) =>
      run.then(
        () => expect.fail('the run was not refused'),
        (err: unknown) => err as DailyLimitError,
      );
    /** The jobs the org holds, of both APIs, through its job list. */
    const orgJobs = async (): Promise<number> => {
      let n = 0;
      for (const type of ['Classic', 'V2Ingest', 'V2Query']) {
        const res = await raw(`${t.org.instanceUrl}/services/data/v62.0/jobs/ingest?jobType=${type}`, { headers: { authorization: `Bearer ${t.session}` } });
        n += (JSON.parse(res.text) as { records: unknown[] }).records.length;
      }
      return n;
    };

    it('v1: refused with BULK_DAILY_LIMIT naming the limit, the need and what is left, before any job and any output', async () => {
      t = await startTestOrg({ limits: { DailyBulkApiBatches: 3 } });
      const err = await refusal(load(await file(csv(500)), { batchSize: 100 }));
      expect(err.code).to.equal('BULK_DAILY_LIMIT');
      expect(err.context).to.deep.equal({ limit: 'DailyBulkApiBatches', needed: 5, remaining: 3, max: 3 });
      expect(err.message).to.equal(
        "load: this load needs about 5 Bulk API batches (an estimate from the input's size, rounded up) and the org has 3 of its daily 3 Bulk API batches left (DailyBulkApiBatches); --ignore-limits (ignoreLimits) loads anyway",
      );
      expect(await orgJobs()).to.equal(0);
      expect(existsSync(join(tmp.path, 'ok.csv')), 'an output opened').to.equal(false);
    });

    it('DailyApiRequests short: refused the same way', async () => {
      t = await startTestOrg({ limits: { DailyApiRequests: 8 } });
      const err = await refusal(load(await file(csv(250)), { batchSize: 100 }));
      // 3 batches: create, close, 3 uploads, 3 result files, a poll; the /limits read was the first of 8.
      expect(err.context).to.deep.equal({ limit: 'DailyApiRequests', needed: 9, remaining: 7, max: 8 });
      expect(await orgJobs()).to.equal(0);
    });

    it('no API request left: /limits itself is refused (REQUEST_LIMIT_EXCEEDED), and that is the answer', async () => {
      t = await startTestOrg({ limits: { DailyApiRequests: 0 } });
      const err = await refusal(load(await file(csv(5))));
      expect(err.code).to.equal('BULK_DAILY_LIMIT');
      // The refusal's Sforce-Limit-Info gave the allocation.
      expect(err.context).to.deep.equal({ limit: 'DailyApiRequests', needed: 5, remaining: 0, max: 0 });
      expect(err.message).to.contain('the org has 0 of its daily 0 API requests left (DailyApiRequests)');
    });

    it('quoted line breaks: a record of ten lines is one record (the estimate counts records, not lines)', async () => {
      t = await startTestOrg({ limits: { DailyBulkApiBatches: 1 } });
      const text = `Name,Description\n${Array.from({ length: 10 }, (_, i) => `N${i},"${'line\n'.repeat(9)}end"`).join('\n')}\n`;
      expect(estimateRecords(text.length, Buffer.from(text), true)).to.equal(10);
      const summary = await load(await file(text), { batchSize: 10 });
      expect(summary.recordsSucceeded).to.equal(10);
      expect(summary.budget).to.include({ batches: 1 });
    });

    it('ignoreLimits: no pre-flight; what the org then refuses is its answer', async () => {
      t = await startTestOrg({ limits: { DailyBulkApiBatches: 1 } });
      const input = await file(csv(10));
      const err = await refusal(load(input, { batchSize: 5 }));
      expect(err.context).to.include({ limit: 'DailyBulkApiBatches', needed: 2, remaining: 1 });
      expect(await orgJobs()).to.equal(0);
      const outcome = await load(input, { batchSize: 5, ignoreLimits: true }).then(
        (summary) => summary,
        (e: unknown) => e as Error,
      );
      // The second batch is refused by the org (ExceededQuota): the run fails or accounts for it, never loads it.
      expect(await orgJobs()).to.equal(1);
      if (!(outcome instanceof Error)) expect(outcome.recordsSucceeded).to.be.at.most(5);
    });

    it('a stream: only that something is left is checked, and the refusal says so', async () => {
      t = await startTestOrg({ limits: { DailyBulkApiBatches: 1 } });
      await load(await file(csv(5)));
      const err = await refusal(load(Readable.from([Buffer.from(csv(5))])));
      expect(err.context).to.deep.equal({ limit: 'DailyBulkApiBatches', needed: 1, remaining: 0, max: 1 });
      expect(err.message).to.match(
        /^load: the input is a stream, whose size is not known, so only that something is left is checked: the org has 0 of its daily 1 Bulk API batches left/,
      );
      expect(await orgJobs()).to.equal(1);
    });

    it('a /limits that cannot be read (403, 404) stops nothing: a notice says the budget is not checked', async () => {
      t = await startTestOrg({ limits: { DailyBulkApiBatches: 1 } });
      const notFound = new BulkApiError('NOT_FOUND', 'The requested resource does not exist', 404, { method: 'GET', path: '/services/data/v47.0/limits' });
      const client = limitsFailing(t.client, notFound);
      const notices: string[] = [];
      const summary = await load(await file(csv(5)), { client, onNotice: (m) => notices.push(m) });
      expect(summary.recordsSucceeded).to.equal(5);
      expect(notices).to.include("cannot read the org's limits (NOT_FOUND, HTTP 404): the daily budget is not checked");
      // A gateway's HTML 404 and an answer that is not the limits document stop nothing either.
      for (const [failure, why] of [
        [new HttpStatusError(404, { method: 'GET', path: '/services/data/v62.0/limits' }, '<html>Not Found</html>'), 'HTTP 404'],
        [new SyntaxError('Unexpected token <'), 'not the limits document'],
      ] as const) {
        const odd = limitsFailing(t.client, failure);
        const seen: string[] = [];
        await load(await file(csv(1)), { client: odd, ignoreLimits: false, onNotice: (m) => seen.push(m) }).then(
          () => undefined,
          () => undefined,
        );
        expect(seen).to.include(`cannot read the org's limits (${why}): the daily budget is not checked`);
      }
    });

    it('Bulk API 2.0: internal batches of 10,000 records; refused before any job; the summary counts them', async () => {
      t = await startTestOrg({ limits: { DailyBulkApiBatches: 2 } });
      const input = await file(csv(25_000));
      const err = await refusal(load(input, { bulkApi: 2 }));
      expect(err.context).to.deep.equal({ limit: 'DailyBulkApiBatches', needed: 3, remaining: 2, max: 2 });
      expect(await orgJobs()).to.equal(0);
      await t.close();
      t = await startTestOrg({ limits: { DailyBulkApiBatches: 5 } });
      const summary = await load(input, { bulkApi: 2 });
      expect(summary.recordsSucceeded).to.equal(25_000);
      expect(summary.budget.batches).to.equal(3);
      expect(summary.budget.remaining?.DailyBulkApiBatches).to.equal(2);
    });

    it('Bulk API 2.0 with small segments: the grown jobs are counted, refused before any job; the run makes as many batches', async () => {
      t = await startTestOrg({ limits: { DailyBulkApiBatches: 4 } });
      const input = await file(csv(20_000));
      const err = await refusal(load(input, { bulkApi: 2, batchSize: 1_000 }));
      // Jobs of 1, 1, 1, 2, 3, 4, 3, 2, 1, 1, 1 segments (growing, then shrinking: the file's size is known), one internal batch each.
      expect(err.context).to.deep.equal({ limit: 'DailyBulkApiBatches', needed: 11, remaining: 4, max: 4 });
      expect(await orgJobs()).to.equal(0);
      await t.close();
      t = await startTestOrg({ limits: { DailyBulkApiBatches: 11 } });
      const summary = await load(input, { bulkApi: 2, batchSize: 1_000 });
      expect(summary.recordsSucceeded).to.equal(20_000);
      expect(summary.budget.batches).to.equal(11);
      expect(summary.budget.remaining?.DailyBulkApiBatches).to.equal(0);
    });

    it("the summary: the batches and requests counted from the run's own work match the org's counters", async () => {
      t = await startTestOrg({ limits: { DailyApiRequests: 1_000 } });
      const summary = await load(await file(csv(250)), { batchSize: 100 });
      const { budget } = summary;
      expect(budget.batches).to.equal(3);
      // Alone on a fresh org: all its requests are the run's, the final /limits read among them.
      expect(budget.remaining).to.deep.equal({ DailyApiRequests: 1_000 - budget.requests, DailyBulkApiBatches: 15_000 - 3 });
      expect(budget.requests).to.be.at.least(9);
    });

    it('Bulk API 2.0 query: refused before any job when DailyBulkV2QueryJobs is spent', async () => {
      t = await startTestOrg({ limits: { DailyBulkV2QueryJobs: 0 } });
      const err = await drain(bulkQuery({ client: t.client, soql: 'SELECT Id FROM Account', bulkApi: 2 })).then(
        () => expect.fail('not refused'),
        (e: unknown) => e as DailyLimitError,
      );
      expect(err.code).to.equal('BULK_DAILY_LIMIT');
      expect(err.context).to.deep.equal({ limit: 'DailyBulkV2QueryJobs', needed: 1, remaining: 0, max: 0 });
      expect(err.message).to.match(
        /^query: a query needs one job whatever it returns, so only that something is left is checked: the org has 0 of its daily 0 Bulk API 2.0 query jobs left/,
      );
      expect(await orgJobs()).to.equal(0);
      const rows = await drain(bulkQuery({ client: t.client, soql: 'SELECT Id FROM Account', bulkApi: 2, ignoreLimits: true })).then(
        () => 'read',
        (e: { code?: string; exceptionCode?: string }) => e.exceptionCode ?? e.code,
      );
      // Past the pre-flight, the org refuses the job itself, in its own words.
      expect(rows).to.equal('LIMIT_EXCEEDED');
    });
  });
});
