/**
 * The reproduction benchmark (DELE paper, NB201 table; and the same protocol on every bundled space):
 * vanilla vs best-single-LF vs DELE at several ground-truth ratios for one encoder and one seed. Step 1 does not depend on the ratio, so the experts are
 * pretrained once and every ratio fine-tunes a copy of the pretrained model and optimizer state.
 */
import { column, type Dataset, groundTruthSubset, splitDataset } from '../data/dataset';
import { Adam } from '../predictor/adam';
import { fitIsotonic } from '../predictor/calibration';
import { type EvalMetrics, evaluateCalibrated, kendallTau } from '../predictor/metrics';
import type { EncoderType } from '../predictor/model';
import { chooseExperts } from '../predictor/predictor';
import { modelBase, presetOptim, PRESETS, type PresetName } from '../predictor/presets';
import { Rng } from '../util/rng';
import { type SampledColumns, withSampledArchs } from '../data/pool';
import { applyGatePrior } from '../predictor/gatePrior';
import { cloneModel, type Method, modelConfigFor, type OptimConfig, pretrainExperts, scoreArchs, STEP1_KEYS, step2LearningRate, trainingNumerics, trainOnTruth } from '../predictor/train';
import { EnsembleModel } from '../predictor/model';
import { ensembleScores } from './ablation';
import type { Step1Cache } from './step1Cache';
import * as crypto from 'node:crypto';

export interface BenchTask {
  /** Search space of the bundled data (default nb201). */
  space?: string;
  encoder: EncoderType;
  seed: number;
  /** Seed of the ground-truth subset's shuffle (groundTruthSubset); absent: the first N of the training split. */
  subsetSeed?: number;
  ratios: number[];
  target: string;
  preset: PresetName;
  experts?: string[];
  optim?: Partial<OptimConfig>;
  methods?: Method[];
  /** Temperature of DELE's gate prior (applyGatePrior) before step 2; absent: no prior. */
  gatePrior?: number;
  /**
   * Architectures sampled from the space that step 1 also trains on (no LF value or label: only structural
   * experts learn from them); absent or 0: the training split only.
   */
  step1Sample?: number;
  /**
   * The sampled architectures also get the space's closed-form flops and params (the `sampledColumns` that
   * runBenchTask is given), so those experts learn from them too.
   */
  step1SampleCounts?: boolean;
  /**
   * DELE's step 2 repeated with this many seeds from the one step 1, their scores combined as the ablation's
   * ensemble (ensembleScores); member 0 is the plain DELE run. Absent or 1: one step 2.
   */
  ensemble?: number;
  /** A step-1 cache folder for DELE's step 1 (Step1Cache): runs that differ only in step 2 train step 1 once. */
  step1CacheDir?: string;
  /** With `structural` in the experts: choose at most this many structural measures (absent: DEFAULT_STRUCTURAL_MAX). */
  structuralMax?: number;
}

export interface BenchRow {
  space?: string;
  encoder: EncoderType;
  seed: number;
  /** The task's subset seed, when it had one. */
  subsetSeed?: number;
  method: Method;
  ratio: number;
  groundTruth: number;
  /** LF used by the single-LF baseline. */
  lf?: string;
  metrics: EvalMetrics;
  /**
   * Kendall's tau on the train split's archs that carry no label in this row (their truth never reaches training):
   * a criterion to choose settings by where the train split is too small to carve a validation split from.
   */
  unlabelledTau?: number;
  /** DELE with --ensemble: each member's held-out Kendall's tau (member 0 = the plain DELE run). */
  memberTaus?: number[];
  /** Step-2 (fine-tuning) seconds for this ratio. */
  trainSeconds: number;
  /** Step-1 seconds, shared by all ratios of this seed (0 for vanilla). */
  pretrainSeconds: number;
}

/**
 * The ratio that labels exactly `count` archs of a train split of `trainSize` (groundTruthSubset takes
 * floor(ratio * size)); the whole split is 1. `dele bench --counts` and the peer benches use it.
 */
