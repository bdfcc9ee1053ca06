/** A bench run with chosen figures (the rest plausible), for the report's and the headline's tests. */
import type { BenchRun, BenchSettings } from '../../bench/bench-load.js';

export interface RunFigures {
  readonly run?: number;
  readonly recordsPerSecond: number;
  readonly cpuSeconds?: number;
  readonly peakRssMb?: number;
  readonly rssAtStartMb?: number;
  readonly failed?: number;
  readonly records?: number;
}

export function benchRun(settings: Partial<BenchSettings>, figures: RunFigures): BenchRun {
  const s: BenchSettings = { batchSize: 10_000, concurrency: 4, contentType: 'CSV', gzip: false, serial: false, bulkApi: 1, ...settings };
  const records = figures.records ?? 20_000;
  const failed = figures.failed ?? 0;
  const seconds = records / figures.recordsPerSecond;
  const latency = {
    upload: { p50: 40, p95: 90, max: 120 },
    queued: { p50: 10, p95: 30, max: 50 },
    processing: { p50: 60, p95: 100, max: 140 },
    apiActive: { p50: 50, p95: 80, max: 90 },
  };
  const batches = Math.ceil(records / s.batchSize);
  return {
    settings: s,
    run: figures.run ?? 1,
    records,
    succeeded: records - failed,
    failed,
    batches,
    bytes: records * 225,
    seconds,
    recordsPerSecond: figures.recordsPerSecond,
    megabytesPerSecond: (records * 225) / 1e6 / seconds,
    cpuSeconds: figures.cpuSeconds ?? 0.3,
    peakRssMb: figures.peakRssMb ?? 110,
    rssAtStartMb: figures.rssAtStartMb ?? 60,
    stageSeconds: { cut: 0.1, upload: 0.5, org: 1.2, joinAndWrite: 0.2 },
    batchLatencyMs: latency,
    apiRequests: 29,
    budget: { requests: 27, batches, remaining: { DailyApiRequests: 14_000, DailyBulkApiBatches: 15_000 - batches } },
    timeline: [
      [seconds / 4, records / 5],
      [seconds / 2, (records * 3) / 5],
      [seconds, records],
    ],
    jobId: '7505g0000000001AAA',
  };
}
