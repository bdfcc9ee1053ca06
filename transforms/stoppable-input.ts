/**
 * A byte stream that passes its source through until `stop` fires, then ends normally (and
 * destroys the source): a graceful "stop reading" for a run whose input may never end by itself,
 * such as stdin. A chunk being waited for when the stop comes is not waited for.
 */
import { Readable } from 'node:stream';

export function stoppableInput(source: Readable, stop: AbortSignal): Readable {
  async function* pass(): AsyncGenerator<Buffer> {
    const chunks = source[Symbol.asyncIterator]() as AsyncIterator<Buffer>;
    const stopped = new Promise<IteratorResult<Buffer>>((resolve) => {
      const done = () => resolve({ done: true, value: undefined });
      if (stop.aborted) done();
      else stop.addEventListener('abort', done, { once: true });
    });
    try {
      for (;;) {
        const pending = chunks.next();
        const next = await Promise.race([pending, stopped]);
        if (next.done) {
          pending.catch(() => undefined); // the source is destroyed below; its last read no longer matters
          return;
        }
        yield next.value;
      }
    } finally {
      // Destroyed first: the iterator's return() would otherwise queue behind a read still waiting
      // on a silent source, and never come back.
      if (!source.destroyed) source.destroy();
      await chunks.return?.().catch(() => undefined);
    }
  }
  return Readable.from(pass(), { objectMode: false, highWaterMark: 1 });
}