export function ratioForCount(count: number, trainSize: number): number {
  return Math.min(1, (count + 0.5) / trainSize);
}

/** The labelled archs of one bench row: the ground-truth subset of the ratio, without archs that have no target. */
export function benchLabelledArchs(train: number[], ratio: number, subsetSeed: number | undefined, truth: ArrayLike<number>): number[] {
  return groundTruthSubset(train, ratio, subsetSeed).filter((i) => Number.isFinite(truth[i]));
}

/** The train split's archs with a target value that a row's labelled subset `gt` leaves out (its choice criterion). */
export function unlabelledArchs(train: readonly number[], gt: readonly number[], truth: ArrayLike<number>): number[] {
  const labelled = new Set(gt);
  return train.filter((i) => !labelled.has(i) && Number.isFinite(truth[i]!));
}

/**
 * runBenchTask's DELE step 1 is read from and written to `cache` (the task's step1CacheDir, opened by the caller)
 * under a key of everything step 1 reads: the data, the model, the seed, step 1's settings and the expert
 * columns' values on step 1's archs (the sampled ones included).
 */
export async function runBenchTask(ds: Dataset, task: BenchTask, log: (msg: string) => void = () => {}, sampledColumns?: SampledColumns, cache?: Step1Cache): Promise<BenchRow[]> {
  const preset = PRESETS[task.preset];
  const optim: OptimConfig = { ...presetOptim(task.preset, ds.space), ...task.optim };
  const truth = column(ds, task.target).values;
  const tableSize = ds.archs.length;
  const split = splitDataset(tableSize, 0);
  if (task.step1SampleCounts && !sampledColumns) throw new Error('step1SampleCounts: no closed-form LF values were given for sampled architectures');
  if (task.step1Sample) ds = withSampledArchs(ds, task.step1Sample, task.seed, task.step1SampleCounts ? sampledColumns : undefined);
  // Step 1's rows: the training split, then the sampled architectures (appended after the table's rows).
  const step1Idx = [...split.train, ...Array.from({ length: ds.archs.length - tableSize }, (_, i) => tableSize + i)];
  const heldOutTruth = split.heldOut.map((i) => truth[i]!);
  // Structural experts (`--lf structural`) are chosen on the smallest ratio's labels, which every ratio has
  // (the subsets are nested): one step 1 serves every ratio, and no ratio's choice saw labels it does not use.
  const fewest = groundTruthSubset(split.train, Math.min(...task.ratios), task.subsetSeed).filter((i) => Number.isFinite(truth[i]));
  const chosen = chooseExperts(ds, 'dele', task.experts, task.target, fewest, task.seed, task.structuralMax);
  const experts = chosen.experts;
  ds = chosen.lfData;
  const base = modelBase(preset, task.encoder, ds.space.encoderInput);
  const methods = task.methods ?? ['vanilla', 'single', 'dele'];
  const rows: BenchRow[] = [];

  const finetune = async (
    method: Method,
    pretrained: { model: EnsembleModel; opt: Adam } | undefined,
    cfgExperts: string[],
    ratio: number,
    pretrainSeconds: number,
    lf?: string,
  ): Promise<void> => {
    const gt = benchLabelledArchs(split.train, ratio, task.subsetSeed, truth);
    const unlabelled = unlabelledArchs(split.train, gt, truth);
    const t = Date.now();
    const members = method === 'dele' ? (task.ensemble ?? 1) : 1;
    const runs: MemberScores[] = [];
    for (let m = 0; m < members; m++) {
      const { model, opt } = startStep2(method, pretrained, () => new EnsembleModel(modelConfigFor(base, method, cfgExperts), task.seed), optim, gt.length);
      try {
        if (pretrained && method === 'dele' && task.gatePrior) applyGatePrior(model, ds.features, gt, truth, task.gatePrior);
        // Member m's seed is the ablation's (runAblationTask), so member 0 is the plain run.
        await trainOnTruth(model, opt, ds.features, gt, truth, optim, new Rng(task.seed * 7919 + Math.round(ratio * 1e4) + m * 104729));
        const score = (idx: readonly number[]): Float32Array => scoreArchs(model, idx.map((i) => ds.features[i]!)).scores;
        runs.push({ fit: score(gt), held: score(split.heldOut), rest: score(unlabelled) });
      } finally {
        model.dispose();
        opt.dispose();
      }
    }
    const pick = (idx: readonly number[]): number[] => idx.map((i) => truth[i]!);
    const { metrics, unlabelledTau, memberTaus } = combineMembers(runs, pick(gt), heldOutTruth, pick(unlabelled));
    const row: BenchRow = {
      space: ds.space.id,
      encoder: task.encoder,
      seed: task.seed,
      ...(task.subsetSeed !== undefined ? { subsetSeed: task.subsetSeed } : {}),
      method,
      ratio,
      groundTruth: gt.length,
      lf,
      metrics,
      ...(unlabelledTau !== undefined ? { unlabelledTau } : {}),
      ...(memberTaus ? { memberTaus } : {}),
      trainSeconds: (Date.now() - t) / 1000,
      pretrainSeconds,
    };
    rows.push(row);
    log(`${task.encoder} seed ${task.seed} ${method}${lf ? `(${lf})` : ''} ${(ratio * 100).toFixed(1)}%: KT ${metrics.kendallTau.toFixed(4)}${row.memberTaus ? ` (members ${row.memberTaus.map((x) => x.toFixed(4)).join(', ')})` : ''}${row.unlabelledTau !== undefined ? `, unlabelled train archs ${row.unlabelledTau.toFixed(4)}` : ''} (${row.trainSeconds.toFixed(0)}s)`);
  };
  const pretrain = async (cfgExperts: string[], method: Method): Promise<{ model: EnsembleModel; opt: Adam; seconds: number }> => {
    const config = modelConfigFor(base, method, cfgExperts);
    const model = new EnsembleModel(config, task.seed);
    const opt = new Adam({ lr: optim.lr });
    const targets = cfgExperts.map((n) => column(ds, n).values);
    const key = method === 'dele' && cache ? step1CacheKey(ds, config, task.seed, optim, step1Idx, targets) : undefined;
    const cached = key !== undefined ? cache?.load(key, model, opt) : undefined;
    if (cached !== undefined) {
      log(`${task.encoder} seed ${task.seed} step 1 (${cfgExperts.length} experts) from the cache`);
      return { model, opt, seconds: cached };
    }
    const t = Date.now();
    await pretrainExperts(model, opt, ds.features, step1Idx, targets, optim, new Rng(task.seed), {
      onEpoch: (e) => {
        if (e.epoch % 10 === 0) log(`${task.encoder} seed ${task.seed} pretrain ${cfgExperts.length === 1 ? cfgExperts[0] : 'experts'} epoch ${e.epoch}/${e.epochs} loss ${e.loss.toFixed(4)}`);
      },
    });
    const seconds = (Date.now() - t) / 1000;
    if (key !== undefined) cache?.save(key, model, opt, seconds);
    return { model, opt, seconds };
  };

  if (methods.includes('vanilla')) for (const r of task.ratios) await finetune('vanilla', undefined, [], r, 0);
  if (methods.includes('single')) {
    const cache = new Map<string, { model: EnsembleModel; opt: Adam; seconds: number }>();
    for (const r of task.ratios) {
      // Choose the LF on the ground-truth subset only (no peeking at the held-out split).
      const best = bestSingleLf(ds, experts, groundTruthSubset(split.train, r, task.subsetSeed), truth);
      if (best === undefined) {
        log(`${task.encoder} seed ${task.seed} single ${(r * 100).toFixed(1)}%: no LF has a finite Kendall's tau on the ground-truth subset; skipped`);
        continue;
      }
      let p = cache.get(best);
      if (!p) {
        p = await pretrain([best], 'single');
        cache.set(best, p);
      }
      await finetune('single', p, [best], r, p.seconds, best);
    }
    for (const p of cache.values()) {
      p.model.dispose();
      p.opt.dispose();
    }
  }
  if (methods.includes('dele')) {
    const p = await pretrain(experts, 'dele');
    for (const r of task.ratios) await finetune('dele', p, experts, r, p.seconds);
    p.model.dispose();
    p.opt.dispose();
  }
  return rows;
}

