/**
 * bulkpipe: composable Node.js streams for the Salesforce Bulk API v1. This barrel is the public
 * API for what users compose: the load and query functions, the stages with their options and
 * typed events, the client, the errors and the types they carry. Everything not exported here is
 * internal. What some users need beyond it has its own sub-path: `bulkpipe/wire` (the Bulk API
 * codec), `bulkpipe/bench` (measuring loads) and `bulkpipe/server` (the local org).
 */
export {
  BulkError,
  ContextError,
  InvalidOptionError,
  InvalidIdError,
  ParseError,
  HttpStatusError,
  BulkApiError,
  SessionExpiredError,
  LoginError,
  NetworkError,
  AbortedError,
  PollTimeoutError,
  JoinMismatchError,
  BatchFailedError,
  QueryJobFailedError,
  OutputError,
  RunLockedError,
  ColumnCheckError,
  DuplicateColumnError,
  UnknownObjectError,
  UnnamedColumnError,
  DateFormatMismatchError,
  NamelessHeaderError,
  BodyReplayError,
  StreamBodyError,
  JobUnknownError,
  SpoolRowsMismatchError,
  SegmentLostError,
  LedgerError,
  SpoolError,
  StageOrderError,
  AttachmentError,
  MissingPackageError,
  DailyLimitError,
  ROW_ERROR_CODES,
  type BulkErrorCode,
  type RowErrorCode,
  type RunHolder,
  type ParseErrorContext,
  type RequestContext,
  type BodyReplayContext,
  type StreamBodyContext,
  type JobUnknownContext,
  type SpoolRowsContext,
  type SegmentLostContext,
  type BatchRef,
  type LedgerProblem,
  type LedgerErrorContext,
  type SpoolErrorContext,
  type StageOrderContext,
  type AttachmentErrorContext,
  type MissingPackageContext,
  type DailyLimitContext,
} from './lib/errors.js';

// The client, its login and the Bulk API documents its calls return.
export {
  BulkClient,
  type BulkClientOptions,
  type LoginOptions,
  type CallOptions,
  type CreateJobOptions,
  type AddBatchOptions,
  type PkChunkingOptions,
  type DownloadedBody,
  type OrgIdentity,
  type ApiUsage,
  type OrgLimit,
  type OrgLimits,
} from './lib/http/client.js';
// Bulk API 2.0 query jobs, as `client.queryJobs` gives them.
export type {
  QueryJobs,
  QueryJobRequest,
  QueryJobInfo,
  QueryJobState,
  QueryOperation,
  ColumnDelimiter,
  LineEnding,
  QueryResultsPage,
  ResultPageList,
  ResultsOptions,
} from './lib/http/query-jobs.js';
export type { SoapLoginOptions } from './lib/auth/soap-login-provider.js';
export type { Session, SessionProvider } from './lib/auth/session.js';
export type { RetryOptions } from './lib/http/retry.js';
export type { RetryEvent } from './lib/http/with-retries.js';
export type { ConnectionOptions } from './lib/http/connection.js';
export type { UploadBody, FileBody } from './lib/http/upload-body.js';
export type { ReplayableStreamBody } from './lib/http/client.js';
export type { IngestJobs, IngestJobInfo, IngestJobRequest, IngestJobState, IngestResultFile, IngestListOptions, IngestUploadOptions } from './lib/http/ingest-jobs.js';
export { UploadRegistry, type UploadRegistryOptions, type PendingUpload } from './lib/load/upload-registry.js';
export type {
  Operation,
  JobState,
  BatchState,
  ContentType,
  ConcurrencyMode,
  JobRequest,
  JobInfo,
  BatchInfo,
  ResultError,
  DmlResult,
} from './lib/types.js';
export type { GlobalDescribe, SObjectSummary, SObjectDescribe, FieldDescribe, PicklistValue } from './lib/wire/describe.js';

// Loads. The three load functions import their pipeline at their first call (issue 28): it is a third
// of the package's modules, and `import 'bulkpipe'` need not compile it for code that only composes stages.
export type {
  RecordInput,
  LoadBatchEvent,
  LoadProgress,
  LoadSummary,
  LoadBudget,
  FailedJob,
  LoadLedgerOutcome,
  BulkLoadOptions,
} from './pipelines/bulk-load.js';
export type { DryRunOptions, DryRunSummary } from './pipelines/dry-run.js';
import type { BulkLoadOptions, LoadSummary } from './pipelines/bulk-load.js';
import type { DryRunOptions, DryRunSummary } from './pipelines/dry-run.js';
import type { JoinedRow } from './lib/load-types.js';

