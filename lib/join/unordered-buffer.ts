/**
 * A buffer that the steps of one join take in turn (never two at once), grown in place when a step
 * needs more: reading a hundred payloads, or writing a hundred segments' results, then allocates one
 * buffer rather than a hundred that wait for the garbage collector.
 */
export class ReusedBuffer {
  buf: Buffer;

  constructor(bytes: number) {
    this.buf = Buffer.allocUnsafe(bytes);
  }

  /** The buffer, at least `bytes` long, holding its first `keep` bytes. */
  atLeast(bytes: number, keep = 0): Buffer {
    if (this.buf.length < bytes) {
      const bigger = Buffer.allocUnsafe(Math.max(bytes, this.buf.length * 2));
      this.buf.copy(bigger, 0, 0, keep);
      this.buf = bigger;
    }
    return this.buf;
  }
}
