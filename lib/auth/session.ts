/**
 * Where a client's session comes from. A static access token never renews; a SessionProvider (the
 * SOAP login, or the caller's own OAuth refresh) is asked again when the server says
 * InvalidSessionId, and the failed request is replayed with its whole body.
 */

export interface Session {
  /** scheme://host[:port] of the org, e.g. `https://na15.salesforce.com`. */
  readonly instanceUrl: string;
  /** Sent as `X-SFDC-Session`: a SOAP session id or an OAuth access token (wire §1.3). */
  readonly sessionId: string;
  readonly userId?: string | undefined;
  readonly organizationId?: string | undefined;
}

export interface SessionProvider {
  /** Logs in (again) and returns a fresh session. */
  login(signal?: AbortSignal): Promise<Session>;
}
