/**
 * The names and default maxima of the local org's daily limits: a module of its own, with no
 * import, so that `bulkpipe server --help` and its `--limit` check load nothing of the org.
 */

/**
 * The maxima, in one table (a Developer Edition org's figures; the Bulk ones from the Bulk API
 * guide's limits). The rest are limits of features the local org does not have (Apex, email,
 * reports, streaming): real orgs list them and tools print them, and nothing here uses them.
 * Sources: the Bulk API 2.0 guide (batches, query jobs, query storage), a recorded Developer
 * Edition answer (nowellpoint's Limits.java) for the others.
 */
export const MAXIMA = {
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

/** The name of a limit the local org reports (`DailyBulkApiBatches`, ...). */
export type LimitName = keyof typeof MAXIMA;

/** Every limit's name, in `/limits` order: what `--limit NAME=N` accepts. */
export const LIMIT_NAMES = Object.keys(MAXIMA).sort() as readonly LimitName[];

/** A limit's Max, set by `startServer({ limits })` or `bulkpipe server --limit NAME=N`. */
export type LimitMaxima = Readonly<Partial<Record<LimitName, number>>>;
