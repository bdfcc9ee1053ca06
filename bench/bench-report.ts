/**
 * A benchmark's figures for people: a table for the terminal, and one self-contained HTML file
 * (inline SVG charts, no script, no network: it opens offline and prints): the best setting first,
 * then records/s, client CPU and peak RSS per setting (a bar per run), records over time per run,
 * and the batch latencies.
 */
import type { BenchReport, BenchRun, BenchSettings } from './bench-load.js';
import { bestSettingLine } from './best-setting.js';
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
const whole = (v: number) => Math.round(v).toLocaleString('en-US');
const figures = (v: number) => new Intl.NumberFormat('en-US', { minimumSignificantDigits: 3, maximumSignificantDigits: 3 }).format(v);

/** A chart of one figure per run: a group per setting, a bar per run. */
function perSetting(report: BenchReport, figure: (r: BenchRun) => number): { groups: { label: string; values: number[] }[]; series: string[] } {
  const combos = new Map<string, number[]>();
  for (const r of report.runs) combos.set(settingsLabel(r.settings), [...(combos.get(settingsLabel(r.settings)) ?? []), figure(r)]);
  const most = Math.max(1, ...[...combos.values()].map((vs) => vs.length));
  return { groups: [...combos].map(([label, values]) => ({ label, values })), series: Array.from({ length: most }, (_, i) => `run ${i + 1}`) };
}

/** `--batch-size 2000` and `CPU-s` each as one word, so that a narrow page never breaks them after a dash. */
const keptWhole = (html: string) => html.replace(/--[a-z-]+ [^\s,;:.)]+/g, (flag) => `<code>${flag}</code>`).replace(/CPU-s/g, '<span class="whole">CPU-s</span>');

/** The whole report as one HTML document: the best setting first, then the charts, then the table. */
export function renderBenchReport(report: BenchReport, table = benchTable(report)): string {
  const rate = perSetting(report, (r) => r.recordsPerSecond);
  const sweep = barChart(
    {
      id: 'rate',
      title: 'Records/s of each run, by setting (batch size, concurrency, content type, gzip, serial)',
      note: 'Records processed over the seconds from the start of the load to its last row written.',
    },
    rate.groups,
    rate.series,
    (v) => `${whole(v)} records/s`,
  );
  const cpu = perSetting(report, (r) => (r.records > 0 ? (r.cpuSeconds / r.records) * 100_000 : 0));
  const cpuChart = barChart(
    {
      id: 'cpu',
      title: 'Client CPU per 100,000 records, by setting',
      note: "The bulkpipe process's user + system CPU seconds during the run (process.cpuUsage()), per 100,000 records read. The org is not in it when it runs in a process of its own, as bench's local orgs do; the first run also pays for the process's warm-up (compiling the code it runs).",
    },
    cpu.groups,
    cpu.series,
    (v) => `${figures(v)} CPU-s`,
  );
  const rss = perSetting(report, (r) => r.peakRssMb);
  const start = perSetting(report, (r) => r.rssAtStartMb);
  const memory = barChart(
    {
      id: 'memory',
      title: 'Client peak memory (RSS, MiB), by setting',
      note: "The bulkpipe process's highest resident set during the run (the kernel's maxRSS, else sampled every 50 ms). The runs share one process, which seldom gives memory back: a run starts from what the earlier runs left (the figure after from).",
    },
    rss.groups,
    rss.series,
    (v, gi, bi) => `${whole(v)} MiB (from ${whole(start.groups[gi]?.values[bi] ?? 0)})`,
  );
  const timeline = lineChart(
    { id: 'timeline', title: 'Records written over time, per run' },
    report.runs.map((r) => ({ label: runLabel(r), points: r.timeline })),
    's',
    'records',
    whole,
  );
  const latency = barChart(
    {
      id: 'latency',
      title: 'Batch latency per run: upload, queued, processing (p50 and p95)',
      note: "Upload: the request's time; queued: from upload to the org's start; processing: the org's totalProcessingTime.",
    },
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
    (v) => `${whole(v)} ms`,
  );
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>bulkpipe bench: ${escapeHtml(report.object)}</title>
<style>body{font:14px system-ui,sans-serif;margin:24px;color:#222}figure{margin:28px 0}figcaption{font-weight:600;margin-bottom:4px}
.note{margin:0 0 10px;color:#444;font-size:13px}svg.chart{display:block;overflow:hidden}.best{font-size:16px;border-left:4px solid #666;background:#f4f4f4;padding:8px 12px}
pre{background:#f6f6f6;padding:12px;overflow:auto}.legend{list-style:none;padding:0;margin:8px 0}.legend li{display:inline-block;margin-right:14px;white-space:nowrap}.legend svg{margin-right:4px}.best code{font:inherit;white-space:nowrap}.whole{white-space:nowrap}
@media (max-width:480px){body{margin:12px}svg.chart .value{font-size:11px}}</style>
</head><body>
<h1>bulkpipe bench: ${escapeHtml(report.operation)} into ${escapeHtml(report.object)}</h1>
<p class="best">${keptWhole(escapeHtml(bestSettingLine(report.runs)))}</p>
<p>${report.runs.length} runs of ${escapeHtml(report.input)}, started ${escapeHtml(report.startedAt)}, Node ${escapeHtml(report.node)}.</p>
${sweep}
${cpuChart}
${memory}
${timeline}
${latency}
<h2>Every run</h2>
<pre>${escapeHtml(table)}</pre>
</body></html>
`;
}
