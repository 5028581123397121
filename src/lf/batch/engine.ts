/**
 * The batch engine: one forward of a `Network` on the current tfjs backend, then hand-written backwards (no tape),
 * giving NASLib's data-dependent proxies (NAS-Bench-Suite-Zero, `zerocost` branch) for one minibatch:
 * nwot (forward only), jacov (backward of the summed logits to the images) and, from one backward of the mean
 * cross-entropy, snip, grad_norm, fisher and plain. Definitions: ../../../../shared/docs/lf-compute.md §1.
 *
 * Memory: a forward value is kept only while a later forward op or a backward step needs it, and a saved value
 * is freed as soon as the last backward pass has gone below the earliest layer that reads it. Gradients live
 * only between their producer and their layer. So batch 64 of NB201's all-conv3x3 cell fits the 4 GiB wasm heap.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { LayerWeights } from '../init';
import { fanIn, type Layer, type Network } from '../network';
import { corrcoef, logAbsDet, symmetricEigenvalues } from './linalg';
import * as ops from './ops';

export interface BatchInput {
  /** [n, h, w, 3] NHWC, already normalised. */
  images: Float32Array;
  labels: Int32Array;
  n: number;
}

export interface BatchWants {
  nwot?: boolean;
  jacov?: boolean;
  /** snip, grad_norm, fisher, plain (one loss backward). */
  lossGrads?: boolean;
}

/** A measure that came out NaN or infinite is NaN (missing). */
export interface BatchResult {
  nwot?: number;
  jacov?: number;
  snip?: number;
  grad_norm?: number;
  fisher?: number;
  plain?: number;
}

/** Which backward: to the input images (jacov) or to the weights (loss measures). */
type Mode = 'input' | 'weights';

function inputsOf(l: Layer): number[] {
  if (l.op === 'input') return [];
  if (l.op === 'add' || l.op === 'concat') return l.xs;
  return [l.x];
}

function need<T>(v: T | undefined, what: string): T {
  if (v === undefined) throw new Error(`batch engine: missing ${what}`);
  return v;
}

/** Layers whose value reaches the logits (a `zero` layer passes nothing back). */
function liveLayers(net: Network): boolean[] {
  const live = net.layers.map(() => false);
  live[net.output] = true;
  for (let i = net.output; i > 0; i--) {
    const l = net.layers[i];
    if (!l || !live[i] || l.op === 'zero') continue;
    for (const x of inputsOf(l)) live[x] = true;
  }
  return live;
}

/** Layers that can carry a gradient in a mode: downstream of the images (input) or of a weight (weights). */
function gradLayers(net: Network, mode: Mode): boolean[] {
  const g: boolean[] = [];
  net.layers.forEach((l, i) => {
    if (l.op === 'input') g[i] = mode === 'input';
    else if (l.op === 'zero') g[i] = false;
    else g[i] = (mode === 'weights' && (l.op === 'conv' || l.op === 'linear')) || inputsOf(l).some((x) => g[x] === true);
  });
  return g;
}

/** Values that layer i's backward reads, in a mode (layer indices). */
function backwardReads(l: Layer, i: number, mode: Mode): number[] {
  switch (l.op) {
    case 'conv':
    case 'linear':
      return mode === 'weights' ? [l.x, i] : [];
    case 'bn':
    case 'relu':
      return [i];
    case 'maxpool':
      return [l.x];
    default:
      return [];
  }
}

interface Tensors {
  w: tf.Tensor;
  b?: tf.Tensor1D;
}

/** Running sums of the loss-gradient measures, in Float64. */
interface LossSums {
  snip: number;
  gradNorm: number;
  plain: number;
  fisher: number;
}

class Run {
  readonly values: (tf.Tensor4D | undefined)[] = [];
  /** bn: 1/σ per channel. */
  readonly aux: (tf.Tensor | undefined)[] = [];
  readonly params: (Tensors | undefined)[] = [];
  /** Sees every dL/dW (tests). */
  onWeightGrad?: (layer: number, dw: Float32Array) => void;
  private readonly shapes: [number, number, number, number][];

  constructor(
    readonly net: Network,
    readonly weights: (LayerWeights | undefined)[],
    readonly n: number,
  ) {
    this.shapes = net.shapes.map((s): [number, number, number, number] => [n, s.h, s.w, s.c]);
  }

  shape(i: number): [number, number, number, number] {
    return need(this.shapes[i], `shape ${i}`);
  }

