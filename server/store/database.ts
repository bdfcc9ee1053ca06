/**
 * The local org's SQLite database (better-sqlite3, WAL): users and sessions, jobs, batches with their
 * uploaded requests and per-row results, query result files, and the records themselves (one row per
 * record, its fields as JSON, so that any schema fits one table and SOQL runs on json_extract).
 */
import type Database from 'better-sqlite3';
import { MissingPackageError } from '../../lib/errors.js';

export type Db = Database.Database;

/**
 * better-sqlite3 is an optional peer dependency (a native module: the client installs without a
 * compiler), so it is loaded here, once, with one clear message when it is not installed.
 */
export const Sqlite: typeof Database = await import('better-sqlite3').then(
  (m) => m.default,
  (err: NodeJS.ErrnoException) => {
    if (err.code !== 'ERR_MODULE_NOT_FOUND') throw err;
    throw new MissingPackageError(
      'the local org needs the package better-sqlite3, which is not installed: npm install better-sqlite3 (it compiles a native module where no prebuilt one fits)',
      { packageName: 'better-sqlite3' },
      { cause: err },
    );
  },
);

const SCHEMA = `
CREATE TABLE IF NOT EXISTS id_counters (prefix TEXT PRIMARY KEY, next INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS users (id TEXT PRIMARY KEY, username TEXT NOT NULL UNIQUE, password TEXT NOT NULL, full_name TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS sessions (id TEXT PRIMARY KEY, user_id TEXT NOT NULL, expires_at INTEGER NOT NULL);
-- The schemas (objects, fields) jobs were created under: processes that share the file may differ.
CREATE TABLE IF NOT EXISTS schemas (id INTEGER PRIMARY KEY, definition TEXT NOT NULL UNIQUE);
CREATE TABLE IF NOT EXISTS jobs (
  id TEXT PRIMARY KEY,
  user_id TEXT NOT NULL,
  operation TEXT NOT NULL,
  object TEXT NOT NULL,
  external_id_field TEXT,
  concurrency_mode TEXT NOT NULL,
  content_type TEXT NOT NULL,
  state TEXT NOT NULL,
  api_version TEXT NOT NULL,
  assignment_rule_id TEXT,
  pk_chunking TEXT,
  created_date INTEGER NOT NULL,
  modstamp INTEGER NOT NULL,
  schema_id INTEGER,
  -- Bulk API v1 jobs are 'Classic'; Bulk API 2.0 jobs 'V2Ingest' or 'V2Query' (same ids, same table).
  job_type TEXT NOT NULL DEFAULT 'Classic',
  -- Bulk API 2.0 only: the CSV's line ending (LF, CRLF) and column delimiter (COMMA, TAB, ...).
  line_ending TEXT,
  column_delimiter TEXT,
  -- Bulk API 2.0 only: why a Failed job failed (its JobInfo errorMessage).
  error_message TEXT,
  -- Bulk API 2.0 ingest: the upload streaming in (server/v2/upload-lease.ts), whose batches are staged
  -- until it is received; then the header it began with (JSON), which also says the job has its data.
  upload_token TEXT,
  upload_header TEXT
);
CREATE TABLE IF NOT EXISTS batches (
  id TEXT PRIMARY KEY,
  job_id TEXT NOT NULL,
  seq INTEGER NOT NULL,
  state TEXT NOT NULL,
  state_message TEXT,
  created_date INTEGER NOT NULL,
  modstamp INTEGER NOT NULL,
  records_processed INTEGER NOT NULL DEFAULT 0,
  records_failed INTEGER NOT NULL DEFAULT 0,
  total_ms INTEGER NOT NULL DEFAULT 0,
  api_ms INTEGER NOT NULL DEFAULT 0,
  progress INTEGER NOT NULL DEFAULT 0,
  -- PK chunking: a chunk batch runs its parent's query over the id range [pk_from, pk_to).
  pk_parent TEXT,
  pk_from TEXT,
  pk_to TEXT,
  -- While InProgress: the batch processor that claimed it (one per file at a time; see batch-processor.ts).
  owner TEXT
);
CREATE INDEX IF NOT EXISTS batches_by_job ON batches (job_id, seq);
-- Uploaded payloads apart from the batch rows: SQLite rewrites a whole row on update, and a batch's
-- state and progress change many times while its payload (up to 10 MB) never does.
CREATE TABLE IF NOT EXISTS batch_requests (batch_id TEXT PRIMARY KEY, body BLOB NOT NULL);
CREATE INDEX IF NOT EXISTS batches_by_state ON batches (state, created_date);
-- Results are stored a chunk at a time: one row per chunk of up to chunkRows results (JSON).
CREATE TABLE IF NOT EXISTS batch_result_chunks (
  batch_id TEXT NOT NULL,
  first_row INTEGER NOT NULL,
  rows INTEGER NOT NULL,
  results TEXT NOT NULL,
  PRIMARY KEY (batch_id, first_row)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS query_results (id TEXT PRIMARY KEY, batch_id TEXT NOT NULL, seq INTEGER NOT NULL, data BLOB NOT NULL);
CREATE INDEX IF NOT EXISTS query_results_by_batch ON query_results (batch_id, seq);
-- Bulk API 2.0 query results: a batch's rows as CSV lines in chunks, with each row's byte offset
-- (little-endian uint32s), so that a page starting at any row reads only the chunks it covers.
CREATE TABLE IF NOT EXISTS v2_query_chunks (
  batch_id TEXT NOT NULL,
  first_row INTEGER NOT NULL,
  rows INTEGER NOT NULL,
  offsets BLOB NOT NULL,
  data BLOB NOT NULL,
  PRIMARY KEY (batch_id, first_row)
);
-- The key prefix of an id names its object, so the primary key alone serves per-object scans.
-- A rowid table: with rows of a few hundred bytes it inserts ~1.6x faster than WITHOUT ROWID.
-- System fields live in columns, the rest as JSON: a third less to serialize and store per record.
CREATE TABLE IF NOT EXISTS records (
  id TEXT PRIMARY KEY,
  object TEXT NOT NULL,
  deleted INTEGER NOT NULL DEFAULT 0,
  created_date TEXT NOT NULL,
  modstamp TEXT NOT NULL,
  owner_id TEXT,
  created_by TEXT,
  data TEXT NOT NULL
);
`;

