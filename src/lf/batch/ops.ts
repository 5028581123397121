/**
 * Forward and hand-written backward of every `Network` layer op on the current tfjs backend (NHWC, batch first).
 * Only forward kernels are used (conv2d, depthwiseConv2d, avgPool, pad, slice, …): tfjs wasm has
 * no Conv2DBackpropFilter and no depthwise gradients, its Conv2DBackpropInput, AvgPoolGrad and MaxPoolGrad are
 * 5–25x slower than a forward op, and `'same'` padding is not PyTorch's. Padding is always numeric and symmetric.
 * A strided op is its stride-1 op subsampled; its backward upsamples dy with zeros and runs the stride-1 backward.
 * Every function disposes its intermediates (tf.tidy) and returns new tensors; callers own inputs and outputs.
 */
import * as tf from '@tensorflow/tfjs-core';

type Pad4 = [[number, number], [number, number], [number, number], [number, number]];
const hw = (p: number): Pad4 => [[0, 0], [p, p], [p, p], [0, 0]];

/** Output length of a conv/pool along one axis (PyTorch's floor rule). */
export function outLen(n: number, k: number, stride: number, pad: number, dilation = 1): number {
  return Math.floor((n + 2 * pad - dilation * (k - 1) - 1) / stride) + 1;
}

/** x[:, ::s, ::s, :] cut to ho x wo. */
function subsample(x: tf.Tensor4D, s: number, ho: number, wo: number): tf.Tensor4D {
  const [n, , , c] = x.shape;
  return tf.stridedSlice(x, [0, 0, 0, 0], [n, (ho - 1) * s + 1, (wo - 1) * s + 1, c], [1, s, s, 1]) as tf.Tensor4D;
}

/** Inverse of `subsample` for gradients: dy [n, ho, wo, c] spread to [n, h1, w1, c] with zeros between (h1 <= s*ho). */
export function upsample(dy: tf.Tensor4D, s: number, h1: number, w1: number): tf.Tensor4D {
  if (s === 1) return tf.clone(dy) as tf.Tensor4D;
  return tf.tidy(() => {
    const [n, ho, wo, c] = dy.shape;
    const z = tf.pad(tf.reshape(dy, [n, ho, 1, wo, 1, c]), [[0, 0], [0, 0], [0, s - 1], [0, 0], [0, s - 1], [0, 0]]);
    return tf.slice(tf.reshape(z, [n, ho * s, wo * s, c]), [0, 0, 0, 0], [n, h1, w1, c]);
  }) as tf.Tensor4D;
}

/** Geometry of a conv: kernel k, stride, symmetric pad, dilation; depthwise means groups = channels. */
export interface ConvGeom {
  k: number;
  stride: number;
  pad: number;
  dilation: number;
  depthwise: boolean;
}

function convRaw(x: tf.Tensor4D, w: tf.Tensor4D, stride: number, pad: number, dilation: number, depthwise: boolean): tf.Tensor4D {
  return depthwise ? tf.depthwiseConv2d(x, w, stride, hw(pad), 'NHWC', dilation) : tf.conv2d(x, w, stride, hw(pad), 'NHWC', dilation);
}

/**
 * Conv forward. w: dense [k, k, cin, cout]; depthwise [k, k, c, 1] (tfjs's layout; the same element order as the
 * network's HWIO [k, k, 1, c]). tfjs refuses stride > 1 together with dilation > 1: that case is the stride-1
 * conv subsampled.
 */
export function convForward(x: tf.Tensor4D, w: tf.Tensor4D, b: tf.Tensor1D | undefined, g: ConvGeom): tf.Tensor4D {
  return tf.tidy(() => {
    let y: tf.Tensor4D;
    if (g.stride > 1 && g.dilation > 1) {
      const [, h, wd] = x.shape;
      y = subsample(convRaw(x, w, 1, g.pad, g.dilation, g.depthwise), g.stride, outLen(h, g.k, g.stride, g.pad, g.dilation), outLen(wd, g.k, g.stride, g.pad, g.dilation));
    } else {
      y = convRaw(x, w, g.stride, g.pad, g.dilation, g.depthwise);
    }
    return b ? tf.add(y, b) : y;
  });
}

