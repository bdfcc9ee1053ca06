/** What every REST endpoint of the local org shares: the session of a request, JSON answers, REST's error shape. */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AuthStore } from '../store/auth-store.js';
import { ApiError } from './api-error.js';
import { readRequestBody } from './request-body.js';
import { respond } from './respond.js';

/** The Content-Type of every REST JSON answer. */
export const REST_JSON_TYPE = 'application/json;charset=UTF-8';

export function restJson(req: IncomingMessage, res: ServerResponse, body: unknown, status = 200, headers: Record<string, string> = {}): Promise<void> {
  return respond(req, res, status, REST_JSON_TYPE, JSON.stringify(body), headers);
}

/** `[{"message","errorCode"}]`, as the REST API answers an error; a record's error names its `fields` too. */
export function restError(req: IncomingMessage, res: ServerResponse, status: number, errorCode: string, message: string, fields?: readonly string[]): Promise<void> {
  return restJson(req, res, [{ message, errorCode, ...(fields ? { fields } : {}) }], status);
}

/**
 * 405 in the REST framework's form, in Salesforce's words ("HTTP Method 'PUT' not allowed. Allowed
 * are GET,HEAD,POST", Bulk API 2.0 guide, "Errors"), with the `Allow` header HTTP asks for.
 */
export function methodNotAllowed(req: IncomingMessage, res: ServerResponse, allowed: readonly string[]): Promise<void> {
  const body = [{ message: `HTTP Method '${req.method}' not allowed. Allowed are ${allowed.join(',')}`, errorCode: 'METHOD_NOT_ALLOWED' }];
  return restJson(req, res, body, 405, { allow: allowed.join(', ') });
}

/** The user of the request's session: `Authorization: Bearer` (or `OAuth`), else `X-SFDC-Session` as the Bulk API takes it. */
export function restUser(req: IncomingMessage, context: { readonly auth: AuthStore; readonly now: () => number }): string | undefined {
  const bearer = /^(?:Bearer|OAuth)\s+(\S+)$/i.exec(String(req.headers.authorization ?? ''))?.[1];
  const header = req.headers['x-sfdc-session'];
  const session = bearer ?? (typeof header === 'string' && header ? header : undefined);
  return session ? context.auth.sessionUser(session, context.now()) : undefined;
}

/** A REST answer other than success, thrown by a handler and written by the router as `[{"message","errorCode"[,"fields"]}]`. */
export class RestError extends Error {
  constructor(
    readonly status: number,
    readonly errorCode: string,
    message: string,
    readonly fields?: readonly string[],
    /** An answer other than the error array (300 Multiple Choices lists the matching records' URLs). */
    readonly body?: unknown,
  ) {
    super(message);
  }
}

/** 404 NOT_FOUND, as Salesforce answers an unknown resource, id or version. */
export const notFound = () => new RestError(404, 'NOT_FOUND', 'The requested resource does not exist');

/** The JSON body of a write, at most `maxBytes`; unreadable JSON is 400 JSON_PARSER_ERROR as on Salesforce. */
export async function readJson(req: IncomingMessage, maxBytes = 10 * 1024 * 1024): Promise<unknown> {
  let body: Buffer;
  try {
    body = await readRequestBody(req, maxBytes, () => new ApiError(413, 'JSON_PARSER_ERROR', `The request body exceeds ${maxBytes} bytes`));
  } catch (err) {
    if (err instanceof ApiError) throw new RestError(err.status, err.exceptionCode === 'JSON_PARSER_ERROR' ? 'JSON_PARSER_ERROR' : 'INVALID_REQUEST', err.message);
    throw err;
  }
  try {
    return JSON.parse(body.toString('utf8')) as unknown;
  } catch (err) {
    throw new RestError(400, 'JSON_PARSER_ERROR', (err as Error).message);
  }
}
