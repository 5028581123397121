/**
 * Minimal layers on tfjs-core with PyTorch initialisation and a seeded RNG. All tensors are 2-D
 * [N, features]: products run through wasmGemm.ts's 2-D kernel, and reshapes, slices and batched matmuls cost
 * as much as the maths at these sizes.
 */
import * as tf from '@tensorflow/tfjs-core';
import { type Rng, splitmix32 } from '../util/rng';
import { matMulExact, matMulTraining } from '../runtime/wasmGemm';
import { activeWasmBackend, heapOffset, heapTensor, heapView, outputTensor } from '../runtime/tfjsInternals';
import { activeVectorKernels, columnSumsJs, dropoutMaskJs, dropoutThreshold } from '../runtime/wasmVector';

let varCounter = 0;

/** a·b for 2-D tensors with `forward` computing the value; the gradient's products go through matMulTraining. */
const productWithGradient = (forward: (a: tf.Tensor2D, b: tf.Tensor2D) => tf.Tensor2D): ((a: tf.Tensor2D, b: tf.Tensor2D) => tf.Tensor2D) =>
  tf.customGrad(((a: tf.Tensor, b: tf.Tensor, save: tf.GradSaveFunc) => {
    save([a, b]);
    return {
      value: forward(a as tf.Tensor2D, b as tf.Tensor2D),
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => [
        matMulTraining(dy as tf.Tensor2D, false, saved[1] as tf.Tensor2D, true),
        matMulTraining(saved[0] as tf.Tensor2D, true, dy as tf.Tensor2D, false),
      ],
    };
  }) as unknown as Parameters<typeof tf.customGrad>[0]) as (a: tf.Tensor2D, b: tf.Tensor2D) => tf.Tensor2D;

/**
 * a·b for 2-D tensors with the bits of tf.matMul (wasmGemm.ts's exact kernel, ~1.2x to 1.5x its speed here). The
 * gradient's products (dy·bᵀ, aᵀ·dy) run through matMulTraining, which reads the transposed operand in place:
 * the wasm backend's matmul with transposeA/transposeB flags (what tf.matMul's own gradient uses) is ~10x slower
 * than an explicit transpose + matmul, itself slower.
 */
export const mm = productWithGradient((a, b) => matMulExact(a, false, b, false));

/**
 * mm for training's forward passes (MLP layers with dropout): the value through matMulTraining as well (the FMA
 * kernel where the runtime has it). Predictions use mm.
 */
export const mmTraining = productWithGradient((a, b) => matMulTraining(a, false, b, false));

/** Where each row of a one-hot batch tensor [B, width] has its 1 (-1: an all-zero row). */
export interface OneHotIndex {
  pos: Int32Array;
  width: number;
}

/**
 * A new float32 tensor whose values `fill` writes. On the wasm backend `out` is the tensor's own memory in the
 * wasm heap and `view` reads other tensors in place: no JavaScript array is allocated, which matters beyond the
 * copy: fresh typed arrays of these sizes are mmap'ed and page-faulted by the process, and worker threads of
 * one process serialise on that (two step-1 workers ran at 1.06x one before this). `out` starts with garbage:
 * fill writes every element. Elsewhere out and view are plain arrays (dataSync).
 */
export function tensorFrom(shape: number[], fill: (out: Float32Array, view: (t: tf.Tensor) => Float32Array) => void): tf.Tensor {
  const size = shape.reduce((a, b) => a * b, 1);
  const wasm = activeWasmBackend();
  if (wasm) {
    const { be } = wasm;
    // Views are taken after the allocation, which may grow (and so move) the heap.
    return heapTensor(be, shape, (out) =>
      fill(out, (t) => {
        if (t.dtype !== 'float32') throw new Error(`tensorFrom: a ${t.dtype} tensor`);
        return heapView(be, t);
      }),
    );
  }
  const out = new Float32Array(size);
  fill(out, (t) => t.dataSync() as Float32Array);
  return tf.tensor(out, shape);
}

/** rowGather's row index for a row of zeros. */
export const ZERO_ROW = -1;
/** rowGather's row index for a row of ones (no gradient flows through it). */
export const ONES_ROW = -2;

/**
 * Rows of x [N, D] picked by `rows` (or ZERO_ROW, ONES_ROW) -> [rows.length, D], with the gradient of x as
 * the scatter-add of dy's rows (sequential float32 sums in row order, what XNNPACK's GEMM computes for the
 * equivalent 0/1 left operand). The rows are copied in JavaScript: at these sizes wasm's GatherV2 (and its
 * missing gradient) cost more than the copy.
 */
