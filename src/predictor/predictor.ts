/**
 * The trained predictor as a unit: model + calibration + provenance, with save/load to one directory
 * (model.json + weights.bin) and the high-level train entry used by the CLI, the server and the bench.
 */
import { DEFAULT_STRUCTURAL_MAX, STRUCTURAL_SET, withStructuralExperts } from '../data/structural';
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import * as v from 'valibot';
import { column, type Dataset, DataError, groundTruthSubset, lfNames, splitDataset } from '../data/dataset';
import { nb201Space } from '../space/nb201';
import { resolveSpace } from '../space/registry';
import type { SearchSpace } from '../space/types';
import { Adam } from './adam';
import { applyCalibration, type Calibration, fitIsotonic } from './calibration';
import { type EvalMetrics, evaluateCalibrated, kendallTau } from './metrics';
import { EnsembleModel, type EncoderType, type ModelConfig } from './model';
import { pretrainExpertsParallel, trainOnTruthParallel } from './parallel';
import { modelBase, presetOptim, PRESETS, type PresetName } from './presets';
import { replaceDirectory, temporarySibling } from '../util/files';
import { Rng } from '../util/rng';
import {
  type EpochEvent,
  type Method,
  modelConfigFor,
  type OptimConfig,
  scoreArchs,
  step2LearningRate,
  type TrainHooks,
} from './train';

export const PREDICTOR_FORMAT = 'dele-nas/predictor@1';

/** The search space a predictor was trained for; declared spaces carry their declaration. */
export interface SpaceRef {
  id: string;
  declaration?: unknown;
}

export interface PredictorMeta {
  format: typeof PREDICTOR_FORMAT;
  /** Absent in predictors saved before spaces existed: NAS-Bench-201. */
  space: SpaceRef;
  method: Method;
  target: string;
  trainRatio: number;
  seed: number;
  splitSeed: number;
  /** Seed of the ground-truth subset's shuffle; absent: the first N of the training split. */
  subsetSeed?: number;
  model: ModelConfig;
  optim: OptimConfig;
  dataset: { source: string; fingerprint: string; size: number; trainSize: number; groundTruthSize: number };
  calibration: Calibration;
  /** Held-out split metrics, when the predictor was evaluated. */
  metrics?: EvalMetrics;
  /** A predictor trained on a user's labels (trainOnLabels): where they came from, how many, how many outside the pool. */
  labels?: { source: string; count: number; outsidePool: number };
  /** Its metric when it has no held-out split: k-fold cross-validation of step 2 on the labels. */
  crossValidation?: CrossValidation;
  backend: string;
  createdAt: string;
  trainSeconds: number;
}

export interface CrossValidation {
  folds: number;
  /** Labels cross-validated. */
  n: number;
  /** Mean over the folds of the Kendall tau of a fold's predictions against its labels. */
  kendallTau: number;
  foldTaus: number[];
}

export interface ExpertContribution {
  name: string;
  /** Gate weight in [0, 1]; the weights of one prediction sum to 1. */
  weight: number;
  /** The expert's raw ranking score (unitless). */
  score: number;
}

export interface Prediction {
  arch: string;
  /** Raw ensemble score; higher = better. */
  score: number;
  /** Calibrated prediction in the target's unit (accuracy %). */
  accuracy: number;
  experts: ExpertContribution[];
}

export class PredictorFileError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PredictorFileError';
  }
  static is(e: unknown): e is PredictorFileError {
    return e instanceof PredictorFileError;
  }
}

export class Predictor {
  readonly space: SearchSpace;

  constructor(
    readonly model: EnsembleModel,
    readonly meta: PredictorMeta,
  ) {
    this.space = resolveSpace(meta.space.id, meta.space.declaration);
    if (this.space.id !== meta.space.id) throw new PredictorFileError(`the stored declaration is of space "${this.space.id}", not "${meta.space.id}"`);
    // The encoders were sized for the space: a model.json that names another space (or an edited declaration) is refused.
    if (JSON.stringify(model.config.input) !== JSON.stringify(this.space.encoderInput)) {
      throw new PredictorFileError(`the model was built for another encoding than space "${meta.space.id}" has: the file is not a predictor of this space`);
    }
  }

