/**
 * The local org: an embedded, Bulk-API-compatible server on node:http with an SQLite store.
 * `startServer()` resolves once it listens; point any Bulk API v1 client at `loginUrl` (SOAP login)
 * or at `instanceUrl` with a session from the login.
 * @example
 * const org = await startServer({ port: 0, db: ':memory:' });
 * const client = await BulkClient.login({ loginUrl: org.loginUrl, username: org.username, password: org.password });
 */
import { realpathSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Session } from '../lib/auth/session.js';
import { InvalidOptionError } from '../lib/errors.js';
import { toId18 } from '../lib/ids.js';
import { boolean, nonEmptyString, nonNegativeInteger, positiveInteger } from '../lib/options.js';
import type { WireFormat } from '../lib/types.js';
import { Faults, type FaultOptions } from './faults.js';
import { ApiError } from './http/api-error.js';
import { REST_ROUTE, handleRest } from './http/rest-api.js';
import { BulkApi, parseAsyncPath, requestFormat } from './http/bulk-api.js';
import { respondError } from './http/respond.js';
import { handleSoapLogin } from './http/soap-login.js';
import { v2Error } from './http/v2/v2-error.js';
import { IdGenerator } from './org/id-generator.js';
import { JobSchemas } from './org/job-schemas.js';
import { type LimitMaxima, OrgLimits, checkLimitMaxima } from './org/org-limits.js';
import { OrgSchema, type SchemaFile } from './org/schema.js';
import { BatchProcessor, type BatchRun } from './processing/batch-processor.js';
import { DmlEngine } from './processing/dml.js';
import { QueryRunner } from './query/query-runner.js';
import { AuthStore } from './store/auth-store.js';
import { onRollback, openDatabase } from './store/database.js';
import { FileLock } from './store/file-lock.js';
import { JobsStore } from './store/jobs-store.js';
import { dropCutUploads } from './v2/upload-lease.js';
import { V2UploadsStore } from './store/v2-uploads-store.js';
import { QueryResultsStore } from './store/query-results-store.js';
import { RecordsStore } from './store/records-store.js';
import { V2QueryStore } from './store/v2-query-store.js';

export interface ServerOptions {
  /** Default 0 (any free port). */
  readonly port?: number;
  /** Default 127.0.0.1. */
  readonly host?: string;
  /** SQLite file, or `:memory:` (the default). */
  readonly db?: string;
  /** Custom objects and fields: a JSON schema file's path or its content. */
  readonly schema?: string | SchemaFile;
  /** Accept any object and field as text (benchmarks on arbitrary data); default false. */
  readonly acceptUnknownObjects?: boolean;
  /** Default `admin@bulkpipe.local`. */
  readonly username?: string;
  /** Default `bulkpipe`. */
  readonly password?: string;
  /**
   * Whether `username` logs in with `password`; default true. False, for a process that starts the
   * org for itself and takes its sessions from `openSession()` (the CLI's default mode): the user is
   * created without a password when missing (no password login until an org started with one sets
   * it), an existing user keeps its password, and `password` is not used. No scrypt runs at the
   * start: its 16 MiB buffer, once freed, raises glibc's mmap threshold for the rest of the process,
   * and the batches' MB-sized buffers then stay in the process's malloc heap (issue 28).
   */
  readonly passwordLogin?: boolean;
  /** More users of the org (each sees only its own jobs). */
  readonly users?: ReadonlyArray<{ readonly username: string; readonly password: string }>;
  /** Fault injection: options, or the `--faults` text form. */
  readonly faults?: FaultOptions | string;
  /** Batches processed at once; default 4. */
  readonly parallelism?: number;
  /**
   * How long a Bulk transaction (a chunk of 200 records) waits for a parent's row lock that another
   * holds before it fails the rows that need it with UNABLE_TO_LOCK_ROW; default 10,000 ms, Salesforce's.
   */
  readonly lockTimeoutMs?: number;
  /**
   * How long each Bulk transaction holds its row locks before it commits; default 0. A real org
   * spends tens of ms in a transaction (triggers, sharing, roll-ups) where the local SQLite write
   * takes microseconds: without this, batches never overlap in time and never contend for a lock.
   * Set it, with `parallelism`, to reproduce lock contention (waits are timers: the org stays responsive).
   */
  readonly transactionMs?: number;
  /**
   * SQLite's page cache, MiB; default 128. It fills during a large load and stays in the process's
   * RSS: an org that shares its process with a client (the CLI's default) takes less.
   */
  readonly pageCacheMiB?: number;
  /** Query result files are cut after this many bytes; default 64 MiB. */
  readonly resultFileBytes?: number;
  /** Bulk API 2.0 query results: rows in a page when the request names no maxRecords; default 50,000. */
  readonly queryPageRows?: number;
  /** Session lifetime, seconds; default 7200 (faults.sessionTtlSeconds wins). */
  readonly sessionTtlSeconds?: number;
  /** One line per request, and server errors. */
  readonly log?: (line: string) => void;
  /** Told of each batch the org ran, as it ends: its start and end, epoch ms (benchmarks: where the org waits). */
  readonly onBatchRun?: (run: BatchRun) => void;
  /**
   * Daily limits' Max (`/limits`), e.g. `{ DailyBulkApiBatches: 5 }`; the others keep a Developer
   * Edition's. A spent limit is refused as Salesforce refuses it (server/org/org-limits.ts).
   */
  readonly limits?: LimitMaxima;
}

