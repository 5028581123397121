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

interface Dims {
  h: number;
  w: number;
  c: number;
}

function dims(net: Network, i: number): Dims {
  const s = net.shapes[i];
  if (!s) throw new Error(`synflow: no shape for layer ${i}`);
  return s;
}

function absCopy(a: ArrayLike<number>): Float64Array {
  const out = new Float64Array(a.length);
  for (let i = 0; i < a.length; i++) out[i] = Math.abs(a[i]!);
  return out;
}

/** Layers with a path to the output (the others cannot change R, so they are not run). */
function liveLayers(net: Network): boolean[] {
  const live = net.layers.map(() => false);
  live[net.output] = true;
  for (let i = net.output; i > 0; i--) {
    if (!live[i]) continue;
    for (const j of inputsOf(net.layers[i]!)) live[j] = true;
  }
  return live;
}

function inputsOf(l: Layer): number[] {
  if (l.op === 'input') return [];
  if (l.op === 'add' || l.op === 'concat') return l.xs;
  return [l.x];
}

// ---------------------------------------------------------------------------------------------------------------
// Kernels (NHWC, batch 1). Loops run over the innermost (channel) axis, which is contiguous.

interface ConvGeom {
  h: number;
  w: number;
  ci: number;
  ho: number;
  wo: number;
  co: number;
  k: number;
  stride: number;
  pad: number;
  dilation: number;
}

/** The receptive fields of a conv as (input offset, output offset, weight offset) triples, padding skipped. */
function convTaps(g: ConvGeom): Int32Array {
  const { h, w, ci, ho, wo, co, k, stride, pad, dilation } = g;
  const taps: number[] = [];
  for (let oy = 0; oy < ho; oy++) {
    for (let ky = 0; ky < k; ky++) {
      const iy = oy * stride - pad + ky * dilation;
      if (iy < 0 || iy >= h) continue;
      for (let ox = 0; ox < wo; ox++) {
        for (let kx = 0; kx < k; kx++) {
          const ix = ox * stride - pad + kx * dilation;
          if (ix < 0 || ix >= w) continue;
          taps.push((iy * w + ix) * ci, (oy * wo + ox) * co, (ky * k + kx) * ci * co);
        }
      }
    }
  }
  return Int32Array.from(taps);
}

function convForward(x: Float64Array, wt: Float64Array, bias: Float64Array | undefined, g: ConvGeom): Float64Array {
  const { ho, wo, ci, co } = g;
  const y = new Float64Array(ho * wo * co);
  if (bias) for (let p = 0; p < ho * wo; p++) y.set(bias, p * co);
  const taps = convTaps(g);
  for (let t = 0; t < taps.length; t += 3) {
    const xo = taps[t]!;
    const yo = taps[t + 1]!;
    const wo0 = taps[t + 2]!;
    for (let c = 0; c < ci; c++) {
      const xv = x[xo + c]!;
      if (xv === 0) continue;
      const wb = wo0 + c * co;
      for (let o = 0; o < co; o++) y[yo + o]! += xv * wt[wb + o]!;
    }
  }
  return y;
}

/** dx += conv-transpose(dy, W). */
function convBackwardInput(dy: Float64Array, wt: Float64Array, dx: Float64Array, g: ConvGeom): void {
  const { ci, co } = g;
  const taps = convTaps(g);
  for (let t = 0; t < taps.length; t += 3) {
    const xo = taps[t]!;
    const yo = taps[t + 1]!;
    const wo0 = taps[t + 2]!;
    for (let c = 0; c < ci; c++) {
      const wb = wo0 + c * co;
      let s = 0;
      for (let o = 0; o < co; o++) s += dy[yo + o]! * wt[wb + o]!;
      dx[xo + c]! += s;
    }
  }
}

/** dW = Σ over positions of x ⊗ dy. */
function convBackwardWeights(x: Float64Array, dy: Float64Array, g: ConvGeom): Float64Array {
  const { k, ci, co } = g;
  const dw = new Float64Array(k * k * ci * co);
  const taps = convTaps(g);
  for (let t = 0; t < taps.length; t += 3) {
    const xo = taps[t]!;
    const yo = taps[t + 1]!;
    const wo0 = taps[t + 2]!;
    for (let c = 0; c < ci; c++) {
      const xv = x[xo + c]!;
      if (xv === 0) continue;
      const wb = wo0 + c * co;
      for (let o = 0; o < co; o++) dw[wb + o]! += xv * dy[yo + o]!;
    }
  }
  return dw;
}

