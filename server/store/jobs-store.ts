/**
 * Jobs and batches in SQLite. Job counters are never stored: they are summed from the job's
 * batches on every read, so they always agree with the batches (issue 3, "Processing").
 */
import type { BatchInfo, BatchState, ConcurrencyMode, ContentType, JobInfo, JobState, Operation, ResultError } from '../../lib/types.js';
import { type Db, writeTransaction } from './database.js';

/** Bulk API v1 jobs are Classic; the two Bulk API 2.0 kinds share the jobs table. */
export type JobType = 'Classic' | 'V2Ingest' | 'V2Query';

/** A v1 state, or one of the states only Bulk API 2.0 jobs take. */
export type StoredJobState = JobState | 'UploadComplete' | 'InProgress' | 'JobComplete';

export interface JobRow {
  readonly id: string;
  readonly user_id: string;
  readonly operation: Operation;
  readonly object: string;
  readonly external_id_field: string | null;
  readonly concurrency_mode: ConcurrencyMode;
  readonly content_type: ContentType;
  readonly state: StoredJobState;
  readonly api_version: string;
  readonly assignment_rule_id: string | null;
  readonly pk_chunking: string | null;
  readonly created_date: number;
  readonly modstamp: number;
  /** The schema it was created under (JobSchemas); null in files of earlier versions. */
  readonly schema_id: number | null;
  readonly job_type: JobType;
  /** Bulk API 2.0: `LF` or `CRLF`; null for Classic jobs. */
  readonly line_ending: string | null;
  /** Bulk API 2.0: `COMMA`, `TAB`, ...; null for Classic jobs. */
  readonly column_delimiter: string | null;
  /** Bulk API 2.0: a Failed job's errorMessage. */
  readonly error_message: string | null;
  /** Bulk API 2.0 ingest: the token of the upload streaming in (server/v2/upload-lease.ts); its batches are staged. */
  readonly upload_token?: string | null;
  /** Bulk API 2.0 ingest: the header of the received upload (JSON array); null while the job has no data. */
  readonly upload_header?: string | null;
}

export interface BatchRow {
  readonly id: string;
  readonly job_id: string;
  readonly seq: number;
  readonly state: BatchState;
  readonly state_message: string | null;
  readonly created_date: number;
  readonly modstamp: number;
  readonly records_processed: number;
  readonly records_failed: number;
  readonly total_ms: number;
  readonly api_ms: number;
  readonly progress: number;
  readonly pk_parent: string | null;
  readonly pk_from: string | null;
  readonly pk_to: string | null;
  /** While InProgress: the processor that claimed it. */
  readonly owner: string | null;
}

export interface StoredResult {
  readonly row: number;
  readonly id: string | null;
  readonly success: boolean;
  readonly created: boolean;
  readonly errors: readonly ResultError[];
}

const BATCH_COLUMNS =
  'id, job_id, seq, state, state_message, created_date, modstamp, records_processed, records_failed, total_ms, api_ms, progress, pk_parent, pk_from, pk_to, owner';
const wholeSecond = (ms: number) => Math.floor(ms / 1000) * 1000;

export class JobsStore {
  readonly #db: Db;
  readonly #s;

