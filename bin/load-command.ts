/**
 * `bulkpipe load <Object> [FILE|-]`: a file or stdin into a Bulk API job, with the success and
 * error CSV files written as results come. Exit code 0 when every record succeeded, 3 when some
 * failed, 130 after a Ctrl-C or SIGTERM (what was read is still loaded and written; the job id is
 * printed). Every load keeps a ledger (bin/load-runs.ts): one that fails, is stopped or is killed,
 * is finished by `bulkpipe load --resume [JOB_ID]`, which uploads no batch twice and appends to the
 * same outputs.
 */
import { constants, createReadStream } from 'node:fs';
import { access, open, readFile, rename, rm, stat } from 'node:fs/promises';
import { basename, dirname, extname, join, resolve } from 'node:path';
import type { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { INPUT_FORMATS, formatOfPath, type InputFormat } from '../transforms/record-parser.js';
import { delimiterOption, detectDelimiter } from '../lib/csv/delimiter.js';
import { parseColumnMap, type ColumnMap } from '../lib/load/column-map.js';
import { datePattern, timeZoneOption } from '../lib/text/date-format.js';
import { bulkLoad, LOAD_OPERATIONS, type BulkLoadOptions, type LoadOperation, type LoadLedgerOutcome, type LoadProgress, type LoadSummary } from '../pipelines/bulk-load.js';
import type { LedgerState } from '../lib/load/load-ledger.js';
import { dryRunLoad, type DryRunOptions, type DryRunSummary } from '../pipelines/dry-run.js';
import { DEFAULT_LOAD_CONCURRENCY, MAX_LOAD_CONCURRENCY } from '../lib/limits.js';
import type { LoadShape } from '../lib/load/load-shape.js';
import { isTerminal, toStdout, type CliIo } from './cli-io.js';
import { CONNECTION_HELP, CONNECTION_OPTIONS, openConnection, type Connection } from './connection.js';
import { RUN_OPTIONS, RUN_OPTIONS_HELP, choice, pollOptions, quietOf, wholeNumber } from './flags.js';
import { recordJob } from './job-journal.js';
import { findRun, listRuns, newRunId, refuseRunning, removeRunDir, runsDir, type LoadRun } from './load-runs.js';
import { LoadProgressText } from './load-progress.js';
import { ProgressLine, count, duration, plural } from './progress-line.js';
import { BulkError, RunLockedError } from '../lib/errors.js';
import { gunzippedHead, withoutGz } from '../lib/streams/gunzip.js';
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
  --concurrency N        uploads in flight, 1 to 25 (default 4)
  --serial               a Serial job: the org processes one batch at a time
  --success FILE         CSV of the records that succeeded (default <input>.<job id>.success.csv)
  --errors FILE          CSV of the records that failed (default <input>.<job id>.errors.csv, or
                         <input>.<run id>.errors.csv when every record was rejected before a job)
  --results FILE         NDJSON of every record with its outcome
                         (one of the three may be -: stdout, once the load completes)
  --abort-on-interrupt   on Ctrl-C, abort the job instead of closing it
  --no-check             do not check the columns against the object's describe before the job
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
failed, 2 usage error, 130 interrupted. Ctrl-C (or SIGTERM) stops reading, finishes the uploads in
flight, writes the results it has, closes the job and keeps the ledger: --resume loads the rest of
the file; a second Ctrl-C exits at once.

Examples:
  bulkpipe load Account accounts.csv
  bulkpipe load Contact contacts.ndjson --content-type JSON --success contacts.ok.csv
  bulkpipe load Contact contacts.ok.csv --operation update
  bulkpipe load Account big.csv.gz --batch-size 5000 --errors rejects.csv
  zcat big.csv.gz | bulkpipe load Account - --batch-size 5000
  bulkpipe load Account ids.csv --operation delete --json
  bulkpipe load Attachment attachments.csv --attachments files/`;

/** The options that shape a load's batches and outputs: a resumed load takes them from its ledger. */
const SHAPING_FLAGS = [
  'operation',
  'external-id',
  'format',
  'content-type',
  'batch-size',
  'serial',
  'success',
  'errors',
  'results',
  'delimiter',
  'replace-invalid-utf8',
  'map',
  'date-format',
  'time-zone',
  'attachments',
] as const;

interface Input {
  /** A file's absolute path, or stdin. */
  readonly input: string | Readable;
  readonly source: string;
  readonly format: InputFormat;
  /** Bytes, for a regular file: percent and ETA. */
  readonly size: number | undefined;
  /** Default output names start with this (an absolute path without extension). */
  readonly base: string;
}

type LoadValues = ReturnType<typeof parseLoadArgs>['values'];

function parseLoadArgs(argv: readonly string[]) {
  return parseCommand('load', argv, {
    ...CONNECTION_OPTIONS,
    operation: { type: 'string' },
    'external-id': { type: 'string' },
    format: { type: 'string' },
    'content-type': { type: 'string' },
    'batch-size': { type: 'string' },
    concurrency: { type: 'string' },
    serial: { type: 'boolean' },
    success: { type: 'string' },
    errors: { type: 'string' },
    results: { type: 'string' },
    'abort-on-interrupt': { type: 'boolean' },
    resume: { type: 'boolean' },
    'no-check': { type: 'boolean' },
    delimiter: { type: 'string' },
    'replace-invalid-utf8': { type: 'boolean' },
    'dry-run': { type: 'boolean' },
    map: { type: 'string' },
    'date-format': { type: 'string' },
    'time-zone': { type: 'string' },
    attachments: { type: 'string' },
    yes: { type: 'boolean', short: 'y' },
    ...RUN_OPTIONS,
  });
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
  const batchSize = wholeNumber('batch-size', values['batch-size'], 10_000, 1, 10_000);
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
    return dryRun(io, values, {
      object,
      operation,
      ...(externalIdField ? { externalIdField } : {}),
      input: input.input,
      source: input.source,
      format: input.format,
      errorPath,
      ...reading,
      ...attachments,
    });
  }
  const conn = await openConnection({ ...values, quiet: quietOf(values) }, io.env, io.stderr, io.signal, true);
  const runId = newRunId();
  const load = {
    object,
    operation,
    ...(externalIdField ? { externalIdField } : {}),
    input: input.input,
    source: input.source,
    format: input.format,
    contentType,
    batchSize,
    serial: values.serial === true,
    ...reading,
    ...attachments,
  };
  return execute(io, values, conn, {
    load: { ...load, input: typeof input.input === 'string' ? input.input : null },
    options: { ...load, ...runOptions(values) },
    outputs: new Outputs(input.base, { success: values.success, errors: values.errors, results: values.results }),
    size: input.size,
    runId,
    resume: undefined,
  });
}

/** `load --dry-run`: the input read and checked against the org's describe, the would-be errors written; no job. */
async function dryRun(io: CliIo, values: LoadValues, options: Omit<DryRunOptions, 'client' | 'signal'>): Promise<number> {
  const conn = await openConnection({ ...values, quiet: quietOf(values) }, io.env, io.stderr, io.signal, true);
  let summary: DryRunSummary;
  try {
    summary = await dryRunLoad({ ...options, client: conn.client, ...(io.signal ? { signal: io.signal } : {}) });
  } finally {
    await conn.close();
  }
  if (values.json) io.stdout.write(`${JSON.stringify({ ...summary, object: options.object, operation: options.operation, errorPath: options.errorPath, dryRun: true })}\n`);
  if (!quietOf(values)) {
    const failing = summary.recordsFailed > 0 ? `, ${count(summary.recordsFailed)} would fail (errors: ${options.errorPath})` : ', none would fail';
    io.stderr.write(
      `dry run of ${options.operation} into ${options.object}: ${plural(summary.recordsRead, 'record')} read, ${count(summary.recordsValid)} would be uploaded${failing}; no job was created\n`,
    );
  }
  return summary.recordsFailed > 0 ? 3 : 0;
}

/** `load --resume [ID]`: the load in a ledger, finished with the options it was started with. */
async function resumeLoad(positionals: readonly string[], values: LoadValues, io: CliIo): Promise<number> {
  const [id, ...extra] = positionals;
  if (extra.length > 0) throw new UsageError(`load: unexpected argument ${JSON.stringify(extra[0])}`);
  const given = SHAPING_FLAGS.find((flag) => values[flag] !== undefined);
  if (given) throw new UsageError(`load: --resume goes on with the options the load began with; --${given} cannot change them`);
  const runFlags = runOptions(values);
  const conn = await openConnection({ ...values, quiet: quietOf(values) }, io.env, io.stderr, io.signal, true);
  let run: LoadRun | undefined;
  try {
    run = await findRun(io.env, id, conn.org);
    if (!run?.state) {
      // A ledger cut before its first line whole names no org, input or job: said, never passed over as "nothing to resume".
      const unreadable = (await listRuns(io.env)).find((r) => r.problem !== undefined && (id === undefined || r.id === id));
      if (unreadable)
        throw new BulkError(
          'BULK_LEDGER',
          `load: the load in ${unreadable.dir} cannot be resumed: ${unreadable.problem}. What it loaded cannot be told from it: look at the org's jobs (bulkpipe job list) before loading its input again, then remove the folder (bulkpipe job clean ${unreadable.id})`,
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
  // bulkLoad takes the rest of the plan from the ledger: no shaping option is given.
  const { shape, inputFile } = run.state.run;
  return execute(io, values, conn, {
    load: shape,
    options: { ...runFlags, resume: true },
    outputs: Outputs.ofLedger(shape.successPath, shape.errorPath, shape.resultsPath),
    size: inputFile?.size,
    runId: run.id,
    resume: run.state,
  });
}