/** Depthwise (ci = co = c, weights [k, k, 1, c]). mode 0: forward into y; 1: dx += ...; 2: dw += .... */
function depthwise(mode: 0 | 1 | 2, a: Float64Array, b: Float64Array, out: Float64Array, g: ConvGeom): void {
  const { h, w, ho, wo, co: c, k, stride, pad, dilation } = g;
  for (let oy = 0; oy < ho; oy++) {
    for (let ky = 0; ky < k; ky++) {
      const iy = oy * stride - pad + ky * dilation;
      if (iy < 0 || iy >= h) continue;
      for (let ox = 0; ox < wo; ox++) {
        const yo = (oy * wo + ox) * c;
        for (let kx = 0; kx < k; kx++) {
          const ix = ox * stride - pad + kx * dilation;
          if (ix < 0 || ix >= w) continue;
          const xo = (iy * w + ix) * c;
          const wo0 = (ky * k + kx) * c;
          if (mode === 0) {
            // a = x, b = W, out = y
            for (let j = 0; j < c; j++) out[yo + j]! += a[xo + j]! * b[wo0 + j]!;
          } else if (mode === 1) {
            // a = dy, b = W, out = dx
            for (let j = 0; j < c; j++) out[xo + j]! += a[yo + j]! * b[wo0 + j]!;
          } else {
            // a = x, b = dy, out = dW
            for (let j = 0; j < c; j++) out[wo0 + j]! += a[xo + j]! * b[yo + j]!;
          }
        }
      }
    }
  }
}

interface PoolGeom {
  h: number;
  w: number;
  c: number;
  ho: number;
  wo: number;
  k: number;
  stride: number;
  pad: number;
}

/** PyTorch's avg-pool divisor for output (oy, ox) (ceil_mode false). */
function avgDivisor(g: PoolGeom, oy: number, ox: number, countIncludePad: boolean): { y0: number; y1: number; x0: number; x1: number; div: number } {
  const hs = oy * g.stride - g.pad;
  const ws = ox * g.stride - g.pad;
  const he = Math.min(hs + g.k, g.h + g.pad);
  const we = Math.min(ws + g.k, g.w + g.pad);
  const poolSize = (he - hs) * (we - ws);
  const y0 = Math.max(hs, 0);
  const x0 = Math.max(ws, 0);
  const y1 = Math.min(he, g.h);
  const x1 = Math.min(we, g.w);
  return { y0, y1, x0, x1, div: countIncludePad ? poolSize : (y1 - y0) * (x1 - x0) };
}

function avgPool(x: Float64Array, g: PoolGeom, countIncludePad: boolean, backward: Float64Array | undefined): Float64Array {
  // Forward: returns y. Backward (backward = dy): returns dx contributions to add.
  const { w, c, ho, wo } = g;
  const out = backward ? new Float64Array(g.h * w * c) : new Float64Array(ho * wo * c);
  for (let oy = 0; oy < ho; oy++) {
    for (let ox = 0; ox < wo; ox++) {
      const { y0, y1, x0, x1, div } = avgDivisor(g, oy, ox, countIncludePad);
      const yo = (oy * wo + ox) * c;
      const inv = 1 / div;
      for (let iy = y0; iy < y1; iy++) {
        for (let ix = x0; ix < x1; ix++) {
          const xo = (iy * w + ix) * c;
          if (backward) for (let j = 0; j < c; j++) out[xo + j]! += backward[yo + j]! * inv;
          else for (let j = 0; j < c; j++) out[yo + j]! += x[xo + j]!;
        }
      }
      if (!backward) for (let j = 0; j < c; j++) out[yo + j]! *= inv;
    }
  }
  return out;
}