export function rowGather(x: tf.Tensor2D, rows: Int32Array): tf.Tensor2D {
  const n = x.shape[0];
  for (const o of rows) if (o >= n || o < ONES_ROW) throw new RangeError(`rowGather: row ${o} of a ${n}-row tensor`);
  const f = tf.customGrad(((t: tf.Tensor) => {
    const d = t.shape[1] as number;
    return {
      value: tensorFrom([rows.length, d], (out, view) => {
        const src = view(t);
        for (let b = 0; b < rows.length; b++) {
          const o = rows[b]!;
          if (o >= 0) out.set(src.subarray(o * d, o * d + d), b * d);
          else out.fill(o === ONES_ROW ? 1 : 0, b * d, b * d + d);
        }
      }),
      gradFunc: (dy: tf.Tensor) =>
        tensorFrom([n, d], (acc, view) => {
          const g = view(dy);
          acc.fill(0);
          for (let b = 0; b < rows.length; b++) {
            const o = rows[b]!;
            if (o < 0) continue;
            const ro = o * d;
            const rb = b * d;
            for (let c = 0; c < d; c++) acc[ro + c] = Math.fround(acc[ro + c]! + g[rb + c]!);
          }
        }),
    };
  }) as unknown as Parameters<typeof tf.customGrad>[0]) as unknown as (t: tf.Tensor2D) => tf.Tensor2D;
  return f(x);
}

/**
 * out[r] = Σ_{t: target[t] = r} x[t] over x [T, D] -> [rows, D], the terms of a row summed in their order as
 * float32 (the first copied, the next ones added: what tf.add and the wasm AddN compute for the same terms);
 * a row without terms is zeros. The gradient of x is dy's row target[t] for term t.
 */
export function segmentSum(x: tf.Tensor2D, target: Int32Array, rows: number): tf.Tensor2D {
  if (x.shape[0] !== target.length) throw new Error(`segmentSum: ${x.shape[0]} terms but ${target.length} targets`);
  for (const r of target) if (r < 0 || r >= rows) throw new RangeError(`segmentSum: row ${r} of ${rows}`);
  const f = tf.customGrad(((t: tf.Tensor) => {
    const d = t.shape[1] as number;
    return {
      value: tensorFrom([rows, d], (out, view) => {
        const src = view(t);
        const seen = new Uint8Array(rows);
        for (let i = 0; i < target.length; i++) {
          const r = target[i]!;
          const ro = r * d;
          const ri = i * d;
          if (!seen[r]) {
            seen[r] = 1;
            out.set(src.subarray(ri, ri + d), ro);
          } else for (let c = 0; c < d; c++) out[ro + c] = Math.fround(out[ro + c]! + src[ri + c]!);
        }
        for (let r = 0; r < rows; r++) if (!seen[r]) out.fill(0, r * d, r * d + d);
      }),
      gradFunc: (dy: tf.Tensor) =>
        tensorFrom([target.length, d], (dx, view) => {
          const g = view(dy);
          for (let i = 0; i < target.length; i++) dx.set(g.subarray(target[i]! * d, target[i]! * d + d), i * d);
        }),
    };
  }) as unknown as Parameters<typeof tf.customGrad>[0]) as unknown as (t: tf.Tensor2D) => tf.Tensor2D;
  return f(x);
}

/**
 * oneHot · table for a constant one-hot batch tensor [B, width] (an input encoding, no gradient wanted), as
 * mm computes it but without its cost at these shapes (a [B, 5] × [5, 128] product forward and a [5, B] ×
 * [B, 128] one backward; wasm's GatherV2 is slower still): it is rowGather(table, index.pos). Same bits as
 * mm, forward and backward (test/unit/parallel.test.ts). `oneHot` is the same encoding as `index`, kept in the
 * signature so call sites say what is multiplied.
 */
export function oneHotMatMul(oneHot: tf.Tensor2D, index: OneHotIndex, table: tf.Tensor2D): tf.Tensor2D {
  if (oneHot.shape[0] !== index.pos.length || oneHot.shape[1] !== index.width) throw new Error('oneHotMatMul: the index does not describe the one-hot tensor');
  return rowGather(table, index.pos);
}

/**
 * y + b for y [N, D] and a bias b [D]. TF.js's gradient of b is sum(dy, 0), which the wasm backend computes by
 * transposing dy and summing each row in order (~0.3 ms at [512, 128]); here the same sequential float32 sums
 * run over dy's rows, four columns per SIMD lane group (wasmVector.ts; in JavaScript elsewhere), giving the same
 * bits (test/unit/parallel.test.ts).
 */
export const addBias = tf.customGrad(((y: tf.Tensor, bias: tf.Tensor) => ({
  value: tf.add(y, bias),
  gradFunc: (dy: tf.Tensor) => {
    const d = bias.shape[0] as number;
    const simd = activeVectorKernels();
    const db = simd
      ? outputTensor(simd.be, [d], (out) => simd.kernels.columnSums(heapOffset(simd.be, dy), dy.size / d, d, out))
      : tensorFrom([d], (out, view) => columnSumsJs(view(dy), d, out));
    return [tf.reshape(dy, y.shape), db];
  },
})) as unknown as Parameters<typeof tf.customGrad>[0]) as unknown as (y: tf.Tensor2D, bias: tf.Tensor) => tf.Tensor2D;

