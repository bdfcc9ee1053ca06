/**
 * The org's daily allocations, as `GET /services/data/vXX.X/limits` reports them: each `{ Max,
 * Remaining }`, Remaining counted from the org's own activity over the last 24 hours. Bulk batches
 * and query jobs are counted from the jobs and batches tables; API requests from a per-hour counter
 * that this class keeps in memory and writes at most every few seconds (one small UPDATE, not one per
 * request). Salesforce itself says its figures are "accurate within five minutes".
 */
import { InvalidOptionError } from '../../lib/errors.js';
import { suggest } from '../../lib/load/column-check.js';
import { nonNegativeInteger } from '../../lib/options.js';
import { type Db, writeTransaction } from '../store/database.js';
import { LIMIT_NAMES, type LimitMaxima, type LimitName, MAXIMA } from './limit-names.js';

export type { LimitMaxima, LimitName };

/** The maxima given, checked: each a known limit's name (with a did-you-mean) and a whole number. */
export function checkLimitMaxima(given: Readonly<Record<string, unknown>>): LimitMaxima {
  const out: Partial<Record<LimitName, number>> = {};
  for (const [name, value] of Object.entries(given)) {
    if (!(LIMIT_NAMES as readonly string[]).includes(name)) throw new InvalidOptionError('limits', `one of the org's limits${suggest(name, LIMIT_NAMES)}`, name);
    out[name as LimitName] = nonNegativeInteger(`limits.${name}`, value);
  }
  return out;
}

/**
 * The refusals of a spent limit, in Salesforce's words where they are recorded:
 * - REST (and Bulk API 2.0, which is REST) over DailyApiRequests: 403 `REQUEST_LIMIT_EXCEEDED`
 *   "TotalRequests Limit exceeded." (the body many clients match: airbyte's source-salesforce
 *   (PR #8206), Salesforce Inspector's recorded 403, Go and Python integrations' tests).
 * - A 2.0 query job over DailyBulkV2QueryJobs: 400 `LIMIT_EXCEEDED` "Max bulk v2 query jobs (10000)
 *   per 24 hrs has been reached (10021)" (airbyte issue #26520 and its unit test; estuary's
 *   source-salesforce-native matches the same prefix).
 * - Bulk API v1 batch over DailyBulkApiBatches: `ExceededQuota`, the code the Bulk API guide's
 *   "Errors" list gives for "the job or batch you tried to create exceeds the allowed number for the
 *   past 24-hour period"; HTTP 400 as every v1 exceptionCode (spec v1 §6.2). The message is that
 *   description [unconfirmed wording]; the same code and text on any v1 request over
 *   DailyApiRequests, with the REST message [unconfirmed: no recorded v1 answer].
 * - A 2.0 ingest job whose internal batches exceed DailyBulkApiBatches: the job Failed, its data
 *   not processed (the 2.0 guide: over an allocation "the remaining data isn't processed. The ingest
 *   job is marked as having failed"), errorMessage `ExceededQuota : <the description>` [unconfirmed wording].
 */
export const QUOTA_MESSAGE = 'The job or batch you tried to create exceeds the allowed number for the past 24-hour period';
export const REQUEST_LIMIT_MESSAGE = 'TotalRequests Limit exceeded.';

const DAY_MS = 24 * 3_600_000;
const HOUR_MS = 3_600_000;
/** Counted requests reach the table at most this long after they were made. */
const FLUSH_MS = 5_000;

export class OrgLimits {
  readonly #now: () => number;
  readonly #s;
  #hour = -1;
  #pending = 0;
  #flushedAt = 0;
  /** The requests of the last 24 h in the table, as of the last write. */
  #written = 0;
  readonly #max: Record<LimitName, number>;

