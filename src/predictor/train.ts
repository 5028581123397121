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
import { hingeLoss, hingeValueAndGrad, type PairSet, samplePairs, skipPairs } from './loss';
import { type EncodedBatch, EnsembleModel, disposeBatch, encodeBatch, type ModelConfig } from './model';
import { Rng } from '../util/rng';
import { averagedEpochs, WeightAverage } from './weightAverage';
import { trainingProductVariant } from '../runtime/wasmGemm';

/**
 * Bumped whenever training's float arithmetic changes (same configuration, different rounding), so results
 * cached by an earlier implementation (the step-1 cache, ablation checkpoints) are not mixed with this one's.
 * 2: row sharing; 3: dropout masks from sfc32; 4: dropout masks from a keyed hash (wasmVector.ts), products of
 * training through wasmGemm.ts.
 */
export const TRAINING_NUMERICS = 4;

/**
 * TRAINING_NUMERICS and the product kernel this thread trains with ('fma' rounds a product's terms once,
 * 'exact' twice; off wasm, the backend's name), e.g. "4-fma". Call after the backend is initialised.
 */
export function trainingNumerics(): string {
  const variant = trainingProductVariant();
  return `${TRAINING_NUMERICS}-${variant === 'tfjs' ? tf.getBackend() : variant}`;
}

export type Method = 'dele' | 'single' | 'vanilla';

export interface OptimConfig {
  lr: number;
  batchSize: number;
  margin: number;
  maxCompareRatio: number;
  pretrainEpochs: number;
  epochs: number;
  /**
   * DELE's step-2 learning rate (step 2 keeps step 1's optimiser state, moments included); absent: the rule of
   * step2LearningRate.
   */
  finetuneLr?: number;
  /**
   * Step 2 trains the gate alone; the experts keep what step 1 taught them and score without dropout. Absent:
   * every network trains (the paper's step 2).
   */
  finetuneGateOnly?: boolean;
  /**
   * Step 2 also trains each expert alone on its own targets (trainOnTruth's `expertTargets`: step 1's LF columns
   * on step 1's archs, or the labels on the labelled archs): every step-2 update of expert k minimises the
   * ensemble's label loss plus this weight times expert k's hinge loss on a batch of those archs. Absent: the
   * paper's step 2.
   */
  finetuneExpertLoss?: number;
  /**
   * Step 2 ends with the average of the weights it had at the end of each of its last ceil(fraction × epochs)
   * epochs (stochastic weight averaging, uniform over the tail) instead of the last epoch's; absent or 0: the
   * last epoch's. Epoch events and the monitor see the trajectory; the model ends on the average.
   */
  finetuneAverage?: number;
}

/** The optimiser settings step 1 reads (what a step-1 cache key holds of OptimConfig); the rest are step 2's. */
export const STEP1_KEYS: (keyof OptimConfig)[] = ['lr', 'batchSize', 'margin', 'maxCompareRatio', 'pretrainEpochs'];

/** Paper values (dele-method.md §7). */
export const PAPER_OPTIM: OptimConfig = {
  lr: 1e-3,
  batchSize: 512,
  margin: 0.1,
  maxCompareRatio: 4,
  pretrainEpochs: 200,
  epochs: 200,
};

/**
 * With at most this many labels, DELE's step 2 runs at FEW_LABELS_STEP2_LR instead of the optimiser's rate: a
 * gentler step 2 keeps more of what step 1 learned. Chosen on validation splits (docs/benchmarks.md, "Step 2
 * with few labels"): better at 78 labels on NB201 and at 20 and 102 on TransNAS micro, worse at 390 on NB201.
 */
export const FEW_LABELS = 200;
export const FEW_LABELS_STEP2_LR = 3e-4;

/** DELE's step-2 learning rate for `labels` labelled archs: optim.finetuneLr, else the few-labels rule. */
export function step2LearningRate(optim: OptimConfig, labels: number): number {
  if (optim.finetuneLr !== undefined) return optim.finetuneLr;
  return labels <= FEW_LABELS ? Math.min(optim.lr, FEW_LABELS_STEP2_LR) : optim.lr;
}

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
 * This runs them all in this thread; pretrainExpertsParallel (parallel.ts) gives the same result with the
 * experts split over worker threads.
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
  await pretrainLoop(model, opt, archs, trainIdx, lfValues, cfg, rng, undefined, hooks.signal, (l) => {
    hooks.onEpoch?.({ phase: 'pretrain', epoch: l.epoch, epochs: cfg.pretrainEpochs, loss: pretrainEpochLoss(l) });
  });
}

/** The per-batch losses of one step-1 epoch, [batch][expert] row-major; `has` = 0 where the batch had no pair. */
export interface PretrainEpochLosses {
  epoch: number;
  batches: number;
  experts: number;
  losses: Float64Array;
  has: Uint8Array;
}

