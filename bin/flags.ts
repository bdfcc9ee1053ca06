/** Checks for flag values, each failing with a one-line UsageError that names the flag. */
import { DEFAULT_MIN_POLL_INTERVAL_MS, DEFAULT_POLL_TIMEOUT_MS, DEFAULT_MAX_POLL_INTERVAL_MS } from '../lib/limits.js';
import { UsageError } from './usage-error.js';

/** A whole number within [min, max], or the fallback when the flag is absent. */
export function wholeNumber(name: string, text: string | undefined, fallback: number, min = 0, max = Number.MAX_SAFE_INTEGER): number {
  if (text === undefined) return fallback;
  if (!/^\d+$/.test(text) || Number(text) < min || Number(text) > max) {
    throw new UsageError(`--${name} expects a whole number from ${min} to ${max}, got ${JSON.stringify(text)}`);
  }
  return Number(text);
}

/** A size in bytes: a whole number, or with `k` (thousand) or `M` (million) after it, as Salesforce counts (decimal): `100M`, `512k`, `2.5M`. */
export function byteSize(name: string, text: string | undefined, fallback: number, min: number, max: number): number {
  if (text === undefined) return fallback;
  const m = /^(\d+(?:\.\d+)?)([kKmM]?)[bB]?$/.exec(text.trim());
  const bytes = m ? Math.round(Number(m[1]) * (m[2] === '' ? 1 : m[2]?.toLowerCase() === 'k' ? 1_000 : 1_000_000)) : Number.NaN;
  if (!Number.isSafeInteger(bytes) || bytes < min || bytes > max)
    throw new UsageError(`--${name} expects a size from ${min} to ${max} bytes (k and M suffixes: 500k, 100M), got ${JSON.stringify(text)}`);
  return bytes;
}

/** --bulk-api: 1 (the default) or 2. */
export function bulkApiFlag(text: string | undefined): 1 | 2 {
  if (text === undefined || text === '1') return 1;
  if (text === '2') return 2;
  throw new UsageError(`--bulk-api expects 1 or 2, got ${JSON.stringify(text)}`);
}

/** One of the given choices. */
export function choice<T extends string>(name: string, text: string | undefined, choices: readonly T[], fallback: T): T;
export function choice<T extends string>(name: string, text: string | undefined, choices: readonly T[]): T | undefined;
export function choice<T extends string>(name: string, text: string | undefined, choices: readonly T[], fallback?: T): T | undefined {
  if (text === undefined) return fallback;
  const found = choices.find((c) => c.toLowerCase() === text.toLowerCase());
  if (!found) throw new UsageError(`--${name} expects one of ${choices.join(', ')}, got ${JSON.stringify(text)}`);
  return found;
}

/** The flags every command takes (besides -h/--help, which parseCommand adds). */
export const COMMON_OPTIONS = {
  debug: { type: 'boolean' },
} as const;

/** The flags of the commands that run a job and wait for it (load, query). */
export const RUN_OPTIONS = {
  ...COMMON_OPTIONS,
  'poll-interval': { type: 'string' },
  timeout: { type: 'string' },
  quiet: { type: 'boolean', short: 'q' },
  json: { type: 'boolean' },
} as const;

export const RUN_OPTIONS_HELP = `  --poll-interval MS     first poll interval (default 500; it backs off to 10 s while nothing changes)
  --timeout S            most seconds to wait for the batches (default 21600)
  -q, --quiet            errors only: no progress, notices or summary line
  --debug                stack traces on errors
  -h, --help             this help`;

/** Poll settings from --poll-interval and --timeout. */
export function pollOptions(values: { readonly 'poll-interval'?: string | undefined; readonly timeout?: string | undefined }) {
  const pollMs = wholeNumber('poll-interval', values['poll-interval'], DEFAULT_MIN_POLL_INTERVAL_MS, 10, 600_000);
  const timeoutS = wholeNumber('timeout', values.timeout, DEFAULT_POLL_TIMEOUT_MS / 1000, 1, 7 * 86_400);
  return { minPollIntervalMs: pollMs, maxPollIntervalMs: Math.max(pollMs, DEFAULT_MAX_POLL_INTERVAL_MS), pollTimeoutMs: timeoutS * 1000 };
}

/** --quiet, or --json (which prints the JSON only): no progress, notices or summary line, errors only. */
export function quietOf(values: { readonly quiet?: boolean | undefined; readonly json?: boolean | undefined }): boolean {
  return values.quiet === true || values.json === true;
}