  constructor(db: Db) {
    this.#db = db;
    this.#s = {
      insertJob:
        db.prepare(`INSERT INTO jobs (id, user_id, operation, object, external_id_field, concurrency_mode, content_type, state, api_version, assignment_rule_id, pk_chunking, created_date, modstamp, schema_id, job_type, line_ending, column_delimiter, error_message)
        VALUES (@id, @user_id, @operation, @object, @external_id_field, @concurrency_mode, @content_type, @state, @api_version, @assignment_rule_id, @pk_chunking, @created_date, @modstamp, @schema_id, @job_type, @line_ending, @column_delimiter, @error_message)`),
      getJob: db.prepare('SELECT * FROM jobs WHERE id = ?'),
      setJobState: db.prepare('UPDATE jobs SET state = ?, modstamp = ? WHERE id = ?'),
      counters: db.prepare(`SELECT state, count(*) AS n, sum(records_processed) AS processed, sum(records_failed) AS failed, sum(total_ms) AS total, sum(api_ms) AS api
        FROM batches WHERE job_id = ? GROUP BY state`),
      nextSeq: db.prepare('SELECT coalesce(max(seq), 0) + 1 AS seq FROM batches WHERE job_id = ?'),
      insertBatch: db.prepare(
        `INSERT INTO batches (id, job_id, seq, state, state_message, created_date, modstamp, pk_parent, pk_from, pk_to) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      ),
      insertRequest: db.prepare('INSERT INTO batch_requests (batch_id, body) VALUES (?, ?)'),
      setProcessed: db.prepare('UPDATE batches SET records_processed = ?, total_ms = ?, api_ms = ? WHERE id = ?'),
      getBatch: db.prepare(`SELECT ${BATCH_COLUMNS} FROM batches WHERE id = ?`),
      listJobs: db.prepare('SELECT rowid, * FROM jobs WHERE user_id = ? AND job_type IN (SELECT value FROM json_each(?)) AND rowid > ? ORDER BY rowid LIMIT ?'),
      // Bulk API 2.0 ingest: a Failed job's message, and a job deleted with everything it holds.
      setErrorMessage: db.prepare('UPDATE jobs SET error_message = ? WHERE id = ?'),
      failJob: db.prepare("UPDATE jobs SET state = 'Failed', error_message = coalesce(error_message, ?), modstamp = ? WHERE id = ?"),
      deleteResults: db.prepare('DELETE FROM batch_result_chunks WHERE batch_id IN (SELECT id FROM batches WHERE job_id = ?)'),
      deleteRequests: db.prepare('DELETE FROM batch_requests WHERE batch_id IN (SELECT id FROM batches WHERE job_id = ?)'),
      deleteBatches: db.prepare('DELETE FROM batches WHERE job_id = ?'),
      deleteJob: db.prepare('DELETE FROM jobs WHERE id = ?'),
      // A Bulk API 2.0 upload that is no longer the job's (v2-uploads-store.ts stages them).
      dropUpload: db.prepare('UPDATE jobs SET upload_token = NULL WHERE id = ? AND upload_token = ?'),
      listBatches: db.prepare(`SELECT ${BATCH_COLUMNS} FROM batches WHERE job_id = ? ORDER BY seq`),
      request: db.prepare('SELECT body FROM batch_requests WHERE batch_id = ?'),
      claim: db.prepare("UPDATE batches SET state = 'InProgress', owner = ?, modstamp = ? WHERE id = ? AND state = 'Queued'"),
      claimed: db.prepare("SELECT progress FROM batches WHERE id = ? AND owner = ? AND state = 'InProgress'"),
      finish: db.prepare("UPDATE batches SET state = ?, state_message = ?, modstamp = ?, owner = NULL WHERE id = ? AND owner = ? AND state = 'InProgress'"),
      notProcessed: db.prepare("UPDATE batches SET state = 'NotProcessed', modstamp = ? WHERE job_id = ? AND state = 'Queued'"),
      progress: db.prepare(
        'UPDATE batches SET progress = progress + @rows, records_processed = records_processed + @processed, records_failed = records_failed + @failed, total_ms = total_ms + @ms, api_ms = api_ms + @ms, modstamp = @now WHERE id = @id',
      ),
      // Never OR REPLACE: a chunk is written once, and a second write of it is a bug to fail on.
      insertChunk: db.prepare('INSERT INTO batch_result_chunks (batch_id, first_row, rows, results) VALUES (?, ?, ?, ?)'),
      nextChunk: db.prepare('SELECT first_row, results FROM batch_result_chunks WHERE batch_id = ? AND first_row > ? ORDER BY first_row LIMIT 1'),
      resultCount: db.prepare('SELECT coalesce(sum(rows), 0) AS n FROM batch_result_chunks WHERE batch_id = ?'),
      // Batches run in the order they were queued, across jobs (rowid: created_date is whole seconds, and by seq
      // within one second the batches of two jobs uploaded together took turns, so that a job ended only once a
      // later job was nearly done too; issue 28). The state index holds rowid last: no sort.
      // A Serial job's next batch waits for every earlier one; a Parallel job's batches go in any order.
      // A Bulk API 2.0 ingest job's batches wait for its UploadComplete (spec §3.6: no PATCH, no processing),
      // and never run once it is Aborted or Failed (a batch its upload stored after the abort).
      runnable: db.prepare(`SELECT b.id FROM batches b JOIN jobs j ON j.id = b.job_id
        WHERE b.state = 'Queued' AND NOT (j.job_type = 'V2Ingest' AND j.state IN ('Open', 'Aborted', 'Failed')) AND (j.concurrency_mode = 'Parallel'
          OR NOT EXISTS (SELECT 1 FROM batches p WHERE p.job_id = b.job_id AND p.seq < b.seq AND p.state IN ('Queued', 'InProgress')))
        ORDER BY b.created_date, b.rowid LIMIT ?`),
      requeue: db.prepare("UPDATE batches SET state = 'Queued', owner = NULL WHERE state = 'InProgress'"),
    };
  }

  createJob(row: JobRow): void {
    this.#s.insertJob.run(row);
  }

  job(id: string): JobRow | undefined {
    return this.#s.getJob.get(id) as JobRow | undefined;
  }

  setJobState(id: string, state: StoredJobState, now: number): void {
    this.#s.setJobState.run(state, wholeSecond(now), id);
  }

  /**
   * Aborts a job: its queued batches become NotProcessed; batches in progress finish. A 2.0 upload
   * still streaming in is no data of the job: its staged batches go (the upload is refused).
   */
  abortJob(id: string, now: number): void {
    this.transaction(() => {
      const token = this.job(id)?.upload_token;
      if (token) this.dropUpload(id, token);
      this.#s.setJobState.run('Aborted', wholeSecond(now), id);
      this.#s.notProcessed.run(wholeSecond(now), id);
    });
  }

  /** A user's jobs of these types in creation order, `limit` of them after the job with rowid `after`; each with its rowid (a page cursor). */
  listJobs(userId: string, types: readonly JobType[], after: number, limit: number): Array<JobRow & { readonly rowid: number }> {
    return this.#s.listJobs.all(userId, JSON.stringify(types), after, limit) as Array<JobRow & { readonly rowid: number }>;
  }

  /** Bulk API 2.0: why an upload cannot be processed, kept while the job is Open (it fails at UploadComplete). */
  setErrorMessage(id: string, message: string): void {
    this.#s.setErrorMessage.run(message, id);
  }

  /** Bulk API 2.0: the job is Failed (its first errorMessage kept); its queued batches become NotProcessed. */
  failJob(id: string, message: string, now: number): void {
    this.transaction(() => {
      this.#s.failJob.run(message, wholeSecond(now), id);
      this.#s.notProcessed.run(wholeSecond(now), id);
    });
  }

  /** Bulk API 2.0: the upload with this token was cut: its staged batches go and the job is Open for a new PUT (if it was still the job's). */
  dropUpload(jobId: string, token: string): void {
    this.transaction(() => {
      if (this.#s.dropUpload.run(jobId, token).changes === 1) this.deleteBatches(jobId);
    });
  }

  /**
   * Bulk API 2.0: an internal batch failed: the job fails with its message in the same transaction,
   * so that its queued batches are not processed (their rows are unprocessed records).
   */
  failIngestBatch(batch: Pick<BatchRow, 'id' | 'owner' | 'job_id'>, message: string, now: number): void {
    this.transaction(() => {
      // A job aborted (or failed) meanwhile keeps its state.
      if (this.finish(batch, 'Failed', now, message) && this.job(batch.job_id)?.state === 'UploadComplete') this.failJob(batch.job_id, message, now);
    });
  }

  /** Bulk API 2.0: a job's batches, their payloads and results are gone (an upload refused half-way). */
  deleteBatches(jobId: string): void {
    this.transaction(() => {
      this.#s.deleteResults.run(jobId);
      this.#s.deleteRequests.run(jobId);
      this.#s.deleteBatches.run(jobId);
    });
  }

  /** Bulk API 2.0 DELETE: the job, its batches, their payloads and results. */
  deleteJob(id: string): void {
    this.transaction(() => {
      this.deleteBatches(id);
      this.#s.deleteJob.run(id);
    });
  }

  jobInfo(row: JobRow): JobInfo {
    const counts = { Queued: 0, InProgress: 0, Completed: 0, Failed: 0, NotProcessed: 0 } as Record<BatchState, number>;
    let processed = 0;
    let failed = 0;
    let total = 0;
    let api = 0;
    for (const c of this.#s.counters.all(row.id) as Array<{ state: BatchState; n: number; processed: number; failed: number; total: number; api: number }>) {
      counts[c.state] = c.n;
      processed += c.processed;
      failed += c.failed;
      total += c.total;
      api += c.api;
    }
    return {
      id: row.id,
      operation: row.operation,
      object: row.object,
      createdById: row.user_id,
      createdDate: new Date(row.created_date),
      systemModstamp: new Date(row.modstamp),
      // A Classic job's JobInfo: only Bulk API 2.0 jobs take the other stored states.
      state: row.state as JobState,
      ...(row.external_id_field ? { externalIdFieldName: row.external_id_field } : {}),
      concurrencyMode: row.concurrency_mode,
      contentType: row.content_type,
      numberBatchesQueued: counts.Queued,
      numberBatchesInProgress: counts.InProgress,
      numberBatchesCompleted: counts.Completed,
      numberBatchesFailed: counts.Failed,
      numberBatchesTotal: counts.Queued + counts.InProgress + counts.Completed + counts.Failed + counts.NotProcessed,
      numberRecordsProcessed: processed,
      numberRetries: 0,
      apiVersion: row.api_version,
      ...(row.assignment_rule_id ? { assignmentRuleId: row.assignment_rule_id } : {}),
      numberRecordsFailed: failed,
      totalProcessingTime: total,
      apiActiveProcessingTime: api,
      apexProcessingTime: 0,
    };
  }

  addBatch(id: string, jobId: string, request: Buffer, now: number, chunk?: { parent: string; from: string; to: string | null }): BatchRow {
    const at = wholeSecond(now);
    this.transaction(() => {
      const { seq } = this.#s.nextSeq.get(jobId) as { seq: number };
      this.#s.insertBatch.run(id, jobId, seq, 'Queued', null, at, at, chunk?.parent ?? null, chunk?.from ?? null, chunk?.to ?? null);
      this.#s.insertRequest.run(id, request);
    });
    return this.batch(id) as BatchRow;
  }

  /** A query batch's row count and processing time (wire §5.4: numberRecordsProcessed = rows returned). */
  setProcessed(id: string, records: number, ms: number): void {
    this.#s.setProcessed.run(records, Math.round(ms), Math.round(ms), id);
  }

  batch(id: string): BatchRow | undefined {
    return this.#s.getBatch.get(id) as BatchRow | undefined;
  }

  batches(jobId: string): BatchRow[] {
    return this.#s.listBatches.all(jobId) as BatchRow[];
  }

  request(batchId: string): Buffer {
    return (this.#s.request.get(batchId) as { body: Buffer }).body;
  }

  /**
   * Claims a Queued batch for `owner` (InProgress): one conditional UPDATE, so that of two claims
   * only one wins. The claimed batch, or undefined when it was not Queued.
   */
  claim(id: string, owner: string, now: number): BatchRow | undefined {
    return this.#s.claim.run(owner, wholeSecond(now), id).changes === 1 ? this.batch(id) : undefined;
  }

  /**
   * Runs `fn` in a write transaction if `batch` is still InProgress under its owner's claim (and,
   * with `progress`, has that many rows applied); else throws ClaimLost and changes nothing. What
   * `fn` writes then commits with the claim held: no chunk of a batch is applied or stored twice,
   * whoever else came to process it.
   */
  underClaim<T>(batch: Pick<BatchRow, 'id' | 'owner'>, fn: () => T, progress?: number): T {
    return this.transaction(() => {
      const row = batch.owner === null ? undefined : (this.#s.claimed.get(batch.id, batch.owner) as { progress: number } | undefined);
      if (!row || (progress !== undefined && row.progress !== progress)) throw new ClaimLost(batch.id);
      return fn();
    });
  }

  /** Ends a claimed batch (Completed, Failed or NotProcessed); false when its claim was lost or it had ended. */
  finish(batch: Pick<BatchRow, 'id' | 'owner'>, state: BatchState, now: number, stateMessage: string | null = null): boolean {
    return this.#s.finish.run(state, stateMessage, wholeSecond(now), batch.id, batch.owner).changes === 1;
  }

  /** Records the results of a chunk and the batch's progress (call inside the chunk's transaction). */
  saveChunk(batchId: string, results: readonly StoredResult[], ms: number, now: number): void {
    if (results.length === 0) return;
    let failed = 0;
    // Compact rows: [id, success, created, errors?]; one insert per chunk keeps writes off the hot path.
    const packed = results.map((r) => {
      if (!r.success) failed++;
      return r.errors.length ? [r.id, r.success ? 1 : 0, r.created ? 1 : 0, r.errors] : [r.id, r.success ? 1 : 0, r.created ? 1 : 0];
    });
    this.#s.insertChunk.run(batchId, (results[0] as StoredResult).row, results.length, JSON.stringify(packed));
    this.#s.progress.run({ id: batchId, rows: results.length, processed: results.length, failed, ms: Math.round(ms), now: wholeSecond(now) });
  }

  /**
   * A batch's results in row order, a stored chunk at a time: an open SQLite iterator would block
   * every other statement on the connection while a slow client downloads.
   */
  *results(batchId: string): Generator<StoredResult> {
    for (let after = -1; ; ) {
      const chunk = this.#s.nextChunk.get(batchId, after) as { first_row: number; results: string } | undefined;
      if (!chunk) return;
      const rows = JSON.parse(chunk.results) as Array<[string | null, number, number, ResultError[]?]>;
      for (let i = 0; i < rows.length; i++) {
        const [id, success, created, errors] = rows[i] as [string | null, number, number, ResultError[]?];
        yield { row: chunk.first_row + i, id, success: success === 1, created: created === 1, errors: errors ?? [] };
      }
      after = chunk.first_row;
    }
  }

  resultCount(batchId: string): number {
    return (this.#s.resultCount.get(batchId) as { n: number }).n;
  }

  /** Queued batches that may start now, oldest first. */
  runnable(limit: number): string[] {
    return (this.#s.runnable.all(limit) as Array<{ id: string }>).map((r) => r.id);
  }

  /**
   * Batches InProgress are queued again and resume from their progress: call it only where no other
   * processor can be at work on this file (its one processor, when it has just taken over).
   */
  requeueInterrupted(): number {
    return this.#s.requeue.run().changes;
  }

  transaction<T>(fn: () => T): T {
    return writeTransaction(this.#db, fn);
  }
}

/** A batch's claim is no longer its processor's: it stops, and what it was writing rolls back. */
export class ClaimLost extends Error {
  constructor(readonly batchId: string) {
    super(`batch ${batchId}: its claim was lost to another processor`);
  }
}

export function batchInfoOf(row: BatchRow): BatchInfo {
  return {
    id: row.id,
    jobId: row.job_id,
    state: row.state,
    ...(row.state_message ? { stateMessage: row.state_message } : {}),
    createdDate: new Date(row.created_date),
    systemModstamp: new Date(row.modstamp),
    numberRecordsProcessed: row.records_processed,
    numberRecordsFailed: row.records_failed,
    totalProcessingTime: row.total_ms,
    apiActiveProcessingTime: row.api_ms,
    apexProcessingTime: 0,
  };
}
