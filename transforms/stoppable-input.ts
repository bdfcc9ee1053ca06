/**
 * A byte stream that passes its source through until `stop` fires, then ends normally (and
 * destroys the source): a graceful "stop reading" for a run whose input may never end by itself,
 * such as stdin. A chunk being waited for when the stop comes is not waited for.
 */
import { Readable } from 'node:stream';

export function stoppableInput(source: Readable, stop: AbortSignal): Readable {
  async function* pass(): AsyncGenerator<Buffer> {
    const chunks = source[Symbol.asyncIterator]() as AsyncIterator<Buffer>;
    try {
      while (!stop.aborted) {
        const pending = chunks.next();
        // A promise of this read only: one that lived as long as the stream would keep every chunk
        // it was raced against alive (each race leaves a reaction on it), so memory grew with the input.
        let onStop: (() => void) | undefined;
        const stopped = new Promise<IteratorResult<Buffer>>((resolve) => {
          onStop = () => resolve({ done: true, value: undefined });
          stop.addEventListener('abort', onStop, { once: true });
        });
        const next = await Promise.race([pending, stopped]);
        stop.removeEventListener('abort', onStop as () => void);
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
