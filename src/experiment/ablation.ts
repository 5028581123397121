/**
 * Ablation of DELE design choices under an honest protocol (`dele bench --ablation FILE`):
 * - a validation split is carved from the training split (a fixed seeded sample, never labelled for training);
 *   every variant is scored on it and the choice between variants is made there;
 * - seed i trains with model seed i and labels the subset drawn with subset seed i from the rest of the
 *   training split, so the spread covers both the initialisation and which archs carry ground truth;
 * - the held-out split is only scored, once per variant and seed, for the report; nothing reads it to choose.
 * Variants that share step 1 (encoder, model sizes, experts, step-1 optimiser settings) share its training per
 * seed, and a step-1 cache on disk lets a later run (a new variant) reuse it.
 */
import { column, type Dataset, DataError, fillFromEquivalents, groundTruthSubset, lfNames, permutation, splitDataset } from '../data/dataset';
import { Adam } from '../predictor/adam';
import { fitIsotonic } from '../predictor/calibration';
import { type EvalMetrics, evaluateCalibrated, kendallTau, meanStd, precisionAtTop } from '../predictor/metrics';
import { EnsembleModel, type EncoderType } from '../predictor/model';
import { MAX_EXPERTS, resolveExperts } from '../predictor/predictor';
import { modelBase, PRESETS, type PresetName } from '../predictor/presets';
import { Rng } from '../util/rng';
import { applyGatePrior } from '../predictor/gatePrior';
import { cloneModel, modelConfigFor, type OptimConfig, scoreArchs, STEP1_KEYS, trainingNumerics, trainOnTruth } from '../predictor/train';
import { pretrainExpertsParallel } from '../predictor/parallel';
import type { Step1Cache } from './step1Cache';

/** Seed of the permutation that carves the validation split out of the training split. */
export const VALIDATION_SEED = 0x7a11d;

/** One variant as written in the ablation file. */
export interface AblationVariant {
  name: string;
  encoder?: EncoderType;
  preset?: PresetName;
  /**
   * The expert set: "default" (the data's default set), a named set of the data ("paper" on NB201), a list of
   * LF column names, set names or patterns with `*` (`zc_in16_*`), or { top: N, from?: patterns } = the N LF
   * columns with the largest |Kendall's tau| against the target on the validation split.
   */
  experts?: string | string[] | { top: number; from?: string[] };
  /** Optimiser overrides for both steps (lr, margin, maxCompareRatio, batchSize, pretrainEpochs, epochs). */
  optim?: Partial<OptimConfig>;
  /** Learning rate of step 2 (default: the optimiser's, which step 2 keeps from step 1 with its state). */
  finetuneLr?: number;
  /**
   * Step 2 only: pairs per labelled arch (maxCompareRatio), the hinge margin, the batch size (batchSize: labelled
   * archs per update), the gate alone (gateOnly), each expert also trained alone with this weight
   * (OptimConfig.finetuneExpertLoss) on its step-1 LF column over step 1's archs (replay) or on the labels
   * (expertLabels), the weights averaged over the last `average` fraction of step 2's epochs
   * (OptimConfig.finetuneAverage; 0: the last epoch's weights); absent: the optimiser's.
   */
  step2?: Step2Overrides;
  /** Temperature of the gate prior before step 2 (applyGatePrior); absent: none. */
  gatePrior?: number;
  /** Step 2 repeated with this many seeds from the same step 1; their per-set ranks are averaged. */
  ensemble?: number;
  /**
   * Ensemble members differ in step 1 too: member m continues from the step 1 of model seed (seed + m) (the cached
   * one, else trained and cached), not from the task's own. Step 1 reads no label, so any seed's step 1 may serve
   * any labelled subset.
   */
  ensembleStep1?: boolean;
  /** Ratios for this variant (default: the file's). */
  ratios?: number[];
  /** "equivalent": fill missing LF values from the functionally equivalent arch first (fillFromEquivalents). */
  lfFill?: 'equivalent';
  /** The gate also reads the space's structural measures (ModelConfig.gateStructural); a step-1 setting. */
  gateStructural?: boolean;
}

/** Step 2's own pair sampling, hinge margin and batch size, and whether it trains the gate alone (step 1 keeps the optimiser's). */
export type Step2Overrides = Partial<Pick<OptimConfig, 'maxCompareRatio' | 'margin' | 'batchSize'>> & { gateOnly?: boolean; replay?: number; expertLabels?: number; average?: number };

const STEP2_KEYS = ['maxCompareRatio', 'margin', 'batchSize', 'gateOnly', 'replay', 'expertLabels', 'average'] as const;

