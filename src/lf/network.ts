/**
 * The network seam of the low-fidelity (LF) measures: a space that can build its training network describes it
 * as a `Network`, a small typed graph of layers. Every measure works on this description, never on one space's
 * layout, so one counter (flops, params), one Float64 engine (synflow) and one batch engine (nwot, jacov, snip,
 * grad_norm, fisher, plain) serve NAS-Bench-201, DARTS and any later space.
 *
 * Conventions follow NASLib's `zerocost` branch (NAS-Bench-Suite-Zero): NHWC tensors, batch implicit, PyTorch
 * symmetric padding, PyTorch-default initialisation (conv/linear W and bias ~ U(±1/sqrt(fan_in)), BN gamma 1 and
 * beta 0), batch-statistics (train-mode) batch norm with eps 1e-5. Pure TypeScript: no tfjs.
 */

/** Feature-map shape without the batch: height, width, channels (a vector has h = w = 1). */
export interface Shape {
  h: number;
  w: number;
  c: number;
}

/** One layer; `x`/`xs` are indices of earlier layers (a layer only reads layers before it). */
export type Layer =
  | { op: 'input' }
  /** groups = 1 (dense) or groups = cin = cout (depthwise); weights [k, k, cin / groups, cout] (HWIO). */
  | { op: 'conv'; x: number; cout: number; k: number; stride: number; pad: number; dilation: number; groups: number; bias: boolean }
  /** Train-mode batch norm over N, H, W; `affine` only changes what is counted (gamma 1, beta 0 at init). */
  | { op: 'bn'; x: number; affine: boolean }
  | { op: 'relu'; x: number }
  /** Average pool; countIncludePad false divides by the number of real (unpadded) inputs, as PyTorch's flag. */
  | { op: 'avgpool'; x: number; k: number; stride: number; pad: number; countIncludePad: boolean }
  | { op: 'maxpool'; x: number; k: number; stride: number; pad: number }
  | { op: 'add'; xs: number[] }
  /** Channel concatenation, in the order given. */
  | { op: 'concat'; xs: number[] }
  /** x * 0 (NB201's `none`): same shape, zero, no gradient to x. */
  | { op: 'zero'; x: number }
  /** x[:, 1:, 1:, :] (the second path of DARTS's FactorizedReduce). */
  | { op: 'shift'; x: number }
  /** Global average pool to a [c] vector (AdaptiveAvgPool2d(1) + flatten). */
  | { op: 'gap'; x: number }
  /** Fully connected, weights [in, out], with bias. */
  | { op: 'linear'; x: number; out: number };

export interface Network {
  /** Layers in execution order; layer 0 is the input. Every layer runs, also those whose value is unused. */
  layers: Layer[];
  /** Shape of every layer's output (same indices). */
  shapes: Shape[];
  /** Index of the logits layer. */
  output: number;
  /** Number of classes (the logits' length). */
  classes: number;
}

/** Adds layers one by one and computes their shapes; throws on a shape mismatch (a builder bug). */
export class NetworkBuilder {
  readonly layers: Layer[] = [];
  readonly shapes: Shape[] = [];

  constructor(input: Shape) {
    this.layers.push({ op: 'input' });
    this.shapes.push(input);
  }

  shape(i: number): Shape {
    const s = this.shapes[i];
    if (!s) throw new Error(`network: no layer ${i}`);
    return s;
  }

  add(layer: Layer): number {
    this.shapes.push(this.shapeOf(layer));
    this.layers.push(layer);
    return this.layers.length - 1;
  }

  conv(x: number, cout: number, k: number, o: { stride?: number; pad?: number; dilation?: number; groups?: number; bias?: boolean } = {}): number {
    const dilation = o.dilation ?? 1;
    return this.add({ op: 'conv', x, cout, k, stride: o.stride ?? 1, pad: o.pad ?? (dilation * (k - 1)) / 2, dilation, groups: o.groups ?? 1, bias: o.bias ?? false });
  }
  bn(x: number, affine: boolean): number { return this.add({ op: 'bn', x, affine }); }
  relu(x: number): number { return this.add({ op: 'relu', x }); }
  sum(xs: number[]): number { return xs.length === 1 ? (xs[0] as number) : this.add({ op: 'add', xs }); }

  build(output: number): Network {
    const s = this.shape(output);
    if (s.h !== 1 || s.w !== 1) throw new Error('network: the output must be a vector');
    return { layers: this.layers, shapes: this.shapes, output, classes: s.c };
  }

  private shapeOf(l: Layer): Shape {
    const out = (n: number, k: number, stride: number, pad: number, dilation = 1): number => Math.floor((n + 2 * pad - dilation * (k - 1) - 1) / stride) + 1;
    switch (l.op) {
      case 'input':
        throw new Error('network: only layer 0 is an input');
      case 'conv': {
        const s = this.shape(l.x);
        if (l.groups !== 1 && !(l.groups === s.c && l.cout === s.c)) throw new Error('network: grouped convs must be depthwise');
        return { h: out(s.h, l.k, l.stride, l.pad, l.dilation), w: out(s.w, l.k, l.stride, l.pad, l.dilation), c: l.cout };
      }
      case 'avgpool':
      case 'maxpool': {
        const s = this.shape(l.x);
        return { h: out(s.h, l.k, l.stride, l.pad), w: out(s.w, l.k, l.stride, l.pad), c: s.c };
      }
      case 'bn':
      case 'relu':
      case 'zero':
        return this.shape(l.x);
      case 'shift': {
        const s = this.shape(l.x);
        return { h: s.h - 1, w: s.w - 1, c: s.c };
      }
      case 'add': {
        const [first, ...rest] = l.xs.map((i) => this.shape(i));
        if (!first) throw new Error('network: empty add');
        for (const s of rest) if (s.h !== first.h || s.w !== first.w || s.c !== first.c) throw new Error('network: add of different shapes');
        return first;
      }
      case 'concat': {
        const all = l.xs.map((i) => this.shape(i));
        const first = all[0];
        if (!first) throw new Error('network: empty concat');
        for (const s of all) if (s.h !== first.h || s.w !== first.w) throw new Error('network: concat of different sizes');
        return { h: first.h, w: first.w, c: all.reduce((a, s) => a + s.c, 0) };
      }
      case 'gap':
        return { h: 1, w: 1, c: this.shape(l.x).c };
      case 'linear': {
        const s = this.shape(l.x);
        if (s.h !== 1 || s.w !== 1) throw new Error('network: linear needs a vector');
        return { h: 1, w: 1, c: l.out };
      }
    }
  }
}

/** Fan-in of a conv or linear layer (PyTorch's, for the default initialisation bound 1/sqrt(fan_in)). */
export function fanIn(net: Network, i: number): number {
  const l = net.layers[i];
  const s = l && 'x' in l ? net.shapes[l.x] : undefined;
  if (!l || !s) throw new Error(`network: no layer ${i}`);
  if (l.op === 'conv') return (s.c / l.groups) * l.k * l.k;
  if (l.op === 'linear') return s.c;
  throw new Error(`network: layer ${i} (${l.op}) has no weights`);
}

/** Number of weights (no bias) of a conv or linear layer; 0 for other layers. */
export function weightCount(net: Network, i: number): number {
  const l = net.layers[i];
  if (l?.op === 'conv') return fanIn(net, i) * l.cout;
  if (l?.op === 'linear') return fanIn(net, i) * l.out;
  return 0;
}
