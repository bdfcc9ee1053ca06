/**
 * The local org's Bulk API 2.0 ingest rate beside its Bulk API v1 rate, on the same records: N
 * narrow Account records (10 fields, benchmarks/_util/data.ts) inserted into a fresh org process
 * (a WAL file) per run. v1: a job of 10,000-record CSV batches, 4 uploads at a time. v2: one ingest
 * job per 500,000 records (about 65 MB, under the 100 MB upload limit), each CSV in one PUT. Timed
 * from the job's creation to the last record processed (polled every 50 ms), and the part of it
 * until the last upload was answered (v1 processes batches while others upload); the server's CPU
 * seconds and peak RSS are read from /proc (Linux), so the client's own work is not counted.
 * The runs alternate (v1, v2, v1, ...) so that both see the same machine. Figures are printed, never asserted.
 * Usage: node --import tsx benchmarks/server-v2-ingest.bench.ts [records=500000] [rounds=2]
 */
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { request } from 'undici';
import { startOrgProcess, type OrgProcess } from '../bin/org-process.js';
import { BulkClient } from '../lib/http/client.js';
import { csvBatch } from './_util/data.js';
import { sessionOf, uploadBatches } from './_util/org-session.js';
import { environment, fmt, table } from './_util/run.js';

const total = Number(process.argv[2] ?? 500_000);
const rounds = Number(process.argv[3] ?? 2);
const BATCH = 10_000;
const V2_JOB_RECORDS = 500_000;
const API = '62.0';

/** The same records for both APIs, made before any timing: one 10,000-record CSV body per v1 batch. */
const batches = Array.from({ length: Math.ceil(total / BATCH) }, (_, b) => Buffer.from(csvBatch(b * BATCH, Math.min(BATCH, total - b * BATCH))));

/** Records processed, and when the last upload was answered (performance.now()). */
interface Loaded {
  readonly processed: number;
  readonly uploaded: number;
}

/** The server's CPU seconds (user + system, from /proc/PID/stat) and peak RSS in MB (VmHWM). */
function serverUsage(pid: number): { cpu: number; peakRssMb: number } {
  // Fields after the command name (which may hold spaces): utime and stime are the 12th and 13th, in clock ticks (100/s).
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
  const hwm = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
  return { cpu: (Number(fields[11]) + Number(fields[12])) / 100, peakRssMb: Number(hwm) / 1024 };
}

/** Bulk API v1: one job, every batch uploaded (4 at a time), until every batch is Completed. */
async function loadV1(org: OrgProcess): Promise<Loaded> {
  const client = await BulkClient.login({ loginUrl: org.loginUrl, username: org.username, password: org.password, apiVersion: API });
  try {
    const job = await client.createJob({ operation: 'insert', object: 'Account', contentType: 'CSV' });
    await uploadBatches(client, job.id, batches);
    const uploaded = performance.now();
    await client.closeJob(job.id);
    for (;;) {
      const info = await client.getJob(job.id);
      if (info.numberBatchesCompleted + info.numberBatchesFailed === batches.length) {
        if (info.numberRecordsFailed !== 0 || info.numberBatchesFailed !== 0) throw new Error(`v1: unexpected job state: ${JSON.stringify(info)}`);
        return { processed: info.numberRecordsProcessed, uploaded };
      }
      await sleep(50);
    }
  } finally {
    await client.close();
  }
}

