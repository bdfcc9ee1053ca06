/**
 * Start-up of the built CLI and package (issue 16), against `node -e 0` on the same machine in the
 * same run: each command spawned `rounds` times, interleaved so that a busy moment hits them all
 * alike; the median wall time of each and its ratio to node's own start. Build first (`npm run build`).
 * Usage: node --import tsx benchmarks/startup.bench.ts [rounds=15]
 */
import { spawnSync } from 'node:child_process';
import { performance } from 'node:perf_hooks';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { environment, fmt, table } from './_util/run.js';

const rounds = Number(process.argv[2] ?? 15);
const cli = fileURLToPath(new URL('../dist/bin/bulkpipe.js', import.meta.url));
const index = pathToFileURL(fileURLToPath(new URL('../dist/index.js', import.meta.url))).href;
const commands: ReadonlyArray<readonly [string, readonly string[]]> = [
  ['node -e 0', ['-e', '0']],
  ['bulkpipe --version', [cli, '--version']],
  ['bulkpipe --help', [cli, '--help']],
  ['bulkpipe load --help', [cli, 'load', '--help']],
  ['bulkpipe query --help', [cli, 'query', '--help']],
  ["import 'bulkpipe'", ['--input-type=module', '-e', `await import(${JSON.stringify(index)})`]],
];

const times = new Map<string, number[]>(commands.map(([name]) => [name, []]));
for (let round = 0; round < rounds; round++) {
  for (const [name, args] of commands) {
    const started = performance.now();
    const run = spawnSync(process.execPath, args, { stdio: ['ignore', 'ignore', 'pipe'] });
    if (run.status !== 0) throw new Error(`${name} failed: ${run.stderr.toString()}`);
    times.get(name)?.push(performance.now() - started);
  }
}
const median = (values: readonly number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] as number;
const base = median(times.get('node -e 0') ?? []);
console.log(`# Start-up (${environment()}), median of ${rounds} interleaved runs\n`);
console.log(
  table(
    ['command', 'median ms', 'min ms', 'vs node -e 0'],
    commands.map(([name]) => {
      const t = times.get(name) ?? [];
      return [name, fmt(median(t)), fmt(Math.min(...t)), fmt(median(t) / base, 2)];
    }),
  ),
);
