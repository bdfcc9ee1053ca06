/**
 * `bulkpipe job list`, `bulkpipe job show|close|abort|batches ID` and `bulkpipe job result JOB
 * BATCH`: inspect and steer jobs started elsewhere. Job and batch info print as JSON; a result
 * streams to stdout as the server sends it. `list` reads the journal of the jobs this machine
 * started (the Bulk API v1 cannot list jobs) and asks the org for each one's state.
 */
import { pipeline } from 'node:stream/promises';
import { oneHeader } from '../lib/csv/skip-header.js';
import type { BulkClient } from '../lib/http/client.js';
import { CSV_RESULT_HEADER, dmlResultCsvRow } from '../lib/wire/dml-results.js';
import { QueryResultPrefetcher } from '../pipelines/query-result-prefetcher.js';
import { toStdout, type CliIo } from './cli-io.js';
import { CONNECTION_HELP, CONNECTION_OPTIONS, openConnection, type Connection } from './connection.js';
import { COMMON_OPTIONS, wholeNumber } from './flags.js';
import { listJournal } from './job-journal.js';
import { cleanLoadRuns, listLoadRuns } from './load-runs-command.js';
import { parseCommand } from './parse-command.js';
import { UsageError } from './usage-error.js';

export const JOB_HELP = `Usage: bulkpipe job <action> [ID] [BATCH] [connection flags]

Actions:
  list               the jobs bulkpipe started on this org from this machine, newest first
                     (--limit N, default 20; --json for JSON)
  show ID            the job's info
  close ID           close the job (no more batches; queued ones still run)
  abort ID           abort the job (queued batches become NotProcessed)
  batches ID         the job's batches
  results ID         every batch's results in one CSV: per-row results ("Id","Success","Created","Error")
                     of a load, or the rows of a CSV query
  results ID BATCH   one batch's result as the server sends it (per-row results, or a query's result ids)
  runs               the loads that did not finish (their ledgers in $BULKPIPE_HOME/runs): running
                     (a process holds the load's lock), or abandoned (bulkpipe load --resume
                     finishes one); --json for JSON, with the running process
  clean [RUN_ID...]  removes abandoned loads' ledgers and spools (or the ones named; a running one
                     is refused, naming its process), and spool folders of dead processes in the
                     temp folder; --dry-run lists them only. A removed load can no longer be resumed.

Options:
  -q, --quiet        no notices (errors only)
  -h, --help         this help

Examples:
  bulkpipe job list --limit 5
  bulkpipe job show 750Kf00000R1wzRIAR
  bulkpipe job results 750Kf00000R1wzRIAR > results.csv
  bulkpipe job results 750Kf00000R1wzRIAR 751Kf000018uaV7IAI`;

const ACTIONS = ['list', 'show', 'close', 'abort', 'batches', 'results', 'result', 'runs', 'clean'] as const;

/** The `bulkpipe job` flags, as the parser takes them (the README's reference table is checked against them: test/examples/readme-reference.test.ts). */
export const JOB_OPTIONS = {
  ...CONNECTION_OPTIONS,
  ...COMMON_OPTIONS,
  limit: { type: 'string' },
  json: { type: 'boolean' },
  'dry-run': { type: 'boolean' },
  quiet: { type: 'boolean', short: 'q' },
} as const;

export async function runJobCommand(argv: readonly string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseCommand('job', argv, JOB_OPTIONS);
  if (values.help) {
    io.stdout.write(`${JOB_HELP}\n\n${CONNECTION_HELP}\n`);
    return 0;
  }
  const [action] = positionals;
  if (!action || !(ACTIONS as readonly string[]).includes(action)) throw new UsageError(`job: unknown action ${JSON.stringify(action ?? '')} (expected ${ACTIONS.join(', ')})`);
  if (action !== 'list' && values.limit !== undefined) throw new UsageError('job: --limit is for job list');
  const limit = wholeNumber('limit', values.limit, 20, 1, 10_000);
  if (action === 'list' && positionals.length > 1) throw new UsageError(`job list: unexpected argument ${JSON.stringify(positionals[1])}`);
  if (action !== 'clean' && values['dry-run']) throw new UsageError('job: --dry-run is for job clean');
  // The ledgers are on this machine: no connection needed.
  if (action === 'runs') return listLoadRuns(io, values.json === true, positionals.slice(1));
  if (action === 'clean') return cleanLoadRuns(io, positionals.slice(1), values['dry-run'] === true);
  const conn = await openConnection(values, io.env, io.stderr, io.signal);
  try {
    if (action === 'list') await listJobs(conn, io, limit, values.json === true);
    else await jobAction(conn.client, positionals, io);
  } finally {
    await conn.close();
  }
  return 0;
}

