/**
 * An org the Salesforce CLI has authorised, by alias or username: its instance URL and a current
 * access token, from `sf org display --target-org ALIAS --json` (sf refreshes the token when it
 * must). Nothing is stored: sf keeps the credentials, bulkpipe asks for them at each run.
 */
import { execFile } from 'node:child_process';
import { UsageError } from './usage-error.js';

export interface SfOrg {
  readonly instanceUrl: string;
  readonly accessToken: string;
  readonly username: string | undefined;
}

/** Most time sf may take (it may refresh the token over the network). */
const SF_TIMEOUT_MS = 60_000;

export function sfOrg(alias: string, env: NodeJS.ProcessEnv, signal?: AbortSignal): Promise<SfOrg> {
  return new Promise((resolve, reject) => {
    execFile(
      'sf',
      ['org', 'display', '--target-org', alias, '--json'],
      { env, timeout: SF_TIMEOUT_MS, maxBuffer: 4 * 1024 * 1024, ...(signal ? { signal } : {}) },
      (err, stdout) => {
        if ((err as NodeJS.ErrnoException | null)?.code === 'ENOENT')
          return reject(new UsageError('--target-org needs the Salesforce CLI (sf) on the PATH: npm install --global @salesforce/cli, then sf org login web --alias <alias>'));
        // sf answers a JSON document on stdout, also when it fails (with a non-zero exit).
        let answer: { status?: number; message?: string; result?: { instanceUrl?: string; accessToken?: string; username?: string } };
        try {
          answer = JSON.parse(stdout) as typeof answer;
        } catch {
          return reject(new UsageError(`--target-org ${alias}: sf org display did not answer JSON${err ? ` (${err.message.split('\n')[0]})` : ''}`));
        }
        const result = answer.result;
        if (answer.status !== 0 || !result?.instanceUrl || !result.accessToken) {
          return reject(new UsageError(`--target-org ${alias}: ${answer.message ?? 'sf org display gave no instance URL and access token'} (sf org list shows the orgs sf knows)`));
        }
        resolve({ instanceUrl: result.instanceUrl, accessToken: result.accessToken, username: result.username });
      },
    );
  });
}
