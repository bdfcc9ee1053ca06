/**
 * bulkpipe: composable Node.js streams for the Salesforce Bulk API v1. This barrel is the public
 * API; everything not exported here is internal.
 */
export {
  BulkError,
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
  OutputError,
  RunLockedError,
  BODY_EXCERPT_CHARS,
  type BulkErrorCode,
  type RunHolder,
  type ParseErrorContext,
  type RequestContext,
} from './lib/errors.js';
export {
  MAX_BATCH_RECORDS,
  MAX_BATCH_BYTES,
  MAX_BATCH_CHARACTERS,
  MAX_FIELD_CHARACTERS,
  MAX_RECORD_FIELDS,
  MAX_RECORD_CHARACTERS,
  DEFAULT_PK_CHUNK_SIZE,
  MAX_PK_CHUNK_SIZE,
  DEFAULT_API_VERSION,
  MAX_ZIP_BYTES,
  MAX_ZIP_FILES,
  MAX_ZIP_UNCOMPRESSED_BYTES,
} from './lib/limits.js';
export {
  OPERATIONS,
  JOB_STATES,
  BATCH_STATES,
  CONTENT_TYPES,
  CONCURRENCY_MODES,
  TERMINAL_BATCH_STATES,
  type Operation,
  type JobState,
  type BatchState,
  type ContentType,
  type ConcurrencyMode,
  type WireFormat,
  type JobRequest,
  type JobStateRequest,
  type JobInfo,
  type BatchInfo,
  type ApiErrorBody,
  type ResultError,
  type DmlResult,
} from './lib/types.js';
export { caseSafeSuffix, isValidId, toId15, toId18, sameId } from './lib/ids.js';
export { formatXmlDate, formatJsonDate, parseWireDate } from './lib/wire/dates.js';
export { DATALOAD_NS, XSI_NS, escapeXml } from './lib/wire/xml-writer.js';
export { readXmlElements, parseXmlDocument, type XmlElement, type XmlReadOptions } from './lib/wire/xml-reader.js';
export { readJsonArray, type JsonArrayReadOptions } from './lib/wire/json-reader.js';
export {
  MIME,
  batchMimeType,
  wireFormatOf,
  dataFormatOf,
  formatOfMime,
  type DataFormat,
} from './lib/wire/content-types.js';
export {
  serializeJobInfo,
  parseJobInfo,
  serializeJobRequest,
  parseJobRequest,
  serializeJobStateRequest,
  parseJobStateRequest,
} from './lib/wire/job-info.js';
export { serializeBatchInfo, serializeBatchInfoList, parseBatchInfo, readBatchInfoList } from './lib/wire/batch-info.js';
export { serializeApiError, parseApiError } from './lib/wire/api-error.js';
export {
  parseGlobalDescribe,
  parseSObjectDescribe,
  type GlobalDescribe,
  type SObjectSummary,
  type SObjectDescribe,
  type FieldDescribe,
  type PicklistValue,
} from './lib/wire/describe.js';
export { serializeResultList, readResultList } from './lib/wire/result-list.js';
export {
  CSV_RESULT_HEADER,
  csvQuote,
  formatResultErrors,
  parseResultErrors,
  serializeDmlResults,
  readDmlResults,
} from './lib/wire/dml-results.js';
export {
  serializeLoginRequest,
  parseLoginResponse,
  parseLoginFault,
  serializeLoginResponse,
  serializeLoginFault,
  instanceUrlOf,
  type LoginGrant,
  type LoginResult,
  type LoginFault,
} from './lib/auth/soap-login.js';
export type { Session, SessionProvider } from './lib/auth/session.js';
export { SoapLoginProvider, type SoapLoginOptions } from './lib/auth/soap-login-provider.js';
export { RetryPolicy, parseRetryAfter, DEFAULT_RETRY_STATUS_CODES, type RetryOptions } from './lib/http/retry.js';
export { RetryBudget, type RetryEvent, type RetryMode } from './lib/http/with-retries.js';
export { resumableBody, type ResumableBodyOptions } from './lib/http/resumable-body.js';
export { findCreatedJob, parseJobListPage, type ListedJob, type JobListPage, type CreatedJobSearch } from './lib/http/job-list.js';
export type { ConnectionOptions } from './lib/http/connection.js';
export type { UploadBody, FileBody } from './lib/http/upload-body.js';
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
} from './lib/http/client.js';
export { UploadRegistry, type UploadRegistryOptions, type PendingUpload } from './lib/load/upload-registry.js';
export {
  LOAD_OPERATIONS,
  type LoadOperation,
  type InputValue,
  type InputRecord,
  type AttachmentFile,
  type RowRun,
  type InputPosition,
  type SpooledBatch,
  type SubmittedBatch,
  type FinishedBatch,
  type JoinedRow,
  type JoinedBlock,
} from './lib/load-types.js';
export { LoadSpool, SPOOL_PREFIX, spoolOwner, type LoadSpoolOptions, type SpoolFileKind, type SpooledSegment } from './lib/load/load-spool.js';
export {
  LoadLedger,
  readLedger,
  LEDGER_FILE,
  SPOOL_FOLDER,
  type LedgerRun,
  type LedgerSegment,
  type LedgerJoined,
  type LedgerState,
  type OutputSizes,
} from './lib/load/load-ledger.js';
export { checkColumns, ColumnCheckError, type ColumnCheck } from './lib/load/column-check.js';
export { RESULT_COLUMNS, isResultColumn, planColumns, describeColumnPlan, type ColumnPlan } from './lib/load/column-plan.js';
export type { RejectEntry } from './lib/load/reject-file.js';
export { parseCsvText, type CsvProblem, type CsvTextOptions } from './lib/csv/parse-csv-text.js';
export { CsvRecordScanner } from './lib/csv/record-scanner.js';
export { countCsvFields } from './lib/csv/count-fields.js';
export { delimiterOption, detectDelimiter } from './lib/csv/delimiter.js';
export { csvRecordFault, judgeCsvRecord, type CsvRecordPlace, type CsvRecordRejection } from './lib/csv/csv-record-fault.js';
export { inputFault, limitFault, type InputFaultCode, type InputPlace } from './lib/load/input-fault.js';
export { parseColumnMap, mapColumns, type ColumnMap } from './lib/load/column-map.js';
export { ValueCheck } from './lib/load/value-check.js';
export { convertValue, type ValueField, type Converted, type Stored } from './lib/records/field-values.js';
export { datePattern, type DatePattern, type DateParts } from './lib/text/date-format.js';
export { DateConverter, dateConverter, type DateConverterOptions, type DateFieldType } from './transforms/date-converter.js';
export { AttachmentResolver, attachmentResolver, type AttachmentResolverOptions } from './transforms/attachment-resolver.js';
export { writeZipBatch } from './lib/attachments/write-zip-batch.js';
export { ZipBudget, zipBound, ZIP_LIMITS, MANIFEST_ENTRY, type ZipBudgetLimits } from './lib/attachments/zip-budget.js';
export { dryRunLoad, type DryRunOptions, type DryRunSummary } from './pipelines/dry-run.js';
export { readBatchPayload, PayloadError, type Payload, type PayloadRow, type FieldValue } from './lib/wire/batch-payload.js';
export { RecordParser, recordParser, INPUT_FORMATS, type InputFormat, type RecordParserOptions } from './transforms/record-parser.js';
export { RecordReader, recordReader, type RecordReaderOptions } from './transforms/record-reader.js';
export { plainRecordFields, type PlainRecordFields } from './lib/records/plain-record.js';
export { SegmentRows } from './transforms/segment-rows.js';
export { loadRows } from './pipelines/load-rows.js';
export {
  benchLoad,
  sweepSettings,
  spread,
  type BenchLoadOptions,
  type BenchOrg,
  type BenchReport,
  type BenchRun,
  type BenchSettings,
  type BenchSweep,
  type Spread,
} from './pipelines/bench-load.js';
export { benchTable, renderBenchReport, settingsLabel, barChart, lineChart, type BarGroup } from './pipelines/bench-report.js';
export { syntheticFields, syntheticValue, writeSyntheticCsv } from './lib/load/synthetic-records.js';
export { wrongStageItem, itemKind, type StageItemKind } from './lib/streams/stage-items.js';
export { BatchChunker, batchChunker, type BatchChunkerOptions } from './transforms/batch-chunker.js';
export { CsvBatchSplitter, csvBatchSplitter, type CsvBatchSplitterOptions } from './transforms/csv-batch-splitter.js';
export { BulkSubmitter, bulkSubmitter, type BulkSubmitterOptions, type ResumedUploads } from './transforms/bulk-submitter.js';
export { LedgerRecorder, type LedgerRecorderOptions } from './transforms/ledger-recorder.js';
export { planResume, readingOn, PrependSegments, type ResumePlan, type InputReading } from './pipelines/load-resume.js';
export { StatusPoller, statusPoller, type StatusPollerOptions, type BatchCounts } from './transforms/status-poller.js';
export { stoppableInput } from './transforms/stoppable-input.js';
export type { PollSettings } from './pipelines/poll-settings.js';
export { ResultJoiner, resultJoiner, type ResultJoinerOptions, type JoinerInput } from './transforms/result-joiner.js';
export { OutcomeSink, outcomeSink, type OutcomeSinkOptions } from './sinks/outcome-sink.js';
export {
  bulkLoad,
  type RecordInput,
  type LoadBatchEvent,
  type LoadProgress,
  type LoadSummary,
  type BulkLoadOptions,
} from './pipelines/bulk-load.js';
export type { PayloadType } from './lib/records/serialize-record.js';
export {
  bulkQuery,
  queryObject,
  QUERY_OUTPUTS,
  DEFAULT_QUERY_CONCURRENCY,
  type QueryOutput,
  type QueryProgress,
  type QueryRecord,
  type QueryValue,
  type BulkQueryOptions,
} from './pipelines/bulk-query.js';
