/**
 * The batch engine (src/lf/batch) against a plain-JS Float64 reference executor of the same `Network`:
 * every op's forward and backward (d/dx and dW by central finite differences of the reference), whole-network
 * dL/dW and dR/dx, the six measures against their definitions computed directly, and no tensor leak.
 */
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import { batchGradients, runBatchMeasures } from '../../src/lf/batch/engine';
import { corrcoef, logAbsDet, symmetricEigenvalues } from '../../src/lf/batch/linalg';
import { initWeights, type LayerWeights } from '../../src/lf/init';
import { nb201Network } from '../../src/lf/nb201/network';
import { type Layer, type Network, NetworkBuilder, type Shape } from '../../src/lf/network';
import { initBackend } from '../../src/runtime/backend';
import { at, defined } from './at';

/** Seeded uniform [0, 1) (mulberry32). */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const randArray = (len: number, r: () => number, scale = 1): Float32Array => Float32Array.from({ length: len }, () => (2 * r() - 1) * scale);

// ---------------------------------------------------------------------------------------------------------------
// Float64 reference executor: the definitions of network.ts written as loops (NHWC, index ((b*H + h)*W + w)*C + c).

/** Adds t·dir to one layer's output (a directional finite difference). */
interface Perturb {
  layer: number;
  dir: Float64Array;
  t: number;
}

function refLayer(net: Network, i: number, v: Float64Array[], w: (LayerWeights | undefined)[], n: number): Float64Array {
  const l = at(net.layers, i) as Exclude<Layer, { op: 'input' }>;
  const so = at(net.shapes, i);
  const out = new Float64Array(n * so.h * so.w * so.c);
  const idx = (s: Shape, b: number, h: number, x: number, c: number): number => ((b * s.h + h) * s.w + x) * s.c + c;
  const src = (j: number): { s: Shape; x: Float64Array } => ({ s: at(net.shapes, j), x: at(v, j) });
  switch (l.op) {
    case 'conv': {
      const { s, x } = src(l.x);
      const lw = w[i] as LayerWeights;
      const dw = l.groups !== 1;
      for (let b = 0; b < n; b++)
        for (let oh = 0; oh < so.h; oh++)
          for (let ow = 0; ow < so.w; ow++)
            for (let co = 0; co < so.c; co++) {
              let acc = l.bias && lw.b ? at(lw.b, co) : 0;
              for (let a = 0; a < l.k; a++)
                for (let c2 = 0; c2 < l.k; c2++) {
                  const ih = oh * l.stride + a * l.dilation - l.pad;
                  const iw = ow * l.stride + c2 * l.dilation - l.pad;
                  if (ih < 0 || iw < 0 || ih >= s.h || iw >= s.w) continue;
                  const base = idx(s, b, ih, iw, 0);
                  if (dw) acc += (x[base + co] as number) * (lw.w[(a * l.k + c2) * so.c + co] as number);
                  else for (let ci = 0; ci < s.c; ci++) acc += (x[base + ci] as number) * (lw.w[((a * l.k + c2) * s.c + ci) * so.c + co] as number);
                }
              out[idx(so, b, oh, ow, co)] = acc;
            }
      return out;
    }
    case 'avgpool':
    case 'maxpool': {
      const { s, x } = src(l.x);
      for (let b = 0; b < n; b++)
        for (let oh = 0; oh < so.h; oh++)
          for (let ow = 0; ow < so.w; ow++)
            for (let c = 0; c < so.c; c++) {
              let sum = 0;
              let cnt = 0;
              let mx = -Infinity;
              for (let a = 0; a < l.k; a++)
                for (let c2 = 0; c2 < l.k; c2++) {
                  const ih = oh * l.stride + a - l.pad;
                  const iw = ow * l.stride + c2 - l.pad;
                  if (ih < 0 || iw < 0 || ih >= s.h || iw >= s.w) continue;
                  const xv = at(x, idx(s, b, ih, iw, c));
                  sum += xv;
                  cnt++;
                  mx = Math.max(mx, xv);
                }
              out[idx(so, b, oh, ow, c)] = l.op === 'maxpool' ? mx : sum / (l.countIncludePad ? l.k * l.k : cnt);
            }
      return out;
    }
    case 'bn': {
      const { x } = src(l.x);
      const m = x.length / so.c;
      for (let c = 0; c < so.c; c++) {
        let mean = 0;
        for (let k = c; k < x.length; k += so.c) mean += at(x, k);
        mean /= m;
        let vr = 0;
        for (let k = c; k < x.length; k += so.c) vr += (at(x, k) - mean) ** 2;
        const inv = 1 / Math.sqrt(vr / m + 1e-5);
        for (let k = c; k < x.length; k += so.c) out[k] = (at(x, k) - mean) * inv;
      }
      return out;
    }
    case 'relu':
      src(l.x).x.forEach((xv, k) => (out[k] = Math.max(xv, 0)));
      return out;
    case 'zero':
      return out;
    case 'add':
      for (const j of l.xs) at(v, j).forEach((xv, k) => (out[k] = at(out, k) + xv));
      return out;
    case 'concat': {
      let off = 0;
      for (const j of l.xs) {
        const { s, x } = src(j);
        for (let p = 0; p < n * s.h * s.w; p++) for (let c = 0; c < s.c; c++) out[p * so.c + off + c] = at(x, p * s.c + c);
        off += s.c;
      }
      return out;
    }
    case 'shift': {
      const { s, x } = src(l.x);
      for (let b = 0; b < n; b++) for (let h = 0; h < so.h; h++) for (let ww = 0; ww < so.w; ww++) for (let c = 0; c < so.c; c++) out[idx(so, b, h, ww, c)] = at(x, idx(s, b, h + 1, ww + 1, c));
      return out;
    }
    case 'gap': {
      const { s, x } = src(l.x);
      for (let b = 0; b < n; b++) for (let c = 0; c < s.c; c++) {
        let acc = 0;
        for (let p = 0; p < s.h * s.w; p++) acc += at(x, (b * s.h * s.w + p) * s.c + c);
        out[b * s.c + c] = acc / (s.h * s.w);
      }
      return out;
    }
    case 'linear': {
      const { s, x } = src(l.x);
      const lw = w[i] as LayerWeights;
      for (let b = 0; b < n; b++) for (let o = 0; o < l.out; o++) {
        let acc = lw.b ? at(lw.b, o) : 0;
        for (let k = 0; k < s.c; k++) acc += at(x, b * s.c + k) * at(lw.w, k * l.out + o);
        out[b * l.out + o] = acc;
      }
      return out;
    }
  }
}

