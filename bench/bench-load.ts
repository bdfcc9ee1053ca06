/**
 * benchLoad: measures loads. For each combination of settings (batch size, concurrency, content
 * type, gzip, Serial or Parallel), each run N times, one bulkLoad of the same input, with what
 * happened at each stage: records/s and MB/s end to end, this process's CPU seconds and peak RSS,
 * the time each stage held the batches (cutting, uploading, in the org, joining and writing),
 * per-batch latencies (upload, queued, processing from BatchInfo's totalProcessingTime and
 * apiActiveProcessingTime) as p50/p95/max, the API requests used and the daily budget spent (Bulk
 * API batches), and records over time.
 * The org is the caller's (`open`, once per run, e.g. a fresh local org in a child process, so that
 * the CPU and memory measured are the client's alone); so is cleaning up what a run inserted.
 */
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import type { BulkClient } from '../lib/http/client.js';
import type { LoadOperation } from '../lib/load-types.js';
import type { PayloadType } from '../lib/records/serialize-record.js';
import { bulkLoad, type LoadBatchEvent, type LoadSummary } from '../pipelines/bulk-load.js';
import type { InputFormat } from '../transforms/record-parser.js';

/** One combination of a sweep. */
export interface BenchSettings {
  readonly batchSize: number;
  readonly concurrency: number;
  readonly contentType: PayloadType;
  readonly gzip: boolean;
  readonly serial: boolean;
  /** The Bulk API: 1, or 2 (2.0 ingest jobs: CSV, Parallel, uploads always gzip). */
  readonly bulkApi: 1 | 2;
}

/** The sweep's values; every combination is run. */
export interface BenchSweep {
  readonly batchSize: readonly number[];
  readonly concurrency: readonly number[];
  readonly contentType: readonly PayloadType[];
  readonly gzip: readonly boolean[];
  readonly serial: readonly boolean[];
  /** Default [1]. */
  readonly bulkApi?: readonly (1 | 2)[];
}

/** An org for one run: a client logged in with the run's gzip setting and the request counter, and how to let it go. */
export interface BenchOrg {
  readonly client: BulkClient;
  close(): Promise<void>;
}

export interface BenchLoadOptions {
  /** Opens the org of a run; `onRequest` must reach the client (BulkClientOptions.onRequest), `gzip` its gzipUploads. */
  readonly open: (run: { readonly gzip: boolean; readonly onRequest: () => void }) => Promise<BenchOrg>;
  readonly object: string;
  readonly operation?: LoadOperation;
  /** The input file, read again by every run. */
  readonly input: string;
  /** What the report calls the input; default its path. */
  readonly inputLabel?: string;
  readonly format: InputFormat;
  readonly settings: readonly BenchSettings[];
  /** Runs of each combination; default 1. */
  readonly runs?: number;
  /** Called after each run, with its figures. */
  readonly onRun?: (run: BenchRun) => void;
  /**
   * Removes what a run put in the org, before its org is closed (not timed): e.g. a hardDelete of
   * its success file's ids on a real org. A fresh local org per run needs none.
   */
  readonly cleanUp?: (run: { readonly client: BulkClient; readonly successPath: string; readonly summary: LoadSummary }) => Promise<void>;
  readonly signal?: AbortSignal;
}

/** p50, p95 and max of a set of milliseconds (0 when there are none). */
export interface Spread {
  readonly p50: number;
  readonly p95: number;
  readonly max: number;
}