/** The whole load as one pipeline, file (or stream) to result files; resolves to the run's summary (pipelines/bulk-load.ts). */
export async function bulkLoad(options: BulkLoadOptions): Promise<LoadSummary> {
  return (await import('./pipelines/bulk-load.js')).bulkLoad(options);
}

/** bulkLoad as an async iterator of its rows, in input order, the summary as its return value (pipelines/load-rows.ts). */
export async function* loadRows(options: Omit<BulkLoadOptions, 'onRows'>): AsyncGenerator<JoinedRow, LoadSummary, undefined> {
  return yield* (await import('./pipelines/load-rows.js')).loadRows(options);
}

/** Reads and checks the input as a load would, sending nothing (pipelines/dry-run.ts). */
export async function dryRunLoad(options: DryRunOptions): Promise<DryRunSummary> {
  return (await import('./pipelines/dry-run.js')).dryRunLoad(options);
}
export { parseColumnMap, type ColumnMap } from './lib/load/column-map.js';
export type { PayloadType } from './lib/records/serialize-record.js';
export { LoadLedger, readLedger, type LedgerRun, type LedgerSegment, type LedgerJoined, type LedgerState } from './lib/load/load-ledger.js';

// The stages of a load, in pipeline order, and what passes between them.
export type {
  LoadOperation,
  InputValue,
  InputRecord,
  AttachmentFile,
  RowRun,
  InputPosition,
  SpooledBatch,
  SubmittedBatch,
  FinishedBatch,
  JoinedRow,
  JoinedBlock,
} from './lib/load-types.js';
export { RecordParser, recordParser, type InputFormat, type RecordParserOptions } from './transforms/record-parser.js';
export { RecordReader, recordReader, type RecordReaderOptions } from './transforms/record-reader.js';
export { DateConverter, dateConverter, type DateConverterOptions, type DateFieldType } from './transforms/date-converter.js';
export { AttachmentResolver, attachmentResolver, type AttachmentResolverOptions } from './transforms/attachment-resolver.js';
export { RecordGrouper, recordGrouper, type RecordGrouperOptions } from './transforms/record-grouper.js';
export { BatchChunker, batchChunker, type BatchChunkerOptions } from './transforms/batch-chunker.js';
export { CsvBatchSplitter, csvBatchSplitter, type CsvBatchSplitterOptions } from './transforms/csv-batch-splitter.js';
export { LoadSpool, type LoadSpoolOptions } from './lib/load/load-spool.js';
export { LedgerRecorder, type LedgerRecorderOptions } from './transforms/ledger-recorder.js';
export { BulkSubmitter, bulkSubmitter, type BulkSubmitterOptions } from './transforms/bulk-submitter.js';
export { AdaptiveConcurrency, type AdaptiveConcurrencyOptions, type ConcurrencyChange } from './lib/load/adaptive-concurrency.js';
export { StatusPoller, statusPoller, type StatusPollerOptions, type BatchCounts } from './transforms/status-poller.js';
export { IngestJobSubmitter, ingestJobSubmitter, type IngestJobSubmitterOptions, type ResumedIngestJob } from './transforms/ingest-job-submitter.js';
export { IngestJobPoller, ingestJobPoller, type IngestJobPollerOptions } from './transforms/ingest-job-poller.js';
export type { PollSettings } from './pipelines/poll-settings.js';
export { RecordRetrier, recordRetrier, type RecordRetrierOptions } from './transforms/record-retrier.js';
export { ResultJoiner, resultJoiner, type ResultJoinerOptions, type JoinerInput } from './transforms/result-joiner.js';
export { OutcomeSink, outcomeSink, type OutcomeSinkOptions } from './sinks/outcome-sink.js';
export { SegmentRows } from './transforms/segment-rows.js';

// Queries.
export {
  bulkQuery,
  type QueryOutput,
  type QueryProgress,
  type QueryRecord,
  type QueryValue,
  type BulkQueryOptions,
} from './pipelines/bulk-query.js';
