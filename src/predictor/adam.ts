/**
 * Adam with PyTorch semantics (eps 1e-8 added to √v̂, bias correction, lazily created per-variable state).
 * Own implementation so its state can be snapshotted: DELE keeps one optimizer across both steps, and the
 * benchmark fine-tunes several ratios from the same pretrained state.
 */
import * as tf from '@tensorflow/tfjs-core';

interface Slot {
  m: tf.Tensor;
  v: tf.Tensor;
  t: number;
}

export interface AdamOptions {
  lr: number;
  beta1?: number;
  beta2?: number;
  eps?: number;
}

export class Adam {
  private readonly slots = new Map<tf.Variable, Slot>();
  readonly lr: number;
  private readonly b1: number;
  private readonly b2: number;
  private readonly eps: number;

  constructor(opts: AdamOptions) {
    this.lr = opts.lr;
    this.b1 = opts.beta1 ?? 0.9;
    this.b2 = opts.beta2 ?? 0.999;
    this.eps = opts.eps ?? 1e-8;
  }

  /** Applies one update; grads are keyed by variable name. Disposes nothing it was given. */
  apply(vars: tf.Variable[], grads: tf.NamedTensorMap): void {
    for (const v of vars) {
      const g = grads[v.name];
      if (!g) continue;
      let slot = this.slots.get(v);
      if (!slot) {
        slot = { m: tf.keep(tf.zerosLike(v)), v: tf.keep(tf.zerosLike(v)), t: 0 };
        this.slots.set(v, slot);
      }
      const s = slot;
      s.t += 1;
      const bc1 = 1 - this.b1 ** s.t;
      const bc2 = 1 - this.b2 ** s.t;
      const [m, vv] = tf.tidy(() => {
        const m2 = tf.add(tf.mul(s.m, this.b1), tf.mul(g, 1 - this.b1));
        const v2 = tf.add(tf.mul(s.v, this.b2), tf.mul(tf.square(g), 1 - this.b2));
        const denom = tf.add(tf.div(tf.sqrt(v2), Math.sqrt(bc2)), this.eps);
        v.assign(tf.sub(v, tf.mul(tf.div(m2, denom), this.lr / bc1)));
        return [tf.keep(m2), tf.keep(v2)];
      });
      s.m.dispose();
      s.v.dispose();
      s.m = m;
      s.v = vv;
    }
  }

  /** A deep copy of the state, for variables mapped through `map` (old -> new); used with model clones. */
  cloneFor(map: Map<tf.Variable, tf.Variable>): Adam {
    const c = new Adam({ lr: this.lr, beta1: this.b1, beta2: this.b2, eps: this.eps });
    for (const [v, s] of this.slots) {
      const nv = map.get(v);
      if (nv) c.slots.set(nv, { m: tf.keep(tf.clone(s.m)), v: tf.keep(tf.clone(s.v)), t: s.t });
    }
    return c;
  }

  dispose(): void {
    for (const s of this.slots.values()) {
      s.m.dispose();
      s.v.dispose();
    }
    this.slots.clear();
  }
}