function refForward(net: Network, w: (LayerWeights | undefined)[], images: ArrayLike<number>, n: number, perturb?: Perturb): Float64Array[] {
  const v: Float64Array[] = [Float64Array.from(images)];
  for (let i = 1; i < net.layers.length; i++) {
    v[i] = refLayer(net, i, v, w, n);
    if (perturb?.layer === i) {
      const o = at(v, i);
      perturb.dir.forEach((d, k) => (o[k] = at(o, k) + perturb.t * d));
    }
  }
  return v;
}

const dot = (a: ArrayLike<number>, b: ArrayLike<number>): number => {
  let s = 0;
  for (let k = 0; k < a.length; k++) s += at(a, k) * at(b, k);
  return s;
};

function refLoss(logits: Float64Array, labels: Int32Array, n: number, classes: number): number {
  let l = 0;
  for (let b = 0; b < n; b++) {
    const row = logits.subarray(b * classes, (b + 1) * classes);
    const mx = Math.max(...row);
    const z = row.reduce((a, x) => a + Math.exp(x - mx), 0);
    l -= at(row, at(labels, b)) - mx - Math.log(z);
  }
  return l / n;
}

/** Central difference in Float64 of f with respect to every element of `arr` (restored afterwards). */
function fd(arr: { [k: number]: number; length: number }, f: () => number, eps = 1e-6): Float64Array {
  const g = new Float64Array(arr.length);
  for (let k = 0; k < arr.length; k++) {
    const o = at(arr, k);
    arr[k] = o + eps;
    const up = f();
    arr[k] = o - eps;
    const dn = f();
    arr[k] = o;
    g[k] = (up - dn) / (2 * eps);
  }
  return g;
}

