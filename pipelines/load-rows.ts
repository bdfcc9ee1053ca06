/**
 * loadRows: bulkLoad as an async iterator of its rows, each input record once, in input order, with
 * its outcome (success, id, error), and the load's summary as the iterator's return value. For ETL
 * code that routes failures itself; the files (successPath, errorPath) are written too when given.
 * The load waits for the consumer (a segment's rows at a time); a consumer that stops early (break)
 * stops the load: the job is closed, and what was read is accounted for in the files.
 */
import type { JoinedRow } from '../lib/load-types.js';
import { bulkLoad, type BulkLoadOptions, type LoadSummary } from './bulk-load.js';

export async function* loadRows(options: Omit<BulkLoadOptions, 'onRows'>): AsyncGenerator<JoinedRow, LoadSummary, undefined> {
  const stopping = new AbortController();
  let waiting: { readonly rows: readonly JoinedRow[]; readonly taken: () => void } | undefined;
  let wake: (() => void) | undefined;
  let summary: LoadSummary | undefined;
  let failure: unknown;
  let done = false;
  const onRows = (rows: readonly JoinedRow[]) =>
    new Promise<void>((taken) => {
      waiting = { rows, taken };
      wake?.();
    });
  const stopSignal = options.stopSignal ? AbortSignal.any([options.stopSignal, stopping.signal]) : stopping.signal;
  const run = bulkLoad({ ...options, stopSignal, onRows })
    .then(
      (result) => {
        summary = result;
      },
      (err: unknown) => {
        failure = err;
      },
    )
    .finally(() => {
      done = true;
      wake?.();
    });
  /** The segment being yielded: released when taken, or when the consumer leaves in the middle of it. */
  let current: (() => void) | undefined;
  try {
    for (;;) {
      if (waiting) {
        const { rows, taken } = waiting;
        waiting = undefined;
        current = taken;
        yield* rows;
        current = undefined;
        taken();
        continue;
      }
      if (done) break;
      await new Promise<void>((resolve) => {
        wake = resolve;
      });
      wake = undefined;
    }
    if (failure !== undefined) throw failure;
    return summary as LoadSummary;
  } finally {
    if (!done) {
      // The consumer left early: stop reading, let the load finish what it read, without a consumer.
      stopping.abort();
      current?.();
      const drain = (): void => {
        const held = waiting;
        waiting = undefined;
        held?.taken();
      };
      wake = drain;
      drain();
      await run;
    }
  }
}
