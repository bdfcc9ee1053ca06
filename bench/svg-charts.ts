/**
 * The bench report's charts as inline SVG (no script, no network: the page opens offline and
 * prints), each as wide as the page's content. The text is laid out in CSS pixels and placed by
 * percent of the width, and only the data scales: bars are percent widths, lines are drawn in a
 * nested viewBox stretched to the plot (preserveAspectRatio="none", strokes kept at their width).
 * A chart scaled whole by one viewBox would shrink its 12 px labels to 4 px on a phone, or blow
 * them up at 1280 px. Every value is also in words (each bar's label, each chart's <desc>), and
 * lines differ by dash as well as colour, so that nothing is told by colour alone.
 */

/** Dark enough for white text on a bar (contrast at least 4.5:1, WCAG AA). */
const COLORS = ['#1f77b4', '#c2410c', '#15803d', '#b91c1c', '#6d28d9', '#8c564b', '#be185d', '#4b5563', '#0f766e', '#a16207'];
const DASHES = ['', '8 4', '2 3', '10 3 2 3', '4 4'];
/** The colour of a chart's series `i` (a bar chart's i-th bar in each group). */
export const color = (i: number) => COLORS[i % COLORS.length] as string;
// Shifted once per round of colours, so that a colour comes back with another dash.
const dash = (i: number) => DASHES[(i + Math.floor(i / COLORS.length)) % DASHES.length] as string;

export const escapeHtml = (text: string) => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** What each chart has: an id for its title and description (unique in the page), a caption, and a note on what it measures. */
export interface ChartText {
  readonly id: string;
  readonly title: string;
  /** What the figures are and how they were measured, under the caption. */
  readonly note?: string;
}

interface Series {
  readonly label: string;
  readonly points: ReadonlyArray<readonly [number, number]>;
}

export interface BarGroup {
  readonly label: string;
  readonly values: readonly number[];
}

const pct = (value: number) => `${Number(value.toFixed(3))}%`;

/** Round tick steps from 0 to the first tick at or above `max`, so that nothing is cut off. */
function ticks(max: number): number[] {
  if (max <= 0) return [0];
  const raw = max / 5;
  const pow = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * pow).find((s) => s >= raw) ?? raw;
  const out: number[] = [0];
  while ((out[out.length - 1] as number) < max) out.push(Number((out.length * step).toPrecision(6)));
  return out;
}

function figure(text: ChartText, height: number, desc: string, body: string, after = ''): string {
  const note = text.note ? `<p class="note">${escapeHtml(text.note)}</p>` : '';
  return `<figure><figcaption>${escapeHtml(text.title)}</figcaption>${note}<svg class="chart" id="${text.id}" width="100%" height="${height}" role="img" aria-labelledby="${text.id}-title ${text.id}-desc"><title id="${text.id}-title">${escapeHtml(text.title)}</title><desc id="${text.id}-desc">${escapeHtml(desc)}</desc>${body}</svg>${after}</figure>`;
}

const BAR = 20;
const BAR_GAP = 4;
const GROUP_HEAD = 20;
const GROUP_GAP = 14;

/**
 * Horizontal bars, a group per label (a setting, a run) with a bar per series (runs, percentiles),
 * the longest bar the full width. Each bar carries its value, with the series' name when there are
 * several: inside the bar's end when the bar is at least half the width, else just after it, so
 * that there is room for the words at any width.
 */
export function barChart(text: ChartText, groups: readonly BarGroup[], series: readonly string[], format: (value: number, group: number, bar: number) => string): string {
  const max = Math.max(0, ...groups.flatMap((g) => g.values));
  const named = (gi: number, bi: number, v: number) => (series.length > 1 ? `${series[bi] ?? ''}: ${format(v, gi, bi)}` : format(v, gi, bi));
  let y = 0;
  let body = '';
  groups.forEach((g, gi) => {
    body += `<text class="group" x="0" y="${y + 14}" font-size="13" font-weight="600" fill="#222">${escapeHtml(g.label)}</text>`;
    y += GROUP_HEAD;
    g.values.forEach((v, bi) => {
      const share = max > 0 ? (v / max) * 100 : 0;
      const words = named(gi, bi, v);
      const inside = share >= 50;
      body += `<rect class="bar" x="0" y="${y}" width="${pct(share)}" height="${BAR}" fill="${color(bi)}"><title>${escapeHtml(`${g.label}, ${words}`)}</title></rect>`;
      body += `<text class="value" x="${pct(share)}" dx="${inside ? -6 : 6}" y="${y + 14}" font-size="12" text-anchor="${inside ? 'end' : 'start'}" fill="${inside ? '#fff' : '#222'}">${escapeHtml(words)}</text>`;
      y += BAR + BAR_GAP;
    });
    y += GROUP_GAP;
  });
  const desc = groups.map((g, gi) => `${g.label}: ${g.values.map((v, bi) => named(gi, bi, v)).join(', ')}`).join('; ');
  return figure(text, Math.max(BAR, y - GROUP_GAP - BAR_GAP), desc, body);
}

