/**
 * What a client run as a process of its own costs, and a fresh local org for it: the benchmarks that
 * compare clients run each under /usr/bin/time -v (CPU seconds user + sys, peak RSS of that process
 * alone) against an org in another process (`bulkpipe server`), started anew for each run.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startOrgProcess, type OrgProcess } from '../../bin/org-process.js';
import { fmt } from './run.js';

const TIME = '/usr/bin/time';

export interface Cost {
  readonly seconds: number;
  readonly user: number;
  readonly sys: number;
  readonly peakRssMb: number;
  readonly stdout: string;
}

/** Runs a node script under /usr/bin/time -v; resolves with its CPU seconds and peak RSS when it exits with one of `codes`. */
export async function timed(args: readonly string[], codes: readonly number[] = [0]): Promise<Cost> {
  if (!existsSync(TIME)) throw new Error(`${TIME} is needed (GNU time, Debian package "time")`);
  const started = performance.now();
  const child = spawn(TIME, ['-v', process.execPath, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  const seconds = (performance.now() - started) / 1000;
  if (code === null || !codes.includes(code)) throw new Error(`${args.join(' ')} exited with ${code}: ${stderr.slice(-2000)}`);
  const figure = (label: string) => Number(new RegExp(`${label}: ([\\d.]+)`).exec(stderr)?.[1] ?? NaN);
  return { seconds, user: figure('User time \\(seconds\\)'), sys: figure('System time \\(seconds\\)'), peakRssMb: figure('Maximum resident set size \\(kbytes\\)') / 1024, stdout };
}

/** CPU seconds, user + sys. */
export const cpu = (cost: Cost): number => cost.user + cost.sys;

/** The last line a client printed, as JSON (its summary). */
const printed = <T>(cost: Cost): T => JSON.parse(cost.stdout.trim().split('\n').at(-1) as string) as T;

/** A fresh org for one run (`bulkpipe server` with `args`), stopped and its files removed afterwards. */
export async function withOrg<T>(dir: string, name: string, run: (org: OrgProcess) => Promise<T>, args: readonly string[] = []): Promise<T> {
  const org = await startOrgProcess(join(dir, `${name}.db`), 0, 'inherit', args);
  try {
    return await run(org);
  } finally {
    await org.stop();
    for (const suffix of ['', '-wal', '-shm']) await rm(join(dir, `${name}.db${suffix}`), { force: true });
  }
}

/** What a load client prints last (the CLI's `--json` summary, the jsforce scripts' line). */
export interface PrintedLoad {
  readonly recordsSucceeded: number;
  readonly recordsFailed: number;
  readonly recordsPerSecond: number;
}

export const ratePrinted = (cost: Cost): number => printed<PrintedLoad>(cost).recordsPerSecond;

/** The middle value; of an even count, the mean of the two middle ones. */
export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

/**
 * Loads by several clients taking turns, `rounds` times (the order reversed every other round, so
 * that the machine's drift falls on all alike), each into a fresh org; every run must insert all
 * `records`. Returns each client's costs and a table row per run.
 */
export async function takeTurns(
  dir: string,
  clients: Readonly<Record<string, (org: OrgProcess) => Promise<Cost>>>,
  rounds: number,
  records: number,
): Promise<{ readonly runs: Map<string, Cost[]>; readonly rows: Array<Array<string | number>> }> {
  const names = Object.keys(clients);
  const runs = new Map<string, Cost[]>(names.map((name) => [name, []]));
  const rows: Array<Array<string | number>> = [];
  for (let round = 0; round < rounds; round++) {
    for (const name of round % 2 === 0 ? names : [...names].reverse()) {
      const cost = await withOrg(dir, `run-${round}-${names.indexOf(name)}`, clients[name] as (org: OrgProcess) => Promise<Cost>);
      const summary = printed<PrintedLoad>(cost);
      if (summary.recordsSucceeded !== records || summary.recordsFailed !== 0) throw new Error(`${name}: expected ${records} successes, got ${cost.stdout}`);
      runs.get(name)?.push(cost);
      rows.push([name, round + 1, fmt(cost.seconds, 1), fmt(summary.recordsPerSecond), fmt(cost.user, 2), fmt(cost.sys, 2), fmt(cpu(cost), 2), fmt(cost.peakRssMb)]);
      console.error(`round ${round + 1}, ${name}: ${fmt(summary.recordsPerSecond)} records/s, ${fmt(cpu(cost), 2)} CPU s, ${fmt(cost.peakRssMb)} MB peak RSS`);
    }
  }
  return { runs, rows };
}

export const TURNS_HEADERS = ['client', 'round', 'seconds', 'records/s', 'user s', 'sys s', 'CPU s', 'peak RSS MB'] as const;

/** The arguments of a `bulkpipe load` of `input` as Account inserts into `org`, its outputs in `out` named after `name`, quiet, summary as JSON. */
export function cliLoadArgs(cli: string, org: OrgProcess, input: string, out: string, name: string, extra: readonly string[] = []): string[] {
  const login = ['--login-url', org.loginUrl, '--username', org.username, '--password', org.password];
  return [
    cli,
    'load',
    'Account',
    input,
    '--operation',
    'insert',
    ...extra,
    ...login,
    '--success',
    join(out, `${name}.ok.csv`),
    '--errors',
    join(out, `${name}.err.csv`),
    '--json',
    '--quiet',
  ];
}

/** A benchmark's folder (removed by the caller), with the CLI's ledgers kept in it ($BULKPIPE_HOME), an output folder and the input's path. */
export async function workspace(prefix: string): Promise<{ readonly dir: string; readonly out: string; readonly input: string }> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  process.env.BULKPIPE_HOME = join(dir, 'home');
  const out = join(dir, 'out');
  await mkdir(out);
  return { dir, out, input: join(dir, 'accounts.csv') };
}
