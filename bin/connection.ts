/**
 * Where the CLI connects: flags first, then environment variables (SF_INSTANCE_URL,
 * SF_ACCESS_TOKEN, SF_LOGIN_URL, SF_USERNAME, SF_PASSWORD, SF_API_VERSION), or an org the
 * Salesforce CLI already authorised (`--target-org ALIAS`). With nothing configured, the local org
 * is started in-process on $BULKPIPE_HOME/org.db, so that a load and a later query see the same
 * data; the first line on stderr says so. A real org is asked who the session is before anything
 * else (a wrong URL, a refused port or a stale token fails in seconds, with a hint). The password
 * and tokens are only ever handed to the client; they never appear in output or errors.
 */
import { mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
// The client (undici and the codecs) is loaded when a command connects: `--version` and `--help` never wait for it.
import type { BulkClient, BulkClientOptions, OrgIdentity } from '../lib/http/client.js';
import { BulkError, OrgContactError } from '../lib/errors.js';
import { wholeNumber } from './flags.js';
import { localOrgDb } from './home.js';
import { sfOrg } from './sf-org.js';
import { UsageError } from './usage-error.js';
import { boundYoungGeneration } from './young-generation.js';

export interface ConnectionFlags {
  readonly 'instance-url'?: string | undefined;
  readonly 'access-token'?: string | undefined;
  readonly 'login-url'?: string | undefined;
  readonly username?: string | undefined;
  readonly password?: string | undefined;
  readonly 'api-version'?: string | undefined;
  readonly 'retry-for'?: string | undefined;
  readonly 'connect-timeout'?: string | undefined;
  readonly 'response-timeout'?: string | undefined;
  readonly 'target-org'?: string | undefined;
  /** --quiet: no notices (the local-org one), errors only. */
  readonly quiet?: boolean | undefined;
}

export const CONNECTION_OPTIONS = {
  'instance-url': { type: 'string' },
  'access-token': { type: 'string' },
  'login-url': { type: 'string' },
  username: { type: 'string' },
  password: { type: 'string' },
  'api-version': { type: 'string' },
  'retry-for': { type: 'string' },
  'connect-timeout': { type: 'string' },
  'response-timeout': { type: 'string' },
  'target-org': { type: 'string' },
} as const;

export const CONNECTION_HELP = `Connection (flags or environment):
  --instance-url URL --access-token TOKEN   SF_INSTANCE_URL, SF_ACCESS_TOKEN
  --login-url URL --username U --password P SF_LOGIN_URL, SF_USERNAME, SF_PASSWORD
  --target-org ALIAS                        an org the Salesforce CLI (sf) has authorised
  --api-version V                           SF_API_VERSION
  --retry-for SECONDS                       how long a request is retried through outages (default 120)
  --connect-timeout SECONDS                 most seconds to open a connection (default 10)
  --response-timeout SECONDS                most seconds to wait for an answer (default 120)
With none of these, the local org in $BULKPIPE_HOME/org.db (default ~/.bulkpipe) is used.`;

/** A client and what must be shut down after it. */
export interface Connection {
  readonly client: BulkClient;
  /** Whether this is the in-process local org. */
  readonly local: boolean;
  /** Which org, for the job journal: the instance URL, or the local org's file. */
  readonly org: string;
  /** Who the session is, for a real org (undefined where the org would not say). */
  readonly identity?: OrgIdentity | undefined;
  close(): Promise<void>;
}

/**
 * Connects as configured, or to the local org when nothing is configured. `identify`: ask a real
 * org who the session is first (a load names the user; a wrong URL or token ends the run with a hint).
 */
export async function openConnection(flags: ConnectionFlags, env: NodeJS.ProcessEnv, stderr: NodeJS.WritableStream, signal?: AbortSignal, identify = false): Promise<Connection> {
  const settings = await connectionSettings(flags, env, signal);
  const { apiVersion, retry, connection } = settings;
  if (configured(settings)) {
    const client = await connect(settings, signal);
    try {
      const identity = identify ? await whoIs(client, settings, signal) : undefined;
      return { client, local: false, org: client.instanceUrl, identity, close: () => client.close() };
    } catch (err) {
      await client.close();
      throw err;
    }
  }
  const db = localOrgDb(env);
  if (flags.quiet !== true) stderr.write(`bulkpipe: no Salesforce connection configured: using the local org in ${db} (see --help to connect to Salesforce)\n`);
  await mkdir(dirname(db), { recursive: true });
  // Loaded only here: the local org (SQLite, its schema) costs memory and start-up time a real org never needs.
  const { startServer } = await import('../server/index.js');
  // Bounded for the CLI's process (issue 28): an 8 MiB page cache instead of 128, and one batch at a
  // time (batches interleave on the one event loop anyway: more at once only hold more payloads).
  // Its sessions come from the org object, not a password login: no scrypt runs in the process (its
  // 16 MiB buffer, once freed, would keep the batches' buffers in the malloc heap; issue 28).
  const org = await startServer({ port: 0, db, pageCacheMiB: 8, parallelism: 1, passwordLogin: false });
  // Client and org allocate on one heap: V8's young generation bounded at 8 MB instead of 32 (issue 28).
  const unbound = boundYoungGeneration(8 * 1024 * 1024);
  try {
    const { BulkClient } = await import('../lib/http/client.js');
    const session = org.openSession();
    const client = new BulkClient({
      instanceUrl: session.instanceUrl,
      accessToken: session.sessionId,
      userId: session.userId,
      sessionProvider: { login: async () => org.openSession() },
      retry,
      connection,
      ...(apiVersion ? { apiVersion } : {}),
    });
    return {
      client,
      local: true,
      org: `local:${db}`,
      close: async () => {
        await client.close();
        await org.close();
        unbound();
      },
    };
  } catch (err) {
    unbound();
    await org.close();
    throw err;
  }
}

type Settings = Awaited<ReturnType<typeof connectionSettings>>;

/** Each setting from its flag, else its environment variable; `--target-org` from the sf CLI. */
async function connectionSettings(flags: ConnectionFlags, env: NodeJS.ProcessEnv, signal?: AbortSignal) {
  const common = {
    apiVersion: flags['api-version'] ?? env.SF_API_VERSION,
    retry: { maxElapsedMs: wholeNumber('retry-for', flags['retry-for'], 120, 0, 86_400) * 1000 },
    connection: {
      connectTimeoutMs: wholeNumber('connect-timeout', flags['connect-timeout'], 10, 1, 3600) * 1000,
      headersTimeoutMs: wholeNumber('response-timeout', flags['response-timeout'], 120, 1, 86_400) * 1000,
    },
  };
  const alias = flags['target-org'];
  if (alias !== undefined) {
    const given = (['instance-url', 'access-token', 'login-url', 'username', 'password'] as const).find((f) => flags[f] !== undefined);
    if (given) throw new UsageError(`--target-org and --${given} do not go together: the org is the sf CLI's`);
    const org = await sfOrg(alias, env, signal);
    return {
      ...common,
      instanceUrl: org.instanceUrl,
      accessToken: org.accessToken,
      loginUrl: undefined,
      username: undefined,
      password: undefined,
      via: `the sf CLI's org ${alias}`,
    };
  }
  return { ...common, ...credentials(flags, env), via: undefined as string | undefined };
}

/** The credentials given by flags or the environment (not --target-org). */
function credentials(flags: ConnectionFlags, env: NodeJS.ProcessEnv) {
  return {
    instanceUrl: flags['instance-url'] ?? env.SF_INSTANCE_URL,
    accessToken: flags['access-token'] ?? env.SF_ACCESS_TOKEN,
    loginUrl: flags['login-url'] ?? env.SF_LOGIN_URL,
    username: flags.username ?? env.SF_USERNAME,
    password: flags.password ?? env.SF_PASSWORD,
  };
}

const configured = (s: ReturnType<typeof credentials>): boolean => Boolean(s.instanceUrl || s.accessToken || s.loginUrl || s.username || s.password);

/** Whether a Salesforce connection is configured (by flags, the environment or --target-org): else the local org is used. */
export function connectionConfigured(flags: ConnectionFlags, env: NodeJS.ProcessEnv): boolean {
  return flags['target-org'] !== undefined || configured(credentials(flags, env));
}

/** A client for the configured org, with client options of the caller's (gzip, a request counter). */
export async function connectConfigured(
  flags: ConnectionFlags,
  env: NodeJS.ProcessEnv,
  extra: Pick<BulkClientOptions, 'gzipUploads' | 'onRequest'>,
  signal?: AbortSignal,
): Promise<BulkClient> {
  return connect(await connectionSettings(flags, env, signal), signal, extra);
}

/** A client for settings of which at least one is given: an access token or a login, whole. */
async function connect(settings: Settings, signal?: AbortSignal, extra: Pick<BulkClientOptions, 'gzipUploads' | 'onRequest'> = {}): Promise<BulkClient> {
  const { instanceUrl, accessToken, loginUrl, username, password, apiVersion, retry, connection } = settings;
  const version = apiVersion !== undefined ? { apiVersion } : {};
  const { BulkClient } = await import('../lib/http/client.js');
  if (instanceUrl && accessToken) return new BulkClient({ instanceUrl, accessToken, retry, connection, ...version, ...extra });
  if (loginUrl && username && password) {
    try {
      return await BulkClient.login({ loginUrl, username, password, retry, connection, ...version, ...extra, ...(signal ? { signal } : {}) });
    } catch (err) {
      throw withHint(
        err,
        loginUrl,
        `check --login-url (SF_LOGIN_URL: https://login.salesforce.com, https://test.salesforce.com or the org's My Domain), --username and --password (with the security token appended where the org asks for one)`,
      );
    }
  }
  if (instanceUrl || accessToken) throw new UsageError('--instance-url and --access-token go together');
  throw new UsageError('--login-url, --username and --password go together');
}

/**
 * The session's user and org: the first request to a real org, so that a URL that does not answer
 * or a token that is refused ends the run at once, with what to check. An org that will not say who
 * the session is (userinfo not allowed) is still used.
 */
async function whoIs(client: BulkClient, settings: Settings, signal: AbortSignal | undefined): Promise<OrgIdentity | undefined> {
  const call = signal ? { signal } : {};
  // A login names its user; userinfo may say more (the org).
  const known = settings.username ? { username: settings.username, userId: undefined, organizationId: undefined, name: undefined } : undefined;
  try {
    return await client.identity(call);
  } catch (err) {
    const code = (err as BulkError).code;
    if (code === 'BULK_NETWORK')
      throw withHint(err, client.instanceUrl, `check the URL (--instance-url, SF_INSTANCE_URL${settings.via ? `, or ${settings.via}` : ''}), the network and any proxy`);
    if (code === 'BULK_ABORTED') throw err;
    if (code === 'BULK_SESSION_EXPIRED' || (err as { statusCode?: number }).statusCode === 401) {
      // userinfo may refuse a session the Bulk API takes (a token without the openid scope): the token is bad only if the Bulk API refuses it too.
      const bulk = await client.getJob(NO_SUCH_JOB, call).then(
        () => undefined,
        (e: BulkError) => e,
      );
      if (bulk?.code === 'BULK_SESSION_EXPIRED') {
        throw withHint(
          bulk,
          client.instanceUrl,
          settings.via
            ? `the token of ${settings.via} was refused: sf org login web --alias <alias> renews it`
            : 'the access token was refused (expired, revoked or of another org): get a new one, e.g. sf org display --target-org <alias>',
        );
      }
      if (bulk?.code === 'BULK_NETWORK' || bulk?.code === 'BULK_ABORTED') throw bulk;
    }
    return known; // the org answered, but will not say who: the run goes on
  }
}

/** A well-formed job id no org has: asking for it tells a refused session (InvalidSessionId) from a good one (InvalidJob). */
const NO_SUCH_JOB = '750000000000000AAA';

/** An error of the first contact, said with where and what to check. */
function withHint(err: unknown, url: string, hint: string): Error {
  if (!(err instanceof BulkError) || err.code === 'BULK_ABORTED' || err.code === 'BULK_INVALID_OPTION') return err as Error;
  return new OrgContactError(err.code, `cannot use the org at ${url}: ${err.message}; ${hint}`, { url, hint }, { cause: err });
}
