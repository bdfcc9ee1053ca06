/**
 * `bulkpipe load <Object> [FILE|-]`: a file or stdin into a Bulk API job, with the success and
 * error CSV files written as results come. Exit code 0 when every record succeeded, 3 when some
 * failed, 130 after a Ctrl-C (what was read is still loaded and written; the job id is printed).
 */
import { constants, createReadStream, type ReadStream } from 'node:fs';
import { access, rename, rm, stat } from 'node:fs/promises';
import { basename, dirname, extname, resolve } from 'node:path';
import type { Readable } from 'node:stream';
import { parseArgs } from 'node:util';
import { INPUT_FORMATS, type InputFormat } from '../transforms/record-parser.js';
import { bulkLoad, LOAD_OPERATIONS, type LoadProgress, type LoadSummary } from '../pipelines/bulk-load.js';
import { isTerminal, type CliIo } from './cli-io.js';
import { CONNECTION_HELP, CONNECTION_OPTIONS, openConnection } from './connection.js';
import { RUN_OPTIONS, RUN_OPTIONS_HELP, choice, pollOptions, wholeNumber } from './flags.js';
import { recordJob } from './job-journal.js';
import { ProgressLine, count, duration, plural } from './progress-line.js';
import { UsageError } from './usage-error.js';

export const LOAD_HELP = `Usage: bulkpipe load <Object> [FILE|-] [options]

Loads records from FILE, or from stdin (- or no FILE with stdin piped), into a Bulk API job.

Options:
  --operation OP         insert (default), update, upsert, delete or hardDelete
  --external-id FIELD    the External ID field of an upsert (or Id)
  --format F             csv, ndjson, json or xml (default: from the file's extension; csv for stdin)
  --content-type T       the job's content type: CSV (default), XML or JSON
  --batch-size N         records per batch, 1 to 10000 (default 10000)
  --concurrency N        uploads in flight, 1 to 25 (default 4)
  --serial               a Serial job: the org processes one batch at a time
  --success FILE         CSV of the records that succeeded (default <input>.<job id>.success.csv)
  --errors FILE          CSV of the records that failed (default <input>.<job id>.errors.csv)
  --results FILE         NDJSON of every record with its outcome
  --abort-on-interrupt   on Ctrl-C, abort the job instead of closing it
  --json                 print the summary as JSON on stdout
${RUN_OPTIONS_HELP}

Exit codes: 0 every record succeeded, 3 some records failed (see the error file), 1 the run
failed, 2 usage error, 130 interrupted. Ctrl-C stops reading, finishes the uploads in flight,
writes the results it has and closes the job; a second Ctrl-C exits at once.

Examples:
  bulkpipe load Account accounts.csv
  bulkpipe load Contact contacts.ndjson --operation upsert --external-id Email
  zcat big.csv.gz | bulkpipe load Account - --batch-size 5000 --errors rejects.csv
  bulkpipe load Account ids.csv --operation delete --json`;

const EXTENSIONS: Record<string, InputFormat> = { '.csv': 'csv', '.ndjson': 'ndjson', '.jsonl': 'ndjson', '.json': 'json', '.xml': 'xml' };

interface Input {
  readonly stream: Readable;
  readonly source: string;
  readonly format: InputFormat;
  /** Bytes, for a regular file: percent and ETA. */
  readonly size: number | undefined;
  /** Default output names start with this. */
  readonly base: string;
}

