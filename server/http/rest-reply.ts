/** What every REST endpoint of the local org shares: the session of a request, JSON answers, REST's error shape. */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AuthStore } from '../store/auth-store.js';
import { respond } from './respond.js';

/** The Content-Type of every REST JSON answer. */
export const REST_JSON_TYPE = 'application/json;charset=UTF-8';

export function restJson(req: IncomingMessage, res: ServerResponse, body: unknown, status = 200): Promise<void> {
  return respond(req, res, status, REST_JSON_TYPE, JSON.stringify(body));
}

/** `[{"message","errorCode"}]`, as the REST API answers an error. */
export function restError(req: IncomingMessage, res: ServerResponse, status: number, errorCode: string, message: string): Promise<void> {
  return restJson(req, res, [{ message, errorCode }], status);
}

/** The user of the request's session: `Authorization: Bearer` (or `OAuth`), else `X-SFDC-Session` as the Bulk API takes it. */
export function restUser(req: IncomingMessage, context: { readonly auth: AuthStore; readonly now: () => number }): string | undefined {
  const bearer = /^(?:Bearer|OAuth)\s+(\S+)$/i.exec(String(req.headers.authorization ?? ''))?.[1];
  const header = req.headers['x-sfdc-session'];
  const session = bearer ?? (typeof header === 'string' && header ? header : undefined);
  return session ? context.auth.sessionUser(session, context.now()) : undefined;
}
