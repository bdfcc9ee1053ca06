/**
 * A download that survives a cut: when the body of a GET fails mid-way with a transient network
 * error (a reset, a socket closed before the end, a gzip stream that stops short), the resource is
 * requested again from the start and the bytes already handed on are skipped, so that the reader
 * sees one whole body. Results and query result files of a finished batch do not change, which is
 * what makes the skip sound; a second body shorter than what was delivered is an error, not a
 * silent truncation. Retries share one RetryBudget across reconnections.
 * Buffers: one chunk.
 */
import { Readable } from 'node:stream';
import { AbortedError, BodyReplayError, BulkError, NetworkError, type RequestContext } from '../errors.js';
import { isTransientNetworkError } from './retry.js';
import type { RetryBudget } from './with-retries.js';

export interface ResumableBodyOptions {
  readonly context: RequestContext;
  /** Requests the resource again (with its own retries); resolves to the new body. */
  readonly reopen: () => Promise<Readable>;
  readonly budget: RetryBudget;
  readonly signal?: AbortSignal | undefined;
}

/**
 * What a failure while reading a response body is: the caller's abort, an error of the contents
 * (a BulkError such as ParseError, as it is), or a NetworkError of the stream itself, which the
 * retries treat like a reset.
 */
export function bodyFailure(err: unknown, context: RequestContext, signal: AbortSignal | undefined): Error {
  if (signal?.aborted) return new AbortedError(`${context.method} ${context.path}`, signal.reason);
  if (err instanceof BulkError) return err;
  return new NetworkError(context, err);
}

export function resumableBody(first: Readable, options: ResumableBodyOptions): Readable {
  return Readable.from(chunks(first, options), { objectMode: false });
}

async function* chunks(first: Readable, { context, reopen, budget, signal }: ResumableBodyOptions): AsyncGenerator<Buffer> {
  let body = first;
  let delivered = 0;
  for (;;) {
    let skip = delivered;
    try {
      for await (const chunk of body) {
        let bytes = chunk as Buffer;
        if (skip > 0) {
          if (bytes.length <= skip) {
            skip -= bytes.length;
            continue;
          }
          bytes = bytes.subarray(skip);
          skip = 0;
        }
        delivered += bytes.length;
        yield bytes;
      }
      if (skip > 0)
        throw new BodyReplayError(
          `${context.method} ${context.path}: the body sent again after a cut is shorter (${delivered - skip} bytes) than what was read before it (${delivered} bytes)`,
          { method: context.method, path: context.path, delivered, replayed: delivered - skip },
        );
      return;
    } catch (err) {
      body.destroy();
      const error = bodyFailure(err, context, signal);
      if (!(error instanceof NetworkError) || !isTransientNetworkError(error.cause) || !(await budget.next(error))) throw error;
      body = await reopen();
    }
  }
}
