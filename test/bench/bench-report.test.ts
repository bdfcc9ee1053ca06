import { expect } from 'chai';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { BenchReport, BenchRun } from '../../bench/bench-load.js';
import { benchTable, renderBenchReport } from '../../bench/bench-report.js';
import { countColour, readPng } from '../helpers/png.js';
import { useTempDir } from '../helpers/temp-dir.js';

const s = { p50: 40, p95: 90, max: 120 };
const run = (batchSize: number, concurrency: number, n: number, rate: number): BenchRun => ({
  settings: { batchSize, concurrency, contentType: 'CSV', gzip: false, serial: false, bulkApi: 1 },
  run: n,
  records: 20_000,
  succeeded: 20_000,
  failed: 0,
  batches: 20_000 / batchSize,
  bytes: 4_500_000,
  seconds: 20_000 / rate,
  recordsPerSecond: rate,
  megabytesPerSecond: (4.5 * rate) / 20_000,
  cpuSeconds: 0.3,
  peakRssMb: 110,
  stageSeconds: { cut: 0.1, upload: 0.5, org: 1.2, joinAndWrite: 0.2 },
  batchLatencyMs: { upload: s, queued: { p50: 10, p95: 30, max: 50 }, processing: { p50: 60, p95: 100, max: 140 }, apiActive: { p50: 50, p95: 80, max: 90 } },
  apiRequests: 29,
  budget: { requests: 27, batches: 20_000 / batchSize, remaining: { DailyApiRequests: 14_000, DailyBulkApiBatches: 14_990 } },
  timeline: [
    [0.2, 5000],
    [0.4, 12_000],
    [20_000 / rate, 20_000],
  ],
  jobId: '7505g0000000001AAA',
});
const REPORT: BenchReport = {
  object: 'Account',
  operation: 'insert',
  input: '20000 synthetic Account records',
  node: 'v20',
  startedAt: '2026-12-01T00:00:00.000Z',
  runs: [run(2000, 1, 1, 25_000), run(2000, 1, 2, 27_000), run(10_000, 4, 1, 36_000), run(10_000, 4, 2, 33_000)],
};

/** Chromium from the Debian packages, when this machine has it. */
const CHROMIUM = ['/usr/bin/chromium', '/usr/bin/chromium-browser'].find((p) => existsSync(p));

describe('bench/bench-report', function () {
  this.timeout(120_000); // a browser start on a loaded machine
  const tmp = useTempDir('bulkpipe-report-');

  it('a table with a line per run', () => {
    const lines = benchTable(REPORT).split('\n');
    expect(lines).to.have.length(5);
    expect(lines[0]).to.match(/^api\s+batch\s+conc\s+type\s+gzip\s+serial\s+run\s+records\s+seconds\s+rec\/s/);
    expect(lines[3]).to.match(/^1\s+10000\s+4\s+CSV\s+off\s+no\s+1\s+20000\s+0\.56\s+36000/);
  });

  it('one self-contained HTML file: three charts of inline SVG, no script, nothing fetched', () => {
    const html = renderBenchReport(REPORT);
    expect(html.match(/<svg class="chart"/g)).to.have.length(3);
    expect(html.match(/<rect class="bar"/g)).to.have.length(4 + 4 * 6); // the sweep's runs, then 6 latency bars per run
    expect(html.match(/<polyline class="series"/g)).to.have.length(4);
    expect(html).to.not.match(/<script|https?:\/\/|<link /);
    expect(html).to.include('10000 x4 CSV');
  });

  it('renders its charts in a real browser (headless Chromium screenshot)', async function () {
    if (!CHROMIUM) {
      this.skip(); // no Chromium here: apt-get install chromium to run this check
    }
    const page = join(tmp.path, 'report.html');
    const shot = join(tmp.path, 'report.png');
    await writeFile(page, renderBenchReport(REPORT));
    await promisify(execFile)(
      CHROMIUM as string,
      ['--headless', '--no-sandbox', '--disable-gpu', '--hide-scrollbars', `--screenshot=${shot}`, '--window-size=900,1500', `file://${page}`],
      { timeout: 60_000 },
    );
    const image = readPng(await readFile(shot));
    expect(image.width).to.equal(900);
    // The bars and lines are drawn in their colours: the sweep's run 1 and run 2, and a timeline series.
    expect(countColour(image, '#1f77b4'), 'blue').to.be.greaterThan(5000);
    expect(countColour(image, '#ff7f0e'), 'orange').to.be.greaterThan(5000);
    expect(countColour(image, '#2ca02c'), 'green').to.be.greaterThan(200);
    const { stdout } = await promisify(execFile)(CHROMIUM as string, ['--headless', '--no-sandbox', '--disable-gpu', '--dump-dom', `file://${page}`], { timeout: 60_000 });
    expect(stdout.match(/<svg class="chart"/g)).to.have.length(3);
  });
});
