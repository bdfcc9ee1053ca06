/**
 * The local org's insert rate: N narrow records (10 fields) loaded in 10,000-record CSV batches
 * through BulkClient on loopback, from the first upload to the last batch Completed.
 * Usage: node --import tsx benchmarks/server-insert.bench.ts [records=1000000] [parallelism=4] [db=:memory:]
 */
import { BulkClient } from '../lib/http/client.js';
import { startServer } from '../server/index.js';
import { environment, fmt, measure, table } from './_util/run.js';

const total = Number(process.argv[2] ?? 1_000_000);
const parallelism = Number(process.argv[3] ?? 4);
const dbPath = process.argv[4] ?? ':memory:';
const BATCH = 10_000;
const HEADER = 'Name,AccountNumber,Site,Phone,Website,NumberOfEmployees,AnnualRevenue,BillingCity,BillingCountry,Industry\n';

function batchBody(b: number): string {
  let out = HEADER;
  for (let i = 0; i < BATCH; i++) {
    const n = b * BATCH + i;
    out += `Account ${n},AN-${n},Site ${n % 97},555-${String(n % 10_000).padStart(4, '0')},https://example.com/${n},${n % 5000},${(n % 1000) * 1000.5},City ${n % 313},Country ${n % 41},Industry ${n % 17}\n`;
  }
  return out;
}

const org = await startServer({ parallelism, db: dbPath });
const client = await BulkClient.login({ ...org, apiVersion: '47.0' });
const batches = Math.ceil(total / BATCH);
const bodies = Array.from({ length: Math.min(batches, 8) }, (_, b) => Buffer.from(batchBody(b)));
let processed = 0;
const sample = await measure(async () => {
  const job = await client.createJob({ operation: 'insert', object: 'Account', contentType: 'CSV' });
  for (let b = 0; b < batches; b++) await client.addBatch(job.id, bodies[b % bodies.length] as Buffer);
  await client.closeJob(job.id);
  await org.whenIdle();
  const info = await client.getJob(job.id);
  processed = info.numberRecordsProcessed;
  if (info.numberRecordsFailed !== 0 || info.numberBatchesCompleted !== batches) throw new Error(`unexpected job state: ${JSON.stringify(info)}`);
});
await client.close();
await org.close();

console.log(`# Local org insert rate (${environment()})\n`);
console.log(
  table(
    ['records', 'batches', 'parallelism', 'store', 'seconds', 'records/s', 'peak RSS MB'],
    [[fmt(processed), batches, parallelism, dbPath === ':memory:' ? 'memory' : 'file (WAL)', fmt(sample.seconds, 2), fmt(processed / sample.seconds), fmt(sample.peakRssMb)]],
  ),
);