/** Weights as Float64 copies (finite differences need more than float32's resolution). */
function f64Weights(w: (LayerWeights | undefined)[]): (LayerWeights | undefined)[] {
  return w.map((lw) => (lw ? ({ w: Float64Array.from(lw.w), ...(lw.b ? { b: Float64Array.from(lw.b) } : {}) } as unknown as LayerWeights) : undefined));
}

/** ||a - b|| / ||b||, asserted below tol (float32 engine vs Float64 reference). */
function close(a: ArrayLike<number>, b: ArrayLike<number>, tol: number, what: string): void {
  assert.equal(a.length, b.length, `${what}: length`);
  let num = 0;
  let den = 0;
  for (let k = 0; k < a.length; k++) {
    num += (at(a, k) - at(b, k)) ** 2;
    den += at(b, k) ** 2;
  }
  const rel = Math.sqrt(num) / Math.max(Math.sqrt(den), 1e-12);
  assert.ok(rel < tol, `${what}: relative error ${rel.toExponential(2)} >= ${tol} (|ref| ${Math.sqrt(den).toExponential(2)})`);
}

/** A Network whose "output" is any layer (the engine's gradient entry takes a seed of that layer's shape). */
function open(b: NetworkBuilder, output: number): Network {
  return { layers: b.layers, shapes: b.shapes, output, classes: b.shape(output).c };
}

/**
 * Checks one small network's forward and gradients against the reference: output, d(seed·out)/dx and every
 * d(seed·out)/dW by finite differences.
 */
function checkNet(net: Network, n: number, seed: number, what: string): void {
  const r = rng(seed);
  const s0 = at(net.shapes, 0);
  const images = randArray(n * s0.h * s0.w * s0.c, r);
  const weights = initWeights(net, seed);
  const so = at(net.shapes, net.output);
  const dy = randArray(n * so.h * so.w * so.c, r);
  const g = batchGradients(net, weights, images, n, dy);
  const w64 = f64Weights(weights);
  const x64 = Float64Array.from(images);
  const objective = (): number => dot(at(refForward(net, w64, x64, n), net.output), dy);
  close(g.output, at(refForward(net, w64, x64, n), net.output), 1e-5, `${what}: forward`);
  close(g.dx, fd(x64, objective), 2e-4, `${what}: d/dx`);
  w64.forEach((lw, i) => {
    if (lw) close(defined(g.dW[i], `dW ${i}`), fd(lw.w, objective), 2e-4, `${what}: dW of layer ${i}`);
  });
}

before(async () => {
  await initBackend('wasm');
});

