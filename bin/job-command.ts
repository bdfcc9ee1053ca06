/**
 * `bulkpipe job show|close|abort|batches ID` and `bulkpipe job result JOB BATCH`: inspect and steer
 * jobs started elsewhere. Job and batch info print as JSON; a result streams to stdout as the
 * server sends it.
 */
import { pipeline } from 'node:stream/promises';
import type { Writable } from 'node:stream';
import { parseArgs } from 'node:util';
import type { BulkClient } from '../lib/http/client.js';
import type { CliIo } from './cli-io.js';
import { CONNECTION_HELP, CONNECTION_OPTIONS, connect } from './connection.js';
import { UsageError } from './usage-error.js';

export const JOB_HELP = `Usage: bulkpipe job <action> ID [BATCH] [connection flags]

Actions:
  show ID            the job's info
  close ID           close the job (no more batches; queued ones still run)
  abort ID           abort the job (queued batches become NotProcessed)
  batches ID         the job's batches
  result ID BATCH    a batch's result (per-row results, or a query's result ids), raw

Examples:
  bulkpipe job show 750Kf00000R1wzRIAR
  bulkpipe job result 750Kf00000R1wzRIAR 751Kf000018uaV7IAI > results.csv`;

const ACTIONS = ['show', 'close', 'abort', 'batches', 'result'] as const;

export async function runJobCommand(argv: readonly string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseArgs({ args: [...argv], strict: true, allowPositionals: true, options: { ...CONNECTION_OPTIONS, help: { type: 'boolean' }, debug: { type: 'boolean' } } });
  if (values.help) {
    io.stdout.write(`${JOB_HELP}\n\n${CONNECTION_HELP}\n`);
    return 0;
  }
  const client = await connect(values, io.env, io.signal);
  try {
    await jobAction(client, positionals, io.stdout, io.signal);
  } finally {
    await client.close();
  }
  return 0;
}

async function jobAction(client: BulkClient, args: readonly string[], stdout: Writable, signal: AbortSignal): Promise<void> {
  const [action, jobId, batchId, ...extra] = args;
  if (!action || !(ACTIONS as readonly string[]).includes(action)) throw new UsageError(`job: unknown action ${JSON.stringify(action ?? '')} (expected ${ACTIONS.join(', ')})`);
  if (!jobId) throw new UsageError(`job ${action}: missing job id`);
  const wantsBatch = action === 'result';
  if (wantsBatch && !batchId) throw new UsageError('job result: missing batch id');
  if (extra.length > 0 || (!wantsBatch && batchId)) throw new UsageError(`job ${action}: unexpected argument ${JSON.stringify(wantsBatch ? extra[0] : batchId)}`);
  const call = { signal };
  const print = (value: unknown) => stdout.write(`${JSON.stringify(value, null, 2)}\n`);
  if (action === 'show') print(await client.getJob(jobId, call));
  else if (action === 'close') print(await client.closeJob(jobId, call));
  else if (action === 'abort') print(await client.abortJob(jobId, call));
  else if (action === 'batches') print(await client.listBatches(jobId, call));
  else {
    const { body } = await client.getBatchResult(jobId, batchId as string, call);
    await pipeline(body, stdout, { end: false });
  }
}