export interface AblationSpec {
  space: string;
  target?: string;
  preset: PresetName;
  ratios: number[];
  seeds: number;
  /** Archs carved from the training split for validation. */
  validation: number;
  variants: AblationVariant[];
}

/** A variant with everything resolved: what the report records as its configuration. */
export interface ResolvedVariant {
  name: string;
  encoder: EncoderType;
  preset: PresetName;
  experts: string[];
  /** How the expert set was given (the file's value), for the report. */
  expertsFrom: string;
  optim: OptimConfig;
  finetuneLr?: number;
  step2?: Step2Overrides;
  /** Temperature of the gate prior before step 2 (applyGatePrior); absent: none. */
  gatePrior?: number;
  ensemble: number;
  ensembleStep1?: boolean;
  ratios: number[];
  lfFill?: 'equivalent';
  gateStructural?: boolean;
}

/** One child process's work: one step 1 (shared by its variants) for one seed, then each variant's step 2. */
export interface AblationTask {
  space: string;
  target: string;
  seed: number;
  validation: number;
  /** Index of the first variant (all share encoder, preset, experts and step-1 optimiser settings). */
  variants: ResolvedVariant[];
  /** Directory of the step-1 cache; absent: no cache. */
  step1CacheDir?: string;
  /** Worker threads for step 1 (pretrainExpertsParallel; the same bits with any number); default 1. */
  threads?: number;
}

export interface AblationRow {
  variant: string;
  encoder: EncoderType;
  seed: number;
  ratio: number;
  labelled: number;
  validation: { kendallTau: number; precisionAt5: number };
  heldOut: EvalMetrics;
  step1Seconds: number;
  /** True when step 1 was read from the cache (step1Seconds is then the time it took when it was trained). */
  step1Cached: boolean;
  step2Seconds: number;
}

const OPTIM_KEYS: (keyof OptimConfig)[] = ['lr', 'batchSize', 'margin', 'maxCompareRatio', 'pretrainEpochs', 'epochs'];
/** A preset's optimiser without the `cpu` preset's step-2 averaging (STEP2_AVERAGE, newer than most ablation files). */
function presetWithoutAverage(preset: PresetName): OptimConfig {
  const { finetuneAverage: _averaged, ...rest } = PRESETS[preset].optim;
  return rest;
}

export class AblationSpecError extends DataError {}

function fail(msg: string): never {
  throw new AblationSpecError(`ablation file: ${msg}`);
}

const isObj = (x: unknown): x is Record<string, unknown> => typeof x === 'object' && x !== null && !Array.isArray(x);

/**
 * Upper bounds of every count in an ablation file: far above any real study (the paper's runs use 5 seeds,
 * 200 epochs), low enough that a typo (seeds: 1000000000) is refused instead of filling the memory.
 */
export const ABLATION_LIMITS = {
  seeds: 100,
  validation: 1_000_000,
  variants: 200,
  ratios: 20,
  ensemble: 20,
  epochs: 10_000,
  pretrainEpochs: 10_000,
  batchSize: 1_000_000,
  expertPatterns: 1000,
  top: MAX_EXPERTS,
} as const;

function atMost(n: number, max: number, where: string): void {
  if (n > max) fail(`${where} must be at most ${max} (got ${n})`);
}

function ratioList(x: unknown, where: string): number[] {
  if (!Array.isArray(x) || x.length === 0 || !x.every((r) => typeof r === 'number' && r > 0 && r <= 1)) fail(`${where}: ratios must be a non-empty list of numbers in (0, 1]`);
  atMost(x.length, ABLATION_LIMITS.ratios, `${where}: the number of ratios`);
  return x as number[];
}

function positiveInt(x: unknown, where: string, max: number, min = 1): number {
  if (typeof x !== 'number' || !Number.isInteger(x) || x < min) fail(`${where} must be an integer >= ${min}`);
  atMost(x, max, where);
  return x;
}

