/**
 * How a load goes on from its ledger: which job it re-attaches to, which segments wait for what
 * (created batches to be polled and joined, spooled ones to be uploaded), where the outputs are cut
 * back to, and where the input is read on from. The org is the truth and the ledger a hint: every
 * batch the run's jobs hold is placed on a segment (by the ledger, or by its request's hash), a
 * segment whose spool files are gone or damaged is cut again from the input, and what can be
 * neither is refused, naming its rows.
 */
import { createHash } from 'node:crypto';
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { Transform, type TransformCallback } from 'node:stream';
import { LedgerError } from '../lib/errors.js';
import type { BulkClient } from '../lib/http/client.js';
import type { BatchAlignment } from '../lib/load/batch-alignment.js';
import { csvRequestShape, payloadHoldsRecord, type CsvRequestShape } from '../lib/load/csv-payload-records.js';
import type { LedgerSegment, LedgerState, LoadLedger } from '../lib/load/load-ledger.js';
import { fileDigest, fileMatches, spoolFileName, type LoadSpool } from '../lib/load/load-spool.js';
import { describeBatches, OrgBatches, type OrgBatch } from '../lib/load/org-batches.js';
import { UploadRegistry } from '../lib/load/upload-registry.js';
import type { InputPosition, SpooledBatch, SubmittedBatch } from '../lib/load-types.js';
import type { JobInfo, JobRequest } from '../lib/types.js';

export interface ResumePlan {
  /** The run's last job, when it is still Open: new batches go to it. */
  readonly openJob: JobInfo | undefined;
  /** The segments not yet in the outputs, in order: created ones as submitted batches. */
  readonly segments: ReadonlyArray<SpooledBatch | SubmittedBatch>;
  /** The org's batches that no waiting segment took, for the segments cut from the input to take (see OrgBatches). */
  readonly orgBatches: OrgBatches;
  /** Why a segment that took none of the org's batches must not be uploaded (uploadRefusal). */
  readonly refuseUpload: (batch: SpooledBatch) => Promise<string | undefined>;
  /** Every batch the run's jobs held at plan time, claimed: the submitter's uploads never take one of them for a lost upload. */
  readonly uploads: UploadRegistry;
}

/** A ledger read back and checked against its spool and input: where the resumed run goes on from. */
export interface CheckedLedger {
  /** The ledger's state, cut back to before the first segment whose spool files are gone or damaged (that one and those after it are cut again). */
  readonly state: LedgerState;
  /** Said to the user when segments are cut again. */
  readonly notice: string | undefined;
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
  /** Rows after which a segment ends whatever the batch size: where the segments cut before and cut again now ended (a stop's short one too), so that each is cut with the same bytes. */
  readonly cuts: readonly number[];
}

export function readingOn(state: LedgerState | undefined, fastPath: boolean): InputReading {
  const fresh = { readInput: true, splitterResume: undefined, chunkerResume: undefined, fromOffset: 0, fromRow: 0, unreadAfterRow: undefined, cuts: [] };
  if (!state) return fresh;
  const row = state.inputAt.row;
  const cuts = [...new Set(state.superseded.map((s) => s.end.row).filter((end) => end > row))].sort((a, b) => a - b);
  if (state.inputEnded) return { ...fresh, readInput: false, fromRow: row };
  if (state.run.shape.input === null) return { ...fresh, readInput: false, fromRow: row, unreadAfterRow: row };
  // No segment was cut: the input is read from its start.
  if (state.nextSeq === 0) return { ...fresh, cuts };
  if (!fastPath) return { ...fresh, chunkerResume: { seq: state.nextSeq, afterRow: row }, fromRow: row, cuts };
  const { offset } = state.inputAt;
  const header = state.inputHeader;
  if (offset === null || header === undefined)
    throw new LedgerError(`the ledger in ${state.dir} does not say where the input stands after segment ${state.nextSeq - 1}`, {
      problem: 'no-input-position',
      afterSegment: state.nextSeq - 1,
      dir: state.dir,
    });
  return {
    ...fresh,
    splitterResume: { seq: state.nextSeq, row, offset, ...(state.inputAt.line === undefined ? {} : { line: state.inputAt.line }), header },
    fromOffset: offset,
    fromRow: row,
    cuts,
  };
}

