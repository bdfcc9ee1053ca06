/**
 * SessionProvider over the SOAP partner login (wire §1.1): POST the envelope to
 * `{loginUrl}/services/Soap/u/{version}`, read the session and the instance from the answer. A fault
 * becomes LoginError with its faultcode, never a crash or a hang (the request has timeouts and the
 * caller's signal). Transient network failures and 5xx answers without a fault are retried.
 */
import { BulkApiError, HttpStatusError, LoginError, ParseError } from '../errors.js';
import { DEFAULT_API_VERSION } from '../limits.js';
import { apiVersion as checkApiVersion, httpUrl, nonEmptyString } from '../options.js';
import { HttpConnection, readBounded, readExcerpt, type ConnectionOptions } from '../http/connection.js';
import { soapLoginPath } from '../http/endpoints.js';
import { RetryPolicy, parseRetryAfter, type RetryOptions } from '../http/retry.js';
import { prepareBody } from '../http/upload-body.js';
import { withRetries } from '../http/with-retries.js';
import type { Session, SessionProvider } from './session.js';
import { parseLoginFault, parseLoginResponse, serializeLoginRequest, type LoginResult } from './soap-login.js';

export interface SoapLoginOptions {
  /** e.g. `https://login.salesforce.com`, `https://test.salesforce.com`, a My Domain, or a local org. */
  readonly loginUrl: string;
  readonly username: string;
  /** Password followed by the security token, where the org requires one. */
  readonly password: string;
  /** Default DEFAULT_API_VERSION (62.0). */
  readonly apiVersion?: string;
  readonly retry?: RetryOptions;
  readonly connection?: ConnectionOptions;
}

const MAX_LOGIN_RESPONSE_BYTES = 1024 * 1024;

export class SoapLoginProvider implements SessionProvider {
  readonly #loginUrl: URL;
  readonly #username: string;
  readonly #password: string;
  readonly #apiVersion: string;
  readonly #policy: RetryPolicy;
  readonly #connection: ConnectionOptions;
  /** The last successful login, with the details a Session does not carry. */
  lastLogin: LoginResult | undefined;

  constructor(options: SoapLoginOptions) {
    this.#loginUrl = httpUrl('loginUrl', options.loginUrl);
    this.#username = nonEmptyString('username', options.username);
    this.#password = nonEmptyString('password', options.password);
    this.#apiVersion = checkApiVersion('apiVersion', options.apiVersion ?? DEFAULT_API_VERSION);
    this.#policy = new RetryPolicy(options.retry);
    this.#connection = options.connection ?? {};
  }

  async login(signal?: AbortSignal): Promise<Session> {
    const connection = new HttpConnection(this.#loginUrl.origin, { ...this.#connection, connections: 1 });
    const prefix = this.#loginUrl.pathname.replace(/\/+$/, '');
    const path = `${prefix}${soapLoginPath(this.#apiVersion)}`;
    const body = prepareBody(serializeLoginRequest(this.#username, this.#password), false);
    const context = { method: 'POST', path };
    try {
      const result = await withRetries(
        async () => {
          const res = await connection.exchange({
            method: 'POST',
            path,
            headers: { 'content-type': 'text/xml; charset=UTF-8', soapaction: 'login', 'user-agent': 'bulkpipe' },
            body,
            context,
            signal,
          });
          if (res.statusCode === 200) return parseLoginResponse(await readBounded(res.body, MAX_LOGIN_RESPONSE_BYTES, 'loginResponse'));
          const excerpt = await readExcerpt(res.body, 64 * 1024);
          const fault = parseLoginFault(excerpt);
          if (fault) {
            throw new LoginError(
              `login as ${this.#username} refused: ${fault.faultString || fault.exceptionMessage || fault.faultCode}`,
              fault.exceptionCode ?? fault.faultCode.replace(/^.*:/, ''),
              res.statusCode,
            );
          }
          throw new HttpStatusError(res.statusCode, context, excerpt.toString('utf8'), parseRetryAfter(res.headers['retry-after']));
        },
        // The first login is a first contact: a wrong login URL fails fast; a renewal mid-run rides out an outage.
        { policy: this.lastLogin ? this.#policy : this.#policy.firstContact(), mode: 'idempotent', replayable: true, signal, what: 'login' },
      );
      this.lastLogin = result;
      return { instanceUrl: result.instanceUrl, sessionId: result.sessionId, userId: result.userId, organizationId: result.organizationId };
    } catch (err) {
      if (err instanceof LoginError) throw err;
      if (err instanceof ParseError || err instanceof HttpStatusError || err instanceof BulkApiError) {
        throw new LoginError(`login as ${this.#username} failed: ${err.message}`, undefined, 'statusCode' in err ? err.statusCode : undefined, { cause: err });
      }
      throw err;
    } finally {
      await connection.close();
    }
  }
}