  get experts(): string[] {
    return this.model.config.experts;
  }

  /** Predictions (architectures of the predictor's space) with per-expert gate weights; frees every tensor it makes. */
  predict(archs: readonly unknown[]): Prediction[] {
    const out = scoreArchs(this.model, archs.map((a) => this.space.features(a)));
    const k = this.model.numExperts;
    return archs.map((a, i) => {
      const score = out.scores[i]!;
      return {
        arch: this.space.key(a),
        score,
        accuracy: applyCalibration(this.meta.calibration, score),
        experts: this.experts.map((name, j) => ({ name, weight: out.weights[i * k + j]!, score: out.expertScores[i * k + j]! })),
      };
    });
  }

  /** Scores only (fast path for ranking many archs). */
  scores(archs: readonly unknown[]): Float32Array {
    return scoreArchs(this.model, archs.map((a) => this.space.features(a))).scores;
  }

  /**
   * Saves into `dir` so that a crash or a full disk never leaves a half-written predictor there: the files are
   * written to a sibling temporary folder, which then replaces `dir` by renames.
   */
  saveAtomically(dir: string): void {
    const tmp = temporarySibling(dir);
    try {
      this.save(tmp);
    } catch (e) {
      fs.rmSync(tmp, { recursive: true, force: true });
      throw e;
    }
    replaceDirectory(tmp, dir);
  }

  save(dir: string): void {
    fs.mkdirSync(dir, { recursive: true });
    const manifest: { name: string; shape: number[] }[] = [];
    const chunks: Buffer[] = [];
    for (const [name, v] of this.model.params.vars) {
      manifest.push({ name, shape: v.shape });
      const data = v.dataSync() as Float32Array;
      chunks.push(Buffer.from(data.buffer, data.byteOffset, data.byteLength));
    }
    const weights = Buffer.concat(chunks);
    const sha256 = crypto.createHash('sha256').update(weights).digest('hex');
    // Write weights first, then the JSON that names their checksum: a crash in between leaves a detectable mismatch.
    fs.writeFileSync(path.join(dir, 'weights.bin'), weights);
    fs.writeFileSync(path.join(dir, 'model.json'), JSON.stringify({ ...this.meta, weights: { manifest, sha256, bytes: weights.length } }, null, 1));
  }

  /** @throws PredictorFileError for a missing, corrupt or incompatible predictor directory. */
  static load(dir: string): Predictor {
    const jsonPath = path.join(dir, 'model.json');
    const binPath = path.join(dir, 'weights.bin');
    const meta = readModelJson(jsonPath);
    const weights = readWeights(binPath, meta.weights);
    // Predictors saved before search spaces existed are NAS-Bench-201 ones.
    meta.space ??= { id: nb201Space.id };
    if (meta.model && typeof meta.model === 'object' && !meta.model.input) meta.model.input = nb201Space.encoderInput;
    validateMeta(meta, jsonPath);
    let model: EnsembleModel;
    try {
      model = new EnsembleModel(meta.model, 0);
    } catch (e) {
      throw new PredictorFileError(`${jsonPath}: invalid model config: ${(e as Error).message}`);
    }
    const floats = new Float32Array(weights.buffer, weights.byteOffset, weights.length / 4);
    let off = 0;
    try {
      for (const { name, shape } of meta.weights.manifest) {
        const variable = model.params.vars.get(name);
        const size = shape.reduce((a, b) => a * b, 1);
        if (!variable || variable.shape.join() !== shape.join()) throw new PredictorFileError(`${jsonPath}: weight ${name} ${shape} does not fit the model`);
        const values = floats.subarray(off, off + size);
        if (!values.every(Number.isFinite)) throw new PredictorFileError(`${binPath}: weight ${name} holds values that are not finite numbers (NaN or infinity): not a usable predictor`);
        const t = tf.tensor(values, shape);
        variable.assign(t);
        t.dispose();
        off += size;
      }
      if (off !== floats.length || meta.weights.manifest.length !== model.params.vars.size) {
        throw new PredictorFileError(`${jsonPath}: weight manifest does not cover the model`);
      }
    } catch (e) {
      model.dispose();
      throw e;
    }
    const { weights: _w, ...rest } = meta;
    try {
      return new Predictor(model, rest);
    } catch (e) {
      model.dispose();
      throw new PredictorFileError(`${jsonPath}: ${(e as Error).message}`);
    }
  }