export interface BenchRun {
  readonly settings: BenchSettings;
  /** 1-based run of this combination. */
  readonly run: number;
  readonly records: number;
  readonly succeeded: number;
  readonly failed: number;
  readonly batches: number;
  /** Input bytes. */
  readonly bytes: number;
  readonly seconds: number;
  readonly recordsPerSecond: number;
  readonly megabytesPerSecond: number;
  /**
   * This process's user + system CPU seconds during the run (process.cpuUsage() from its start to
   * its end): the client's cost when the org is another process, as `bulkpipe bench`'s local orgs are.
   */
  readonly cpuSeconds: number;
  /**
   * This process's highest resident set during the run, in MiB: the kernel's high-water mark
   * (process.resourceUsage().maxRSS) when the run raised it, else the highest of the RSS sampled
   * every 50 ms. The runs share the process, and memory it holds is seldom given back, so a run
   * starts from what the earlier ones left: `rssAtStartMb`.
   */
  readonly peakRssMb: number;
  /** This process's resident set when the run began, in MiB. */
  readonly rssAtStartMb: number;
  /** Seconds the batches spent at each stage, summed over batches (stages overlap: compare them, do not add them). */
  readonly stageSeconds: { readonly cut: number; readonly upload: number; readonly org: number; readonly joinAndWrite: number };
  readonly batchLatencyMs: { readonly upload: Spread; readonly queued: Spread; readonly processing: Spread; readonly apiActive: Spread };
  readonly apiRequests: number;
  /**
   * What the load spent of the org's daily limits, counted from its own work (LoadSummary.budget):
   * its requests (the load's only, where apiRequests counts the run's cleanup too), its Bulk API
   * batches (2.0: the org's internal batches of 10,000 records), and what the org had left after it.
   */
  readonly budget: LoadSummary['budget'];
  /** Records whose rows were written, over time: [seconds since the start, records]. */
  readonly timeline: ReadonlyArray<readonly [number, number]>;
  readonly jobId: string | null;
}

export interface BenchReport {
  readonly object: string;
  readonly operation: LoadOperation;
  readonly input: string;
  readonly runs: readonly BenchRun[];
  readonly node: string;
  readonly startedAt: string;
}

/**
 * Every combination of a sweep, in a stable order. Bulk API 2.0 takes CSV only, has no serial mode
 * and always gzips its uploads: its combinations are those, once each.
 */
export function sweepSettings(sweep: BenchSweep): BenchSettings[] {
  const out: BenchSettings[] = [];
  const seen = new Set<string>();
  for (const bulkApi of sweep.bulkApi ?? [1])
    for (const batchSize of sweep.batchSize)
      for (const concurrency of sweep.concurrency)
        for (const contentType of sweep.contentType)
          for (const gzip of sweep.gzip)
            for (const serial of sweep.serial) {
              const settings: BenchSettings =
                bulkApi === 2 ? { batchSize, concurrency, contentType: 'CSV', gzip: true, serial: false, bulkApi } : { batchSize, concurrency, contentType, gzip, serial, bulkApi };
              const key = JSON.stringify(settings);
              if (!seen.has(key)) out.push(settings);
              seen.add(key);
            }
  return out;
}

export async function benchLoad(options: BenchLoadOptions): Promise<BenchReport> {
  const runs = options.runs ?? 1;
  const operation = options.operation ?? 'insert';
  const bytes = (await stat(options.input)).size;
  const startedAt = new Date().toISOString();
  const results: BenchRun[] = [];
  for (const settings of options.settings) {
    for (let run = 1; run <= runs; run++) {
      options.signal?.throwIfAborted();
      const result = await measureRun(options, settings, run, operation, bytes);
      results.push(result);
      options.onRun?.(result);
    }
  }
  return { object: options.object, operation, input: options.inputLabel ?? options.input, runs: results, node: process.version, startedAt };
}

