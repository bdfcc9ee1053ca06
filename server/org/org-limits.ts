/**
 * The org's daily allocations, as `GET /services/data/vXX.X/limits` reports them: each `{ Max,
 * Remaining }`, Remaining counted from the org's own activity over the last 24 hours. Bulk batches
 * and query jobs are counted from the jobs and batches tables; API requests from a per-hour counter
 * that this class keeps in memory and writes at most every few seconds (one small UPDATE, not one per
 * request). Salesforce itself says its figures are "accurate within five minutes".
 */
import { type Db, writeTransaction } from '../store/database.js';

/**
 * The maxima, in one table (a Developer Edition org's figures; the Bulk ones from the Bulk API
 * guide's limits). The rest are limits of features the local org does not have (Apex, email,
 * reports, streaming): real orgs list them and tools print them, and nothing here uses them.
 * Sources: the Bulk API 2.0 guide (batches, query jobs, query storage), a recorded Developer
 * Edition answer (nowellpoint's Limits.java) for the others.
 */
const MAXIMA = {
  ConcurrentAsyncGetReportInstances: 200,
  ConcurrentSyncReportRuns: 20,
  DailyApiRequests: 15_000,
  DailyAsyncApexExecutions: 250_000,
  DailyBulkApiBatches: 15_000,
  DailyBulkV2QueryFileStorageMB: 976_562,
  DailyBulkV2QueryJobs: 10_000,
  DailyDurableStreamingApiEvents: 10_000,
  DailyStreamingApiEvents: 10_000,
  DailyWorkflowEmails: 60,
  HourlyAsyncReportRuns: 1_200,
  HourlyDashboardRefreshes: 200,
  HourlySyncReportRuns: 500,
  HourlyTimeBasedWorkflow: 50,
  MassEmail: 10,
  SingleEmail: 15,
  StreamingApiConcurrentClients: 20,
} as const;

type LimitName = keyof typeof MAXIMA;

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

  constructor(db: Db, now: () => number = Date.now) {
    this.#now = now;
    // Its own table, created here: one row per hour with requests in it.
    writeTransaction(db, () => db.exec('CREATE TABLE IF NOT EXISTS api_request_counts (hour INTEGER PRIMARY KEY, requests INTEGER NOT NULL)'));
    this.#s = {
      add: db.prepare('INSERT INTO api_request_counts (hour, requests) VALUES (?, ?) ON CONFLICT (hour) DO UPDATE SET requests = requests + excluded.requests'),
      requests: db.prepare('SELECT coalesce(sum(requests), 0) AS n FROM api_request_counts WHERE hour > ?'),
      // The batch allocation Bulk API and Bulk API 2.0 share: "every batch that is processed in Bulk API or
      // Bulk API 2.0 counts ... In Bulk API 2.0, only ingest jobs consume batches. Query jobs don't."
      // (limits cheat sheet): every v1 batch (query batches and PK chunks too), v2 ingest's internal ones.
      batches: db.prepare(`SELECT count(*) AS n FROM batches b JOIN jobs j ON j.id = b.job_id WHERE b.created_date >= ? AND j.job_type IN ('Classic', 'V2Ingest')`),
      queryJobs: db.prepare("SELECT count(*) AS n FROM jobs WHERE job_type = 'V2Query' AND created_date >= ?"),
      // A 2.0 query job's results are its stored rows (v2_query_chunks, server/store/v2-query-store.ts).
      queryBytes: db.prepare(`SELECT coalesce(sum(length(q.data)), 0) AS n FROM v2_query_chunks q JOIN batches b ON b.id = q.batch_id
        JOIN jobs j ON j.id = b.job_id WHERE j.job_type = 'V2Query' AND j.created_date >= ?`),
    };
    this.flush();
  }

  /** One authenticated API request (REST or Bulk), counted toward DailyApiRequests. */
  countRequest(): void {
    const now = this.#now();
    const hour = Math.floor(now / HOUR_MS);
    if (hour !== this.#hour) {
      this.flush();
      this.#hour = hour;
    }
    this.#pending++;
    if (now - this.#flushedAt >= FLUSH_MS) this.flush();
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
    return `api-usage=${this.#written + this.#pending}/${MAXIMA.DailyApiRequests}`;
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
      const max = MAXIMA[name];
      // Before v49.0 the batch allocation was named DailyBulkApiRequests (renamed in Summer '20; a guess from old recorded answers).
      const key = name === 'DailyBulkApiBatches' && Number(apiVersion) < 49 ? 'DailyBulkApiRequests' : name;
      out[key] = { Max: max, Remaining: max - (used[name] ?? 0) };
    }
    return out;
  }
}
