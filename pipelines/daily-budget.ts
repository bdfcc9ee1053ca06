/**
 * The pre-flight of a load or a query: before any job exists, what the run needs of the org's daily
 * limits (lib/load/budget-estimate.ts) against what `/limits` says is left. Short: a DailyLimitError
 * (`BULK_DAILY_LIMIT`, exit 2), naming the limit, the need and what is left. A `/limits` that cannot
 * be read (a user without "View Setup and Configuration" gets 403; an org or proxy without the
 * resource, 404) stops nothing: a notice says the budget is not checked. One that answers
 * REQUEST_LIMIT_EXCEEDED is the answer itself: no API request is left.
 */
import { open } from 'node:fs/promises';
import { BulkApiError, DailyLimitError, HttpStatusError } from '../lib/errors.js';
import type { BulkClient, OrgLimits } from '../lib/http/client.js';
import { estimateRecords, loadNeed } from '../lib/load/budget-estimate.js';
import type { BulkQueryOptions } from './bulk-query.js';
import { knownPayloadBytes, type LoadPlan } from './load-plan.js';

/** The limits a run may need, with what one unit of each is called in a message. */
const UNITS = {
  DailyBulkApiBatches: 'Bulk API batches',
  DailyApiRequests: 'API requests',
  DailyBulkV2QueryJobs: 'Bulk API 2.0 query jobs',
} as const;
type BudgetLimit = keyof typeof UNITS;

/** Bytes read from the head of the input file for its bytes per record. */
const SAMPLE_BYTES = 64 * 1024;

export interface BudgetNeed {
  readonly limit: BudgetLimit;
  readonly needed: number;
}

export interface BudgetCheck {
  /** `load` or `query`: the message's first word. */
  readonly command: string;
  readonly needs: readonly BudgetNeed[];
  /** How the needs were found: `estimate` (from a file's size, rounded up), or why only something left is checked. */
  readonly basis: { readonly estimate: true } | { readonly estimate: false; readonly why: string };
  readonly onNotice: ((message: string) => void) | undefined;
  readonly signal: AbortSignal | undefined;
}

/**
 * Reads `/limits` and compares; resolves to the limits read (undefined when they could not be
 * read), or rejects with DailyLimitError for the first limit that is short.
 */
export async function checkDailyBudget(client: BulkClient, check: BudgetCheck): Promise<OrgLimits | undefined> {
  const limits = await readLimits(client, check);
  if (limits === undefined) return undefined;
  for (const { limit, needed } of check.needs) {
    const value = limitOf(limits, limit);
    if (value === undefined || value.Remaining >= needed) continue;
    throw shortOf(check, limit, needed, value.Remaining, value.Max);
  }
  return limits;
}

/** `/limits`, or undefined (with a notice) when it cannot be read; REQUEST_LIMIT_EXCEEDED is DailyApiRequests spent. */
async function readLimits(client: BulkClient, check: BudgetCheck): Promise<OrgLimits | undefined> {
  try {
    return await client.limits(check.signal ? { signal: check.signal } : {});
  } catch (err) {
    if (check.signal?.aborted) throw err;
    if (err instanceof BulkApiError && err.exceptionCode === 'REQUEST_LIMIT_EXCEEDED') {
      const needed = check.needs.find((n) => n.limit === 'DailyApiRequests')?.needed ?? 1;
      throw shortOf(check, 'DailyApiRequests', needed, 0, client.apiUsage?.max);
    }
    // Anything else (a user without the permission, a gateway's 404 page, a 5xx after the retries, an
    // answer that is not the limits document) leaves the budget unknown: the load goes on, and says so.
    if (!(err instanceof BulkApiError || err instanceof HttpStatusError || err instanceof SyntaxError)) throw err;
    const why =
      err instanceof BulkApiError ? `${err.exceptionCode}, HTTP ${err.statusCode}` : err instanceof HttpStatusError ? `HTTP ${err.statusCode}` : 'not the limits document';
    check.onNotice?.(`cannot read the org's limits (${why}): the daily budget is not checked`);
    return undefined;
  }
}

/** A limit by its name; the batch allocation has its old name before API 49.0. */
export function limitOf(limits: OrgLimits, name: string): OrgLimits[string] | undefined {
  return limits[name] ?? (name === 'DailyBulkApiBatches' ? limits.DailyBulkApiRequests : undefined);
}

