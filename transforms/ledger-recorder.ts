/**
 * LedgerRecorder: SpooledBatch -> SpooledBatch, recording each segment in the load's ledger (synced)
 * before it goes on to be uploaded, so that no batch can exist that the ledger does not know was
 * about to be made. When its input ends it records that the input was read to its end, unless the
 * load says otherwise (a stop, or malformed input that ended the reading early).
 * Buffers: nothing: the write callback waits for the disk and the ledger.
 */
import { basename } from 'node:path';
import { Transform, type TransformCallback } from 'node:stream';
import type { LoadLedger } from '../lib/load/load-ledger.js';
import { spoolOption, type LoadSpool, type SpoolFileCheck } from '../lib/load/load-spool.js';
import type { SpooledBatch } from '../lib/load-types.js';
import { wrongStageItem } from '../lib/streams/stage-items.js';

export interface LedgerRecorderOptions {
  readonly ledger: LoadLedger;
  /** The load's spool: where a segment's rejected records are. */
  readonly spool: LoadSpool;
  /** The input's CSV header line, when the fast path read one (recorded with the first segment). */
  readonly header: () => string | undefined;
  /** Whether the input was read to its real end; asked when it ends. */
  readonly readToEnd: () => boolean;
  /** The last input row recorded before (a resumed run's); default 0. */
  readonly fromRow?: number;
}

export class LedgerRecorder extends Transform {
  readonly #ledger: LoadLedger;
  readonly #spool: LoadSpool;
  readonly #header: () => string | undefined;
  readonly #readToEnd: () => boolean;
  #first = true;
  #lastRow = 0;

  constructor(options: LedgerRecorderOptions) {
    super({ objectMode: true, highWaterMark: 1 });
    this.#ledger = options.ledger;
    this.#spool = spoolOption(options.spool);
    this.#header = options.header;
    this.#readToEnd = options.readToEnd;
    this.#lastRow = options.fromRow ?? 0;
  }

  override _transform(batch: SpooledBatch, _encoding: BufferEncoding, callback: TransformCallback): void {
    const wrong = wrongStageItem('LedgerRecorder', ['batch'], batch);
    if (wrong) return callback(wrong);
    const header = this.#first ? this.#header() : undefined;
    this.#first = false;
    const end = batch.end ?? { row: lastRow(batch), offset: null };
    this.#lastRow = end.row;
    // The segment's files reach the disk before the ledger names it, with their sizes and hashes: after
    // a power cut too, a segment the ledger knows is whole, and a resumed run can tell if it is still.
    this.#seal(batch)
      .then((files) =>
        this.#ledger.segment({
          seq: batch.seq,
          records: batch.records,
          rejected: batch.rejected,
          bytes: batch.bytes,
          rows: batch.rows,
          columns: batch.columns,
          contentType: batch.contentType,
          payload: batch.path === null ? null : basename(batch.path),
          ...(batch.upload !== undefined ? { upload: basename(batch.upload) } : {}),
          ...(batch.sources !== undefined ? { sources: basename(batch.sources) } : {}),
          end,
          ...(header !== undefined ? { header } : {}),
          files,
        }),
      )
      .then(() => callback(null, batch), callback);
  }

  /** Each of the segment's files on the disk, with its size and hash (the payload's were taken as it was written). */
  async #seal(batch: SpooledBatch): Promise<SpoolFileCheck[]> {
    const files: SpoolFileCheck[] = [];
    if (batch.path !== null) files.push(await this.#spool.seal(batch.seq, batch.path));
    if (batch.upload !== undefined) files.push(await this.#spool.seal(batch.seq, batch.upload));
    if (batch.sources !== undefined) files.push(await this.#spool.seal(batch.seq, batch.sources));
    if (batch.rejected > 0) files.push(await this.#spool.seal(batch.seq, await this.#spool.path(batch.seq, 'rejects')));
    return files;
  }

  override _flush(callback: TransformCallback): void {
    if (!this.#readToEnd()) return callback();
    this.#ledger.inputEnd(this.#lastRow).then(() => callback(), callback);
  }
}

/** The last input row of a segment's uploaded records (a segment from a stage that does not say where the input stands). */
function lastRow(batch: SpooledBatch): number {
  const run = batch.rows[batch.rows.length - 1];
  return run ? run[0] + run[1] - 1 : 0;
}