describe('lf batch engine: op gradients against finite differences', () => {
  const cases: [string, (b: NetworkBuilder) => number, Shape?][] = [
    ['dense conv 3x3 s1 pad 1 + bias', (b) => b.conv(0, 4, 3, { bias: true })],
    ['dense conv 3x3 s2 pad 1', (b) => b.conv(0, 4, 3, { stride: 2, pad: 1 })],
    ['dense conv 1x1 s2 (odd size)', (b) => b.conv(0, 2, 1, { stride: 2 }), { h: 5, w: 5, c: 3 }],
    ['dense conv 3x3 dilation 2 pad 2', (b) => b.conv(0, 2, 3, { dilation: 2 })],
    ['depthwise 3x3 s1', (b) => b.conv(0, 3, 3, { groups: 3 })],
    ['depthwise 3x3 s2 pad 1', (b) => b.conv(0, 3, 3, { groups: 3, stride: 2, pad: 1 })],
    ['depthwise 3x3 s1 dilation 2', (b) => b.conv(0, 3, 3, { groups: 3, dilation: 2 })],
    ['depthwise 3x3 s2 dilation 2 pad 2', (b) => b.conv(0, 3, 3, { groups: 3, dilation: 2, stride: 2 }), { h: 7, w: 7, c: 3 }],
    ['depthwise 5x5 s2 dilation 2 pad 4', (b) => b.conv(0, 3, 5, { groups: 3, dilation: 2, stride: 2 }), { h: 8, w: 8, c: 3 }],
    ['avgpool 3x3 s1 pad 1 excluding pad', (b) => b.add({ op: 'avgpool', x: 0, k: 3, stride: 1, pad: 1, countIncludePad: false })],
    ['avgpool 3x3 s2 pad 1 excluding pad', (b) => b.add({ op: 'avgpool', x: 0, k: 3, stride: 2, pad: 1, countIncludePad: false }), { h: 7, w: 7, c: 3 }],
    ['avgpool 2x2 s2 (NB201 shortcut)', (b) => b.add({ op: 'avgpool', x: 0, k: 2, stride: 2, pad: 0, countIncludePad: true })],
    ['avgpool 3x3 s1 pad 1 including pad', (b) => b.add({ op: 'avgpool', x: 0, k: 3, stride: 1, pad: 1, countIncludePad: true })],
    ['maxpool 3x3 s1 pad 1', (b) => b.add({ op: 'maxpool', x: 0, k: 3, stride: 1, pad: 1 })],
    ['maxpool 3x3 s2 pad 1', (b) => b.add({ op: 'maxpool', x: 0, k: 3, stride: 2, pad: 1 }), { h: 7, w: 7, c: 3 }],
    ['batch norm', (b) => b.bn(0, true)],
    ['relu', (b) => b.relu(0)],
    ['shift', (b) => b.add({ op: 'shift', x: 0 })],
    ['gap', (b) => b.add({ op: 'gap', x: 0 })],
    ['linear', (b) => b.add({ op: 'linear', x: 0, out: 4 }), { h: 1, w: 1, c: 5 }],
    ['add (input used twice)', (b) => b.add({ op: 'add', xs: [0, b.relu(0), 0] })],
    ['concat', (b) => b.add({ op: 'concat', xs: [b.conv(0, 2, 1), 0, b.relu(0)] })],
    ['zero', (b) => b.add({ op: 'add', xs: [b.add({ op: 'zero', x: 0 }), b.bn(0, true)] })],
  ];
  for (const [name, build, shape] of cases) {
    it(name, () => {
      const b = new NetworkBuilder(shape ?? { h: 6, w: 6, c: 3 });
      checkNet(open(b, build(b)), 3, name.length, name);
    });
  }
});

/** Every op in one small graph, to a vector of 3 logits. */
function tinyNet(): Network {
  const b = new NetworkBuilder({ h: 6, w: 6, c: 3 });
  const r1 = b.relu(b.bn(b.conv(0, 4, 3, { bias: true }), true));
  const a = b.add({ op: 'avgpool', x: r1, k: 3, stride: 1, pad: 1, countIncludePad: false });
  const m = b.add({ op: 'maxpool', x: r1, k: 3, stride: 2, pad: 1 });
  const dw = b.conv(r1, 4, 3, { stride: 2, pad: 1, groups: 4 });
  const dd = b.conv(a, 4, 3, { stride: 2, dilation: 2, groups: 4 });
  const s = b.add({ op: 'add', xs: [m, dw, dd] });
  const fr = b.bn(b.add({ op: 'concat', xs: [b.conv(r1, 2, 1, { stride: 2 }), b.conv(b.add({ op: 'shift', x: r1 }), 2, 1, { stride: 2 })] }), false);
  const sc = b.conv(b.add({ op: 'avgpool', x: r1, k: 2, stride: 2, pad: 0, countIncludePad: true }), 4, 1);
  const d2 = b.bn(b.conv(b.relu(r1), 4, 3, { stride: 2, pad: 1 }), true);
  b.relu(d2); // unused: runs, counts for nwot only
  const z = b.add({ op: 'zero', x: s });
  const cat = b.add({ op: 'concat', xs: [b.add({ op: 'add', xs: [s, z, sc, d2] }), fr] });
  const h = b.add({ op: 'gap', x: b.relu(b.bn(b.conv(b.relu(cat), 4, 3, { dilation: 2 }), true)) });
  return b.build(b.add({ op: 'linear', x: h, out: 3 }));
}

