/**
 * When and how long to wait before trying a request again: capped exponential back-off with equal
 * jitter, `Retry-After` honoured up to a cap, bounded by a time budget (long enough by default to
 * ride out a server restart of a minute) and a number of attempts. Pure: no I/O, no timers.
 */
import { errorCodeOf } from '../errors.js';
import { duration, nonNegativeInteger } from '../options.js';

export interface RetryOptions {
  /** Most retries after the first attempt; default 100 (the time budget ends them first). */
  readonly maxRetries?: number;
  /**
   * Time budget of one request's retries, from its first failure: no retry starts after it;
   * default 120 s, so that a server that is restarted within a minute is ridden out.
   */
  readonly maxElapsedMs?: number;
  /**
   * Time budget of the retries of a client's first contact, until it has had one answer from the
   * server: default 5 s, so that a wrong URL, a refused port or an unknown host fails fast, where an
   * org that goes away once a run is under way is waited for (`maxElapsedMs`).
   */
  readonly firstContactMs?: number;
  /** Back-off before the first retry; default 250 ms. It doubles with each retry. */
  readonly minDelayMs?: number;
  /** Cap of the exponential back-off; default 10 s (a server back from a restart is seen within it). */
  readonly maxDelayMs?: number;
  /** Cap on a server's `Retry-After`; default 120 s. */
  readonly maxRetryAfterMs?: number;
  /** HTTP statuses worth another try; default 429, 500, 502, 503, 504. */
  readonly statusCodes?: readonly number[];
  /** Source of randomness for the jitter, in [0, 1); default Math.random (tests pin it). */
  readonly random?: () => number;
}

const DEFAULT_RETRY_STATUS_CODES: readonly number[] = [429, 500, 502, 503, 504];

/** Statuses that say the server did not act on the request, so that even a POST may be sent again. */
const NOT_PROCESSED_STATUS_CODES: ReadonlySet<number> = new Set([429, 503]);

/** Socket-level failures that a new attempt may cure. */
const TRANSIENT_NETWORK_CODES: ReadonlySet<string> = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'EPIPE',
  'ETIMEDOUT',
  'EAI_AGAIN',
  'ENETUNREACH',
  'EHOSTUNREACH',
  'UND_ERR_SOCKET',
  'UND_ERR_CLOSED',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
  // A response body cut mid-way: the socket closed before its end, or a gzip stream that stops short.
  'UND_ERR_RES_CONTENT_LENGTH_MISMATCH',
  'ERR_STREAM_PREMATURE_CLOSE',
  'Z_BUF_ERROR',
]);

/** Failures that happen before a byte of the request reached the server. */
const NOT_SENT_NETWORK_CODES: ReadonlySet<string> = new Set(['ECONNREFUSED', 'UND_ERR_CONNECT_TIMEOUT', 'EAI_AGAIN', 'ENETUNREACH', 'EHOSTUNREACH']);

export class RetryPolicy {
  readonly maxRetries: number;
  readonly maxElapsedMs: number;
  readonly #minDelayMs: number;
  readonly #maxDelayMs: number;
  readonly #maxRetryAfterMs: number;
  readonly #statusCodes: ReadonlySet<number>;
  readonly #random: () => number;
  readonly #options: RetryOptions;
  readonly #firstContactMs: number;
  /** A first contact's policy: a request the server took and never answered is not sent again (a wrong host, not an outage). */
  readonly forFirstContact: boolean;

  constructor(
    {
      maxRetries = 100,
      maxElapsedMs = 120_000,
      minDelayMs = 250,
      maxDelayMs = 10_000,
      maxRetryAfterMs = 120_000,
      statusCodes = DEFAULT_RETRY_STATUS_CODES,
      random = Math.random,
      firstContactMs = 5_000,
    }: RetryOptions = {},
    forFirstContact = false,
  ) {
    this.forFirstContact = forFirstContact;
    this.#options = { maxRetries, maxElapsedMs, minDelayMs, maxDelayMs, maxRetryAfterMs, statusCodes, random, firstContactMs };
    this.#firstContactMs = duration('retry.firstContactMs', firstContactMs, 86_400_000);
    this.maxRetries = nonNegativeInteger('retry.maxRetries', maxRetries, 1000);
    this.maxElapsedMs = duration('retry.maxElapsedMs', maxElapsedMs, 86_400_000);
    this.#minDelayMs = duration('retry.minDelayMs', minDelayMs, 600_000);
    this.#maxDelayMs = duration('retry.maxDelayMs', maxDelayMs, 600_000);
    this.#maxRetryAfterMs = duration('retry.maxRetryAfterMs', maxRetryAfterMs, 3_600_000);
    this.#statusCodes = new Set(statusCodes);
    this.#random = random;
  }

  /** The policy of a first contact: the same, within `firstContactMs`. */
  firstContact(): RetryPolicy {
    return new RetryPolicy({ ...this.#options, maxElapsedMs: Math.min(this.maxElapsedMs, this.#firstContactMs) }, true);
  }

  /** Whether retry number `retry` (0 for the first), waiting `delayMs`, may start `elapsedMs` after the first failure. */
  allows(retry: number, elapsedMs: number, delayMs: number): boolean {
    return retry < this.maxRetries && elapsedMs + delayMs <= this.maxElapsedMs;
  }

  isRetryableStatus(statusCode: number): boolean {
    return this.#statusCodes.has(statusCode);
  }

  /**
   * The wait before retry number `retry` (0 for the first). A `Retry-After` from the server wins,
   * capped; otherwise min(max, min * 2^retry), of which a random half is jitter so that many
   * clients do not come back in step.
   */
  delayMs(retry: number, retryAfterMs?: number): number {
    if (retryAfterMs !== undefined) return Math.min(Math.max(0, retryAfterMs), this.#maxRetryAfterMs);
    const base = Math.min(this.#maxDelayMs, this.#minDelayMs * 2 ** retry);
    return Math.round(base / 2 + (this.#random() * base) / 2);
  }
}

export function isTransientNetworkError(err: unknown): boolean {
  const code = errorCodeOf(err);
  return code !== undefined && TRANSIENT_NETWORK_CODES.has(code);
}

/** True when the failure happened before the request was sent, so any request may be sent again. */
export function failedBeforeSending(err: unknown): boolean {
  const code = errorCodeOf(err);
  return code !== undefined && NOT_SENT_NETWORK_CODES.has(code);
}

export function statusMeansNotProcessed(statusCode: number): boolean {
  return NOT_PROCESSED_STATUS_CODES.has(statusCode);
}

/** Milliseconds from a `Retry-After` header (delta-seconds or an HTTP date); undefined if absent or bad. */
export function parseRetryAfter(header: string | string[] | undefined, now = Date.now()): number | undefined {
  const value = Array.isArray(header) ? header[0] : header;
  if (value === undefined || value.trim() === '') return undefined;
  if (/^\s*\d+\s*$/.test(value)) return Number(value) * 1000;
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}
