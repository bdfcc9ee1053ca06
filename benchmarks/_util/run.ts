/** Shared helpers of the benchmarks: timing, peak memory sampling, and a markdown table. */
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
