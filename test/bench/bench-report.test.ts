import { expect } from 'chai';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { BenchReport } from '../../bench/bench-load.js';
import { benchTable, renderBenchReport } from '../../bench/bench-report.js';
import { color } from '../../bench/svg-charts.js';
import { benchRun } from '../helpers/bench-run.js';
import { type Band, type Image, colourBands, readPng } from '../helpers/png.js';
import { useTempDir } from '../helpers/temp-dir.js';

// Two settings, two runs each, every figure different, so that each bar's length can be checked.
const A = { batchSize: 2000, concurrency: 1 };
const B = { batchSize: 10_000, concurrency: 4 };
const REPORT: BenchReport = {
  object: 'Account',
  operation: 'insert',
  input: '20000 synthetic Account records',
  node: 'v20',
  startedAt: '2026-12-01T00:00:00.000Z',
  runs: [
    benchRun(A, { run: 1, recordsPerSecond: 25_000, cpuSeconds: 0.6, peakRssMb: 110, rssAtStartMb: 60 }),
    benchRun(A, { run: 2, recordsPerSecond: 27_000, cpuSeconds: 0.62, peakRssMb: 118, rssAtStartMb: 110 }),
    benchRun(B, { run: 1, recordsPerSecond: 36_000, cpuSeconds: 0.3, peakRssMb: 140, rssAtStartMb: 118 }),
    benchRun(B, { run: 2, recordsPerSecond: 33_000, cpuSeconds: 0.33, peakRssMb: 152, rssAtStartMb: 140 }),
  ],
};
/** Each per-setting chart's values, run 1 (the first colour) and run 2 (the second), settings A then B. */
const CHARTS = {
  'records/s': { run1: [25_000, 36_000], run2: [27_000, 33_000] },
  'CPU per 100k records': { run1: [3, 1.5], run2: [3.1, 1.65] },
  'peak RSS': { run1: [110, 140], run2: [118, 152] },
};

/** Chromium from the Debian packages, when this machine has it. */
const CHROMIUM = ['/usr/bin/chromium', '/usr/bin/chromium-browser'].find((p) => existsSync(p));

/** The bars of a colour in a screenshot: bands a bar high (20 px) and wider than a dash of a line. */
const barsOf = (image: Image, hex: string) => colourBands(image, hex).filter((b) => b.bottom - b.top + 1 >= 18 && b.bottom - b.top + 1 <= 22 && b.right - b.left >= 20);
const width = (b: Band) => b.right - b.left + 1;

/** How many pixels of a rectangle are near white (text drawn on a bar) or near #222 (text beside one). */
function count(image: Image, box: { top: number; bottom: number; left: number; right: number }, test: (r: number, g: number, b: number) => boolean): number {
  let n = 0;
  for (let y = box.top; y <= box.bottom; y++)
    for (let x = Math.max(0, box.left); x <= Math.min(image.width - 1, box.right); x++) {
      const o = (y * image.width + x) * 4;
      if (test(image.pixels[o] as number, image.pixels[o + 1] as number, image.pixels[o + 2] as number)) n++;
    }
  return n;
}

