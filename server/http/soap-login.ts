/**
 * The SOAP partner API of the local org (wire §1.1): `login` (reads the envelope namespace-aware,
 * checks the credentials, answers a loginResponse whose serverUrl points back at this server, or an
 * INVALID_LOGIN fault with HTTP 500) and `logout` (ends the SessionHeader's session: later requests
 * with it are refused). Any other call gets the fault Salesforce gives an unknown operation.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { serializeLoginFault, serializeLoginResponse, serializeLogoutResponse, serializeNoOperationFault, serializeSoapFault } from '../../lib/auth/soap-login.js';
import { toId18 } from '../../lib/ids.js';
import { child, childText, parseXmlDocument, type XmlElement } from '../../lib/wire/xml-reader.js';
import type { AuthStore } from '../store/auth-store.js';
import { respond } from './respond.js';
import { readRequestBody } from './request-body.js';
import { ApiError } from './api-error.js';
import { LATEST_API_VERSION, isPastLatest } from './api-versions.js';

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
  // Salesforce's words for a version it does not have yet (quoted by SoqlX, zkSforce and Data Loader
  // users when a client was newer than the org); the current release is named to say what to pin.
  if (isPastLatest(apiVersion)) {
    const message = `Invalid Api version specified on URL (${apiVersion}; the latest is ${LATEST_API_VERSION}.0)`;
    return respond(req, res, 500, SOAP_TYPE, serializeSoapFault('UNSUPPORTED_API_VERSION', message, 'UnexpectedErrorFault'));
  }
  let envelope: XmlElement;
  try {
    const body = await readRequestBody(req, 64 * 1024, () => new ApiError(413, 'INVALID_LOGIN', 'request too large'));
    envelope = parseXmlDocument(body, { source: 'login request', rootNames: ['Envelope'] });
  } catch {
    return fault('Invalid username, password, security token; or user locked out.');
  }
  const call = (child(envelope, 'Body') ?? envelope).children[0];
  if (call?.name === 'logout') return logout(req, res, envelope, ctx);
  if (call && call.name !== 'login') return respond(req, res, 500, SOAP_TYPE, serializeNoOperationFault(call.name));
  const username = call && childText(call, 'username');
  const password = call && childText(call, 'password');
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

/** `logout`: the session in the SessionHeader ends; a session that is not live is a fault, as on Salesforce. */
function logout(req: IncomingMessage, res: ServerResponse, envelope: XmlElement, ctx: LoginContext): Promise<void> {
  const header = child(child(envelope, 'Header') ?? envelope, 'SessionHeader');
  const sessionId = header && childText(header, 'sessionId');
  if (!sessionId || !ctx.auth.endSession(sessionId, ctx.now())) {
    return respond(req, res, 500, SOAP_TYPE, serializeSoapFault('INVALID_SESSION_ID', 'Invalid Session ID found in SessionHeader: Illegal Session', 'UnexpectedErrorFault'));
  }
  return respond(req, res, 200, SOAP_TYPE, serializeLogoutResponse());
}
