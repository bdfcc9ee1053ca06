/**
 * Errors of talking to the org: a non-2xx answer, a Bulk API error body, a refused session or login,
 * a failed connection, and a request body that cannot be sent (again). HTTP body excerpts are capped
 * so that an error never holds a whole record or batch.
 */
import { BulkError, ContextError, type BulkErrorCode, errorCodeOf } from './bulk-error.js';

/** Most characters of a response body kept on an error. */
export const BODY_EXCERPT_CHARS = 2048;

export interface RequestContext {
  readonly method: string;
  /** Path and query of the request, never the host (it may carry a My Domain name). */
  readonly path: string;
  readonly jobId?: string | undefined;
  readonly batchId?: string | undefined;
}

/** A non-2xx answer that carried no Bulk API error body (a proxy page, an empty 503, ...). */
export class HttpStatusError extends BulkError {
  override name = 'HttpStatusError';
  readonly statusCode: number;
  readonly method: string;
  readonly path: string;
  readonly jobId: string | undefined;
  readonly batchId: string | undefined;
  readonly bodyExcerpt: string;
  readonly retryAfterMs: number | undefined;
  constructor(statusCode: number, request: RequestContext, bodyExcerpt: string, retryAfterMs?: number) {
    super('BULK_HTTP_STATUS', `${request.method} ${request.path} answered HTTP ${statusCode}${excerptSuffix(bodyExcerpt)}`);
    this.statusCode = statusCode;
    this.method = request.method;
    this.path = request.path;
    this.jobId = request.jobId;
    this.batchId = request.batchId;
    this.bodyExcerpt = bodyExcerpt.slice(0, BODY_EXCERPT_CHARS);
    this.retryAfterMs = retryAfterMs;
  }
}

/** The Bulk API answered with an `<error>` (or JSON error) body: `exceptionCode` says what went wrong. */
export class BulkApiError extends BulkError {
  override name = 'BulkApiError';
  readonly exceptionCode: string;
  readonly exceptionMessage: string;
  readonly statusCode: number;
  readonly method: string;
  readonly path: string;
  readonly jobId: string | undefined;
  readonly batchId: string | undefined;
  readonly retryAfterMs: number | undefined;
  constructor(exceptionCode: string, exceptionMessage: string, statusCode: number, request: RequestContext, retryAfterMs?: number, code: BulkErrorCode = 'BULK_API_ERROR') {
    const ids = [request.jobId && `job ${request.jobId}`, request.batchId && `batch ${request.batchId}`].filter(Boolean);
    super(code, `${exceptionCode}: ${exceptionMessage} (HTTP ${statusCode}, ${request.method} ${request.path}${ids.length ? `, ${ids.join(', ')}` : ''})`);
    this.exceptionCode = exceptionCode;
    this.exceptionMessage = exceptionMessage;
    this.statusCode = statusCode;
    this.method = request.method;
    this.path = request.path;
    this.jobId = request.jobId;
    this.batchId = request.batchId;
    this.retryAfterMs = retryAfterMs;
  }
}

/** HTTP 400 with `InvalidSessionId`, when no login provider could renew the session. */
export class SessionExpiredError extends BulkApiError {
  override name = 'SessionExpiredError';
  constructor(exceptionMessage: string, statusCode: number, request: RequestContext) {
    super('InvalidSessionId', exceptionMessage, statusCode, request, undefined, 'BULK_SESSION_EXPIRED');
  }
}

/** The SOAP login was refused (a fault such as `INVALID_LOGIN`) or its answer could not be read. */
export class LoginError extends BulkError {
  override name = 'LoginError';
  readonly faultCode: string | undefined;
  readonly statusCode: number | undefined;
  constructor(message: string, faultCode?: string, statusCode?: number, options?: ErrorOptions) {
    super('BULK_LOGIN_FAILED', message, options);
    this.faultCode = faultCode;
    this.statusCode = statusCode;
  }
}

