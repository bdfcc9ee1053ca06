/**
 * The options and answers of BulkClient's methods: how a client connects, retries and logs in, and
 * what each call takes besides its ids.
 */
import type { Readable } from 'node:stream';
import type { SoapLoginOptions } from '../auth/soap-login-provider.js';
import type { SessionProvider } from '../auth/session.js';
import type { UploadRegistry } from '../load/upload-registry.js';
import type { ContentType } from '../types.js';
import type { ConnectionOptions } from './connection.js';
import type { RetryOptions } from './retry.js';
import type { RetryEvent } from './with-retries.js';

export interface BulkClientOptions {
  /** scheme://host[:port] of the org. */
  readonly instanceUrl: string;
  /** Session id or OAuth access token, sent as `X-SFDC-Session`. */
  readonly accessToken: string;
  /** Default DEFAULT_API_VERSION (62.0). */
  readonly apiVersion?: string;
  /** Renews the session on InvalidSessionId; without one an expired session is an error. */
  readonly sessionProvider?: SessionProvider;
  readonly retry?: RetryOptions;
  readonly connection?: ConnectionOptions;
  /** Send batch bodies with `Content-Encoding: gzip`; default false. */
  readonly gzipUploads?: boolean;
  /**
   * Ask for gzip responses (`Accept-Encoding: gzip`). Default: yes, except from a loopback origin
   * (localhost, 127.0.0.0/8, ::1: the local org), where the gunzip costs the client more CPU than
   * the bytes it saves (issue 28: 14% of a query's client CPU).
   */
  readonly acceptGzip?: boolean;
  /** The session's user (a login knows it): narrows the search for a job whose create answer was lost. */
  readonly userId?: string;
  /** Called before each retry, for logs and metrics. */
  readonly onRetry?: (event: RetryEvent & { readonly method: string; readonly path: string }) => void;
  /** Called as each HTTP request is sent (retries included), for metrics such as the API requests a load used. */
  readonly onRequest?: (request: { readonly method: string; readonly path: string }) => void;
}

export interface LoginOptions extends SoapLoginOptions, Omit<BulkClientOptions, 'instanceUrl' | 'accessToken' | 'sessionProvider' | 'apiVersion'> {
  readonly signal?: AbortSignal;
}

/** The user and org of a session (from OAuth userinfo); a field the org did not send is undefined. */
export interface OrgIdentity {
  readonly username: string | undefined;
  readonly userId: string | undefined;
  readonly organizationId: string | undefined;
  readonly name: string | undefined;
}

export interface CallOptions {
  readonly signal?: AbortSignal | undefined;
}

/** `Sforce-Enable-PKChunking` parameters (wire §7.2). */
export interface PkChunkingOptions {
  /** Records per chunk; default 100,000 on the server, at most 250,000. */
  readonly chunkSize?: number;
  /** 15- or 18-character id of the first record of the first chunk. */
  readonly startRow?: string;
  /** Parent object for sharing and history objects, e.g. `Case` for CaseHistory. */
  readonly parent?: string;
}

export interface CreateJobOptions extends CallOptions {
  /** PK chunking for query jobs: true for the server defaults, or its parameters. */
  readonly pkChunking?: boolean | PkChunkingOptions;
  /** `Sforce-Disable-Batch-Retry: TRUE`. */
  readonly disableBatchRetry?: boolean;
  /** `Sforce-Line-Ending`: how line breaks inside text values are read. */
  readonly lineEnding?: 'LF' | 'CRLF';
}

export interface AddBatchOptions extends CallOptions {
  /** The job's content type when known, which saves a lookup for jobs this client did not create. */
  readonly contentType?: ContentType;
  /**
   * Which of the job's batches are accounted for: a POST whose answer was lost is looked for among
   * the others only, and the batch made is claimed in it. A load passes its own (a resumed one's
   * claims the batches its ledger and the org account for); default: the client's, which knows the
   * batches it uploaded.
   */
  readonly uploads?: UploadRegistry;
}

/** A response body handed to the caller, who must consume or destroy it. */
export interface DownloadedBody {
  readonly body: Readable;
  /** Media type without parameters, e.g. `text/csv`. */
  readonly contentType: string | undefined;
}
