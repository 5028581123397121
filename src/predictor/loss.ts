/**
 * DELE's pairwise ranking objective (compare_data + margin_linear, dele-method.md §3).
 */
import * as tf from '@tensorflow/tfjs-core';
import type { Rng } from '../util/rng';

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
    const ip = idx[p]!;
    const vi = values[ip]!;
    for (let q = p + 1; q < n; q++) {
      const iq = idx[q]!;
      if (Math.abs(vi - values[iq]!) > threshold) cand.push(ip * values.length + iq);
    }
  }
  const nMax = Math.floor(maxRatio * n);
  let chosen = cand;
  if (cand.length > nMax) {
    for (let t = 0; t < nMax; t++) {
      const r = t + rng.int(cand.length - t);
      const tmp = cand[t]!;
      cand[t] = cand[r]!;
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
    out.sign[t] = values[i]! > values[j]! ? 1 : -1;
  });
  return out;
}

/**
 * Advances `rng` exactly as samplePairs(values, rng, maxRatio, threshold) would, without building the pairs:
 * samplePairs draws one number per kept pair when it has more candidates than ⌊maxRatio·N⌋, none otherwise.
 * With threshold 0 the candidates are counted in O(N) (all finite pairs minus the tied ones; for finite
 * doubles |a − b| > 0 exactly when a ≠ b). A worker thread that trains some experts uses it to follow the
 * shared random stream through the other experts' pair draws.
 */
export function skipPairs(values: ArrayLike<number>, rng: Rng, maxRatio = 4, threshold = 0): void {
  let n = 0;
  let candidates = 0;
  if (threshold === 0) {
    const counts = new Map<number, number>();
    for (let i = 0; i < values.length; i++) {
      const v = values[i]!;
      if (!Number.isFinite(v)) continue;
      n++;
      counts.set(v, (counts.get(v) ?? 0) + 1);
    }
    candidates = (n * (n - 1)) / 2;
    for (const c of counts.values()) candidates -= (c * (c - 1)) / 2;
  } else {
    const finite: number[] = [];
    for (let i = 0; i < values.length; i++) if (Number.isFinite(values[i])) finite.push(values[i]!);
    n = finite.length;
    for (let p = 0; p < n; p++) for (let q = p + 1; q < n; q++) if (Math.abs(finite[p]! - finite[q]!) > threshold) candidates++;
  }
  const nMax = Math.floor(maxRatio * n);
  if (candidates > nMax) for (let t = 0; t < nMax; t++) rng.nextU32();
}

/** Plain-JS value of the hinge loss for one row of scores (used by tests and reports). */
export function hingeLossValue(scores: ArrayLike<number>, pairs: PairSet, margin: number): number {
  return hingeValueAndGrad(scores, scores.length, [pairs], margin).value;
}

/**
 * Value and gradient of Σ_r mean_pairs_r max(0, m − sign·(s_r[a2] − s_r[a1])) for row-major scores [R, B]
 * and one pair set per row; the gradient is a subgradient (0 at the kink).
 */
export function hingeValueAndGrad(scores: ArrayLike<number>, b: number, pairSets: PairSet[], margin: number): { value: number; grad: Float32Array } {
  const grad = new Float32Array(pairSets.length * b);
  let value = 0;
  pairSets.forEach((ps, r) => {
    const n = ps.a1.length;
    const off = r * b;
    for (let p = 0; p < n; p++) {
      const sg = ps.sign[p]!;
      const i2 = off + ps.a2[p]!;
      const i1 = off + ps.a1[p]!;
      const h = margin - sg * (scores[i2]! - scores[i1]!);
      if (h > 0) {
        value += h / n;
        grad[i2]! -= sg / n;
        grad[i1]! += sg / n;
      }
    }
  });
  return { value, grad };
}

/**
 * The hinge loss as a differentiable tfjs op over scores [K, B] (one pair set per row). The gradient is
 * computed in JS, which avoids gather gradients (missing in the wasm backend) and is exact.
 */
export function hingeLoss(scores: tf.Tensor2D, pairSets: PairSet[], margin: number): tf.Scalar {
  const [k, b] = scores.shape;
  if (pairSets.length !== k) throw new Error(`expected ${k} pair sets, got ${pairSets.length}`);
  const f = tf.customGrad(((s: tf.Tensor) => {
    const { value, grad } = hingeValueAndGrad(s.dataSync(), b, pairSets, margin);
    return { value: tf.scalar(value), gradFunc: (dy: tf.Tensor) => tf.mul(dy, tf.tensor(grad, s.shape)) };
  }) as unknown as Parameters<typeof tf.customGrad>[0]);
  return f(scores) as tf.Scalar;
}
