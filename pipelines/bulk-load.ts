/**
 * bulkLoad: the whole load as one pipeline, file (or stream) to result files:
 * parse -> chunk (or the CSV fast path) -> submit -> poll -> join -> write. Every input record ends in
 * exactly one of the success or error outputs, in input order. One LoadSpool owns the run's files on
 * disk and is disposed of on every exit path. Resolves to the run's summary.
 * It reads as its parts: the plan (load-plan.ts: every option checked, every default resolved; a
 * resume's taken from its ledger), the stages built from it (load-stages.ts), their progress
 * (load-tracker.ts), the input at the head (load-input.ts), the run, and how it ends with the org
 * (load-settle.ts).
 * With a ledger (`ledgerDir`) the run is crash-proof: the ledger records the plan's shape, the job,
 * each segment before it is uploaded, each batch, and each segment once its rows are in the outputs;
 * a run that fails or is killed keeps its spool there, and `resume` goes on from it without
 * uploading a batch twice (pipelines/load-resume.ts).
 */
import { mkdir, rm } from 'node:fs/promises';
import { performance } from 'node:perf_hooks';
import type { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { AbortedError, UnknownObjectError } from '../lib/errors.js';
import { unknownObjectOr } from '../lib/http/unknown-object.js';
import { holdsLedger, LoadLedger, ledgerTaken, readLedger, type LedgerState } from '../lib/load/load-ledger.js';
import { IngestJobPoller } from '../transforms/ingest-job-poller.js';
import { IngestJobSubmitter } from '../transforms/ingest-job-submitter.js';
import { SegmentRows } from '../transforms/segment-rows.js';
import { inputHead } from './load-input.js';
import type { BulkLoadOptions, LoadLedgerOutcome, LoadSummary } from './load-options.js';
import { planLoad, type LoadPlan } from './load-plan.js';
import { checkLedger, planResume, type CheckedLedger, type ResumePlan } from './load-resume.js';
import { planIngestResume, type IngestResumePlan } from './load-resume-ingest.js';
import { checkDailyBudget, loadBudget } from './daily-budget.js';
import { checkOrgBatches, settleIngestJobs, settleJob } from './load-settle.js';
import { settleLostRetryJob } from '../lib/retry/retry-batches.js';
import { assembleStages, type LoadStages } from './load-stages.js';
import { LoadTracker } from './load-tracker.js';
import { SpentBudget } from './spent-budget.js';

export type { BulkLoadOptions, LoadBatchEvent, LoadBudget, LoadLedgerOutcome, LoadProgress, LoadSummary, RecordInput } from './load-options.js';
export type { FailedJob } from '../lib/load-types.js';

/** The ledger a run holds: its folder, what it read of it (a resume), and whether the folder turned out to hold another load's. */
interface RunLedger {
  readonly ledger: LoadLedger;
  state: LedgerState | undefined;
  others: boolean;
}

export async function bulkLoad(options: BulkLoadOptions): Promise<LoadSummary> {
  const run: { held?: RunLedger | undefined; refused?: boolean } = {};
  // The run's lock (a resume takes it before it reads the ledger, a new run when its ledger starts) is let go however the run ends.
  try {
    // A resumed run reads its ledger before anything is built: the stages go on from where it stands.
    // It takes the run's lock first: a process that read and then waited for the lock would go on from a ledger another has moved on.
    const plan = await planLoad(options, async (ledgerDir) => {
      const held: RunLedger = { ledger: new LoadLedger(ledgerDir), state: undefined, others: false };
      run.held = held;
      await held.ledger.lock();
      held.state = await readLedger(ledgerDir);
      return held.state.run;
    });
    const { ledgerDir } = plan.run;
    run.held ??= ledgerDir === undefined ? undefined : { ledger: new LoadLedger(ledgerDir), state: undefined, others: false };
    const summary = await runLoad(plan, run.held);
    // The outputs as the caller named them (a resume given none: the ledger's, absolute).
    return {
      ...summary,
      successPath: options.successPath ?? summary.successPath,
      errorPath: options.errorPath ?? summary.errorPath,
      resultsPath: options.resultsPath ?? summary.resultsPath,
    };
  } catch (err) {
    // The org refused the object: a job of an object it does not have is never made, so the job the ledger announced does not exist.
    if (err instanceof UnknownObjectError) run.refused = true;
    throw err;
  } finally {
    if (run.held) tellLedger(options, run.held, run.refused === true);
    await run.held?.ledger.close().catch(() => undefined);
  }
}

/** The stages built from the plan, run, and the summary. */
async function runLoad(plan: LoadPlan, held: RunLedger | undefined): Promise<LoadSummary> {
  const { run } = plan;
  const ledger = held?.ledger;
  const started = performance.now();
  // Segments whose spool files are gone or damaged are cut again: the state is cut back to before them.
  const checked = held?.state ? await checkLedger(held.state, held.ledger.spoolDir) : undefined;
  const state = checked?.state;
  // Malformed input stops the reading, but the records accepted before it are still loaded and
  // written out; then the run fails with the input's error.
  let inputError: Error | undefined;
  const stages = assembleStages(plan, ledger, state, (err) => {
    inputError ??= err;
  });
  const tracker = new LoadTracker(stages, run.callbacks.onProgress, run.callbacks.onBatch, state?.inputAt.row);
  const spent = new SpentBudget(run.client, stages);
  // Whether the pre-flight read the org's limits: then the summary reads what is left at the end.
  const budget = { read: false };
  // Set by a stop as it comes: the ledger's recorder asks, as the input ends, whether it was read to its end.
  const reading = { stopped: false };
  let finished = false;
  let resumed: ResumePlan | IngestResumePlan | undefined;
  // Ends the early describe (begin's) with the run: a run that fails before its column check leaves no request in flight for the caller's client.close() to wait for.
  const early = new AbortController();
  try {
    resumed = await begin(plan, stages, held, checked, budget, early.signal);
    const readToEnd = () => !reading.stopped && inputError === undefined;
    const head = inputHead(plan, stages, { ledger, resumed, tracker, onError: (err) => (inputError ??= err), readToEnd });
    await untilEnd(plan, stages, head, reading, () => inputError !== undefined);
    if (!stages.submitter.job && !resumed) stages.checkUnnamedWithoutJob();
    const { stopped } = reading;
    // Every record read is in the outputs. A stop leaves a file's ledger open: its last segment says
    // where the next unread record starts, and a resume reads on from there. A stream cannot be read
    // again, and malformed input ended the reading for good: nothing to go on with.
    finished = !stopped || inputError !== undefined || plan.shape.input === null;
    if (ledger && finished) await ledger.finished();
    await checkOrgBatches(run.client, resumed && 'orgBatches' in resumed ? resumed : undefined, readToEnd(), run.signal, ledger?.dir);
  } catch (err) {
    // When the pipeline never ran, this closes the files (whole segments only); wait for it, so that
    // the outputs are final when the caller sees the error.
    const { sink, submitter } = stages;
    if (!sink.closed) await new Promise<void>((resolve) => sink.once('close', () => resolve()).destroy());
    await stages.retrier?.settle().catch(() => undefined);
    const unsettled =
      submitter instanceof IngestJobSubmitter
        ? await settleIngestJobs(run.client, submitter.unclosedJobs)
        : await settleJob(run.client, submitter.job, run.signal?.aborted === true && run.abortJobOnAbort);
    if (unsettled) run.callbacks.onNotice?.(unsettled);
    tracker.written();
    tracker.report();
    if (run.signal?.aborted) throw new AbortedError(`load of ${plan.shape.source}`, run.signal.reason);
    // An object the org does not have (its describe, or the job's create, said so): said with the nearest name,
    // and the run a refusal. Only before any job of the run: a later create refused (access lost mid-run) leaves
    // the jobs made before it, whose records are in the org, so the org's error stands and the ledger is kept.
    if (state === undefined && submitter.madeNoJob) throw await unknownObjectOr(run.client, plan.shape.object, err, run.signal);
    throw err;
  } finally {
    early.abort(new Error('the load ended'));
    // A ledger's spool outlives a run that did not finish: its resume needs it. The lock is let go last, once nothing of the run is touched.
    await stages.spool.dispose(ledger !== undefined && !finished);
    if (ledger && finished) await rm(ledger.spoolDir, { recursive: true, force: true });
    await ledger?.close().catch(() => undefined);
  }
  tracker.written();
  tracker.report();
  if (inputError) throw inputError;
  const spentBudget = await spent.summary(tracker.snapshot().batchesSubmitted, budget.read, run.signal);
  return summaryOf(plan, stages, tracker, { started, stopped: reading.stopped, state, held, budget: spentBudget });
}

/**
 * Before the input is read: the run's lock and ledger, the outputs opened, and for a resume the
 * ledger reconciled with the org (planResume) and the submitter told what the org holds.
 */
async function begin(
  plan: LoadPlan,
  stages: LoadStages,
  held: RunLedger | undefined,
  checked: CheckedLedger | undefined,
  budget: { read: boolean },
  early: AbortSignal,
): Promise<ResumePlan | IngestResumePlan | undefined> {
  const { run, shape } = plan;
  const { sink, submitter, spool } = stages;
  // A new run takes its lock before it opens (truncates) an output: a folder that another run holds is refused untouched.
  if (held && !held.state) {
    await mkdir(held.ledger.dir, { recursive: true }).then(() => held.ledger.lock());
    // An abandoned load's folder: opening the outputs would cut back the rows its ledger accounts for, which its resume needs.
    if (await holdsLedger(held.ledger.dir)) {
      held.others = true;
      throw ledgerTaken(held.ledger.dir);
    }
  }
  // A new run's need of the org's daily limits, before its outputs or any job; after its lock, so that a
  // run refused for a folder another holds sends nothing at all.
  // The describe the first batch's column check reads, asked beside /limits rather than after the first batch is cut
  // (issue 28: the org waits for each). Only a read: no job is made before every check has passed. A failure is
  // not kept (the client's describe cache), so the check asks again and reports it. On the run's signal and `early`,
  // which runLoad aborts as the run ends: a run that fails first (an output that cannot be opened) does not wait for it.
  if (!checked && run.checkColumns) run.client.describe(shape.object, { signal: run.signal ? AbortSignal.any([run.signal, early]) : early }).catch(() => undefined);
  if (!checked && !run.ignoreLimits) {
    const need = await loadBudget(plan);
    budget.read = (await checkDailyBudget(run.client, { command: 'load', ...need, onNotice: run.callbacks.onNotice, signal: run.signal })) !== undefined;
  }
  // A resume is not checked (part of it is in the org already), but its summary says what is left, if the org says.
  if (checked && !run.ignoreLimits) budget.read = true;
  // An output that cannot be written is an option error, found before any job exists.
  await sink.open();
  if (!held) return undefined;
  const { ledger } = held;
  if (!checked) {
    await ledger.start({ runId: ledger.dir, org: run.org, shape, inputFile: plan.inputFile });
    return undefined;
  }
  await ledger.reopen();
  if (submitter instanceof IngestJobSubmitter) {
    stages.retrier?.goOn(checked.state.retries);
    const resumed = await planIngestResume(checked, ledger, run.client, spool, run.signal);
    if (checked.notice) run.callbacks.onNotice?.(checked.notice);
    for (const notice of resumed.notices) run.callbacks.onNotice?.(notice);
    submitter.goOn(resumed.jobs);
    return resumed;
  }
  stages.retrier?.goOn(checked.state.retries);
  const resumed = await planResume(checked, ledger, run.client, spool, stages.job, run.signal, stages.align);
  if (checked.notice) run.callbacks.onNotice?.(checked.notice);
  const { retries } = checked.state;
  // A retry job's lost create, once the load's own jobs are all known (a lost create of the load's job is planResume's to find first).
  if (retries.lostJobCreate !== undefined && checked.state.creatingSince === undefined) {
    const known = new Set([...checked.state.jobs, ...retries.jobs, ...(resumed.openJob ? [resumed.openJob.id] : [])]);
    run.callbacks.onNotice?.(await settleLostRetryJob(run.client, stages.job, retries.lostJobCreate, known, run.signal));
  }
  // The spool hashed each payload as it wrote it: matching a segment with the org's batches reads no file again.
  submitter.goOn({
    openJob: resumed.openJob,
    orgBatches: resumed.orgBatches,
    refuseUpload: resumed.refuseUpload,
    uploads: resumed.uploads,
    digest: (batch, path) => spool.digest(batch.seq, path),
  });
  if (resumed.openJob) run.callbacks.onJob?.(resumed.openJob);
  const { unreadAfterRow } = stages.reading;
  if (unreadAfterRow !== undefined)
    run.callbacks.onNotice?.(
      plan.shape.groupBy !== undefined
        ? 'the input was a stream, which cannot be read again: its records whose row is in no output (sf__Row) were never loaded (a --group-by load sends records in grouped order, so they are not the rows after one)'
        : `the input was a stream, which cannot be read again: the records after row ${unreadAfterRow} were never read, and are not loaded`,
    );
  return resumed;
}

/** Runs the pipeline to its end; `reading.stopped` is set when a stop ends the reading early. */
async function untilEnd(plan: LoadPlan, stages: LoadStages, head: Array<Readable | Transform>, reading: { stopped: boolean }, inputFailed: () => boolean): Promise<void> {
  const { run } = plan;
  const { stopSignal } = run;
  const stop = () => {
    // A stop after the whole input was taken (or with none left to read) ends nothing: the load completes as it is.
    if (!stages.reading.readInput || !stages.chunking[0].stop()) return;
    reading.stopped = true;
    // A grouped load ends at its last whole window, so that a resume forms the same windows: but for input
    // that cannot be read again (a stream), or malformed input (which ends the load for good), where every record read goes.
    stages.grouper?.endAtWindow(() => plan.shape.input !== null && !inputFailed());
    if (run.abortJobOnStop) stages.submitter.abortAtEnd();
  };
  if (stopSignal?.aborted) stop();
  else stopSignal?.addEventListener('abort', stop, { once: true });
  try {
    const { sink, gate, submitter, poller, retrier, joiner, lockTap, dateTap } = stages;
    const tail = run.callbacks.onRows ? [new SegmentRows(run.callbacks.onRows), sink] : [sink];
    await pipeline(
      [...head, gate, submitter, poller, ...(retrier ? [retrier] : []), joiner, ...(lockTap ? [lockTap] : []), dateTap, ...tail],
      run.signal ? { signal: run.signal } : {},
    );
  } finally {
    stopSignal?.removeEventListener('abort', stop);
  }
}

interface RunEnd {
  readonly started: number;
  readonly stopped: boolean;
  readonly state: LedgerState | undefined;
  readonly held: RunLedger | undefined;
  readonly budget: LoadSummary['budget'];
}

function summaryOf(plan: LoadPlan, stages: LoadStages, tracker: LoadTracker, end: RunEnd): LoadSummary {
  const { shape } = plan;
  const { stopped, state } = end;
  const progress = tracker.snapshot();
  const elapsedMs = performance.now() - end.started;
  const columns = stages.columns();
  return {
    ...progress,
    jobId: stages.submitter.job?.id ?? state?.jobs[state.jobs.length - 1] ?? null,
    failedJobs: stages.poller instanceof IngestJobPoller ? stages.poller.failedJobs : [],
    stopped,
    batches: progress.batchesSubmitted,
    bytes: tracker.bytes,
    lockFailures: stages.retrier?.lockFailures ?? 0,
    recordsRetried: stages.retrier?.recordsRetried ?? 0,
    elapsedMs,
    recordsPerSecond: elapsedMs > 0 ? (progress.recordsProcessed * 1000) / elapsedMs : 0,
    successPath: shape.successPath,
    errorPath: shape.errorPath,
    resultsPath: shape.resultsPath,
    droppedColumns: columns?.dropped.filter((c) => c !== '') ?? [],
    unnamedColumns: stages.unnamedColumns(),
    reload: columns?.reload,
    dateFormatHints: stages.dateHints.hints,
    resumed: state !== undefined,
    concurrency: plan.run.concurrency,
    lowestConcurrency: stages.concurrency?.lowest ?? plan.run.concurrency,
    finalConcurrency: stages.concurrency?.final ?? plan.run.concurrency,
    unreadAfterRow: stopped && shape.input === null ? progress.recordsRead : stages.reading.unreadAfterRow,
    ledger: end.held ? ledgerOutcome(end.held) : undefined,
    budget: end.budget,
  };
}

/** Says what the run left in its ledger, unless the ledger is not the run's (another process's, or another load's in the folder). */
function tellLedger(options: BulkLoadOptions, held: RunLedger, refused: boolean): void {
  if (!held.ledger.written.locked || held.others) return;
  options.onLedger?.(ledgerOutcome(held, refused));
}

/** `refused`: the org refused the run's object, so a job announced in this run was never made. */
function ledgerOutcome({ ledger, state }: RunLedger, refused = false): LoadLedgerOutcome {
  const written = ledger.written;
  const finished = written.finished || state?.finished === true;
  const exists = written.opened || state !== undefined;
  const hadJob = state !== undefined && (state.jobs.length > 0 || state.creatingSince !== undefined);
  return { open: exists && !finished, jobMayExist: !finished && ((written.announcedJob && !refused) || hadJob) };
}