  dispose(): void {
    this.model.dispose();
  }
}

/** Bounds of what `Predictor.load` reads: the largest bundled model.json is ~40 kB, weights.bin ~2 MB. */
export const MAX_MODEL_JSON_BYTES = 16 * 1024 * 1024;
export const MAX_WEIGHTS_BYTES = 512 * 1024 * 1024;

/** The weights section of model.json: the tensors in file order, the file's size and checksum. */
const WeightsSchema = v.object({
  manifest: v.array(v.object({ name: v.string(), shape: v.array(v.pipe(v.number(), v.integer(), v.minValue(0))) })),
  sha256: v.pipe(v.string(), v.regex(/^[0-9a-f]{64}$/, 'expected a sha256 in hex')),
  bytes: v.pipe(v.number(), v.integer(), v.minValue(0), v.maxValue(MAX_WEIGHTS_BYTES, `at most ${MAX_WEIGHTS_BYTES} bytes`)),
});
type WeightsSection = v.InferOutput<typeof WeightsSchema>;
type StoredMeta = PredictorMeta & { weights: WeightsSection };

/** A regular file of at most `max` bytes, else a PredictorFileError (a device, a fifo or a folder is never read). */
function statRegularFile(file: string, max: number, what: string): fs.Stats {
  let st: fs.Stats;
  try {
    st = fs.statSync(file);
  } catch (e) {
    throw new PredictorFileError(`cannot read ${what} ${file}: ${(e as Error).message}`);
  }
  if (!st.isFile()) throw new PredictorFileError(`cannot read ${what} ${file}: not a regular file`);
  if (st.size > max) throw new PredictorFileError(`cannot read ${what} ${file}: ${st.size} bytes, more than a predictor has (at most ${max})`);
  return st;
}

/** model.json: bounded, parsed, of this format, with a weights section whose tensors add up to its byte count. */
function readModelJson(jsonPath: string): StoredMeta {
  statRegularFile(jsonPath, MAX_MODEL_JSON_BYTES, 'predictor');
  let meta: StoredMeta;
  try {
    meta = JSON.parse(fs.readFileSync(jsonPath, 'utf8'));
  } catch (e) {
    throw new PredictorFileError(`cannot read predictor ${jsonPath}: ${(e as Error).message}`);
  }
  if (meta?.format !== PREDICTOR_FORMAT) {
    throw new PredictorFileError(`${jsonPath} is not a dele-nas predictor (format ${String(meta?.format)}, expected ${PREDICTOR_FORMAT})`);
  }
  const w = v.safeParse(WeightsSchema, meta.weights);
  if (!w.success) {
    const issue = w.issues[0];
    throw new PredictorFileError(`${jsonPath}: invalid weights section${issue.path ? ` at weights.${v.getDotPath(issue)}` : ''}: ${issue.message}`);
  }
  const floats = w.output.manifest.reduce((n, t) => n + t.shape.reduce((a, b) => a * b, 1), 0);
  if (floats * 4 !== w.output.bytes) throw new PredictorFileError(`${jsonPath}: the weight manifest holds ${floats} float32 values (${floats * 4} bytes), not the ${w.output.bytes} bytes it names`);
  return meta;
}

/** weights.bin: a regular file of exactly the size model.json names, with its checksum. */
function readWeights(binPath: string, expected: WeightsSection): Buffer {
  const st = statRegularFile(binPath, MAX_WEIGHTS_BYTES, 'weights');
  if (st.size !== expected.bytes) throw new PredictorFileError(`${binPath} is corrupt: ${st.size} bytes, model.json names ${expected.bytes}`);
  let weights: Buffer;
  try {
    weights = fs.readFileSync(binPath);
  } catch (e) {
    throw new PredictorFileError(`cannot read weights ${binPath}: ${(e as Error).message}`);
  }
  const sha = crypto.createHash('sha256').update(weights).digest('hex');
  if (weights.length !== expected.bytes || sha !== expected.sha256) {
    throw new PredictorFileError(`${binPath} is corrupt: checksum or size differs from model.json`);
  }
  return weights;
}