/** Checks a parsed ablation file (JSON or YAML) and fills in the defaults. */
export function parseAblationSpec(raw: unknown): AblationSpec {
  if (!isObj(raw)) fail('expected an object with "variants"');
  const known = new Set(['space', 'target', 'preset', 'ratios', 'seeds', 'validation', 'variants']);
  for (const k of Object.keys(raw)) if (!known.has(k)) fail(`unknown key "${k}" (known: ${[...known].join(', ')})`);
  const preset = (raw.preset ?? 'cpu') as PresetName;
  if (!(preset in PRESETS)) fail(`preset must be one of ${Object.keys(PRESETS).join(', ')}`);
  if (raw.target !== undefined && typeof raw.target !== 'string') fail('target must be a column name');
  const spec: AblationSpec = {
    space: typeof raw.space === 'string' ? raw.space : raw.space === undefined ? 'nb201' : fail('space must be a space id'),
    ...(raw.target !== undefined ? { target: raw.target as string } : {}),
    preset,
    ratios: raw.ratios === undefined ? [0.01] : ratioList(raw.ratios, 'ratios'),
    seeds: raw.seeds === undefined ? 5 : positiveInt(raw.seeds, 'seeds', ABLATION_LIMITS.seeds),
    validation: raw.validation === undefined ? 2000 : positiveInt(raw.validation, 'validation', ABLATION_LIMITS.validation, 10),
    variants: [],
  };
  if (!Array.isArray(raw.variants) || raw.variants.length === 0) fail('"variants" must be a non-empty list');
  atMost(raw.variants.length, ABLATION_LIMITS.variants, 'the number of variants');
  const names = new Set<string>();
  const vKnown = new Set(['name', 'encoder', 'preset', 'experts', 'optim', 'finetuneLr', 'step2', 'gatePrior', 'ensemble', 'ensembleStep1', 'ratios', 'lfFill', 'gateStructural']);
  raw.variants.forEach((v, i) => {
    const where = `variant ${i + 1}`;
    if (!isObj(v)) fail(`${where} must be an object with a "name"`);
    for (const k of Object.keys(v)) if (!vKnown.has(k)) fail(`${where}: unknown key "${k}" (known: ${[...vKnown].join(', ')})`);
    if (typeof v.name !== 'string' || !v.name.trim()) fail(`${where} needs a "name"`);
    if (names.has(v.name)) fail(`two variants are called "${v.name}"`);
    names.add(v.name);
    const w = `variant "${v.name}"`;
    if (v.encoder !== undefined && v.encoder !== 'gates' && v.encoder !== 'lstm') fail(`${w}: encoder must be gates or lstm`);
    if (v.preset !== undefined && !(typeof v.preset === 'string' && v.preset in PRESETS)) fail(`${w}: preset must be one of ${Object.keys(PRESETS).join(', ')}`);
    const e = v.experts;
    if (
      e !== undefined &&
      !(typeof e === 'string' && e.length > 0) &&
      !(Array.isArray(e) && e.length > 0 && e.every((n) => typeof n === 'string')) &&
      !(isObj(e) && typeof e.top === 'number' && Number.isInteger(e.top) && e.top >= 1 && (e.from === undefined || (Array.isArray(e.from) && e.from.every((n) => typeof n === 'string'))))
    ) {
      fail(`${w}: experts must be "default", a set name, a list of LF columns (patterns with * allowed) or { top: N, from: [patterns] }`);
    }
    if (Array.isArray(e)) atMost(e.length, ABLATION_LIMITS.expertPatterns, `${w}: the number of experts`);
    if (isObj(e)) {
      atMost(e.top as number, ABLATION_LIMITS.top, `${w}: experts.top`);
      if (Array.isArray(e.from)) atMost(e.from.length, ABLATION_LIMITS.expertPatterns, `${w}: the number of experts.from patterns`);
    }
    if (v.optim !== undefined) {
      if (!isObj(v.optim)) fail(`${w}: optim must be an object`);
      for (const [k, x] of Object.entries(v.optim)) {
        if (!OPTIM_KEYS.includes(k as keyof OptimConfig)) fail(`${w}: unknown optim key "${k}" (known: ${OPTIM_KEYS.join(', ')})`);
        if (typeof x !== 'number' || !(x > 0) || !Number.isFinite(x) || (['batchSize', 'pretrainEpochs', 'epochs'].includes(k) && !Number.isInteger(x))) fail(`${w}: optim.${k} must be a positive number${['batchSize', 'pretrainEpochs', 'epochs'].includes(k) ? ' (an integer)' : ''}`);
        if (k === 'batchSize' || k === 'pretrainEpochs' || k === 'epochs') atMost(x, ABLATION_LIMITS[k], `${w}: optim.${k}`);
      }
    }
    if (v.finetuneLr !== undefined && !(typeof v.finetuneLr === 'number' && v.finetuneLr > 0 && Number.isFinite(v.finetuneLr))) fail(`${w}: finetuneLr must be a positive number`);
    if (v.step2 !== undefined) {
      if (!isObj(v.step2)) fail(`${w}: step2 must be an object`);
      for (const [k, x] of Object.entries(v.step2)) {
        if (!(STEP2_KEYS as readonly string[]).includes(k)) fail(`${w}: unknown step2 key "${k}" (known: ${STEP2_KEYS.join(', ')})`);
        if (k === 'average') {
          if (typeof x !== 'number' || !(x >= 0 && x <= 1)) fail(`${w}: step2.average is a fraction of step 2's epochs, in [0, 1] (0: the last epoch's weights)`);
          continue;
        }
        if (k === 'gateOnly' ? typeof x !== 'boolean' : typeof x !== 'number' || !(x > 0) || !Number.isFinite(x)) fail(`${w}: step2.${k} must be ${k === 'gateOnly' ? 'true or false' : 'a positive number'}`);
        if (k === 'batchSize') {
          if (!Number.isInteger(x) || (x as number) < 2) fail(`${w}: step2.batchSize must be an integer >= 2 (a pair needs two archs)`);
          atMost(x as number, ABLATION_LIMITS.batchSize, `${w}: step2.batchSize`);
        }
      }
      const own = ['replay', 'expertLabels'].filter((k) => k in (v.step2 as object));
      if (own.length > 1) fail(`${w}: step2.replay and step2.expertLabels are two targets for the experts' own loss; give one`);
      if (v.step2.gateOnly === true && own.length > 0) fail(`${w}: step2.${own[0]} trains the experts, which step2.gateOnly keeps fixed; give one of the two`);
    }
    if (v.gatePrior !== undefined && !(typeof v.gatePrior === 'number' && v.gatePrior > 0 && Number.isFinite(v.gatePrior))) fail(`${w}: gatePrior must be a positive number`);
    if (v.ensemble !== undefined) positiveInt(v.ensemble, `${w}: ensemble`, ABLATION_LIMITS.ensemble);
    if (v.ensembleStep1 !== undefined && typeof v.ensembleStep1 !== 'boolean') fail(`${w}: ensembleStep1 must be true or false`);
    if (v.ensembleStep1 === true && !(typeof v.ensemble === 'number' && v.ensemble >= 2)) fail(`${w}: ensembleStep1 needs an ensemble of 2 or more`);
    if (v.lfFill !== undefined && v.lfFill !== 'equivalent') fail(`${w}: lfFill must be "equivalent"`);
    if (v.gateStructural !== undefined && typeof v.gateStructural !== 'boolean') fail(`${w}: gateStructural must be true or false`);
    spec.variants.push({
      name: v.name,
      ...(v.encoder !== undefined ? { encoder: v.encoder as EncoderType } : {}),
      ...(v.preset !== undefined ? { preset: v.preset as PresetName } : {}),
      ...(e !== undefined ? { experts: e as AblationVariant['experts'] } : {}),
      ...(v.optim !== undefined ? { optim: v.optim as Partial<OptimConfig> } : {}),
      ...(v.finetuneLr !== undefined ? { finetuneLr: v.finetuneLr as number } : {}),
      ...(v.step2 !== undefined ? { step2: v.step2 as Step2Overrides } : {}),
      ...(v.gatePrior !== undefined ? { gatePrior: v.gatePrior as number } : {}),
      ...(v.ensemble !== undefined ? { ensemble: v.ensemble as number } : {}),
      ...(v.ensembleStep1 ? { ensembleStep1: true } : {}),
      ...(v.ratios !== undefined ? { ratios: ratioList(v.ratios, w) } : {}),
      ...(v.lfFill !== undefined ? { lfFill: 'equivalent' as const } : {}),
      ...(v.gateStructural ? { gateStructural: true } : {}),
    });
  });
  return spec;
}

