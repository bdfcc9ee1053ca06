/**
 * LockFailureTap: JoinedBlock -> the same JoinedBlock. Passes the joiner's blocks on untouched and
 * tells, for each segment once its last block is by, how many of its records were sent and how many
 * failed on a row lock (lib/join/lock-failures.ts): what adaptive concurrency listens to.
 */
import { Transform, type TransformCallback } from 'node:stream';
import { LockFailureCounter } from '../lib/join/lock-failures.js';
import type { JoinedBlock } from '../lib/load-types.js';

export class LockFailureTap extends Transform {
  readonly #counter: LockFailureCounter;

  constructor(onSegment: (sent: number, lockFailed: number) => void) {
    super({ objectMode: true, highWaterMark: 1 });
    this.#counter = new LockFailureCounter(onSegment);
  }

  override _transform(block: JoinedBlock, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.#counter.add(block);
    callback(null, block);
  }
}
