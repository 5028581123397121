/**
 * Synflow (Tanaka et al., 2020) as NAS-Bench-Suite-Zero computed it (NASLib `zerocost`,
 * `predictors/pruners/measures/synflow.py`, `predictive.py`, `zerocost.py`):
 * - batch norm replaced by the identity (`bn=False`), the network in float64;
 * - every parameter replaced by its absolute value (biases too);
 * - input = ones [1, h, w, 3], R = Σ logits;
 * - score = Σ over conv and linear weights of Σ |W ⊙ ∂R/∂W|; reported as ln(score) (0 stays 0).
 *
 * A plain-JS Float64Array engine at batch 1 (forward keeping every activation, then backward), over every
 * layer kind of `Network`. float64 matters: ln(score) reaches ~120 on NB301 and exceeds ln(FLT_MAX) = 88.7 on
 * 8 % of NB201 cells.
 *
 * Fast path. With |W|, |b| and a non-negative input, every activation is ≥ 0 and every ∂R/∂activation is ≥ 0
 * (ReLUs pass or stop, pools and sums route, convs and linears have non-negative weights), so ∂R/∂W ≥ 0 and
 * Σ |W ⊙ ∂R/∂W| = Σ W ⊙ ∂R/∂W. As each conv/linear output y is linear in W, that equals Σ (y − b) ⊙ ∂R/∂y,
 * which needs no weight gradient at all (a third of the arithmetic). `synflowPass(…, { weightGrads: true })`
 * computes the weight gradients explicitly and sums |W ⊙ ∂R/∂W| literally; the tests check that both agree.
 *
 * Pure TypeScript, no tfjs.
 */
import type { Layer, Network } from './network';
import { absCopy, avgPool, convBackwardInput, convBackwardWeights, convForward, type ConvGeom, depthwise, dims, liveLayers, maxPool, type PoolGeom } from './synflowKernels';

/** Weights of one conv or linear layer (as LayerWeights from init.ts; any float array). */
export interface SynflowLayerWeights {
  w: ArrayLike<number>;
  b?: ArrayLike<number>;
}

export interface SynflowOptions {
  /** Compute ∂R/∂W of every conv/linear layer and sum |W ⊙ ∂R/∂W| literally (slower). Default false. */
  weightGrads?: boolean;
  /** Input [h, w, 3] (NHWC, batch 1); default ones, as synflow. Used by tests (finite differences). */
  input?: Float64Array;
}

export interface SynflowPass {
  /** R = Σ logits of the forward pass. */
  r: number;
  /** Σ |W ⊙ ∂R/∂W| per layer (0 for layers without weights or without a path to the output). */
  layerScores: Float64Array;
  /** Σ of layerScores: the raw synflow score. */
  score: number;
  /** With weightGrads: ∂R/∂W per conv/linear layer, in the layout of the weights (HWIO / [in, out]). */
  grads?: (Float64Array | undefined)[];
}

// ---------------------------------------------------------------------------------------------------------------

function convGeom(net: Network, i: number, l: Extract<Layer, { op: 'conv' }>): ConvGeom {
  const s = dims(net, l.x);
  const o = dims(net, i);
  return { h: s.h, w: s.w, ci: s.c, ho: o.h, wo: o.w, co: o.c, k: l.k, stride: l.stride, pad: l.pad, dilation: l.dilation };
}

function poolGeom(net: Network, i: number, l: { x: number; k: number; stride: number; pad: number }): PoolGeom {
  const s = dims(net, l.x);
  const o = dims(net, i);
  return { h: s.h, w: s.w, c: s.c, ho: o.h, wo: o.w, k: l.k, stride: l.stride, pad: l.pad };
}

/** What the forward pass keeps for the backward pass (per layer index). */
interface PassState {
  net: Network;
  acts: (Float64Array | undefined)[];
  /** |W| and |b| of conv/linear layers. */
  wts: (Float64Array | undefined)[];
  biases: (Float64Array | undefined)[];
  argmax: (Int32Array | undefined)[];
  /** ∂R/∂(output of layer i); complete once every later layer has run. */
  grads: (Float64Array | undefined)[];
  layerScores: Float64Array;
  weightGrads?: (Float64Array | undefined)[];
}

