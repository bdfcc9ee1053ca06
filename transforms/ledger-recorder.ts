/**
 * LedgerRecorder: SpooledBatch -> SpooledBatch, recording each segment in the load's ledger (synced)
 * before it goes on to be uploaded, so that no batch can exist that the ledger does not know was
 * about to be made. When its input ends it records that the input was read to its end, unless the
 * load says otherwise (a stop, or malformed input that ended the reading early).
 * Buffers: nothing: the write callback waits for the disk and the ledger.
 */
import { open } from 'node:fs/promises';
import { basename } from 'node:path';
import { Transform, type TransformCallback } from 'node:stream';
import type { LoadLedger } from '../lib/load/load-ledger.js';
import { spoolOption, type LoadSpool } from '../lib/load/load-spool.js';
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
    // The segment's files reach the disk before the ledger names it: after a power cut too, a segment
    // the ledger knows is whole (a short payload would be uploaded as a short batch).
    this.#sync(batch)
      .then(() =>
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
          end,
          ...(header !== undefined ? { header } : {}),
        }),
      )
      .then(() => callback(null, batch), callback);
  }

  async #sync(batch: SpooledBatch): Promise<void> {
    if (batch.path !== null) await syncFile(batch.path);
    if (batch.upload !== undefined) await syncFile(batch.upload);
    if (batch.rejected > 0) await syncFile(await this.#spool.path(batch.seq, 'rejects'));
  }

  override _flush(callback: TransformCallback): void {
    if (!this.#readToEnd()) return callback();
    this.#ledger.inputEnd(this.#lastRow).then(() => callback(), callback);
  }
}

async function syncFile(path: string): Promise<void> {
  const file = await open(path, 'r');
  try {
    await file.datasync();
  } finally {
    await file.close();
  }
}

/** The last input row of a segment's uploaded records (a segment from a stage that does not say where the input stands). */
function lastRow(batch: SpooledBatch): number {
  const run = batch.rows[batch.rows.length - 1];
  return run ? run[0] + run[1] - 1 : 0;
}