const PLOT_TOP = 10;
const PLOT_HEIGHT = 260;
/** The viewBox the lines are drawn in, stretched to the plot's pixels. */
const SPAN = 1000;

/**
 * Lines from (0, 0) through each series' points, on round-stepped axes. The y axis's ticks are
 * written on their grid lines at the left (the unit on the top one), the x axis's under the plot.
 */
export function lineChart(text: ChartText, series: readonly Series[], xUnit: string, yUnit: string, format: (value: number) => string): string {
  const xs = ticks(Math.max(0, ...series.flatMap((s) => s.points.map((p) => p[0]))));
  const ys = ticks(Math.max(0, ...series.flatMap((s) => s.points.map((p) => p[1]))));
  const xTop = xs[xs.length - 1] || 1;
  const yTop = ys[ys.length - 1] || 1;
  const sx = (v: number) => ((v / xTop) * SPAN).toFixed(1);
  const sy = (v: number) => (SPAN - (v / yTop) * SPAN).toFixed(1);
  const stroke = 'vector-effect="non-scaling-stroke"';
  let plot = '';
  for (const v of ys) plot += `<line x1="0" x2="${SPAN}" y1="${sy(v)}" y2="${sy(v)}" stroke="${v === 0 ? '#333' : '#ddd'}" ${stroke}/>`;
  plot += series
    .map(
      (s, i) =>
        `<polyline class="series" fill="none" stroke="${color(i)}" stroke-width="2"${dash(i) ? ` stroke-dasharray="${dash(i)}"` : ''} ${stroke} points="${[[0, 0] as const, ...s.points].map(([a, b]) => `${sx(a)},${sy(b)}`).join(' ')}"/>`,
    )
    .join('');
  let labels = '';
  const halo = 'paint-order="stroke" stroke="#fff" stroke-width="3"';
  ys.forEach((v, i) => {
    if (i === 0) return; // the zero line needs no words: the x axis's 0 is under it
    const at = PLOT_TOP + (1 - v / yTop) * PLOT_HEIGHT;
    labels += `<text x="2" y="${(at + 13).toFixed(1)}" font-size="11" fill="#444" ${halo}>${escapeHtml(format(v))}${i === ys.length - 1 ? ` ${escapeHtml(yUnit)}` : ''}</text>`;
  });
  xs.forEach((v, i) => {
    const anchor = i === 0 ? 'start' : i === xs.length - 1 ? 'end' : 'middle';
    labels += `<text x="${pct((v / xTop) * 100)}" y="${PLOT_TOP + PLOT_HEIGHT + 16}" font-size="11" fill="#444" text-anchor="${anchor}">${v}${i === xs.length - 1 ? ` ${escapeHtml(xUnit)}` : ''}</text>`;
  });
  const body = `<svg x="0" y="${PLOT_TOP}" width="100%" height="${PLOT_HEIGHT}" viewBox="0 0 ${SPAN} ${SPAN}" preserveAspectRatio="none" overflow="visible">${plot}</svg>${labels}`;
  const desc = series.map((s) => `${s.label}: ${format(s.points.at(-1)?.[1] ?? 0)} ${yUnit} by ${s.points.at(-1)?.[0] ?? 0} ${xUnit}`).join('; ');
  const legend = `<ul class="legend">${series
    .map(
      (s, i) =>
        `<li><svg width="28" height="10" aria-hidden="true"><line x1="0" y1="5" x2="28" y2="5" stroke="${color(i)}" stroke-width="2"${dash(i) ? ` stroke-dasharray="${dash(i)}"` : ''}/></svg>${escapeHtml(s.label)}</li>`,
    )
    .join('')}</ul>`;
  return figure(text, PLOT_TOP + PLOT_HEIGHT + 24, desc, body, legend);
}