/**
 * Opens the org's file. Several processes may open one file at once (two CLI loads on the default
 * org, `bulkpipe server` beside them): first-time setup runs in one write transaction, so that it is
 * done exactly once, and writers wait for each other rather than fail.
 */
export function openDatabase(path: string, pageCacheMiB = 128): Db {
  const db = new Sqlite(path);
  // Writers of other processes hold the lock for one chunk (milliseconds) or one upload's insert;
  // 30 s covers a machine under load, where 5 s failed a load whole.
  db.pragma('busy_timeout = 30000');
  whenNotBusy(() => db.pragma('journal_mode = WAL'));
  // NORMAL is durable across process crashes in WAL mode (only an OS crash can lose the last commits).
  db.pragma('synchronous = NORMAL');
  // 128 MiB of page cache by default (SQLite's is 2 MiB): keeps the records' index hot during large
  // loads. The CLI's in-process org takes less: the cache fills during a load and stays in its RSS.
  db.pragma(`cache_size = ${-Math.trunc(pageCacheMiB) * 1024}`);
  db.pragma('wal_autocheckpoint = 10000');
  writeTransaction(db, () => {
    db.exec(SCHEMA);
    // Files of earlier versions lack the columns of the claim and of a job's schema.
    const has = (table: string, column: string) => (db.pragma(`table_info(${table})`) as Array<{ name: string }>).some((c) => c.name === column);
    if (!has('batches', 'owner')) db.exec('ALTER TABLE batches ADD COLUMN owner TEXT');
    if (!has('jobs', 'schema_id')) db.exec('ALTER TABLE jobs ADD COLUMN schema_id INTEGER');
    if (!has('jobs', 'job_type')) {
      db.exec("ALTER TABLE jobs ADD COLUMN job_type TEXT NOT NULL DEFAULT 'Classic'");
      db.exec('ALTER TABLE jobs ADD COLUMN line_ending TEXT');
      db.exec('ALTER TABLE jobs ADD COLUMN column_delimiter TEXT');
      db.exec('ALTER TABLE jobs ADD COLUMN error_message TEXT');
    }
    if (!has('jobs', 'upload_header')) {
      db.exec('ALTER TABLE jobs ADD COLUMN upload_token TEXT');
      db.exec('ALTER TABLE jobs ADD COLUMN upload_header TEXT');
      // A 2.0 job of an earlier file that holds batches or a refusal was uploaded (its header is read from its first batch).
      db.exec(`UPDATE jobs SET upload_header = '[]' WHERE job_type = 'V2Ingest'
        AND (error_message IS NOT NULL OR EXISTS (SELECT 1 FROM batches b WHERE b.job_id = jobs.id))`);
    }
  });
  return db;
}

/**
 * Runs `fn` again while SQLite answers SQLITE_BUSY, for at most the busy timeout. Switching a fresh
 * file to WAL needs the file to itself, and SQLite fails it at once (no busy handler) while another
 * process opens the same new file: two CLI loads started together on a fresh default org.
 */
function whenNotBusy<T>(fn: () => T, timeoutMs = 30_000): T {
  const until = Date.now() + timeoutMs;
  const pause = new Int32Array(new SharedArrayBuffer(4));
  for (let wait = 5; ; wait = Math.min(wait * 2, 200)) {
    try {
      return fn();
    } catch (err) {
      if (!String((err as { code?: unknown }).code).startsWith('SQLITE_BUSY') || Date.now() >= until) throw err;
      // Opening the org is synchronous (better-sqlite3): a short blocking wait, as SQLite's own busy handler does.
      Atomics.wait(pause, 0, 0, wait);
    }
  }
}

const rollbackListeners = new WeakMap<Db, Array<() => void>>();

/**
 * Runs `fn` in a write transaction that takes the write lock at its start (BEGIN IMMEDIATE): a
 * deferred one that reads, then writes, fails at once with SQLITE_BUSY when another process wrote
 * in between, where this one waits for the lock. A throw rolls it back, and tells the listeners.
 */
export function writeTransaction<T>(db: Db, fn: () => T): T {
  try {
    return db.transaction(fn).immediate();
  } catch (err) {
    for (const listener of rollbackListeners.get(db) ?? []) listener();
    throw err;
  }
}

/** Calls `listener` after each write transaction on `db` that rolled back (what it reserved in memory is void). */
export function onRollback(db: Db, listener: () => void): void {
  rollbackListeners.set(db, [...(rollbackListeners.get(db) ?? []), listener]);
}