/** Max pool forward; `arg` receives the input index of each output's first maximum (PyTorch's tie rule). */
function maxPool(x: Float64Array, g: PoolGeom, arg: Int32Array): Float64Array {
  const { h, w, c, ho, wo, k, stride, pad } = g;
  const y = new Float64Array(ho * wo * c).fill(-Infinity);
  arg.fill(-1);
  for (let oy = 0; oy < ho; oy++) {
    for (let ox = 0; ox < wo; ox++) {
      const yo = (oy * wo + ox) * c;
      for (let ky = 0; ky < k; ky++) {
        const iy = oy * stride - pad + ky;
        if (iy < 0 || iy >= h) continue;
        for (let kx = 0; kx < k; kx++) {
          const ix = ox * stride - pad + kx;
          if (ix < 0 || ix >= w) continue;
          const xo = (iy * w + ix) * c;
          for (let j = 0; j < c; j++) {
            const v = x[xo + j]!;
            // PyTorch: (val > maxval) || isnan(val)
            if (v > y[yo + j]! || Number.isNaN(v)) {
              y[yo + j] = v;
              arg[yo + j] = xo + j;
            }
          }
        }
      }
    }
  }
  return y;
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

/**
 * One synflow forward and backward pass (float64, BN = identity, |parameters|). `weights[i]` holds the weights
 * of conv/linear layer i (as `initWeights`); their absolute values are used.
 */
export function synflowPass(net: Network, weights: readonly (SynflowLayerWeights | undefined)[], opts: SynflowOptions = {}): SynflowPass {
  const n = net.layers.length;
  const live = liveLayers(net);
  const acts: (Float64Array | undefined)[] = new Array<Float64Array | undefined>(n);
  const wts: (Float64Array | undefined)[] = new Array<Float64Array | undefined>(n);
  const biases: (Float64Array | undefined)[] = new Array<Float64Array | undefined>(n);
  const argmax: (Int32Array | undefined)[] = new Array<Int32Array | undefined>(n);
  const act = (j: number): Float64Array => {
    const a = acts[j];
    if (!a) throw new Error(`synflow: layer ${j} has not run`);
    return a;
  };

  // Forward.
  const in0 = dims(net, 0);
  const inputSize = in0.h * in0.w * in0.c;
  if (opts.input && opts.input.length !== inputSize) throw new Error(`synflow: input has ${opts.input.length} values, expected ${inputSize}`);
  acts[0] = opts.input ?? new Float64Array(inputSize).fill(1);
  for (let i = 1; i <= net.output; i++) {
    if (!live[i]) continue;
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
        const x = act(l.x);
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
        acts[i] = act(l.x); // identity (bn=False); activations are never written after their layer ran
        break;
      case 'relu': {
        const x = act(l.x);
        const y = new Float64Array(x.length);
        for (let j = 0; j < x.length; j++) y[j] = x[j]! > 0 ? x[j]! : 0;
        acts[i] = y;
        break;
      }
      case 'avgpool':
        acts[i] = avgPool(act(l.x), poolGeom(net, i, l), l.countIncludePad, undefined);
        break;
      case 'maxpool': {
        const arg = new Int32Array(o.h * o.w * o.c);
        acts[i] = maxPool(act(l.x), poolGeom(net, i, l), arg);
        argmax[i] = arg;
        break;
      }
      case 'add': {
        const y = new Float64Array(o.h * o.w * o.c);
        for (const j of l.xs) {
          const x = act(j);
          for (let t = 0; t < y.length; t++) y[t]! += x[t]!;
        }
        acts[i] = y;
        break;
      }
      case 'concat': {
        const y = new Float64Array(o.h * o.w * o.c);
        let c0 = 0;
        for (const j of l.xs) {
          const x = act(j);
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
        const x = act(l.x);
        const s = dims(net, l.x);
        const y = new Float64Array(o.h * o.w * o.c);
        for (let r = 0; r < o.h; r++) y.set(x.subarray(((r + 1) * s.w + 1) * s.c, ((r + 1) * s.w + 1 + o.w) * s.c), r * o.w * o.c);
        acts[i] = y;
        break;
      }
      case 'gap': {
        const x = act(l.x);
        const s = dims(net, l.x);
        const y = new Float64Array(s.c);
        for (let p = 0; p < s.h * s.w; p++) for (let c = 0; c < s.c; c++) y[c]! += x[p * s.c + c]!;
        for (let c = 0; c < s.c; c++) y[c]! /= s.h * s.w;
        acts[i] = y;
        break;
      }
    }
  }
  const logits = act(net.output);
  let r = 0;
  for (let c = 0; c < logits.length; c++) r += logits[c]!;

  // Backward: grads[i] = ∂R/∂(output of layer i); complete once every later layer has run.
  const grads: (Float64Array | undefined)[] = new Array<Float64Array | undefined>(n);
  const gradOf = (j: number): Float64Array => {
    let g = grads[j];
    if (!g) {
      const s = dims(net, j);
      g = new Float64Array(s.h * s.w * s.c);
      grads[j] = g;
    }
    return g;
  };
  grads[net.output] = new Float64Array(logits.length).fill(1);
  const layerScores = new Float64Array(n);
  const weightGrads: (Float64Array | undefined)[] | undefined = opts.weightGrads ? new Array<Float64Array | undefined>(n) : undefined;
  for (let i = net.output; i > 0; i--) {
    const dy = grads[i];
    if (!dy) continue;
    const l = net.layers[i]!;
    switch (l.op) {
      case 'input':
        break;
      case 'conv':
      case 'linear': {
        const w = wts[i]!;
        const x = act(l.x);
        // The input image needs no gradient.
        const dx = l.x === 0 ? undefined : gradOf(l.x);
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
          const y = act(i);
          const b = biases[i];
          const co = dims(net, i).c;
          let s = 0;
          if (b) for (let t = 0; t < y.length; t++) s += (y[t]! - b[t % co]!) * dy[t]!;
          else for (let t = 0; t < y.length; t++) s += y[t]! * dy[t]!;
          layerScores[i] = s;
        }
        break;
      }
      case 'bn': {
        const dx = gradOf(l.x);
        for (let t = 0; t < dy.length; t++) dx[t]! += dy[t]!;
        break;
      }
      case 'relu': {
        const x = act(l.x);
        const dx = gradOf(l.x);
        for (let t = 0; t < dy.length; t++) if (x[t]! > 0) dx[t]! += dy[t]!;
        break;
      }
      case 'avgpool': {
        const d = avgPool(act(l.x), poolGeom(net, i, l), l.countIncludePad, dy);
        const dx = gradOf(l.x);
        for (let t = 0; t < d.length; t++) dx[t]! += d[t]!;
        break;
      }
      case 'maxpool': {
        const arg = argmax[i]!;
        const dx = gradOf(l.x);
        for (let t = 0; t < dy.length; t++) {
          const a = arg[t]!;
          if (a >= 0) dx[a]! += dy[t]!;
        }
        break;
      }
      case 'add':
        for (const j of l.xs) {
          const dx = gradOf(j);
          for (let t = 0; t < dy.length; t++) dx[t]! += dy[t]!;
        }
        break;
      case 'concat': {
        const o = dims(net, i);
        let c0 = 0;
        for (const j of l.xs) {
          const cj = dims(net, j).c;
          const dx = gradOf(j);
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
        const dx = gradOf(l.x);
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
        const dx = gradOf(l.x);
        const inv = 1 / (s.h * s.w);
        for (let p = 0; p < s.h * s.w; p++) for (let c = 0; c < s.c; c++) dx[p * s.c + c]! += dy[c]! * inv;
        break;
      }
    }
    // Free what is no longer needed: this layer's gradient (weights are scored above).
    grads[i] = undefined;
  }
  let score = 0;
  for (let i = 0; i < n; i++) score += layerScores[i]!;
  if (weightGrads) {
    // Layers with weights but no path to R have ∂R/∂W = 0.
    for (let i = 0; i < n; i++) {
      const l = net.layers[i]!;
      if ((l.op === 'conv' || l.op === 'linear') && !weightGrads[i]) weightGrads[i] = new Float64Array(weights[i]?.w.length ?? 0);
    }
  }
  return weightGrads ? { r, layerScores, score, grads: weightGrads } : { r, layerScores, score };
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
