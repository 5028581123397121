/**
 * DELE two-step training and the two baselines (dele-method.md §3):
 * - dele: step 1 pretrains the K experts on their LF types over the whole training split; step 2 trains all
 *   parameters (experts + gate) on the ground-truth subset with the SAME optimizer.
 * - single: one expert pretrained on one LF type, then a fresh optimizer and fine-tuning on ground truth.
 * - vanilla: one expert trained on ground truth only.
 */
import * as tf from '@tensorflow/tfjs-core';
// Gradient definitions live outside tfjs-core's main entry.
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import type { ArchFeatures } from '../space/types';
import { Adam } from './adam';
import { hingeLoss, hingeValueAndGrad, type PairSet, samplePairs } from './loss';
import { type EncodedBatch, EnsembleModel, disposeBatch, encodeBatch, type ModelConfig } from './model';
import { Rng } from './rng';

export type Method = 'dele' | 'single' | 'vanilla';

export interface OptimConfig {
  lr: number;
  batchSize: number;
  margin: number;
  maxCompareRatio: number;
  pretrainEpochs: number;
  epochs: number;
}

/** Paper values (dele-method.md §7). */
export const PAPER_OPTIM: OptimConfig = {
  lr: 1e-3,
  batchSize: 512,
  margin: 0.1,
  maxCompareRatio: 4,
  pretrainEpochs: 200,
  epochs: 200,
};

export class TrainingCancelled extends Error {
  constructor() {
    super('training cancelled');
    this.name = 'TrainingCancelled';
  }
  static is(e: unknown): e is TrainingCancelled {
    return e instanceof TrainingCancelled;
  }
}

export interface EpochEvent {
  phase: 'pretrain' | 'train';
  epoch: number;
  epochs: number;
  /** Mean loss over the epoch's steps (summed over experts in pretraining). */
  loss: number;
  /** Kendall's tau on the monitor set, when one is given and this epoch was evaluated. */
  monitorKendall?: number;
}

export interface TrainHooks {
  onEpoch?(e: EpochEvent): void;
  signal?: AbortSignal;
  /** Evaluate the monitor every N epochs of step 2 (0 = never). */
  monitorEvery?: number;
  monitor?: (model: EnsembleModel) => number;
}

function checkCancel(signal?: AbortSignal): void {
  if (signal?.aborted) throw new TrainingCancelled();
}

const yieldToEventLoop = (): Promise<void> => new Promise((r) => setImmediate(r));

/** One optimisation step on a batch; returns its loss, or undefined when the batch had no usable pair. */
type StepFn = (batch: EncodedBatch, idx: number[]) => number | undefined;

async function runEpochs(
  phase: EpochEvent['phase'],
  archs: readonly ArchFeatures[],
  indices: number[],
  cfg: OptimConfig,
  epochs: number,
  rng: Rng,
  hooks: TrainHooks,
  model: EnsembleModel,
  step: StepFn,
): Promise<void> {
  const order = [...indices];
  for (let epoch = 1; epoch <= epochs; epoch++) {
    rng.shuffle(order);
    let lossSum = 0;
    let steps = 0;
    for (let start = 0; start < order.length; start += cfg.batchSize) {
      checkCancel(hooks.signal);
      const idx = order.slice(start, start + cfg.batchSize);
      const batch = encodeBatch(model.config, idx.map((i) => archs[i]!));
      try {
        const loss = step(batch, idx);
        if (loss !== undefined) {
          lossSum += loss;
          steps++;
        }
      } finally {
        disposeBatch(batch);
      }
    }
    const ev: EpochEvent = { phase, epoch, epochs, loss: steps > 0 ? lossSum / steps : NaN };
    if (phase === 'train' && hooks.monitor && hooks.monitorEvery && (epoch % hooks.monitorEvery === 0 || epoch === epochs)) {
      ev.monitorKendall = hooks.monitor(model);
    }
    hooks.onEpoch?.(ev);
    await yieldToEventLoop();
  }
}

/** One optimiser update of `vars` on `loss`; frees the gradients and returns the loss value. */
function minimise(opt: Pick<Adam, 'apply'>, vars: tf.Variable[], loss: () => tf.Scalar): number {
  const { value, grads } = tf.variableGrads(loss, vars);
  opt.apply(vars, grads);
  const v = value.dataSync()[0]!;
  value.dispose();
  tf.dispose(grads);
  return v;
}

/** Backpropagates one network: minimises Σ_b f(b)·upstream(b) over `vars` and applies the update. */
function applyUpstream(opt: Pick<Adam, 'apply'>, vars: tf.Variable[], f: () => tf.Tensor, upstream: tf.Tensor): void {
  minimise(opt, vars, () => tf.sum(tf.mul(f(), upstream)) as tf.Scalar);
}

/**
 * Step 1: all experts on their LF types; only expert parameters are updated (the gate gets no gradient).
 * The experts are independent here (∂Σ_k L_k/∂θ_k = ∂L_k/∂θ_k), so each is backpropagated on its own:
 * the same update as one joint step, with one network's activations in memory at a time.
 */
export async function pretrainExperts(
  model: EnsembleModel,
  opt: Adam,
  archs: readonly ArchFeatures[],
  trainIdx: number[],
  lfValues: ArrayLike<number>[],
  cfg: OptimConfig,
  rng: Rng,
  hooks: TrainHooks = {},
): Promise<void> {
  if (lfValues.length !== model.numExperts) throw new Error(`${model.numExperts} experts but ${lfValues.length} LF columns`);
  await runEpochs('pretrain', archs, trainIdx, cfg, cfg.pretrainEpochs, rng, hooks, model, (batch, idx) => {
    let total = 0;
    let any = false;
    lfValues.forEach((lf, k) => {
      const pairs = samplePairs(idx.map((i) => lf[i] ?? NaN), rng, cfg.maxCompareRatio);
      const seed = rng.nextU32();
      if (pairs.a1.length === 0) return;
      any = true;
      total += minimise(opt, model.expertVariables(k), () =>
        hingeLoss(tf.reshape(model.expertScore(k, batch, true, seed), [1, batch.size]) as tf.Tensor2D, [pairs], cfg.margin),
      );
    });
    return any ? total : undefined;
  });
}

