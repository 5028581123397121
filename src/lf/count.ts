/**
 * Closed-form low-fidelity measures of a `Network`: flops, params, ReLU activation count and l2_norm, with the
 * conventions of NAS-Bench-Suite-Zero (NASLib `zerocost` branch).
 *
 * flops follow tensorwatch's `ModelStats(model, [1, 3, H, W]).Flops` (`model_graph/torchstat/compute_flops.py`),
 * batch 1, reported in millions:
 * - conv: k² · cin · (cout / groups) · Ho · Wo, plus cout · Ho · Wo with a bias;
 * - batch norm: numel × 2 when affine, else × 1;
 * - ReLU: numel of its input;
 * - avg / max pool: C · Ho · Wo · k²;
 * - global average pool (AdaptiveAvgPool2d(1)): C · (H + 1) · (W + 1), tensorwatch's adaptive-pool count;
 * - linear: in · out (the bias is not counted);
 * - add, concat, zero, shift (slicing) and identities: 0.
 * params: conv and linear weights and biases, batch-norm gamma and beta when affine, in millions.
 *
 * Pure TypeScript, no tfjs.
 */
import type { LayerWeights } from './init';
import { type Network, weightCount } from './network';

function shapeOf(net: Network, i: number): { h: number; w: number; c: number } {
  const s = net.shapes[i];
  if (!s) throw new Error(`count: no shape for layer ${i}`);
  return s;
}

const numel = (s: { h: number; w: number; c: number }): number => s.h * s.w * s.c;

/** Exact flops (not divided) of layer i, tensorwatch convention, batch 1. */
export function layerFlops(net: Network, i: number): number {
  const l = net.layers[i];
  if (!l) throw new Error(`count: no layer ${i}`);
  const out = shapeOf(net, i);
  switch (l.op) {
    case 'conv': {
      const cin = shapeOf(net, l.x).c;
      const pos = out.h * out.w;
      return l.k * l.k * cin * (l.cout / l.groups) * pos + (l.bias ? l.cout * pos : 0);
    }
    case 'bn':
      return numel(out) * (l.affine ? 2 : 1);
    case 'relu':
      return numel(shapeOf(net, l.x));
    case 'avgpool':
    case 'maxpool':
      return numel(out) * l.k * l.k;
    case 'gap': {
      const s = shapeOf(net, l.x);
      return s.c * (s.h + 1) * (s.w + 1);
    }
    case 'linear':
      return shapeOf(net, l.x).c * l.out;
    case 'input':
    case 'add':
    case 'concat':
    case 'zero':
    case 'shift':
      return 0;
  }
}

/** Exact parameter count of layer i (weights, biases, affine BN gamma and beta). */
export function layerParams(net: Network, i: number): number {
  const l = net.layers[i];
  if (!l) throw new Error(`count: no layer ${i}`);
  switch (l.op) {
    case 'conv':
      return weightCount(net, i) + (l.bias ? l.cout : 0);
    case 'linear':
      return weightCount(net, i) + l.out;
    case 'bn':
      return l.affine ? 2 * shapeOf(net, i).c : 0;
    default:
      return 0;
  }
}

function sumLayers(net: Network, f: (net: Network, i: number) => number): number {
  let total = 0;
  for (let i = 0; i < net.layers.length; i++) total += f(net, i);
  return total;
}

/** NAS-Bench-Suite-Zero `flops`: tensorwatch MFLOPs of one image (see the module comment). */
export function countFlops(net: Network): number {
  return sumLayers(net, layerFlops) / 1e6;
}

/** NAS-Bench-Suite-Zero `params`: parameters in millions (conv/linear weights and biases, affine BN). */
export function countParams(net: Network): number {
  return sumLayers(net, layerParams) / 1e6;
}

/**
 * Number of activations that pass through a ReLU for one image, in millions (the sum of the input sizes of
 * every ReLU layer, also those on edges whose result is unused). Equals the ReLU part of `countFlops`.
 */
export function countReluActivations(net: Network): number {
  return sumLayers(net, (n, i) => (n.layers[i]?.op === 'relu' ? layerFlops(n, i) : 0)) / 1e6;
}

/** Alias of countReluActivations (activations through a ReLU per image, in millions). */
export const countRelus = countReluActivations;

/**
 * NAS-Bench-Suite-Zero `l2_norm`: Σ over conv and linear layers of the Frobenius norm of the weight (no
 * biases, no batch norm), accumulated in float64. `weights` as from `initWeights(net, seed)`.
 */
export function l2Norm(net: Network, weights: readonly (LayerWeights | undefined)[]): number {
  let total = 0;
  for (let i = 0; i < net.layers.length; i++) {
    const op = net.layers[i]?.op;
    if (op !== 'conv' && op !== 'linear') continue;
    const lw = weights[i];
    if (!lw) throw new Error(`l2Norm: no weights for layer ${i} (${op})`);
    let s = 0;
    for (let j = 0; j < lw.w.length; j++) {
      const v = lw.w[j] as number;
      s += v * v;
    }
    total += Math.sqrt(s);
  }
  return total;
}
