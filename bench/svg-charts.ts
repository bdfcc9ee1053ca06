/**
 * The bench report's charts as inline SVG (no script, no network: the page opens offline and
 * prints): a line chart of series of points and a grouped bar chart, on round-stepped axes.
 */
const COLORS = ['#1f77b4', '#ff7f0e', '#2ca02c', '#d62728', '#9467bd', '#8c564b', '#e377c2', '#7f7f7f', '#bcbd22', '#17becf'];
const color = (i: number) => COLORS[i % COLORS.length] as string;

export const escapeHtml = (text: string) => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

interface Series {
  readonly label: string;
  readonly points: ReadonlyArray<readonly [number, number]>;
}

const W = 760;
const H = 320;
const M = { left: 70, right: 20, top: 20, bottom: 50 };

/** Round tick steps for an axis up to `max`. */
function ticks(max: number): number[] {
  if (max <= 0) return [0];
  const raw = max / 5;
  const pow = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * pow).find((s) => s >= raw) ?? raw;
  const out: number[] = [0];
  // Up to the first tick at or above the maximum, so that no bar or line is cut off.
  while ((out[out.length - 1] as number) < max) out.push(Number((out.length * step).toPrecision(6)));
  return out;
}

function axes(xMax: number, yMax: number, xLabel: string, yLabel: string, xTicks = true): { svg: string; x: (v: number) => number; y: (v: number) => number } {
  const ys = ticks(yMax);
  const yTop = ys[ys.length - 1] || 1;
  const x = (v: number) => M.left + (v / (xMax || 1)) * (W - M.left - M.right);
  const y = (v: number) => H - M.bottom - (v / yTop) * (H - M.top - M.bottom);
  let svg = `<line x1="${M.left}" y1="${H - M.bottom}" x2="${W - M.right}" y2="${H - M.bottom}" stroke="#333"/><line x1="${M.left}" y1="${M.top}" x2="${M.left}" y2="${H - M.bottom}" stroke="#333"/>`;
  for (const v of ys)
    svg += `<line x1="${M.left - 4}" y1="${y(v)}" x2="${W - M.right}" y2="${y(v)}" stroke="#ddd"/><text x="${M.left - 8}" y="${y(v) + 4}" text-anchor="end" font-size="11">${v.toLocaleString('en-US')}</text>`;
  if (xTicks) for (const v of ticks(xMax)) svg += `<text x="${x(v)}" y="${H - M.bottom + 16}" text-anchor="middle" font-size="11">${v}</text>`;
  svg += `<text x="${(M.left + W - M.right) / 2}" y="${H - 8}" text-anchor="middle" font-size="12">${escapeHtml(xLabel)}</text>`;
  svg += `<text transform="translate(14 ${(M.top + H - M.bottom) / 2}) rotate(-90)" text-anchor="middle" font-size="12">${escapeHtml(yLabel)}</text>`;
  return { svg, x, y: (v: number) => y(Math.min(v, yTop)) };
}

function legend(labels: readonly string[]): string {
  return `<p class="legend">${labels.map((l, i) => `<span><i style="background:${color(i)}"></i>${escapeHtml(l)}</span>`).join('')}</p>`;
}

export function lineChart(title: string, series: readonly Series[], xLabel: string, yLabel: string): string {
  const xMax = Math.max(0, ...series.flatMap((s) => s.points.map((p) => p[0])));
  const yMax = Math.max(0, ...series.flatMap((s) => s.points.map((p) => p[1])));
  const { svg, x, y } = axes(xMax, yMax, xLabel, yLabel);
  const lines = series.map(
    (s, i) =>
      `<polyline class="series" fill="none" stroke="${color(i)}" stroke-width="2" points="${[[0, 0] as const, ...s.points].map(([a, b]) => `${x(a).toFixed(1)},${y(b).toFixed(1)}`).join(' ')}"/>`,
  );
  return `<figure><figcaption>${escapeHtml(title)}</figcaption><svg class="chart" viewBox="0 0 ${W} ${H}" width="${W}" height="${H}" role="img">${svg}${lines.join('')}</svg>${legend(series.map((s) => s.label))}</figure>`;
}

interface BarGroup {
  readonly label: string;
  readonly values: readonly number[];
}

export function barChart(title: string, groups: readonly BarGroup[], barLabels: readonly string[], yLabel: string): string {
  const yMax = Math.max(0, ...groups.flatMap((g) => g.values));
  const { svg, y } = axes(1, yMax, '', yLabel, false);
  const slot = (W - M.left - M.right) / Math.max(1, groups.length);
  const bars = Math.max(1, ...groups.map((g) => g.values.length));
  const width = Math.max(2, (slot * 0.8) / bars);
  let out = '';
  groups.forEach((g, gi) => {
    const left = M.left + gi * slot + slot * 0.1;
    g.values.forEach((v, bi) => {
      out += `<rect class="bar" x="${(left + bi * width).toFixed(1)}" y="${y(v).toFixed(1)}" width="${(width - 1).toFixed(1)}" height="${(H - M.bottom - y(v)).toFixed(1)}" fill="${color(bi)}"><title>${escapeHtml(`${g.label}: ${barLabels[bi] ?? ''} ${v}`)}</title></rect>`;
    });
    // Many groups: their labels slant, so that long ones do not run into each other.
    const cx = (left + slot * 0.4).toFixed(1);
    const slant = groups.length > 4 ? ` transform="rotate(-20 ${cx} ${H - M.bottom + 16})" text-anchor="end"` : ' text-anchor="middle"';
    out += `<text x="${cx}" y="${H - M.bottom + 16}"${slant} font-size="11">${escapeHtml(g.label)}</text>`;
  });
  return `<figure><figcaption>${escapeHtml(title)}</figcaption><svg class="chart" viewBox="0 0 ${W} ${H}" width="${W}" height="${H}" role="img">${svg}${out}</svg>${legend(barLabels)}</figure>`;
}