/** The LF column with the largest Kendall's tau with the target over the labelled archs `gt`; undefined if none is finite. */
function bestSingleLf(ds: Dataset, names: string[], gt: number[], truth: ArrayLike<number>): string | undefined {
  const y = gt.map((i) => truth[i]!);
  const ranked = names
    .map((n) => ({ n, kt: kendallTau(gt.map((i) => column(ds, n).values[i]!), y) }))
    .filter((x) => Number.isFinite(x.kt))
    .sort((a, b) => b.kt - a.kt);
  return ranked[0]?.n;
}

/** One step-2 run's scores: the labelled archs, the held-out split, the train split's unlabelled archs. */
interface MemberScores {
  fit: Float32Array;
  held: Float32Array;
  rest: Float32Array;
}

/**
 * A step 2's model and optimiser: a copy of the pretrained model (DELE keeps step 1's optimiser state at step 2's
 * rate; the single-LF baseline starts a fresh optimiser), or a fresh model (vanilla).
 */
function startStep2(method: Method, pretrained: { model: EnsembleModel; opt: Adam } | undefined, fresh: () => EnsembleModel, optim: OptimConfig, labelled: number): { model: EnsembleModel; opt: Adam } {
  if (!pretrained) return { model: fresh(), opt: new Adam({ lr: optim.lr }) };
  const c = cloneModel(pretrained.model);
  return { model: c.model, opt: method === 'dele' ? pretrained.opt.cloneFor(c.map, step2LearningRate(optim, labelled)) : new Adam({ lr: optim.lr }) };
}