  constructor(db: Db, maxima: LimitMaxima = {}, now: () => number = Date.now) {
    this.#now = now;
    this.#max = { ...MAXIMA, ...maxima };
    // Its own table, created here: one row per hour with requests in it. Its own index too: each v1
    // batch create counts the last 24 hours' batches, which without it scans every batch the file holds.
    writeTransaction(db, () =>
      db.exec(`CREATE TABLE IF NOT EXISTS api_request_counts (hour INTEGER PRIMARY KEY, requests INTEGER NOT NULL);
        CREATE INDEX IF NOT EXISTS batches_by_created ON batches (created_date)`),
    );
    this.#s = {
      add: db.prepare('INSERT INTO api_request_counts (hour, requests) VALUES (?, ?) ON CONFLICT (hour) DO UPDATE SET requests = requests + excluded.requests'),
      requests: db.prepare('SELECT coalesce(sum(requests), 0) AS n FROM api_request_counts WHERE hour > ?'),
      // The batch allocation Bulk API and Bulk API 2.0 share: "every batch that is processed in Bulk API or
      // Bulk API 2.0 counts ... In Bulk API 2.0, only ingest jobs consume batches. Query jobs don't."
      // (limits cheat sheet): every v1 batch (query batches and PK chunks too), v2 ingest's internal ones.
      batches: db.prepare(`SELECT count(*) AS n FROM batches b JOIN jobs j ON j.id = b.job_id WHERE b.created_date >= ? AND j.job_type IN ('Classic', 'V2Ingest')`),
      jobBatches: db.prepare('SELECT count(*) AS n FROM batches WHERE job_id = ?'),
      queryJobs: db.prepare("SELECT count(*) AS n FROM jobs WHERE job_type = 'V2Query' AND created_date >= ?"),
      // A 2.0 query job's results are its stored rows (v2_query_chunks, server/store/v2-query-store.ts).
      queryBytes: db.prepare(`SELECT coalesce(sum(length(q.data)), 0) AS n FROM v2_query_chunks q JOIN batches b ON b.id = q.batch_id
        JOIN jobs j ON j.id = b.job_id WHERE j.job_type = 'V2Query' AND j.created_date >= ?`),
    };
    this.flush();
  }

  /**
   * One authenticated API request (REST or Bulk), counted toward DailyApiRequests; false, and not
   * counted, when the allocation is spent (the caller refuses it).
   */
  countRequest(): boolean {
    if (this.#written + this.#pending >= this.#max.DailyApiRequests) {
      // The rolling window may have moved since the last write: look again before refusing.
      this.flush();
      if (this.#written >= this.#max.DailyApiRequests) return false;
    }
    const now = this.#now();
    const hour = Math.floor(now / HOUR_MS);
    if (hour !== this.#hour) {
      this.flush();
      this.#hour = hour;
    }
    this.#pending++;
    if (now - this.#flushedAt >= FLUSH_MS) this.flush();
    return true;
  }

  /** True when one more Bulk batch (v1) fits in DailyBulkApiBatches. */
  batchAllowed(): boolean {
    return this.#usedBatches() < this.#max.DailyBulkApiBatches;
  }

  /**
   * A 2.0 ingest job's internal batches (staged, so counted already) over DailyBulkApiBatches: the
   * job's refusal (its errorMessage), or null when they fit.
   */
  ingestRefusal(jobId: string): string | null {
    if (this.#usedBatches() <= this.#max.DailyBulkApiBatches) return null;
    return (this.#s.jobBatches.get(jobId) as { n: number }).n === 0 ? null : `ExceededQuota : ${QUOTA_MESSAGE}`;
  }

  /** A new 2.0 query job over DailyBulkV2QueryJobs: Salesforce's message, or null when it fits. */
  queryJobRefusal(): string | null {
    const used = (this.#s.queryJobs.get(this.#now() - DAY_MS) as { n: number }).n;
    const max = this.#max.DailyBulkV2QueryJobs;
    return used < max ? null : `Max bulk v2 query jobs (${max}) per 24 hrs has been reached (${used})`;
  }

  #usedBatches(): number {
    return (this.#s.batches.get(this.#now() - DAY_MS) as { n: number }).n;
  }

  /** Writes the requests counted since the last write (also at close). */
  flush(): void {
    const now = this.#now();
    this.#flushedAt = now;
    if (this.#pending > 0) this.#s.add.run(this.#hour, this.#pending);
    this.#pending = 0;
    this.#written = (this.#s.requests.get(Math.floor(now / HOUR_MS) - 24) as { n: number }).n;
  }

  /**
   * `api-usage=USED/MAX`: the `Sforce-Limit-Info` header Salesforce puts on REST answers (jsforce
   * reads it into `conn.limitInfo`). From memory: the count as of the last write plus those since.
   */
  limitInfo(): string {
    return `api-usage=${this.#written + this.#pending}/${this.#max.DailyApiRequests}`;
  }

  /** Every limit with its Max and Remaining, keys in Salesforce's (alphabetical) order. */
  snapshot(apiVersion: string): Record<string, { Max: number; Remaining: number }> {
    this.flush();
    const now = this.#now();
    const since = now - DAY_MS;
    const count = (stmt: { get: (...args: unknown[]) => unknown }, ...args: unknown[]) => (stmt.get(...args) as { n: number }).n;
    const used: Partial<Record<LimitName, number>> = {
      DailyApiRequests: count(this.#s.requests, Math.floor(now / HOUR_MS) - 24),
      DailyBulkApiBatches: count(this.#s.batches, since),
      DailyBulkV2QueryJobs: count(this.#s.queryJobs, since),
      DailyBulkV2QueryFileStorageMB: Math.ceil(count(this.#s.queryBytes, since) / (1024 * 1024)),
    };
    const out: Record<string, { Max: number; Remaining: number }> = {};
    for (const name of Object.keys(MAXIMA).sort() as LimitName[]) {
      const max = this.#max[name];
      // Before v49.0 the batch allocation was named DailyBulkApiRequests (renamed in Summer '20; a guess from old recorded answers).
      const key = name === 'DailyBulkApiBatches' && Number(apiVersion) < 49 ? 'DailyBulkApiRequests' : name;
      out[key] = { Max: max, Remaining: Math.max(0, max - (used[name] ?? 0)) };
    }
    return out;
  }
}
