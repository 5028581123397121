/**
 * Small dense Float64 linear algebra for the batch measures (B x B matrices, B ~ 64): log|det| (nwot's slogdet),
 * row correlation (numpy's corrcoef) and symmetric eigenvalues (cyclic Jacobi), as NASLib computes them in numpy.
 */

/** ln|det A| of a row-major n x n matrix by LU with partial pivoting; -Infinity when singular. A is not modified. */
export function logAbsDet(a: Float64Array, n: number): number {
  const m = Float64Array.from(a);
  let logDet = 0;
  for (let k = 0; k < n; k++) {
    let piv = k;
    let best = Math.abs(m[k * n + k] as number);
    for (let i = k + 1; i < n; i++) {
      const v = Math.abs(m[i * n + k] as number);
      if (v > best) {
        best = v;
        piv = i;
      }
    }
    if (!(best > 0)) return best === 0 ? -Infinity : NaN;
    if (piv !== k) {
      for (let j = 0; j < n; j++) {
        const t = m[k * n + j] as number;
        m[k * n + j] = m[piv * n + j] as number;
        m[piv * n + j] = t;
      }
    }
    const d = m[k * n + k] as number;
    logDet += Math.log(Math.abs(d));
    for (let i = k + 1; i < n; i++) {
      const f = (m[i * n + k] as number) / d;
      if (f === 0) continue;
      for (let j = k + 1; j < n; j++) m[i * n + j] = (m[i * n + j] as number) - f * (m[k * n + j] as number);
    }
  }
  return logDet;
}

/** numpy.corrcoef of the rows of x [rows, cols] (row-major): rows centred, covariance normalised, clipped to [-1, 1]. */
export function corrcoef(x: ArrayLike<number>, rows: number, cols: number): Float64Array {
  const c = new Float64Array(x.length);
  for (let r = 0; r < rows; r++) {
    let s = 0;
    for (let j = 0; j < cols; j++) s += x[r * cols + j] as number;
    const mean = s / cols;
    for (let j = 0; j < cols; j++) c[r * cols + j] = (x[r * cols + j] as number) - mean;
  }
  const cov = new Float64Array(rows * rows);
  for (let i = 0; i < rows; i++) {
    for (let k = i; k < rows; k++) {
      let s = 0;
      for (let j = 0; j < cols; j++) s += (c[i * cols + j] as number) * (c[k * cols + j] as number);
      cov[i * rows + k] = s;
      cov[k * rows + i] = s;
    }
  }
  const out = new Float64Array(rows * rows);
  for (let i = 0; i < rows; i++) {
    for (let k = 0; k < rows; k++) {
      const v = (cov[i * rows + k] as number) / Math.sqrt((cov[i * rows + i] as number) * (cov[k * rows + k] as number));
      out[i * rows + k] = Number.isNaN(v) ? NaN : Math.min(1, Math.max(-1, v));
    }
  }
  return out;
}

/** Eigenvalues of a symmetric n x n matrix (cyclic Jacobi rotations), unsorted; NaN entries give NaNs. */
export function symmetricEigenvalues(a: Float64Array, n: number): Float64Array {
  const m = Float64Array.from(a);
  const at = (i: number, j: number): number => m[i * n + j] as number;
  if (m.some((v) => !Number.isFinite(v))) return new Float64Array(n).fill(NaN);
  for (let sweep = 0; sweep < 100; sweep++) {
    let off = 0;
    let diag = 0;
    for (let i = 0; i < n; i++) {
      diag += at(i, i) * at(i, i);
      for (let j = i + 1; j < n; j++) off += at(i, j) * at(i, j);
    }
    if (off <= 1e-30 * diag || off === 0) break;
    for (let p = 0; p < n - 1; p++) {
      for (let q = p + 1; q < n; q++) {
        const apq = at(p, q);
        if (apq === 0) continue;
        const theta = (at(q, q) - at(p, p)) / (2 * apq);
        const t = Math.sign(theta || 1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        const cs = 1 / Math.sqrt(t * t + 1);
        const sn = t * cs;
        for (let k = 0; k < n; k++) {
          const akp = at(k, p);
          const akq = at(k, q);
          m[k * n + p] = cs * akp - sn * akq;
          m[k * n + q] = sn * akp + cs * akq;
        }
        for (let k = 0; k < n; k++) {
          const apk = at(p, k);
          const aqk = at(q, k);
          m[p * n + k] = cs * apk - sn * aqk;
          m[q * n + k] = sn * apk + cs * aqk;
        }
      }
    }
  }
  const ev = new Float64Array(n);
  for (let i = 0; i < n; i++) ev[i] = at(i, i);
  return ev;
}