/**
 * How far before a run's start a job it made may be dated: the org keeps whole seconds, and its clock
 * and ours differ a little. Kept short, so that a like job of another load just before is not looked through.
 */
const START_SKEW_MS = 5_000;

/**
 * Checks each segment the ledger has not joined against its spool files (there, of the size and
 * hash the ledger recorded), and the input against the ledger. From the first segment whose files are
 * gone or damaged on, the segments are cut again from the input (cutting is the same for the same
 * input and options); when the input cannot give them again (changed, gone, or a stream) the resume
 * is refused, naming the input rows that nothing can account for. No I/O but reading.
 */
export async function checkLedger(state: LedgerState, spoolDir: string): Promise<CheckedLedger> {
  if (state.finished) throw new LedgerError(`the load in ${state.dir} is finished: there is nothing to resume`, { problem: 'finished', dir: state.dir });
  let damaged: { segment: LedgerSegment; file: string } | undefined;
  for (const segment of state.pending) {
    const file = await damagedFile(segment, spoolDir);
    if (file !== undefined) {
      damaged = { segment, file };
      break;
    }
  }
  const from = damaged?.segment.seq ?? state.nextSeq;
  const start = damaged ? startOf(state, from) : state.inputAt;
  // A stream that was not read to its end is finished as far as the ledger has it (readingOn says from which row it was never read).
  const readsInput = damaged !== undefined || (!state.inputEnded && state.run.shape.input !== null);
  const unusable = readsInput ? await inputProblem(state) : undefined;
  // A --group-by load counts grouped rows (its records in the order sent), which are not input rows:
  // what nothing accounts for is then named by the outputs' sf__Row, never by a range.
  const grouped = state.run.shape.groupBy !== undefined;
  if (unusable) {
    const rows = grouped
      ? 'every input record whose row is in no output (sf__Row): a --group-by load sends records in grouped order, so they are not a range of input rows'
      : `input rows ${start.row + 1}${damaged ? `-${state.inputAt.row}` : ''} and any after`;
    const why = damaged
      ? `the spool file ${damaged.file} of segment ${from} (and so segments ${from}-${state.nextSeq - 1}) is gone or damaged and must be cut again from the input, but ${unusable}`
      : `the input must be read on after row ${start.row}, but ${unusable}`;
    throw new LedgerError(
      `the load in ${state.dir} cannot be resumed: ${why}. Nothing accounts for ${rows}: load them with a new run from the input as it was (the org keeps what the run loaded before; ${grouped ? 'its outputs name the rows it holds' : `its outputs hold rows 1-${start.row}`})`,
      { problem: 'input-unusable', reason: unusable, fromRow: start.row + 1, damagedFile: damaged?.file, dir: state.dir },
    );
  }
  if (!damaged) return { state, notice: undefined };
  // The segments cut again are cut where they ended (readingOn's cuts: a stop's short segment is not
  // one the batch size makes), so that each takes its batch in the org by its bytes: the ledger no longer places them.
  const again = state.pending.filter((s) => s.seq >= from);
  const recut = new Set(again.filter((s) => s.batchId).map((s) => s.batchId));
  const batches = new Map([...state.batches].map(([job, ids]) => [job, ids.filter((id) => !recut.has(id))]));
  return {
    state: {
      ...state,
      pending: state.pending.filter((s) => s.seq < from),
      superseded: [...state.superseded, ...again],
      nextSeq: from,
      inputAt: start,
      inputEnded: false,
      batches,
    },
    notice: `the spool file ${damaged.file} of segment ${from} is gone or damaged: segments ${from}-${state.nextSeq - 1} (${grouped ? 'grouped' : 'input'} rows ${start.row + 1}-${state.inputAt.row}) are cut again from the input, and matched with the org's batches`,
  };
}

/** The first of a segment's spool files that is gone or not as the ledger recorded it; undefined when all are sound. */
async function damagedFile(segment: LedgerSegment, spoolDir: string): Promise<string | undefined> {
  const names = [segment.payload, segment.upload, segment.sources, segment.rejected > 0 ? spoolFileName(segment.seq, 'rejects') : null];
  for (const name of names) {
    if (name === null || name === undefined) continue;
    const path = join(spoolDir, name);
    if (
      !(await fileMatches(
        path,
        segment.files?.find((f) => f.name === name),
      ))
    )
      return path;
  }
  return undefined;
}