describe('lf batch engine: whole network', () => {
  const net = tinyNet();
  const n = 4;
  const r = rng(7);
  const images = randArray(n * 6 * 6 * 3, r);
  const labels = Int32Array.from({ length: n }, (_, k) => k % 3);
  const weights = initWeights(net, 3);
  const w64 = f64Weights(weights);
  const x64 = Float64Array.from(images);
  const logits = (): Float64Array => at(refForward(net, w64, x64, n), net.output);
  let cached: (Float64Array | undefined)[] | undefined;
  /** dL/dW of the reference by finite differences (computed once, shared by two tests). */
  const refDw = (): (Float64Array | undefined)[] => (cached ??= w64.map((lw) => (lw ? fd(lw.w, () => refLoss(logits(), labels, n, 3)) : undefined)));

  it('dL/dW of every conv and linear layer (mean cross-entropy)', () => {
    const g = batchGradients(net, weights, images, n, { labels });
    refDw().forEach((d, i) => {
      if (d) close(defined(g.dW[i], `dW ${i}`), d, 2e-4, `dL/dW layer ${i}`);
    });
  });

  it('dR/dx for R = sum of the logits', () => {
    const g = batchGradients(net, weights, images, n, new Float32Array(n * 3).fill(1));
    close(g.dx, fd(x64, () => logits().reduce((a, v) => a + v, 0)), 2e-4, 'dR/dx');
  });

  it('the six measures equal their definitions computed directly in Float64', () => {
    const got = runBatchMeasures(net, weights, { images, labels, n }, { nwot: true, jacov: true, lossGrads: true });
    const vals = refForward(net, w64, x64, n);
    // nwot: K from the relu inputs' codes, log det by Cholesky.
    const k = new Float64Array(n * n);
    net.layers.forEach((l) => {
      if (l.op !== 'relu') return;
      const a = at(vals, l.x);
      const m = a.length / n;
      for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) for (let p = 0; p < m; p++) {
        const ci = at(a, i * m + p) > 0 ? 1 : 0;
        const cj = at(a, j * m + p) > 0 ? 1 : 0;
        k[i * n + j] = at(k, i * n + j) + ci * cj + (1 - ci) * (1 - cj);
      }
    });
    assert.ok(Math.abs(at([got.nwot ?? NaN], 0) - cholLogDet(k, n)) < 1e-9 * Math.abs(cholLogDet(k, n)), `nwot ${got.nwot} vs ${cholLogDet(k, n)}`);
    // jacov: J by finite differences, score = -(ln det(C + kI) + tr((C + kI)^-1)) = -Σ ln(λ+k) + 1/(λ+k).
    const jac = fd(x64, () => logits().reduce((a, v) => a + v, 0));
    const c = naiveCorr(jac, n);
    for (let i = 0; i < n; i++) c[i * n + i] = at(c, i * n + i) + 1e-5;
    const jacov = -(cholLogDet(c, n) + trace(inverse(c, n), n));
    assert.ok(Math.abs((got.jacov ?? NaN) - jacov) < 1e-3 * Math.abs(jacov), `jacov ${got.jacov} vs ${jacov}`);
    // snip, grad_norm, plain from dL/dW; fisher from dL/dz of every conv and linear output.
    const loss = (p?: Perturb): number => refLoss(at(refForward(net, w64, x64, n, p), net.output), labels, n, 3);
    let snip = 0;
    let gradNorm = 0;
    let plain = 0;
    let fisher = 0;
    net.layers.forEach((l, i) => {
      const lw = w64[i];
      if (!lw || (l.op !== 'conv' && l.op !== 'linear')) return;
      const g = defined(refDw()[i]);
      gradNorm += Math.sqrt(dot(g, g));
      for (let q = 0; q < g.length; q++) {
        snip += Math.abs(at(g, q) * at(lw.w, q));
        plain += at(g, q) * at(lw.w, q);
      }
      const z = at(vals, i);
      const s = at(net.shapes, i);
      const fanIn = l.op === 'conv' ? (at(net.shapes, l.x).c / l.groups) * l.k * l.k : at(net.shapes, l.x).c;
      for (let ch = 0; ch < s.c; ch++) {
        let mean = 0;
        for (let b = 0; b < n; b++) {
          // Σ_{h,w} z·dL/dz for one sample and channel = the derivative of L along z restricted to them.
          const dir = new Float64Array(z.length);
          for (let p = 0; p < s.h * s.w; p++) dir[(b * s.h * s.w + p) * s.c + ch] = at(z, (b * s.h * s.w + p) * s.c + ch);
          const t = (loss({ layer: i, dir, t: 1e-6 }) - loss({ layer: i, dir, t: -1e-6 })) / 2e-6;
          mean += (t * t) / n;
        }
        fisher += 0.5 * mean * fanIn;
      }
    });
    const rel = (a: number | undefined, b: number): number => Math.abs((a ?? NaN) - b) / Math.abs(b);
    assert.ok(rel(got.snip, snip) < 1e-4, `snip ${got.snip} vs ${snip}`);
    assert.ok(rel(got.grad_norm, gradNorm) < 1e-4, `grad_norm ${got.grad_norm} vs ${gradNorm}`);
    assert.ok(rel(got.plain, plain) < 1e-3, `plain ${got.plain} vs ${plain}`);
    assert.ok(rel(got.fisher, fisher) < 1e-3, `fisher ${got.fisher} vs ${fisher}`);
  });
});