/** dy of a strided conv as the dy of the equivalent stride-1 conv (zeros where the stride skipped outputs). */
function stride1Dy(dy: tf.Tensor4D, xShape: number[], g: ConvGeom): tf.Tensor4D {
  const [, h = 0, w = 0] = xShape;
  const eff = g.dilation * (g.k - 1);
  return upsample(dy, g.stride, h + 2 * g.pad - eff, w + 2 * g.pad - eff);
}

/**
 * dL/dx of a conv as a forward conv: the full correlation of the (stride-1) dy with the 180°-rotated kernel, in/out
 * channels swapped for a dense conv. Pad q = d(k-1) - p gives back x's size; a negative q crops instead.
 */
export function convBackwardInput(dy: tf.Tensor4D, w: tf.Tensor4D, xShape: number[], g: ConvGeom): tf.Tensor4D {
  return tf.tidy(() => {
    const d1 = stride1Dy(dy, xShape, g);
    const rot = tf.reverse(w, [0, 1]);
    const wt = g.depthwise ? rot : tf.transpose(rot, [0, 1, 3, 2]);
    const q = g.dilation * (g.k - 1) - g.pad;
    const dx = convRaw(d1, wt as tf.Tensor4D, 1, Math.max(q, 0), g.dilation, g.depthwise);
    if (q >= 0) return dx;
    const [n, h = 0, wd = 0, c = 0] = xShape;
    return tf.slice(dx, [0, -q, -q, 0], [n ?? 0, h, wd, c]);
  });
}

/**
 * dL/dW of a conv. dW[a,b,ci,co] = Σ_{n,o} xpad[n, s·o + d·a, ci] dy[n, o, co]: a correlation of xpad with dy as the
 * filter, filter dilation = conv stride, output stride = conv dilation, sliced to k x k.
 * Dense: conv2d(xpadᵀ [ci, H, W, n], dyᵀ [ho, wo, n, co]) → [ci, k, k, co]. Depthwise: batch and channels fused into
 * n·c channels of one image, dy as a per-channel filter, then summed over n. Returns w's layout.
 */
export function convBackwardFilter(x: tf.Tensor4D, dy: tf.Tensor4D, g: ConvGeom): tf.Tensor4D {
  return tf.tidy(() => {
    const both = g.stride > 1 && g.dilation > 1;
    const d = both ? stride1Dy(dy, x.shape, g) : dy;
    const fdil = both ? 1 : g.stride;
    const xp = g.pad > 0 ? tf.pad(x, hw(g.pad)) : x;
    const [n, hp, wp, c] = xp.shape;
    const [, ho, wo, co] = d.shape;
    const k = g.k;
    if (!g.depthwise) {
      const r = tf.conv2d(tf.transpose(xp, [3, 1, 2, 0]), tf.transpose(d, [1, 2, 0, 3]), g.dilation, 'valid', 'NHWC', fdil);
      return tf.transpose(tf.slice(r, [0, 0, 0, 0], [c, k, k, co]), [1, 2, 0, 3]);
    }
    const img = tf.reshape(tf.transpose(xp, [1, 2, 0, 3]), [1, hp, wp, n * c]);
    const filt = tf.reshape(tf.transpose(d, [1, 2, 0, 3]), [ho, wo, n * c, 1]);
    const r = tf.depthwiseConv2d(img as tf.Tensor4D, filt as tf.Tensor4D, g.dilation, 'valid', 'NHWC', fdil);
    const rk = tf.slice(r, [0, 0, 0, 0], [1, k, k, n * c]);
    return tf.reshape(tf.sum(tf.reshape(rk, [k, k, n, c]), 2), [k, k, c, 1]);
  });
}

