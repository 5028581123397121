/**
 * Training on a practitioner's own labels (the loop: propose, train on the cluster, feed the accuracies back,
 * retrain). Unlike `trainPredictor`, which carves a benchmark table into a training and a held-out split and
 * labels a ratio of the training split, this trains on:
 *
 * - a **pool**: architectures with LF columns (a bundled table, the user's LF file, or a sample of a declared
 *   space whose structural measures serve as LF). Step 1 pretrains the experts on all of it: it needs no label.
 * - **labels**: (architecture, value) pairs from the user's results file. Step 2 trains on exactly these; an
 *   architecture outside the pool joins as an extra row (step 1 never sees it).
 *
 * Step 1 depends only on the pool, the experts and the model settings, so a `Step1Store` (the ablation's step-1
 * cache) keeps it: each new batch of results costs one step 2. When the pool's LF data or the chosen experts
 * change, the key changes and step 1 runs again.
 *
 * There is no held-out split: the predictor's metric is k-fold cross-validation of step 2 on the labels (each
 * fold fine-tuned from the same step 1, scored on the labels it did not see; the mean of the folds' Kendall tau).
 */
import * as crypto from 'node:crypto';
import { column, type Column, type Dataset, DataError, makeDataset, permutation } from '../data/dataset';
import { paddedColumn } from '../data/pool';
import { Adam } from './adam';
import { fitIsotonic } from './calibration';
import { kendallTau } from './metrics';
import { EnsembleModel, type EncoderType } from './model';
import { pretrainExpertsParallel, trainOnTruthParallel } from './parallel';
import { chooseExperts, type CrossValidation, Predictor, PREDICTOR_FORMAT, type PredictorMeta } from './predictor';
import { modelBase, presetOptim, PRESETS, type PresetName } from './presets';
import { Rng } from '../util/rng';
import { cloneModel, type EpochEvent, type Method, modelConfigFor, type OptimConfig, scoreArchs, STEP1_KEYS, step2LearningRate, type TrainHooks, trainingNumerics } from './train';

/** Where step 1 is kept between trainings (Step1Cache in src/experiment has this shape). */
export interface Step1Store {
  /** Fills model and optimiser from the entry for `key`; the seconds step 1 took, or undefined when there is none. */
  load(key: unknown, model: EnsembleModel, opt: Adam): number | undefined;
  save(key: unknown, model: EnsembleModel, opt: Adam, seconds: number): void;
}

export interface LabelledArch {
  arch: unknown;
  value: number;
}

export interface LabelledTrainOptions {
  method: Method;
  encoder: EncoderType;
  /** The labels' name (the target recorded in the predictor, e.g. "acc"). */
  target: string;
  /** LF columns of the pool (default: the pool's default experts, or every LF column; structural when it has none). */
  experts?: string[];
  preset?: PresetName;
  optim?: Partial<OptimConfig>;
  seed?: number;
  jobs?: number;
  expertWorkerScript?: string;
  step1?: Step1Store;
  /** Folds of the cross-validation (default DEFAULT_FOLDS; 0 or fewer than 10 labels: none). */
  folds?: number;
  /** Where the labels came from (recorded; e.g. the results file). */
  labelsSource?: string;
  backend?: string;
}

export interface LabelledTrainResult {
  predictor: Predictor;
  crossValidation?: CrossValidation;
  experts: { name: string; description: string }[];
  structural: boolean;
  step1Cached: boolean;
  step1Seconds: number;
  /** The final step 2 (on every label). */
  step2Seconds: number;
  /** The k step-2 runs of the cross-validation (0 without one). */
  crossValidationSeconds: number;
  /** Labels used (duplicates of one architecture count once: the last one wins). */
  labelled: number;
  /** Labels whose architecture is not in the pool (extra rows). */
  outsidePool: number;
}

export const MIN_LABELS_FOR_CROSS_VALIDATION = 10;
/** k of the k-fold cross-validation: each fold is one more step 2, so 3 keeps an update within a few step 2s. */
export const DEFAULT_FOLDS = 3;