/** The epoch's mean over batches of the summed expert losses (batches without any pair left out), as step 1 reports it. */
export function pretrainEpochLoss(l: PretrainEpochLosses): number {
  let lossSum = 0;
  let steps = 0;
  for (let b = 0; b < l.batches; b++) {
    let total = 0;
    let any = false;
    for (let k = 0; k < l.experts; k++) {
      if (!l.has[b * l.experts + k]) continue;
      any = true;
      total += l.losses[b * l.experts + k]!;
    }
    if (any) {
      lossSum += total;
      steps++;
    }
  }
  return steps > 0 ? lossSum / steps : NaN;
}

/**
 * Step 1's loop, for all experts (`only` undefined) or some of them. The random stream is the same either way:
 * per epoch one shuffle, per batch and expert (in order) a pair draw and a dropout seed; the pair draws of
 * experts trained elsewhere are skipped over (skipPairs), so a worker training experts {1, 3} updates them
 * exactly as one thread training all of them does. `rng` ends in the same state in every case.
 */
export async function pretrainLoop(
  model: EnsembleModel,
  opt: Adam,
  archs: readonly ArchFeatures[],
  trainIdx: number[],
  lfValues: ArrayLike<number>[],
  cfg: OptimConfig,
  rng: Rng,
  only: ReadonlySet<number> | undefined,
  signal: AbortSignal | undefined,
  onEpoch: (l: PretrainEpochLosses) => void | Promise<void>,
): Promise<void> {
  const k = lfValues.length;
  const mine = (j: number): boolean => only === undefined || only.has(j);
  const anyMine = only === undefined || only.size > 0;
  const order = [...trainIdx];
  const batches = Math.ceil(order.length / cfg.batchSize);
  for (let epoch = 1; epoch <= cfg.pretrainEpochs; epoch++) {
    rng.shuffle(order);
    const l: PretrainEpochLosses = { epoch, batches, experts: k, losses: new Float64Array(batches * k), has: new Uint8Array(batches * k) };
    for (let b = 0; b < batches; b++) {
      checkCancel(signal);
      const idx = order.slice(b * cfg.batchSize, (b + 1) * cfg.batchSize);
      const batch = anyMine ? encodeBatch(model.config, idx.map((i) => archs[i]!)) : undefined;
      try {
        lfValues.forEach((lf, j) => {
          const values = idx.map((i) => lf[i] ?? NaN);
          if (!batch || !mine(j)) {
            skipPairs(values, rng, cfg.maxCompareRatio);
            rng.nextU32();
            return;
          }
          const pairs = samplePairs(values, rng, cfg.maxCompareRatio);
          const seed = rng.nextU32();
          if (pairs.a1.length === 0) return;
          l.has[b * k + j] = 1;
          l.losses[b * k + j] = minimise(opt, model.expertVariables(j), () =>
            hingeLoss(tf.reshape(model.expertScore(j, batch, true, seed), [1, batch.size]) as tf.Tensor2D, [pairs], cfg.margin),
          );
        });
      } finally {
        if (batch) disposeBatch(batch);
      }
    }
    await onEpoch(l);
    await yieldToEventLoop();
  }
}

/**
 * The networks one thread trains in step 2 when several threads share it (parallel.ts): its experts and
 * whether it has the gate. `exchange` is called once per step with this thread's expert scores (rows of
 * [K, B]) and gate weights ([B, K]) filled in, and fills in the others' from the other threads, so every thread
 * computes the same ensemble loss and upstream gradients and backpropagates only its own networks.
 */
export interface NetworkShare {
  experts: readonly number[];
  gate: boolean;
  exchange(scores: Float32Array, weights: Float32Array): void;
}

