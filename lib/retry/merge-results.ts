/**
 * A segment's results with a retry attempt's merged in (issue 26): the file the next attempt, or the
 * joiner, reads. It is v1's CSV result form in payload order with an `"Attempts"` column: a retried
 * row takes the attempt's result and number, every other row keeps its own (1 when the file before
 * had no column). An attempt that gave no results for its rows (a failed batch or job, results that
 * did not match) gives each of them `failure` instead.
 * Memory: the attempt's results (one entry per retried row, a batch's at most), and the file's bytes
 * as it is written whole by the spool (a batch's results).
 */
import { createReadStream } from 'node:fs';
import { readCsvResults } from '../join/csv-results.js';

/** What an attempt gave its rows: its results file, in retry payload order; or one error for all. */
export type AttemptOutcome = { readonly resultsPath: string } | { readonly failure: string };

interface RetriedResult {
  readonly success: boolean;
  readonly created: boolean;
  readonly id: string;
  readonly error: string;
}

const HEADER = '"Id","Success","Created","Error","Attempts"\n';
const quoted = (text: string) => `"${text.replaceAll('"', '""')}"`;
const row = (r: RetriedResult, attempts: number) => `${quoted(r.id)},${r.success},${r.created},${quoted(r.error)},${attempts}\n`;

/**
 * The merged file's bytes. `order`: the payload places of the attempt's rows, in its payload's
 * order. Resolves with `mismatch` set (and nothing merged) when the attempt's results are not one a row.
 */
export async function mergeAttempt(basePath: string, order: readonly number[], outcome: AttemptOutcome, attempt: number): Promise<{ parts: Buffer[] } | { mismatch: number }> {
  const retried = new Map<number, RetriedResult>();
  if ('resultsPath' in outcome) {
    let k = 0;
    for await (const block of readCsvResults(createReadStream(outcome.resultsPath), `results ${outcome.resultsPath}`)) {
      for (let j = 0; j < block.count; j++, k++) {
        const index = order[k];
        if (index === undefined) continue;
        retried.set(index, { success: block.success[j] === 1, created: block.created[j] === 1, id: block.id(j) ?? '', error: block.errors[j] ?? '' });
      }
    }
    if (k !== order.length) return { mismatch: k };
  } else {
    for (const index of order) retried.set(index, { success: false, created: false, id: '', error: outcome.failure });
  }
  const parts: Buffer[] = [];
  let text = HEADER;
  let index = 0;
  for await (const block of readCsvResults(createReadStream(basePath), `results ${basePath}`)) {
    for (let j = 0; j < block.count; j++, index++) {
      const again = retried.get(index);
      text += again
        ? row(again, attempt)
        : row({ success: block.success[j] === 1, created: block.created[j] === 1, id: block.id(j) ?? '', error: block.errors[j] ?? '' }, (block.attempts[j] as number) || 1);
      if (text.length > 64 * 1024) {
        parts.push(Buffer.from(text));
        text = '';
      }
    }
  }
  parts.push(Buffer.from(text));
  return { parts };
}
