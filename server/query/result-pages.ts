/**
 * Pages of a Bulk API 2.0 query result (wire §4.4): where a page that starts at a row ends (at most
 * `maxRecords` rows and, past its first row, at most `maxBytes`), and its body, read a chunk at a
 * time. Pure arithmetic over the stored offsets: the same start and limits always give the same page,
 * which is what lets a locator be fetched again and `resultPages` list pages ahead of time.
 */
import { chunkOffset, type V2QueryStore } from '../store/v2-query-store.js';

/** A page's rows are cut at about this many bytes, however many rows were asked for (smaller pages are legal, spec §4.4). */
export const PAGE_BYTES = 64 * 1024 * 1024;

export interface PageLimits {
  readonly maxRecords: number;
  readonly maxBytes: number;
}

/** The row after the last of the page that starts at `start`, of a result of `total` rows. */
export function pageEnd(store: V2QueryStore, batchId: string, start: number, total: number, limits: PageLimits): number {
  const last = Math.min(total, start + limits.maxRecords);
  let bytes = 0;
  let reached = start;
  for (const chunk of store.chunksFrom(batchId, start, false)) {
    const from = Math.max(start, chunk.firstRow) - chunk.firstRow;
    const to = Math.min(last, chunk.firstRow + chunk.rows) - chunk.firstRow;
    const base = chunkOffset(chunk, from);
    // Rows while the page stays under maxBytes, and always its first row.
    for (let i = from; i < to; i++) {
      const end = bytes + chunkOffset(chunk, i + 1) - base;
      if (end > limits.maxBytes && chunk.firstRow + i > start) return chunk.firstRow + i;
    }
    bytes += chunkOffset(chunk, to) - base;
    reached = chunk.firstRow + to;
    if (reached >= last) return last;
  }
  // Fewer rows stored than `total` says (none when total is 0): the page ends where they do.
  return Math.min(last, reached);
}

/** The CSV lines of rows [start, end), a chunk's slice at a time. */
export function* pageRows(store: V2QueryStore, batchId: string, start: number, end: number): Generator<Buffer> {
  if (end <= start) return;
  for (const chunk of store.chunksFrom(batchId, start, true)) {
    const from = Math.max(start, chunk.firstRow) - chunk.firstRow;
    const to = Math.min(end, chunk.firstRow + chunk.rows) - chunk.firstRow;
    yield (chunk.data as Buffer).subarray(chunkOffset(chunk, from), chunkOffset(chunk, to));
    if (chunk.firstRow + to >= end) return;
  }
}