const isNums = (x: unknown): x is number[] => Array.isArray(x) && x.every((v) => typeof v === 'number');

/** Rejects a model.json whose fields would fail later, in every lens and hover, with one clear message. */
function validateMeta(meta: PredictorMeta & { weights?: { manifest?: unknown } }, where: string): void {
  const bad = (what: string): never => {
    throw new PredictorFileError(`${where}: invalid ${what}`);
  };
  if (typeof meta.space?.id !== 'string') bad('space');
  const m = meta.model;
  if (!m || typeof m !== 'object') bad('model');
  if (m.encoder !== 'gates' && m.encoder !== 'lstm') bad(`encoder "${String(m.encoder)}" (expected gates or lstm)`);
  if (!Array.isArray(m.experts) || m.experts.length === 0 || !m.experts.every((e) => typeof e === 'string')) bad('experts');
  if (!isNums(m.mlpHiddens) || !isNums(m.gates?.gcnOutDims) || typeof m.lstm?.hidDim !== 'number') bad('model sizes');
  if (m.gateStructural !== undefined && typeof m.gateStructural !== 'boolean') bad('gateStructural (true or false)');
  const c = meta.calibration as unknown as Record<string, unknown> | undefined;
  if (!c || typeof c !== 'object' || !isNums(c.x) || !isNums(c.y) || (c.x as number[]).length !== (c.y as number[]).length || (c.x as number[]).length === 0) bad('calibration');
  const nonDecreasing = (xs: number[]): boolean => xs.every((x, i) => Number.isFinite(x) && (i === 0 || x >= xs[i - 1]!));
  if (!nonDecreasing(c!.x as number[]) || !nonDecreasing(c!.y as number[])) bad('calibration: its knots must be finite and non-decreasing (an isotonic fit)');
  if (!m.input || typeof m.input !== 'object' || typeof m.input.numOps !== 'number' || typeof m.input.seqVocab !== 'number' || typeof m.input.seqLength !== 'number' || !m.input.graph) bad('model input');
  if (typeof meta.target !== 'string' || typeof meta.trainRatio !== 'number') bad('target or trainRatio');
  if (!Array.isArray(meta.weights?.manifest)) bad('weights manifest');
}

export interface TrainOptions {
  method: Method;
  encoder: EncoderType;
  target: string;
  /** Fraction of the training split with ground truth, (0, 1]. */
  trainRatio: number;
  /** LF columns: the experts for dele (default: DEFAULT_NB201_EXPERTS, or all LF columns of user data), one for single. */
  experts?: string[];
  preset?: PresetName;
  seed?: number;
  splitSeed?: number;
  /** Which archs of the training split get ground truth: a seeded shuffle's first N (default: the first N). */
  subsetSeed?: number;
  /** Overrides of the preset's optimiser settings (epochs etc.). */
  optim?: Partial<OptimConfig>;
  /** Backend name recorded in the metadata. */
  backend?: string;
  /** Held-out archs evaluated per `monitorEvery` epochs for the training curve (default 1000). */
  monitorSize?: number;
  /**
   * Worker threads for steps 1 and 2 (default 1: this thread). The result does not depend on it: N workers
   * train the same networks bit for bit (parallel.ts).
   */
  jobs?: number;
  /** The training worker script, both steps (default: expertWorker.js next to the bundle). */
  expertWorkerScript?: string;
}

export interface TrainResult {
  predictor: Predictor;
  metrics: EvalMetrics;
  history: EpochEvent[];
  /** The experts trained, with their columns' descriptions; `structural` when they are the space's structural measures. */
  experts: { name: string; description: string }[];
  structural: boolean;
}

