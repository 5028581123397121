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
import { cloneModel, type Method, modelConfigFor, type OptimConfig, pretrainExperts, scoreArchs, step2LearningRate, trainOnTruth } from '../predictor/train';
import { EnsembleModel } from '../predictor/model';

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

export async function runBenchTask(ds: Dataset, task: BenchTask, log: (msg: string) => void = () => {}, sampledColumns?: SampledColumns): Promise<BenchRow[]> {
  const preset = PRESETS[task.preset];
  const optim: OptimConfig = { ...presetOptim(task.preset, ds.space), ...task.optim };
  const truth = column(ds, task.target).values;
  const tableSize = ds.archs.length;
  const split = splitDataset(tableSize, 0);
  if (task.step1SampleCounts && !sampledColumns) throw new Error('step1SampleCounts: no closed-form LF values were given for sampled architectures');
  if (task.step1Sample) ds = withSampledArchs(ds, task.step1Sample, task.seed, task.step1SampleCounts ? sampledColumns : undefined);
  // Step 1's rows: the training split, then the sampled architectures (appended after the table's rows).
  const step1Idx = [...split.train, ...Array.from({ length: ds.archs.length - tableSize }, (_, i) => tableSize + i)];
  const heldOutFeatures = split.heldOut.map((i) => ds.features[i]!);
  const heldOutTruth = split.heldOut.map((i) => truth[i]!);
  // Structural experts (`--lf structural`) are chosen on the smallest ratio's labels, which every ratio has
  // (the subsets are nested): one step 1 serves every ratio, and no ratio's choice saw labels it does not use.
  const fewest = groundTruthSubset(split.train, Math.min(...task.ratios), task.subsetSeed).filter((i) => Number.isFinite(truth[i]));
  const chosen = chooseExperts(ds, 'dele', task.experts, task.target, fewest, task.seed);
  const experts = chosen.experts;
  ds = chosen.lfData;
  const base = modelBase(preset, task.encoder, ds.space.encoderInput);
  const methods = task.methods ?? ['vanilla', 'single', 'dele'];
  const rows: BenchRow[] = [];

  const finish = (model: EnsembleModel, gt: number[]): EvalMetrics => {
    const cal = fitIsotonic(scoreArchs(model, gt.map((i) => ds.features[i]!)).scores, gt.map((i) => truth[i]!));
    return evaluateCalibrated(scoreArchs(model, heldOutFeatures).scores, cal, heldOutTruth);
  };
  const finetune = async (
    method: Method,
    pretrained: { model: EnsembleModel; opt: Adam } | undefined,
    cfgExperts: string[],
    ratio: number,
    pretrainSeconds: number,
    lf?: string,
  ): Promise<void> => {
    const gt = benchLabelledArchs(split.train, ratio, task.subsetSeed, truth);
    const t = Date.now();
    let model: EnsembleModel;
    let opt: Adam;
    if (pretrained) {
      const c = cloneModel(pretrained.model);
      model = c.model;
      // DELE keeps the optimizer across steps; the single-LF baseline starts a fresh one.
      opt = method === 'dele' ? pretrained.opt.cloneFor(c.map, step2LearningRate(optim, gt.length)) : new Adam({ lr: optim.lr });
      if (method === 'dele' && task.gatePrior) applyGatePrior(model, ds.features, gt, truth, task.gatePrior);
    } else {
      model = new EnsembleModel(modelConfigFor(base, method, cfgExperts), task.seed);
      opt = new Adam({ lr: optim.lr });
    }
    await trainOnTruth(model, opt, ds.features, gt, truth, optim, new Rng(task.seed * 7919 + Math.round(ratio * 1e4)));
    const metrics = finish(model, gt);
    const row: BenchRow = { space: ds.space.id, encoder: task.encoder, seed: task.seed, ...(task.subsetSeed !== undefined ? { subsetSeed: task.subsetSeed } : {}), method, ratio, groundTruth: gt.length, lf, metrics, trainSeconds: (Date.now() - t) / 1000, pretrainSeconds };
    rows.push(row);
    log(`${task.encoder} seed ${task.seed} ${method}${lf ? `(${lf})` : ''} ${(ratio * 100).toFixed(1)}%: KT ${metrics.kendallTau.toFixed(4)} (${row.trainSeconds.toFixed(0)}s)`);
    model.dispose();
    opt.dispose();
  };
  const pretrain = async (cfgExperts: string[], method: Method): Promise<{ model: EnsembleModel; opt: Adam; seconds: number }> => {
    const t = Date.now();
    const model = new EnsembleModel(modelConfigFor(base, method, cfgExperts), task.seed);
    const opt = new Adam({ lr: optim.lr });
    await pretrainExperts(model, opt, ds.features, step1Idx, cfgExperts.map((n) => column(ds, n).values), optim, new Rng(task.seed), {
      onEpoch: (e) => {
        if (e.epoch % 10 === 0) log(`${task.encoder} seed ${task.seed} pretrain ${cfgExperts.length === 1 ? cfgExperts[0] : 'experts'} epoch ${e.epoch}/${e.epochs} loss ${e.loss.toFixed(4)}`);
      },
    });
    return { model, opt, seconds: (Date.now() - t) / 1000 };
  };

  if (methods.includes('vanilla')) for (const r of task.ratios) await finetune('vanilla', undefined, [], r, 0);
  if (methods.includes('single')) {
    const cache = new Map<string, { model: EnsembleModel; opt: Adam; seconds: number }>();
    for (const r of task.ratios) {
      // Choose the LF on the ground-truth subset only (no peeking at the held-out split).
      const gt = groundTruthSubset(split.train, r, task.subsetSeed);
      const ranked = experts
        .map((n) => ({ n, kt: kendallTau(gt.map((i) => column(ds, n).values[i]!), gt.map((i) => truth[i]!)) }))
        .filter((x) => Number.isFinite(x.kt))
        .sort((a, b) => b.kt - a.kt);
      const best = ranked[0]?.n;
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
