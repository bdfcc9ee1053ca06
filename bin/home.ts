/** Where the CLI keeps its local org and its job journal: $BULKPIPE_HOME, or ~/.bulkpipe. */
import { homedir } from 'node:os';
import { join } from 'node:path';

export function bulkpipeHome(env: NodeJS.ProcessEnv): string {
  return env.BULKPIPE_HOME || join(homedir(), '.bulkpipe');
}

/** The local org's SQLite file, shared by `bulkpipe server` and the commands' fallback. */
export const localOrgDb = (env: NodeJS.ProcessEnv) => join(bulkpipeHome(env), 'org.db');