describe('bench/bench-report', function () {
  this.timeout(120_000); // a browser start on a loaded machine
  const tmp = useTempDir('bulkpipe-report-');

  it('a table with a line per run', () => {
    const lines = benchTable(REPORT).split('\n');
    expect(lines).to.have.length(5);
    expect(lines[0]).to.match(/^api\s+batch\s+conc\s+type\s+gzip\s+serial\s+run\s+records\s+seconds\s+rec\/s/);
    expect(lines[3]).to.match(/^1\s+10000\s+4\s+CSV\s+off\s+no\s+1\s+20000\s+0\.56\s+36000/);
  });

  it('one self-contained HTML file: the best setting first, five charts of inline SVG with their values in words, no script, nothing fetched', () => {
    const html = renderBenchReport(REPORT);
    expect(html.match(/<svg class="chart"/g)).to.have.length(5);
    // records/s, CPU and memory: a bar per run; latency: 6 bars per run.
    expect(html.match(/<rect class="bar"/g)).to.have.length(4 + 4 + 4 + 4 * 6);
    expect(html.match(/<polyline class="series"/g)).to.have.length(4);
    expect(html).to.not.match(/<script|https?:\/\/|<link /);
    // Each chart is as wide as the page and says what it shows to a screen reader.
    for (const id of ['rate', 'cpu', 'memory', 'timeline', 'latency']) {
      expect(html).to.include(`<svg class="chart" id="${id}" width="100%"`);
      expect(html).to.include(`aria-labelledby="${id}-title ${id}-desc"><title id="${id}-title">`);
      expect(html).to.match(new RegExp(`<desc id="${id}-desc">[^<]{20,}</desc>`));
    }
    // Every bar's value, with its unit (and its run, as there are two per setting), on the bar and in the description.
    for (const words of ['run 1: 36,000 records/s', 'run 2: 3.10 CPU-s', 'run 2: 152 MiB (from 140)', 'upload p95: 90 ms']) {
      expect(html, words).to.include(`>${words}</text>`);
      expect(html, words).to.match(new RegExp(`<desc id="[a-z]+-desc">[^<]*${words.replace(/[()]/g, '\\$&')}`));
    }
    expect(html).to.include(
      '<p class="best">Best: <code>--batch-size 10000</code> <code>--concurrency 4</code>: 34.5k records/s (mean of 2 runs), 1.3× the slowest (<code>--batch-size 2000</code> <code>--concurrency 1</code>), 1.6 <span class="whole">CPU-s</span> per 100k records. Runs of one setting differed by up to 9%.</p>',
    );
    expect(html.indexOf('class="best"')).to.be.lessThan(html.indexOf('<svg'));
  });

  for (const [viewport, height] of [
    [1280, 3200],
    [390, 3800],
  ] as const) {
    it(`renders its charts in a real browser at ${viewport} px (headless Chromium screenshot): the bars fill the width, at their values' lengths`, async function () {
      if (!CHROMIUM) {
        this.skip(); // no Chromium here: apt-get install chromium to run this check
      }
      const page = join(tmp.path, 'report.html');
      const shot = join(tmp.path, 'report.png');
      await writeFile(page, renderBenchReport(REPORT));
      await promisify(execFile)(
        CHROMIUM as string,
        ['--headless', '--no-sandbox', '--disable-gpu', '--hide-scrollbars', `--screenshot=${shot}`, `--window-size=${viewport},${height}`, `file://${page}`],
        { timeout: 60_000 },
      );
      const image = readPng(await readFile(shot));
      expect(image.width).to.equal(viewport);
      const run1 = barsOf(image, color(0));
      const run2 = barsOf(image, color(1));
      // Top to bottom: records/s, CPU and memory, a bar per setting in each colour; then 4 latency bars each.
      expect(run1, 'bars of run 1').to.have.length(3 * 2 + 4);
      expect(run2, 'bars of run 2').to.have.length(3 * 2 + 4);
      Object.entries(CHARTS).forEach(([chart, values], i) => {
        const bars = [run1[2 * i], run1[2 * i + 1], run2[2 * i], run2[2 * i + 1]] as Band[];
        const figures = [...values.run1, ...values.run2];
        const longest = bars[figures.indexOf(Math.max(...figures))] as Band;
        // The longest bar reaches from the left margin to the right one: the chart is the page's content width.
        expect(Math.abs(image.width - 1 - longest.right - longest.left), `${chart}: margins ${longest.left} and ${image.width - 1 - longest.right}`).to.be.at.most(2);
        expect(
          bars.every((b) => b.left === longest.left),
          `${chart}: bars start together`,
        ).to.equal(true);
        bars.forEach((bar, j) => {
          expect(width(bar) / width(longest), `${chart}: bar ${j}`).to.be.closeTo((figures[j] as number) / Math.max(...figures), 0.01);
        });
        // The value is written on the longest bar (white), and beside a bar under half the width (dark).
        expect(
          count(image, longest, (r, g, b) => r > 230 && g > 230 && b > 230),
          `${chart}: words on the bar`,
        ).to.be.greaterThan(30);
        const short = bars.find((b) => width(b) < width(longest) / 2);
        if (short)
          expect(
            count(image, { ...short, left: short.right + 3, right: short.right + 80 }, (r, g, b) => r < 90 && g < 90 && b < 90),
            `${chart}: words beside`,
          ).to.be.greaterThan(30);
      });
      // The records-over-time lines: run 1 of A is the slowest, so its line ends at the right margin
      // (it starts under the others' lines, drawn over it from the same origin).
      const line = colourBands(image, color(0)).find((b) => b.bottom - b.top > 100);
      expect(line, 'the line of the first run').to.not.equal(undefined);
      expect(Math.abs(image.width - 1 - (line as Band).right - (run1[0] as Band).left)).to.be.at.most(2);
      const { stdout } = await promisify(execFile)(CHROMIUM as string, ['--headless', '--no-sandbox', '--disable-gpu', '--dump-dom', `file://${page}`], { timeout: 60_000 });
      expect(stdout.match(/<svg class="chart"/g)).to.have.length(5);
    });
  }
});