function cholLogDet(a: Float64Array, n: number): number {
  const l = new Float64Array(n * n);
  let ld = 0;
  for (let j = 0; j < n; j++) {
    let d = at(a, j * n + j);
    for (let k = 0; k < j; k++) d -= at(l, j * n + k) ** 2;
    assert.ok(d > 0, 'not positive definite');
    l[j * n + j] = Math.sqrt(d);
    ld += 2 * Math.log(Math.sqrt(d));
    for (let i = j + 1; i < n; i++) {
      let s = at(a, i * n + j);
      for (let k = 0; k < j; k++) s -= at(l, i * n + k) * at(l, j * n + k);
      l[i * n + j] = s / at(l, j * n + j);
    }
  }
  return ld;
}

function inverse(a: Float64Array, n: number): Float64Array {
  const m = Float64Array.from(a);
  const inv = new Float64Array(n * n);
  for (let i = 0; i < n; i++) inv[i * n + i] = 1;
  for (let c = 0; c < n; c++) {
    let p = c;
    for (let r = c + 1; r < n; r++) if (Math.abs(at(m, r * n + c)) > Math.abs(at(m, p * n + c))) p = r;
    for (let j = 0; j < n; j++) {
      [m[c * n + j], m[p * n + j]] = [at(m, p * n + j), at(m, c * n + j)];
      [inv[c * n + j], inv[p * n + j]] = [at(inv, p * n + j), at(inv, c * n + j)];
    }
    const d = at(m, c * n + c);
    for (let j = 0; j < n; j++) {
      m[c * n + j] = at(m, c * n + j) / d;
      inv[c * n + j] = at(inv, c * n + j) / d;
    }
    for (let r = 0; r < n; r++) {
      if (r === c) continue;
      const f = at(m, r * n + c);
      for (let j = 0; j < n; j++) {
        m[r * n + j] = at(m, r * n + j) - f * at(m, c * n + j);
        inv[r * n + j] = at(inv, r * n + j) - f * at(inv, c * n + j);
      }
    }
  }
  return inv;
}

const trace = (a: Float64Array, n: number): number => Array.from({ length: n }, (_, i) => at(a, i * n + i)).reduce((s, v) => s + v, 0);

/** Pearson correlation of the rows, pairwise (no shared centring code with the engine). */
function naiveCorr(x: Float64Array, n: number): Float64Array {
  const m = x.length / n;
  const c = new Float64Array(n * n);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) {
    const a = x.subarray(i * m, (i + 1) * m);
    const b = x.subarray(j * m, (j + 1) * m);
    const ma = a.reduce((s, v) => s + v, 0) / m;
    const mb = b.reduce((s, v) => s + v, 0) / m;
    let sab = 0;
    let saa = 0;
    let sbb = 0;
    for (let p = 0; p < m; p++) {
      sab += (at(a, p) - ma) * (at(b, p) - mb);
      saa += (at(a, p) - ma) ** 2;
      sbb += (at(b, p) - mb) ** 2;
    }
    c[i * n + j] = sab / Math.sqrt(saa * sbb);
  }
  return c;
}

