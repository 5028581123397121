// Helpers shared by the data build scripts.

// Kendall's tau-b over pairs where both values are present (O(n^2); fine for a few thousand archs).
export function kendallTauB(x, y) {
  const xs = [];
  const ys = [];
  for (let i = 0; i < x.length; i++) if (x[i] !== null && y[i] !== null) { xs.push(x[i]); ys.push(y[i]); }
  const n = xs.length;
  let c = 0, d = 0, tx = 0, ty = 0;
  for (let i = 0; i < n; i++) {
    const xi = xs[i], yi = ys[i];
    for (let j = i + 1; j < n; j++) {
      const a = xs[j] - xi, b = ys[j] - yi;
      if (a === 0 && b === 0) continue;
      if (a === 0) tx++;
      else if (b === 0) ty++;
      else if ((a > 0) === (b > 0)) c++;
      else d++;
    }
  }
  const den = Math.sqrt((c + d + tx) * (c + d + ty));
  return den > 0 ? (c - d) / den : NaN;
}