/** More experts than this is almost certainly a data file whose columns were not meant as LF measures. */
export const MAX_EXPERTS = 32;

export function resolveExperts(ds: Dataset, method: Method, experts?: string[]): string[] {
  if (method === 'vanilla') return [];
  // Default: the bundled data's expert set (DELE's NB201 set on NB201), every LF column of a user's file.
  const bundledDefault = (ds.defaultExperts ?? []).filter((n) => lfNames(ds).includes(n));
  // A one-name list that names one of the data's expert sets (and no column) means that set.
  const named = experts?.length === 1 && !ds.columns.some((c) => c.name === experts[0]) ? ds.expertSets?.[experts[0]!] : undefined;
  const names = named ?? experts ?? (bundledDefault.length > 0 ? bundledDefault : lfNames(ds));
  if (names.length === 0) throw new DataError(`${ds.source} has no LF columns to train experts on`);
  if (names.length > MAX_EXPERTS) {
    throw new DataError(`${names.length} LF columns would make ${names.length} experts (at most ${MAX_EXPERTS}); choose them with --lf A,B,...`);
  }
  for (const n of names) {
    const c = column(ds, n);
    if (c.kind !== 'lf') throw new DataError(`column "${n}" is a target, not an LF measure`);
  }
  if (method === 'single' && names.length !== 1) throw new DataError('single-LF pretraining takes exactly one --lf column');
  return names;
}

/**
 * The experts to train and the data holding their LF values: the named or default LF columns, or structural
 * measures of the space (src/data/structural.ts) when the data has no LF column or `experts` is `["structural"]`,
 * chosen on the `labelled` archs (those whose target training may use) and added as columns: at most
 * `structuralMax` of them (DEFAULT_STRUCTURAL_MAX), and never more than the expert cap leaves.
 */
export function chooseExperts(ds: Dataset, method: Method, experts: string[] | undefined, target: string, labelled: readonly number[], seed = 0, structuralMax = DEFAULT_STRUCTURAL_MAX): { experts: string[]; lfData: Dataset; structural: boolean } {
  // "structural" in the list (and no column of that name) asks for them, next to any LF columns named with it.
  const asked = experts?.includes(STRUCTURAL_SET) === true && !ds.columns.some((c) => c.name === STRUCTURAL_SET);
  const structural = method !== 'vanilla' && (asked || (experts === undefined && lfNames(ds).length === 0));
  if (!structural) return { experts: resolveExperts(ds, method, experts), lfData: ds, structural: false };
  const named = experts?.filter((n) => n !== STRUCTURAL_SET) ?? [];
  if (method === 'single' && named.length > 0) throw new DataError('single-LF pretraining takes exactly one expert: an LF column or structural, not both');
  const withNamed = named.length > 0 ? resolveExperts(ds, method, named) : [];
  const s = withStructuralExperts(ds, target, labelled, { max: method === 'single' ? 1 : Math.min(structuralMax, MAX_EXPERTS - withNamed.length), seed });
  return { experts: [...withNamed, ...s.experts], lfData: s.ds, structural: true };
}

/** Each variable of `model` mapped to itself: an optimiser copy for the same model (Adam.cloneFor). */
function identityMap(model: EnsembleModel): Map<tf.Variable, tf.Variable> {
  return new Map(model.allVariables().map((v) => [v, v]));
}