/** The connection failed: refused, reset, timed out. `cause` holds the undici or socket error. */
export class NetworkError extends BulkError {
  override name = 'NetworkError';
  readonly method: string;
  readonly path: string;
  /** The underlying error code, e.g. `ECONNRESET` or `UND_ERR_HEADERS_TIMEOUT`. */
  readonly causeCode: string | undefined;
  constructor(request: RequestContext, cause: unknown) {
    const causeCode = errorCodeOf(cause);
    super('BULK_NETWORK', `${request.method} ${request.path} failed: ${networkReason(causeCode, cause)}`, { cause });
    this.method = request.method;
    this.path = request.path;
    this.causeCode = causeCode;
  }
}

export interface BodyReplayContext {
  readonly method: string;
  readonly path: string;
  /** Bytes of the body handed on before the cut. */
  readonly delivered: number;
  /** Bytes of the body as it was sent again: fewer. */
  readonly replayed: number;
}

/**
 * A download requested again after a cut came back shorter than what was read before it
 * (lib/http/resumable-body.ts): the resource changed. Not a NetworkError, so never retried.
 */
export class BodyReplayError extends ContextError<BodyReplayContext> {
  override name = 'BodyReplayError';
  constructor(message: string, context: BodyReplayContext) {
    super('BULK_NETWORK', message, context);
  }
}

export interface StreamBodyContext {
  /** `sent-twice`: a stream request body asked for a second time (a retry); `no-digest`: its SHA-256 asked for. */
  readonly problem: 'sent-twice' | 'no-digest';
}

/** A request body given as a stream used as only a file or buffer can be: sent again, or hashed. */
export class StreamBodyError extends ContextError<StreamBodyContext> {
  override name = 'StreamBodyError';
  constructor(message: string, context: StreamBodyContext) {
    super('BULK_INVALID_OPTION', message, context);
  }
}

/** The CLI's first contact with an org failed; the error of the request is the `cause`, whose code this one keeps. */
/** `url`: the org's instance URL; `hint`: what to check, in words. */
export class OrgContactError extends ContextError<{ readonly url: string; readonly hint: string }> {
  override name = 'OrgContactError';
}

/** What a socket-level failure means, in words; an OS code (ECONNREFUSED) follows in parentheses, an HTTP library's own (UND_ERR_*) never does. */
function networkReason(code: string | undefined, cause: unknown): string {
  const words = code === undefined ? undefined : NETWORK_WORDS[code];
  const os = code !== undefined && /^E[A-Z]+$/.test(code) ? ` (${code})` : '';
  if (words) return `${words}${os}`;
  const message = cause instanceof Error ? cause.message : String(cause);
  if (code !== undefined && /CERT|SELF_SIGNED|UNABLE_TO_VERIFY|ERR_TLS/.test(code)) return `the server's TLS certificate was refused: ${message}`;
  if (code !== undefined && /SSL|EPROTO/.test(code)) return `the TLS handshake failed (an http:// server given as https://?): ${message}`;
  return code !== undefined && !message.includes(code) && os ? `${message}${os}` : message;
}

const NETWORK_WORDS: Readonly<Record<string, string>> = {
  ECONNREFUSED: 'the connection was refused (nothing listens at that address and port)',
  ENOTFOUND: 'the host name was not found (DNS)',
  EAI_AGAIN: 'the host name could not be looked up (DNS did not answer)',
  ETIMEDOUT: 'no connection within the connect timeout',
  UND_ERR_CONNECT_TIMEOUT: 'no connection within the connect timeout',
  UND_ERR_HEADERS_TIMEOUT: 'no answer within the response timeout (the server took the request and said nothing)',
  UND_ERR_BODY_TIMEOUT: 'the answer stalled for longer than the body timeout',
  ECONNRESET: 'the connection was reset',
  EPIPE: 'the connection was closed while sending',
  UND_ERR_SOCKET: 'the connection was closed by the other side',
  UND_ERR_CLOSED: 'the connection was closed',
  ENETUNREACH: 'the network is unreachable',
  EHOSTUNREACH: 'the host is unreachable',
  UND_ERR_RES_CONTENT_LENGTH_MISMATCH: 'the answer was cut short',
  ERR_STREAM_PREMATURE_CLOSE: 'the answer was cut short',
};

function excerptSuffix(excerpt: string): string {
  const text = excerpt.replace(/\s+/g, ' ').trim().slice(0, 200);
  return text ? `: ${text}` : '';
}
