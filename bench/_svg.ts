/**
 * Line charts as standalone SVG for the benchmark report: log-scaled axes with decade ticks, one
 * polyline per series (dashed where the series says its points are extrapolated), a legend. No
 * dependencies, deterministic output (same results, same bytes).
 *
 * @module
 */

/** One line of a chart. */
export interface Series {
  name: string;
  /** [x, y] pairs; points with a non-positive or non-finite coordinate are left out (log scale). */
  points: [number, number][];
  /** Drawn dashed: extrapolated, not measured. */
  dashed?: boolean;
}

/** A chart. */
export interface Chart {
  title: string;
  xLabel: string;
  yLabel: string;
  series: Series[];
}

const WIDTH = 800;
const HEIGHT = 420;
const MARGIN = { left: 72, right: 260, top: 40, bottom: 56 };
const COLORS = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b", "#e377c2", "#17becf"];

const escape = (text: string) => text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
const fixed = (value: number) => Number(value.toFixed(1)).toString();

/** A decade's label: 1K, 10M, 0.01... */
export function decadeLabel(value: number): string {
  if (value >= 1e9) return `${value / 1e9}G`;
  if (value >= 1e6) return `${value / 1e6}M`;
  if (value >= 1e3) return `${value / 1e3}K`;
  return String(Number(value.toPrecision(1)));
}

/**
 * Renders a chart with both axes on log10 scales.
 *
 * @example One series
 * ```ts
 * import { ok } from "node:assert";
 * import { logLogChart } from "./_svg.ts";
 * const svg = logLogChart({
 *   title: "Query time",
 *   xLabel: "patterns",
 *   yLabel: "ms",
 *   series: [{ name: "cpu", points: [[1e3, 0.1], [1e6, 40]] }],
 * });
 * ok(svg.startsWith("<svg") && svg.includes("polyline"));
 * ```
 */
export function logLogChart(chart: Chart): string {
  const points = chart.series.flatMap((series) => usable(series.points));
  const [x0, x1] = decades(points.map(([x]) => x));
  const [y0, y1] = decades(points.map(([, y]) => y));
  const plotW = WIDTH - MARGIN.left - MARGIN.right;
  const plotH = HEIGHT - MARGIN.top - MARGIN.bottom;
  const sx = (x: number) => MARGIN.left + ((Math.log10(x) - x0) / (x1 - x0)) * plotW;
  const sy = (y: number) => MARGIN.top + plotH - ((Math.log10(y) - y0) / (y1 - y0)) * plotH;
  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${HEIGHT}" viewBox="0 0 ${WIDTH} ${HEIGHT}" ` +
    `font-family="sans-serif" font-size="12">`,
    `<rect width="${WIDTH}" height="${HEIGHT}" fill="white"/>`,
    `<text x="${WIDTH / 2 - MARGIN.right / 2}" y="22" text-anchor="middle" font-size="15">${
      escape(chart.title)
    }</text>`,
  ];
  for (let d = x0; d <= x1; d++) {
    const x = fixed(sx(10 ** d));
    out.push(`<line x1="${x}" y1="${MARGIN.top}" x2="${x}" y2="${MARGIN.top + plotH}" stroke="#ddd"/>`);
    out.push(`<text x="${x}" y="${MARGIN.top + plotH + 18}" text-anchor="middle">${decadeLabel(10 ** d)}</text>`);
  }
  for (let d = y0; d <= y1; d++) {
    const y = fixed(sy(10 ** d));
    out.push(`<line x1="${MARGIN.left}" y1="${y}" x2="${MARGIN.left + plotW}" y2="${y}" stroke="#ddd"/>`);
    out.push(
      `<text x="${MARGIN.left - 8}" y="${y}" text-anchor="end" dominant-baseline="middle">` +
        `${decadeLabel(10 ** d)}</text>`,
    );
  }
  out.push(
    `<rect x="${MARGIN.left}" y="${MARGIN.top}" width="${plotW}" height="${plotH}" fill="none" stroke="#333"/>`,
    `<text x="${MARGIN.left + plotW / 2}" y="${HEIGHT - 14}" text-anchor="middle">${escape(chart.xLabel)}</text>`,
    `<text transform="translate(18 ${MARGIN.top + plotH / 2}) rotate(-90)" text-anchor="middle">` +
      `${escape(chart.yLabel)}</text>`,
  );
  chart.series.forEach((series, i) => {
    const color = COLORS[i % COLORS.length]!;
    const drawn = usable(series.points).sort((a, b) => a[0] - b[0]);
    const dash = series.dashed ? ` stroke-dasharray="6 4"` : "";
    if (drawn.length > 1) {
      const path = drawn.map(([x, y]) => `${fixed(sx(x))},${fixed(sy(y))}`).join(" ");
      out.push(`<polyline points="${path}" fill="none" stroke="${color}" stroke-width="2"${dash}/>`);
    }
    for (const [x, y] of drawn) out.push(`<circle cx="${fixed(sx(x))}" cy="${fixed(sy(y))}" r="3" fill="${color}"/>`);
    const ly = MARGIN.top + 10 + i * 20;
    const lx = MARGIN.left + plotW + 14;
    out.push(`<line x1="${lx}" y1="${ly}" x2="${lx + 24}" y2="${ly}" stroke="${color}" stroke-width="2"${dash}/>`);
    out.push(`<text x="${lx + 30}" y="${ly}" dominant-baseline="middle">${escape(series.name)}</text>`);
  });
  out.push("</svg>");
  return out.join("\n") + "\n";
}

function usable(points: [number, number][]): [number, number][] {
  return points.filter(([x, y]) => Number.isFinite(x) && Number.isFinite(y) && x > 0 && y > 0);
}

/** Whole decades covering the values (at least one decade wide). */
function decades(values: number[]): [number, number] {
  if (values.length === 0) return [0, 1];
  const low = Math.floor(Math.log10(Math.min(...values)));
  const high = Math.ceil(Math.log10(Math.max(...values)));
  return [low, Math.max(high, low + 1)];
}
