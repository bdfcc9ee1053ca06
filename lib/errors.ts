/**
 * The one error family of bulkpipe. Callers branch on `code` (a closed union that never changes once
 * released), never on `name` or `message`. Context lives on typed readonly fields; HTTP body excerpts
 * are capped so that an error never holds a whole record or batch.
 */

export type BulkErrorCode =
  | 'BULK_INVALID_OPTION'
  | 'BULK_INVALID_ID'
  | 'BULK_PARSE'
  | 'BULK_HTTP_STATUS'
  | 'BULK_API_ERROR'
  | 'BULK_SESSION_EXPIRED'
  | 'BULK_LOGIN_FAILED'
  | 'BULK_NETWORK'
  | 'BULK_ABORTED'
  | 'BULK_POLL_TIMEOUT'
  | 'BULK_JOIN_MISMATCH'
  | 'BULK_BATCH_FAILED'
  | 'BULK_OUTPUT'
  | 'BULK_JOB_UNKNOWN'
  | 'BULK_COLUMNS'
  | 'BULK_LEDGER'
  | 'BULK_LOCKED'
  | 'BULK_SPOOL'
  | 'BULK_PIPELINE'
  | 'BULK_ATTACHMENT'
  | 'BULK_MISSING_PACKAGE';

/** Most characters of a response body kept on an error. */
export const BODY_EXCERPT_CHARS = 2048;

export class BulkError extends Error {
  override name = 'BulkError';
  readonly code: BulkErrorCode;
  constructor(code: BulkErrorCode, message: string, options?: ErrorOptions) {
    super(message, options);
    this.code = code;
  }
}

/** A bad option, thrown synchronously from constructors and factories. */
export class InvalidOptionError extends BulkError {
  override name = 'InvalidOptionError';
  readonly option: string;
  constructor(option: string, expected: string, value: unknown, options?: ErrorOptions) {
    const cause = errorCodeOf(options?.cause);
    super('BULK_INVALID_OPTION', `Invalid option ${option}: expected ${expected}, got ${describe(value)}${cause ? ` (${cause})` : ''}`, options);
    this.option = option;
  }
}

/** A string that is not a 15- or 18-character Salesforce id (or whose case-safe suffix is wrong). */
export class InvalidIdError extends BulkError {
  override name = 'InvalidIdError';
  readonly value: string;
  constructor(value: string, reason: string) {
    super('BULK_INVALID_ID', `Invalid Salesforce id ${describe(value)}: ${reason}`);
    this.value = value.slice(0, 40);
  }
}

export interface ParseErrorContext {
  /** What was being read: a file name, `stdin`, or a wire document such as `jobInfo`. */
  readonly source?: string;
  readonly line?: number;
  readonly column?: number;
  readonly record?: number;
  readonly field?: string;
  /** For a fault of one input record: the code its rejection carries (default BULKPIPE_MALFORMED_RECORD). */
  readonly fault?: 'BULKPIPE_DUPLICATE_FIELD';
}

/** Malformed input or a response body that does not match the wire reference (ARCHITECTURE.md). */
export class ParseError extends BulkError {
  override name = 'ParseError';
  readonly source: string | undefined;
  readonly line: number | undefined;
  readonly column: number | undefined;
  readonly record: number | undefined;
  readonly field: string | undefined;
  readonly fault: 'BULKPIPE_DUPLICATE_FIELD' | undefined;
  /** The message without its context prefix. */
  readonly reason: string;
  constructor(message: string, context: ParseErrorContext = {}, options?: ErrorOptions) {
    super('BULK_PARSE', withContext(message, context), options);
    this.reason = message;
    this.source = context.source;
    this.line = context.line;
    this.column = context.column;
    this.record = context.record;
    this.field = context.field;
    this.fault = context.fault;
  }
}

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

/** The caller's AbortSignal fired. `cause` is the signal's reason. */
export class AbortedError extends BulkError {
  override name = 'AbortedError';
  constructor(what: string, reason?: unknown) {
    super('BULK_ABORTED', `${what} was aborted`, { cause: reason });
  }
}

/** Batches were still unfinished when the poll timeout ran out; the run can resume from these ids. */
export class PollTimeoutError extends BulkError {
  override name = 'PollTimeoutError';
  readonly jobId: string;
  readonly batchIds: readonly string[];
  constructor(jobId: string, batchIds: readonly string[], timeoutMs: number) {
    super(
      'BULK_POLL_TIMEOUT',
      `${batchIds.length} batch(es) of job ${jobId} not finished after ${Math.round(timeoutMs / 1000)} s: ${batchIds.slice(0, 20).join(', ')}${batchIds.length > 20 ? ', ...' : ''}`,
    );
    this.jobId = jobId;
    this.batchIds = batchIds;
  }
}

