/**
 * The retry loop shared by the client and the login: run an attempt, and on a failure that the
 * request's mode allows, wait the policy's delay (abortable: no timer survives an abort) and go
 * again, while the policy's count and time budget allow.
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
    if (options.policy.forFirstContact && err.causeCode === 'UND_ERR_HEADERS_TIMEOUT') return { retry: false };
    return { retry: isTransientNetworkError(cause) && (anyMode || failedBeforeSending(cause)) };
  }
  if (err instanceof BulkApiError || err instanceof HttpStatusError) {
    const retry = options.policy.isRetryableStatus(err.statusCode) && (anyMode || statusMeansNotProcessed(err.statusCode));
    return { retry, retryAfterMs: err.retryAfterMs };
  }
  return { retry: false };
}

/**
 * The retries of one request (or of one download, across its reconnections): counts them, waits
 * the policy's delay (abortable: no timer survives an abort), and says when the budget is spent.
 */
export class RetryBudget {
  readonly #policy: RetryPolicy;
  readonly #what: string;
  readonly #signal: AbortSignal | undefined;
  readonly #onRetry: ((event: RetryEvent) => void) | undefined;
  #retry = 0;
  #firstFailure: number | undefined;

  constructor(policy: RetryPolicy, what: string, signal: AbortSignal | undefined, onRetry: ((event: RetryEvent) => void) | undefined) {
    this.#policy = policy;
    this.#what = what;
    this.#signal = signal;
    this.#onRetry = onRetry;
  }

  /** After a retryable failure: waits before the next attempt and returns true, or false when the budget is spent. */
  async next(error: Error, retryAfterMs?: number): Promise<boolean> {
    this.#firstFailure ??= Date.now();
    const delayMs = this.#policy.delayMs(this.#retry, retryAfterMs);
    if (!this.#policy.allows(this.#retry, Date.now() - this.#firstFailure, delayMs)) return false;
    this.#retry++;
    this.#onRetry?.({ retry: this.#retry, delayMs, error });
    try {
      await sleep(delayMs, undefined, this.#signal ? { signal: this.#signal } : undefined);
    } catch {
      throw new AbortedError(this.#what, this.#signal?.reason);
    }
    return true;
  }
}

/** Whether a failed attempt may have taken effect on the server (its answer lost, not refused unprocessed). */
function mayHaveActed(err: unknown): boolean {
  if (err instanceof NetworkError) return !failedBeforeSending(err.cause);
  if (err instanceof BulkApiError || err instanceof HttpStatusError) return !statusMeansNotProcessed(err.statusCode);
  return true;
}

export async function withRetries<T>(attempt: () => Promise<T>, options: RetryLoopOptions<T>): Promise<T> {
  const budget = new RetryBudget(options.policy, options.what, options.signal, options.onRetry);
  for (;;) {
    try {
      return await attempt();
    } catch (err) {
      const { retry: again, retryAfterMs } = retryable(err, options);
      if (!again || !(await budget.next(err as Error, retryAfterMs))) throw err;
      if (options.mode === 'dedupe' && options.recover && mayHaveActed(err)) {
        const recovered = await options.recover();
        if (recovered !== undefined) return recovered;
      }
    }
  }
}
