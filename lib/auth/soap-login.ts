/**
 * The SOAP partner login (wire §1.1, 1.2): the request envelope, the loginResponse and the fault.
 * Read namespace-aware with any prefix; the instance URL is the serverUrl's scheme, host and port,
 * as jsforce derives it, so that `http://127.0.0.1:PORT` works for a local org.
 */
import { ParseError } from '../errors.js';
import { child, childText, parseXmlDocument, type XmlElement } from '../wire/xml-reader.js';
import { XML_DECLARATION, escapeXml } from '../wire/xml-writer.js';

const SOAP_ENVELOPE_NS = 'http://schemas.xmlsoap.org/soap/envelope/';
const PARTNER_NS = 'urn:partner.soap.sforce.com';

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

/** What a server needs to answer a login: the session and the user it belongs to. */
export interface LoginGrant {
  /** e.g. `http://127.0.0.1:8080/services/Soap/u/35.0/00D000000000001`. */
  readonly serverUrl: string;
  readonly metadataServerUrl: string;
  readonly sessionId: string;
  readonly userId: string;
  readonly organizationId: string;
  readonly organizationName: string;
  readonly profileId: string;
  readonly userName: string;
  readonly userEmail: string;
  readonly userFullName: string;
  readonly sessionSecondsValid: number;
  readonly sandbox: boolean;
}

/**
 * The partner loginResponse as Salesforce writes it (wire §1.1): `soapenv` prefix, the partner
 * namespace as default so that result elements are unprefixed (jsforce reads them with regular
 * expressions), result children in the recorded order, userInfo children alphabetical, nulls nil.
 */
export function serializeLoginResponse(grant: LoginGrant): string {
  const el = (name: string, value: string | number | boolean | null) => (value === null ? `<${name} xsi:nil="true"/>` : `<${name}>${escapeXml(String(value))}</${name}>`);
  const userInfo: Array<[string, string | number | boolean | null]> = [
    ['accessibilityMode', false],
    ['currencySymbol', '$'],
    ['orgAttachmentFileSizeLimit', 5242880],
    ['orgDefaultCurrencyIsoCode', 'USD'],
    ['orgDisallowHtmlAttachments', false],
    ['orgHasPersonAccounts', false],
    ['organizationId', grant.organizationId],
    ['organizationMultiCurrency', false],
    ['organizationName', grant.organizationName],
    ['profileId', grant.profileId],
    ['roleId', null],
    ['sessionSecondsValid', grant.sessionSecondsValid],
    ['userDefaultCurrencyIsoCode', null],
    ['userEmail', grant.userEmail],
    ['userFullName', grant.userFullName],
    ['userId', grant.userId],
    ['userLanguage', 'en_US'],
    ['userLocale', 'en_US'],
    ['userName', grant.userName],
    ['userTimeZone', 'GMT'],
    ['userType', 'Standard'],
    ['userUiSkin', 'Theme3'],
  ];
  const result =
    el('metadataServerUrl', grant.metadataServerUrl) +
    el('passwordExpired', false) +
    el('sandbox', grant.sandbox) +
    el('serverUrl', grant.serverUrl) +
    el('sessionId', grant.sessionId) +
    el('userId', grant.userId) +
    `<userInfo>${userInfo.map(([k, v]) => el(k, v)).join('')}</userInfo>`;
  return (
    `${XML_DECLARATION}<soapenv:Envelope xmlns:soapenv="${SOAP_ENVELOPE_NS}" xmlns="${PARTNER_NS}" ` +
    `xmlns:xsd="http://www.w3.org/2001/XMLSchema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">` +
    `<soapenv:Body><loginResponse><result>${result}</result></loginResponse></soapenv:Body></soapenv:Envelope>`
  );
}

/**
 * A SOAP 1.1 login fault (sent with HTTP 500): `faultcode` `sf:<CODE>`, the `faultstring`
 * `<CODE>: <message>` that jsforce reads, and `sf:exceptionCode` / `sf:exceptionMessage` with the
 * literal `sf:` prefix that simple-salesforce looks for.
 */
export function serializeLoginFault(exceptionCode: string, exceptionMessage: string): string {
  return serializeSoapFault(exceptionCode, exceptionMessage, 'LoginFault');
}

/**
 * A partner API fault as Salesforce sends it: `sf:<code>` with the code and message in a detail of
 * `faultType` (LoginFault for a login, UnexpectedErrorFault for a bad session, ...).
 */
export function serializeSoapFault(exceptionCode: string, exceptionMessage: string, faultType: string): string {
  const code = escapeXml(exceptionCode);
  const message = escapeXml(exceptionMessage);
  return (
    `${XML_DECLARATION}<soapenv:Envelope xmlns:soapenv="${SOAP_ENVELOPE_NS}" xmlns:sf="urn:fault.partner.soap.sforce.com" ` +
    `xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><soapenv:Body><soapenv:Fault>` +
    `<faultcode>sf:${code}</faultcode><faultstring>${code}: ${message}</faultstring>` +
    `<detail><sf:${faultType} xsi:type="sf:${faultType}"><sf:exceptionCode>${code}</sf:exceptionCode>` +
    `<sf:exceptionMessage>${message}</sf:exceptionMessage></sf:${faultType}></detail>` +
    `</soapenv:Fault></soapenv:Body></soapenv:Envelope>`
  );
}

/** A SOAP call the partner API has no operation for: a client fault, as Salesforce answers it. */
export function serializeNoOperationFault(operation: string): string {
  return (
    `${XML_DECLARATION}<soapenv:Envelope xmlns:soapenv="${SOAP_ENVELOPE_NS}"><soapenv:Body><soapenv:Fault>` +
    `<faultcode>soapenv:Client</faultcode><faultstring>No operation available for request {urn:partner.soap.sforce.com}${escapeXml(operation)}, please check the WSDL for the service.</faultstring>` +
    `</soapenv:Fault></soapenv:Body></soapenv:Envelope>`
  );
}

/** The answer to a `logout` call. */
export function serializeLogoutResponse(): string {
  return `${XML_DECLARATION}<soapenv:Envelope xmlns:soapenv="${SOAP_ENVELOPE_NS}" xmlns="urn:partner.soap.sforce.com"><soapenv:Body><logoutResponse/></soapenv:Body></soapenv:Envelope>`;
}