export interface ValidationSplit {
  /** Carved from the training split: scored to choose between variants, never labelled for training. */
  validation: number[];
  /** The rest of the training split: where the labelled subsets are drawn. */
  pool: number[];
  /** The whole training split (every arch's LF values are used in step 1). */
  train: number[];
  heldOut: number[];
}

export function carveValidation(n: number, validation: number): ValidationSplit {
  const split = splitDataset(n, 0);
  if (validation >= split.train.length - 2) throw new AblationSpecError(`ablation file: validation (${validation}) must leave at least 2 training archs of ${split.train.length}`);
  const perm = permutation(split.train.length, VALIDATION_SEED).map((j) => split.train[j]!);
  return { validation: perm.slice(0, validation), pool: perm.slice(validation), train: split.train, heldOut: split.heldOut };
}

/** The labelled archs of one seed: as many as `ratio` of the whole training split, drawn from the pool. */
export function labelledSubset(s: ValidationSplit, ratio: number, subsetSeed: number): number[] {
  const count = Math.max(2, Math.floor(ratio * s.train.length));
  if (count > s.pool.length) throw new AblationSpecError(`ablation file: ratio ${ratio} asks for ${count} labelled archs but only ${s.pool.length} are outside the validation split`);
  return groundTruthSubset(s.pool, Math.min(1, (count + 0.5) / s.pool.length), subsetSeed);
}

