/**
 * The retry loop shared by the client and the login: run an attempt, and on a failure that the
 * request's mode allows, wait the policy's delay (abortable: no timer survives an abort) and go
 * again, at most `maxRetries` times.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { AbortedError, BulkApiError, HttpStatusError, NetworkError } from '../errors.js';
import { failedBeforeSending, isTransientNetworkError, statusMeansNotProcessed, type RetryPolicy } from './retry.js';

/**
 * - `idempotent`: sending twice does no harm (GETs, close, abort): retry any transient failure.
 * - `once`: retry only when the request surely did not reach the server or was refused unprocessed
 *   (connect failures, 429, 503).
 * - `dedupe`: like idempotent, but `recover` is asked first whether the lost attempt took effect.
 */
export type RetryMode = 'idempotent' | 'once' | 'dedupe';

export interface RetryEvent {
  readonly retry: number;
  readonly delayMs: number;
  readonly error: Error;
}

export interface RetryLoopOptions<T> {
  readonly policy: RetryPolicy;
  readonly mode: RetryMode;
  /** False for a one-shot (stream) body: never retried. */
  readonly replayable: boolean;
  readonly signal?: AbortSignal | undefined;
  readonly what: string;
  /** For `dedupe`: finds the result of an attempt whose answer was lost; undefined if it did not happen. */
  readonly recover?: () => Promise<T | undefined>;
  readonly onRetry?: ((event: RetryEvent) => void) | undefined;
}

function retryable(err: unknown, options: RetryLoopOptions<unknown>): { retry: boolean; retryAfterMs?: number | undefined } {
  if (!options.replayable) return { retry: false };
  const anyMode = options.mode !== 'once';
  if (err instanceof NetworkError) {
    const cause = err.cause;
    return { retry: isTransientNetworkError(cause) && (anyMode || failedBeforeSending(cause)) };
  }
  if (err instanceof BulkApiError || err instanceof HttpStatusError) {
    const retry = options.policy.isRetryableStatus(err.statusCode) && (anyMode || statusMeansNotProcessed(err.statusCode));
    return { retry, retryAfterMs: err.retryAfterMs };
  }
  return { retry: false };
}

export async function withRetries<T>(attempt: () => Promise<T>, options: RetryLoopOptions<T>): Promise<T> {
  for (let retry = 0; ; retry++) {
    try {
      return await attempt();
    } catch (err) {
      const { retry: again, retryAfterMs } = retryable(err, options);
      if (!again || retry >= options.policy.maxRetries) throw err;
      const delayMs = options.policy.delayMs(retry, retryAfterMs);
      options.onRetry?.({ retry: retry + 1, delayMs, error: err as Error });
      try {
        await sleep(delayMs, undefined, options.signal ? { signal: options.signal } : undefined);
      } catch {
        throw new AbortedError(options.what, options.signal?.reason);
      }
      if (options.mode === 'dedupe' && options.recover && !(err instanceof NetworkError && failedBeforeSending(err.cause))) {
        const recovered = await options.recover();
        if (recovered !== undefined) return recovered;
      }
    }
  }
}
