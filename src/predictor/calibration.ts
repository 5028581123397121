/**
 * Maps ranking scores to the target's unit (e.g. accuracy %) with isotonic regression (pool adjacent
 * violators) fitted on the ground-truth training archs. Monotone, so rankings are unchanged.
 */
export interface Calibration {
  /** Knots: increasing scores and non-decreasing values; linear in between, clamped outside. */
  x: number[];
  y: number[];
}

export function fitIsotonic(scores: ArrayLike<number>, truth: ArrayLike<number>): Calibration {
  const pts: [number, number][] = [];
  for (let i = 0; i < scores.length; i++) {
    const s = scores[i];
    const t = truth[i];
    if (isFiniteNumber(s) && isFiniteNumber(t)) pts.push([s, t]);
  }
  if (pts.length === 0) return { x: [0], y: [0] };
  pts.sort((a, b) => a[0] - b[0]);
  // Blocks of (sum x, sum y, count), merged while decreasing.
  const blocks: { sx: number; sy: number; n: number }[] = [];
  for (const [x, y] of pts) {
    blocks.push({ sx: x, sy: y, n: 1 });
    while (blocks.length > 1) {
      const b = blocks[blocks.length - 1]!;
      const a = blocks[blocks.length - 2]!;
      if (a.sy / a.n <= b.sy / b.n) break;
      blocks.splice(blocks.length - 2, 2, { sx: a.sx + b.sx, sy: a.sy + b.sy, n: a.n + b.n });
    }
  }
  return { x: blocks.map((b) => b.sx / b.n), y: blocks.map((b) => b.sy / b.n) };
}

/** `c` has at least one knot and as many x as y (fitIsotonic's output; loadPredictor checks saved ones). */
export function applyCalibration(c: Calibration, score: number): number {
  const { x, y } = c;
  if (!Number.isFinite(score)) return NaN;
  if (score <= x[0]!) return y[0]!;
  const last = x.length - 1;
  if (score >= x[last]!) return y[last]!;
  let lo = 0;
  let hi = last;
  while (hi - lo > 1) {
    const mid = (lo + hi) >> 1;
    if (x[mid]! <= score) lo = mid;
    else hi = mid;
  }
  const xlo = x[lo]!;
  const xhi = x[hi]!;
  const ylo = y[lo]!;
  const t = xhi === xlo ? 0 : (score - xlo) / (xhi - xlo);
  return ylo + t * (y[hi]! - ylo);
}

/** Number.isFinite as a type guard: also false for a missing (out-of-range) element. */
export function isFiniteNumber(v: number | undefined): v is number {
  return Number.isFinite(v);
}
