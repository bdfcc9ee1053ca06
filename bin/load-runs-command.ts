/**
 * `bulkpipe job runs` and `bulkpipe job clean`: the loads that did not finish, from their ledgers
 * in $BULKPIPE_HOME/runs, and the removal of the abandoned ones (their spools can be large). The
 * spool folders a library load (without a ledger) leaves in the temp folder when its process dies
 * are named with its pid, and removed here too.
 */
import { readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RunLockedError, type RunHolder } from '../lib/errors.js';
import { SPOOL_PREFIX, spoolOwner } from '../lib/load/load-spool.js';
import type { CliIo } from './cli-io.js';
import { listRuns, processAlive, refuseRunning, removeRunDir, type LoadRun } from './load-runs.js';
import { count } from './progress-line.js';
import { UsageError } from './usage-error.js';

/** A run, as `job runs` shows it. */
interface RunRow {
  readonly id: string;
  readonly state: 'running' | 'abandoned' | 'unreadable';
  readonly jobs: readonly string[];
  readonly object: string | undefined;
  readonly operation: string | undefined;
  readonly input: string | undefined;
  /** Records read whose results are not in the outputs yet. */
  readonly pending: number | undefined;
  readonly spoolBytes: number;
  readonly problem: string | undefined;
  /** The process that holds a running load's lock, as it says. */
  readonly holder: RunHolder | undefined;
}

export async function listLoadRuns(io: CliIo, json: boolean, extra: readonly string[]): Promise<number> {
  if (extra.length) throw new UsageError(`job runs: unexpected argument ${JSON.stringify(extra[0])}`);
  const rows = await Promise.all((await listRuns(io.env)).filter((r) => !r.state?.finished).map(rowOf));
  if (json) {
    io.stdout.write(`${JSON.stringify(rows, null, 2)}\n`);
    return 0;
  }
  if (rows.length === 0) {
    io.stderr.write('bulkpipe: no unfinished loads\n');
    return 0;
  }
  const table = [
    ['RUN', 'STATE', 'JOB', 'OBJECT', 'PENDING', 'SPOOL'],
    ...rows.map((r) => [
      r.id,
      r.state,
      r.jobs.at(-1) ?? '-',
      r.object ? `${r.operation} ${r.object}` : '-',
      r.pending === undefined ? '-' : count(r.pending),
      megabytes(r.spoolBytes),
    ]),
  ];
  const widths = (table[0] as string[]).map((_, i) => Math.max(...table.map((line) => (line[i] as string).length)));
  for (const line of table)
    io.stdout.write(
      `${line
        .map((cell, i) => cell.padEnd(widths[i] as number))
        .join('  ')
        .trimEnd()}\n`,
    );
  const abandoned = rows.find((r) => r.state === 'abandoned' && r.jobs.length > 0);
  if (abandoned) io.stderr.write(`bulkpipe: finish an abandoned load with: bulkpipe load --resume ${abandoned.jobs[0]}\n`);
  return 0;
}

export async function cleanLoadRuns(io: CliIo, ids: readonly string[], dryRun: boolean): Promise<number> {
  const runs = (await listRuns(io.env)).filter((r) => !r.state?.finished || ids.includes(r.id));
  const named = ids.length > 0;
  for (const id of ids) {
    const run = runs.find((r) => r.id === id);
    if (!run) throw new UsageError(`job clean: no load run ${id} (bulkpipe job runs lists them)`);
    refuseRunning(run, 'job clean');
  }
  const doomed = named ? runs.filter((r) => ids.includes(r.id)) : runs.filter((r) => !r.running);
  const verb = dryRun ? 'would remove' : 'removed';
  for (const run of doomed) {
    const row = await rowOf(run);
    // Removed under its lock: a load resumed since the listing is refused here, never removed from under its process.
    if (!dryRun) {
      try {
        await removeRunDir(run.dir);
      } catch (err) {
        if (named || !(err instanceof RunLockedError)) throw err;
        io.stderr.write(`bulkpipe: kept load ${run.id}: ${err.message}\n`);
        continue;
      }
    }
    io.stderr.write(
      `bulkpipe: ${verb} load ${run.id} (${row.object ? `${row.operation} ${row.object}` : (row.problem ?? 'unreadable')}${row.jobs.length ? `, job ${row.jobs.join(', ')}` : ''}, ${megabytes(row.spoolBytes)} of spool)\n`,
    );
    // No connection here: the job of a load that died may still be Open.
    const last = row.jobs.at(-1);
    if (last) io.stderr.write(`bulkpipe: its job may still be open: bulkpipe job close ${last}\n`);
  }
  if (!named) {
    for (const folder of await staleTempSpools()) {
      if (!dryRun) await rm(folder, { recursive: true, force: true });
      io.stderr.write(`bulkpipe: ${verb} ${folder} (the spool of a process that is gone)\n`);
    }
  }
  return 0;
}

async function rowOf(run: LoadRun): Promise<RunRow> {
  const s = run.state;
  return {
    id: run.id,
    state: !s ? 'unreadable' : run.running ? 'running' : 'abandoned',
    jobs: s?.jobs ?? [],
    object: s?.run.shape.object,
    operation: s?.run.shape.operation,
    input: s ? (s.run.shape.input ?? 'stdin') : undefined,
    pending: s ? s.inputAt.row - (s.joined ? s.joined.succeeded + s.joined.failed : 0) : undefined,
    spoolBytes: await folderBytes(join(run.dir, 'spool')),
    problem: run.problem,
    holder: run.holder,
  };
}

async function folderBytes(dir: string): Promise<number> {
  let total = 0;
  for (const name of await readdir(dir).catch(() => [] as string[])) total += (await stat(join(dir, name)).catch(() => ({ size: 0 }))).size;
  return total;
}

/** Spool folders in the temp folder whose process is gone. */
async function staleTempSpools(): Promise<string[]> {
  const stale: string[] = [];
  for (const name of await readdir(tmpdir()).catch(() => [] as string[])) {
    if (!name.startsWith(SPOOL_PREFIX)) continue;
    const pid = spoolOwner(name);
    if (pid !== undefined && !processAlive(pid)) stale.push(join(tmpdir(), name));
  }
  return stale;
}

const megabytes = (bytes: number) => `${(bytes / 1e6).toFixed(1)} MB`;
