/**
 * Runs queued batches in the background: Queued -> InProgress -> Completed or Failed. Up to
 * `parallelism` batches run at once, interleaved chunk by chunk on the event loop; a Serial job's
 * batches run one at a time in order (the store only offers a batch whose predecessors are done).
 * Each chunk's rows, results and progress commit in one transaction, so a restart resumes a batch
 * where it stopped: nothing is applied twice, nothing is lost.
 *
 * Several processes may serve one org file (CLI loads on the default org, `bulkpipe server`), but
 * one processor at a time runs its batches: the one that holds the file's processor lock, which the
 * OS lets go when its process dies. The others serve HTTP and try for the lock every POLL_MS; the
 * one that takes it over queues again what its predecessor left InProgress. A batch is claimed by
 * a conditional UPDATE, and each chunk commits only under its claim at the expected progress, so
 * that even two processors on one file could not apply a row or write a result twice.
 *
 * A chunk is a transaction of 200 rows, as in Salesforce (spec §7.1), and takes row locks on the
 * parents its rows write to (./row-locks.ts) before it commits: batches that run at once contend for
 * shared parents, wait up to `lockTimeoutMs`, and fail the rows whose parents they could not lock
 * with UNABLE_TO_LOCK_ROW. `transactionMs` holds each transaction's locks that long before its commit,
 * awaited on a timer while other batches' chunks run: the time a real org spends in triggers, sharing
 * and roll-ups, where the local SQLite write takes microseconds and could never overlap another.
 */
import { randomUUID } from 'node:crypto';
import { setMaxListeners } from 'node:events';
import { setTimeout as sleep, setImmediate as yieldToLoop } from 'node:timers/promises';
import { performance } from 'node:perf_hooks';
import { dataFormatOf } from '../../lib/wire/content-types.js';
import type { JobSchemas } from '../org/job-schemas.js';
import type { FileLock } from '../store/file-lock.js';
import { type BatchRow, ClaimLost, type JobRow, type JobsStore, type StoredResult } from '../store/jobs-store.js';
import { type DmlEngine, bindColumns, type DmlContext, type RowOutcome } from './dml.js';
import { RowLocks } from './row-locks.js';
import { resultError } from '../../lib/records/field-values.js';
import { BatchLimits } from './batch-limits.js';
import { BatchFailure, readPayload, type PayloadRow } from './payload.js';
import { readZipBatch } from './zip-batch.js';
import { fieldTooLong } from '../v2/record-limits.js';

/** Runs a query batch (the query module); resolves when its result files are stored. */
type QueryRunner = (job: JobRow, batch: BatchRow) => Promise<void>;

export interface BatchProcessorOptions {
  readonly jobs: JobsStore;
  /** Each job's schema (another process may have taken the job). */
  readonly schemas: JobSchemas;
  readonly engine: DmlEngine;
  readonly runQuery: QueryRunner;
  /** Batches processed at once; default 4. */
  readonly parallelism?: number;
  /** Rows per transaction; default 200, Salesforce's Bulk API chunk (spec §7.1). */
  readonly chunkRows?: number;
  /** How long a transaction waits for the row locks it needs before it fails their rows; default 10,000 (Salesforce's). */
  readonly lockTimeoutMs?: number;
  /** How long each transaction holds its locks before it commits (a real org's work in it); default 0. */
  readonly transactionMs?: number;
  /** Keep a batch InProgress at least this long before it completes (fault injection); default 0. */
  readonly holdInProgressMs?: () => number;
  /** A row's result decided before the DML engine's (fault injection: a lock failure); undefined to apply the row. */
  readonly rowFault?: (row: PayloadRow) => RowOutcome | undefined;
  /** Unexpected failures (a bug or a broken database), for the server's log. */
  readonly onError?: (err: unknown, batchId: string) => void;
  readonly now?: () => number;
  /** The org file's processor lock: batches run only while it is held. Without one (`:memory:`), always. */
  readonly lock?: FileLock;
  /** Told of each batch this processor ran, when it ended (benchmarks/org-idle.bench.ts: where the org waits). */
  readonly onBatchRun?: (run: BatchRun) => void;
}