async function measureRun(options: BenchLoadOptions, settings: BenchSettings, run: number, operation: LoadOperation, bytes: number): Promise<BenchRun> {
  let requests = 0;
  const org = await options.open({ gzip: settings.gzip, onRequest: () => void requests++ });
  const dir = await mkdtemp(join(tmpdir(), 'bulkpipe-bench-'));
  const batches = new Map<number, { cut?: number; uploading?: number; submitted?: number; finished?: number; joined?: number; processing?: number; apiActive?: number }>();
  const timeline: Array<[number, number]> = [];
  const at = (seq: number) => {
    let b = batches.get(seq);
    if (!b) batches.set(seq, (b = {}));
    return b;
  };
  const rssAtStart = process.memoryUsage.rss();
  const maxRssBefore = process.resourceUsage().maxRSS;
  let peakRss = rssAtStart;
  // One number, whatever the run's length; unref'd so that it never holds the process open.
  const sampler = setInterval(() => {
    peakRss = Math.max(peakRss, process.memoryUsage.rss());
  }, 50).unref();
  const cpu = process.cpuUsage();
  const started = performance.now();
  let written = 0;
  const onBatch = (event: LoadBatchEvent) => {
    const now = performance.now();
    if (event.stage === 'joined') {
      at(event.seq).joined = now;
      return;
    }
    const b = at(event.batch.seq);
    b[event.stage] = now;
    if (event.stage === 'finished') {
      b.processing = event.info.totalProcessingTime ?? undefined;
      b.apiActive = event.info.apiActiveProcessingTime ?? undefined;
    }
  };
  let summary: LoadSummary;
  try {
    summary = await bulkLoad({
      client: org.client,
      object: options.object,
      operation,
      input: options.input,
      format: options.format,
      contentType: settings.contentType,
      batchSize: settings.batchSize,
      concurrency: settings.concurrency,
      serial: settings.serial,
      ...(settings.bulkApi === 2 ? { bulkApi: 2 as const } : {}),
      successPath: join(dir, 'success.csv'),
      errorPath: join(dir, 'errors.csv'),
      minPollIntervalMs: 50,
      maxPollIntervalMs: 1000,
      onBatch,
      onProgress: (p) => {
        if (p.recordsProcessed !== written) {
          written = p.recordsProcessed;
          timeline.push([round((performance.now() - started) / 1000, 3), written]);
        }
      },
      ...(options.signal ? { signal: options.signal } : {}),
    });
    clearInterval(sampler);
  } catch (err) {
    clearInterval(sampler);
    await org.close();
    await rm(dir, { recursive: true, force: true });
    throw err;
  }
  const seconds = (performance.now() - started) / 1000;
  const used = process.cpuUsage(cpu);
  peakRss = Math.max(peakRss, process.memoryUsage.rss());
  // maxRSS is exact but lifelong (KiB): it speaks for this run only when the run raised it.
  const maxRssAfter = process.resourceUsage().maxRSS;
  if (maxRssAfter > maxRssBefore) peakRss = Math.max(peakRss, maxRssAfter * 1024);
  try {
    await options.cleanUp?.({ client: org.client, successPath: join(dir, 'success.csv'), summary });
  } finally {
    await org.close();
    await rm(dir, { recursive: true, force: true });
  }
  const all = [...batches.values()];
  const span = (from: keyof (typeof all)[number], to: keyof (typeof all)[number]) =>
    all.flatMap((b) => (b[from] !== undefined && b[to] !== undefined ? [(b[to] as number) - (b[from] as number)] : []));
  const sum = (values: number[]) => round(values.reduce((a, v) => a + v, 0) / 1000, 3);
  const cuts = all.flatMap((b) => (b.cut !== undefined ? [b.cut] : [])).sort((a, b) => a - b);
  const queued = all.flatMap((b) => (b.submitted !== undefined && b.finished !== undefined ? [Math.max(0, b.finished - b.submitted - (b.processing ?? 0))] : []));
  return {
    settings,
    run,
    records: summary.recordsRead,
    succeeded: summary.recordsSucceeded,
    failed: summary.recordsFailed,
    batches: summary.batches,
    bytes,
    seconds: round(seconds, 3),
    recordsPerSecond: round(summary.recordsProcessed / seconds, 0),
    megabytesPerSecond: round(bytes / 1e6 / seconds, 2),
    cpuSeconds: round((used.user + used.system) / 1e6, 3),
    peakRssMb: round(peakRss / 1048576, 1),
    rssAtStartMb: round(rssAtStart / 1048576, 1),
    stageSeconds: {
      cut: cuts.length > 0 ? round(((cuts[cuts.length - 1] as number) - started) / 1000, 3) : 0,
      upload: sum(span('uploading', 'submitted')),
      org: sum(span('submitted', 'finished')),
      joinAndWrite: sum(span('finished', 'joined')),
    },
    batchLatencyMs: {
      upload: spread(span('uploading', 'submitted')),
      queued: spread(queued),
      processing: spread(all.flatMap((b) => (b.processing !== undefined ? [b.processing] : []))),
      apiActive: spread(all.flatMap((b) => (b.apiActive !== undefined ? [b.apiActive] : []))),
    },
    apiRequests: requests,
    budget: summary.budget,
    timeline,
    jobId: summary.jobId,
  };
}

/** p50 / p95 / max, nearest rank. */
export function spread(values: readonly number[]): Spread {
  if (values.length === 0) return { p50: 0, p95: 0, max: 0 };
  const sorted = [...values].sort((a, b) => a - b);
  const rank = (p: number) => sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1))] as number;
  return { p50: round(rank(0.5), 1), p95: round(rank(0.95), 1), max: round(sorted[sorted.length - 1] as number, 1) };
}

const round = (value: number, digits: number) => Number(value.toFixed(digits));