/** Where the input stands before segment `seq`: after the segment before it (pending or the last joined), or at its start. */
function startOf(state: LedgerState, seq: number): InputPosition {
  if (seq === 0) return { row: 0, offset: 0 };
  const before = state.pending.find((s) => s.seq === seq - 1)?.end ?? (state.joined?.seq === seq - 1 ? state.joinedEnd : undefined);
  if (!before)
    throw new LedgerError(`the ledger in ${state.dir} does not say where the input stands after segment ${seq - 1}`, {
      problem: 'no-input-position',
      afterSegment: seq - 1,
      dir: state.dir,
    });
  return before;
}

/** Why the input cannot be read again as it was read (a stream, gone, changed); undefined when it can. */
async function inputProblem(state: LedgerState): Promise<string | undefined> {
  const { shape, inputFile } = state.run;
  if (shape.input === null) return 'the input was a stream, which cannot be read again';
  const now = await stat(shape.input).catch(() => undefined);
  if (!now) return `the input ${shape.input} is gone`;
  if (now.size !== inputFile?.size || now.mtimeMs !== inputFile.mtimeMs) return `the input ${shape.input} changed since the load began`;
  return undefined;
}

/**
 * Reconciles the ledger with the org before anything is uploaded: the run's jobs (a job whose line
 * the ledger lost is found in the org's job list), every batch they hold, and which of them the
 * ledger places. A batch it does not place is hashed (its stored request, streamed) and matched with
 * the waiting segments' payloads here, and with the segments cut again as they come (OrgBatches).
 */
export async function planResume(
  checked: CheckedLedger,
  ledger: LoadLedger,
  client: BulkClient,
  spool: LoadSpool,
  request: JobRequest,
  signal: AbortSignal | undefined,
  align?: BatchAlignment,
): Promise<ResumePlan> {
  const { state } = checked;
  const jobs = [...state.jobs];
  // The create request went out and no job id came back before the stop: the org's job list knows.
  const found = state.creatingSince === undefined ? undefined : await client.findCreatedJob(request, state.creatingSince, { signal });
  if (found) {
    await ledger.job(found);
    jobs.push(found);
  }
  const made = new Set([...state.createdJobs, ...(found ? [found] : [])]);
  const { knownJobs, orgBatches, shapes, uploads } = await orgBatchesOf(state, jobs, client, request, signal, align);
  const segments: Array<SpooledBatch | SubmittedBatch> = [];
  for (const s of state.pending) segments.push(await waitingSegment(s, ledger, spool, orgBatches));
  // A waiting segment that took no batch while one may hold its rows (a resume before refused it, or
  // cut it where the org's batch was not cut) is refused now, before anything is uploaded.
  const refuseUpload = uploadRefusal(state, orgBatches, shapes);
  for (const segment of segments) {
    if (segment.kind !== 'batch' || (segment.upload ?? segment.path) === null) continue;
    const refused = await refuseUpload(segment);
    if (refused !== undefined) throw new LedgerError(refused, { problem: 'upload-refused', segment: segment.seq, dir: state.dir });
  }
  // New batches go only to a job the run made: one it found in the org by its batches (named in the ledger by batch lines alone) may be another load's that merely fits.
  const lastJob = knownJobs[knownJobs.length - 1];
  const ownOpen = lastJob?.state === 'Open' && made.has(lastJob.id);
  return { openJob: ownOpen ? lastJob : undefined, segments, orgBatches, refuseUpload, uploads };
}

