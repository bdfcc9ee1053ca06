/** Stream test helpers (ARCHITECTURE.md): sources from chunks, collecting sinks, slow sinks. */
import { Readable, Writable } from 'node:stream';

/** A byte source that yields exactly these chunks. */
export function fromChunks(chunks: ReadonlyArray<string | Buffer>): Readable {
  return Readable.from(
    chunks.map((c) => (typeof c === 'string' ? Buffer.from(c) : c)),
    { objectMode: false },
  );
}

/** The same bytes cut at the given offsets. */
export function splitAt(text: string | Buffer, offsets: readonly number[]): Buffer[] {
  const buf = typeof text === 'string' ? Buffer.from(text) : text;
  const cuts = [0, ...offsets.filter((o) => o > 0 && o < buf.length).sort((a, b) => a - b), buf.length];
  const out: Buffer[] = [];
  for (let i = 1; i < cuts.length; i++) out.push(buf.subarray(cuts[i - 1], cuts[i]));
  return out;
}

/** An object-mode sink that keeps what it receives. */
export function collector<T>(): Writable & { items: T[] } {
  const items: T[] = [];
  const sink = new Writable({
    objectMode: true,
    write(item: T, _e, cb) {
      items.push(item);
      cb();
    },
  });
  return Object.assign(sink, { items });
}

/** An object-mode sink that takes `delayMs` per item, with a highWaterMark of 1. */
export function slowSink<T>(delayMs: number, onItem?: (item: T) => void): Writable & { items: T[] } {
  const items: T[] = [];
  const sink = new Writable({
    objectMode: true,
    highWaterMark: 1,
    write(item: T, _e, cb) {
      items.push(item);
      onItem?.(item);
      setTimeout(cb, delayMs);
    },
  });
  return Object.assign(sink, { items });
}