/** The pool plus a row per labelled architecture it lacks, with the labels as the target column. */
export function poolWithLabels(pool: Dataset, labels: readonly LabelledArch[], target: string): { ds: Dataset; labelled: number[]; outsidePool: number } {
  if (pool.columns.some((c) => c.name === target)) throw new DataError(`the labels' name "${target}" is also a column of ${pool.source}; name them differently`);
  const row = new Map(pool.keys.map((k, i) => [k, i]));
  const archs = [...pool.archs];
  const value = new Map<number, number>();
  for (const l of labels) {
    if (!Number.isFinite(l.value)) continue;
    const key = pool.space.key(l.arch);
    let i = row.get(key);
    if (i === undefined) {
      i = archs.length;
      archs.push(l.arch);
      row.set(key, i);
    }
    value.set(i, l.value);
  }
  const truth = new Float64Array(archs.length).fill(NaN);
  for (const [i, v] of value) truth[i] = v;
  const columns: Column[] = [...pool.columns.map((c) => paddedColumn(c, archs.length)), { name: target, kind: 'target', description: `labels${labels.length ? '' : ' (none)'}`, values: truth }];
  const ds = makeDataset(pool.source, pool.space, archs, columns);
  return { ds: { ...ds, defaultExperts: pool.defaultExperts, expertSets: pool.expertSets }, labelled: [...value.keys()].sort((a, b) => a - b), outsidePool: archs.length - pool.archs.length };
}

/** Step 2 from a copy of the step-1 model, so folds and the final training all start from the same step 1. */
async function fineTuneCopy(
  model: EnsembleModel,
  opt: Adam,
  fresh: boolean,
  ds: Dataset,
  gt: number[],
  truth: Float64Array,
  optim: OptimConfig,
  rng: Rng,
  hooks: TrainHooks,
  jobs: number,
  workerScript?: string,
): Promise<EnsembleModel> {
  const c = cloneModel(model);
  const o = fresh ? new Adam({ lr: optim.lr }) : opt.cloneFor(c.map, step2LearningRate(optim, gt.length));
  try {
    await trainOnTruthParallel(c.model, o, ds.features, gt, truth, optim, rng, hooks, { jobs, workerScript });
    return c.model;
  } catch (e) {
    c.model.dispose();
    throw e;
  } finally {
    o.dispose();
  }
}

