/**
 * DELE's pairwise ranking objective (compare_data + margin_linear, dele-method.md §3).
 */
import * as tf from '@tensorflow/tfjs-core';
import type { Rng } from './rng';

/** Pairs of batch positions: the loss wants sign·(s[a2] − s[a1]) ≥ margin. */
export interface PairSet {
  a1: Int32Array;
  a2: Int32Array;
  /** 2y − 1 with y = 1[v(a2) > v(a1)]. */
  sign: Float32Array;
}

/**
 * Candidate pairs are all i < j with both values finite (missing LF values are masked, the arch stays) and
 * |v_i − v_j| > threshold (ties dropped); at most ⌊maxRatio·N⌋ of them are kept, drawn uniformly without
 * replacement, N being the number of finite values. Each pair is (a1 = j, a2 = i, y = 1[v_i > v_j]).
 */
export function samplePairs(values: ArrayLike<number>, rng: Rng, maxRatio = 4, threshold = 0): PairSet {
  const idx: number[] = [];
  for (let i = 0; i < values.length; i++) if (Number.isFinite(values[i])) idx.push(i);
  const n = idx.length;
  const cand: number[] = [];
  for (let p = 0; p < n; p++) {
    const vi = values[idx[p]];
    for (let q = p + 1; q < n; q++) {
      if (Math.abs(vi - values[idx[q]]) > threshold) cand.push(idx[p] * values.length + idx[q]);
    }
  }
  const nMax = Math.floor(maxRatio * n);
  let chosen = cand;
  if (cand.length > nMax) {
    for (let t = 0; t < nMax; t++) {
      const r = t + rng.int(cand.length - t);
      const tmp = cand[t];
      cand[t] = cand[r];
      cand[r] = tmp;
    }
    chosen = cand.slice(0, nMax);
  }
  const out: PairSet = {
    a1: new Int32Array(chosen.length),
    a2: new Int32Array(chosen.length),
    sign: new Float32Array(chosen.length),
  };
  chosen.forEach((c, t) => {
    const i = Math.floor(c / values.length);
    const j = c % values.length;
    out.a1[t] = j;
    out.a2[t] = i;
    out.sign[t] = values[i] > values[j] ? 1 : -1;
  });
  return out;
}

/** Plain-JS value of the hinge loss for one row of scores (used by tests and reports). */
export function hingeLossValue(scores: ArrayLike<number>, pairs: PairSet, margin: number): number {
  let total = 0;
  for (let p = 0; p < pairs.a1.length; p++) {
    total += Math.max(0, margin - pairs.sign[p] * (scores[pairs.a2[p]] - scores[pairs.a1[p]]));
  }
  return pairs.a1.length > 0 ? total / pairs.a1.length : 0;
}

/**
 * Σ_k mean_pairs_k max(0, m − sign·(s_k[a2] − s_k[a1])) for scores [K, B] and one pair set per row.
 * The gradient is computed in JS (a subgradient at the kink), which avoids gather gradients that the wasm
 * backend lacks and is exact.
 */
export function hingeLoss(scores: tf.Tensor2D, pairSets: PairSet[], margin: number): tf.Scalar {
  const [k, b] = scores.shape;
  if (pairSets.length !== k) throw new Error(`expected ${k} pair sets, got ${pairSets.length}`);
  const f = tf.customGrad(((s: tf.Tensor) => {
    const v = s.dataSync();
    const grad = new Float32Array(k * b);
    let total = 0;
    for (let r = 0; r < k; r++) {
      const ps = pairSets[r];
      const n = ps.a1.length;
      if (n === 0) continue;
      const off = r * b;
      for (let p = 0; p < n; p++) {
        const sg = ps.sign[p];
        const h = margin - sg * (v[off + ps.a2[p]] - v[off + ps.a1[p]]);
        if (h > 0) {
          total += h / n;
          grad[off + ps.a2[p]] -= sg / n;
          grad[off + ps.a1[p]] += sg / n;
        }
      }
    }
    return { value: tf.scalar(total), gradFunc: (dy: tf.Tensor) => tf.mul(dy, tf.tensor(grad, s.shape)) };
  }) as unknown as Parameters<typeof tf.customGrad>[0]);
  return f(scores) as tf.Scalar;
}
