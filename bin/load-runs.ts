/**
 * The CLI's load ledgers: every `bulkpipe load` keeps its ledger and spool in a folder of its own
 * under $BULKPIPE_HOME/runs/, removed when the load completes. What is left there is a load that
 * failed or was killed: `bulkpipe load --resume` finds it (by job id, by run id, or the newest on the
 * org), and `bulkpipe job clean` removes the abandoned ones.
 */
import { readdir, rm } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { readLedger, type LedgerState } from '../lib/load/load-ledger.js';
import { bulkpipeHome } from './home.js';

export interface LoadRun {
  /** The folder's name. */
  readonly id: string;
  readonly dir: string;
  /** Undefined when the ledger cannot be read (then `problem` says why). */
  readonly state: LedgerState | undefined;
  readonly problem: string | undefined;
  /** Whether the process that owns it runs (on this host); a run of another host counts as running. */
  readonly running: boolean;
}

export const runsDir = (env: NodeJS.ProcessEnv) => join(bulkpipeHome(env), 'runs');

/** A new run's folder name: sortable by start time, unique by process. */
export function newRunId(now = new Date()): string {
  return `${now
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d+Z$/, 'Z')}-${process.pid}`;
}

/** Every run folder, newest first. */
export async function listRuns(env: NodeJS.ProcessEnv): Promise<LoadRun[]> {
  const root = runsDir(env);
  const names = await readdir(root).catch(() => [] as string[]);
  const runs: LoadRun[] = [];
  for (const id of names.sort().reverse()) {
    const dir = join(root, id);
    try {
      const state = await readLedger(dir);
      runs.push({ id, dir, state, problem: undefined, running: isRunning(state) });
    } catch (err) {
      runs.push({ id, dir, state: undefined, problem: (err as Error).message, running: false });
    }
  }
  return runs;
}

/**
 * The run to resume: the one whose folder is `id`, or whose jobs include it; with no id, the newest
 * unfinished run on `org` that no process owns. Undefined when there is none.
 */
export async function findRun(env: NodeJS.ProcessEnv, id: string | undefined, org: string): Promise<LoadRun | undefined> {
  const runs = (await listRuns(env)).filter((r) => r.state && !r.state.finished);
  if (id !== undefined) return runs.find((r) => r.id === id || r.state?.jobs.some((job) => job === id || job.slice(0, 15) === id.slice(0, 15)));
  return runs.find((r) => r.state?.run.org === org && !r.running);
}

export async function removeRun(run: LoadRun): Promise<void> {
  await rm(run.dir, { recursive: true, force: true, maxRetries: 3, retryDelay: 50 });
}

function isRunning(state: LedgerState): boolean {
  if (state.host !== hostname()) return true; // cannot be told from here: never taken for abandoned
  return state.pid !== process.pid && processAlive(state.pid);
}

/** Whether a process of this machine runs (one of another user's counts: EPERM). */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