/** A batch's run in this processor: from its claim to its end (or its stop), in epoch ms with sub-ms precision. */
export interface BatchRun {
  readonly batchId: string;
  readonly jobId: string;
  readonly startedMs: number;
  readonly endedMs: number;
}

/** How often a processor looks for batches other processes queued, or for the lock when another holds it. */
const POLL_MS = 200;

/** Rows per transaction: Bulk API chunks of 200 records (spec §7.1, API 21.0 and later; each chunk is a transaction). */
const CHUNK_ROWS = 200;

/** How a batch's chunks went: all committed, or cut short by the processor's stop or the end of its 2.0 job. */
type ChunkOutcome = 'committed' | 'stopped' | 'jobEnded';

/** The states of a 2.0 ingest job that ended while its batches ran: no further chunk of it is written. */
const ENDED: ReadonlySet<string> = new Set(['Aborted', 'Failed']);

/** Salesforce's row lock wait: 10 s (its knowledge article 000229525, "Unable to lock row"). */
const LOCK_TIMEOUT_MS = 10_000;

export class BatchProcessor {
  readonly #o: BatchProcessorOptions;
  readonly #parallelism: number;
  readonly #chunkRows: number;
  readonly #lockTimeoutMs: number;
  readonly #transactionMs: number;
  readonly #now: () => number;
  readonly #locks = new RowLocks();
  /** Ends lock waits and transaction work when the processor stops. */
  readonly #stopped = new AbortController();
  readonly #running = new Map<string, Promise<void>>();
  /** Names this processor's claims. */
  readonly #owner = randomUUID();
  #poll: NodeJS.Timeout | undefined;
  #scheduled = false;
  #stopping = false;
  #idle: Array<() => void> = [];