function matches(name: string, pattern: string): boolean {
  if (!pattern.includes('*')) return name === pattern;
  const re = new RegExp(`^${pattern.split('*').map((p) => p.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('.*')}$`);
  return re.test(name);
}

function expandPatterns(ds: Dataset, patterns: string[], where: string): string[] {
  const all = lfNames(ds);
  const out: string[] = [];
  for (const p of patterns) {
    const hit = all.includes(p) ? [p] : (ds.expertSets?.[p] ?? all.filter((n) => matches(n, p)));
    if (hit.length === 0) fail(`${where}: "${p}" matches no LF column of ${ds.source}`);
    for (const n of hit) if (!out.includes(n)) out.push(n);
  }
  return out;
}

/** Resolves every variant: encoder, preset, expert names (a top-N selection is made on the validation split). */
export function resolveVariants(raw: Dataset, spec: AblationSpec, target: string): ResolvedVariant[] {
  const s = carveValidation(raw.archs.length, spec.validation);
  const truth = column(raw, target).values;
  let filled: Dataset | undefined;
  return spec.variants.map((v) => {
    const where = `variant "${v.name}"`;
    if (v.lfFill && !raw.space.equivalent) fail(`${where}: ${raw.space.title} has no functionally equivalent form to fill LF values from`);
    const ds = v.lfFill ? (filled ??= fillFromEquivalents(raw).ds) : raw;
    const encoder = v.encoder ?? ds.space.encoders[0] ?? 'gates';
    if (!ds.space.encoders.includes(encoder)) fail(`${where}: the ${encoder} encoder does not fit ${ds.space.title}`);
    const preset = v.preset ?? spec.preset;
    let experts: string[];
    let expertsFrom = 'default';
    if (v.experts === undefined || v.experts === 'default') experts = resolveExperts(ds, 'dele');
    else if (typeof v.experts === 'string' || Array.isArray(v.experts)) {
      const list = typeof v.experts === 'string' ? [v.experts] : v.experts;
      experts = expandPatterns(ds, list, where);
      expertsFrom = list.join(', ');
    } else {
      const pool = expandPatterns(ds, v.experts.from ?? ['*'], where);
      const y = s.validation.map((i) => truth[i]!);
      experts = pool
        .map((n) => {
          const values = column(ds, n).values;
          return { n, kt: Math.abs(kendallTau(s.validation.map((i) => values[i]!), y)) };
        })
        .filter((x) => Number.isFinite(x.kt))
        .sort((a, b) => b.kt - a.kt || (a.n < b.n ? -1 : 1))
        .slice(0, v.experts.top)
        .map((x) => x.n);
      expertsFrom = `top ${v.experts.top} by |Kendall's tau| on the validation split${v.experts.from ? ` from ${v.experts.from.join(', ')}` : ''}`;
    }
    if (experts.length > MAX_EXPERTS) fail(`${where}: ${experts.length} experts (at most ${MAX_EXPERTS})`);
    resolveExperts(ds, 'dele', experts);
    return {
      name: v.name,
      encoder,
      preset,
      experts,
      expertsFrom,
      // The preset's own settings, not the space's (presetOptim), and step 2 ending on its last epoch's weights
      // (a variant asks for the average with step2.average): a variant file means what it meant when it ran.
      optim: { ...presetWithoutAverage(preset), ...v.optim },
      ...(v.finetuneLr !== undefined ? { finetuneLr: v.finetuneLr } : {}),
      ...(v.step2 !== undefined ? { step2: v.step2 } : {}),
      ...(v.gatePrior !== undefined ? { gatePrior: v.gatePrior } : {}),
      ensemble: v.ensemble ?? 1,
      ...(v.ensembleStep1 ? { ensembleStep1: true } : {}),
      ratios: v.ratios ?? spec.ratios,
      ...(v.lfFill ? { lfFill: v.lfFill } : {}),
      ...(v.gateStructural ? { gateStructural: true } : {}),
    };
  });
}

/** What step 1 depends on: variants with equal keys share one step 1 per seed. */
export function step1Key(v: ResolvedVariant): string {
  return JSON.stringify({ encoder: v.encoder, preset: v.preset, experts: v.experts, optim: STEP1_KEYS.map((k) => v.optim[k]), ...(v.lfFill ? { lfFill: v.lfFill } : {}), ...(v.gateStructural ? { gateStructural: true } : {}) });
}