/**
 * Step 2: the hinge loss on the ensemble score S = Σ_k w_k s_k over ground truth, all parameters trainable.
 * Two passes: pass 1 computes s, w and ∂L/∂S without a tape; pass 2 backpropagates each network alone with
 * its chain-rule upstream gradient (∂L/∂s_k = w_k ∂L/∂S, ∂L/∂w_k = s_k ∂L/∂S), replaying the same dropout
 * masks. The gradients equal a joint backward pass (test/unit/train.test.ts) at a fraction of the memory.
 * With `share`, this thread trains only its share of the networks (trainOnTruthParallel).
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
  share?: NetworkShare,
  expertTargets?: ExpertTargets,
): Promise<void> {
  const idxWithTruth = gtIdx.filter((i) => Number.isFinite(truth[i]));
  if (cfg.finetuneGateOnly && (!model.hasGate || share)) throw new Error('a gate-only step 2 needs a gate and one thread');
  const own = cfg.finetuneExpertLoss !== undefined && cfg.finetuneExpertLoss > 0 ? expertTargets : undefined;
  if (cfg.finetuneExpertLoss && (!expertTargets || share || cfg.finetuneGateOnly)) throw new Error("a step 2 with the experts' own loss needs their targets, one thread and every network training");
  if (expertTargets && expertTargets.values.length !== model.numExperts) throw new Error(`${model.numExperts} experts but ${expertTargets.values.length} target columns`);
  if (own && own.idx.length < 2) throw new Error("the experts' own targets need at least 2 archs");
  const draw = own ? passes(own.idx, cfg.batchSize, rng) : undefined;
  const tail = averagedEpochs(cfg.finetuneAverage, cfg.epochs);
  // The networks this thread trains: its share, the gate alone, or all of them.
  const average =
    tail > 0 ? new WeightAverage(share ? model.networkVariables(share.experts, share.gate) : cfg.finetuneGateOnly ? model.gateVariables() : model.allVariables()) : undefined;
  const epochHooks: TrainHooks = average
    ? {
        ...hooks,
        onEpoch: (e) => {
          if (e.epoch > cfg.epochs - tail) average.add();
          hooks.onEpoch?.(e);
        },
      }
    : hooks;
  await runEpochs('train', archs, idxWithTruth, cfg, cfg.epochs, rng, epochHooks, model, (batch, idx) => {
    const pairs = samplePairs(idx.map((i) => truth[i]!), rng, cfg.maxCompareRatio);
    const seeds = Array.from({ length: model.numExperts + 1 }, () => rng.nextU32());
    if (pairs.a1.length === 0) return undefined;
    if (cfg.finetuneGateOnly) return gateStep(model, opt, batch, pairs, cfg.margin, seeds[model.numExperts]!);
    if (!own || !draw) return ensembleStep(model, opt, batch, pairs, cfg.margin, seeds, batch.size <= JOINT_STEP_MAX_BATCH, share);
    const r = draw();
    const ownBatch = encodeBatch(model.config, r.map((i) => archs[i]!));
    try {
      const ownPairs = own.values.map((v) => samplePairs(r.map((i) => v[i] ?? NaN), rng, cfg.maxCompareRatio));
      const ownSeeds = ownPairs.map(() => rng.nextU32());
      return ensembleStep(model, opt, batch, pairs, cfg.margin, seeds, false, undefined, {
        batch: ownBatch,
        pairs: ownPairs,
        seeds: ownSeeds,
        weight: cfg.finetuneExpertLoss!,
      });
    } finally {
      disposeBatch(ownBatch);
    }
  });
  average?.assign();
}

/**
 * Each expert's own targets in step 2 (OptimConfig.finetuneExpertLoss): the archs they are known on and one
 * column of values per expert (step 1's LF columns, or the labels for every expert).
 */
export interface ExpertTargets {
  idx: readonly number[];
  values: ArrayLike<number>[];
}

/**
 * Batches of `idx`: a shuffled pass over them, `size` at a time; what is left of a pass that cannot fill a batch
 * is dropped and the archs reshuffled (with fewer archs than `size`, every batch is all of them).
 */
function passes(idx: readonly number[], size: number, rng: Rng): () => number[] {
  const order = [...idx];
  let at = order.length;
  return () => {
    if (at + size > order.length) {
      rng.shuffle(order);
      at = 0;
    }
    const idx = order.slice(at, at + size);
    at += size;
    return idx;
  };
}

/** What step 2 adds to each expert's update with OptimConfig.finetuneExpertLoss: weight × its own hinge loss on `batch`. */
export interface ExpertTerm {
  batch: EncodedBatch;
  /** One pair set per expert, drawn on its own target column. */
  pairs: PairSet[];
  /** One dropout seed per expert. */
  seeds: number[];
  weight: number;
}

/**
 * One gate-only step-2 update: the experts score without dropout and without a tape, and the hinge loss on
 * S = Σ_k w_k s_k moves the gate alone. Returns the loss.
 */
export function gateStep(model: EnsembleModel, opt: Pick<Adam, 'apply'>, batch: EncodedBatch, pairs: PairSet, margin: number, seed: number): number {
  const s = tf.tidy(() => tf.transpose(model.expertScores(batch, false)) as tf.Tensor2D);
  try {
    return minimise(opt, model.gateVariables(), () => {
      const score = tf.sum(tf.mul(model.gateWeights(batch, true, seed), s), 1);
      return hingeLoss(tf.reshape(score, [1, batch.size]) as tf.Tensor2D, [pairs], margin);
    });
  } finally {
    s.dispose();
  }
}

/**
 * Batches up to this size take step 2 in one pass (one tape over all networks); larger ones in two passes,
 * which keep one network's activations at a time (13 paper-size GATES networks at 512 archs would hold ~1 GB
 * of wasm heap, which never shrinks). Both give the same bits: see ensembleStep.
 */
