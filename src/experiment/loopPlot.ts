/**
 * A small SVG line chart for the loop bench (no plotting dependency): one panel per space, a line per method
 * (mean over seeds) with a shaded band of ± one std, an optional dashed reference line (the best of the space),
 * axes with round ticks and a legend. Pure: data in, SVG text out.
 */

export interface PlotSeries {
  label: string;
  points: readonly { x: number; mean: number; std: number }[];
}

export interface PlotPanel {
  title: string;
  xLabel: string;
  yLabel: string;
  series: readonly PlotSeries[];
  reference?: { label: string; value: number };
}

const COLOURS = ['#1f77b4', '#d62728', '#2ca02c', '#9467bd', '#ff7f0e', '#8c564b'];
const PANEL_W = 460;
const PANEL_H = 320;
const MARGIN = { left: 62, right: 16, top: 34, bottom: 48 };
const LEGEND_H = 28;

const esc = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
const fmt = (x: number): string => String(Math.round(x * 100) / 100);

/** Round tick values within [lo, hi] (about `count` of them: steps of 1, 2 or 5 times a power of ten). */
export function niceTicks(lo: number, hi: number, count = 5): number[] {
  if (!Number.isFinite(lo) || !Number.isFinite(hi)) return [];
  if (hi <= lo) return [lo];
  const raw = (hi - lo) / Math.max(1, count);
  const pow = 10 ** Math.floor(Math.log10(raw));
  // The multiple nearest to the raw step on a log scale (d3's rule): about `count` ticks, never far fewer.
  const err = raw / pow;
  const step = pow * (err >= Math.sqrt(50) ? 10 : err >= Math.sqrt(10) ? 5 : err >= Math.sqrt(2) ? 2 : 1);
  const out: number[] = [];
  for (let v = Math.ceil(lo / step - 1e-9) * step; v <= hi + step * 1e-9; v += step) out.push(Number(v.toPrecision(12)));
  return out;
}

/** The y range of a panel: every band and the reference, with a little room. */
function yRange(p: PlotPanel): [number, number] {
  const ys = p.series.flatMap((s) => s.points.flatMap((q) => (Number.isFinite(q.mean) ? [q.mean - (q.std || 0), q.mean + (q.std || 0)] : [])));
  if (p.reference && Number.isFinite(p.reference.value)) ys.push(p.reference.value);
  if (ys.length === 0) return [0, 1];
  const lo = Math.min(...ys);
  const hi = Math.max(...ys);
  const pad = hi > lo ? (hi - lo) * 0.05 : 0.5;
  return [lo - pad, hi + pad];
}

function panelSvg(p: PlotPanel, ox: number): string[] {
  const w = PANEL_W - MARGIN.left - MARGIN.right;
  const h = PANEL_H - MARGIN.top - MARGIN.bottom;
  const xs = p.series.flatMap((s) => s.points.map((q) => q.x));
  const x0 = xs.length ? Math.min(...xs) : 0;
  const x1 = xs.length ? Math.max(...xs) : 1;
  const [y0, y1] = yRange(p);
  const X = (x: number): number => ox + MARGIN.left + (x1 > x0 ? ((x - x0) / (x1 - x0)) * w : w / 2);
  const Y = (y: number): number => MARGIN.top + h - ((y - y0) / (y1 - y0)) * h;
  const out: string[] = [`<g class="panel">`, `<text x="${ox + MARGIN.left + w / 2}" y="20" text-anchor="middle" font-weight="bold">${esc(p.title)}</text>`];
  for (const t of niceTicks(y0, y1)) {
    out.push(`<line x1="${X(x0)}" x2="${X(x1)}" y1="${fmt(Y(t))}" y2="${fmt(Y(t))}" stroke="#ddd"/>`, `<text x="${X(x0) - 6}" y="${fmt(Y(t) + 4)}" text-anchor="end">${t}</text>`);
  }
  for (const t of niceTicks(x0, x1)) out.push(`<text x="${fmt(X(t))}" y="${MARGIN.top + h + 18}" text-anchor="middle">${t}</text>`);
  out.push(
    `<rect x="${X(x0)}" y="${MARGIN.top}" width="${w}" height="${h}" fill="none" stroke="#444"/>`,
    `<text x="${ox + MARGIN.left + w / 2}" y="${PANEL_H - 8}" text-anchor="middle">${esc(p.xLabel)}</text>`,
    `<text transform="translate(${ox + 16} ${MARGIN.top + h / 2}) rotate(-90)" text-anchor="middle">${esc(p.yLabel)}</text>`,
  );
  if (p.reference && Number.isFinite(p.reference.value)) {
    const y = fmt(Y(p.reference.value));
    out.push(`<line x1="${X(x0)}" x2="${X(x1)}" y1="${y}" y2="${y}" stroke="#000" stroke-dasharray="5 4"/>`, `<text x="${X(x1) - 4}" y="${Number(y) - 5}" text-anchor="end">${esc(p.reference.label)}</text>`);
  }
  p.series.forEach((s, i) => {
    const c = COLOURS[i % COLOURS.length]!;
    const pts = s.points.filter((q) => Number.isFinite(q.mean));
    if (pts.length === 0) return;
    const upper = pts.map((q) => `${fmt(X(q.x))},${fmt(Y(q.mean + (q.std || 0)))}`);
    const lower = pts.map((q) => `${fmt(X(q.x))},${fmt(Y(q.mean - (q.std || 0)))}`).reverse();
    out.push(
      `<polygon class="band" points="${[...upper, ...lower].join(' ')}" fill="${c}" fill-opacity="0.15" stroke="none"/>`,
      `<polyline class="mean" points="${pts.map((q) => `${fmt(X(q.x))},${fmt(Y(q.mean))}`).join(' ')}" fill="none" stroke="${c}" stroke-width="2"/>`,
    );
  });
  out.push('</g>');
  return out;
}

/** Panels side by side, one legend (the series labels of the first panel) below them. */
export function lineChartSvg(panels: readonly PlotPanel[], caption = ''): string {
  const width = PANEL_W * Math.max(1, panels.length);
  const height = PANEL_H + LEGEND_H + (caption ? 18 : 0);
  const body = panels.flatMap((p, i) => panelSvg(p, i * PANEL_W));
  let x = 20;
  const legend = (panels[0]?.series ?? []).map((s, i) => {
    const c = COLOURS[i % COLOURS.length]!;
    const item = `<line x1="${x}" x2="${x + 24}" y1="${PANEL_H + 10}" y2="${PANEL_H + 10}" stroke="${c}" stroke-width="2"/><text x="${x + 30}" y="${PANEL_H + 14}">${esc(s.label)}</text>`;
    // About 6.5 px per character at 12 px sans-serif, then a gap.
    x += 30 + Math.ceil(s.label.length * 6.5) + 24;
    return item;
  });
  const cap = caption ? [`<text x="20" y="${PANEL_H + LEGEND_H + 8}" fill="#555">${esc(caption)}</text>`] : [];
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="12">`,
    `<rect width="100%" height="100%" fill="#fff"/>`,
    ...body,
    ...legend,
    ...cap,
    '</svg>',
    '',
  ].join('\n');
}
