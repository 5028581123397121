/**
 * The float64 kernels of the synflow engine (synflow.ts): shapes, live layers, convolutions (dense and depthwise,
 * forward and both backward products) and pools, NHWC at batch 1. Pure TypeScript, no tfjs.
 */
import type { Layer, Network } from './network';

export interface Dims {
  h: number;
  w: number;
  c: number;
}

export function dims(net: Network, i: number): Dims {
  const s = net.shapes[i];
  if (!s) throw new Error(`synflow: no shape for layer ${i}`);
  return s;
}

export function absCopy(a: ArrayLike<number>): Float64Array {
  const out = new Float64Array(a.length);
  for (let i = 0; i < a.length; i++) out[i] = Math.abs(a[i]!);
  return out;
}

/** Layers with a path to the output (the others cannot change R, so they are not run). */
export function liveLayers(net: Network): boolean[] {
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

export interface ConvGeom {
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

export function convForward(x: Float64Array, wt: Float64Array, bias: Float64Array | undefined, g: ConvGeom): Float64Array {
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
export function convBackwardInput(dy: Float64Array, wt: Float64Array, dx: Float64Array, g: ConvGeom): void {
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
export function convBackwardWeights(x: Float64Array, dy: Float64Array, g: ConvGeom): Float64Array {
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
export function depthwise(mode: 0 | 1 | 2, a: Float64Array, b: Float64Array, out: Float64Array, g: ConvGeom): void {
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

export interface PoolGeom {
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

export function avgPool(x: Float64Array, g: PoolGeom, countIncludePad: boolean, backward: Float64Array | undefined): Float64Array {
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
export function maxPool(x: Float64Array, g: PoolGeom, arg: Int32Array): Float64Array {
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
