/**
 * Kendall's tau-b over paired arrays, NaN pairs skipped: the one implementation for metrics (predictor) and for
 * choosing structural measures (data, space), which cannot import the predictor.
 */

const isFiniteNumber = (v: number | undefined): v is number => Number.isFinite(v);

/** The pairs where both values are finite numbers. */
export function finitePairs(x: ArrayLike<number>, y: ArrayLike<number>): [Float64Array, Float64Array] {
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