/** Bulk API 2.0: one ingest job per V2_JOB_RECORDS, each uploaded in one PUT (one header) and closed, until all are JobComplete. */
async function loadV2(org: OrgProcess): Promise<Loaded> {
  const base = `${new URL(org.loginUrl).origin}/services/data/v${API}/jobs/ingest`;
  const auth = { authorization: `Bearer ${await sessionOf(org)}` };
  const call = async (method: 'GET' | 'POST' | 'PATCH', url: string, body?: unknown) => {
    const res = await request(url, { method, headers: { ...auth, 'content-type': 'application/json; charset=utf-8' }, ...(body ? { body: JSON.stringify(body) } : {}) });
    const text = await res.body.text();
    if (res.statusCode >= 300) throw new Error(`v2: ${method} ${url}: ${res.statusCode} ${text}`);
    return JSON.parse(text) as { id: string; state: string; numberRecordsProcessed?: number; numberRecordsFailed?: number; errorMessage?: string };
  };
  const perJob = V2_JOB_RECORDS / BATCH;
  const ids: string[] = [];
  for (let first = 0; first < batches.length; first += perJob) {
    const job = await call('POST', base, { object: 'Account', operation: 'insert', contentType: 'CSV', lineEnding: 'LF' });
    // Every batch body after the job's first without its header line: one CSV file, streamed.
    const parts = batches.slice(first, first + perJob).map((body, i) => (i === 0 ? body : body.subarray(body.indexOf(10) + 1)));
    const put = await request(`${base}/${job.id}/batches`, { method: 'PUT', headers: { ...auth, 'content-type': 'text/csv' }, body: Readable.from(parts) });
    await put.body.dump();
    if (put.statusCode !== 201) throw new Error(`v2: PUT ${job.id}: ${put.statusCode}`);
    await call('PATCH', `${base}/${job.id}`, { state: 'UploadComplete' });
    ids.push(job.id);
  }
  const uploaded = performance.now();
  let processed = 0;
  for (const id of ids) {
    for (;;) {
      const info = await call('GET', `${base}/${id}`);
      if (info.state === 'Failed' || info.state === 'Aborted' || (info.state === 'JobComplete' && info.numberRecordsFailed !== 0))
        throw new Error(`v2: unexpected job state: ${JSON.stringify(info)}`);
      if (info.state === 'JobComplete') {
        processed += info.numberRecordsProcessed ?? 0;
        break;
      }
      await sleep(50);
    }
  }
  return { processed, uploaded };
}

const dir = await mkdtemp(join(tmpdir(), 'bulkpipe-v2-ingest-'));
const rows: Array<Array<string | number>> = [];
const rates: Record<'v1' | 'v2', number[]> = { v1: [], v2: [] };
try {
  for (let round = 1; round <= rounds; round++) {
    for (const [api, load] of [
      ['v1', loadV1],
      ['v2', loadV2],
    ] as const) {
      const db = join(dir, `${api}-${round}.db`);
      const org = await startOrgProcess(db, 0, 'ignore');
      try {
        const before = serverUsage(org.pid);
        const started = performance.now();
        const { processed, uploaded } = await load(org);
        const seconds = (performance.now() - started) / 1000;
        const after = serverUsage(org.pid);
        if (processed !== total) throw new Error(`${api}: ${processed} records processed of ${total}`);
        const cpu = after.cpu - before.cpu;
        rates[api].push(processed / seconds);
        rows.push([
          api,
          round,
          fmt(processed),
          fmt(seconds, 2),
          fmt((uploaded - started) / 1000, 2),
          fmt(processed / seconds),
          fmt(cpu, 2),
          fmt((cpu * 1e6) / processed, 1),
          fmt(after.peakRssMb),
        ]);
      } finally {
        await org.stop();
        for (const suffix of ['', '-wal', '-shm']) await rm(`${db}${suffix}`, { force: true });
      }
    }
  }
} finally {
  await rm(dir, { recursive: true, force: true });
}

const median = (xs: readonly number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;
console.log(`# Local org ingest: Bulk API 2.0 beside v1, same records (${environment()})\n`);
console.log(table(['API', 'round', 'records', 'seconds', 'of which uploading', 'records/s', 'server CPU s', 'server CPU µs/record', 'server peak RSS MB'], rows));
console.log(`\nv2 / v1 records/s (medians): ${fmt(median(rates.v2) / median(rates.v1), 2)}`);