/**
 * Inverted dropout's multiplier, as tf.dropout(x, rate, undefined, seed) = x · multiplier: each element is
 * 1 / keep (as float32) with probability keep = 1 − rate, else 0, independently. The bits come from a keyed hash
 * of the element's index (wasmVector.ts: dropoutBits), its two keys drawn from `seed` through splitmix32 (rng.ts):
 * four elements per SIMD step (~0.23 ms for 512 × 300; tf.dropout's seedrandom alea draws took ~3 ms, and a
 * paper-preset step draws five). One kernel (the product) instead of tf.dropout's four. Same seed, same mask, on
 * every backend (test/unit/model.test.ts).
 */
export function dropoutMultiplier(shape: number[], rate: number, seed: number): tf.Tensor {
  const keep = Math.fround(1 - rate);
  const scale = Math.fround(1 / keep);
  const threshold = dropoutThreshold(keep);
  const keys = splitmix32(seed);
  const k1 = keys() | 0;
  const k2 = keys() | 0;
  const simd = activeVectorKernels();
  if (!simd) return tensorFrom(shape, (out) => dropoutMaskJs(out, k1, k2, threshold, scale));
  const count = shape.reduce((a, b) => a * b, 1);
  return outputTensor(simd.be, shape, (out, view) => simd.kernels.dropoutMask(out, count, k1, k2, threshold, scale, view));
}

export class Params {
  readonly vars = new Map<string, tf.Variable>();

  constructor(private readonly rng: Rng) {}

  private add(name: string, shape: number[], fill: () => number): tf.Variable {
    if (this.vars.has(name)) throw new Error(`duplicate parameter ${name}`);
    const size = shape.reduce((a, b) => a * b, 1);
    const data = new Float32Array(size);
    for (let i = 0; i < size; i++) data[i] = fill();
    // tfjs variable names are global; the counter keeps them unique across models.
    const init = tf.tensor(data, shape);
    const v = tf.variable(init, true, `${name}#${varCounter++}`);
    init.dispose(); // the variable holds its own reference to the data

    this.vars.set(name, v);
    return v;
  }

  /** U(-bound, bound). */
  uniform(name: string, shape: number[], bound: number): tf.Variable {
    return this.add(name, shape, () => this.rng.uniform(-bound, bound));
  }

  /** N(0, 1), PyTorch's nn.Embedding default. */
  normal(name: string, shape: number[]): tf.Variable {
    return this.add(name, shape, () => this.rng.normal());
  }

  /** Sum of two U(-bound, bound): PyTorch LSTM's b_ih + b_hh folded into one bias. */
  uniformSum2(name: string, shape: number[], bound: number): tf.Variable {
    return this.add(name, shape, () => this.rng.uniform(-bound, bound) + this.rng.uniform(-bound, bound));
  }

  list(prefix = ''): tf.Variable[] {
    return [...this.vars.entries()].filter(([k]) => k.startsWith(prefix)).map(([, v]) => v);
  }

  dispose(): void {
    for (const v of this.vars.values()) v.dispose();
    this.vars.clear();
  }
}

/** nn.Linear(in, out): W, b ~ U(±1/√in). */
export class Linear {
  readonly w: tf.Variable;
  readonly b?: tf.Variable;

  constructor(p: Params, name: string, inDim: number, outDim: number, bias = true) {
    const bound = 1 / Math.sqrt(inDim);
    this.w = p.uniform(`${name}.w`, [inDim, outDim], bound);
    if (bias) this.b = p.uniform(`${name}.b`, [outDim], bound);
  }

  /** x: [N, in] -> [N, out]; `training`: a training forward pass (mmTraining). */
  apply(x: tf.Tensor2D, training = false): tf.Tensor2D {
    const y = (training ? mmTraining : mm)(x, this.w as tf.Tensor2D);
    return this.b ? addBias(y, this.b) : y;
  }
}

/** (Linear -> ReLU -> Dropout) per hidden size, then Linear(-> outDim); DELE's construct_mlp. */
export class Mlp {
  private readonly layers: Linear[] = [];

  constructor(p: Params, name: string, inDim: number, hiddens: number[], outDim: number, private readonly dropout: number) {
    let d = inDim;
    hiddens.forEach((h, i) => {
      this.layers.push(new Linear(p, `${name}.${i}`, d, h));
      d = h;
    });
    this.layers.push(new Linear(p, `${name}.out`, d, outDim));
  }

  /** `seed` fixes the dropout masks (layer i uses seed + i), so a forward pass can be replayed exactly. */
  apply(x: tf.Tensor2D, training: boolean, seed = 0): tf.Tensor2D {
    let y = x;
    for (let i = 0; i < this.layers.length - 1; i++) {
      y = tf.relu(this.layers[i]!.apply(y, training));
      if (training && this.dropout > 0) y = tf.mul(y, dropoutMultiplier(y.shape, this.dropout, seed + i)) as tf.Tensor2D;
    }
    return this.layers[this.layers.length - 1]!.apply(y, training);
  }
}
