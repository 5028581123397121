/**
 * Minimal layers on tfjs-core with PyTorch initialisation and a seeded RNG. All tensors are 2-D
 * [N, features]: the wasm backend runs 2-D matmuls through XNNPACK, and reshapes, slices and batched
 * matmuls cost as much as the maths at these sizes.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { Rng } from './rng';

let varCounter = 0;

/**
 * a·b for 2-D tensors, with a gradient that uses explicit transposes: the wasm backend's matmul with
 * transposeA/transposeB flags (what tf.matMul's own gradient uses) is ~10x slower than transpose + matmul.
 */
export const mm = tf.customGrad(((a: tf.Tensor, b: tf.Tensor, save: tf.GradSaveFunc) => {
  save([a, b]);
  return {
    value: tf.matMul(a as tf.Tensor2D, b as tf.Tensor2D),
    gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => [
      tf.matMul(dy as tf.Tensor2D, tf.transpose(saved[1]!) as tf.Tensor2D),
      tf.matMul(tf.transpose(saved[0]!) as tf.Tensor2D, dy as tf.Tensor2D),
    ],
  };
}) as unknown as Parameters<typeof tf.customGrad>[0]) as (a: tf.Tensor2D, b: tf.Tensor2D) => tf.Tensor2D;

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

  /** x: [N, in] -> [N, out]. */
  apply(x: tf.Tensor2D): tf.Tensor2D {
    const y = mm(x, this.w as tf.Tensor2D);
    return this.b ? tf.add(y, this.b) : y;
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
      y = tf.relu(this.layers[i]!.apply(y));
      if (training && this.dropout > 0) y = tf.dropout(y, this.dropout, undefined, seed + i) as tf.Tensor2D;
    }
    return this.layers[this.layers.length - 1]!.apply(y);
  }
}
