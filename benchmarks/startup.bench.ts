/**
 * Start-up of the built CLI and package (issue 16, issue 28), against `node -e 0` on the same machine in the
 * same run: each command spawned `rounds` times, interleaved so that a busy moment hits them all
 * alike; the median wall time and CPU seconds (user + sys, from /usr/bin/time where there is one) of
 * each and their ratios to node's own start. The package's entries are imported by name from the
 * package's folder (package.json's `exports`, what users get). Build first (`npm run build`).
 * BEFORE_ROOT=<a copy of an earlier package folder: its package.json and dist/, node_modules linked>
 * adds that build's commands to the same rounds.
 * Usage: node --import tsx benchmarks/startup.bench.ts [rounds=15]
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { environment, fmt, table } from './_util/run.js';

const rounds = Number(process.argv[2] ?? 15);
const TIME = '/usr/bin/time';
const timed = existsSync(TIME);

interface Command {
  readonly name: string;
  readonly args: readonly string[];
  readonly cwd?: string;
}

/** The commands of one package folder (this one, or BEFORE_ROOT's), `label` before their names. */
function commandsOf(root: string, label: string): Command[] {
  const cli = join(root, 'dist/bin/bulkpipe.js');
  const entry = (name: string) => ['--input-type=module', '-e', `await import(${JSON.stringify(name)})`];
  return [
    { name: `${label}bulkpipe --version`, args: [cli, '--version'] },
    { name: `${label}bulkpipe --help`, args: [cli, '--help'] },
    { name: `${label}bulkpipe load --help`, args: [cli, 'load', '--help'] },
    { name: `${label}bulkpipe query --help`, args: [cli, 'query', '--help'] },
    { name: `${label}import 'bulkpipe'`, args: entry('bulkpipe'), cwd: root },
    { name: `${label}import 'bulkpipe/server'`, args: entry('bulkpipe/server'), cwd: root },
  ];
}

const before = process.env.BEFORE_ROOT;
const commands: Command[] = [
  { name: 'node -e 0', args: ['-e', '0'] },
  ...commandsOf(fileURLToPath(new URL('..', import.meta.url)), ''),
  ...(before ? commandsOf(before, 'before: ') : []),
];

const wall = new Map<string, number[]>(commands.map(({ name }) => [name, []]));
const cpu = new Map<string, number[]>(commands.map(({ name }) => [name, []]));
for (let round = 0; round < rounds; round++) {
  for (const { name, args, cwd } of commands) {
    const started = performance.now();
    const run = timed
      ? spawnSync(TIME, ['-f', '%U %S', process.execPath, ...args], { cwd, stdio: ['ignore', 'ignore', 'pipe'] })
      : spawnSync(process.execPath, args, { cwd, stdio: ['ignore', 'ignore', 'pipe'] });
    wall.get(name)?.push(performance.now() - started);
    if (run.status !== 0) throw new Error(`${name} failed: ${run.stderr.toString()}`);
    const [user, sys] = (run.stderr.toString().trim().split('\n').at(-1) ?? '').split(' ').map(Number);
    if (timed) cpu.get(name)?.push((user ?? NaN) + (sys ?? NaN));
  }
}
const median = (values: readonly number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] as number;
const baseWall = median(wall.get('node -e 0') ?? []);
const baseCpu = median(cpu.get('node -e 0') ?? []);
console.log(`# Start-up (${environment()}), median of ${rounds} interleaved runs${timed ? '' : ' (no /usr/bin/time: wall only)'}\n`);
console.log(
  table(
    ['command', 'median ms', 'vs node -e 0', ...(timed ? ['CPU s', 'CPU vs node -e 0'] : [])],
    commands.map(({ name }) => {
      const w = wall.get(name) ?? [];
      const c = cpu.get(name) ?? [];
      return [name, fmt(median(w)), fmt(median(w) / baseWall, 2), ...(timed ? [fmt(median(c), 2), fmt(median(c) / baseCpu, 2)] : [])];
    }),
  ),
);
