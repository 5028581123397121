/** Ranking and regression metrics over paired arrays; NaN entries (in either) are skipped. */
import { applyCalibration, type Calibration, isFiniteNumber } from './calibration';

function finitePairs(x: ArrayLike<number>, y: ArrayLike<number>): [Float64Array, Float64Array] {
  if (x.length !== y.length) throw new Error(`length mismatch ${x.length} vs ${y.length}`);
  const xs: number[] = [];
  const ys: number[] = [];
  for (let i = 0; i < x.length; i++) {
    const xi = x[i];
    const yi = y[i];
    if (isFiniteNumber(xi) && isFiniteNumber(yi)) {
      xs.push(xi);
      ys.push(yi);
    }
  }
  return [Float64Array.from(xs), Float64Array.from(ys)];
}

/** Kendall's tau-b (as scipy.stats.kendalltau), with tie correction. O(n²); NaN when undefined. */
export function kendallTau(x: ArrayLike<number>, y: ArrayLike<number>): number {
  const [a, b] = finitePairs(x, y);
  const n = a.length;
  let s = 0;
  for (let i = 0; i < n; i++) {
    const ai = a[i]!;
    const bi = b[i]!;
    for (let j = i + 1; j < n; j++) {
      const dx = ai - a[j]!;
      const dy = bi - b[j]!;
      if (dx !== 0 && dy !== 0) s += (dx > 0) === (dy > 0) ? 1 : -1;
    }
  }
  // tau-b = (concordant − discordant) / √((n0 − n1)(n0 − n2)), n1 / n2 the pairs tied in x / in y.
  const denom = Math.sqrt(countNotTied(a) * countNotTied(b));
  return denom > 0 ? s / denom : NaN;
}

function countNotTied(v: Float64Array): number {
  const n = v.length;
  const sorted = Float64Array.from(v).sort();
  let tied = 0;
  let run = 1;
  for (let i = 1; i <= n; i++) {
    if (i < n && sorted[i] === sorted[i - 1]) run++;
    else {
      tied += (run * (run - 1)) / 2;
      run = 1;
    }
  }
  return (n * (n - 1)) / 2 - tied;
}

/** Average ranks (1-based), ties share the mean rank. */
export function ranks(v: ArrayLike<number>): Float64Array {
  const n = v.length;
  const order = Array.from({ length: n }, (_, i) => i).sort((p, q) => v[p]! - v[q]!);
  const r = new Float64Array(n);
  for (let i = 0; i < n; ) {
    let j = i;
    while (j + 1 < n && v[order[j + 1]!] === v[order[i]!]) j++;
    const avg = (i + j) / 2 + 1;
    for (let t = i; t <= j; t++) r[order[t]!] = avg;
    i = j + 1;
  }
  return r;
}

export function pearson(x: ArrayLike<number>, y: ArrayLike<number>): number {
  const [a, b] = finitePairs(x, y);
  const n = a.length;
  if (n < 2) return NaN;
  let ma = 0;
  let mb = 0;
  for (let i = 0; i < n; i++) {
    ma += a[i]!;
    mb += b[i]!;
  }
  ma /= n;
  mb /= n;
  let sab = 0;
  let saa = 0;
  let sbb = 0;
  for (let i = 0; i < n; i++) {
    const da = a[i]! - ma;
    const db = b[i]! - mb;
    sab += da * db;
    saa += da ** 2;
    sbb += db ** 2;
  }
  return saa > 0 && sbb > 0 ? sab / Math.sqrt(saa * sbb) : NaN;
}

/** Spearman's rho: Pearson correlation of average ranks. */
export function spearman(x: ArrayLike<number>, y: ArrayLike<number>): number {
  const [a, b] = finitePairs(x, y);
  return pearson(ranks(a), ranks(b));
}

/**
 * Precision@K as in DELE's test_xk: K = ⌊fraction·N⌋ (at least 1), |TopK(true) ∩ TopK(pred)| / K.
 * Ties at the boundary are broken by index, deterministically.
 */
export function precisionAtTop(pred: ArrayLike<number>, truth: ArrayLike<number>, fraction: number): number {
  const [p, t] = finitePairs(pred, truth);
  const n = p.length;
  if (n === 0) return NaN;
  const k = Math.max(1, Math.floor(fraction * n));
  const top = (v: Float64Array): Set<number> =>
    new Set(
      Array.from({ length: n }, (_, i) => i)
        .sort((i, j) => v[j]! - v[i]! || i - j)
        .slice(0, k),
    );
  const tp = top(p);
  let hit = 0;
  for (const i of top(t)) if (tp.has(i)) hit++;
  return hit / k;
}

export function meanAbsoluteError(pred: ArrayLike<number>, truth: ArrayLike<number>): number {
  const [p, t] = finitePairs(pred, truth);
  if (p.length === 0) return NaN;
  let s = 0;
  for (let i = 0; i < p.length; i++) s += Math.abs(p[i]! - t[i]!);
  return s / p.length;
}

export interface EvalMetrics {
  n: number;
  kendallTau: number;
  spearman: number;
  /** Precision@top 1%, 5%, 10%. */
  precisionAt1: number;
  precisionAt5: number;
  precisionAt10: number;
  /** Mean absolute error of the calibrated accuracy, in the target's unit (%). */
  mae: number;
}

export function evaluate(scores: ArrayLike<number>, predicted: ArrayLike<number>, truth: ArrayLike<number>): EvalMetrics {
  return {
    n: finitePairs(scores, truth)[0].length,
    kendallTau: kendallTau(scores, truth),
    spearman: spearman(scores, truth),
    precisionAt1: precisionAtTop(scores, truth, 0.01),
    precisionAt5: precisionAtTop(scores, truth, 0.05),
    precisionAt10: precisionAtTop(scores, truth, 0.1),
    mae: meanAbsoluteError(predicted, truth),
  };
}

/** Metrics of raw ranking scores; the MAE is of their calibrated values (the target's unit). */
export function evaluateCalibrated(scores: ArrayLike<number>, calibration: Calibration, truth: ArrayLike<number>): EvalMetrics {
  return evaluate(scores, Array.from(scores, (s) => applyCalibration(calibration, s)), truth);
}

export function meanStd(v: number[]): { mean: number; std: number } {
  const f = v.filter(Number.isFinite);
  if (f.length === 0) return { mean: NaN, std: NaN };
  const mean = f.reduce((a, b) => a + b, 0) / f.length;
  // Population std (numpy's default), as in result tables reported "mean (std) over N runs".
  const std = Math.sqrt(f.reduce((a, b) => a + (b - mean) ** 2, 0) / f.length);
  return { mean, std };
}
