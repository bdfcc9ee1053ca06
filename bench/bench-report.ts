/**
 * A benchmark's figures for people: a table for the terminal, and one self-contained HTML file
 * (inline SVG charts, no script, no network: it opens offline and prints) with records over time per
 * run, the batch latencies, and the sweep as a grouped bar chart.
 */
import type { BenchReport, BenchRun, BenchSettings } from './bench-load.js';
import { barChart, escapeHtml, lineChart } from './svg-charts.js';

/** A combination's short name: `10000 x4 CSV gzip serial`. */
export function settingsLabel(s: BenchSettings): string {
  return [s.bulkApi === 2 ? 'v2' : '', `${s.batchSize}`, `x${s.concurrency}`, s.contentType, s.gzip ? 'gzip' : '', s.serial ? 'serial' : ''].filter(Boolean).join(' ');
}

/** One line per run, aligned columns. */
export function benchTable(report: BenchReport): string {
  const head = [
    'api',
    'batch',
    'conc',
    'type',
    'gzip',
    'serial',
    'run',
    'records',
    'seconds',
    'rec/s',
    'MB/s',
    'cpu s',
    'rss MB',
    'upload p95 ms',
    'org p95 ms',
    'requests',
    'bulk batches',
    'failed',
  ];
  const rows = report.runs.map((r) =>
    [
      r.settings.bulkApi ?? 1,
      r.settings.batchSize,
      r.settings.concurrency,
      r.settings.contentType,
      r.settings.gzip ? 'on' : 'off',
      r.settings.serial ? 'yes' : 'no',
      r.run,
      r.records,
      r.seconds.toFixed(2),
      r.recordsPerSecond,
      r.megabytesPerSecond.toFixed(2),
      r.cpuSeconds.toFixed(2),
      r.peakRssMb.toFixed(0),
      r.batchLatencyMs.upload.p95.toFixed(0),
      (r.batchLatencyMs.queued.p95 + r.batchLatencyMs.processing.p95).toFixed(0),
      r.apiRequests,
      r.budget.batches,
      r.failed,
    ].map(String),
  );
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] as string).length)));
  const line = (cells: string[]) => cells.map((c, i) => (i < 6 ? c.padEnd(widths[i] as number) : c.padStart(widths[i] as number))).join('  ');
  return [line(head), ...rows.map(line)].join('\n');
}

const runLabel = (r: BenchRun) => `${settingsLabel(r.settings)} #${r.run}`;

/** The whole report as one HTML document. */
export function renderBenchReport(report: BenchReport, table = benchTable(report)): string {
  const combos = new Map<string, BenchRun[]>();
  for (const r of report.runs) combos.set(settingsLabel(r.settings), [...(combos.get(settingsLabel(r.settings)) ?? []), r]);
  const most = Math.max(1, ...[...combos.values()].map((rs) => rs.length));
  const sweep = barChart(
    'Sweep: records/s of each run, by settings (batch size, concurrency, content type, gzip, serial)',
    [...combos].map(([label, rs]) => ({ label, values: rs.map((r) => r.recordsPerSecond) })),
    Array.from({ length: most }, (_, i) => `run ${i + 1}`),
    'records / s',
  );
  const timeline = lineChart(
    'Records written over time, per run',
    report.runs.map((r) => ({ label: runLabel(r), points: r.timeline })),
    'seconds',
    'records written',
  );
  const latency = barChart(
    'Batch latency per run (ms): upload, queued, processing (p50 and p95)',
    report.runs.map((r) => ({
      label: runLabel(r),
      values: [
        r.batchLatencyMs.upload.p50,
        r.batchLatencyMs.upload.p95,
        r.batchLatencyMs.queued.p50,
        r.batchLatencyMs.queued.p95,
        r.batchLatencyMs.processing.p50,
        r.batchLatencyMs.processing.p95,
      ],
    })),
    ['upload p50', 'upload p95', 'queued p50', 'queued p95', 'processing p50', 'processing p95'],
    'milliseconds',
  );
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>bulkpipe bench: ${escapeHtml(report.object)}</title>
<style>body{font:14px system-ui,sans-serif;margin:24px;color:#222}figure{margin:24px 0}figcaption{font-weight:600;margin-bottom:6px}
pre{background:#f6f6f6;padding:12px;overflow:auto}.legend span{margin-right:14px;white-space:nowrap}.legend i{display:inline-block;width:10px;height:10px;margin-right:4px}</style>
</head><body>
<h1>bulkpipe bench: ${escapeHtml(report.operation)} into ${escapeHtml(report.object)}</h1>
<p>${report.runs.length} runs of ${escapeHtml(report.input)}, started ${escapeHtml(report.startedAt)}, Node ${escapeHtml(report.node)}.</p>
${sweep}
${timeline}
${latency}
<h2>Every run</h2>
<pre>${escapeHtml(table)}</pre>
</body></html>
`;
}