/**
 * Step 2: the hinge loss on the ensemble score S = Σ_k w_k s_k over ground truth, all parameters trainable.
 * Two passes: pass 1 computes s, w and ∂L/∂S without a tape; pass 2 backpropagates each network alone with
 * its chain-rule upstream gradient (∂L/∂s_k = w_k ∂L/∂S, ∂L/∂w_k = s_k ∂L/∂S), replaying the same dropout
 * masks. The gradients equal a joint backward pass (test/unit/train.test.ts) at a fraction of the memory.
 */
export async function trainOnTruth(
  model: EnsembleModel,
  opt: Adam,
  archs: readonly ArchFeatures[],
  gtIdx: number[],
  truth: ArrayLike<number>,
  cfg: OptimConfig,
  rng: Rng,
  hooks: TrainHooks = {},
): Promise<void> {
  const idxWithTruth = gtIdx.filter((i) => Number.isFinite(truth[i]));
  await runEpochs('train', archs, idxWithTruth, cfg, cfg.epochs, rng, hooks, model, (batch, idx) => {
    const pairs = samplePairs(idx.map((i) => truth[i]!), rng, cfg.maxCompareRatio);
    const seeds = Array.from({ length: model.numExperts + 1 }, () => rng.nextU32());
    if (pairs.a1.length === 0) return undefined;
    return ensembleStep(model, opt, batch, pairs, cfg.margin, seeds);
  });
}

/** One step-2 update (see trainOnTruth); returns the loss. Exported for the gradient-equivalence test. */
export function ensembleStep(model: EnsembleModel, opt: Pick<Adam, 'apply'>, batch: EncodedBatch, pairs: PairSet, margin: number, seeds: number[]): number {
  const b = batch.size;
  const k = model.numExperts;
  const [s, w] = tf.tidy(() => [model.expertScores(batch, true, seeds).dataSync(), model.gateWeights(batch, true, seeds[k]).dataSync()]);
  const S = new Float32Array(b);
  for (let i = 0; i < b; i++) for (let j = 0; j < k; j++) S[i]! += w[i * k + j]! * s[j * b + i]!;
  const { value, grad: dS } = hingeValueAndGrad(S, b, [pairs], margin);
  for (let j = 0; j < k; j++) {
    const up = tf.tensor1d(Float32Array.from(dS, (g, i) => g * w[i * k + j]!));
    applyUpstream(opt, model.expertVariables(j), () => model.expertScore(j, batch, true, seeds[j]), up);
    up.dispose();
  }
  if (model.hasGate) {
    const c = new Float32Array(b * k);
    for (let i = 0; i < b; i++) for (let j = 0; j < k; j++) c[i * k + j] = s[j * b + i]! * dS[i]!;
    const up = tf.tensor2d(c, [b, k]);
    applyUpstream(opt, model.gateVariables(), () => model.gateWeights(batch, true, seeds[k]), up);
    up.dispose();
  }
  return value;
}

export interface ScoreOutput {
  /** Ensemble score per arch. */
  scores: Float32Array;
  /** Row-major [N, K]. */
  weights: Float32Array;
  /** Row-major [N, K]. */
  expertScores: Float32Array;
}

/**
 * Inference (dropout off) in batches; frees every tensor it makes. A tidy keeps all intermediates of all
 * experts alive until it ends, and the wasm heap never shrinks, so the batch stays small (256 archs: ~90 MB
 * for 13 GATES networks of the cpu preset).
 */
export function scoreArchs(model: EnsembleModel, archs: readonly ArchFeatures[], batchSize = 256): ScoreOutput {
  const k = model.numExperts;
  const out: ScoreOutput = {
    scores: new Float32Array(archs.length),
    weights: new Float32Array(archs.length * k),
    expertScores: new Float32Array(archs.length * k),
  };
  for (let start = 0; start < archs.length; start += batchSize) {
    const part = archs.slice(start, start + batchSize);
    const [s, w, e] = tf.tidy(() => {
      const batch = encodeBatch(model.config, part);
      const f = model.forward(batch, false);
      return [f.score.dataSync(), f.weights.dataSync(), tf.transpose(f.expertScores).dataSync()];
    });
    out.scores.set(s, start);
    out.weights.set(w, start * k);
    out.expertScores.set(e, start * k);
  }
  return out;
}

/** Deep copy of a model's weights into a new model of the same config; returns it and the variable map. */
export function cloneModel(model: EnsembleModel): { model: EnsembleModel; map: Map<tf.Variable, tf.Variable> } {
  const copy = new EnsembleModel(model.config, 0);
  const map = new Map<tf.Variable, tf.Variable>();
  for (const [name, v] of model.params.vars) {
    const nv = copy.params.vars.get(name);
    if (!nv) throw new Error(`clone: missing ${name}`);
    nv.assign(v);
    map.set(v, nv);
  }
  return { model: copy, map };
}

export function modelConfigFor(base: Omit<ModelConfig, 'experts' | 'gate'>, method: Method, experts: string[]): ModelConfig {
  if (method === 'dele') return { ...base, experts: [...experts], gate: true };
  if (method === 'single') {
    if (experts.length !== 1) throw new Error('single-LF pretraining takes exactly one LF type');
    return { ...base, experts: [...experts], gate: false };
  }
  return { ...base, experts: ['truth'], gate: false };
}