/** A batch's results do not match its input rows one for one: joining them would shift rows. */
export class JoinMismatchError extends BulkError {
  override name = 'JoinMismatchError';
  readonly jobId: string;
  readonly batchId: string;
  readonly expected: number;
  readonly actual: number;
  constructor(jobId: string, batchId: string, expected: number, actual: number) {
    super('BULK_JOIN_MISMATCH', `batch ${batchId} of job ${jobId} has ${actual} result rows for ${expected} input rows`);
    this.jobId = jobId;
    this.batchId = batchId;
    this.expected = expected;
    this.actual = actual;
  }
}

/** A batch ended Failed (or NotProcessed where a result was needed): `stateMessage` says why. */
export class BatchFailedError extends BulkError {
  override name = 'BatchFailedError';
  readonly jobId: string;
  readonly batchId: string;
  readonly state: string;
  readonly stateMessage: string | undefined;
  constructor(jobId: string, batchId: string, state: string, stateMessage: string | undefined) {
    super('BULK_BATCH_FAILED', `batch ${batchId} of job ${jobId} is ${state}${stateMessage ? `: ${stateMessage}` : ''}`);
    this.jobId = jobId;
    this.batchId = batchId;
    this.state = state;
    this.stateMessage = stateMessage;
  }
}

/**
 * An output file could not be written (a full disk, a permission, a folder gone). Names the file,
 * how many rows it holds whole, and the job, whose results stay on the server for a week
 * (`bulkpipe job results <job>`). `cause` is the file system's error.
 */
export class OutputError extends BulkError {
  override name = 'OutputError';
  readonly path: string;
  readonly rowsWritten: number;
  readonly jobId: string | undefined;
  constructor(path: string, rowsWritten: number, jobId: string | undefined, cause: unknown) {
    const code = errorCodeOf(cause) ?? (cause instanceof Error ? cause.message : String(cause));
    super(
      'BULK_OUTPUT',
      `cannot write ${path} (${code}): ${rowsWritten.toLocaleString('en-US')} rows written to it${jobId ? `; the results of job ${jobId} stay on the server for 7 days (bulkpipe job results ${jobId})` : ''}`,
      { cause },
    );
    this.path = path;
    this.rowsWritten = rowsWritten;
    this.jobId = jobId;
  }
}

/** A process that holds a load's run lock, as it describes itself. */
export interface RunHolder {
  readonly pid: number;
  readonly host: string;
  /** Its command line, the values of secret-looking flags masked. */
  readonly command: string;
  /** When it took the lock (ISO 8601). */
  readonly since: string;
}

/**
 * A load's run folder is held by a live process (this one included): a second resume, a `job clean`
 * or any other taker is refused before it reads or changes anything. `holder` is undefined when the
 * holder did not say who it is in time.
 */
export class RunLockedError extends BulkError {
  override name = 'RunLockedError';
  readonly dir: string;
  readonly holder: RunHolder | undefined;
  constructor(dir: string, holder: RunHolder | undefined) {
    const who = holder
      ? `process ${holder.pid} on ${holder.host}${holder.command ? ` (${holder.command})` : ''}${holder.since ? `, since ${holder.since}` : ''}`
      : 'a live process that did not say which';
    super('BULK_LOCKED', `the load in ${dir} is in use by ${who}`);
    this.dir = dir;
    this.holder = holder;
  }
}

/** The `code` property of an unknown thrown value, if it has a string one. */
export function errorCodeOf(err: unknown): string | undefined {
  if (typeof err === 'object' && err !== null && 'code' in err && typeof err.code === 'string') return err.code;
  return undefined;
}

function describe(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value.length > 60 ? `${value.slice(0, 60)}...` : value);
  if (typeof value === 'function') return 'a function';
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}

function excerptSuffix(excerpt: string): string {
  const text = excerpt.replace(/\s+/g, ' ').trim().slice(0, 200);
  return text ? `: ${text}` : '';
}

function withContext(message: string, ctx: ParseErrorContext): string {
  const where = [
    ctx.source,
    ctx.line !== undefined ? `line ${ctx.line}` : undefined,
    ctx.column !== undefined ? `column ${ctx.column}` : undefined,
    ctx.record !== undefined ? `record ${ctx.record}` : undefined,
    ctx.field !== undefined ? `field ${ctx.field}` : undefined,
  ].filter(Boolean);
  return where.length ? `${where.join(', ')}: ${message}` : message;
}
