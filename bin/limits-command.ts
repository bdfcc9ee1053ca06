/**
 * `bulkpipe limits`: the org's daily limits (`/services/data/vXX.X/limits`) as a table (name, used,
 * remaining, max, percent used), the ones a load or a query spends first; `--json` prints what the
 * org answered, `{ Name: { Max, Remaining } }`.
 */
import type { OrgLimits } from '../lib/http/client.js';
import type { CliIo } from './cli-io.js';
import { CONNECTION_HELP, CONNECTION_OPTIONS, openConnection } from './connection.js';
import { COMMON_OPTIONS } from './flags.js';
import { parseCommand } from './parse-command.js';
import { count } from './progress-line.js';
import { UsageError } from './usage-error.js';

export const LIMITS_HELP = `Usage: bulkpipe limits [options]

Prints the org's daily limits: name, used, remaining, max and percent used, those bulkpipe spends
first (Bulk API batches, Bulk API 2.0 query jobs and storage, API requests). A load checks them
before its job (see bulkpipe load --help, --ignore-limits). Needs the "View Setup and
Configuration" permission.

Options:
  --json             the org's answer as JSON: { "Name": { "Max": N, "Remaining": N } }
  -q, --quiet        no notices (errors only)
  -h, --help         this help

Examples:
  bulkpipe limits
  bulkpipe limits --target-org prod --json`;

/** The limits a load or a query spends, first and in this order; DailyBulkApiRequests is DailyBulkApiBatches' name before API 49.0. */
const FIRST = ['DailyBulkApiBatches', 'DailyBulkApiRequests', 'DailyBulkV2QueryJobs', 'DailyBulkV2QueryFileStorageMB', 'DailyApiRequests'];

/** The `bulkpipe limits` flags, as the parser takes them (the README's reference table is checked against them: test/examples/readme-reference.test.ts). */
export const LIMITS_OPTIONS = {
  ...CONNECTION_OPTIONS,
  ...COMMON_OPTIONS,
  json: { type: 'boolean' },
  quiet: { type: 'boolean', short: 'q' },
} as const;

export async function runLimitsCommand(argv: readonly string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseCommand('limits', argv, LIMITS_OPTIONS);
  if (values.help) {
    io.stdout.write(`${LIMITS_HELP}\n\n${CONNECTION_HELP}\n`);
    return 0;
  }
  if (positionals.length > 0) throw new UsageError(`limits: unexpected argument ${JSON.stringify(positionals[0])}`);
  const conn = await openConnection(values, io.env, io.stderr, io.signal);
  try {
    const limits = await conn.client.limits({ signal: io.signal });
    io.stdout.write(values.json ? `${JSON.stringify(limits, null, 2)}\n` : limitsTable(limits));
  } finally {
    await conn.close();
  }
  return 0;
}

/** The table, one limit a line, columns aligned (numbers to the right). */
export function limitsTable(limits: OrgLimits): string {
  const rank = (name: string) => (FIRST.includes(name) ? FIRST.indexOf(name) : FIRST.length);
  const names = Object.keys(limits).sort((a, b) => rank(a) - rank(b) || a.localeCompare(b));
  const rows = [
    ['LIMIT', 'USED', 'REMAINING', 'MAX', 'USED %'],
    ...names.map((name) => {
      const { Max, Remaining } = limits[name] as { Max: number; Remaining: number };
      const used = Max - Remaining;
      return [name, count(used), count(Remaining), count(Max), Max > 0 ? `${((used * 100) / Max).toFixed(1)}%` : '-'];
    }),
  ];
  const widths = (rows[0] as string[]).map((_, i) => Math.max(...rows.map((row) => (row[i] ?? '').length)));
  return `${rows.map((row) => row.map((cell, i) => (i === 0 ? cell.padEnd(widths[i] ?? 0) : cell.padStart(widths[i] ?? 0))).join('  ')).join('\n')}\n`;
}
