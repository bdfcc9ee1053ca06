/**
 * Extraction: N rows loaded into the local org (running in another process, on a WAL file), then
 * read back with bulkQuery into a counting sink: raw CSV in one batch; with PK chunking, one download
 * at a time and three at once (the default); and typed NDJSON (a JSON job) with PK chunking.
 * Prints rows/s and this process's peak RSS: memory must stay flat whatever the result size.
 * Usage: node --import tsx benchmarks/query.bench.ts [rows=5000000] [chunkSize=250000]
 * (compiled, without the tsx loader: npm run build:bench; node dist-bench/benchmarks/query.bench.js)
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { BulkClient } from '../lib/http/client.js';
import { bulkQuery, type QueryOutput } from '../pipelines/bulk-query.js';
import { startOrgProcess } from '../bin/org-process.js';
import { environment, fmt, measure, table } from './_util/run.js';
import { seedAccounts } from './_util/seed-accounts.js';

const total = Number(process.argv[2] ?? 5_000_000);
const chunkSize = Number(process.argv[3] ?? 250_000);
const dir = await mkdtemp(join(tmpdir(), 'bulkpipe-query-bench-'));
const server = await startOrgProcess(join(dir, 'org.db'));

const rows: Array<Array<string | number>> = [];
try {
  const client = await BulkClient.login({ loginUrl: server.loginUrl, username: server.username, password: server.password, apiVersion: '47.0' });
  await seedAccounts(client, total);
  const cases: Array<{ name: string; pk: boolean; concurrency: number; format: QueryOutput }> = [
    { name: 'CSV, one batch', pk: false, concurrency: 1, format: 'csv' },
    { name: `CSV, PK chunking (${fmt(chunkSize)}), 1 download at a time`, pk: true, concurrency: 1, format: 'csv' },
    { name: `CSV, PK chunking (${fmt(chunkSize)}), 3 downloads at once`, pk: true, concurrency: 3, format: 'csv' },
    { name: `typed NDJSON (JSON job), PK chunking (${fmt(chunkSize)}), 3 at once`, pk: true, concurrency: 3, format: 'ndjson' },
  ];
  for (const c of cases) {
    let count = 0;
    let bytes = 0;
    const sample = await measure(() =>
      pipeline(
        bulkQuery({
          client,
          soql: 'SELECT Id, Name, AccountNumber, Site, Phone, BillingCity, NumberOfEmployees FROM Account',
          format: c.format,
          concurrency: c.concurrency,
          ...(c.pk ? { pkChunking: { chunkSize } } : {}),
          minPollIntervalMs: 200,
        }),
        new Writable({
          write(chunk: Buffer, _e, cb) {
            bytes += chunk.length;
            for (let i = chunk.indexOf(10); i >= 0; i = chunk.indexOf(10, i + 1)) count++;
            cb();
          },
        }),
      ),
    );
    const dataRows = c.format === 'csv' ? count - 1 : count; // CSV has a header line
    if (dataRows !== total) throw new Error(`${c.name}: expected ${total} rows, got ${dataRows}`);
    rows.push([c.name, fmt(dataRows), fmt(bytes / 1e6), fmt(sample.seconds, 1), fmt(dataRows / sample.seconds), fmt(sample.peakRssMb), fmt(sample.peakHeapMb)]);
  }
  await client.close();
} finally {
  await server.stop();
  await rm(dir, { recursive: true, force: true });
}

console.log(`# bulkQuery from the local org (${environment()})\n`);
console.log(table(['query', 'rows', 'MB', 'seconds', 'rows/s', 'peak RSS MB', 'peak heap MB'], rows));