/** Trains one predictor end to end (step 1 + step 2, or a baseline) and evaluates it on the held-out split. */
export async function trainPredictor(ds: Dataset, opts: TrainOptions, hooks: TrainHooks = {}): Promise<TrainResult> {
  const t0 = Date.now();
  const preset = PRESETS[opts.preset ?? 'cpu'];
  const optim: OptimConfig = { ...presetOptim(opts.preset ?? 'cpu', ds.space), ...opts.optim };
  const seed = opts.seed ?? 0;
  const splitSeed = opts.splitSeed ?? 0;
  const truth = column(ds, opts.target);
  if (truth.kind !== 'target') throw new DataError(`column "${opts.target}" is an LF measure, not a target`);
  const split = splitDataset(ds.archs.length, splitSeed);
  const gt = groundTruthSubset(split.train, opts.trainRatio, opts.subsetSeed).filter((i) => Number.isFinite(truth.values[i]));
  if (gt.length < 2) throw new DataError(`only ${gt.length} training archs have a "${opts.target}" value; need at least 2`);
  const { experts, lfData, structural } = chooseExperts(ds, opts.method, opts.experts, opts.target, gt, seed);
  if (!ds.space.encoders.includes(opts.encoder)) throw new DataError(`the ${opts.encoder} encoder does not fit ${ds.space.title}; use ${ds.space.encoders.join(' or ')}`);
  const cfg = modelConfigFor(modelBase(preset, opts.encoder, ds.space.encoderInput), opts.method, experts);
  const model = new EnsembleModel(cfg, seed);
  const rng = new Rng(seed ^ 0x5eed);
  const history: EpochEvent[] = [];
  const monitorIdx = split.heldOut.filter((i) => Number.isFinite(truth.values[i])).slice(0, opts.monitorSize ?? 1000);
  const monitorArchs = monitorIdx.map((i) => ds.features[i]!);
  const monitorTruth = monitorIdx.map((i) => truth.values[i]!);
  const h: TrainHooks = {
    ...hooks,
    monitor: hooks.monitorEvery ? (m) => kendallTau(scoreArchs(m, monitorArchs).scores, monitorTruth) : undefined,
    onEpoch: (e) => {
      history.push(e);
      hooks.onEpoch?.(e);
    },
  };
  let opt = new Adam({ lr: optim.lr });
  try {
    if (opts.method !== 'vanilla') {
      const lf = experts.map((n) => column(lfData, n).values);
      await pretrainExpertsParallel(model, opt, ds.features, split.train, lf, optim, rng, h, { jobs: opts.jobs ?? 1, workerScript: opts.expertWorkerScript });
      // The single-LF baseline re-initialises the optimizer between pretraining and fine-tuning
      // (reinit_optimizer); DELE keeps its state, at step 2's learning rate.
      const next = opts.method === 'single' ? new Adam({ lr: optim.lr }) : opt.cloneFor(identityMap(model), step2LearningRate(optim, gt.length));
      opt.dispose();
      opt = next;
    }
    await trainOnTruthParallel(model, opt, ds.features, gt, truth.values, optim, rng, h, { jobs: opts.jobs ?? 1, workerScript: opts.expertWorkerScript });
  } catch (e) {
    model.dispose();
    throw e;
  } finally {
    opt.dispose();
  }
  const gtScores = scoreArchs(model, gt.map((i) => ds.features[i]!)).scores;
  const calibration = fitIsotonic(gtScores, gt.map((i) => truth.values[i]!));
  const heldOutScores = scoreArchs(model, split.heldOut.map((i) => ds.features[i]!)).scores;
  const metrics = evaluateCalibrated(heldOutScores, calibration, split.heldOut.map((i) => truth.values[i]!));
  const meta: PredictorMeta = {
    format: PREDICTOR_FORMAT,
    space: { id: ds.space.id, ...(ds.space.declaration !== undefined ? { declaration: ds.space.declaration } : {}) },
    method: opts.method,
    target: opts.target,
    trainRatio: opts.trainRatio,
    seed,
    splitSeed,
    ...(opts.subsetSeed !== undefined ? { subsetSeed: opts.subsetSeed } : {}),
    model: cfg,
    optim: opts.method === 'dele' ? { ...optim, finetuneLr: step2LearningRate(optim, gt.length) } : optim,
    dataset: { source: ds.source, fingerprint: ds.fingerprint, size: ds.archs.length, trainSize: split.train.length, groundTruthSize: gt.length },
    calibration,
    metrics,
    backend: opts.backend ?? tf.getBackend(),
    createdAt: new Date().toISOString(),
    trainSeconds: (Date.now() - t0) / 1000,
  };
  const described = experts.map((name) => ({ name, description: column(lfData, name).description }));
  return { predictor: new Predictor(model, meta), metrics, history, experts: described, structural };
}
