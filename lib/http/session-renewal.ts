/**
 * A client's session and the connection it goes over. An expired session is renewed through the
 * SessionProvider once for every request that saw it (the first asks, the others wait for the same
 * login), and a renewal that lands on another instance moves the connection there.
 */
import type { Session, SessionProvider } from '../auth/session.js';
import { HttpConnection, type ConnectionOptions } from './connection.js';

export class RenewableSession {
  readonly #provider: SessionProvider | undefined;
  readonly #connectionOptions: ConnectionOptions;
  #session: Session;
  #connection: HttpConnection;
  #renewal: Promise<Session> | undefined;

  constructor(session: Session, provider: SessionProvider | undefined, connectionOptions: ConnectionOptions) {
    this.#provider = provider;
    this.#connectionOptions = connectionOptions;
    this.#session = session;
    this.#connection = new HttpConnection(session.instanceUrl, connectionOptions);
  }

  /** The session requests are sent with now. */
  get current(): Session {
    return this.#session;
  }

  /** The connection to the session's instance. */
  get connection(): HttpConnection {
    return this.#connection;
  }

  /** Without a provider an expired session is an error. */
  get renewable(): boolean {
    return this.#provider !== undefined;
  }

  /** One renewal for all the requests that saw the same expired session (`stale`). */
  async renew(stale: Session, signal: AbortSignal | undefined): Promise<void> {
    if (this.#session !== stale || !this.#provider) return;
    this.#renewal ??= this.#provider.login(signal).finally(() => {
      this.#renewal = undefined;
    });
    const fresh = await this.#renewal;
    if (this.#session === stale) {
      if (fresh.instanceUrl !== this.#connection.origin) {
        const old = this.#connection;
        this.#connection = new HttpConnection(fresh.instanceUrl, this.#connectionOptions);
        void old.close();
      }
      this.#session = fresh;
    }
  }

  /** Lets in-flight requests finish and closes the connection. */
  close(): Promise<void> {
    return this.#connection.close();
  }
}
