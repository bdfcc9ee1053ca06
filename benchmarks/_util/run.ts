/** Shared helpers of the benchmarks: timing, peak memory sampling, and a markdown table. */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';

export interface Sample {
  readonly seconds: number;
  readonly peakRssMb: number;
  readonly peakHeapMb: number;
}

/** Runs `fn`, sampling RSS and heap every 20 ms. */
export async function measure(fn: () => Promise<void>): Promise<Sample> {
  let peakRss = 0;
  let peakHeap = 0;
  const sample = () => {
    const m = process.memoryUsage();
    peakRss = Math.max(peakRss, m.rss);
    peakHeap = Math.max(peakHeap, m.heapUsed);
  };
  const timer = setInterval(sample, 20);
  const started = performance.now();
  try {
    await fn();
  } finally {
    clearInterval(timer);
    sample();
  }
  return { seconds: (performance.now() - started) / 1000, peakRssMb: peakRss / 2 ** 20, peakHeapMb: peakHeap / 2 ** 20 };
}

export function table(headers: readonly string[], rows: ReadonlyArray<readonly (string | number)[]>): string {
  const line = (cells: readonly (string | number)[]) => `| ${cells.join(' | ')} |`;
  return [line(headers), line(headers.map(() => '---')), ...rows.map(line)].join('\n');
}

export const fmt = (n: number, digits = 0) => n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });

export function environment(): string {
  return `Node ${process.version}, ${process.platform}/${process.arch}`;
}

/**
 * The builds a before/after benchmark compares, by name, as dist-bench folders: `after` (this one) and,
 * when BULKPIPE_BEFORE names another build's folder, `before`, refused when it lacks `probe` (a path
 * inside it: the module the benchmark takes from each).
 */
export function afterAndBefore(afterRoot: string, probe: string): Record<string, string> {
  const builds: Record<string, string> = { after: afterRoot };
  const before = process.env.BULKPIPE_BEFORE;
  if (before) {
    if (!existsSync(join(before, probe))) throw new Error(`BULKPIPE_BEFORE: no ${probe} in ${before}`);
    builds.before = before;
  }
  return builds;
}

/** Runs each shape on each build once a round, the builds' order reversed every other round, so that the machine's drift falls on all alike. */
export async function inTurns<S>(rounds: number, shapes: readonly S[], builds: readonly string[], run: (shape: S, build: string) => Promise<void>): Promise<void> {
  for (let round = 0; round < rounds; round++) {
    for (const shape of shapes) for (const build of round % 2 === 0 ? builds : [...builds].reverse()) await run(shape, build);
  }
}