/** The org's batches of the run's jobs that the ledger does not place, by hash, and the jobs like the run's that it does not know, by their batches. */
async function orgBatchesOf(
  state: LedgerState,
  jobs: readonly string[],
  client: BulkClient,
  request: JobRequest,
  signal: AbortSignal | undefined,
  align: BatchAlignment | undefined,
): Promise<{ knownJobs: JobInfo[]; orgBatches: OrgBatches; shapes: Map<string, CsvRequestShape>; uploads: UploadRegistry }> {
  // The ledger may have lost the lines of any job made after its last kept line (a cut ledger), and
  // a run has one job per process that uploaded (a stop closes its job; each resume makes one): jobs
  // like the run's, that the ledger does not know, are looked through whatever it knows. Such a job is
  // the run's only once its batches prove it (OrgBatches); batches never go to one. A lost job was made
  // after every job the ledger names: the ledger is appended to in order and only loses its end, a
  // job's lines follow its making, and a lost job was made after its own `creating` line, which comes
  // after every line kept but itself. So its org-made date is no earlier than theirs (both the org's
  // clock): fewer other loads' jobs to look through.
  const knownJobs: JobInfo[] = [];
  for (const jobId of jobs) knownJobs.push(await client.getJob(jobId, { signal }));
  const since = Math.max(Date.parse(state.startedAt), ...knownJobs.map((job) => job.createdDate.getTime()));
  // A record retry's jobs (v1) are the run's too: never looked through as a job whose line was lost.
  const known = new Set([...jobs, ...state.retries.jobs]);
  const likeJobs = await client.findLikeJobs(request, since, { signal, skewMs: START_SKEW_MS, known: (id) => known.has(id) });
  const contentType = state.run.shape.contentType;
  const placedIds = new Set([...state.batches.values()].flat());
  const orgBatches = new OrgBatches((jobId, batchId) => client.batchRequestDigest(jobId, batchId, { signal }));
  // A CSV batch's first record and record count come with its hash: where it began and ended in the
  // input, for the chunker to cut a segment whose ledger line is lost where it was cut (align), and
  // for the refusal to tell which segment holds its first row.
  const shapes = new Map<string, CsvRequestShape>();
  const digest = async (jobId: string, batchId: string): Promise<string> => {
    if (contentType !== 'CSV') return client.batchRequestDigest(jobId, batchId, { signal });
    const { body } = await client.getBatchRequest(jobId, batchId, { signal });
    const whole = createHash('sha256');
    const shape = await csvRequestShape(body as AsyncIterable<Buffer>, whole);
    shapes.set(batchId, shape);
    if (shape.firstRecord !== undefined) align?.add(shape.firstRecord, shape.records);
    return whole.digest('hex');
  };
  const uploads = new UploadRegistry();
  for (const jobId of jobs) {
    const listed = await client.listBatches(jobId, { signal });
    // None of them is ever taken for the lost upload of a batch this run sends.
    uploads.claim(jobId, [...(state.batches.get(jobId) ?? []), ...listed.map((b) => b.id)]);
    for (const batch of listed) {
      if (!placedIds.has(batch.id)) orgBatches.addUnplaced(await digest(jobId, batch.id), { jobId, batchId: batch.id });
    }
  }
  for (const jobId of likeJobs) {
    // In the order the org made them (the list's order where the org's whole seconds tie): the order matters to the proof.
    const listed = (await client.listBatches(jobId, { signal })).map((b, at) => ({ b, at })).sort((x, y) => x.b.createdDate.getTime() - y.b.createdDate.getTime() || x.at - y.at);
    orgBatches.addFound(
      jobId,
      listed.map(({ b }) => b.id),
    );
  }
  return { knownJobs, orgBatches, shapes, uploads };
}

/** A segment the ledger holds and the outputs do not: its spool files adopted, and its batch (the ledger's, or one the org has of its bytes) when it has one. */
async function waitingSegment(s: LedgerSegment, ledger: LoadLedger, spool: LoadSpool, orgBatches: OrgBatches): Promise<SpooledBatch | SubmittedBatch> {
  const base = await adoptSegment(s, ledger, spool);
  let batch: OrgBatch | undefined = s.jobId && s.batchId ? { jobId: s.jobId, batchId: s.batchId } : undefined;
  const sent = base.upload ?? base.path;
  if (!batch && sent !== null && orgBatches.matching) {
    // Uploaded before the stop, its batch line lost: the org has it by its payload's bytes.
    const name = s.upload ?? s.payload;
    const sha256 = s.files?.find((f) => f.name === name)?.sha256 ?? (await fileDigest(sent)).sha256;
    batch = await orgBatches.takeHash(sha256);
    if (batch) await ledger.batch(s.seq, batch.jobId, batch.batchId);
  }
  const { kind: _kind, ...rest } = base;
  return batch ? { ...rest, kind: 'submitted', ...batch } : base;
}