/** Child tasks: one per (step-1 group, seed), seed by seed, groups in the order of their first variant. */
export function planAblation(spec: AblationSpec, ds: Dataset, target: string, variants: ResolvedVariant[], step1CacheDir?: string, threads = 1): AblationTask[] {
  const groups = new Map<string, ResolvedVariant[]>();
  for (const v of variants) groups.set(step1Key(v), [...(groups.get(step1Key(v)) ?? []), v]);
  const tasks: AblationTask[] = [];
  for (let seed = 0; seed < spec.seeds; seed++) {
    for (const vs of groups.values()) tasks.push({ space: ds.space.id, target, seed, validation: spec.validation, variants: vs, ...(step1CacheDir ? { step1CacheDir } : {}), ...(threads > 1 ? { threads } : {}) });
  }
  return tasks;
}

/**
 * An ensemble's score: each member's scores standardised by their mean and std over the labelled archs, then
 * averaged. A function of the arch alone (not of the set it is scored in), so calibration on the labelled
 * archs carries over; with one member it is a monotone map of the member's scores.
 */
export function ensembleScores(members: { fit: Float32Array; scores: Float32Array }[]): Float64Array {
  const out = new Float64Array(members[0]?.scores.length ?? 0);
  for (const m of members) {
    const { mean, std } = meanStd(Array.from(m.fit));
    const sd = std > 0 ? std : 1;
    for (let i = 0; i < out.length; i++) out[i]! += (m.scores[i]! - mean) / sd / members.length;
  }
  return out;
}

/** The optimiser settings of a variant's step 2: its optimiser's, with its step-2 overrides. */
export function step2Optim(v: Pick<ResolvedVariant, 'optim' | 'step2'>): OptimConfig {
  const { gateOnly, replay, expertLabels, average, ...rest } = v.step2 ?? {};
  const own = replay ?? expertLabels;
  return {
    ...v.optim,
    ...rest,
    ...(gateOnly ? { finetuneGateOnly: true } : {}),
    ...(own !== undefined ? { finetuneExpertLoss: own } : {}),
    ...(average !== undefined ? { finetuneAverage: average } : {}),
  };
}