export const JOINT_STEP_MAX_BATCH = 128;

/**
 * One step-2 update (see trainOnTruth); returns the loss. Exported for the gradient-equivalence test.
 * Small batches (at most JOINT_STEP_MAX_BATCH) do it in one pass: all networks run forward once on one tape,
 * s and w are read out, ∂L/∂S and the upstream gradients are computed in JavaScript exactly as the two-pass
 * form does, and the tape is closed with Σ_k sum(s_k·up_k) + sum(w·up_gate), whose backward hands each
 * network the same upstream gradient, through the same kernels, as its own pass would: the updates are
 * bit for bit those of the two-pass form (test/unit/parallel.test.ts), with one forward of every network less.
 * With `share`, only the share's networks run and are updated here; the others' outputs come from `exchange`.
 */
export function ensembleStep(
  model: EnsembleModel,
  opt: Pick<Adam, 'apply'>,
  batch: EncodedBatch,
  pairs: PairSet,
  margin: number,
  seeds: number[],
  joint = batch.size <= JOINT_STEP_MAX_BATCH,
  share?: NetworkShare,
  own?: ExpertTerm,
): number {
  if (own && (joint || share)) throw new Error("a step 2 with the experts' own loss takes two passes in one thread");
  const b = batch.size;
  const k = model.numExperts;
  const experts = share ? share.experts : Array.from({ length: k }, (_, j) => j);
  const gate = model.hasGate && (share ? share.gate : true);
  const upstreams = (s: Float32Array, w: Float32Array): { value: number; expert: Float32Array[]; gate?: Float32Array } => {
    share?.exchange(s, w);
    const S = new Float32Array(b);
    for (let i = 0; i < b; i++) for (let j = 0; j < k; j++) S[i]! += w[i * k + j]! * s[j * b + i]!;
    const { value, grad: dS } = hingeValueAndGrad(S, b, [pairs], margin);
    const expert = Array.from({ length: k }, (_, j) => Float32Array.from(dS, (g, i) => g * w[i * k + j]!));
    if (!model.hasGate) return { value, expert };
    const c = new Float32Array(b * k);
    for (let i = 0; i < b; i++) for (let j = 0; j < k; j++) c[i * k + j] = s[j * b + i]! * dS[i]!;
    return { value, expert, gate: c };
  };
  const s = new Float32Array(k * b);
  const w = new Float32Array(b * k).fill(1);
  if (joint) {
    let value = 0;
    const vars = model.networkVariables(experts, gate);
    const { value: v, grads } = tf.variableGrads(() => {
      const scores = experts.map((j) => model.expertScore(j, batch, true, seeds[j]));
      const wt = gate ? model.gateWeights(batch, true, seeds[k]) : undefined;
      scores.forEach((t, i) => s.set(t.dataSync(), experts[i]! * b));
      if (wt) w.set(wt.dataSync());
      const up = upstreams(s, w);
      value = up.value;
      const terms = scores.map((t, i) => tf.sum(tf.mul(t, tf.tensor1d(up.expert[experts[i]!]!))));
      if (wt && up.gate) terms.push(tf.sum(tf.mul(wt, tf.tensor2d(up.gate, [b, k]))));
      return (terms.length === 1 ? terms[0]! : tf.addN(terms)) as tf.Scalar;
    }, vars);
    for (const j of experts) opt.apply(model.expertVariables(j), grads);
    if (gate) opt.apply(model.gateVariables(), grads);
    v.dispose();
    tf.dispose(grads);
    return value;
  }
  tf.tidy(() => {
    for (const j of experts) s.set(model.expertScore(j, batch, true, seeds[j]).dataSync(), j * b);
    if (gate) w.set(model.gateWeights(batch, true, seeds[k]).dataSync());
  });
  const up = upstreams(s, w);
  for (const j of experts) {
    const t = tf.tensor1d(up.expert[j]!);
    const f = (): tf.Tensor => model.expertScore(j, batch, true, seeds[j]);
    if (own && own.pairs[j]!.a1.length > 0) {
      const r = own;
      minimise(opt, model.expertVariables(j), () => {
        const alone = hingeLoss(tf.reshape(model.expertScore(j, r.batch, true, r.seeds[j]), [1, r.batch.size]) as tf.Tensor2D, [r.pairs[j]!], margin);
        return tf.add(tf.sum(tf.mul(f(), t)), tf.mul(alone, r.weight)) as tf.Scalar;
      });
    } else applyUpstream(opt, model.expertVariables(j), f, t);
    t.dispose();
  }
  if (gate && up.gate) {
    const t = tf.tensor2d(up.gate, [b, k]);
    applyUpstream(opt, model.gateVariables(), () => model.gateWeights(batch, true, seeds[k]), t);
    t.dispose();
  }
  return up.value;
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