/** PyTorch's divisor map of an average pool without padding counts: [1, ho, wo, 1] of k²/count (1 where none is padding). */
function avgScale(h: number, w: number, k: number, s: number, p: number): tf.Tensor4D {
  const axis = (n: number): number[] => {
    const out: number[] = [];
    for (let o = 0; o < outLen(n, k, s, p); o++) {
      const lo = Math.max(o * s - p, 0);
      const hi = Math.min(o * s - p + k, n);
      out.push(hi - lo);
    }
    return out;
  };
  const ch = axis(h);
  const cw = axis(w);
  const v = new Float32Array(ch.length * cw.length);
  for (let i = 0; i < ch.length; i++) for (let j = 0; j < cw.length; j++) v[i * cw.length + j] = (k * k) / ((ch[i] ?? 1) * (cw[j] ?? 1));
  return tf.tensor4d(v, [1, ch.length, cw.length, 1]);
}

export interface PoolGeom {
  k: number;
  stride: number;
  pad: number;
}

/** Average pool over the zero-padded input; countIncludePad false rescales each output to the mean of real inputs. */
export function avgPoolForward(x: tf.Tensor4D, g: PoolGeom, countIncludePad: boolean): tf.Tensor4D {
  return tf.tidy(() => {
    const xp = g.pad > 0 ? tf.pad(x, hw(g.pad)) : x;
    const y = tf.avgPool(xp, g.k, g.stride, 'valid');
    return countIncludePad || g.pad === 0 ? y : tf.mul(y, avgScale(x.shape[1], x.shape[2], g.k, g.stride, g.pad));
  });
}

/**
 * Backward of `avgPoolForward`: scale dy by the same map, then the transpose of a k x k box sum, which is a box
 * mean over dy padded by k-1 (at stride 1; a strided pool first upsamples dy). Forward kernels only.
 */
export function avgPoolBackward(dy: tf.Tensor4D, xShape: number[], g: PoolGeom, countIncludePad: boolean): tf.Tensor4D {
  return tf.tidy(() => {
    const [n = 0, h = 0, w = 0, c = 0] = xShape;
    const ds = countIncludePad || g.pad === 0 ? dy : tf.mul(dy, avgScale(h, w, g.k, g.stride, g.pad));
    const d1 = upsample(ds as tf.Tensor4D, g.stride, h + 2 * g.pad - g.k + 1, w + 2 * g.pad - g.k + 1);
    const q = g.k - 1 - g.pad;
    const dx = tf.avgPool(q > 0 ? tf.pad(d1, hw(q)) : d1, g.k, 1, 'valid');
    return q >= 0 ? dx : tf.slice(dx, [0, -q, -q, 0], [n, h, w, c]);
  });
}

/** Max pool over the input padded with -inf (PyTorch's). */
export function maxPoolForward(x: tf.Tensor4D, g: PoolGeom): tf.Tensor4D {
  return tf.tidy(() => tf.maxPool(g.pad > 0 ? tf.pad(x, hw(g.pad), -Infinity) : x, g.k, g.stride, 'valid'));
}

/**
 * Backward of the max pool, in JS: each dy goes to the first maximum of its window (PyTorch's choice on ties).
 * tfjs wasm 4.22's MaxPoolGrad and MaxPoolWithArgmax give wrong results for more than one channel.
 */
export function maxPoolBackward(dy: tf.Tensor4D, x: tf.Tensor4D, g: PoolGeom): tf.Tensor4D {
  const [n, h, w, c] = x.shape;
  const [, ho, wo] = dy.shape;
  const xv = x.dataSync();
  const dv = dy.dataSync();
  const dx = new Float32Array(xv.length);
  for (let b = 0; b < n; b++) {
    for (let oh = 0; oh < ho; oh++) {
      const h0 = Math.max(oh * g.stride - g.pad, 0);
      const h1 = Math.min(oh * g.stride - g.pad + g.k, h);
      for (let ow = 0; ow < wo; ow++) {
        const w0 = Math.max(ow * g.stride - g.pad, 0);
        const w1 = Math.min(ow * g.stride - g.pad + g.k, w);
        const o = ((b * ho + oh) * wo + ow) * c;
        for (let ch = 0; ch < c; ch++) {
          let best = -Infinity;
          let arg = -1;
          for (let ih = h0; ih < h1; ih++) {
            for (let iw = w0; iw < w1; iw++) {
              const k = ((b * h + ih) * w + iw) * c + ch;
              const v = xv[k] as number;
              if (v > best || Number.isNaN(v) || arg < 0) {
                best = v;
                arg = k;
                if (Number.isNaN(v)) break;
              }
            }
          }
          if (arg >= 0) dx[arg] = (dx[arg] as number) + (dv[o + ch] as number);
        }
      }
    }
  }
  return tf.tensor4d(dx, [n, h, w, c]);
}