export interface LocalOrg {
  /** For `BulkClient.login` and any SOAP-login client. */
  readonly loginUrl: string;
  /** scheme://host:port of the Bulk API. */
  readonly instanceUrl: string;
  readonly username: string;
  readonly password: string;
  /**
   * A new session for `username`, without a login (no password is checked): for the process that
   * started the org, which holds its store anyway. A client renews with it: `sessionProvider:
   * { login: async () => org.openSession() }`.
   */
  openSession(): Session & { readonly userId: string };
  /** Resolves when no batch is queued or running. */
  whenIdle(): Promise<void>;
  /** Stops listening, lets running chunks finish (unfinished batches resume on restart), closes the store. */
  close(): Promise<void>;
}

export type { BatchRun, FaultOptions, LimitMaxima, SchemaFile, Session };

const ORG_ID = toId18('00D5g0000000001');

export async function startServer(options: ServerOptions = {}): Promise<LocalOrg> {
  const port = nonNegativeInteger('port', options.port ?? 0, 65_535);
  const host = nonEmptyString('host', options.host ?? '127.0.0.1');
  const username = nonEmptyString('username', options.username ?? 'admin@bulkpipe.local');
  const password = nonEmptyString('password', options.password ?? 'bulkpipe');
  const passwordLogin = boolean('passwordLogin', options.passwordLogin ?? true);
  const parallelism = positiveInteger('parallelism', options.parallelism ?? 4, 64);
  const lockTimeoutMs = nonNegativeInteger('lockTimeoutMs', options.lockTimeoutMs ?? 10_000, 3_600_000);
  const transactionMs = nonNegativeInteger('transactionMs', options.transactionMs ?? 0, 600_000);
  const faults = typeof options.faults === 'string' ? Faults.parse(options.faults) : options.faults ? new Faults(options.faults) : undefined;
  const ttlSeconds = faults?.options.sessionTtlSeconds ?? positiveInteger('sessionTtlSeconds', options.sessionTtlSeconds ?? 7200);
  const acceptUnknown = options.acceptUnknownObjects ?? false;
  const schema = typeof options.schema === 'string' ? OrgSchema.fromFile(options.schema, acceptUnknown) : new OrgSchema(options.schema, acceptUnknown);
  const log = options.log ?? (() => undefined);
  const maxima = checkLimitMaxima(options.limits ?? {});

  const file = options.db ?? ':memory:';
  const db = openDatabase(file, positiveInteger('pageCacheMiB', options.pageCacheMiB ?? 128, 65_536));
  const auth = new AuthStore(db);
  const jobs = new JobsStore(db);
  const v2Uploads = new V2UploadsStore(db, jobs);
  dropCutUploads(db, jobs, v2Uploads);
  const records = new RecordsStore(db);
  const queryResults = new QueryResultsStore(db);
  const v2Queries = new V2QueryStore(db, options.queryPageRows ? { defaultPageRows: positiveInteger('queryPageRows', options.queryPageRows) } : {});
  const ids = new IdGenerator(auth);
  onRollback(db, () => ids.forget());
  const owner = passwordLogin
    ? auth.ensureUser(() => ids.next('005'), username, password, 'Local Admin')
    : auth.ensureUserWithoutPassword(() => ids.next('005'), username, 'Local Admin');
  for (const u of options.users ?? [])
    auth.ensureUser(() => ids.next('005'), nonEmptyString('users.username', u.username), nonEmptyString('users.password', u.password), u.username);
  const schemas = new JobSchemas(db, schema);
  // One DML engine for the Bulk batches and the REST writes; one set of daily counters for both APIs.
  const engine = new DmlEngine(records, ids);
  const limits = new OrgLimits(db, maxima);
  let processor: BatchProcessor | undefined;
  const queries = new QueryRunner({
    db,
    jobs,
    results: queryResults,
    v2Results: v2Queries,
    schemas,
    ids,
    onQueued: () => processor?.wake(),
    ...(options.resultFileBytes ? { resultFileBytes: positiveInteger('resultFileBytes', options.resultFileBytes) } : {}),
  });
  processor = new BatchProcessor({
    jobs,
    schemas,
    engine,
    runQuery: queries.run,
    parallelism,
    lockTimeoutMs,
    transactionMs,
    ...(faults?.options.holdInProgressMs ? { holdInProgressMs: () => faults.options.holdInProgressMs ?? 0 } : {}),
    ...(faults?.options.lockFailRate ? { rowFault: (row: readonly (string | null | undefined)[]) => faults.lockFailure(row) } : {}),
    ...(options.onBatchRun ? { onBatchRun: options.onBatchRun } : {}),
    onError: (err, batchId) => log(`batch ${batchId}: ${(err as Error).stack ?? String(err)}`),
    // Other processes may serve the same file: one of them at a time runs its batches.
    ...(isMemory(file) ? {} : { lock: new FileLock(`${realpathSync(file)}-processor.lock`) }),
  });
  const api = new BulkApi({ auth, jobs, queryResults, schema, schemaId: schemas.ownId, ids, processor, limits, now: Date.now });

  let baseUrl = '';
  const restContext = {
    auth,
    jobs,
    schema,
    schemas,
    db,
    records,
    queryResults,
    v2Queries,
    v2Uploads,
    ids,
    processor,
    engine,
    limits,
    orgId: ORG_ID,
    baseUrl: () => baseUrl,
    now: Date.now,
  };
  const loginContext = { auth, orgId: ORG_ID, baseUrl: () => baseUrl, sessionTtlMs: () => ttlSeconds * 1000, now: Date.now };

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const started = Date.now();
    res.on('finish', () => log(`${req.method} ${req.url} ${res.statusCode} ${Date.now() - started}ms`));
    const format: { format: WireFormat } = { format: requestFormat(req) };
    try {
      const url = requestUrl(req.url);
      const { pathname } = url;
      const soap = /^\/services\/Soap\/[uc]\/(\d+\.\d)\/?$/.exec(pathname);
      const route = soap ? undefined : parseAsyncPath(pathname);
      // Bulk API 2.0 paths take faults too, answered in their REST shape.
      const v2Jobs = V2_JOBS.test(pathname);
      if (faults && (soap || route || v2Jobs)) {
        const delay = faults.latency();
        if (delay > 0) await sleep(delay);
        const decision = faults.decide();
        if (decision === 'dropBeforeBody') return void req.socket.destroy();
        if (decision === 'error5xx' && v2Jobs) return await v2Error(req, res, 503, 'SERVER_UNAVAILABLE', 'Injected fault: service unavailable');
        if (decision === 'error5xx') throw new ApiError(503, 'ServiceUnavailable', 'Injected fault: service unavailable');
        if (decision === 'dropAfterBody') dropAnswer(req, res);
      }
      if (soap) {
        if (req.method !== 'POST') throw new ApiError(405, 'InvalidUrl', `HTTP method ${req.method} is not allowed for this resource`, 'POST');
        return await handleSoapLogin(req, res, soap[1] as string, loginContext);
      }
      if (!route && REST_ROUTE.test(pathname)) return await handleRest(req, res, url, restContext);
      if (!route) throw new ApiError(404, 'InvalidUrl', `Unknown resource: ${pathname}`);
      await api.handle(req, res, route, format);
    } catch (err) {
      if (res.headersSent || res.destroyed) return void res.destroy();
      const error = err instanceof ApiError ? err : internalError(err, log);
      // The unread rest of a refused body would be taken for the next request: close the connection.
      if (!req.complete) res.setHeader('connection', 'close');
      await respondError(req, res, error, format.format).catch(() => res.destroy());
    }
  }

  const server: Server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      log(`unhandled: ${(err as Error).stack ?? String(err)}`);
      res.destroy();
    });
  });
  server.requestTimeout = 300_000;
  server.headersTimeout = 60_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  const address = server.address() as AddressInfo;
  const hostForUrl = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  baseUrl = `http://${hostForUrl}:${address.port}`;
  processor.start();

  let closed: Promise<void> | undefined;
  return {
    loginUrl: baseUrl,
    instanceUrl: baseUrl,
    username,
    password,
    openSession: () => ({ instanceUrl: baseUrl, sessionId: auth.createSession(owner.id, ttlSeconds * 1000, Date.now()), userId: owner.id, organizationId: ORG_ID }),
    whenIdle: () => (processor as BatchProcessor).whenIdle(),
    close: () =>
      (closed ??= (async () => {
        await new Promise<void>((resolve) => {
          server.close(() => resolve());
          server.closeAllConnections();
        });
        await (processor as BatchProcessor).stop();
        limits.flush();
        db.close();
      })()),
  };
}