async function listJobs(conn: Connection, io: CliIo, limit: number, json: boolean): Promise<void> {
  const entries = await listJournal(io.env, conn.org, limit);
  const rows = await Promise.all(
    entries.map(async (entry) => {
      try {
        const call = { signal: io.signal };
        const job =
          entry.bulkApi !== 2
            ? await conn.client.getJob(entry.id, call)
            : entry.operation === 'query' || entry.operation === 'queryAll'
              ? await conn.client.queryJobs.get(entry.id, call)
              : await conn.client.ingestJobs.get(entry.id, call);
        const failed = 'numberRecordsFailed' in job ? job.numberRecordsFailed : null;
        return { ...entry, state: job.state as string, processed: job.numberRecordsProcessed, failed };
      } catch (err) {
        return { ...entry, state: `unknown (${(err as Error).message})`, processed: null, failed: null };
      }
    }),
  );
  if (json) {
    io.stdout.write(`${JSON.stringify(rows, null, 2)}\n`);
    return;
  }
  if (rows.length === 0) {
    io.stdout.write('no jobs started by bulkpipe on this org yet\n');
    return;
  }
  const table = [
    ['JOB', 'OPERATION', 'OBJECT', 'STATE', 'PROCESSED', 'FAILED', 'STARTED'],
    ...rows.map((r) => [r.id, r.operation, r.object, r.state, String(r.processed ?? '-'), String(r.failed ?? '-'), r.startedAt]),
  ];
  const widths = table[0]?.map((_, i) => Math.max(...table.map((row) => (row[i] ?? '').length))) ?? [];
  for (const row of table)
    io.stdout.write(
      `${row
        .map((cell, i) => cell.padEnd(widths[i] ?? 0))
        .join('  ')
        .trimEnd()}\n`,
    );
}

async function jobAction(client: BulkClient, args: readonly string[], io: CliIo): Promise<void> {
  const [action, jobId, batchId, ...extra] = args;
  if (!jobId) throw new UsageError(`job ${action}: missing job id`);
  const results = action === 'results' || action === 'result'; // `result`: the older name
  if (action === 'result' && !batchId) throw new UsageError('job result: missing batch id');
  if (extra.length > 0 || (!results && batchId)) throw new UsageError(`job ${action}: unexpected argument ${JSON.stringify(results ? extra[0] : batchId)}`);
  const call = { signal: io.signal };
  const print = (value: unknown) => io.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
  if (action === 'show') print(await client.getJob(jobId, call));
  else if (action === 'close') print(await client.closeJob(jobId, call));
  else if (action === 'abort') print(await client.abortJob(jobId, call));
  else if (action === 'batches') print(await client.listBatches(jobId, call));
  else if (batchId) {
    const { body } = await client.getBatchResult(jobId, batchId, call);
    await toStdout(pipeline(body, io.stdout, { end: false }));
  } else {
    await toStdout(pipeline(jobResults(client, jobId, io), io.stdout, { end: false }));
  }
}

/** Every batch's results as one CSV, in batch order; batches with no results are named on stderr. */
async function* jobResults(client: BulkClient, jobId: string, io: CliIo): AsyncGenerator<string | Uint8Array> {
  const call = { signal: io.signal };
  const job = await client.getJob(jobId, call);
  const batches = await client.listBatches(jobId, call);
  const query = job.operation === 'query' || job.operation === 'queryAll';
  if (query && job.contentType !== 'CSV') throw new UsageError(`job results: job ${jobId} is a ${job.contentType} query: give a BATCH id to get one batch's result ids`);
  // A PK-chunked query's original batch is NotProcessed by design: its chunks hold the rows.
  const chunked = query && batches.length > 1;
  if (!query) yield CSV_RESULT_HEADER;
  const files = new QueryResultPrefetcher(client, jobId, 0, io.signal);
  const csvBody = oneHeader();
  for (const batch of batches) {
    if (batch.state !== 'Completed') {
      if (!(chunked && batch.state === 'NotProcessed'))
        io.stderr.write(`bulkpipe: batch ${batch.id} is ${batch.state}${batch.stateMessage ? `: ${batch.stateMessage}` : ''}; it has no results\n`);
      continue;
    }
    if (!query) {
      for await (const result of client.batchResults(jobId, batch.id, call)) yield dmlResultCsvRow(result);
      continue;
    }
    for await (const file of files.files(batch)) yield* csvBody(file);
  }
}