/**
 * The metrics of step-2 runs combined (ensembleScores; one run: its own order): held-out metrics calibrated on the
 * labels, Kendall's tau on the unlabelled train archs (absent with fewer than 2 or when undefined), and with
 * several runs each one's held-out tau.
 */
function combineMembers(runs: MemberScores[], fitTruth: number[], heldOutTruth: number[], restTruth: number[]): { metrics: EvalMetrics; unlabelledTau?: number; memberTaus?: number[] } {
  const combined = (part: keyof MemberScores): Float64Array => ensembleScores(runs.map((r) => ({ fit: r.fit, scores: r[part] })));
  const metrics = evaluateCalibrated(combined('held'), fitIsotonic(Array.from(combined('fit')), fitTruth), heldOutTruth);
  const rest = restTruth.length >= 2 ? kendallTau(combined('rest'), restTruth) : Number.NaN;
  return { metrics, ...(Number.isFinite(rest) ? { unlabelledTau: rest } : {}), ...(runs.length > 1 ? { memberTaus: runs.map((r) => kendallTau(r.held, heldOutTruth)) } : {}) };
}

/**
 * The step-1 cache key of a bench's DELE step 1: what it reads. The fingerprint covers the archs (sampled ones
 * included) and the data's own columns; the hash adds which rows step 1 reads and the expert columns' values there,
 * since derived columns (structural measures, negated or not) are outside the fingerprint.
 */
function step1CacheKey(ds: Dataset, config: unknown, seed: number, optim: OptimConfig, step1Idx: number[], targets: ArrayLike<number>[]): unknown {
  const h = crypto.createHash('sha256');
  h.update(Float64Array.from(step1Idx));
  for (const t of targets) h.update(Float64Array.from(step1Idx, (i) => t[i]!));
  return { kind: 'bench', fingerprint: ds.fingerprint, config, seed, step1: STEP1_KEYS.map((k) => optim[k]), archsAndTargets: h.digest('hex'), numerics: trainingNumerics() };
}
