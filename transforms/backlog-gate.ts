/**
 * BacklogGate: SpooledBatch -> the same SpooledBatch, on the way to the submitter, each one held
 * until `whenRoom` resolves (a ResultJoiner's: fewer finished results than its backlog wait for the
 * reader, or the segment it joins next still needs input). A reader that stops taking the load's rows
 * stops the uploads and, through this stage's withheld callback, the reading and the spool; a batch
 * the joiner waits for is never held, so a 2.0 job still gathering its segments, a group window or a
 * segment being cut cannot wait on it (issue 28). A held batch is never passed on once `whenRoom`
 * rejects (the joiner failed) or this stage is destroyed.
 */
import { Transform, type TransformCallback } from 'node:stream';
import type { SpooledBatch } from '../lib/load-types.js';

export class BacklogGate extends Transform {
  readonly #whenRoom: () => Promise<void>;

  constructor(whenRoom: () => Promise<void>) {
    super({ objectMode: true, highWaterMark: 1 });
    this.#whenRoom = whenRoom;
  }

  override _transform(batch: SpooledBatch, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.#whenRoom().then(
      () => {
        if (!this.destroyed) callback(null, batch);
      },
      (err: Error) => {
        if (!this.destroyed) callback(err);
      },
    );
  }
}
