/**
 * Adam with PyTorch semantics (eps 1e-8 added to √v̂, bias correction, lazily created per-variable state).
 * Own implementation so its state can be snapshotted: DELE keeps one optimizer across both steps, and the
 * benchmark fine-tunes several ratios from the same pretrained state.
 */
import * as tf from '@tensorflow/tfjs-core';
import { adamStepJs, simdAdam } from '../runtime/adamKernel';
import { tensorFrom } from './nn';

interface Slot {
  m: Float32Array;
  v: Float32Array;
  t: number;
}

export interface AdamOptions {
  lr: number;
  beta1?: number;
  beta2?: number;
  eps?: number;
}

/** One variable's optimiser state as plain data. */
export interface AdamSlotData {
  m: Float32Array;
  v: Float32Array;
  t: number;
}

const f32 = Math.fround;

/**
 * The update runs outside TF.js, on the variable's values: 13 elementwise kernels per variable cost ~25 µs of
 * dispatch each, a quarter of all kernels of a training step at these sizes, while the arithmetic is a few
 * microseconds. It is the kernel sequence m' = m·β1 + g·(1−β1), v' = v·β2 + g²·(1−β2),
 * θ' = θ − (m' / (√v' / √(1−β2^t) + ε))·(lr / (1−β1^t)) with every operation rounded to float32 where the
 * kernels rounded, so the new values are bit for bit theirs (adamKernel.ts; test/unit/parallel.test.ts).
 */
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
    const B1 = f32(this.b1);
    const C1 = f32(1 - this.b1);
    const B2 = f32(this.b2);
    const C2 = f32(1 - this.b2);
    const E = f32(this.eps);
    for (const v of vars) {
      const gt = grads[v.name];
      if (!gt) continue;
      let s = this.slots.get(v);
      if (!s) {
        s = { m: new Float32Array(v.size), v: new Float32Array(v.size), t: 0 };
        this.slots.set(v, s);
      }
      s.t += 1;
      const bc1 = 1 - this.b1 ** s.t;
      const bc2 = 1 - this.b2 ** s.t;
      const S2 = f32(Math.sqrt(bc2));
      const LR = f32(this.lr / bc1);
      const consts = [B1, C1, B2, C2, S2, E, LR] as const;
      const slot = s;
      // The new values are written straight into the new tensor's memory (tensorFrom).
      const nt = tensorFrom(v.shape, (out, view) => {
        const g = view(gt);
        if (simdAdam) simdAdam(g, slot.m, slot.v, view(v), consts, out);
        else adamStepJs(g, slot.m, slot.v, (out.set(view(v)), out), consts);
      });
      v.assign(nt);
      nt.dispose();
    }
  }

  /** The settings, to make an equal optimiser elsewhere (a worker thread). */
  options(): Required<AdamOptions> {
    return { lr: this.lr, beta1: this.b1, beta2: this.b2, eps: this.eps };
  }

  /** The state of `v` as plain arrays (a copy), or undefined before its first update. */
  exportState(v: tf.Variable): AdamSlotData | undefined {
    const s = this.slots.get(v);
    return s && { m: s.m.slice(), v: s.v.slice(), t: s.t };
  }

  /** Replaces the state of `v` with `data` (from exportState, possibly in another thread). */
  importState(v: tf.Variable, data: AdamSlotData): void {
    if (data.m.length !== v.size || data.v.length !== v.size) throw new Error(`Adam state of ${v.size} values expected, got ${data.m.length}`);
    this.slots.set(v, { m: data.m.slice(), v: data.v.slice(), t: data.t });
  }

  /**
   * A deep copy of the state, for variables mapped through `map` (old -> new); used with model clones.
   * `lr`: the copy's learning rate (default this one's); the moments and step counts are kept either way.
   */
  cloneFor(map: Map<tf.Variable, tf.Variable>, lr = this.lr): Adam {
    const c = new Adam({ lr, beta1: this.b1, beta2: this.b2, eps: this.eps });
    for (const [v, s] of this.slots) {
      const nv = map.get(v);
      if (nv) c.slots.set(nv, { m: s.m.slice(), v: s.v.slice(), t: s.t });
    }
    return c;
  }

  dispose(): void {
    this.slots.clear();
  }
}