describe('lf batch engine: linear algebra', () => {
  it('eigenvalues of a symmetric matrix: sum = trace, Σ ln = ln det, each satisfies det(A - λI) = 0', () => {
    const r = rng(11);
    const n = 12;
    const x = randArray(n * 30, r);
    const c = corrcoef(x, n, 30);
    close(c, naiveCorr(Float64Array.from(x), n), 1e-12, 'corrcoef');
    const ev = symmetricEigenvalues(c, n);
    assert.ok(Math.abs(ev.reduce((s, v) => s + v, 0) - n) < 1e-9);
    assert.ok(Math.abs(ev.reduce((s, v) => s + Math.log(v), 0) - cholLogDet(c, n)) < 1e-8);
    assert.ok(Math.abs(logAbsDet(c, n) - cholLogDet(c, n)) < 1e-9);
    for (const l of ev) {
      const s = Float64Array.from(c);
      for (let i = 0; i < n; i++) s[i * n + i] = at(s, i * n + i) - l;
      assert.ok(logAbsDet(s, n) < -15, `λ ${l} is not an eigenvalue`);
    }
  });
});

describe('lf batch engine: NB201 sanity', () => {
  const net = nb201Network([3, 2, 4, 1, 3, 0], { resolution: 8 });
  const n = 8;
  const r = rng(5);
  const images = randArray(n * 8 * 8 * 3, r, 2);
  const labels = Int32Array.from({ length: n }, (_, k) => k % 10);
  const weights = initWeights(net, 9);

  it('jacov <= -B, nwot between B ln(M/4) and B ln M (M = relu units per image), loss measures finite', () => {
    const got = runBatchMeasures(net, weights, { images, labels, n }, { nwot: true, jacov: true, lossGrads: true });
    assert.ok((got.jacov ?? NaN) <= -n, `jacov ${got.jacov}`);
    const units = net.layers.reduce((a, l, i) => (l.op === 'relu' ? a + at(net.shapes, i).h * at(net.shapes, i).w * at(net.shapes, i).c : a), 0);
    assert.ok((got.nwot ?? NaN) <= n * Math.log(units) && (got.nwot ?? NaN) >= n * Math.log(units / 4), `nwot ${got.nwot}, M ${units}`);
    for (const m of ['snip', 'grad_norm', 'fisher', 'plain'] as const) assert.ok(Number.isFinite(got[m]), `${m} ${got[m]}`);
    assert.ok((got.snip ?? 0) > 0 && (got.grad_norm ?? 0) > 0 && (got.fisher ?? 0) > 0);
    // The same measures from separate calls (separate forwards, separate saved values).
    const fwd = runBatchMeasures(net, weights, { images, labels, n }, { nwot: true, lossGrads: true });
    const jac = runBatchMeasures(net, weights, { images, labels, n }, { jacov: true });
    assert.equal(fwd.nwot, got.nwot);
    assert.equal(fwd.snip, got.snip);
    assert.equal(jac.jacov, got.jacov);
    assert.equal(jac.snip, undefined);
  });

  it('leaks no tensor over repeated calls, nor on a bad input', () => {
    runBatchMeasures(net, weights, { images, labels, n }, { nwot: true, jacov: true, lossGrads: true });
    const before = tf.memory().numTensors;
    for (let k = 0; k < 3; k++) runBatchMeasures(net, weights, { images, labels, n }, { nwot: true, jacov: true, lossGrads: true });
    runBatchMeasures(net, weights, { images, labels, n }, { jacov: true });
    assert.throws(() => runBatchMeasures(net, weights, { images: images.subarray(1), labels, n }, { nwot: true }));
    assert.equal(tf.memory().numTensors, before);
  });

  it('a non-finite measure is NaN', () => {
    const bad = Float32Array.from(images);
    bad[0] = NaN;
    const got = runBatchMeasures(net, weights, { images: bad, labels, n }, { jacov: true, lossGrads: true });
    assert.ok(Number.isNaN(got.jacov) && Number.isNaN(got.snip) && Number.isNaN(got.fisher));
  });
});
