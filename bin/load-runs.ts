/**
 * The CLI's load ledgers: every `bulkpipe load` keeps its ledger and spool in a folder of its own
 * under $BULKPIPE_HOME/runs/, removed when the load completes. What is left there is a load that
 * failed or was killed: `bulkpipe load --resume` finds it (by job id, by run id, or the newest on the
 * org), and `bulkpipe job clean` removes the abandoned ones.
 */
import { readdir, rm } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { errorCodeOf, RunLockedError, type RunHolder } from '../lib/errors.js';
import { readLedger, type LedgerState } from '../lib/load/load-ledger.js';
import { probeRunLock, RunLock } from '../lib/load/run-lock.js';
import { bulkpipeHome } from './home.js';
import { UsageError } from './usage-error.js';

export interface LoadRun {
  /** The folder's name. */
  readonly id: string;
  readonly dir: string;
  /** Undefined when the ledger cannot be read (then `problem` says why). */
  readonly state: LedgerState | undefined;
  readonly problem: string | undefined;
  /** Whether a live process holds its lock; a run whose ledger was written on another host counts as running (its lock cannot be seen from here). */
  readonly running: boolean;
  /** Whether a live process holds its lock. */
  readonly locked: boolean;
  /** The process that holds its lock, as it says; undefined when none does, or it did not say. */
  readonly holder: RunHolder | undefined;
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
    // The lock, not a pid (which a later process may be given), tells a live run; it is asked before the ledger is read.
    const lock = await probeRunLock(dir);
    const holder = lock.held ? lock.holder : undefined;
    try {
      const state = await readLedger(dir);
      runs.push({ id, dir, state, problem: undefined, running: lock.held || state.host !== hostname(), locked: lock.held, holder });
    } catch (err) {
      runs.push({ id, dir, state: undefined, problem: (err as Error).message, running: lock.held, locked: lock.held, holder });
    }
  }
  return runs;
}

/**
 * The run to resume: the one whose folder is `id`, or whose jobs include it; with no id, the newest
 * unfinished run on `org` that no process owns, else the newest one that a process does own (for
 * the caller to refuse, naming it). Undefined when there is none.
 */
export async function findRun(env: NodeJS.ProcessEnv, id: string | undefined, org: string): Promise<LoadRun | undefined> {
  const runs = (await listRuns(env)).filter((r) => r.state && !r.state.finished);
  if (id !== undefined) return runs.find((r) => r.id === id || r.state?.jobs.some((job) => job === id || job.slice(0, 15) === id.slice(0, 15)));
  const onOrg = runs.filter((r) => r.state?.run.org === org);
  return onOrg.find((r) => !r.running) ?? onOrg[0];
}

/**
 * Refuses (for `what`, a command) a run that may be running: RunLockedError (`BULK_LOCKED`) naming
 * the process that holds its lock, or a usage error for a ledger written on another host, whose
 * lock cannot be seen from here.
 */
export function refuseRunning(run: LoadRun, what: string): void {
  if (run.locked) throw new RunLockedError(run.dir, run.holder);
  if (run.running)
    throw new UsageError(
      `${what}: the load ${run.id} was written by process ${run.state?.pid} on ${run.state?.host}, another host: whether it still runs cannot be told from here`,
    );
}

/**
 * Removes a run's folder under its lock: rejects with RunLockedError (`BULK_LOCKED`), naming the
 * holder, when a live process holds it, even one that took it after the run was listed. A folder
 * that is gone already is nothing to remove.
 */
export async function removeRunDir(dir: string): Promise<void> {
  let lock: RunLock;
  try {
    lock = await RunLock.acquire(dir);
  } catch (err) {
    if (errorCodeOf(err) === 'ENOENT') return;
    throw err;
  }
  try {
    await rm(dir, { recursive: true, force: true, maxRetries: 3, retryDelay: 50 });
  } finally {
    await lock.release();
  }
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