function act(st: PassState, j: number): Float64Array {
  const a = st.acts[j];
  if (!a) throw new Error(`synflow: layer ${j} has not run`);
  return a;
}

function gradOf(st: PassState, j: number): Float64Array {
  let g = st.grads[j];
  if (!g) {
    const s = dims(st.net, j);
    g = new Float64Array(s.h * s.w * s.c);
    st.grads[j] = g;
  }
  return g;
}

/** Layer i's output from its inputs' (which have run), kept in st.acts[i]. */
function forwardLayer(st: PassState, i: number, weights: readonly (SynflowLayerWeights | undefined)[]): void {
  const { net, acts, wts, biases, argmax } = st;
  const l = net.layers[i]!;
  const o = dims(net, i);
  switch (l.op) {
    case 'input':
      throw new Error('synflow: only layer 0 is an input');
    case 'conv':
    case 'linear': {
      const lw = weights[i];
      if (!lw) throw new Error(`synflow: no weights for layer ${i} (${l.op})`);
      const w = absCopy(lw.w);
      const b = lw.b ? absCopy(lw.b) : undefined;
      wts[i] = w;
      biases[i] = b;
      const x = act(st, l.x);
      if (l.op === 'linear') {
        const nin = dims(net, l.x).c;
        const y = b ? Float64Array.from(b) : new Float64Array(l.out);
        for (let a = 0; a < nin; a++) {
          const xv = x[a]!;
          const wb = a * l.out;
          for (let c = 0; c < l.out; c++) y[c]! += xv * w[wb + c]!;
        }
        acts[i] = y;
      } else {
        const g = convGeom(net, i, l);
        if (l.groups === 1) {
          acts[i] = convForward(x, w, b, g);
        } else {
          const y = new Float64Array(g.ho * g.wo * g.co);
          if (b) for (let p = 0; p < g.ho * g.wo; p++) y.set(b, p * g.co);
          depthwise(0, x, w, y, g);
          acts[i] = y;
        }
      }
      break;
    }
    case 'bn':
      acts[i] = act(st, l.x); // identity (bn=False); activations are never written after their layer ran
      break;
    case 'relu': {
      const x = act(st, l.x);
      const y = new Float64Array(x.length);
      for (let j = 0; j < x.length; j++) y[j] = x[j]! > 0 ? x[j]! : 0;
      acts[i] = y;
      break;
    }
    case 'avgpool':
      acts[i] = avgPool(act(st, l.x), poolGeom(net, i, l), l.countIncludePad, undefined);
      break;
    case 'maxpool': {
      const arg = new Int32Array(o.h * o.w * o.c);
      acts[i] = maxPool(act(st, l.x), poolGeom(net, i, l), arg);
      argmax[i] = arg;
      break;
    }
    case 'add': {
      const y = new Float64Array(o.h * o.w * o.c);
      for (const j of l.xs) {
        const x = act(st, j);
        for (let t = 0; t < y.length; t++) y[t]! += x[t]!;
      }
      acts[i] = y;
      break;
    }
    case 'concat': {
      const y = new Float64Array(o.h * o.w * o.c);
      let c0 = 0;
      for (const j of l.xs) {
        const x = act(st, j);
        const cj = dims(net, j).c;
        for (let p = 0; p < o.h * o.w; p++) y.set(x.subarray(p * cj, (p + 1) * cj), p * o.c + c0);
        c0 += cj;
      }
      acts[i] = y;
      break;
    }
    case 'zero':
      acts[i] = new Float64Array(o.h * o.w * o.c);
      break;
    case 'shift': {
      const x = act(st, l.x);
      const s = dims(net, l.x);
      const y = new Float64Array(o.h * o.w * o.c);
      for (let r = 0; r < o.h; r++) y.set(x.subarray(((r + 1) * s.w + 1) * s.c, ((r + 1) * s.w + 1 + o.w) * s.c), r * o.w * o.c);
      acts[i] = y;
      break;
    }
    case 'gap': {
      const x = act(st, l.x);
      const s = dims(net, l.x);
      const y = new Float64Array(s.c);
      for (let p = 0; p < s.h * s.w; p++) for (let c = 0; c < s.c; c++) y[c]! += x[p * s.c + c]!;
      for (let c = 0; c < s.c; c++) y[c]! /= s.h * s.w;
      acts[i] = y;
      break;
    }
  }
}