function shortOf(check: BudgetCheck, limit: BudgetLimit, needed: number, remaining: number, max: number | undefined): DailyLimitError {
  const n = (x: number) => x.toLocaleString('en-US');
  const unit = UNITS[limit];
  const left = max === undefined ? `${n(remaining)} ${unit} left` : `${n(remaining)} of its daily ${n(max)} ${unit} left`;
  const need = check.basis.estimate
    ? `this ${check.command} needs about ${n(needed)} ${unit} (an estimate from the input's size, rounded up) and`
    : `${check.basis.why}, so only that something is left is checked:`;
  const message = `${check.command}: ${need} the org has ${left} (${limit}); --ignore-limits (ignoreLimits) ${check.command === 'query' ? 'queries' : 'loads'} anyway`;
  return new DailyLimitError(message, { limit, needed, remaining, max: max ?? remaining });
}

/** A load's needs: from the input file's size and first bytes, or (a stream, records, gzip, JSON or XML) one of each. */
export async function loadBudget(plan: LoadPlan): Promise<Pick<BudgetCheck, 'needs' | 'basis'>> {
  const { shape, inputFile } = plan;
  const bulkApi = shape.bulkApi ?? 1;
  const why = unknownSize(plan);
  if (why !== undefined || inputFile === null || shape.input === null) {
    const least = loadNeed({ bulkApi, records: 1, bytes: 1, batchSize: 1, jobSize: undefined });
    return { needs: needsOf(least), basis: { estimate: false, why: why ?? 'the input is a stream, whose size is not known' } };
  }
  const sample = await head(shape.input, Math.min(SAMPLE_BYTES, inputFile.size));
  const records = estimateRecords(inputFile.size, sample, shape.format === 'csv');
  // A new run's submitter knows a CSV file's size and shrinks its last jobs (pipelines/load-stages.ts): the same plan here.
  const sizeKnown = knownPayloadBytes(plan) !== undefined;
  // A CSV header line heads every segment's payload too.
  const headerBytes = shape.format === 'csv' ? sample.indexOf(0x0a) + 1 : 0;
  const size = { records, bytes: inputFile.size, batchSize: shape.batchSize, jobSize: shape.jobSize, sizeKnown, headerBytes };
  return { needs: needsOf(loadNeed({ bulkApi, ...size })), basis: { estimate: true } };
}

const needsOf = (need: { batches: number; requests: number }): BudgetNeed[] => [
  { limit: 'DailyBulkApiBatches', needed: need.batches },
  { limit: 'DailyApiRequests', needed: need.requests },
];

/** Why a load's size cannot be told from its input, or undefined when it can. */
function unknownSize(plan: LoadPlan): string | undefined {
  const { shape } = plan;
  if (shape.input === null) return shape.format === 'records' ? 'the records come from code, whose number is not known' : 'the input is a stream, whose size is not known';
  if (plan.gzipFile) return 'the input is gzip, whose records are not counted ahead';
  if (shape.format !== 'csv' && shape.format !== 'ndjson') return `the input is ${shape.format.toUpperCase()}, whose records are not counted ahead`;
  return undefined;
}

/** The first `bytes` of a file. */
async function head(path: string, bytes: number): Promise<Uint8Array> {
  const file = await open(path, 'r');
  try {
    const buffer = Buffer.alloc(bytes);
    const { bytesRead } = await file.read(buffer, 0, bytes, 0);
    return buffer.subarray(0, bytesRead);
  } finally {
    await file.close();
  }
}

/** The pre-flight of a query (pipelines/daily-budget.ts): what is left of the org's limits against the fewest a query needs. */
export async function queryBudget(options: Pick<BulkQueryOptions, 'client' | 'ignoreLimits' | 'onNotice' | 'signal'>, needs: readonly BudgetNeed[]): Promise<void> {
  if (options.ignoreLimits === true) return;
  await checkDailyBudget(options.client, {
    command: 'query',
    needs,
    basis: { estimate: false, why: 'a query needs one job whatever it returns' },
    onNotice: options.onNotice,
    signal: options.signal,
  });
}
