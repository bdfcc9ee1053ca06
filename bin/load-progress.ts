/**
 * The load's progress line, as fields for ProgressLine (most important first): the records the org
 * has processed out of the records the input holds (counted once it is read, estimated from the
 * bytes read before), with a smoothed rate and an ETA from it; then the rows written to the outputs,
 * which lag (a batch's results are fetched and written after the org is done with it, in input
 * order: issue 27 saw 40% written with 396 of 400 batches done); how far the reading is; the
 * batches. A stdin load has no total until its end: its counts only, no percent, no ETA.
 */
import type { LoadProgress } from '../pipelines/bulk-load.js';
import { compact, count, duration } from './progress-line.js';
import { SmoothedRate } from './smoothed-rate.js';

export class LoadProgressText {
  readonly #size: number | undefined;
  readonly #rate = new SmoothedRate();
  /** The highest percent shown: an estimate of the total that grows must not move the line back. */
  #percent = 0;

  /** `size`: the input file's bytes (undefined for stdin). */
  constructor(size: number | undefined) {
    this.#size = size;
  }

  /** Takes a progress report into the rate; call it on every report, drawn or not, so that each step is seen when it comes. */
  see(p: LoadProgress, now = Date.now()): void {
    this.#rate.sample(processed(p), now);
  }

  fields(p: LoadProgress, now = Date.now()): string[] {
    const rate = this.#rate.sample(processed(p), now);
    const total = this.#total(p);
    // Never past the total: a count the org gave that outruns it (it cannot, but a retry or a resume must not show 101%) is held at it.
    const done = total === undefined ? processed(p) : Math.min(processed(p), total.records);
    const fields: string[] = [];
    if (total === undefined) {
      fields.push(`processed ${count(done)}`);
    } else {
      // 100% only once every record is processed and the total is counted, not estimated.
      const percent = done === total.records && total.exact ? 100 : Math.min(99, Math.floor((done / total.records) * 100));
      this.#percent = Math.max(this.#percent, percent);
      fields.push(`processed ${count(done)} of ${total.exact ? '' : '~'}${count(total.records)} (${this.#percent}%)`);
    }
    fields.push(rate !== undefined ? `${compact(rate)} rec/s` : '');
    fields.push(total !== undefined && rate !== undefined && rate > 0 && done < total.records ? `ETA ${duration((total.records - done) / rate)}` : '');
    fields.push(`written ${count(p.recordsProcessed)}${p.recordsFailed > 0 ? ` (${count(p.recordsFailed)} failed)` : ''}`);
    const fraction = this.#fractionRead(p);
    fields.push(fraction === undefined || p.inputEnded ? `read ${count(p.recordsRead)}` : `reading ${Math.floor(fraction * 100)}% (${count(p.recordsRead)})`);
    fields.push(`batches ${p.batchesQueued} queued, ${p.batchesInProgress} in progress, ${p.batchesCompleted} done, ${p.batchesFailed} failed`);
    return fields.filter(Boolean);
  }

  /** The share of the input file read; undefined for stdin. */
  #fractionRead(p: LoadProgress): number | undefined {
    return this.#size && p.bytesRead !== undefined ? Math.min(1, p.bytesRead / this.#size) : undefined;
  }

  /**
   * The records the input holds: counted once the reading has ended (stdin's too), estimated from the
   * share of the file's bytes read before; undefined for stdin until its end, or before a record is read.
   */
  #total(p: LoadProgress): { records: number; exact: boolean } | undefined {
    if (p.recordsRead === 0) return undefined;
    if (p.inputEnded) return { records: p.recordsRead, exact: true };
    const fraction = this.#fractionRead(p);
    if (fraction === undefined || fraction === 0) return undefined;
    return { records: Math.max(p.recordsRead, Math.round(p.recordsRead / fraction)), exact: false };
  }
}

/**
 * Records done as far as the org goes: those it processed and those rejected before upload (which the
 * org never sees, and whose rows wait in input order behind held results: without them the line
 * stalls short of the total), or those in the outputs if more. Each part only grows: so does this.
 */
const processed = (p: LoadProgress) => Math.max(p.recordsProcessedByOrg + p.recordsRejectedBeforeUpload, p.recordsProcessed);
