/**
 * The load's progress line, as fields for ProgressLine (most important first): how much of the
 * whole job is done (records whose outcome is known, out of the records the input holds: counted
 * once it is read, estimated from the bytes read before) with an ETA from the recent rate; how far
 * the reading is, apart; the recent rate; the batches. A stdin load has no total: its counts only.
 */
import type { LoadProgress } from '../pipelines/bulk-load.js';
import { RecentRate, count, duration, plural } from './progress-line.js';

export class LoadProgressText {
  readonly #size: number | undefined;
  readonly #rate = new RecentRate();

  /** `size`: the input file's bytes (undefined for stdin). */
  constructor(size: number | undefined) {
    this.#size = size;
  }

  fields(p: LoadProgress, now = Date.now()): string[] {
    const done = p.recordsProcessed;
    const rate = this.#rate.sample(done, now);
    const size = this.#size;
    const fraction = size && p.bytesRead !== undefined ? Math.min(1, p.bytesRead / size) : undefined;
    const readAll = fraction === 1;
    // Before the end of the file, its records are estimated from the share of its bytes read.
    const total =
      fraction === undefined ? undefined : readAll ? p.recordsRead : fraction > 0 && p.recordsRead > 0 ? Math.max(p.recordsRead, Math.round(p.recordsRead / fraction)) : undefined;
    const failed = p.recordsFailed > 0 ? `, ${count(p.recordsFailed)} failed` : '';
    const fields: string[] = [];
    if (total !== undefined && total > 0) {
      fields.push(`${Math.floor((Math.min(done, total) / total) * 100)}% done (${count(done)} of ${readAll ? '' : '~'}${plural(total, 'record')}${failed})`);
      fields.push(rate && rate > 0 ? `ETA ${duration((total - done) / rate)}` : '');
    } else {
      fields.push(`${plural(done, 'record')} done${failed}`);
    }
    fields.push(readAll || fraction === undefined ? `read ${count(p.recordsRead)}` : `reading ${Math.floor(fraction * 100)}% (${count(p.recordsRead)})`);
    fields.push(rate !== undefined ? `${count(rate)} rec/s` : '');
    fields.push(`batches ${p.batchesQueued} queued, ${p.batchesInProgress} in progress, ${p.batchesCompleted} done, ${p.batchesFailed} failed`);
    return fields.filter(Boolean);
  }
}
