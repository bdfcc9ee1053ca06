/**
 * Where the CLI connects: flags first, then environment variables (SF_INSTANCE_URL,
 * SF_ACCESS_TOKEN, SF_LOGIN_URL, SF_USERNAME, SF_PASSWORD, SF_API_VERSION). With nothing
 * configured, the local org is started in-process on $BULKPIPE_HOME/org.db, so that a load and a
 * later query see the same data; the first line on stderr says so. The password is only ever
 * handed to the login; it never appears in output or errors.
 */
import { mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
// The client (undici and the codecs) is loaded when a command connects: `--version` and `--help` never wait for it.
import type { BulkClient, BulkClientOptions } from '../lib/http/client.js';
import { wholeNumber } from './flags.js';
import { localOrgDb } from './home.js';
import { UsageError } from './usage-error.js';

export interface ConnectionFlags {
  readonly 'instance-url'?: string | undefined;
  readonly 'access-token'?: string | undefined;
  readonly 'login-url'?: string | undefined;
  readonly username?: string | undefined;
  readonly password?: string | undefined;
  readonly 'api-version'?: string | undefined;
  readonly 'retry-for'?: string | undefined;
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
} as const;

export const CONNECTION_HELP = `Connection (flags or environment):
  --instance-url URL --access-token TOKEN   SF_INSTANCE_URL, SF_ACCESS_TOKEN
  --login-url URL --username U --password P SF_LOGIN_URL, SF_USERNAME, SF_PASSWORD
  --api-version V                           SF_API_VERSION
  --retry-for SECONDS                       how long a request is retried through outages (default 120)
With none of these, the local org in $BULKPIPE_HOME/org.db (default ~/.bulkpipe) is used.`;

/** A client and what must be shut down after it. */
export interface Connection {
  readonly client: BulkClient;
  /** Whether this is the in-process local org. */
  readonly local: boolean;
  /** Which org, for the job journal: the instance URL, or the local org's file. */
  readonly org: string;
  close(): Promise<void>;
}

/** Connects as configured, or to the local org when nothing is configured. */
export async function openConnection(flags: ConnectionFlags, env: NodeJS.ProcessEnv, stderr: NodeJS.WritableStream, signal?: AbortSignal): Promise<Connection> {
  const settings = connectionSettings(flags, env);
  const { instanceUrl, accessToken, loginUrl, username, password, apiVersion, retry } = settings;
  if (instanceUrl || accessToken || loginUrl || username || password) {
    const client = await connect(settings, signal);
    return { client, local: false, org: client.instanceUrl, close: () => client.close() };
  }
  const db = localOrgDb(env);
  if (flags.quiet !== true) stderr.write(`bulkpipe: no Salesforce connection configured: using the local org in ${db} (see --help to connect to Salesforce)\n`);
  await mkdir(dirname(db), { recursive: true });
  // Loaded only here: the local org (SQLite, its schema) costs memory and start-up time a real org never needs.
  const { startServer } = await import('../server/index.js');
  const org = await startServer({ port: 0, db });
  try {
    const { BulkClient } = await import('../lib/http/client.js');
    const client = await BulkClient.login({ loginUrl: org.loginUrl, username: org.username, password: org.password, retry, ...(apiVersion ? { apiVersion } : {}) });
    return {
      client,
      local: true,
      org: `local:${db}`,
      close: async () => {
        await client.close();
        await org.close();
      },
    };
  } catch (err) {
    await org.close();
    throw err;
  }
}

/** Each setting from its flag, else its environment variable. */
function connectionSettings(flags: ConnectionFlags, env: NodeJS.ProcessEnv) {
  return {
    instanceUrl: flags['instance-url'] ?? env.SF_INSTANCE_URL,
    accessToken: flags['access-token'] ?? env.SF_ACCESS_TOKEN,
    loginUrl: flags['login-url'] ?? env.SF_LOGIN_URL,
    username: flags.username ?? env.SF_USERNAME,
    password: flags.password ?? env.SF_PASSWORD,
    apiVersion: flags['api-version'] ?? env.SF_API_VERSION,
    retry: { maxElapsedMs: wholeNumber('retry-for', flags['retry-for'], 120, 0, 86_400) * 1000 },
  };
}

/** Whether a Salesforce connection is configured (by flags or the environment): else the local org is used. */
export function connectionConfigured(flags: ConnectionFlags, env: NodeJS.ProcessEnv): boolean {
  const { instanceUrl, accessToken, loginUrl, username, password } = connectionSettings(flags, env);
  return Boolean(instanceUrl || accessToken || loginUrl || username || password);
}

/** A client for the configured org, with client options of the caller's (gzip, a request counter). */
export function connectConfigured(flags: ConnectionFlags, env: NodeJS.ProcessEnv, extra: Pick<BulkClientOptions, 'gzipUploads' | 'onRequest'>, signal?: AbortSignal): Promise<BulkClient> {
  return connect(connectionSettings(flags, env), signal, extra);
}

/** A client for settings of which at least one is given: an access token or a login, whole. */
async function connect(settings: ReturnType<typeof connectionSettings>, signal?: AbortSignal, extra: Pick<BulkClientOptions, 'gzipUploads' | 'onRequest'> = {}): Promise<BulkClient> {
  const { instanceUrl, accessToken, loginUrl, username, password, apiVersion, retry } = settings;
  const version = apiVersion !== undefined ? { apiVersion } : {};
  const { BulkClient } = await import('../lib/http/client.js');
  if (instanceUrl && accessToken) return new BulkClient({ instanceUrl, accessToken, retry, ...version, ...extra });
  if (loginUrl && username && password) {
    return BulkClient.login({ loginUrl, username, password, retry, ...version, ...extra, ...(signal ? { signal } : {}) });
  }
  if (instanceUrl || accessToken) throw new UsageError('--instance-url and --access-token go together');
  throw new UsageError('--login-url, --username and --password go together');
}
