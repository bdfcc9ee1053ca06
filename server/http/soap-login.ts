/**
 * The SOAP partner login of the local org (spec 1.1): reads the envelope namespace-aware, checks
 * the credentials, answers a loginResponse whose serverUrl points back at this server, or an
 * INVALID_LOGIN fault with HTTP 500.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { serializeLoginFault, serializeLoginResponse } from '../../lib/auth/soap-login.js';
import { toId18 } from '../../lib/ids.js';
import { child, childText, parseXmlDocument } from '../../lib/wire/xml-reader.js';
import type { AuthStore } from '../store/auth-store.js';
import { respond } from './respond.js';
import { readRequestBody } from './request-body.js';
import { ApiError } from './api-error.js';

export interface LoginContext {
  readonly auth: AuthStore;
  readonly orgId: string;
  /** scheme://host:port this server answers on. */
  readonly baseUrl: () => string;
  readonly sessionTtlMs: () => number;
  readonly now: () => number;
}

const SOAP_TYPE = 'text/xml; charset=utf-8';

export async function handleSoapLogin(req: IncomingMessage, res: ServerResponse, apiVersion: string, ctx: LoginContext): Promise<void> {
  const fault = (message: string) => respond(req, res, 500, SOAP_TYPE, serializeLoginFault('INVALID_LOGIN', message));
  let username: string | undefined;
  let password: string | undefined;
  try {
    const body = await readRequestBody(req, 64 * 1024, () => new ApiError(413, 'INVALID_LOGIN', 'request too large'));
    const envelope = parseXmlDocument(body, { source: 'login request', rootNames: ['Envelope'] });
    const login = child(child(envelope, 'Body') ?? envelope, 'login');
    username = login && childText(login, 'username');
    password = login && childText(login, 'password');
  } catch {
    return fault('Invalid username, password, security token; or user locked out.');
  }
  const user = username !== undefined && password !== undefined ? ctx.auth.checkPassword(username, password) : undefined;
  if (!user) return fault('Invalid username, password, security token; or user locked out.');
  const ttl = ctx.sessionTtlMs();
  const sessionId = ctx.auth.createSession(user.id, ttl, ctx.now());
  const base = ctx.baseUrl();
  await respond(
    req,
    res,
    200,
    SOAP_TYPE,
    serializeLoginResponse({
      serverUrl: `${base}/services/Soap/u/${apiVersion}/${ctx.orgId.slice(0, 15)}`,
      metadataServerUrl: `${base}/services/Soap/m/${apiVersion}/${ctx.orgId.slice(0, 15)}`,
      sessionId,
      userId: user.id,
      organizationId: ctx.orgId,
      organizationName: 'bulkpipe local org',
      profileId: toId18('00e5g0000000001'),
      userName: user.username,
      userEmail: user.username.includes('@') ? user.username : `${user.username}@bulkpipe.local`,
      userFullName: user.full_name,
      sessionSecondsValid: Math.max(1, Math.round(ttl / 1000)),
      sandbox: true,
    }),
  );
}
