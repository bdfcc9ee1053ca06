/**
 * Drives a chain of third-party parser streams (stream-json) from an async iterable of
 * bytes and yields what the last stage emits. `pipeline` wires errors and teardown; a consumer that
 * stops early destroys the chain, and any failure is rethrown through `wrapError`.
 */
import { Readable, type Duplex } from 'node:stream';
import { pipeline } from 'node:stream/promises';

export async function* iterateThrough<T>(
  chunks: AsyncIterable<Uint8Array | string>,
  stages: readonly [Duplex, ...Duplex[]],
  wrapError: (err: unknown) => Error,
): AsyncGenerator<T> {
  const last = stages[stages.length - 1] as Duplex;
  const done = pipeline([Readable.from(chunks, { objectMode: false }), ...stages]).then(
    () => undefined,
    (err: unknown) => err,
  );
  let failure: unknown;
  try {
    for await (const item of last) yield item as T;
  } catch (err) {
    failure = err;
  } finally {
    last.destroy();
  }
  failure ??= await done;
  if (failure) throw wrapError(failure);
}
