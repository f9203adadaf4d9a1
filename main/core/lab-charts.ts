// Line charts for the Lab's report (main/core/lab-report.ts), drawn as SVG here so the report is one file
// that needs nothing else: no script, no fonts or images from elsewhere. Each chart is embedded as a
// data: URL image, which is why its texts are escaped for XML and its styles are attributes.
import { formatNumber, type Locale } from '../../shared/i18n/index.ts';

export interface Series {
  name: string;
  color: string;
  points: Array<[x: number, y: number]>;
}

export interface LineChart {
  series: Series[];
  xLabel: string;
  yLabel: string;
}

const WIDTH = 640;
const HEIGHT = 300;
const MARGIN = { left: 64, right: 16, top: 36, bottom: 44 };

export const escapeXml = (s: string): string =>
  s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

/** About `count` round values from `lo` to `hi` (steps of 1, 2 or 5 times a power of ten). */
export function niceTicks(lo: number, hi: number, count = 5): number[] {
  if (!(hi > lo)) return [lo];
  const raw = (hi - lo) / count;
  const power = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * power).find((s) => s >= raw)!;
  const ticks: number[] = [];
  for (let v = Math.ceil(lo / step) * step; v <= hi + step * 1e-9; v += step) ticks.push(Number(v.toPrecision(12)));
  return ticks;
}

/** The span the axis shows: the values' own, widened when they are all one value. */
function domain(values: number[]): [number, number] {
  const lo = Math.min(...values);
  const hi = Math.max(...values);
  return hi > lo ? [lo, hi] : [lo - 1, hi + 1];
}

function axes(locale: Locale, chart: LineChart, x: (v: number) => number, y: (v: number) => number, xs: number[], ys: number[]): string {
  const bottom = HEIGHT - MARGIN.bottom;
  const xTicks = niceTicks(...domain(xs)).map((v) => `<line x1="${x(v)}" y1="${bottom}" x2="${x(v)}" y2="${bottom + 4}" stroke="#555"/><text x="${x(v)}" y="${bottom + 16}" text-anchor="middle">${formatNumber(locale, v)}</text>`);
  const yTicks = niceTicks(...domain(ys)).map((v) => `<line x1="${MARGIN.left}" y1="${y(v)}" x2="${WIDTH - MARGIN.right}" y2="${y(v)}" stroke="#e4e4e4"/><text x="${MARGIN.left - 6}" y="${y(v) + 4}" text-anchor="end">${formatNumber(locale, v, 2)}</text>`);
  return [
    ...yTicks,
    ...xTicks,
    `<line x1="${MARGIN.left}" y1="${bottom}" x2="${WIDTH - MARGIN.right}" y2="${bottom}" stroke="#555"/>`,
    `<line x1="${MARGIN.left}" y1="${MARGIN.top}" x2="${MARGIN.left}" y2="${bottom}" stroke="#555"/>`,
    `<text x="${(MARGIN.left + WIDTH - MARGIN.right) / 2}" y="${HEIGHT - 8}" text-anchor="middle">${escapeXml(chart.xLabel)}</text>`,
    `<text transform="translate(14 ${(MARGIN.top + bottom) / 2}) rotate(-90)" text-anchor="middle">${escapeXml(chart.yLabel)}</text>`,
  ].join('');
}

function legend(series: Series[]): string {
  return series
    .map((s, i) => {
      const left = MARGIN.left + i * 150;
      return `<line x1="${left}" y1="16" x2="${left + 20}" y2="16" stroke="${s.color}" stroke-width="3"/><text x="${left + 26}" y="20">${escapeXml(s.name)}</text>`;
    })
    .join('');
}

function line(s: Series, x: (v: number) => number, y: (v: number) => number): string {
  if (s.points.length === 1) return `<circle cx="${x(s.points[0][0])}" cy="${y(s.points[0][1])}" r="3" fill="${s.color}"/>`;
  const points = s.points.map(([px, py]) => `${x(px).toFixed(1)},${y(py).toFixed(1)}`).join(' ');
  return `<polyline points="${points}" fill="none" stroke="${s.color}" stroke-width="2" stroke-linejoin="round"/>`;
}

/** The chart as an SVG document; null when no series has a point. */
export function lineChartSvg(locale: Locale, chart: LineChart): string | null {
  const drawn = chart.series.filter((s) => s.points.length > 0);
  const xs = drawn.flatMap((s) => s.points.map((p) => p[0]));
  const ys = drawn.flatMap((s) => s.points.map((p) => p[1]));
  if (xs.length === 0) return null;
  const [x0, x1] = domain(xs);
  const [y0, y1] = domain(ys);
  const x = (v: number) => MARGIN.left + ((v - x0) / (x1 - x0)) * (WIDTH - MARGIN.left - MARGIN.right);
  const y = (v: number) => HEIGHT - MARGIN.bottom - ((v - y0) / (y1 - y0)) * (HEIGHT - MARGIN.top - MARGIN.bottom);
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${HEIGHT}" viewBox="0 0 ${WIDTH} ${HEIGHT}" font-family="sans-serif" font-size="12" fill="#222">` +
    `<rect width="${WIDTH}" height="${HEIGHT}" fill="#fff"/>${axes(locale, chart, x, y, xs, ys)}${drawn.map((s) => line(s, x, y)).join('')}${legend(drawn)}</svg>`
  );
}

/** An `<img>` showing `svg` from a data: URL, described by `alt` (already escaped for HTML). */
export const svgImage = (svg: string, alt: string): string => `<img src="data:image/svg+xml;base64,${Buffer.from(svg, 'utf8').toString('base64')}" alt="${alt}" width="${WIDTH}" height="${HEIGHT}">`;
