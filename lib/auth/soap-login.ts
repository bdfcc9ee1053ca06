/**
 * The SOAP partner login (spec 1.1, 1.2): the request envelope, the loginResponse and the fault.
 * Read namespace-aware with any prefix; the instance URL is the serverUrl's scheme, host and port,
 * as jsforce derives it, so that `http://127.0.0.1:PORT` works for a local org.
 */
import { ParseError } from '../errors.js';
import { child, childText, parseXmlDocument, type XmlElement } from '../wire/xml-reader.js';
import { XML_DECLARATION, escapeXml } from '../wire/xml-writer.js';

export const SOAP_ENVELOPE_NS = 'http://schemas.xmlsoap.org/soap/envelope/';
export const PARTNER_NS = 'urn:partner.soap.sforce.com';

export interface LoginResult {
  readonly serverUrl: string;
  /** scheme://host[:port] of serverUrl. */
  readonly instanceUrl: string;
  readonly sessionId: string;
  readonly userId: string;
  readonly organizationId: string | undefined;
  readonly passwordExpired: boolean;
  readonly sandbox: boolean;
  /** How long the session is valid, from userInfo; undefined when not sent. */
  readonly sessionSecondsValid: number | undefined;
}

export interface LoginFault {
  readonly faultCode: string;
  readonly faultString: string;
  readonly exceptionCode: string | undefined;
  readonly exceptionMessage: string | undefined;
}

export function serializeLoginRequest(username: string, password: string): string {
  return (
    `${XML_DECLARATION}<se:Envelope xmlns:se="${SOAP_ENVELOPE_NS}"><se:Header/><se:Body>` +
    `<login xmlns="${PARTNER_NS}"><username>${escapeXml(username)}</username>` +
    `<password>${escapeXml(password)}</password></login></se:Body></se:Envelope>`
  );
}

/** scheme://host[:port] of a serverUrl (jsforce: `split('/').slice(0, 3)`). */
export function instanceUrlOf(serverUrl: string): string {
  let url: URL;
  try {
    url = new URL(serverUrl);
  } catch (err) {
    throw new ParseError(`serverUrl is not a URL: ${JSON.stringify(serverUrl.slice(0, 80))}`, { source: 'loginResponse', field: 'serverUrl' }, { cause: err });
  }
  return url.origin;
}

function soapBody(body: string | Uint8Array, source: string): XmlElement {
  const envelope = parseXmlDocument(body, { source, rootNames: ['Envelope'] });
  const soap = child(envelope, 'Body');
  if (!soap) throw new ParseError('SOAP envelope has no Body', { source });
  return soap;
}

export function parseLoginResponse(body: string | Uint8Array): LoginResult {
  const source = 'loginResponse';
  const result = child(child(soapBody(body, source), 'loginResponse') ?? soapBody(body, source), 'result');
  if (!result) throw new ParseError('no loginResponse/result in the SOAP body', { source });
  const get = (name: string) => {
    const text = childText(result, name);
    if (!text) throw new ParseError(`missing ${name}`, { source, field: name });
    return text;
  };
  const userInfo = child(result, 'userInfo');
  const seconds = userInfo ? childText(userInfo, 'sessionSecondsValid') : undefined;
  const serverUrl = get('serverUrl');
  return {
    serverUrl,
    instanceUrl: instanceUrlOf(serverUrl),
    sessionId: get('sessionId'),
    userId: get('userId'),
    organizationId: userInfo ? childText(userInfo, 'organizationId') : undefined,
    passwordExpired: childText(result, 'passwordExpired') === 'true',
    sandbox: childText(result, 'sandbox') === 'true',
    sessionSecondsValid: seconds && /^\d+$/.test(seconds) ? Number(seconds) : undefined,
  };
}

/** The fault of a refused login; undefined when the body holds no SOAP fault. */
export function parseLoginFault(body: string | Uint8Array): LoginFault | undefined {
  let fault: XmlElement | undefined;
  try {
    fault = child(soapBody(body, 'SOAP fault'), 'Fault');
  } catch {
    return undefined;
  }
  if (!fault) return undefined;
  const detail = child(fault, 'detail');
  const loginFault = detail?.children[0];
  return {
    faultCode: (childText(fault, 'faultcode') ?? '').trim(),
    faultString: (childText(fault, 'faultstring') ?? '').trim(),
    exceptionCode: loginFault ? childText(loginFault, 'exceptionCode')?.trim() : undefined,
    exceptionMessage: loginFault ? childText(loginFault, 'exceptionMessage')?.trim() : undefined,
  };
}