/** A segment the ledger holds, as the spooled batch it was: its spool files taken on by this run's spool. */
export async function adoptSegment(s: LedgerSegment, ledger: LoadLedger, spool: LoadSpool): Promise<SpooledBatch> {
  const path = s.payload === null ? null : join(ledger.spoolDir, s.payload);
  const upload = s.upload === undefined ? undefined : join(ledger.spoolDir, s.upload);
  const sources = s.sources === undefined ? undefined : join(ledger.spoolDir, s.sources);
  const files = path ? [path] : [];
  if (upload !== undefined) files.push(upload);
  if (sources !== undefined) files.push(sources);
  if (s.rejected > 0) files.push(await spool.path(s.seq, 'rejects'));
  spool.adopt(s.seq, files);
  spool.describe(s.seq, s.rows, s.records, s.rejected);
  return {
    kind: 'batch',
    seq: s.seq,
    path,
    ...(upload !== undefined ? { upload } : {}),
    ...(sources !== undefined ? { sources } : {}),
    contentType: s.contentType,
    records: s.records,
    rejected: s.rejected,
    bytes: s.bytes,
    rows: s.rows,
    columns: s.columns,
    end: s.end,
  };
}

/**
 * A resumed run's last check before it uploads a segment that took none of the org's batches: a
 * batch of the run that no segment took may hold some of its rows, and uploading them would load
 * them twice. Its rows are known when its segment was cut again (`superseded`: it overlaps, or not).
 * Otherwise its segment line was lost, or the ledger has a segment for its rows cut elsewhere (a
 * resume cut it again without the lost line's end, and refused it; the next resume finds it recorded).
 * A CSV batch holds the rows from its first record on (`shapes`): it may hold the segment's rows when
 * the segment's payload holds that record (a batch that began in an earlier segment would hold one
 * of its rows too, which that segment's take or refusal settled). Another batch may hold the rows of
 * any segment the ledger records without its batch, or after every segment it records.
 * Resolves to why the segment must not be uploaded, naming its rows and those batches; undefined when it can be.
 */
export function uploadRefusal(
  state: LedgerState,
  orgBatches: OrgBatches,
  shapes: ReadonlyMap<string, CsvRequestShape> = new Map(),
): (batch: SpooledBatch) => Promise<string | undefined> {
  const known = new Map(state.superseded.filter((s) => s.batchId !== undefined).map((s) => [s.batchId as string, s]));
  const recorded = Math.max(state.inputAt.row, state.joinedEnd?.row ?? 0, ...[...state.pending, ...state.superseded].map((s) => s.end.row));
  const unplacedSegments = new Set(state.pending.filter((s) => s.batchId === undefined).map((s) => s.seq));
  return async (batch) => {
    const unplaced = orgBatches.unplaced();
    if (unplaced.length === 0) return undefined;
    const [first, last] = span(batch.rows);
    const overlapping: OrgBatch[] = [];
    const byFirstRecord = new Map<string, OrgBatch[]>();
    for (const b of unplaced) {
      const segment = known.get(b.batchId);
      const firstRecord = shapes.get(b.batchId)?.firstRecord;
      if (segment) {
        const [from, to] = span(segment.rows);
        if (from <= last && first <= to) overlapping.push(b);
      } else if (firstRecord !== undefined && batch.contentType === 'CSV' && batch.path !== null) {
        byFirstRecord.set(firstRecord, [...(byFirstRecord.get(firstRecord) ?? []), b]);
      } else if (last > recorded || unplacedSegments.has(batch.seq)) overlapping.push(b);
    }
    if (byFirstRecord.size > 0 && batch.path !== null) {
      const held = await payloadHoldsRecord(batch.path, new Set(byFirstRecord.keys()));
      if (held !== undefined) overlapping.push(...(byFirstRecord.get(held) ?? []));
    }
    if (overlapping.length === 0) return undefined;
    return (
      `the load in ${state.dir} cannot go on: segment ${batch.seq} (input rows ${first}-${last}) matches none of the org's batches of this load, and ` +
      `${describeBatches(overlapping)}, placed by no segment, may hold some of these rows: uploading them could load them twice. ` +
      `Nothing accounts for input rows ${first} and any after: find which of them the org holds (those batches' results), and load the others with a new run`
    );
  };
}

/** The first and last row of a segment's uploaded rows. */
function span(rows: SpooledBatch['rows']): [number, number] {
  const [start] = rows[0] ?? [0, 0];
  const [at, count] = rows[rows.length - 1] ?? [0, 0];
  return [start, at + count - 1];
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