/** Runs one task: step 1 (or the cached one), then every variant, ratio and ensemble member's step 2. */
export async function runAblationTask(raw: Dataset, task: AblationTask, cache: Step1Cache | undefined, log: (msg: string) => void = () => {}): Promise<AblationRow[]> {
  const first = task.variants[0];
  if (!first) return [];
  // Only LF columns are filled: the targets, and so every metric's truth, are the raw data's.
  const ds = first.lfFill ? fillFromEquivalents(raw).ds : raw;
  const truth = column(ds, task.target).values;
  const s = carveValidation(ds.archs.length, task.validation);
  const base = modelBase(PRESETS[first.preset], first.encoder, ds.space.encoderInput);
  const config = { ...modelConfigFor(base, 'dele', first.experts), ...(first.gateStructural ? { gateStructural: true } : {}) };
  // Step 1 of a model seed (or its cached result: the same bits, see step1Cache.ts); the task's own, and with
  // ensembleStep1 other seeds' for the members, each trained or read once per task.
  const step1s = new Map<number, { model: EnsembleModel; opt: Adam; seconds: number; cached: boolean }>();
  const step1Of = async (seed: number): Promise<{ model: EnsembleModel; opt: Adam; seconds: number; cached: boolean }> => {
    const have = step1s.get(seed);
    if (have) return have;
    const key = { fingerprint: ds.fingerprint, config, seed, step1: step1Key(first), train: s.train.length, numerics: trainingNumerics() };
    const model = new EnsembleModel(config, seed);
    const opt = new Adam({ lr: first.optim.lr });
    const entry = { model, opt, seconds: 0, cached: false };
    step1s.set(seed, entry);
    const cached = cache?.load(key, model, opt);
    if (cached !== undefined) {
      entry.seconds = cached;
      entry.cached = true;
      log(`${first.encoder} seed ${seed} step 1 (${first.experts.length} experts) from the cache`);
    } else {
      const t = Date.now();
      const hooks = {
        onEpoch: (e: { epoch: number; epochs: number; loss: number }) => {
          if (e.epoch % 10 === 0) log(`${first.encoder} seed ${seed} step 1 (${first.experts.length} experts) epoch ${e.epoch}/${e.epochs} loss ${e.loss.toFixed(4)}`);
        },
      };
      await pretrainExpertsParallel(model, opt, ds.features, s.train, first.experts.map((n) => column(ds, n).values), first.optim, new Rng(seed), hooks, { jobs: task.threads ?? 1 });
      entry.seconds = (Date.now() - t) / 1000;
      cache?.save(key, model, opt, entry.seconds);
    }
    return entry;
  };
  // What step2.replay keeps training the experts on alone: step 1's archs and LF columns.
  const step1Targets = { idx: s.train, values: first.experts.map((n) => column(ds, n).values) };
  const valFeatures = s.validation.map((i) => ds.features[i]!);
  const valTruth = s.validation.map((i) => truth[i]!);
  const heldFeatures = s.heldOut.map((i) => ds.features[i]!);
  const heldTruth = s.heldOut.map((i) => truth[i]!);
  const rows: AblationRow[] = [];
  try {
    const own = await step1Of(task.seed);
    const step1Seconds = own.seconds;
    const step1Cached = own.cached;
    // The members' step 1s before any step 2 is timed (a trained one is cached; its seconds are not step 2's).
    for (const v of task.variants) for (let m = 1; v.ensembleStep1 && m < v.ensemble; m++) await step1Of(task.seed + m);
    for (const v of task.variants) {
      for (const ratio of v.ratios) {
        const gt = labelledSubset(s, ratio, task.seed).filter((i) => Number.isFinite(truth[i]));
        const t = Date.now();
        const val: { fit: Float32Array; scores: Float32Array }[] = [];
        const held: { fit: Float32Array; scores: Float32Array }[] = [];
        const fit: { fit: Float32Array; scores: Float32Array }[] = [];
        for (let m = 0; m < v.ensemble; m++) {
          const from = v.ensembleStep1 && m > 0 ? await step1Of(task.seed + m) : own;
          const c = cloneModel(from.model);
          const o = from.opt.cloneFor(c.map, v.finetuneLr);
          try {
            if (v.gatePrior !== undefined) applyGatePrior(c.model, ds.features, gt, truth, v.gatePrior);
            const own = v.step2?.expertLabels !== undefined ? { idx: gt, values: first.experts.map(() => truth) } : step1Targets;
            await trainOnTruth(c.model, o, ds.features, gt, truth, step2Optim(v), new Rng(task.seed * 7919 + Math.round(ratio * 1e4) + m * 104729), {}, undefined, own);
            const f = scoreArchs(c.model, gt.map((i) => ds.features[i]!)).scores;
            fit.push({ fit: f, scores: f });
            val.push({ fit: f, scores: scoreArchs(c.model, valFeatures).scores });
            held.push({ fit: f, scores: scoreArchs(c.model, heldFeatures).scores });
          } finally {
            c.model.dispose();
            o.dispose();
          }
        }
        // Calibrated on the labelled archs only (the MAE column); the rank metrics do not depend on it.
        const cal = fitIsotonic(Array.from(ensembleScores(fit)), gt.map((i) => truth[i]!));
        const valScores = ensembleScores(val);
        const row: AblationRow = {
          variant: v.name,
          encoder: v.encoder,
          seed: task.seed,
          ratio,
          labelled: gt.length,
          validation: { kendallTau: kendallTau(valScores, valTruth), precisionAt5: precisionAtTop(valScores, valTruth, 0.05) },
          heldOut: evaluateCalibrated(ensembleScores(held), cal, heldTruth),
          step1Seconds,
          step1Cached,
          step2Seconds: (Date.now() - t) / 1000,
        };
        rows.push(row);
        log(`${v.encoder} seed ${task.seed} ${v.name} ${(ratio * 100).toFixed(1)}%: validation KT ${row.validation.kendallTau.toFixed(4)} (${row.step2Seconds.toFixed(0)}s)`);
      }
    }
  } finally {
    for (const e of step1s.values()) {
      e.model.dispose();
      e.opt.dispose();
    }
  }
  return rows;
}

/** What `dele bench --ablation` writes with --json and re-prints with --report. */
export interface AblationFile {
  kind: 'ablation';
  space: string;
  spaceTitle: string;
  fingerprint: string;
  target: string;
  commit?: string;
  command: string;
  backend: string;
  jobs: number;
  seeds: number;
  validation: number;
  trainSize: number;
  heldOutSize: number;
  wallSeconds: number;
  /** Set when the run was interrupted: the rows cover the tasks that finished. */
  partial?: boolean;
  variants: ResolvedVariant[];
  rows: AblationRow[];
}

const f4 = (x: number): string => (Number.isFinite(x) ? x.toFixed(4) : 'n/a');

