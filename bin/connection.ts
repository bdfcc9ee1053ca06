/**
 * Where the CLI connects: flags first, then environment variables (SF_INSTANCE_URL,
 * SF_ACCESS_TOKEN, SF_LOGIN_URL, SF_USERNAME, SF_PASSWORD, SF_API_VERSION). The password is only
 * ever handed to the login; it never appears in output or errors.
 */
import { BulkClient } from '../lib/http/client.js';
import { UsageError } from './usage-error.js';

export interface ConnectionFlags {
  readonly 'instance-url'?: string | undefined;
  readonly 'access-token'?: string | undefined;
  readonly 'login-url'?: string | undefined;
  readonly username?: string | undefined;
  readonly password?: string | undefined;
  readonly 'api-version'?: string | undefined;
}

export const CONNECTION_OPTIONS = {
  'instance-url': { type: 'string' },
  'access-token': { type: 'string' },
  'login-url': { type: 'string' },
  username: { type: 'string' },
  password: { type: 'string' },
  'api-version': { type: 'string' },
} as const;

export const CONNECTION_HELP = `Connection (flags or environment):
  --instance-url URL --access-token TOKEN   SF_INSTANCE_URL, SF_ACCESS_TOKEN
  --login-url URL --username U --password P SF_LOGIN_URL, SF_USERNAME, SF_PASSWORD
  --api-version V                           SF_API_VERSION (default 35.0)`;

export async function connect(flags: ConnectionFlags, env: NodeJS.ProcessEnv, signal?: AbortSignal): Promise<BulkClient> {
  const instanceUrl = flags['instance-url'] ?? env.SF_INSTANCE_URL;
  const accessToken = flags['access-token'] ?? env.SF_ACCESS_TOKEN;
  const loginUrl = flags['login-url'] ?? env.SF_LOGIN_URL;
  const username = flags.username ?? env.SF_USERNAME;
  const password = flags.password ?? env.SF_PASSWORD;
  const apiVersion = flags['api-version'] ?? env.SF_API_VERSION;
  const version = apiVersion !== undefined ? { apiVersion } : {};
  if (instanceUrl && accessToken) return new BulkClient({ instanceUrl, accessToken, ...version });
  if (loginUrl && username && password) {
    return BulkClient.login({ loginUrl, username, password, ...version, ...(signal ? { signal } : {}) });
  }
  if (instanceUrl || accessToken) throw new UsageError('--instance-url and --access-token go together');
  if (loginUrl || username || password) throw new UsageError('--login-url, --username and --password go together');
  throw new UsageError('no Salesforce connection: give --instance-url and --access-token, or --login-url, --username and --password');
}