/** A conv or linear layer's backward step: its input's gradient, and its weights' synflow score. */
function backwardWeighted(st: PassState, i: number, l: Extract<Layer, { op: 'conv' | 'linear' }>, dy: Float64Array): void {
  const { net, wts, biases, layerScores, weightGrads } = st;
  const w = wts[i]!;
  const x = act(st, l.x);
  // The input image needs no gradient.
  const dx = l.x === 0 ? undefined : gradOf(st, l.x);
  let dw: Float64Array | undefined;
  if (l.op === 'linear') {
    const nin = x.length;
    if (dx) {
      for (let a = 0; a < nin; a++) {
        const wb = a * l.out;
        let s = 0;
        for (let c = 0; c < l.out; c++) s += dy[c]! * w[wb + c]!;
        dx[a]! += s;
      }
    }
    if (weightGrads) {
      dw = new Float64Array(w.length);
      for (let a = 0; a < nin; a++) for (let c = 0; c < l.out; c++) dw[a * l.out + c] = x[a]! * dy[c]!;
    }
  } else {
    const g = convGeom(net, i, l);
    if (l.groups === 1) {
      if (dx) convBackwardInput(dy, w, dx, g);
      if (weightGrads) dw = convBackwardWeights(x, dy, g);
    } else {
      if (dx) depthwise(1, dy, w, dx, g);
      if (weightGrads) {
        dw = new Float64Array(w.length);
        depthwise(2, x, dy, dw, g);
      }
    }
  }
  if (weightGrads && dw) {
    weightGrads[i] = dw;
    let s = 0;
    for (let t = 0; t < w.length; t++) s += Math.abs(w[t]! * dw[t]!);
    layerScores[i] = s;
  } else {
    // Σ W ⊙ ∂R/∂W = Σ (y − b) ⊙ ∂R/∂y (y linear in W; all terms ≥ 0, see the module comment).
    const y = act(st, i);
    const b = biases[i];
    const co = dims(net, i).c;
    let s = 0;
    if (b) for (let t = 0; t < y.length; t++) s += (y[t]! - b[t % co]!) * dy[t]!;
    else for (let t = 0; t < y.length; t++) s += y[t]! * dy[t]!;
    layerScores[i] = s;
  }
}

/** Adds layer i's ∂R/∂input to its inputs' gradients, and scores its weights. */
function backwardLayer(st: PassState, i: number, dy: Float64Array): void {
  const { net, argmax } = st;
  const l = net.layers[i]!;
  switch (l.op) {
    case 'input':
      break;
    case 'conv':
    case 'linear':
      backwardWeighted(st, i, l, dy);
      break;
    case 'bn': {
      const dx = gradOf(st, l.x);
      for (let t = 0; t < dy.length; t++) dx[t]! += dy[t]!;
      break;
    }
    case 'relu': {
      const x = act(st, l.x);
      const dx = gradOf(st, l.x);
      for (let t = 0; t < dy.length; t++) if (x[t]! > 0) dx[t]! += dy[t]!;
      break;
    }
    case 'avgpool': {
      const d = avgPool(act(st, l.x), poolGeom(net, i, l), l.countIncludePad, dy);
      const dx = gradOf(st, l.x);
      for (let t = 0; t < d.length; t++) dx[t]! += d[t]!;
      break;
    }
    case 'maxpool': {
      const arg = argmax[i]!;
      const dx = gradOf(st, l.x);
      for (let t = 0; t < dy.length; t++) {
        const a = arg[t]!;
        if (a >= 0) dx[a]! += dy[t]!;
      }
      break;
    }
    case 'add':
      for (const j of l.xs) {
        const dx = gradOf(st, j);
        for (let t = 0; t < dy.length; t++) dx[t]! += dy[t]!;
      }
      break;
    case 'concat': {
      const o = dims(net, i);
      let c0 = 0;
      for (const j of l.xs) {
        const cj = dims(net, j).c;
        const dx = gradOf(st, j);
        for (let p = 0; p < o.h * o.w; p++) {
          const src = p * o.c + c0;
          const dst = p * cj;
          for (let c = 0; c < cj; c++) dx[dst + c]! += dy[src + c]!;
        }
        c0 += cj;
      }
      break;
    }
    case 'zero':
      break;
    case 'shift': {
      const s = dims(net, l.x);
      const o = dims(net, i);
      const dx = gradOf(st, l.x);
      for (let r = 0; r < o.h; r++) {
        for (let q = 0; q < o.w; q++) {
          const src = (r * o.w + q) * o.c;
          const dst = ((r + 1) * s.w + q + 1) * s.c;
          for (let c = 0; c < o.c; c++) dx[dst + c]! += dy[src + c]!;
        }
      }
      break;
    }
    case 'gap': {
      const s = dims(net, l.x);
      const dx = gradOf(st, l.x);
      const inv = 1 / (s.h * s.w);
      for (let p = 0; p < s.h * s.w; p++) for (let c = 0; c < s.c; c++) dx[p * s.c + c]! += dy[c]! * inv;
      break;
    }
  }
}