/** Trains a predictor from step 1 on `pool` (or the store's copy) and step 2 on `labels`. */
export async function trainOnLabels(pool: Dataset, labels: readonly LabelledArch[], opts: LabelledTrainOptions, hooks: TrainHooks = {}): Promise<LabelledTrainResult> {
  const t0 = Date.now();
  const preset = PRESETS[opts.preset ?? 'cpu'];
  const optim: OptimConfig = { ...presetOptim(opts.preset ?? 'cpu', pool.space), ...opts.optim };
  const seed = opts.seed ?? 0;
  const jobs = opts.jobs ?? 1;
  if (!pool.space.encoders.includes(opts.encoder)) throw new DataError(`the ${opts.encoder} encoder does not fit ${pool.space.title}; use ${pool.space.encoders.join(' or ')}`);
  const { ds, labelled, outsidePool } = poolWithLabels(pool, labels, opts.target);
  if (labelled.length < 2) throw new DataError(`${labelled.length} labelled architecture${labelled.length === 1 ? '' : 's'}; need at least 2`);
  const truth = column(ds, opts.target).values;
  const { experts, lfData, structural } = chooseExperts(ds, opts.method, opts.experts, opts.target, labelled, seed);
  const cfg = modelConfigFor(modelBase(preset, opts.encoder, ds.space.encoderInput), opts.method, experts);
  const model = new EnsembleModel(cfg, seed);
  const opt = new Adam({ lr: optim.lr });
  const poolRows = Array.from({ length: pool.archs.length }, (_, i) => i);
  // Step 1 trains on these values only (the pool's rows): the key holds their hash, whatever made the columns
  // (the pool's own LF columns, or structural measures chosen and oriented on the labels).
  const lf = experts.map((n) => column(lfData, n).values);
  const lfHash = crypto.createHash('sha256');
  for (const v of lf) lfHash.update(Buffer.from(v.buffer, v.byteOffset, pool.archs.length * v.BYTES_PER_ELEMENT));
  // Of the optimiser, only what step 1 reads (STEP1_KEYS): a step-2 setting does not retrain step 1.
  const step1Key = { format: 'dele-nas/labelled-step1@3', pool: pool.fingerprint, poolSize: pool.archs.length, method: opts.method, experts, lf: lfHash.digest('hex'), config: cfg, optim: STEP1_KEYS.map((k) => optim[k]), seed, numerics: trainingNumerics() };
  let step1Seconds = 0;
  let step1Cached = false;
  let finalModel: EnsembleModel | undefined;
  const history: EpochEvent[] = [];
  try {
    if (opts.method !== 'vanilla') {
      const cached = opts.step1?.load(step1Key, model, opt);
      if (cached !== undefined) {
        step1Seconds = cached;
        step1Cached = true;
      } else {
        const t = Date.now();
        await pretrainExpertsParallel(model, opt, ds.features, poolRows, lf, optim, new Rng(seed ^ 0x5eed), hooks, { jobs, workerScript: opts.expertWorkerScript });
        step1Seconds = (Date.now() - t) / 1000;
        opts.step1?.save(step1Key, model, opt, step1Seconds);
      }
    }
    // The single-LF baseline re-initialises the optimiser between the steps (reinit_optimizer), as trainPredictor does.
    const fresh = opts.method === 'single';
    // Step 2's rate follows the final training's label count, in the folds too: they estimate its metric.
    const step2: OptimConfig = fresh ? optim : { ...optim, finetuneLr: step2LearningRate(optim, labelled.length) };
    const tcv = Date.now();
    const crossValidation = await crossValidate(model, opt, fresh, ds, labelled, truth, step2, seed, opts.folds ?? DEFAULT_FOLDS, { signal: hooks.signal }, jobs, opts.expertWorkerScript);
    const crossValidationSeconds = (Date.now() - tcv) / 1000;
    const t2 = Date.now();
    finalModel = await fineTuneCopy(model, opt, fresh, ds, labelled, truth, step2, new Rng(seed * 7919 + 1), { ...hooks, onEpoch: (e) => (history.push(e), hooks.onEpoch?.(e)) }, jobs, opts.expertWorkerScript);
    const step2Seconds = (Date.now() - t2) / 1000;
    const fit = scoreArchs(finalModel, labelled.map((i) => ds.features[i]!)).scores;
    const calibration = fitIsotonic(fit, labelled.map((i) => truth[i]!));
    const meta: PredictorMeta = {
      format: PREDICTOR_FORMAT,
      space: { id: ds.space.id, ...(ds.space.declaration !== undefined ? { declaration: ds.space.declaration } : {}) },
      method: opts.method,
      target: opts.target,
      trainRatio: labelled.length / ds.archs.length,
      seed,
      splitSeed: 0,
      model: cfg,
      optim: step2,
      dataset: { source: pool.source, fingerprint: ds.fingerprint, size: ds.archs.length, trainSize: pool.archs.length, groundTruthSize: labelled.length },
      labels: { source: opts.labelsSource ?? 'labels', count: labelled.length, outsidePool },
      ...(crossValidation ? { crossValidation } : {}),
      calibration,
      backend: opts.backend ?? 'unknown',
      createdAt: new Date().toISOString(),
      trainSeconds: (Date.now() - t0) / 1000,
    };
    const predictor = new Predictor(finalModel, meta);
    finalModel = undefined;
    return {
      predictor,
      ...(crossValidation ? { crossValidation } : {}),
      experts: experts.map((name) => ({ name, description: column(lfData, name).description })),
      structural,
      step1Cached,
      step1Seconds,
      step2Seconds,
      crossValidationSeconds,
      labelled: labelled.length,
      outsidePool,
    };
  } finally {
    finalModel?.dispose();
    model.dispose();
    opt.dispose();
  }
}

/** k-fold cross-validation of step 2 on the labels; undefined with fewer than MIN_LABELS_FOR_CROSS_VALIDATION labels. */
async function crossValidate(
  model: EnsembleModel,
  opt: Adam,
  fresh: boolean,
  ds: Dataset,
  labelled: number[],
  truth: Float64Array,
  optim: OptimConfig,
  seed: number,
  folds: number,
  hooks: TrainHooks,
  jobs: number,
  workerScript?: string,
): Promise<CrossValidation | undefined> {
  if (folds < 2 || labelled.length < MIN_LABELS_FOR_CROSS_VALIDATION) return undefined;
  const order = permutation(labelled.length, seed + 1).map((j) => labelled[j]!);
  const foldTaus: number[] = [];
  for (let f = 0; f < folds; f++) {
    const test = order.filter((_, j) => j % folds === f);
    const train = order.filter((_, j) => j % folds !== f);
    const m = await fineTuneCopy(model, opt, fresh, ds, train, truth, optim, new Rng(seed * 7919 + 2 + f), hooks, jobs, workerScript);
    try {
      const tau = kendallTau(scoreArchs(m, test.map((i) => ds.features[i]!)).scores, test.map((i) => truth[i]!));
      if (Number.isFinite(tau)) foldTaus.push(tau);
    } finally {
      m.dispose();
    }
  }
  if (foldTaus.length === 0) return undefined;
  return { folds, n: labelled.length, kendallTau: foldTaus.reduce((a, b) => a + b, 0) / foldTaus.length, foldTaus };
}
