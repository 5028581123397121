/** Ranking and regression metrics over paired arrays; NaN entries (in either) are skipped. */
import { finitePairs, kendallTau } from '../util/kendall';
import { applyCalibration, type Calibration } from './calibration';

export { kendallTau };

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