  value(i: number): tf.Tensor4D {
    return need(this.values[i], `value of layer ${i}`);
  }

  param(i: number): Tensors {
    const have = this.params[i];
    if (have) return have;
    const l = this.net.layers[i];
    const lw = need(this.weights[i], `weights of layer ${i}`);
    let t: Tensors;
    if (l?.op === 'conv') {
      const cin = need(this.net.shapes[l.x], 'shape').c;
      const w = l.groups === 1 ? tf.tensor4d(lw.w, [l.k, l.k, cin, l.cout]) : tf.tensor4d(lw.w, [l.k, l.k, cin, 1]);
      t = { w, ...(l.bias && lw.b ? { b: tf.tensor1d(lw.b) } : {}) };
    } else if (l?.op === 'linear') {
      const cin = need(this.net.shapes[l.x], 'shape').c;
      t = { w: tf.tensor2d(lw.w, [cin, l.out]), ...(lw.b ? { b: tf.tensor1d(lw.b) } : {}) };
    } else {
      throw new Error(`batch engine: layer ${i} has no weights`);
    }
    this.params[i] = t;
    return t;
  }

  free(i: number): void {
    this.values[i]?.dispose();
    this.values[i] = undefined;
    this.aux[i]?.dispose();
    this.aux[i] = undefined;
  }

  dispose(): void {
    for (let i = 0; i < this.values.length; i++) this.free(i);
    for (const p of this.params) {
      p?.w.dispose();
      p?.b?.dispose();
    }
  }

  /** Layer i's forward from the values of its inputs. */
  forward(i: number): void {
    const l = need(this.net.layers[i], `layer ${i}`);
    const x = (): tf.Tensor4D => this.value((l as { x: number }).x);
    switch (l.op) {
      case 'input':
        throw new Error('batch engine: the input is set, not computed');
      case 'conv': {
        const p = this.param(i);
        this.values[i] = ops.convForward(x(), p.w as tf.Tensor4D, p.b, { k: l.k, stride: l.stride, pad: l.pad, dilation: l.dilation, depthwise: l.groups !== 1 });
        return;
      }
      case 'bn': {
        const r = ops.bnForward(x());
        this.values[i] = r.y;
        this.aux[i] = r.invStd;
        return;
      }
      case 'relu':
        this.values[i] = tf.relu(x());
        return;
      case 'avgpool':
        this.values[i] = ops.avgPoolForward(x(), l, l.countIncludePad);
        return;
      case 'maxpool':
        this.values[i] = ops.maxPoolForward(x(), l);
        return;
      case 'add':
        this.values[i] = l.xs.length === 1 ? tf.clone(this.value(need(l.xs[0], 'add input'))) : (tf.addN(l.xs.map((j) => this.value(j))) as tf.Tensor4D);
        return;
      case 'concat':
        this.values[i] = tf.concat(l.xs.map((j) => this.value(j)), 3);
        return;
      case 'zero':
        this.values[i] = tf.zeros(this.shape(i));
        return;
      case 'shift':
        this.values[i] = ops.shiftForward(x());
        return;
      case 'gap':
        this.values[i] = ops.gapForward(x());
        return;
      case 'linear': {
        const p = this.param(i);
        this.values[i] = ops.linearForward(x(), p.w as tf.Tensor2D, p.b);
        return;
      }
    }
  }

  /**
   * One backward from `seed` (dvalue of the output layer). Weights mode accumulates the loss measures into `sums`;
   * input mode returns d/dimages. With `freeAfter`, each saved value is freed once the pass is below its earliest reader.
   */
  backward(seed: tf.Tensor4D, mode: Mode, freeAfter: number[][] | undefined, sums: LossSums): tf.Tensor4D | undefined {
    const net = this.net;
    const grads: (tf.Tensor4D | undefined)[] = [];
    grads[net.output] = seed;
    const give = (j: number, g: tf.Tensor4D): void => {
      if (!this.wants(j, mode)) {
        g.dispose();
        return;
      }
      const old = grads[j];
      if (!old) {
        grads[j] = g;
        return;
      }
      grads[j] = tf.add(old, g) as tf.Tensor4D;
      old.dispose();
      g.dispose();
    };
    try {
      for (let i = net.output; i > 0; i--) {
        const g = grads[i];
        grads[i] = undefined;
        if (g) {
          try {
            this.backwardLayer(i, g, mode, give, sums);
          } finally {
            g.dispose();
          }
        }
        for (const j of freeAfter?.[i] ?? []) this.free(j);
      }
      const dx = grads[0];
      grads[0] = undefined;
      return dx;
    } finally {
      for (const g of grads) g?.dispose();
    }
  }