/** --concurrency and the poll flags: how the run goes, which a resume may change. */
function runOptions(values: LoadValues) {
  return { concurrency: wholeNumber('concurrency', values.concurrency, DEFAULT_LOAD_CONCURRENCY, 1, MAX_LOAD_CONCURRENCY), ...pollOptions(values) };
}

interface Execution {
  /** What the load is, as the prompt and the summary name it. */
  readonly load: Pick<LoadShape, 'object' | 'operation' | 'source' | 'input'>;
  /** The load's own options (not the client, outputs, ledger or callbacks); a resume's are the run's alone. */
  readonly options: Omit<BulkLoadOptions, 'client' | 'successPath' | 'errorPath' | 'ledgerDir' | 'org'>;
  readonly outputs: Outputs;
  readonly size: number | undefined;
  readonly runId: string;
  /** The ledger of the load this run resumes. */
  readonly resume: LedgerState | undefined;
}

/** Runs a load (new or resumed) with its ledger, progress line and summary; what a failure leaves is said with the command that resumes it. */
async function execute(io: CliIo, values: LoadValues, conn: Connection, run: Execution): Promise<number> {
  const { load, outputs } = run;
  const quiet = quietOf(values);
  if (!conn.local && !(await confirmTarget(io, values, conn, `${load.operation} ${load.object}`, load.input === null))) {
    await conn.close();
    throw new BulkError('BULK_ABORTED', 'load: not confirmed: nothing was written (--yes skips the question)');
  }
  const progress = new ProgressLine(io.stderr, !quiet && isTerminal(io.stderr));
  const progressText = new LoadProgressText(run.size);
  const ledgerDir = join(runsDir(io.env), run.runId);
  // The default names carry the job the load began with.
  let jobId: string | undefined = run.resume?.jobs[0];
  let last: LoadProgress | undefined;
  let summary: LoadSummary | undefined;
  let failure: unknown;
  // What the run left in its ledger (a failed run has no summary to say it).
  let left: LoadLedgerOutcome | undefined;
  const resumeCommand = () => `bulkpipe load --resume ${jobId ?? run.runId}`;
  io.onResume?.(resumeCommand);
  try {
    summary = await bulkLoad({
      ...run.options,
      client: conn.client,
      org: conn.org,
      ledgerDir,
      checkColumns: values['no-check'] !== true,
      joinAhead: 1, // the next two batches' result requests go out while one is written
      ...(run.resume ? {} : { successPath: outputs.success.partial, errorPath: outputs.errors.partial }),
      ...(outputs.results && !run.resume ? { resultsPath: outputs.results.partial } : {}),
      stopSignal: io.signal,
      onLedger: (outcome) => {
        left = outcome;
      },
      abortJobOnStop: values['abort-on-interrupt'] === true,
      onJob: (job) => {
        jobId ??= job.id;
        io.onJob?.(job.id);
        if (job.id !== run.resume?.jobs.at(-1))
          void recordJob(io.env, { id: job.id, org: conn.org, operation: load.operation, object: load.object, startedAt: new Date().toISOString() });
      },
      onProgress: (p) => {
        last = p;
        progress.update(() => progressText.fields(p));
      },
      onNotice: (message) => {
        if (quiet) return;
        progress.clear();
        io.stderr.write(`bulkpipe: ${message}\n`);
      },
    });
  } catch (err) {
    failure = err;
  }
  progress.clear();
  // Another process holds the run (a resume that raced this one): its ledger and outputs are not this process's to settle or remove.
  if (failure instanceof RunLockedError) {
    await conn.close();
    throw failure;
  }
  // A failed load that may have put records in the org, and a stopped one whose input can be read
  // on, keep their ledger (and their outputs under their working names) for --resume.
  const kept = summary === undefined ? left?.jobMayExist === true : summary.stopped && summary.ledger?.open === true;
  if (!kept) {
    await outputs.settle({ jobId, runId: run.runId, failed: summary?.recordsFailed ?? last?.recordsFailed ?? 0 }, io.stdout);
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
      last && jobId !== undefined
        ? `${count(last.recordsSucceeded)} succeeded, ${count(last.recordsFailed)} failed, ${count(last.recordsPending)} pending (read, results not in the outputs yet)`
        : '';
    if (files || counts) io.stderr.write(`bulkpipe: results so far: ${[counts, files].filter(Boolean).join('; ')}\n`);
    if (kept) io.stderr.write(`bulkpipe: the ledger is kept: finish the load with: ${resumeCommand()}\n`);
    throw failure;
  }
  // A kept load's outputs stay under their working names, which its resume appends to.
  const path = (output: OutputName | undefined) => (output ? (kept ? output.partial : output.final) : null);
  if (values.json)
    (outputs.anyToStdout ? io.stderr : io.stdout).write(
      `${JSON.stringify({ ...summary, object: load.object, operation: load.operation, successPath: path(outputs.success), errorPath: path(outputs.errors), resultsPath: path(outputs.results) })}\n`,
    );
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

/**
 * Before writing to a real org: says which org and user (unless quiet), and on a terminal asks to
 * go on (unless --yes, or the records come from stdin, which a terminal answer would be read from).
 */
async function confirmTarget(io: CliIo, values: LoadValues, conn: Connection, what: string, fromStdin: boolean): Promise<boolean> {
  const who = conn.identity?.username ? ` as ${conn.identity.username}` : '';
  const org = conn.identity?.organizationId ? ` (org ${conn.identity.organizationId})` : '';
  const ask = values.yes !== true && !fromStdin && isTerminal(io.stdin) && isTerminal(io.stderr);
  if (quietOf(values) && !ask) return true;
  io.stderr.write(`bulkpipe: ${what} into ${conn.org}${who}${org}${ask ? '. Go on? [y/N] ' : '\n'}`);
  if (!ask) return true;
  const answer = await firstLine(io.stdin, io.signal);
  return /^\s*y(es)?\s*$/i.test(answer);
}

/** The first line typed on a terminal (or '' at its end or an interrupt). */
function firstLine(stdin: Readable, signal: AbortSignal): Promise<string> {
  return new Promise((resolve) => {
    let text = '';
    const done = () => {
      stdin.off('data', onData).off('end', done);
      signal.removeEventListener('abort', done);
      stdin.pause();
      resolve(text.split('\n')[0] ?? '');
    };
    const onData = (chunk: Buffer | string) => {
      text += chunk.toString();
      if (text.includes('\n')) done();
    };
    stdin.on('data', onData).once('end', done);
    signal.addEventListener('abort', done, { once: true });
  });
}

/** A usage error unless `path` names a file that can be created or overwritten. */
async function checkWritable(flag: string, path: string): Promise<void> {
  const fail = (why: string) => new UsageError(`load: cannot write ${flag} ${path}: ${why}`);
  const existing = await stat(path).catch(() => undefined);
  if (existing?.isDirectory()) throw fail('it is a folder');
  const folder = dirname(resolve(path));
  const parent = await stat(folder).catch(() => undefined);
  if (!parent?.isDirectory()) throw fail(`no folder ${folder}`);
  await access(existing ? path : folder, constants.W_OK).catch(() => {
    throw fail('permission denied');
  });
}

async function openInput(file: string | undefined, format: InputFormat | undefined, io: CliIo): Promise<Input> {
  if (file === undefined || file === '-') {
    if (file === undefined && isTerminal(io.stdin)) throw new UsageError('load: give a FILE, or pipe the records into stdin (use - to read stdin explicitly)');
    return { input: io.stdin, source: 'stdin', format: format ?? 'csv', size: undefined, base: resolve('stdin') };
  }
  const path = resolve(file);
  let size: number;
  try {
    const info = await stat(path);
    if (!info.isFile()) throw new UsageError(`load: ${file} is not a file`);
    size = info.size;
  } catch (err) {
    if (err instanceof UsageError) throw err;
    throw new UsageError(`load: cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  // accounts.csv.gz is a CSV file, gzipped: read as it is decompressed.
  const named = withoutGz(file);
  const guessed = format ?? formatOfPath(named);
  if (!guessed) throw new UsageError(`load: cannot tell the format of ${file} from its extension: give --format csv|ndjson|json|xml`);
  return { input: path, source: file, format: guessed, size, base: resolve(basename(named, extname(named))) };
}

/**
 * The CSV field separator: the one given, or the one the header line uses (read from the file's
 * first bytes, or from the first chunk of stdin, which is put back); a comma is the default.
 */
async function delimiterFor(flag: string | undefined, input: Input, io: CliIo, quiet: boolean): Promise<{ delimiter?: string }> {
  if (input.format !== 'csv') {
    if (flag !== undefined) throw new UsageError('load: --delimiter is for CSV input');
    return {};
  }
  if (flag !== undefined) {
    try {
      return { delimiter: String.fromCharCode(delimiterOption(flag)) };
    } catch (err) {
      throw new UsageError(`load: ${(err as Error).message}`);
    }
  }
  const head = gunzippedHead(typeof input.input === 'string' ? await readHead(input.input) : await peekChunk(input.input));
  const found = String.fromCharCode(detectDelimiter(head));
  if (found === ',') return {};
  if (!quiet) io.stderr.write(`bulkpipe: the header line is separated by ${found === '\t' ? 'tabs' : `"${found}"`}: reading the records so (--delimiter says otherwise)\n`);
  return { delimiter: found };
}

/** `--map FILE` (an .sdl file) or `--map 'Column=ApiField,...'`. */
async function columnMapOf(value: string): Promise<ColumnMap> {
  let text = value;
  if (!value.includes('=')) {
    try {
      text = await readFile(value, 'utf8');
    } catch (err) {
      throw new UsageError(`load: cannot read the --map file ${value}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
    }
  }
  try {
    return parseColumnMap(text);
  } catch (err) {
    throw new UsageError(`load: --map: ${(err as Error).message}`);
  }
}

/** `--attachments DIR`: an existing folder (a usage error now, rather than every record rejected later), for a load that uploads records. */
async function attachmentsFolder(dir: string, operation: LoadOperation): Promise<string> {
  if (operation === 'delete' || operation === 'hardDelete') throw new UsageError(`load: --attachments is for insert, update and upsert, not ${operation}`);
  const info = await stat(dir).catch(() => undefined);
  if (!info?.isDirectory()) throw new UsageError(`load: --attachments ${dir}: not a folder`);
  return resolve(dir);
}

/** `--date-format` and `--time-zone`, checked now (a usage error) rather than at the first record. */
function dateOptions(dateFormat: string | undefined, timeZone: string | undefined): { dateFormat?: string; timeZone?: string } {
  try {
    if (dateFormat !== undefined) datePattern(dateFormat.replace(/\s*H.*$/, ''));
    if (timeZone !== undefined) timeZoneOption(timeZone);
  } catch (err) {
    throw new UsageError(`load: ${(err as Error).message}`);
  }
  return { ...(dateFormat !== undefined ? { dateFormat } : {}), ...(timeZone !== undefined ? { timeZone } : {}) };
}

async function readHead(path: string): Promise<Buffer> {
  const file = await open(path, 'r');
  try {
    const buffer = Buffer.alloc(64 * 1024);
    const { bytesRead } = await file.read(buffer, 0, buffer.length, 0);
    return buffer.subarray(0, bytesRead);
  } finally {
    await file.close();
  }
}

/** The stream's first chunk, put back to be read again. */
function peekChunk(stream: Readable): Promise<Buffer> {
  return new Promise((resolvePeek, reject) => {
    const done = (chunk: Buffer) => {
      stream.off('readable', onReadable).off('end', onEnd).off('error', reject);
      resolvePeek(chunk);
    };
    const onReadable = () => {
      const chunk = stream.read() as Buffer | null;
      if (chunk === null) return;
      stream.unshift(chunk);
      done(chunk);
    };
    const onEnd = () => done(Buffer.alloc(0));
    stream.on('readable', onReadable).on('end', onEnd).on('error', reject);
  });
}

/**
 * The success, error and results files: written under working names, renamed once the load
 * completes (the default names carry the job id). Given names are used as they are. `-` is stdout:
 * the file is written under a working name like the others (so that whole segments only are kept,
 * and a resume can append to it) and copied to stdout once the load completes. A load that fails
 * keeps the working names, which its ledger records, so that its resume appends to the same files.
 */
class Outputs {
  readonly success: OutputName;
  readonly errors: OutputName;
  readonly results: OutputName | undefined;
  readonly #base: string;

  /** `base`: the absolute path the default names start with. */
  constructor(base: string, given: { success: string | undefined; errors: string | undefined; results?: string | undefined }) {
    this.#base = base;
    this.success = outputName(base, 'success', 'csv', given.success, true) as OutputName;
    this.errors = outputName(base, 'errors', 'csv', given.errors, true) as OutputName;
    this.results = outputName(base, 'results', 'ndjson', given.results, false);
  }

  /** The outputs a ledger names: a working name (`<base>.bulkpipe-<pid>.<kind>[.stdout].<ext>.partial`) is a default one, or stdout. */
  static ofLedger(successPath: string | undefined, errorPath: string | undefined, resultsPath: string | undefined): Outputs {
    const given = (path: string | undefined) => (path === undefined ? undefined : WORKING.test(path) ? (WORKING.exec(path)?.[2] ? '-' : undefined) : path);
    const base = [successPath, errorPath, resultsPath].find((p) => p !== undefined && WORKING.test(p))?.replace(WORKING, '') ?? resolve('stdin');
    const outputs = new Outputs(base, { success: given(successPath), errors: given(errorPath), results: given(resultsPath) });
    for (const [output, path] of [
      [outputs.success, successPath],
      [outputs.errors, errorPath],
      [outputs.results, resultsPath],
    ] as const) {
      if (output && path && WORKING.test(path)) output.partial = path;
    }
    return outputs;
  }

  /** "success: FILE, errors: stdout", for the files written. */
  describe(): string {
    return (['success', 'errors', 'results'] as const)
      .flatMap((kind) => {
        const output = this[kind];
        return output?.final ? [`${kind}: ${output.final}`] : [];
      })
      .join(', ');
  }

  /** The same, under the working names a failed load keeps. */
  describeWorking(): string {
    return `success: ${this.success.partial}, errors: ${this.errors.partial}${this.results ? `, results: ${this.results.partial}` : ''}`;
  }

  /**
   * Gives the default files their names and copies a stdout output to stdout; a file the run never
   * opened is skipped. The default names carry the job id. With no job nothing is in the org: the
   * success file holds nothing and is removed, and an error file that holds records (every one
   * rejected before upload) is named for the run instead (`<input>.<run id>.errors.csv`).
   */
  async settle(run: { readonly jobId: string | undefined; readonly runId: string; readonly failed: number }, stdout: Writable): Promise<void> {
    const { jobId } = run;
    for (const kind of ['success', 'errors', 'results'] as const) {
      const output = this[kind];
      if (!output || output.named) continue;
      if (jobId === undefined && !output.stdout && !(kind === 'errors' && run.failed > 0)) {
        await rm(output.partial, { force: true });
        continue;
      }
      if (output.stdout) {
        // A copy that fails (not a reader that went away) keeps the file, and says so.
        await toStdout(pipeline(createReadStream(output.partial), stdout, { end: false })).catch((err: Error) => {
          throw new BulkError('BULK_OUTPUT', `the ${kind} could not be copied to stdout (${err.message}); they are in ${output.partial}`, { cause: err });
        });
        await rm(output.partial, { force: true });
        output.final = 'stdout';
        continue;
      }
      output.final = `${this.#base}.${jobId ?? run.runId}.${kind}.csv`;
      await rename(output.partial, output.final).catch(() => {
        output.final = '';
      });
    }
  }

  /** Whether one of the outputs goes to stdout (then the JSON summary goes to stderr). */
  get anyToStdout(): boolean {
    return this.success.stdout || this.errors.stdout || this.results?.stdout === true;
  }
}

/** Where an output is written (`partial`) and ends up (`final`: '' until the load completes, or for a default name it did not get). */
interface OutputName {
  partial: string;
  final: string;
  /** Given by the user: written in place, kept as it is. */
  readonly named: boolean;
  /** `-`: copied to stdout once the load completes. */
  readonly stdout: boolean;
}

/** `<base>.bulkpipe-<pid>.<kind>[.stdout].<ext>.partial`: the working name of a default or stdout output. */
const WORKING = /\.bulkpipe-\d+\.(success|errors|results)(\.stdout)?\.(?:csv|ndjson)\.partial$/;

function outputName(base: string, kind: string, extension: string, given: string | undefined, byDefault: boolean): OutputName | undefined {
  const working = (stdout: boolean) => `${base}.bulkpipe-${process.pid}.${kind}${stdout ? '.stdout' : ''}.${extension}.partial`;
  if (given === '-') return { partial: working(true), final: '', named: false, stdout: true };
  if (given !== undefined) return { partial: resolve(given), final: resolve(given), named: true, stdout: false };
  return byDefault ? { partial: working(false), final: '', named: false, stdout: false } : undefined;
}

function summaryText(s: LoadSummary, object: string, operation: string, files: string): string {
  return (
    `bulkpipe: ${operation} ${object}: ${plural(s.recordsRead, 'record')} read, ${count(s.recordsSucceeded)} succeeded, ${count(s.recordsFailed)} failed ` +
    `in ${duration(s.elapsedMs / 1000)} (${count(s.recordsPerSecond)} rec/s, ${plural(s.batches, 'batch', 'batches')})` +
    `${s.jobId ? `; job ${s.jobId}` : ''}${files ? `; ${files}` : ''}` +
    `${s.reload ? `; the input was a bulkpipe ${s.reload === 'errors' ? 'error' : 'success'} file (${s.droppedColumns.join(', ')} not uploaded)` : ''}`
  );
}
