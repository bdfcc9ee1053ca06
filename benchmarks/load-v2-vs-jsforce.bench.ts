/**
 * Bulk API 2.0 clients on the same file: 500,000 generated Account records (10 fields) inserted by
 * the bulkpipe CLI (`--bulk-api 2`, success and error files) and by jsforce 3's
 * `bulk2.loadAndWaitForResults` (the file as a stream, results as arrays, then written to two CSVs),
 * each in a process of its own under /usr/bin/time -v and into a fresh local org in another process:
 * records/s, the client's CPU seconds (user + sys), its peak RSS. The two take turns by round.
 * Usage (compiled: the clients must not pay for a TypeScript loader):
 *   npm run build:bench && node dist-bench/benchmarks/load-v2-vs-jsforce.bench.js [records=500000] [rounds=1]
 */
import { existsSync } from 'node:fs';
import { rm, stat } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { cliLoadArgs, cpu, median, ratePrinted, TURNS_HEADERS, takeTurns, timed, workspace, type Cost } from './_util/child-cost.js';
import { generateRecords } from './_util/data.js';
import { environment, fmt, table } from './_util/run.js';

const records = Number(process.argv[2] ?? 500_000);
const rounds = Number(process.argv[3] ?? 1);
if (!Number.isInteger(records) || records < 1 || !Number.isInteger(rounds) || rounds < 1) throw new Error('usage: load-v2-vs-jsforce.bench.js [records=500000] [rounds=1]');
const here = (path: string) => fileURLToPath(new URL(path, import.meta.url));
const CLI = here('../bin/bulkpipe.js');
const JSFORCE3 = here('./_util/jsforce3-bulk2-client.js');
if (!existsSync(JSFORCE3)) throw new Error('run the compiled benchmark: npm run build:bench && node dist-bench/benchmarks/load-v2-vs-jsforce.bench.js');

const { dir, out, input } = await workspace('bulkpipe-v2-jsforce-');
try {
  await generateRecords(input, 'csv', records);
  const bytes = (await stat(input)).size;
  const OURS = 'bulkpipe CLI --bulk-api 2';
  const THEIRS = 'jsforce 3 bulk2.loadAndWaitForResults';
  const { runs, rows } = await takeTurns(
    dir,
    {
      [OURS]: (org) => timed(cliLoadArgs(CLI, org, input, out, 'bulkpipe', ['--bulk-api', '2'])),
      [THEIRS]: (org) => timed([JSFORCE3, org.loginUrl, org.username, org.password, input, out]),
    },
    rounds,
    records,
  );
  const of = (name: string, figure: (cost: Cost) => number) => median((runs.get(name) ?? []).map(figure));
  console.log(`# Bulk API 2.0 clients on one file (${environment()})\n`);
  console.log(`${fmt(bytes / 1e6)} MB, ${fmt(records)} Account records, ${rounds} round(s)\n`);
  console.log(table(TURNS_HEADERS, rows));
  console.log('');
  console.log(`records/s, bulkpipe / jsforce 3: ${fmt(of(OURS, ratePrinted) / of(THEIRS, ratePrinted), 3)}`);
  console.log(`client CPU, bulkpipe / jsforce 3: ${fmt(of(OURS, cpu) / of(THEIRS, cpu), 3)}`);
  console.log(`peak RSS, bulkpipe / jsforce 3: ${fmt(of(OURS, (c) => c.peakRssMb) / of(THEIRS, (c) => c.peakRssMb), 3)}`);
} finally {
  await rm(dir, { recursive: true, force: true });
}