  private backwardLayer(i: number, g: tf.Tensor4D, mode: Mode, give: (j: number, g: tf.Tensor4D) => void, sums: LossSums): void {
    const l = need(this.net.layers[i], `layer ${i}`);
    switch (l.op) {
      case 'input':
        return;
      case 'conv': {
        const p = this.param(i);
        const geom = { k: l.k, stride: l.stride, pad: l.pad, dilation: l.dilation, depthwise: l.groups !== 1 };
        if (mode === 'weights') {
          const dw = ops.convBackwardFilter(this.value(l.x), g, geom);
          this.lossTerms(i, dw, g, sums);
        }
        if (this.wants(l.x, mode)) give(l.x, ops.convBackwardInput(g, p.w as tf.Tensor4D, this.shape(l.x), geom));
        return;
      }
      case 'linear': {
        const p = this.param(i);
        if (mode === 'weights') this.lossTerms(i, ops.linearBackwardFilter(this.value(l.x), g), g, sums);
        if (this.wants(l.x, mode)) give(l.x, ops.linearBackwardInput(g, p.w as tf.Tensor2D));
        return;
      }
      case 'bn':
        if (this.wants(l.x, mode)) give(l.x, ops.bnBackward(g, this.value(i), need(this.aux[i], 'bn 1/σ') as tf.Tensor1D));
        return;
      case 'relu':
        if (this.wants(l.x, mode)) give(l.x, ops.reluBackward(g, this.value(i)));
        return;
      case 'avgpool':
        give(l.x, ops.avgPoolBackward(g, this.shape(l.x), l, l.countIncludePad));
        return;
      case 'maxpool':
        give(l.x, ops.maxPoolBackward(g, this.value(l.x), l));
        return;
      case 'add':
        for (const j of l.xs) give(j, tf.clone(g));
        return;
      case 'concat': {
        const parts = ops.concatBackward(g, l.xs.map((j) => this.shape(j)[3]));
        l.xs.forEach((j, k) => give(j, need(parts[k], 'concat part')));
        return;
      }
      case 'zero':
        return;
      case 'shift':
        give(l.x, ops.shiftBackward(g));
        return;
      case 'gap':
        give(l.x, ops.gapBackward(g, this.shape(l.x)));
        return;
    }
  }

  private gradMask = new Map<Mode, boolean[]>();
  private wants(j: number, mode: Mode): boolean {
    let m = this.gradMask.get(mode);
    if (!m) {
      m = gradLayers(this.net, mode);
      this.gradMask.set(mode, m);
    }
    return m[j] === true;
  }

  /** snip, grad_norm, plain from dL/dW (Float64 in JS); fisher from the layer's output z and g = dL/dz. */
  private lossTerms(i: number, dw: tf.Tensor, g: tf.Tensor4D, sums: LossSums): void {
    const d = dw.dataSync() as Float32Array;
    dw.dispose();
    this.onWeightGrad?.(i, d);
    const w = need(this.weights[i], `weights of layer ${i}`).w;
    let sq = 0;
    for (let k = 0; k < d.length; k++) {
      const gk = d[k] as number;
      const p = (w[k] as number) * gk;
      sums.snip += Math.abs(p);
      sums.plain += p;
      sq += gk * gk;
    }
    sums.gradNorm += Math.sqrt(sq);
    const s = tf.tidy(() => tf.sum(tf.mul(this.value(i), g), [1, 2]));
    const sv = s.dataSync();
    s.dispose();
    const [n = 1, , , c = 0] = g.shape;
    let f = 0;
    for (let ch = 0; ch < c; ch++) {
      let m = 0;
      for (let b = 0; b < n; b++) m += (sv[b * c + ch] as number) ** 2;
      f += (0.5 * m) / n;
    }
    sums.fisher += f * fanIn(this.net, i);
  }
}

/**
 * nwot's kernel K += c cᵀ + (1-c)(1-c)ᵀ for c = 1[a > 0] per sample: K_ij = m - hamming(c_i, c_j), exact integers.
 * The codes are bit-packed in JS and compared with popcounts (tfjs wasm's matMul of [n, m] by [m, n] is ~10x slower).
 */
