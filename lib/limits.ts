/**
 * Limits of the Bulk API v1 (wire §7.1) and the defaults derived from them. One place, so that
 * the chunker, the server and the docs agree.
 */

/** Most records in one batch. */
export const MAX_BATCH_RECORDS = 10_000;
/** Most bytes in one batch file (10 MB, decimal: the Bulk API counts 10,000,000 bytes). */
export const MAX_BATCH_BYTES = 10_000_000;
/** Most characters in one batch. */
export const MAX_BATCH_CHARACTERS = 10_000_000;
/** Most characters in one field. */
export const MAX_FIELD_CHARACTERS = 32_000;
/** Most fields in one record. */
export const MAX_RECORD_FIELDS = 5_000;
/** Most characters in one record. */
export const MAX_RECORD_CHARACTERS = 400_000;
/** PK chunking: default and largest chunk sizes (wire §7.2). */
export const DEFAULT_PK_CHUNK_SIZE = 100_000;
export const MAX_PK_CHUNK_SIZE = 250_000;

/**
 * Bulk API 2.0 (its reference §3.5, §6): a job takes one upload of at most 150 MB after base64, so
 * about 112 MB of CSV; Salesforce advises at most 100 MB. A load cuts its input into jobs of at most
 * this many bytes of CSV.
 */
export const DEFAULT_JOB_BYTES = 100_000_000;
export const MAX_JOB_BYTES = 112_500_000;
/** The smallest job size a load takes: a job is at least a segment, and tests cut small jobs. */
export const MIN_JOB_BYTES = 1_000;

/** The API version used when none is given: a recent one (JSON jobs need 36.0 or later; Salesforce retires old versions). */
export const DEFAULT_API_VERSION = '62.0';

/**
 * Most bytes of one input record that a parser holds while reading it: a record larger than a batch
 * can never be uploaded, so past this it is read on without being kept and rejected (the same in
 * every input format).
 */
export const MAX_INPUT_RECORD_BYTES = 10_000_000; // MAX_BATCH_BYTES

/**
 * A binary-attachment batch (a zip, wire §2.2 and §7.1): the zip file itself within the batch
 * limit, its files at most 20 MB uncompressed, at most 1,000 files besides the manifest.
 */
export const MAX_ZIP_BYTES = 10_000_000; // MAX_BATCH_BYTES
export const MAX_ZIP_FILES = 1000;
export const MAX_ZIP_UNCOMPRESSED_BYTES = 20_000_000;

/**
 * A run's defaults, each written once: the stages, the pipelines and the CLI take them from here.
 * Uploads in flight for a load (the org's limits make more no faster), and at most.
 */
export const DEFAULT_LOAD_CONCURRENCY = 4;
export const MAX_LOAD_CONCURRENCY = 25;
/** Finished batches whose results download while the one before is written: default, and at most. */
export const DEFAULT_JOIN_AHEAD = 1;
export const MAX_JOIN_AHEAD = 8;
/**
 * Polling a job's batches (a load's and a query's alike): the first and shortest wait, the longest
 * the wait backs off to while nothing changes, and the most time spent waiting in all.
 */
export const DEFAULT_MIN_POLL_INTERVAL_MS = 500;
export const DEFAULT_MAX_POLL_INTERVAL_MS = 10_000;
export const DEFAULT_POLL_TIMEOUT_MS = 6 * 3_600_000;
/** The longest wait between polls and the longest wait in all that a run takes (lib/poll-loop.ts). */
export const MAX_POLL_INTERVAL_MS = 3_600_000;
export const MAX_POLL_TIMEOUT_MS = 7 * 86_400_000;
/**
 * Record retry (issue 26): further attempts of a record whose result proves it was not written
 * (`retryRecords`; 0 turns it off), and at most; the wait before the first retry (each later one
 * doubles it, with jitter) and the longest wait.
 */
export const DEFAULT_RETRY_RECORDS = 3;
export const MAX_RETRY_RECORDS = 20;
export const DEFAULT_RETRY_DELAY_MS = 2_000;
export const MAX_RETRY_DELAY_MS = 60_000;

/** Bulk API 2.0 query pages (the CLI checks --max-records with it before it loads a query's pipeline). */
/** Rows asked for per page in the locator loop, by default (simple-salesforce's page size against real orgs). */
export const DEFAULT_QUERY_PAGE_ROWS = 50_000;
/** Most rows per page: a page is what a failed download fetches again. */
export const MAX_QUERY_PAGE_ROWS = 1_000_000;