/** The Bulk API 2.0 paths (`/services/data/vXX.X/jobs/ingest|query...`). */
const V2_JOBS = /^\/services\/data\/v\d+\.\d\/jobs(?:\/|$)/;

/** An SQLite database no other connection can open. */
const isMemory = (file: string): boolean => file === ':memory:' || file === '';

/** Fault: the request takes effect, but its answer never arrives (the connection drops instead). */
function dropAnswer(req: IncomingMessage, res: ServerResponse): void {
  res.writeHead = ((..._args: unknown[]) => {
    req.socket.destroy();
    return res;
  }) as ServerResponse['writeHead'];
}

/**
 * The request's URL. Repeated slashes in the path are one (a client whose instance URL ends in `/`
 * asks for `//services/...`, which a URL parser would take for a host name).
 */
function requestUrl(raw: string | undefined): URL {
  const target = raw ?? '/';
  const query = target.indexOf('?');
  const path = (query < 0 ? target : target.slice(0, query)).replace(/\/{2,}/g, '/');
  return new URL(`${path}${query < 0 ? '' : target.slice(query)}`, 'http://localhost');
}

function internalError(err: unknown, log: (line: string) => void): ApiError {
  if (err instanceof InvalidOptionError) return new ApiError(400, 'ClientInputError', err.message);
  log(`error: ${(err as Error).stack ?? String(err)}`);
  return new ApiError(500, 'InternalServerError', 'An unexpected error occurred');
}