function addNwot(k: Float64Array, relu: tf.Tensor4D, n: number): void {
  const v = relu.dataSync();
  const m = v.length / n;
  const words = Math.ceil(m / 32);
  const bits = new Int32Array(n * words);
  for (let b = 0; b < n; b++) {
    const base = b * m;
    const row = b * words;
    for (let j = 0; j < m; j++) if ((v[base + j] as number) > 0) bits[row + (j >>> 5)] = (bits[row + (j >>> 5)] as number) | (1 << (j & 31));
  }
  for (let i = 0; i < n; i++) {
    for (let j = i; j < n; j++) {
      let ham = 0;
      for (let w = 0; w < words; w++) {
        let x = (bits[i * words + w] as number) ^ (bits[j * words + w] as number);
        x -= (x >>> 1) & 0x55555555;
        x = (x & 0x33333333) + ((x >>> 2) & 0x33333333);
        ham += (Math.imul((x + (x >>> 4)) & 0x0f0f0f0f, 0x01010101) >>> 24);
      }
      const add = m - ham;
      k[i * n + j] = (k[i * n + j] as number) + add;
      if (j !== i) k[j * n + i] = (k[j * n + i] as number) + add;
    }
  }
}

/** -Σ [ln(λ+1e-5) + 1/(λ+1e-5)] over the eigenvalues of the samples' correlation matrix of dR/dx. */
function jacovScore(j: Float32Array, n: number): number {
  const ev = symmetricEigenvalues(corrcoef(j, n, j.length / n), n);
  let s = 0;
  for (const l of ev) s += Math.log(l + 1e-5) + 1 / (l + 1e-5);
  return -s;
}

/** Softmax cross-entropy gradient (mean over the batch) of logits [n, classes], in Float64. */
function lossSeed(logits: Float32Array, labels: Int32Array, n: number, classes: number): tf.Tensor4D {
  const g = new Float32Array(n * classes);
  for (let b = 0; b < n; b++) {
    let mx = -Infinity;
    for (let c = 0; c < classes; c++) mx = Math.max(mx, logits[b * classes + c] as number);
    let z = 0;
    for (let c = 0; c < classes; c++) z += Math.exp((logits[b * classes + c] as number) - mx);
    for (let c = 0; c < classes; c++) g[b * classes + c] = (Math.exp((logits[b * classes + c] as number) - mx) / z - (labels[b] === c ? 1 : 0)) / n;
  }
  return tf.tensor4d(g, [n, 1, 1, classes]);
}

const finite = (v: number): number => (Number.isFinite(v) ? v : NaN);

/** What to compute and when to free: layers to run, and the values to drop after each forward / backward step. */
interface Plan {
  modes: Mode[];
  live: boolean[];
  computed: boolean[];
  freeInForward: number[][];
  freeAfter: number[][];
}

function plan(net: Network, modes: Mode[], nwot: boolean): Plan {
  const live = liveLayers(net);
  // Every layer runs when nwot is wanted (relus whose result is unused still count); else only those that reach the logits.
  const computed = net.layers.map((_, i) => nwot || live[i] === true);
  // fwdLast[x]: the last forward reader of value x; bwdFirst[x]: the earliest layer whose backward reads it.
  const fwdLast = net.layers.map((_, i) => (i === net.output ? Infinity : i));
  const bwdFirst: number[] = net.layers.map(() => Infinity);
  net.layers.forEach((l, j) => {
    if (!computed[j]) return;
    if (l.op !== 'zero') for (const x of inputsOf(l)) fwdLast[x] = Math.max(fwdLast[x] ?? x, j);
    if (!live[j]) return;
    for (const m of modes) for (const x of backwardReads(l, j, m)) bwdFirst[x] = Math.min(bwdFirst[x] ?? Infinity, j);
  });
  const freeAfter: number[][] = net.layers.map(() => []);
  bwdFirst.forEach((j, x) => {
    if (Number.isFinite(j)) freeAfter[j]?.push(x);
  });
  const freeInForward: number[][] = net.layers.map(() => []);
  fwdLast.forEach((j, x) => {
    if (Number.isFinite(j) && !Number.isFinite(bwdFirst[x] ?? Infinity)) freeInForward[j]?.push(x);
  });
  return { modes, live, computed, freeInForward, freeAfter };
}