  constructor(options: BatchProcessorOptions) {
    this.#o = options;
    // Every batch at work waits on this one signal (a lock, a transaction's time): up to 64 at once, no leak.
    setMaxListeners(0, this.#stopped.signal);
    this.#parallelism = options.parallelism ?? 4;
    this.#chunkRows = options.chunkRows ?? CHUNK_ROWS;
    this.#lockTimeoutMs = options.lockTimeoutMs ?? LOCK_TIMEOUT_MS;
    this.#transactionMs = options.transactionMs ?? 0;
    this.#now = options.now ?? Date.now;
  }

  /** Starts work, and looks for it every POLL_MS (batches of other processes, the lock let go). */
  start(): void {
    // Taken now, not at the first wake: of the processes that share a file, the first to start runs its batches.
    if (this.#o.lock) this.#mayRun();
    else this.#o.jobs.requeueInterrupted(); // no other connection can open this database
    // A little jitter: processes that started together do not all try for the lock in the same instant.
    this.#poll = setInterval(() => this.wake(), POLL_MS + Math.floor(Math.random() * 50)).unref();
    this.wake();
  }

  /** Looks for work soon (after a batch is added or finishes). */
  wake(): void {
    if (this.#scheduled || this.#stopping) return;
    this.#scheduled = true;
    setImmediate(() => {
      this.#scheduled = false;
      this.#fill();
    });
  }

  /** Stops taking batches and waits for the chunks in flight; unfinished batches resume on restart. */
  async stop(): Promise<void> {
    this.#stopping = true;
    this.#stopped.abort();
    clearInterval(this.#poll);
    await Promise.allSettled([...this.#running.values()]);
    // What this left InProgress is queued again by the next holder, here or in another process.
    this.#o.lock?.release();
  }

  /** Whether this processor may run batches: it holds the lock, or has just taken it over. */
  #mayRun(): boolean {
    const { lock } = this.#o;
    if (!lock || lock.held) return true;
    try {
      if (!lock.tryAcquire()) return false;
    } catch (err) {
      // The lock file cannot be opened (gone, or no permission): another process may still run the batches.
      this.#o.onError?.(err, 'none (the processor lock)');
      return false;
    }
    // The previous holder is gone (or stopped): what it had claimed is no one's now.
    this.#o.jobs.requeueInterrupted();
    return true;
  }

  /** Resolves when no batch is queued or running (tests and benchmarks). */
  whenIdle(): Promise<void> {
    if (this.#running.size === 0 && this.#o.jobs.runnable(1).length === 0) return Promise.resolve();
    return new Promise((resolve) => this.#idle.push(resolve));
  }

  #fill(): void {
    if (this.#stopping) return;
    if (!this.#mayRun()) return this.#settleIdle();
    const free = this.#parallelism - this.#running.size;
    if (free > 0) {
      for (const id of this.#o.jobs.runnable(free + this.#running.size)) {
        if (this.#running.size >= this.#parallelism) break;
        if (this.#running.has(id)) continue;
        const run = this.#run(id)
          .catch((err: unknown) => this.#o.onError?.(err, id))
          .finally(() => {
            this.#running.delete(id);
            this.wake();
            this.#settleIdle();
          });
        this.#running.set(id, run);
      }
    }
    this.#settleIdle();
  }

  #settleIdle(): void {
    if (this.#running.size > 0 || this.#idle.length === 0 || this.#o.jobs.runnable(1).length > 0) return;
    for (const resolve of this.#idle.splice(0)) resolve();
  }

  async #run(batchId: string): Promise<void> {
    const { jobs } = this.#o;
    const batch = jobs.claim(batchId, this.#owner, this.#now());
    const job = batch && jobs.job(batch.job_id);
    if (!batch || !job) return;
    const started = performance.now();
    try {
      if (job.operation === 'query' || job.operation === 'queryAll') await this.#o.runQuery(job, batch);
      else {
        const outcome = await this.#dml(job, batch);
        if (outcome === 'stopped') return; // resumes after a restart
        // Its 2.0 job was aborted or failed: the rows not written stay unprocessed (server/v2/ingest-results.ts).
        if (outcome === 'jobEnded') return void jobs.finish(batch, 'NotProcessed', this.#now());
      }
      const hold = (this.#o.holdInProgressMs?.() ?? 0) - (performance.now() - started);
      if (hold > 0) await new Promise((r) => setTimeout(r, hold));
      // A PK-chunked query batch has become NotProcessed (and this does nothing); everything else is done now.
      jobs.finish(batch, 'Completed', this.#now());
    } catch (err) {
      if (err instanceof ClaimLost) return; // its new owner finishes it
      if (!(err instanceof BatchFailure)) this.#o.onError?.(err, batchId);
      const message = err instanceof BatchFailure ? err.stateMessage : `InternalServerError : ${(err as Error).message}`;
      // A Bulk API 2.0 job fails with its batch, in the same transaction: its queued batches never run.
      if (job.job_type === 'V2Ingest') jobs.failIngestBatch(batch, message, this.#now());
      else jobs.finish(batch, 'Failed', this.#now(), message);
    } finally {
      const { timeOrigin } = performance;
      this.#o.onBatchRun?.({ batchId, jobId: batch.job_id, startedMs: timeOrigin + started, endedMs: timeOrigin + performance.now() });
    }
  }

  /** Applies the batch chunk by chunk, to its end, or until the server stops or its 2.0 job ends. */
  async #dml(job: JobRow, batch: BatchRow): Promise<ChunkOutcome> {
    const { jobs } = this.#o;
    const schema = this.#o.schemas.of(job);
    // A zip batch: the manifest is the payload, and the other files are what its binary fields name.
    const zip = job.content_type.startsWith('ZIP_') ? await readZipBatch(jobs.request(batch.id)) : undefined;
    // Its bytes as stored: a CSV batch is decoded a window at a time (issue 28).
    const data = zip ? zip.manifest : jobs.request(batch.id);
    // A 2.0 upload's splitter cut its batches within the batch limits and refused the records over
    // theirs; a field over its characters fails its own row (below), as in Salesforce.
    const v2 = job.job_type === 'V2Ingest';
    // Read through once, each row checked and let go; each chunk's rows are read again when it runs (issue 28).
    const limits = v2 ? undefined : new BatchLimits();
    const payload = readPayload(data, dataFormatOf(job.content_type), limits?.row);
    limits?.check(payload.count, payload.characters, payload.columns.length);
    const object = schema.object(job.object);
    if (!object) throw new BatchFailure('InvalidBatch', `Unable to find object: ${job.object}`);
    const { columns } = payload;
    const bindings = bindColumns(schema, object, columns);
    const externalIdField = job.external_id_field ? schema.field(object, job.external_id_field) : undefined;
    for (let start = batch.progress; start < payload.count; start += this.#chunkRows) {
      if (this.#stopping) return 'stopped';
      const now = new Date(this.#now()).toISOString();
      const ctx: DmlContext = { operation: job.operation, object, externalIdField, bindings, userId: job.user_id, now, ...(zip ? { attachments: zip.files } : {}) };
      const chunk = { start, rows: payload.rows(start, start + this.#chunkRows), columns };
      const outcome = await this.#transaction(batch, ctx, chunk, v2);
      if (outcome !== 'committed') return outcome;
      await yieldToLoop();
    }
    return 'committed';
  }

  /**
   * One chunk as one transaction: the row locks on its parents, its work time, then its rows, results
   * and progress in one SQLite transaction under the batch's claim. Nothing of the chunk is written
   * when the processor stopped first (it runs again after a restart) or its 2.0 job has ended: the
   * check is in the chunk's transaction, so no row is written once an abort has committed, and the
   * job's result files, read after it, are final.
   */
  async #transaction(batch: BatchRow, ctx: DmlContext, chunk: { start: number; rows: readonly PayloadRow[]; columns: readonly string[] }, v2: boolean): Promise<ChunkOutcome> {
    const { jobs, engine } = this.#o;
    const { start, rows, columns } = chunk;
    const end = start + rows.length;
    const began = performance.now();
    // Read before the locks are asked for: at most chunkRows short lists.
    const parents: string[][] = [];
    for (const row of rows) parents.push(engine.lockedParents(ctx, row));
    const grant = await this.#locks.acquire(parents.flat(), this.#lockTimeoutMs, this.#stopped.signal);
    try {
      const unlocked = (ids: readonly string[]) => ids.filter((id) => !grant.held.has(id));
      // A transaction all of whose rows failed to lock rolls back at once: it has no work to do.
      if (this.#transactionMs > 0 && parents.some((ids) => unlocked(ids).length === 0)) {
        await sleep(this.#transactionMs, undefined, { signal: this.#stopped.signal }).catch(() => undefined);
      }
      if (this.#stopping) return 'stopped';
      return jobs.underClaim(
        batch,
        () => {
          if (v2 && ENDED.has(jobs.job(batch.job_id)?.state ?? '')) return 'jobEnded';
          const results: StoredResult[] = [];
          for (let i = start; i < end; i++) {
            const row = rows[i - start] as PayloadRow;
            const missing = unlocked(parents[i - start] as string[]);
            const outcome = (v2 && fieldTooLong(columns, row)) || (missing.length > 0 ? unableToLock(missing) : this.#o.rowFault?.(row) || engine.apply(ctx, row));
            results.push({ row: i, id: outcome.id, success: outcome.success, created: outcome.created, errors: outcome.errors });
          }
          jobs.saveChunk(batch.id, results, performance.now() - began, this.#now());
          return 'committed';
        },
        start,
      );
    } finally {
      grant.release();
    }
  }
}

/**
 * A row whose parents its transaction could not lock in time, in Salesforce's words: its real
 * messages name the count and the 18-character ids, comma-separated (`...or 2 records:
 * a0y1Q00000M8hTHQAZ,a0y1Q00000FdnyuQAB`, DLRS issue #1299; `...or 1 records: 001...`, issue 26).
 */
function unableToLock(ids: readonly string[]): RowOutcome {
  const error = resultError('UNABLE_TO_LOCK_ROW', `unable to obtain exclusive access to this record or ${ids.length} records: ${ids.join(',')}`);
  return { id: null, success: false, created: false, errors: [error] };
}
