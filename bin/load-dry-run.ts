/** `bulkpipe load --dry-run`: the input read and checked against the object's describe; no job. */
import { unnamedNotice } from '../lib/load/unnamed-columns.js';
import { dryRunLoad, type DryRunOptions, type DryRunSummary } from '../pipelines/dry-run.js';
import type { CliIo } from './cli-io.js';
import { openConnection, type ConnectionFlags } from './connection.js';
import { quietOf } from './flags.js';
import { count, plural } from './progress-line.js';

/** The flags a dry run reads: where to connect, and how to report. */
type DryRunFlags = ConnectionFlags & { readonly quiet?: boolean | undefined; readonly json?: boolean | undefined };

/** `load --dry-run`: the input read and checked against the org's describe, the would-be errors written; no job. */
export async function dryRun(io: CliIo, values: DryRunFlags, options: Omit<DryRunOptions, 'client' | 'signal'>): Promise<number> {
  const conn = await openConnection({ ...values, quiet: quietOf(values) }, io.env, io.stderr, io.signal, true);
  let summary: DryRunSummary;
  try {
    summary = await dryRunLoad({ ...options, client: conn.client, ...(io.signal ? { signal: io.signal } : {}) });
  } finally {
    await conn.close();
  }
  if (values.json) io.stdout.write(`${JSON.stringify({ ...summary, object: options.object, operation: options.operation, errorPath: options.errorPath, dryRun: true })}\n`);
  if (!quietOf(values) && summary.unnamedColumns.length > 0) io.stderr.write(`bulkpipe: ${unnamedNotice(options.source ?? 'input', summary.unnamedColumns)}\n`);
  if (!quietOf(values)) for (const hint of summary.dateFormatHints) io.stderr.write(`bulkpipe: ${hint}\n`);
  if (!quietOf(values)) {
    const failing = summary.recordsFailed > 0 ? `, ${count(summary.recordsFailed)} would fail (errors: ${options.errorPath})` : ', none would fail';
    io.stderr.write(
      `dry run of ${options.operation} into ${options.object}: ${plural(summary.recordsRead, 'record')} read, ${count(summary.recordsValid)} would be uploaded${failing}; no job was created\n`,
    );
  }
  return summary.recordsFailed > 0 ? 3 : 0;
}