/** The forward over the planned layers; accumulates nwot's kernel when given one. */
function forwardPass(run: Run, p: Plan, images: Float32Array, kNwot: Float64Array | undefined): void {
  const net = run.net;
  const s0 = need(net.shapes[0], 'input shape');
  if (images.length !== run.n * s0.h * s0.w * s0.c) throw new Error(`batch engine: ${images.length} pixels for ${run.n} images of ${s0.h}x${s0.w}x${s0.c}`);
  run.values[0] = tf.tensor4d(images, [run.n, s0.h, s0.w, s0.c]);
  for (let i = 1; i < net.layers.length; i++) {
    if (!p.computed[i]) continue;
    run.forward(i);
    if (kNwot && net.layers[i]?.op === 'relu') addNwot(kNwot, run.value(i), run.n);
    for (const x of p.freeInForward[i] ?? []) run.free(x);
  }
}

/**
 * Runs the forward (and the backwards that `wants` needs) of `net` with `weights` on one batch; synchronous.
 * jacov and the loss measures share one forward (its saved values outlive the first backward). Every tensor it
 * creates is disposed before it returns, also on error.
 */
export function runBatchMeasures(net: Network, weights: (LayerWeights | undefined)[], input: BatchInput, wants: BatchWants): BatchResult {
  const n = input.n;
  if (input.labels.length !== n) throw new Error(`batch engine: ${input.labels.length} labels for ${n} images`);
  const modes: Mode[] = [];
  if (wants.jacov) modes.push('input');
  if (wants.lossGrads) modes.push('weights');
  const p = plan(net, modes, wants.nwot === true);
  const run = new Run(net, weights, n);
  const result: BatchResult = {};
  try {
    const kNwot = wants.nwot ? new Float64Array(n * n) : undefined;
    forwardPass(run, p, input.images, kNwot);
    if (kNwot) result.nwot = finite(logAbsDet(kNwot, n));
    if (modes.length === 0) return result;
    const logits = run.value(net.output).dataSync() as Float32Array;
    const sums: LossSums = { snip: 0, gradNorm: 0, plain: 0, fisher: 0 };
    if (wants.jacov) {
      const dx = run.backward(tf.ones([n, 1, 1, net.classes]), 'input', wants.lossGrads ? undefined : p.freeAfter, sums);
      result.jacov = dx ? finite(jacovScore(dx.dataSync() as Float32Array, n)) : NaN;
      dx?.dispose();
    }
    if (wants.lossGrads) {
      run.backward(lossSeed(logits, input.labels, n, net.classes), 'weights', p.freeAfter, sums)?.dispose();
      result.snip = finite(sums.snip);
      result.grad_norm = finite(sums.gradNorm);
      result.plain = finite(sums.plain);
      result.fisher = finite(sums.fisher);
    }
    return result;
  } finally {
    run.dispose();
  }
}

/** Raw gradients of one batch, for checks: the output's values, d/dimages and every dW of Σ output·seed (or of the loss). */
export interface BatchGradients {
  output: Float32Array;
  dx: Float32Array;
  dW: (Float32Array | undefined)[];
}

/**
 * Gradients of `seed`·output (seed: the output's shape [n, h, w, c], flattened) or of the mean cross-entropy
 * ('loss', labels needed) with respect to the images and every conv/linear weight. The output may be any layer.
 */
export function batchGradients(net: Network, weights: (LayerWeights | undefined)[], images: Float32Array, n: number, seed: Float32Array | { labels: Int32Array }): BatchGradients {
  const p = plan(net, ['input', 'weights'], false);
  const run = new Run(net, weights, n);
  const dW: (Float32Array | undefined)[] = net.layers.map(() => undefined);
  run.onWeightGrad = (i, d) => {
    dW[i] = Float32Array.from(d);
  };
  try {
    forwardPass(run, p, images, undefined);
    const out = run.value(net.output);
    const output = Float32Array.from(out.dataSync());
    const shape = run.shape(net.output);
    const mk = (): tf.Tensor4D => (seed instanceof Float32Array ? tf.tensor4d(seed, shape) : lossSeed(output, seed.labels, n, shape[3]));
    const sums: LossSums = { snip: 0, gradNorm: 0, plain: 0, fisher: 0 };
    const g = run.backward(mk(), 'input', undefined, sums);
    const dx = g ? Float32Array.from(g.dataSync()) : new Float32Array(images.length);
    g?.dispose();
    run.backward(mk(), 'weights', p.freeAfter, sums)?.dispose();
    return { output, dx, dW };
  } finally {
    run.dispose();
  }
}