export async function runLoadCommand(argv: readonly string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseArgs({
    args: [...argv],
    strict: true,
    allowPositionals: true,
    options: {
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
      ...RUN_OPTIONS,
    },
  });
  if (values.help) {
    io.stdout.write(`${LOAD_HELP}\n\n${CONNECTION_HELP}\n`);
    return 0;
  }
  const [object, file, ...extra] = positionals;
  if (!object) throw new UsageError('load: missing the object, e.g. bulkpipe load Account accounts.csv');
  if (extra.length > 0) throw new UsageError(`load: unexpected argument ${JSON.stringify(extra[0])}`);
  const operation = choice('operation', values.operation, LOAD_OPERATIONS, 'insert');
  const externalIdField = values['external-id'];
  if (operation === 'upsert' && !externalIdField) throw new UsageError('load: an upsert needs --external-id FIELD');
  if (operation !== 'upsert' && externalIdField) throw new UsageError('load: --external-id is for --operation upsert');
  const contentType = choice('content-type', values['content-type'], ['CSV', 'XML', 'JSON'] as const, 'CSV');
  const batchSize = wholeNumber('batch-size', values['batch-size'], 10_000, 1, 10_000);
  const concurrency = wholeNumber('concurrency', values.concurrency, 4, 1, 25);
  const poll = pollOptions(values);
  const input = await openInput(file, choice('format', values.format, INPUT_FORMATS), io);

  // Outputs that cannot be written are usage errors, found before any connection or job.
  for (const [flag, path] of [['--success', values.success], ['--errors', values.errors], ['--results', values.results]] as const) {
    if (path !== undefined) await checkWritable(flag, path);
  }
  const quiet = values.quiet === true;
  const progress = new ProgressLine(io.stderr, !quiet && isTerminal(io.stderr));
  const conn = await openConnection(values, io.env, io.stderr, io.signal);
  const outputs = new Outputs(input.base, { success: values.success, errors: values.errors });
  let last: LoadProgress | undefined;
  let jobId: string | undefined;
  let summary: LoadSummary | undefined;
  let failure: unknown;
  const started = Date.now();
  try {
    summary = await bulkLoad({
      client: conn.client,
      object,
      operation,
      ...(externalIdField ? { externalIdField } : {}),
      input: input.stream,
      source: input.source,
      format: input.format,
      contentType,
      batchSize,
      concurrency,
      joinAhead: 1, // the next two batches' result requests go out while one is written
      serial: values.serial === true,
      successPath: outputs.success.partial,
      errorPath: outputs.errors.partial,
      ...(values.results ? { resultsPath: values.results } : {}),
      ...poll,
      stopSignal: io.signal,
      abortJobOnStop: values['abort-on-interrupt'] === true,
      onJob: (job) => {
        jobId = job.id;
        io.onJob?.(job.id);
        void recordJob(io.env, { id: job.id, org: conn.org, operation, object, startedAt: new Date().toISOString() });
      },
      onProgress: (p) => {
        last = p;
        progress.update(() => progressText(p, input, started));
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
  await outputs.settle(jobId);
  await conn.close();
  if (!summary) {
    // Records whose batches were joined before a failure are written, whole batches only: say where.
    const files = outputs.describe();
    if (files) {
      const counts = last ? `${count(last.recordsSucceeded)} succeeded, ${count(last.recordsFailed)} failed, ${count(Math.max(0, last.recordsRead - last.recordsProcessed))} read but not in them; ` : '';
      io.stderr.write(`bulkpipe: results so far: ${counts}${files}\n`);
    }
    throw failure;
  }
  if (values.json) io.stdout.write(`${JSON.stringify({ ...summary, object, operation, successPath: outputs.success.final, errorPath: outputs.errors.final })}\n`);
  if (!quiet) io.stderr.write(`${summaryText(summary, object, operation, outputs)}\n`);
  if (summary.stopped) {
    const action = values['abort-on-interrupt'] ? 'aborted' : 'closed';
    io.stderr.write(`bulkpipe: interrupted: stopped reading after ${count(summary.recordsRead)} records${summary.jobId ? `; job ${summary.jobId} ${action}` : ''}\n`);
    return 130;
  }
  return summary.recordsFailed > 0 ? 3 : 0;
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
    return { stream: io.stdin, source: 'stdin', format: format ?? 'csv', size: undefined, base: 'stdin' };
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
  const ext = extname(file).toLowerCase();
  const guessed = format ?? EXTENSIONS[ext];
  if (!guessed) throw new UsageError(`load: cannot tell the format of ${file} from its extension: give --format csv|ndjson|json|xml`);
  return { stream: createReadStream(path, { highWaterMark: 256 * 1024 }), source: file, format: guessed, size, base: basename(file, extname(file)) };
}

/**
 * The success and error files: written under temporary names, renamed once the job id is known
 * (the default names carry it). Given names are used as they are.
 */
class Outputs {
  readonly success: { partial: string; final: string };
  readonly errors: { partial: string; final: string };
  readonly #base: string;
  readonly #named: { success: boolean; errors: boolean };

  constructor(base: string, given: { success: string | undefined; errors: string | undefined }) {
    this.#base = base;
    this.#named = { success: given.success !== undefined, errors: given.errors !== undefined };
    const partial = (kind: string) => resolve(`${base}.bulkpipe-${process.pid}.${kind}.csv.partial`);
    this.success = given.success ? { partial: given.success, final: given.success } : { partial: partial('success'), final: '' };
    this.errors = given.errors ? { partial: given.errors, final: given.errors } : { partial: partial('errors'), final: '' };
  }

  /** "success: FILE, errors: FILE", for the files written. */
  describe(): string {
    return [this.success.final && `success: ${this.success.final}`, this.errors.final && `errors: ${this.errors.final}`].filter(Boolean).join(', ');
  }

  /**
   * Gives the default files their names; a file the run never opened is skipped. With no job
   * (nothing was read), the default files hold nothing and are removed.
   */
  async settle(jobId: string | undefined): Promise<void> {
    for (const kind of ['success', 'errors'] as const) {
      if (this.#named[kind]) continue;
      const file = this[kind];
      if (jobId === undefined) {
        await rm(file.partial, { force: true });
        continue;
      }
      file.final = resolve(`${this.#base}.${jobId}.${kind}.csv`);
      await rename(file.partial, file.final).catch(() => {
        file.final = '';
      });
    }
  }
}

function progressText(p: LoadProgress, input: Input, started: number): string {
  const seconds = (Date.now() - started) / 1000;
  const stream = input.stream as Partial<ReadStream>;
  let read = `read ${count(p.recordsRead)} records`;
  if (input.size && typeof stream.bytesRead === 'number' && stream.bytesRead > 0) {
    const fraction = Math.min(1, stream.bytesRead / input.size);
    const eta = fraction > 0.01 ? ` ETA ${duration((seconds / fraction) * (1 - fraction))}` : '';
    read += ` (${Math.floor(fraction * 100)}%${eta})`;
  }
  const batches = `batches ${p.batchesQueued} queued, ${p.batchesInProgress} in progress, ${p.batchesCompleted} done, ${p.batchesFailed} failed`;
  const rate = seconds > 0 ? `${count(p.recordsProcessed / seconds)} rec/s` : '';
  return `${read} | ${batches} | ${rate}`;
}

function summaryText(s: LoadSummary, object: string, operation: string, outputs: Outputs): string {
  const files = outputs.describe();
  return (
    `bulkpipe: ${operation} ${object}: ${count(s.recordsRead)} records read, ${count(s.recordsSucceeded)} succeeded, ${count(s.recordsFailed)} failed ` +
    `in ${duration(s.elapsedMs / 1000)} (${count(s.recordsPerSecond)} rec/s, ${plural(s.batches, 'batch', 'batches')})` +
    `${s.jobId ? `; job ${s.jobId}` : ''}${files ? `; ${files}` : ''}` +
    `${s.reload ? `; the input was a bulkpipe ${s.reload === 'errors' ? 'error' : 'success'} file (${s.droppedColumns.join(', ')} not uploaded)` : ''}`
  );
}