/** Train-mode batch norm (gamma 1, beta 0): y = x̂ = (x - mean) / sqrt(var + eps) over N, H, W; also 1/σ per channel. */
export function bnForward(x: tf.Tensor4D, eps = 1e-5): { y: tf.Tensor4D; invStd: tf.Tensor1D } {
  return tf.tidy(() => {
    const { mean, variance } = tf.moments(x, [0, 1, 2]);
    const invStd = tf.rsqrt(tf.add(variance, eps)) as tf.Tensor1D;
    return { y: tf.mul(tf.sub(x, mean), invStd), invStd };
  });
}

/** dx = (1/σ)(dy - mean(dy) - x̂·mean(dy·x̂)), per channel, means over N, H, W (gamma 1). */
export function bnBackward(dy: tf.Tensor4D, y: tf.Tensor4D, invStd: tf.Tensor1D): tf.Tensor4D {
  return tf.tidy(() => {
    const m1 = tf.mean(dy, [0, 1, 2]);
    const m2 = tf.mean(tf.mul(dy, y), [0, 1, 2]);
    return tf.mul(tf.sub(tf.sub(dy, m1), tf.mul(y, m2)), invStd);
  });
}

/** relu backward from its output: dy where y > 0 (PyTorch's 0 at 0). */
export function reluBackward(dy: tf.Tensor4D, y: tf.Tensor4D): tf.Tensor4D {
  return tf.tidy(() => tf.mul(dy, tf.step(y)));
}

/** Global average pool to [n, 1, 1, c]. */
export function gapForward(x: tf.Tensor4D): tf.Tensor4D {
  return tf.mean(x, [1, 2], true);
}

export function gapBackward(dy: tf.Tensor4D, xShape: number[]): tf.Tensor4D {
  const [n = 0, h = 0, w = 0, c = 0] = xShape;
  return tf.tidy(() => tf.broadcastTo(tf.div(dy, h * w), [n, h, w, c]));
}

/** Linear on [n, 1, 1, in] with w [in, out] and bias, to [n, 1, 1, out]. */
export function linearForward(x: tf.Tensor4D, w: tf.Tensor2D, b: tf.Tensor1D | undefined): tf.Tensor4D {
  return tf.tidy(() => {
    const n = x.shape[0];
    const y = tf.matMul(tf.reshape(x, [n, -1]), w);
    return tf.reshape(b ? tf.add(y, b) : y, [n, 1, 1, w.shape[1]]);
  });
}

export function linearBackwardInput(dy: tf.Tensor4D, w: tf.Tensor2D): tf.Tensor4D {
  return tf.tidy(() => {
    const n = dy.shape[0];
    return tf.reshape(tf.matMul(tf.reshape(dy, [n, -1]), w, false, true), [n, 1, 1, w.shape[0]]);
  });
}

export function linearBackwardFilter(x: tf.Tensor4D, dy: tf.Tensor4D): tf.Tensor2D {
  return tf.tidy(() => {
    const n = x.shape[0];
    return tf.matMul(tf.reshape(x, [n, -1]), tf.reshape(dy, [n, -1]), true, false);
  });
}

/** x[:, 1:, 1:, :] and its backward (dy padded back at the top and left). */
export function shiftForward(x: tf.Tensor4D): tf.Tensor4D {
  const [n, h, w, c] = x.shape;
  return tf.slice(x, [0, 1, 1, 0], [n, h - 1, w - 1, c]);
}

export function shiftBackward(dy: tf.Tensor4D): tf.Tensor4D {
  return tf.pad(dy, [[0, 0], [1, 0], [1, 0], [0, 0]]);
}

/** Channel slices of a concat's dy, one per input (sizes = the inputs' channels). */
export function concatBackward(dy: tf.Tensor4D, sizes: number[]): tf.Tensor4D[] {
  return tf.split(dy, sizes, 3);
}
