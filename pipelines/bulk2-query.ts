/**
 * bulkQuery's Bulk API 2.0 path (`bulkApi: 2`): creates the query job, polls it (the adaptive poll
 * loop, as v1), then reads its result pages in order (bulk2-query-pages.ts: the locator loop with
 * `maxRecords`, or the pages the org lists by `resultPages`, `concurrency` at once). The output is
 * v1's: CSV with one header (each page repeats it), or typed records, NDJSON or a JSON array: 2.0
 * results are CSV only, so each row is typed by the object's describe (query-row-typer.ts) and
 * written by the same QueryRecordOutput as v1's JSON results. A job still running when the run ends
 * early (an error, an abort, a reader that stopped) is aborted. Memory: one chunk of the page being
 * read and one CSV record; pages ahead of the reader wait in spool files.
 */
import { oneHeader } from '../lib/csv/skip-header.js';
import { readCsvRecords } from '../lib/csv/read-csv-records.js';
import { countingRecords } from '../lib/csv/count-records.js';
import { AbortedError, ParseError, PollTimeoutError, QueryJobFailedError } from '../lib/errors.js';
import type { QueryJobInfo } from '../lib/http/query-jobs.js';
import { unknownObjectOr } from '../lib/http/unknown-object.js';
import { pollTicks, type PollLoopOptions } from '../lib/poll-loop.js';
import { queryRowTyper } from '../lib/records/query-row-typer.js';
import { resultPageBodies } from './bulk2-query-pages.js';
import type { BulkQueryOptions, QueryOutput, QueryRecord } from './bulk-query.js';
import { queryBudget } from './daily-budget.js';
import { QueryRecordOutput } from './query-output.js';

/** `options` checked by bulkQuery; `ahead`: pages downloaded ahead of the one being read. */
export async function* runBulk2Query(
  options: BulkQueryOptions,
  object: string,
  format: QueryOutput,
  loop: PollLoopOptions,
  paging: { readonly maxRecords: number; readonly ahead: number },
): AsyncGenerator<Uint8Array | string | QueryRecord> {
  const { client, signal } = options;
  const jobs = client.queryJobs;
  // Create, a poll and a page: the fewest requests of a 2.0 query.
  await queryBudget(options, [
    { limit: 'DailyBulkV2QueryJobs', needed: 1 },
    { limit: 'DailyApiRequests', needed: 3 },
  ]);
  const job = await jobs.create({ query: options.soql, operation: options.all ? 'queryAll' : 'query' }, { signal }).catch(async (err: unknown) => {
    // An object the org does not have (INVALID_TYPE, or INVALIDJOB: Unable to find object): said with the nearest name.
    throw await unknownObjectOr(client, object, err, signal);
  });
  options.onJob?.(job.id);
  let finished = false;
  try {
    const done = await settled(options, job.id, loop);
    finished = true;
    let pagesKnown = 0;
    let pagesDone = 0;
    let rows = 0;
    const progress = () => options.onProgress?.({ batchesTotal: Math.max(pagesKnown, pagesDone), batchesDone: pagesDone, rows });
    const pages = resultPageBodies(jobs, done.id, { ...paging, signal, onPages: (n) => (pagesKnown = n) });
    const csv = oneHeader();
    // Each page's rows (its records but the header) checked against the count the org sent with it.
    const checked = (page: { body: AsyncIterable<Uint8Array>; numberOfRecords: number }) =>
      countingRecords(page.body, (records) => {
        const got = Math.max(0, records - 1);
        if (got !== page.numberOfRecords)
          throw new ParseError(`a results page of query job ${done.id} holds ${got} rows where the org said ${page.numberOfRecords}: rows were lost on the way`, {
            source: `results of query job ${done.id}`,
          });
      });
    if (format === 'csv') {
      for await (const page of pages) {
        yield* csv(checked(page));
        rows += page.numberOfRecords;
        pagesDone++;
        progress();
      }
      return;
    }
    // One CSV for all pages (one header), read record by record and typed.
    const bytes = async function* () {
      for await (const page of pages) {
        yield* csv(checked(page));
        pagesDone++;
        rows = typed.rows;
        progress();
      }
    };
    const typed = new QueryRecordOutput(format);
    let typer: ((row: readonly string[]) => QueryRecord) | undefined;
    for await (const records of readCsvRecords(bytes(), { source: `results of query job ${done.id}` })) {
      for (const fields of records) {
        if (typer) yield typed.item(typer(fields));
        else typer = await queryRowTyper(fields, object, (name) => client.describe(name, { signal }));
      }
    }
    const end = typed.end();
    if (end !== undefined) yield end;
  } catch (err) {
    if (err instanceof QueryJobFailedError) finished = true;
    if (signal?.aborted) throw new AbortedError(`query on ${object}`, signal.reason);
    throw err;
  } finally {
    // A job left running would still cost the org its run: aborted (a finished one is left, the org deletes it after 7 days).
    if (!finished) await jobs.abort(job.id).catch(() => undefined);
  }
}

/** Polls the job until it is JobComplete; Failed or Aborted is a QueryJobFailedError with the org's reason. */
async function settled(options: BulkQueryOptions, jobId: string, loop: PollLoopOptions): Promise<QueryJobInfo> {
  const { client, signal } = options;
  let last: QueryJobInfo['state'] | undefined;
  for await (const tick of pollTicks(loop, () => new PollTimeoutError(jobId, [], loop.timeoutMs))) {
    const info = await client.queryJobs.get(jobId, { signal });
    if (info.state === 'JobComplete') return info;
    if (info.state === 'Failed' || info.state === 'Aborted') throw new QueryJobFailedError(jobId, info.state, info.errorMessage);
    tick.changed = info.state !== last;
    last = info.state;
  }
  throw new PollTimeoutError(jobId, [], loop.timeoutMs); // pollTicks never ends by itself
}
