/**
 * How a load goes on from its ledger: which job it re-attaches to, which segments wait for what
 * (created batches to be polled and joined, spooled ones to be looked for and uploaded), where the
 * outputs are cut back to, and where the input is read on from. The org is asked what the ledger
 * cannot know: the job's state, and the job a lost create request may have made.
 */
import { access, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { Transform, type TransformCallback } from 'node:stream';
import { BulkError } from '../lib/errors.js';
import type { BulkClient } from '../lib/http/client.js';
import type { LedgerState, LoadLedger } from '../lib/load/load-ledger.js';
import type { LoadSpool } from '../lib/load/load-spool.js';
import type { SpooledBatch, SubmittedBatch } from '../lib/load-types.js';
import type { JobInfo, JobRequest } from '../lib/types.js';

export interface ResumePlan {
  /** The run's last job, when it is still Open: new batches go to it. */
  readonly openJob: JobInfo | undefined;
  /** Every job of the run (where a segment that may have been uploaded is looked for). */
  readonly jobs: readonly string[];
  /** The segments not yet in the outputs, in order: created ones as submitted batches. */
  readonly segments: ReadonlyArray<SpooledBatch | SubmittedBatch>;
  /** Spooled segments that may have been uploaded before the stop. */
  readonly maybeUploaded: ReadonlySet<number>;
}

/** How a run reads its input: all of it (a new run), or on from where a resumed run's ledger stands. */
export interface InputReading {
  /** False when there is nothing more to read: the input ended, or it is a stream that cannot be read again. */
  readonly readInput: boolean;
  /** The CSV fast path goes on from a byte offset, with the header the ledger kept. */
  readonly splitterResume: { readonly seq: number; readonly row: number; readonly offset: number; readonly line?: number; readonly header: string } | undefined;
  /** Other formats are parsed again from the start, and the records cut before are passed over. */
  readonly chunkerResume: { readonly seq: number; readonly afterRow: number } | undefined;
  /** Where to open the input file. */
  readonly fromOffset: number;
  /** The last input row the ledger has. */
  readonly fromRow: number;
  /** A stream's rows after this one were never read (a resumed run cannot read them). */
  readonly unreadAfterRow: number | undefined;
}

export function readingOn(state: LedgerState | undefined, fastPath: boolean): InputReading {
  const fresh = { readInput: true, splitterResume: undefined, chunkerResume: undefined, fromOffset: 0, fromRow: 0, unreadAfterRow: undefined };
  if (!state) return fresh;
  const row = state.inputAt.row;
  if (state.inputEnded) return { ...fresh, readInput: false, fromRow: row };
  if (state.run.input === null) return { ...fresh, readInput: false, fromRow: row, unreadAfterRow: row };
  // No segment was cut: the input is read from its start.
  if (state.nextSeq === 0) return fresh;
  if (!fastPath) return { ...fresh, chunkerResume: { seq: state.nextSeq, afterRow: row }, fromRow: row };
  const { offset } = state.inputAt;
  const header = state.inputHeader;
  if (offset === null || header === undefined)
    throw new BulkError('BULK_LEDGER', `the ledger in ${state.dir} does not say where the input stands after segment ${state.nextSeq - 1}`);
  return {
    ...fresh,
    splitterResume: { seq: state.nextSeq, row, offset, ...(state.inputAt.line === undefined ? {} : { line: state.inputAt.line }), header },
    fromOffset: offset,
    fromRow: row,
  };
}

export async function planResume(
  state: LedgerState,
  ledger: LoadLedger,
  client: BulkClient,
  spool: LoadSpool,
  request: JobRequest,
  signal: AbortSignal | undefined,
): Promise<ResumePlan> {
  if (state.finished) throw new BulkError('BULK_LEDGER', `the load in ${state.dir} is finished: there is nothing to resume`);
  const { run } = state;
  if (run.input) {
    const now = await stat(run.input.path).catch(() => undefined);
    if (!now || now.size !== run.input.size || now.mtimeMs !== run.input.mtimeMs) {
      throw new BulkError('BULK_LEDGER', `the input ${run.input.path} changed (or is gone) since the load began: its records cannot be matched with the ledger's`);
    }
  }
  const jobs = [...state.jobs];
  if (state.creatingSince !== undefined) {
    // The create request went out and no job id came back before the stop: the org's job list knows.
    const found = await client.findCreatedJob(request, state.creatingSince, { signal });
    if (found) {
      await ledger.job(found);
      jobs.push(found);
    }
  }
  const contentType = run.contentType;
  for (const [jobId, ids] of state.batches) client.claimBatches(jobId, contentType, ids);
  const last = jobs[jobs.length - 1];
  const lastJob = last === undefined ? undefined : await client.getJob(last, { signal });
  const segments: Array<SpooledBatch | SubmittedBatch> = [];
  const maybeUploaded = new Set<number>();
  for (const s of state.pending) {
    const path = s.payload === null ? null : join(ledger.spoolDir, s.payload);
    const upload = s.upload === undefined ? undefined : join(ledger.spoolDir, s.upload);
    const files = path ? [path] : [];
    if (upload !== undefined) files.push(upload);
    if (s.rejected > 0) files.push(await spool.path(s.seq, 'rejects'));
    for (const file of files) {
      await access(file).catch((err: unknown) => {
        throw new BulkError('BULK_LEDGER', `segment ${s.seq} of the load is not joined yet, and its spool file ${file} is gone: its rows cannot be matched with their results`, {
          cause: err,
        });
      });
    }
    spool.adopt(s.seq, files);
    spool.describe(s.seq, s.rows, s.records, s.rejected);
    const base = {
      seq: s.seq,
      path,
      ...(upload !== undefined ? { upload } : {}),
      contentType: s.contentType,
      records: s.records,
      rejected: s.rejected,
      bytes: s.bytes,
      rows: s.rows,
      columns: s.columns,
      end: s.end,
    };
    if (s.jobId && s.batchId) segments.push({ ...base, kind: 'submitted', jobId: s.jobId, batchId: s.batchId });
    else {
      segments.push({ ...base, kind: 'batch' });
      if (s.records > 0) maybeUploaded.add(s.seq);
    }
  }
  return {
    openJob: lastJob?.state === 'Open' ? lastJob : undefined,
    jobs,
    segments,
    maybeUploaded,
  };
}

/** Puts a resumed run's waiting segments ahead of what its input goes on to give. */
export class PrependSegments extends Transform {
  constructor(segments: ReadonlyArray<SpooledBatch | SubmittedBatch>) {
    super({ objectMode: true, highWaterMark: 1 });
    // Descriptors only (their data is in the spool and on the server): as many as the stopped run had in flight.
    for (const segment of segments) this.push(segment);
  }

  override _transform(item: SpooledBatch, _encoding: BufferEncoding, callback: TransformCallback): void {
    callback(null, item);
  }
}
