/**
 * `bulkpipe load <Object> [FILE|-]`: a file or stdin into a Bulk API job, with the success and
 * error CSV files written as results come. Exit code 0 when every record succeeded, 3 when some
 * failed, 130 after a Ctrl-C or SIGTERM (what was read is still loaded and written; the job id is
 * printed). Every load keeps a ledger (bin/load-runs.ts): one that fails, is stopped or is killed,
 * is finished by `bulkpipe load --resume [JOB_ID]`, which uploads no batch twice and appends to the
 * same outputs.
 */
import { DEFAULT_GROUP_WINDOW_RECORDS, MAX_GROUP_WINDOW_RECORDS } from '../lib/cut/group-window.js';
import { mkdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { INPUT_FORMATS } from '../lib/records/input-format.js';
import { LOAD_OPERATIONS } from '../lib/load-types.js';
import type { BulkLoadOptions, LoadLedgerOutcome, LoadProgress, LoadSummary } from '../pipelines/bulk-load.js';
import {
  DEFAULT_JOB_BYTES,
  DEFAULT_LOAD_CONCURRENCY,
  DEFAULT_RETRY_DELAY_MS,
  DEFAULT_RETRY_RECORDS,
  MAX_BATCH_RECORDS,
  MAX_JOB_BYTES,
  MAX_LOAD_CONCURRENCY,
  MAX_RETRY_DELAY_MS,
  MAX_RETRY_RECORDS,
  MIN_JOB_BYTES,
} from '../lib/limits.js';
import type { LedgerState } from '../lib/load/load-ledger.js';
import type { LoadShape } from '../lib/load/load-shape.js';
import { isTerminal, type CliIo } from './cli-io.js';
import { CONNECTION_HELP, CONNECTION_OPTIONS, openConnection, type Connection } from './connection.js';
import { RUN_OPTIONS, RUN_OPTIONS_HELP, bulkApiFlag, byteSize, choice, pollOptions, quietOf, wholeNumber } from './flags.js';
import { recordJob } from './job-journal.js';
import { attachmentsFolder, columnMapOf, dateOptions } from './load-flags.js';
import { delimiterFor, openInput } from './load-input.js';
import { checkWritable, Outputs, type OutputName } from './load-outputs.js';
import { confirmTarget } from './load-prompt.js';
import { findRun, listRuns, newRunId, refuseRunning, removeRunDir, runsDir, type LoadRun } from './load-runs.js';
import { LoadProgressText } from './load-progress.js';
import { budgetText, summaryText } from './load-summary.js';
import { ProgressLine, count } from './progress-line.js';
import { LedgerError, NotConfirmedError, RunLockedError } from '../lib/errors.js';
import { parseCommand } from './parse-command.js';
import { UsageError } from './usage-error.js';

export const LOAD_HELP = `Usage: bulkpipe load <Object> [FILE|-] [options]
       bulkpipe load --resume [JOB_ID|RUN_ID] [--concurrency N] [connection options]

Loads records from FILE, or from stdin (- or no FILE with stdin piped), into a Bulk API job.
A load that fails, is stopped or is killed keeps a ledger in $BULKPIPE_HOME/runs; --resume
finishes it (with no id, the newest unfinished load on the org): batches already created are not
uploaded again, the rest of the input is read on from where it stood, and the same output files
are completed. A stdin load's records that were never read cannot be read again: resume says which.

Options:
  --operation OP         insert (default), update, upsert, delete or hardDelete
  --external-id FIELD    the External ID field of an upsert (or Id)
  --format F             csv, ndjson, json or xml (default: from the file's extension; csv for stdin);
                         gzip (.gz, or gzip bytes on stdin) is decompressed as it is read
  --content-type T       the job's content type: CSV (default), XML or JSON
  --batch-size N         records per batch, 1 to 10000 (default 10000)
  --bulk-api 1|2         the Bulk API: 1 (default) uploads batches to one job; 2 uploads Bulk API 2.0
                         ingest jobs of at most --job-size each (CSV jobs only, no --serial)
  --job-size SIZE        with --bulk-api 2: most bytes of CSV per job, k and M suffixes (default 100M,
                         at most 112.5M: 150 MB after base64)
  --concurrency N        uploads in flight, 1 to 25 (default 4); with --bulk-api 2, jobs the org runs at
                         once, and one more created and uploaded meanwhile
  --no-adaptive-concurrency
                         keep --concurrency as it is (default: halve it when more than 2% of a batch
                         fails UNABLE_TO_LOCK_ROW, raise it by one after 4 clean batches)
  --serial               a Serial job: the org processes one batch at a time
  --group-by FIELD       order the records into batches by FIELD (an input column, after --map; e.g.
                         AccountId), within windows of --group-window records (and about 64 MB), so that
                         batches in flight rarely lock the same parent; the outputs are then in the
                         order sent, sf__Row giving each row's input row
  --group-window N       with --group-by: records per window, 1 to 10000000 (default 100000)
  --retry-records N      send a record again when its result proves it was not written (a lock
                         failure, UNABLE_TO_LOCK_ROW), up to N more times, 0 to 20 (default 3; 0: off);
                         the outputs then say each record's attempts (sf__Attempts); CSV jobs only
  --retry-delay MS       the wait before a record's first retry (default 2000; doubled each time)
  --success FILE         CSV of the records that succeeded (default <input>.<job id>.success.csv)
  --errors FILE          CSV of the records that failed (default <input>.<job id>.errors.csv, or
                         <input>.<run id>.errors.csv when every record was rejected before a job)
  --results FILE         NDJSON of every record with its outcome
                         (one of the three may be -: stdout, once the load completes)
  --abort-on-interrupt   on Ctrl-C, abort the job instead of closing it
  --no-check             do not check the columns against the object's describe before the job
  --ignore-limits        load even when the org's daily limits (Bulk API batches, API requests) look
                         short: by default the load estimates what it needs from the file's size and
                         stops (exit 2) before any job when /limits says less is left
  --delimiter D          CSV field separator: , ; tab | or one character (default: from the header line)
  --replace-invalid-utf8 load bytes that are not UTF-8 as U+FFFD (default: reject their records)
  --map MAP              column names to API field names: an .sdl file (Column=ApiField lines, as
                         Data Loader's) or 'Column=ApiField,Other=Field__c'
  --date-format F        how the input writes dates, e.g. MM/dd/yyyy or dd.MM.yyyy (date-times: that
                         and HH:mm[:ss]); date and date-time fields are sent as ISO 8601
  --time-zone Z          the IANA zone of date-times without an offset (default UTC), e.g. Europe/Paris
  --attachments DIR      binary attachments (Attachment, Document, ContentVersion): the binary field
                         (Body, VersionData) names a file in DIR, as photos/a.jpg or #photos/a.jpg;
                         each batch is uploaded as a zip (a ZIP_CSV, ZIP_XML or ZIP_JSON job)
  --dry-run              read the whole input and check each record's values against the object's
                         field types; the would-be errors go to --errors; no job is created
                         (unknown or read-only fields, the external id, required fields: exit 2)
  --json                 print the summary as JSON on stdout
  -y, --yes              write to a real org without asking (on a terminal, the load says which org
                         and user it writes to and asks first)
${RUN_OPTIONS_HELP}

Exit codes: 0 every record succeeded, 3 some records failed (see the error file), 1 the run
failed, 2 usage error or a daily limit of the org too short (before any job), 130 interrupted.
Ctrl-C (or SIGTERM) stops reading, finishes the uploads in flight, writes the results it has,
closes the job and keeps the ledger: --resume loads the rest of the file; a second Ctrl-C exits
at once.

Examples:
  bulkpipe load Account accounts.csv
  bulkpipe load Contact contacts.ndjson --content-type JSON --success contacts.ok.csv
  bulkpipe load Contact contacts.ok.csv --operation update
  bulkpipe load Account big.csv.gz --batch-size 5000 --errors rejects.csv
  zcat big.csv.gz | bulkpipe load Account - --batch-size 5000
  bulkpipe load Account ids.csv --operation delete --json
  bulkpipe load Attachment attachments.csv --attachments files/`;

/**
 * The flags that make a load's shape (lib/load/load-shape.ts: how its input is cut, uploaded and
 * written), defined here once: a resume takes the shape from its ledger, so any of them given with
 * --resume is refused, naming it.
 */
const SHAPE_FLAGS = {
  operation: { type: 'string' },
  'external-id': { type: 'string' },
  format: { type: 'string' },
  'content-type': { type: 'string' },
  'batch-size': { type: 'string' },
  'bulk-api': { type: 'string' },
  'job-size': { type: 'string' },
  serial: { type: 'boolean' },
  'retry-records': { type: 'string' },
  success: { type: 'string' },
  errors: { type: 'string' },
  results: { type: 'string' },
  delimiter: { type: 'string' },
  'replace-invalid-utf8': { type: 'boolean' },
  map: { type: 'string' },
  'date-format': { type: 'string' },
  'time-zone': { type: 'string' },
  attachments: { type: 'string' },
  'group-by': { type: 'string' },
  'group-window': { type: 'string' },
} as const;

type LoadValues = ReturnType<typeof parseLoadArgs>['values'];

/** The `bulkpipe load` flags, as the parser takes them (the README's reference table is checked against them: test/examples/readme-reference.test.ts). */
export const LOAD_OPTIONS = {
  ...CONNECTION_OPTIONS,
  ...SHAPE_FLAGS,
  concurrency: { type: 'string' },
  'retry-delay': { type: 'string' },
  'abort-on-interrupt': { type: 'boolean' },
  resume: { type: 'boolean' },
  'no-check': { type: 'boolean' },
  'ignore-limits': { type: 'boolean' },
  'no-adaptive-concurrency': { type: 'boolean' },
  'dry-run': { type: 'boolean' },
  yes: { type: 'boolean', short: 'y' },
  ...RUN_OPTIONS,
} as const;

function parseLoadArgs(argv: readonly string[]) {
  return parseCommand('load', argv, LOAD_OPTIONS);
}

/** --bulk-api and --job-size: a 2.0 load takes CSV jobs only and has no serial mode (usage errors before any connection). */
function bulkApiOptions(values: LoadValues, contentType: string): { bulkApi?: 2; jobSize?: number } {
  const api = bulkApiFlag(values['bulk-api']);
  if (api === 1) {
    if (values['job-size'] !== undefined) throw new UsageError('load: --job-size is for --bulk-api 2');
    return {};
  }
  if (contentType !== 'CSV') throw new UsageError('load: --bulk-api 2 uploads CSV jobs only (no --content-type XML or JSON)');
  if (values.serial) throw new UsageError('load: --bulk-api 2 has no serial mode (no --serial)');
  if (values.attachments !== undefined) throw new UsageError('load: --bulk-api 2 takes no binary attachments (no --attachments)');
  return { bulkApi: 2, jobSize: byteSize('job-size', values['job-size'], DEFAULT_JOB_BYTES, MIN_JOB_BYTES, MAX_JOB_BYTES) };
}

/** --group-by and --group-window (the field is checked against the input's columns as the load reads its first record). */
function groupOptions(values: LoadValues): { groupBy?: string; groupWindow?: number } {
  const groupBy = values['group-by'];
  if (groupBy === undefined) {
    if (values['group-window'] !== undefined) throw new UsageError('load: --group-window is for --group-by');
    return {};
  }
  if (groupBy === '') throw new UsageError('load: --group-by needs a field, e.g. --group-by AccountId');
  return { groupBy, groupWindow: wholeNumber('group-window', values['group-window'], DEFAULT_GROUP_WINDOW_RECORDS, 1, MAX_GROUP_WINDOW_RECORDS) };
}

/** --concurrency and the poll flags: how the run goes, which a resume may change. */
function runOptions(values: LoadValues) {
  return {
    concurrency: wholeNumber('concurrency', values.concurrency, DEFAULT_LOAD_CONCURRENCY, 1, MAX_LOAD_CONCURRENCY),
    ...(values['no-adaptive-concurrency'] ? { adaptiveConcurrency: false } : {}),
    retryDelayMs: wholeNumber('retry-delay', values['retry-delay'], DEFAULT_RETRY_DELAY_MS, 0, MAX_RETRY_DELAY_MS),
    ...pollOptions(values),
  };
}

export async function runLoadCommand(argv: readonly string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseLoadArgs(argv);
  if (values.help) {
    io.stdout.write(`${LOAD_HELP}\n\n${CONNECTION_HELP}\n`);
    return 0;
  }
  if (values.resume) return resumeLoad(positionals, values, io);
  const [object, file, ...extra] = positionals;
  if (!object) throw new UsageError('load: missing the object, e.g. bulkpipe load Account accounts.csv');
  if (extra.length > 0) throw new UsageError(`load: unexpected argument ${JSON.stringify(extra[0])}`);
  const operation = choice('operation', values.operation, LOAD_OPERATIONS, 'insert');
  const externalIdField = values['external-id'];
  if (operation === 'upsert' && !externalIdField) throw new UsageError('load: an upsert needs --external-id FIELD');
  if (operation !== 'upsert' && externalIdField) throw new UsageError('load: --external-id is for --operation upsert');
  const contentType = choice('content-type', values['content-type'], ['CSV', 'XML', 'JSON'] as const, 'CSV');
  const batchSize = wholeNumber('batch-size', values['batch-size'], MAX_BATCH_RECORDS, 1, MAX_BATCH_RECORDS);
  // Given only when the flag is: the library's default is 3 for a CSV job, 0 for XML, JSON and attachments.
  const retryRecords =
    values['retry-records'] === undefined ? {} : { retryRecords: wholeNumber('retry-records', values['retry-records'], DEFAULT_RETRY_RECORDS, 0, MAX_RETRY_RECORDS) };
  if ((retryRecords.retryRecords ?? 0) > 0 && (contentType !== 'CSV' || values.attachments !== undefined))
    throw new UsageError('load: --retry-records retries the records of CSV jobs only (not with --content-type XML or JSON, nor --attachments)');
  const api = bulkApiOptions(values, contentType);
  const grouping = groupOptions(values);
  // Checked now, as every flag is: a usage error before any connection (a dry run too).
  const settings = runOptions(values);
  const input = await openInput(file, choice('format', values.format, INPUT_FORMATS), io);

  // Outputs that cannot be written are usage errors, found before any connection or job.
  for (const [flag, path] of [
    ['--success', values.success],
    ['--errors', values.errors],
    ['--results', values.results],
  ] as const) {
    if (path !== undefined && path !== '-') await checkWritable(flag, path);
  }
  if ([values.success, values.errors, values.results].filter((p) => p === '-').length > 1)
    throw new UsageError('load: only one of --success, --errors and --results can be - (stdout)');
  const reading = {
    ...(await delimiterFor(values.delimiter, input, io, quietOf(values))),
    ...(values['replace-invalid-utf8'] ? { replaceInvalidUtf8: true } : {}),
    ...(values.map !== undefined ? { columnMap: await columnMapOf(values.map) } : {}),
    ...dateOptions(values['date-format'], values['time-zone']),
  };
  const attachments = values.attachments === undefined ? {} : { attachments: await attachmentsFolder(values.attachments, operation) };
  if (values['dry-run']) {
    const errorPath = resolve(values.errors ?? `${input.base}.dry-run.errors.csv`);
    // The load's pipeline and the dry run's are loaded only when they run: `load --help` loads neither (issue 28).
    const { dryRun } = await import('./load-dry-run.js');
    return dryRun(io, values, {
      object,
      operation,
      ...(externalIdField ? { externalIdField } : {}),
      input: input.input,
      source: input.source,
      format: input.format,
      errorPath,
      batchSize,
      ...reading,
      ...attachments,
    });
  }
  loadPipelineAhead();
  const conn = await openConnection({ ...values, quiet: quietOf(values) }, io.env, io.stderr, io.signal, true);
  const outputs = Outputs.given(input.base, { success: values.success, errors: values.errors, results: values.results });
  return execute(io, values, conn, {
    load: { object, operation, source: input.source, input: typeof input.input === 'string' ? input.input : null },
    options: {
      object,
      operation,
      ...(externalIdField ? { externalIdField } : {}),
      input: input.input,
      source: input.source,
      format: input.format,
      contentType,
      batchSize,
      ...api,
      serial: values.serial === true,
      ...grouping,
      ...retryRecords,
      ...reading,
      ...attachments,
      successPath: outputs.success.partial,
      errorPath: outputs.errors.partial,
      ...(outputs.results ? { resultsPath: outputs.results.partial } : {}),
      ...settings,
    },
    outputs,
    size: input.size,
    runId: newRunId(),
    resume: undefined,
  });
}

/** `load --resume [ID]`: the load in a ledger, finished with the options it was started with. */
async function resumeLoad(positionals: readonly string[], values: LoadValues, io: CliIo): Promise<number> {
  const [id, ...extra] = positionals;
  if (extra.length > 0) throw new UsageError(`load: unexpected argument ${JSON.stringify(extra[0])}`);
  const given = Object.keys(SHAPE_FLAGS).find((flag) => values[flag as keyof typeof SHAPE_FLAGS] !== undefined);
  if (given) throw new UsageError(`load: --resume goes on with the options the load began with; --${given} cannot change them`);
  const options = { ...runOptions(values), resume: true };
  loadPipelineAhead();
  const conn = await openConnection({ ...values, quiet: quietOf(values) }, io.env, io.stderr, io.signal, true);
  let run: LoadRun | undefined;
  try {
    run = await findRun(io.env, id, conn.org);
    if (!run?.state) {
      // A ledger cut before its first line whole names no org, input or job: said, never passed over as "nothing to resume".
      const unreadable = (await listRuns(io.env)).find((r) => r.problem !== undefined && (id === undefined || r.id === id));
      if (unreadable)
        throw new LedgerError(
          `load: the load in ${unreadable.dir} cannot be resumed: ${unreadable.problem}. What it loaded cannot be told from it: look at the org's jobs (bulkpipe job list) before loading its input again, then remove the folder (bulkpipe job clean ${unreadable.id})`,
          { problem: 'unreadable', reason: unreadable.problem ?? '', dir: unreadable.dir },
        );
      throw new UsageError(
        id ? `load: no unfinished load with the job or run id ${id} in ${runsDir(io.env)}` : `load: no unfinished load on ${conn.org} to resume (bulkpipe job runs lists them)`,
      );
    }
    refuseRunning(run, 'load');
    if (run.state.run.org !== conn.org) throw new UsageError(`load: the load ${run.id} ran on ${run.state.run.org}, not on ${conn.org}: connect to that org to resume it`);
  } catch (err) {
    await conn.close();
    throw err;
  }
  // bulkLoad takes the load's shape from the ledger: the outputs as they began, the rest given by no flag.
  const { shape, inputFile } = run.state.run;
  return execute(io, values, conn, {
    load: shape,
    options,
    outputs: await Outputs.saved(run.dir, { success: shape.successPath, errors: shape.errorPath, results: shape.resultsPath }),
    size: inputFile?.size,
    runId: run.id,
    resume: run.state,
  });
}

/**
 * Starts loading the load's pipeline while the login is on the wire: its modules are evaluated
 * meanwhile rather than after it, with the org waiting (issue 28). loadWithProgress's import gets
 * the same evaluation; a failure here is its to report.
 */
function loadPipelineAhead(): void {
  import('../pipelines/bulk-load.js').catch(() => undefined);
}

interface Execution {
  /** What the load is, as the prompt and the summary name it. */
  readonly load: Pick<LoadShape, 'object' | 'operation' | 'source' | 'input'>;
  /** The load's own options (not the client, ledger or callbacks); a resume's are how it runs, its shape being the ledger's. */
  readonly options: Omit<BulkLoadOptions, 'client' | 'ledgerDir' | 'org'>;
  readonly outputs: Outputs;
  readonly size: number | undefined;
  readonly runId: string;
  /** The ledger of the load this run resumes. */
  readonly resume: LedgerState | undefined;
}

/** What a run of bulkLoad gave the command: its summary or its failure, the last progress, the job, and what it left in its ledger. */
interface Ran {
  /** The default names carry the job the load began with. */
  jobId: string | undefined;
  last: LoadProgress | undefined;
  summary: LoadSummary | undefined;
  failure: unknown;
  /** What the run left in its ledger (a failed run has no summary to say it): nothing is read again to learn it. */
  left: LoadLedgerOutcome | undefined;
}

/** Runs a load (new or resumed) with its ledger, progress line and summary; what a failure leaves is said with the command that resumes it. */
async function execute(io: CliIo, values: LoadValues, conn: Connection, run: Execution): Promise<number> {
  const { load, outputs } = run;
  if (!conn.local && !(await confirmTarget(io, conn, `${load.operation} ${load.object}`, { yes: values.yes === true, quiet: quietOf(values), fromStdin: load.input === null }))) {
    await conn.close();
    throw new NotConfirmedError('load: not confirmed: nothing was written (--yes skips the question)', { command: 'load' });
  }
  const ledgerDir = join(runsDir(io.env), run.runId);
  const ran: Ran = { jobId: run.resume?.jobs[0], last: undefined, summary: undefined, failure: undefined, left: undefined };
  const resumeCommand = () => `bulkpipe load --resume ${ran.jobId ?? run.runId}`;
  io.onResume?.(resumeCommand);
  await loadWithProgress(io, values, conn, run, ledgerDir, ran);
  // Another process holds the run (a resume that raced this one): its ledger and outputs are not this process's to settle or remove.
  if (ran.failure instanceof RunLockedError) {
    await conn.close();
    throw ran.failure;
  }
  // A failed load that may have put records in the org, and a stopped one whose input can be read
  // on, keep their ledger (and their outputs under their working names) for --resume.
  const { summary, last } = ran;
  const kept = summary === undefined ? ran.left?.jobMayExist === true : summary.stopped && summary.ledger?.open === true;
  if (!kept) {
    await outputs.settle({ jobId: ran.jobId, runId: run.runId, failed: summary?.recordsFailed ?? last?.recordsFailed ?? 0 }, io.stdout);
    // Under the run's lock: a process that took the run since this one let it go keeps it.
    await removeRunDir(ledgerDir).catch((err: unknown) => {
      if (!(err instanceof RunLockedError)) throw err;
      io.stderr.write(`bulkpipe: ${err.message}: its ledger is left to it\n`);
    });
  }
  await conn.close();
  if (!summary) {
    const files = kept ? outputs.describeWorking() : outputs.describe();
    // Counts only once a job exists: before it, nothing read is in the org, and nothing is pending there.
    const counts =
      last && ran.jobId !== undefined
        ? `${count(last.recordsSucceeded)} succeeded, ${count(last.recordsFailed)} failed, ${count(last.recordsPending)} pending (read, results not in the outputs yet)`
        : '';
    if (files || counts) io.stderr.write(`bulkpipe: results so far: ${[counts, files].filter(Boolean).join('; ')}\n`);
    if (kept) io.stderr.write(`bulkpipe: the ledger is kept: finish the load with: ${resumeCommand()}\n`);
    throw ran.failure;
  }
  return reportSummary(io, values, run, summary, kept, resumeCommand);
}

/** bulkLoad with the command's ledger, callbacks and progress line; what it gives goes to `ran`. */
async function loadWithProgress(io: CliIo, values: LoadValues, conn: Connection, run: Execution, ledgerDir: string, ran: Ran): Promise<void> {
  const { load, outputs } = run;
  const quiet = quietOf(values);
  const progress = new ProgressLine(io.stderr, !quiet && isTerminal(io.stderr));
  const progressText = new LoadProgressText(run.size);
  try {
    // A new run's outputs are kept beside its ledger from the start: its resume names them as they began.
    if (!run.resume) await mkdir(ledgerDir, { recursive: true }).then(() => outputs.save(ledgerDir));
    const { bulkLoad } = await import('../pipelines/bulk-load.js');
    ran.summary = await bulkLoad({
      ...run.options,
      client: conn.client,
      org: conn.org,
      ledgerDir,
      checkColumns: values['no-check'] !== true,
      ignoreLimits: values['ignore-limits'] === true,
      joinAhead: 1, // the next two batches' result requests go out while one is written
      stopSignal: io.signal,
      abortJobOnStop: values['abort-on-interrupt'] === true,
      onLedger: (outcome) => {
        ran.left = outcome;
      },
      onJob: (job) => {
        ran.jobId ??= job.id;
        io.onJob?.(job.id);
        if (job.id !== run.resume?.jobs.at(-1))
          void recordJob(io.env, {
            id: job.id,
            org: conn.org,
            operation: load.operation,
            object: load.object,
            startedAt: new Date().toISOString(),
            ...(run.options.bulkApi === 2 ? { bulkApi: 2 as const } : {}),
          });
      },
      onProgress: (p) => {
        ran.last = p;
        progressText.see(p);
        progress.update(() => progressText.fields(p));
      },
      onNotice: (message) => {
        if (quiet) return;
        progress.clear();
        io.stderr.write(`bulkpipe: ${message}\n`);
      },
    });
  } catch (err) {
    ran.failure = err;
  }
  progress.clear();
}

/** The summary (JSON and the line), and the exit code: 130 for a stop that left input unread. */
function reportSummary(io: CliIo, values: LoadValues, run: Execution, summary: LoadSummary, kept: boolean, resumeCommand: () => string): number {
  const { load, outputs } = run;
  const quiet = quietOf(values);
  // A kept load's outputs stay under their working names, which its resume appends to.
  const path = (output: OutputName | undefined) => (output ? (kept ? output.partial : output.final) : null);
  if (values.json)
    (outputs.anyToStdout ? io.stderr : io.stdout).write(
      `${JSON.stringify({ ...summary, object: load.object, operation: load.operation, successPath: path(outputs.success), errorPath: path(outputs.errors), resultsPath: path(outputs.results) })}\n`,
    );
  // The budget line before the summary, which stays the last line.
  if (!quiet) io.stderr.write(`${budgetText(summary.budget)}\n`);
  if (!quiet) io.stderr.write(`${summaryText(summary, load.object, load.operation, kept ? outputs.describeWorking() : outputs.describe())}\n`);
  if (summary.stopped) {
    const job = summary.jobId ? `; job ${summary.jobId} ${values['abort-on-interrupt'] ? 'aborted' : 'closed'}` : '';
    const read = `stopped reading after ${count(summary.recordsRead)} records${job}; what was read is loaded and written`;
    const rest = kept
      ? `the rest of the input is not loaded yet: the ledger is kept, load it with: ${resumeCommand()}`
      : summary.unreadAfterRow !== undefined
        ? `the records after row ${count(summary.unreadAfterRow)} were never read and are not loaded (${load.source} cannot be read again: load them with a run of their own)`
        : 'the rest of the input is not loaded';
    io.stderr.write(`bulkpipe: interrupted: ${read}; ${rest}\n`);
    return 130;
  }
  // A stop that came once the input was read whole changed nothing: the load went on to its end, and
  // the exit code says what became of its records (130 would send a script to a --resume with nothing to do).
  if (io.signal.aborted && !quiet) io.stderr.write('bulkpipe: the stop came once the whole input was read: the load went on to its end\n');
  return summary.recordsFailed > 0 ? 3 : 0;
}
