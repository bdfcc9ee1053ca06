/**
 * Bulk API 2.0 create requests whose answers never came: a run's own (the client sent them again) and
 * those a resume finds in its ledger without a job id. The jobs they made, if any, are Open, of the
 * load's object and operation, by this user, made within a minute after one of those requests went
 * out, and unknown to the load. They hold no data (an upload needs the job's id), so aborting them
 * loses nothing. But another load of the same user may have made a like job then: they are aborted
 * only when there are no more of them than lost creates; otherwise none is, and they are named.
 */
import type { BulkClient } from '../http/client.js';
import type { LoadOperation } from '../load-types.js';

/** How long after its create POST went out a job whose id never came back may be dated: the org's clock and ours differ a little. */
const CREATE_WINDOW_MS = 60_000;
const SKEW_MS = 5_000;

/**
 * Another maker of 2.0 jobs in the same run (the record retrier, issue 26): its jobs are known to a
 * settling, and while one runs no create of its is in flight (a job whose create answer is still on
 * its way would look like a lost create's, and be aborted live).
 */
export interface IngestJobMaker {
  /** Every job it made or took on (a resumed run's). */
  knownJobs(): Iterable<string>;
  /** Runs `settle` once no create of its is in flight, and starts none until it ends. */
  quiet<T>(settle: () => Promise<T>): Promise<T>;
}

/** Aborts the jobs the lost creates made, when they can be told; resolves to what to tell the user. */
export async function settleLostCreates(
  client: BulkClient,
  load: { readonly object: string; readonly operation: LoadOperation },
  lostAt: readonly number[],
  known: ReadonlySet<string>,
  signal: AbortSignal | undefined,
): Promise<string> {
  const from = Math.min(...lostAt) - SKEW_MS;
  const until = Math.max(...lostAt) + CREATE_WINDOW_MS;
  const user = (await client.identity({ signal })).userId?.slice(0, 15);
  const found: string[] = [];
  for await (const job of client.ingestJobs.list({ since: from, signal })) {
    const made = Date.parse(job.createdDate);
    if (known.has(job.id) || job.state !== 'Open' || made > until) continue;
    if (job.object.toLowerCase() !== load.object.toLowerCase() || job.operation !== load.operation) continue;
    if (user !== undefined && job.createdById.slice(0, 15) !== user) continue;
    found.push(job.id);
  }
  const lostCreates = `${lostAt.length} create request(s) of this load whose answer was lost`;
  if (found.length === 0) return `${lostCreates} made no job in the org`;
  if (found.length > lostAt.length)
    return `${lostCreates}; ${found.length} Open jobs like them were made then (${found.join(', ')}), more than this load can have made: none is aborted: abort those of this load in the org`;
  for (const id of found) await client.ingestJobs.abort(id, { signal });
  return `${lostCreates}: job(s) ${found.join(', ')}, made by them and holding no data, are aborted`;
}
