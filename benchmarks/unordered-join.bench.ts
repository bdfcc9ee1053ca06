/**
 * The Bulk API 2.0 join (lib/join/unordered-results.ts) on a generated job of about 100 MB: time,
 * rows/s and peak memory (RSS, heap, ArrayBuffers) while orderResults joins the org's three result
 * files, shuffled as the local org shuffles them (result-order.ts's stride permutation), to the job's
 * payloads. 1 in 1,000 rows repeats the row before it; 1 in 100 results echoes its amount
 * re-serialized (`9.12260031E8`), so that the normalized pass runs too. No network.
 * Usage: node --expose-gc --import tsx benchmarks/unordered-join.bench.ts [rows=1000000] [rowsPerSegment=10000] [partitionRows] [shape=wide|ids]
 * (`ids`: a delete job's one Id column, about 19 bytes a row, 5 million rows to 100 MB)
 * Before/after: BULKPIPE_BENCH_BEFORE=<another build's dist-bench/benchmarks/unordered-join.bench.js>
 * BULKPIPE_BENCH_ROUNDS=N joins the same files N times with each build, interleaved.
 */
import { spawnSync } from 'node:child_process';
import { mkdir, mkdtemp, open, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { type JobSegmentPayload, orderResults } from '../lib/join/unordered-results.js';
import { environment, fmt, table } from './_util/run.js';

const joining = process.argv[2] === '--join';
const rows = joining ? 0 : Number(process.argv[2] ?? 1_000_000);
const perSegment = joining ? 0 : Number(process.argv[3] ?? 10_000);
const partitionRows = process.argv[joining ? 5 : 4] || undefined;
const narrow = !joining && process.argv[5] === 'ids';
const dir = joining ? (process.argv[4] as string) : await mkdtemp(join(tmpdir(), 'bulkpipe-join2-bench-'));
const header = narrow ? ['Id'] : ['Ext__c', 'Name', 'Description', 'AnnualRevenue', 'Active__c', 'Since__c'];

/** Row i's values; a row repeats the one before it every 1,000 rows (identical rows: one record). */
function values(i: number): string[] {
  const k = i % 1000 === 999 ? i - 1 : i;
  if (narrow) return [`001${k.toString(36).padStart(12, '0')}AAA`];
  return [
    `EXT-${k}`,
    `Company ${k % 50_000}, Inc.`,
    `Account number ${k} with a "quoted" note, some text to fill`,
    String(100_000 + k * 7),
    k % 2 ? 'true' : 'false',
    '2024-01-05',
  ];
}
const plain = (v: string) => (/[",\n]/.test(v) ? `"${v.replaceAll('"', '""')}"` : v);
const quoted = (v: string) => `"${v.replaceAll('"', '""')}"`;

/** A file written in 1 MiB pieces. */
async function writeLines(path: string, lines: Iterable<string>): Promise<number> {
  const file = await open(path, 'w');
  let piece = '';
  let bytes = 0;
  for (const line of lines) {
    piece += line;
    if (piece.length > 1 << 20) {
      bytes += (await file.write(piece)).bytesWritten;
      piece = '';
    }
  }
  bytes += (await file.write(piece)).bytesWritten;
  await file.close();
  return bytes;
}

/** The local org's served order: k -> (k × stride + ⌊n/2⌋) mod n (server/v2/result-order.ts). */
function* permuted(n: number): Generator<number> {
  const stride = n % 7919 === 0 ? 7907 : 7919;
  for (let k = 0; k < n; k++) yield (k * stride + Math.floor(n / 2)) % n;
}

async function generate(): Promise<{ segments: JobSegmentPayload[]; payloadBytes: number; resultBytes: number }> {
  const segments: JobSegmentPayload[] = [];
  let payloadBytes = 0;
  for (let first = 0, seq = 0; first < rows; first += perSegment, seq++) {
    const count = Math.min(perSegment, rows - first);
    const path = join(dir, `payload-${seq}.csv`);
    payloadBytes += await writeLines(
      path,
      (function* () {
        yield `${header.join(',')}\n`;
        for (let i = first; i < first + count; i++) yield `${values(i).map(plain).join(',')}\n`;
      })(),
    );
    segments.push({ seq, path, records: count });
  }
  const kindOf = (i: number) => (i % 50 === 7 ? 'failed' : i % 50 === 11 ? 'unprocessed' : 'successful');
  let resultBytes = 0;
  for (const kind of ['successful', 'failed', 'unprocessed'] as const) {
    const head = kind === 'successful' ? '"sf__Id","sf__Created",' : kind === 'failed' ? '"sf__Id","sf__Error",' : '';
    resultBytes += await writeLines(
      join(dir, `${kind}.csv`),
      (function* () {
        yield `${head}${header.join(',')}\n`;
        for (const i of permuted(rows)) {
          if (kindOf(i) !== kind) continue;
          const v = values(i);
          if (i % 100 === 3 && !narrow) v[3] = Number(v[3]).toExponential().replace('e+', 'E'); // re-serialized: 1.07E5
          const echoed = v.map(quoted).join(',');
          const id = `001${String(i).padStart(12, '0')}AAA`;
          if (kind === 'successful') yield `"${id}","true",${echoed}\n`;
          else if (kind === 'failed') yield `"","REQUIRED_FIELD_MISSING:Required fields are missing: [Name]:Name --",${echoed}\n`;
          else yield `${echoed}\n`;
        }
      })(),
    );
  }
  return { segments, payloadBytes, resultBytes };
}

/**
 * The join runs in a child process of its own, so that its peak RSS is the join's, not the
 * generator's strings (nor tsx's compile of this file's other half: both halves pay that alike).
 */
async function measureJoin(segments: JobSegmentPayload[]): Promise<void> {
  const out = join(dir, 'out');
  const spill = join(dir, 'spill');
  await mkdir(out);
  await mkdir(spill);
  globalThis.gc?.();
  const before = process.memoryUsage();
  let peak = { rss: 0, heapUsed: 0, arrayBuffers: 0 };
  const sample = () => {
    const m = process.memoryUsage();
    peak = { rss: Math.max(peak.rss, m.rss), heapUsed: Math.max(peak.heapUsed, m.heapUsed), arrayBuffers: Math.max(peak.arrayBuffers, m.arrayBuffers) };
  };
  const timer = setInterval(sample, 10);
  const started = performance.now();
  const cpu = process.cpuUsage();
  const outcome = await orderResults({
    jobId: '750000000000001AAA',
    segments,
    results: { successful: join(dir, 'successful.csv'), failed: join(dir, 'failed.csv'), unprocessed: join(dir, 'unprocessed.csv') },
    outputPath: (seq) => join(out, `${seq}.csv`),
    notProcessed: 'BULKPIPE_NOT_PROCESSED:never reached the org:--',
    tmpDir: spill,
    ...(partitionRows && { partitionRows: Number(partitionRows) }),
  });
  const seconds = (performance.now() - started) / 1000;
  const used = process.cpuUsage(cpu);
  clearInterval(timer);
  sample();
  if (!outcome.ok) throw new Error(`the join failed: ${outcome.reason}`);
  let outBytes = 0;
  for (const f of await readdir(out)) outBytes += (await stat(join(out, f))).size;
  const payloadBytes = (await Promise.all(segments.map((s) => stat(s.path)))).reduce((sum, s) => sum + s.size, 0);
  process.stdout.write(
    `${JSON.stringify({ seconds, cpuSeconds: (used.user + used.system) / 1e6, peakRss: peak.rss, peakHeap: peak.heapUsed, peakArrayBuffers: peak.arrayBuffers, rssBefore: before.rss, outBytes, payloadBytes })}\n`,
  );
}

const mb = (b: number) => fmt(b / 2 ** 20, 1);
if (joining) {
  await measureJoin(JSON.parse(process.argv[3] as string) as JobSegmentPayload[]);
} else {
  try {
    const { segments, payloadBytes, resultBytes } = await generate();
    /** The join in a child process, by this script or another build's (BULKPIPE_BENCH_BEFORE: its compiled unordered-join.bench.js). */
    const joinOnce = async (script: string): Promise<Record<string, number>> => {
      for (const sub of ['out', 'spill']) await rm(join(dir, sub), { recursive: true, force: true });
      const child = spawnSync(process.execPath, [...process.execArgv, script, '--join', JSON.stringify(segments), dir, ...(partitionRows ? [partitionRows] : [])], {
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'inherit'],
        maxBuffer: 1 << 20,
      });
      if (child.status !== 0) throw new Error(`the join process failed (${child.status})`);
      return JSON.parse(child.stdout.trim().split('\n').at(-1) as string) as Record<string, number>;
    };
    const before = process.env.BULKPIPE_BENCH_BEFORE;
    const rounds = Number(process.env.BULKPIPE_BENCH_ROUNDS ?? 1);
    const runs: Array<[string, Record<string, number>]> = [];
    for (let round = 0; round < rounds; round++) {
      if (before) runs.push(['before', await joinOnce(before)]);
      runs.push([before ? 'this build' : '', await joinOnce(process.argv[1] as string)]);
    }
    const m0 = (runs[0] as [string, Record<string, number>])[1];
    console.log(
      `Bulk API 2.0 join, ${environment()}: ${fmt(rows)} rows in ${segments.length} segments; payloads ${mb(payloadBytes)} MiB, result files ${mb(resultBytes)} MiB, outputs ${mb(m0.outBytes as number)} MiB${before ? `; ${rounds} rounds, before and this build interleaved` : ''}\n`,
    );
    console.log(
      table(
        [...(before ? ['build'] : []), 'rows', 'seconds', 'CPU s', 'rows/s', 'payload MiB/s', 'peak RSS MiB', 'peak heap MiB', 'peak ArrayBuffers MiB', 'RSS at start MiB'],
        runs.map(([build, m]) => {
          const n = (k: string) => m[k] as number;
          return [
            ...(before ? [build] : []),
            fmt(rows),
            fmt(n('seconds'), 2),
            fmt(n('cpuSeconds'), 2),
            fmt(rows / n('seconds')),
            fmt(payloadBytes / 2 ** 20 / n('seconds'), 1),
            mb(n('peakRss')),
            mb(n('peakHeap')),
            mb(n('peakArrayBuffers')),
            mb(n('rssBefore')),
          ];
        }),
      ),
    );
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