/** The report: per encoder and ratio, one line per variant; the first variant is the reference. */
export function ablationReport(a: AblationFile): string {
  const out: string[] = [
    `DELE ablation on ${a.spaceTitle} (bundled data, fingerprint ${a.fingerprint}), target ${a.target}`,
    `protocol: a validation split of ${a.validation} archs is carved from the ${a.trainSize}-arch training split (fixed seed) and never labelled; seed i trains with model seed i and labels subset i drawn from the other ${a.trainSize - a.validation} archs;`,
    `variants are compared on validation tau only; the held-out split (${a.heldOutSize} archs) is scored once per variant and seed for this report`,
    ...(a.partial ? ['PARTIAL: the run was interrupted; only the tasks that finished are in this table (the seeds column counts them)'] : []),
    `seeds 0..${a.seeds - 1}, backend ${a.backend}, ${a.jobs} jobs; wall time ${(a.wallSeconds / 60).toFixed(1)} min; commit ${a.commit ?? 'unknown'}; command: ${a.command}`,
  ];
  const encoders = [...new Set(a.variants.map((v) => v.encoder))];
  for (const e of encoders) {
    const vs = a.variants.filter((v) => v.encoder === e);
    const ratios = [...new Set(vs.flatMap((v) => v.ratios))].sort((x, y) => x - y);
    for (const ratio of ratios) {
      const here = vs.filter((v) => v.ratios.includes(ratio));
      const labelled = a.rows.find((r) => r.encoder === e && r.ratio === ratio)?.labelled;
      out.push('', `${e.toUpperCase()}, ${(ratio * 100).toString()}% ground truth${labelled !== undefined ? ` (${labelled} labelled archs)` : ''}`);
      out.push(`${'variant'.padEnd(24)} ${'validation tau'.padEnd(17)} ${'held-out tau'.padEnd(17)} ${'held-out P@5%'.padEnd(17)} ${'step 1 s'.padStart(8)} ${'step 2 s'.padStart(8)}  seeds`);
      let best: { name: string; mean: number } | undefined;
      for (const v of here) {
        const rs = a.rows.filter((r) => r.variant === v.name && r.ratio === ratio);
        const cell = (x: number[]): string => {
          const { mean, std } = meanStd(x);
          return `${f4(mean)} (${f4(std)})`;
        };
        const val = meanStd(rs.map((r) => r.validation.kendallTau)).mean;
        if (Number.isFinite(val) && (best === undefined || val > best.mean)) best = { name: v.name, mean: val };
        out.push(
          `${v.name.padEnd(24)} ${cell(rs.map((r) => r.validation.kendallTau)).padEnd(17)} ${cell(rs.map((r) => r.heldOut.kendallTau)).padEnd(17)} ${cell(rs.map((r) => r.heldOut.precisionAt5)).padEnd(17)} ${meanStd(rs.map((r) => r.step1Seconds)).mean.toFixed(0).padStart(8)} ${meanStd(rs.map((r) => r.step2Seconds)).mean.toFixed(0).padStart(8)}  ${rs.length}`,
        );
      }
      const ref = here[0];
      if (best && ref && best.name !== ref.name) {
        const refVal = meanStd(a.rows.filter((r) => r.variant === ref.name && r.ratio === ratio).map((r) => r.validation.kendallTau)).mean;
        out.push(`chosen on validation: ${best.name} (${(best.mean - refVal >= 0 ? '+' : '') + (best.mean - refVal).toFixed(4)} over ${ref.name})`);
      } else if (best) out.push(`chosen on validation: ${best.name} (the reference)`);
    }
  }
  out.push('', 'Variants (step 1 is shared by variants with the same encoder, preset, experts and step-1 settings; its seconds are those of its training, also when read from the step-1 cache)');
  for (const v of a.variants) {
    out.push(
      `- ${v.name}: ${v.encoder}, preset ${v.preset}${v.lfFill ? ', missing LF values filled from the functionally equivalent arch' : ''}, ${v.experts.length} experts (${v.expertsFrom}: ${v.experts.join(', ')}), optim ${JSON.stringify(v.optim)}${v.finetuneLr !== undefined ? `, step-2 lr ${v.finetuneLr}` : ''}${v.step2 !== undefined ? `, step 2 ${JSON.stringify(v.step2)}` : ''}${v.gatePrior !== undefined ? `, gate prior tau_k / ${v.gatePrior}` : ''}${v.gateStructural ? ', the gate reads structural measures' : ''}, ensemble ${v.ensemble}${v.ensembleStep1 ? ' (member m from the step 1 of seed + m)' : ''}, ratios ${v.ratios.join(', ')}`,
    );
  }
  return out.join('\n');
}
