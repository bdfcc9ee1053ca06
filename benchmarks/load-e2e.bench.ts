/**
 * End to end: a CSV file inserted with bulkLoad into the local org running in another process (so
 * that this process's RSS is the pipeline's alone). Runs a small file and a large one and prints
 * records/s and peak RSS for each, and the ratio of the peaks: memory must not grow with the input.
 * Usage: node --import tsx benchmarks/load-e2e.bench.ts [smallMB=100] [largeMB=1024] [joinAhead=1]
 * Without the tsx loader in the measured process: npm run build:bench, then
 * node dist-bench/benchmarks/load-e2e.bench.js [smallMB] [largeMB]
 */
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BulkClient } from '../lib/http/client.js';
import { bulkLoad } from '../pipelines/bulk-load.js';
import { generate } from './_util/data.js';
import { startOrgProcess } from '../bin/org-process.js';
import { environment, fmt, measure, table } from './_util/run.js';

const sizes = [Number(process.argv[2] ?? 100), Number(process.argv[3] ?? 1024)];
const joinAhead = Number(process.argv[4] ?? 1);
const dir = await mkdtemp(join(tmpdir(), 'bulkpipe-e2e-'));
const server = await startOrgProcess(join(dir, 'org.db'));

const rows: Array<Array<string | number>> = [];
const peaks: number[] = [];
try {
  const client = await BulkClient.login({ loginUrl: server.loginUrl, username: server.username, password: server.password, apiVersion: '47.0' });
  for (const mb of sizes) {
    const input = join(dir, `accounts-${mb}.csv`);
    const records = await generate(input, 'csv', mb * 1024 * 1024);
    const bytes = (await stat(input)).size;
    let summary: Awaited<ReturnType<typeof bulkLoad>> | undefined;
    const sample = await measure(async () => {
      summary = await bulkLoad({
        client,
        input,
        format: 'csv',
        object: 'Account',
        operation: 'insert',
        errorPath: join(dir, 'errors.csv'),
        successPath: join(dir, 'success.csv'),
        concurrency: 4,
        joinAhead,
        minPollIntervalMs: 200,
      });
    });
    if (!summary || summary.recordsSucceeded !== records) throw new Error(`expected ${records} successes, got ${JSON.stringify(summary)}`);
    peaks.push(sample.peakRssMb);
    rows.push([
      fmt(bytes / 1e6),
      fmt(records),
      summary.batches,
      fmt(sample.seconds, 1),
      fmt(records / sample.seconds),
      fmt(bytes / 1e6 / sample.seconds, 1),
      fmt(sample.peakRssMb),
      fmt(sample.peakHeapMb),
    ]);
    await rm(input);
  }
  await client.close();
} finally {
  await server.stop();
  await rm(dir, { recursive: true, force: true });
}

console.log(`# bulkLoad end to end into the local org (${environment()})\n`);
console.log(table(['input MB', 'records', 'batches', 'seconds', 'records/s', 'MB/s', 'peak RSS MB', 'peak heap MB'], rows));
console.log(`\npeak RSS ratio (largest / smallest input): ${fmt((peaks[peaks.length - 1] ?? 0) / (peaks[0] ?? 1), 2)}`);
