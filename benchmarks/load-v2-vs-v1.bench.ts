/**
 * Bulk API 2.0 against v1 for the same load: one generated Account CSV (10 fields; default 1 GB)
 * inserted by the bulkpipe CLI with `--bulk-api 1` and with `--bulk-api 2`, each run into a fresh
 * local org in a process of its own (`bulkpipe server`) and under /usr/bin/time -v: records/s, the
 * client's CPU seconds (user + sys) and its peak RSS. The two take turns (the order alternating by
 * round), so that this machine's drift falls on both alike; medians per API, then the ratios.
 * Usage (compiled: the client must not pay for a TypeScript loader):
 *   npm run build:bench && node dist-bench/benchmarks/load-v2-vs-v1.bench.js [MB=1024] [rounds=2]
 * The size may come from BULKPIPE_BENCH_MB instead (e.g. 50 for a quick run); BULKPIPE_JOB_SIZE
 * passes `--job-size` to the 2.0 runs (default the CLI's).
 */
import { existsSync } from 'node:fs';
import { rm, stat } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { cliLoadArgs, cpu, median, ratePrinted, TURNS_HEADERS, takeTurns, timed, workspace, type Cost } from './_util/child-cost.js';
import { generate } from './_util/data.js';
import { environment, fmt, table } from './_util/run.js';

const megabytes = Number(process.argv[2] ?? process.env.BULKPIPE_BENCH_MB ?? 1024);
const rounds = Number(process.argv[3] ?? 2);
const jobSize = process.env.BULKPIPE_JOB_SIZE;
if (!(megabytes > 0) || !Number.isInteger(rounds) || rounds < 1) throw new Error('usage: load-v2-vs-v1.bench.js [MB=1024] [rounds=2]');
const CLI = fileURLToPath(new URL('../bin/bulkpipe.js', import.meta.url));
if (!existsSync(CLI)) throw new Error('run the compiled benchmark: npm run build:bench && node dist-bench/benchmarks/load-v2-vs-v1.bench.js');

const { dir, out, input } = await workspace('bulkpipe-v2-v1-');
try {
  const records = await generate(input, 'csv', megabytes * 2 ** 20);
  const bytes = (await stat(input)).size;
  const V1 = '--bulk-api 1';
  const V2 = '--bulk-api 2';
  const { runs, rows } = await takeTurns(
    dir,
    {
      [V1]: (org) => timed(cliLoadArgs(CLI, org, input, out, 'v1', ['--bulk-api', '1'])),
      [V2]: (org) => timed(cliLoadArgs(CLI, org, input, out, 'v2', ['--bulk-api', '2', ...(jobSize ? ['--job-size', jobSize] : [])])),
    },
    rounds,
    records,
  );
  const of = (name: string, figure: (cost: Cost) => number) => median((runs.get(name) ?? []).map(figure));
  for (const name of [V1, V2])
    rows.push([
      `${name}, median`,
      '',
      fmt(
        of(name, (c) => c.seconds),
        1,
      ),
      fmt(of(name, ratePrinted)),
      '',
      '',
      fmt(of(name, cpu), 2),
      fmt(of(name, (c) => c.peakRssMb)),
    ]);
  console.log(`# The bulkpipe CLI, Bulk API 2.0 against v1 (${environment()})\n`);
  console.log(`${fmt(bytes / 1e6)} MB, ${fmt(records)} Account records, ${rounds} round(s); 2.0 job size: ${jobSize ?? 'the CLI default'}\n`);
  console.log(table(TURNS_HEADERS, rows));
  console.log('');
  console.log(`records/s, 2.0 / v1: ${fmt(of(V2, ratePrinted) / of(V1, ratePrinted), 3)}`);
  console.log(`client CPU, 2.0 / v1: ${fmt(of(V2, cpu) / of(V1, cpu), 3)}`);
  console.log(`peak RSS, 2.0 / v1: ${fmt(of(V2, (c) => c.peakRssMb) / of(V1, (c) => c.peakRssMb), 3)}`);
} finally {
  await rm(dir, { recursive: true, force: true });
}
