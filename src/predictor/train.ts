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
import type { Nb201Arch } from '../arch/nb201';
import { Adam } from './adam';
import { hingeLoss, type PairSet, samplePairs } from './loss';
import { EnsembleModel, disposeBatch, encodeBatch, type ModelConfig } from './model';
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

/**
 * Runs epochs of pairwise hinge training over `indices`.
 * @param values per expert row: the value of each arch (by dataset index) to rank by; NaN = missing.
 * @param lossOf computes the [R, B] score rows whose pairs come from `values`.
 */
async function runEpochs(
  phase: EpochEvent['phase'],
  archs: readonly Nb201Arch[],
  indices: number[],
  values: ArrayLike<number>[],
  vars: tf.Variable[],
  scoresOf: (batch: ReturnType<typeof encodeBatch>) => tf.Tensor2D,
  opt: Adam,
  cfg: OptimConfig,
  epochs: number,
  rng: Rng,
  hooks: TrainHooks,
  model: EnsembleModel,
): Promise<void> {
  const order = [...indices];
  for (let epoch = 1; epoch <= epochs; epoch++) {
    rng.shuffle(order);
    let lossSum = 0;
    let steps = 0;
    for (let start = 0; start < order.length; start += cfg.batchSize) {
      checkCancel(hooks.signal);
      const idx = order.slice(start, start + cfg.batchSize);
      const pairSets: PairSet[] = values.map((v) => samplePairs(idx.map((i) => v[i]), rng, cfg.maxCompareRatio));
      if (pairSets.every((p) => p.a1.length === 0)) continue;
      const batch = encodeBatch(idx.map((i) => archs[i]));
      const { value, grads } = tf.variableGrads(() => hingeLoss(scoresOf(batch), pairSets, cfg.margin), vars);
      opt.apply(vars, grads);
      lossSum += value.dataSync()[0];
      steps++;
      value.dispose();
      tf.dispose(grads);
      disposeBatch(batch);
    }
    const ev: EpochEvent = { phase, epoch, epochs, loss: steps > 0 ? lossSum / steps : NaN };
    if (phase === 'train' && hooks.monitor && hooks.monitorEvery && (epoch % hooks.monitorEvery === 0 || epoch === epochs)) {
      ev.monitorKendall = hooks.monitor(model);
    }
    hooks.onEpoch?.(ev);
    await yieldToEventLoop();
  }
}

/** Step 1: all experts on their LF types, only expert parameters updated (the gate gets no gradient). */
export async function pretrainExperts(
  model: EnsembleModel,
  opt: Adam,
  archs: readonly Nb201Arch[],
  trainIdx: number[],
  lfValues: ArrayLike<number>[],
  cfg: OptimConfig,
  rng: Rng,
  hooks: TrainHooks = {},
): Promise<void> {
  if (lfValues.length !== model.numExperts) throw new Error(`${model.numExperts} experts but ${lfValues.length} LF columns`);
  const vars = model.expertVariables();
  await runEpochs('pretrain', archs, trainIdx, lfValues, vars, (b) => model.expertScores(b, true, rng), opt, cfg, cfg.pretrainEpochs, rng, hooks, model);
}

/** Step 2: the ensemble score on ground truth, all parameters trainable. */
export async function trainOnTruth(
  model: EnsembleModel,
  opt: Adam,
  archs: readonly Nb201Arch[],
  gtIdx: number[],
  truth: ArrayLike<number>,
  cfg: OptimConfig,
  rng: Rng,
  hooks: TrainHooks = {},
): Promise<void> {
  const vars = model.allVariables();
  const idx = gtIdx.filter((i) => Number.isFinite(truth[i]));
  await runEpochs(
    'train',
    archs,
    idx,
    [truth],
    vars,
    (b) => tf.expandDims(model.forward(b, true, rng).score, 0) as tf.Tensor2D,
    opt,
    cfg,
    cfg.epochs,
    rng,
    hooks,
    model,
  );
}

export interface ScoreOutput {
  /** Ensemble score per arch. */
  scores: Float32Array;
  /** Row-major [N, K]. */
  weights: Float32Array;
  /** Row-major [N, K]. */
  expertScores: Float32Array;
}

/** Inference (dropout off) in batches; frees every tensor it makes. */
export function scoreArchs(model: EnsembleModel, archs: readonly Nb201Arch[], batchSize = 2048): ScoreOutput {
  const k = model.numExperts;
  const out: ScoreOutput = {
    scores: new Float32Array(archs.length),
    weights: new Float32Array(archs.length * k),
    expertScores: new Float32Array(archs.length * k),
  };
  for (let start = 0; start < archs.length; start += batchSize) {
    const part = archs.slice(start, start + batchSize);
    const [s, w, e] = tf.tidy(() => {
      const batch = encodeBatch(part);
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
