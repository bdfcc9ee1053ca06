/**
 * Turns a non-2xx response into the right BulkError: an `<error>` / JSON error body of the Bulk
 * API, or a REST error array (`[{"message","errorCode"}]`), becomes BulkApiError (SessionExpiredError
 * for InvalidSessionId / INVALID_SESSION_ID), anything else HttpStatusError with a bounded excerpt. The body is always consumed, so the socket goes back to the pool.
 */
import { BODY_EXCERPT_CHARS, BulkApiError, HttpStatusError, SessionExpiredError, type RequestContext } from '../errors.js';
import { parseApiError } from '../wire/api-error.js';
import { formatOfMime } from '../wire/content-types.js';
import { readExcerpt, type ExchangeResponse } from './connection.js';
import { parseRetryAfter } from './retry.js';

const ERROR_BODY_BYTES = 64 * 1024;

export async function errorFromResponse(res: ExchangeResponse, context: RequestContext): Promise<BulkApiError | HttpStatusError> {
  const excerpt = await readExcerpt(res.body, ERROR_BODY_BYTES);
  const retryAfterMs = parseRetryAfter(res.headers['retry-after']);
  const format = formatOfMime(res.contentType);
  const text = excerpt.toString('utf8');
  const rest = format === 'json' ? restError(text) : undefined;
  if (rest) {
    if (rest.errorCode === 'INVALID_SESSION_ID') return new SessionExpiredError(rest.message, res.statusCode, context);
    return new BulkApiError(rest.errorCode, rest.message, res.statusCode, context, retryAfterMs);
  }
  if (format === 'xml' || format === 'json') {
    try {
      const { exceptionCode, exceptionMessage } = parseApiError(text, format);
      if (exceptionCode === 'InvalidSessionId') return new SessionExpiredError(exceptionMessage, res.statusCode, context);
      return new BulkApiError(exceptionCode, exceptionMessage, res.statusCode, context, retryAfterMs);
    } catch {
      /* not an error document: report the status with the excerpt */
    }
  }
  return new HttpStatusError(res.statusCode, context, text.slice(0, BODY_EXCERPT_CHARS), retryAfterMs);
}

/** The first error of a REST error array, if the body is one. */
function restError(text: string): { errorCode: string; message: string } | undefined {
  try {
    const doc = JSON.parse(text) as unknown;
    const first = Array.isArray(doc) ? (doc[0] as { errorCode?: unknown; message?: unknown } | undefined) : undefined;
    return first && typeof first.errorCode === 'string' ? { errorCode: first.errorCode, message: String(first.message ?? '') } : undefined;
  } catch {
    return undefined;
  }
}