/**
 * One synflow forward and backward pass (float64, BN = identity, |parameters|). `weights[i]` holds the weights
 * of conv/linear layer i (as `initWeights`); their absolute values are used.
 */
export function synflowPass(net: Network, weights: readonly (SynflowLayerWeights | undefined)[], opts: SynflowOptions = {}): SynflowPass {
  const n = net.layers.length;
  const live = liveLayers(net);
  const slots = <T>(): (T | undefined)[] => new Array<T | undefined>(n);
  const st: PassState = { net, acts: slots(), wts: slots(), biases: slots(), argmax: slots(), grads: slots(), layerScores: new Float64Array(n) };
  if (opts.weightGrads) st.weightGrads = slots();

  // Forward.
  const in0 = dims(net, 0);
  const inputSize = in0.h * in0.w * in0.c;
  if (opts.input && opts.input.length !== inputSize) throw new Error(`synflow: input has ${opts.input.length} values, expected ${inputSize}`);
  st.acts[0] = opts.input ?? new Float64Array(inputSize).fill(1);
  for (let i = 1; i <= net.output; i++) if (live[i]) forwardLayer(st, i, weights);
  const logits = act(st, net.output);
  let r = 0;
  for (let c = 0; c < logits.length; c++) r += logits[c]!;

  // Backward.
  st.grads[net.output] = new Float64Array(logits.length).fill(1);
  for (let i = net.output; i > 0; i--) {
    const dy = st.grads[i];
    if (!dy) continue;
    backwardLayer(st, i, dy);
    // Free what is no longer needed: this layer's gradient (weights are scored above).
    st.grads[i] = undefined;
  }
  let score = 0;
  for (let i = 0; i < n; i++) score += st.layerScores[i]!;
  const { weightGrads } = st;
  if (!weightGrads) return { r, layerScores: st.layerScores, score };
  // Layers with weights but no path to R have ∂R/∂W = 0.
  for (let i = 0; i < n; i++) {
    const l = net.layers[i]!;
    if ((l.op === 'conv' || l.op === 'linear') && !weightGrads[i]) weightGrads[i] = new Float64Array(weights[i]?.w.length ?? 0);
  }
  return { r, layerScores: st.layerScores, score, grads: weightGrads };
}

/** The raw synflow score Σ |W ⊙ ∂R/∂W| (float64). */
export function synflowScore(net: Network, weights: readonly (SynflowLayerWeights | undefined)[]): number {
  return synflowPass(net, weights).score;
}

/**
 * NAS-Bench-Suite-Zero's reported synflow: ln(score); a score of 0 gives 0; NaN or ±inf gives NaN (NASLib
 * stores −1e8 there, the bundled tables store null).
 */
export function synflow(net: Network, weights: readonly (SynflowLayerWeights | undefined)[]): number {
  const s = synflowScore(net, weights);
  if (!Number.isFinite(s)) return NaN;
  if (s === 0) return 0;
  return Math.log(s);
}
