/**
 * Step 1 on several cores: the experts are independent networks during pretraining, so `jobs` worker threads
 * (each with its own TF.js instance; the wasm backend is single-threaded under Node) train disjoint subsets of
 * them (expert k goes to worker k mod jobs). Every worker follows the one shared random stream of step 1
 * (pretrainLoop skips the pair draws of the experts it does not train), so the trained experts, the
 * optimiser state, the epoch losses and the generator's final state are bit for bit those of the
 * single-thread pretrainExperts, whatever the number of workers. The workers get the experts' current weights
 * and optimiser state, and send theirs back at the end.
 * Step 2 on several cores (trainOnTruthParallel): every network (the experts and the gate) is trained by one
 * worker; per step each worker runs its networks forward, the workers exchange the expert scores and gate
 * weights through shared memory, and each computes the same ensemble loss and backpropagates its own
 * networks: bit for bit the single-thread step 2, with the same random stream in every worker.
 */
import * as fs from 'node:fs';
import { createRequire } from 'node:module';
import * as os from 'node:os';
import * as path from 'node:path';
import { Worker } from 'node:worker_threads';
import * as tf from '@tensorflow/tfjs-core';
import type { ArchFeatures } from '../space/types';
import type { Adam, AdamOptions, AdamSlotData } from './adam';
import type { EnsembleModel, ModelConfig } from './model';
import type { Rng, RngState } from '../util/rng';
import { type EpochEvent, type NetworkShare, type OptimConfig, pretrainEpochLoss, pretrainExperts, type PretrainEpochLosses, trainOnTruth, TrainingCancelled, type TrainHooks } from './train';

/** One variable of an expert, by its name in the model (`experts.3.enc.op_emb`). */
export interface VarData {
  name: string;
  data: Float32Array;
  adam?: AdamSlotData;
}

interface WorkerStart {
  backend: string;
  config: ModelConfig;
  archs: readonly ArchFeatures[];
  optim: OptimConfig;
  adam: Required<AdamOptions>;
  rng: RngState;
  /** The experts this worker trains. */
  experts: number[];
  /** Their variables (and the gate's, when it has the gate), with optimiser state. */
  vars: VarData[];
}

export type ToExpertWorker =
  | (WorkerStart & { type: 'start'; trainIdx: number[]; lfValues: Float64Array[] })
  | (WorkerStart & {
      type: 'step2';
      gtIdx: number[];
      truth: Float64Array;
      gate: boolean;
      /** STEP2_CONTROL_BYTES of control words, then 2·K·batch floats for the exchange. */
      shared: SharedArrayBuffer;
      parties: number;
      /** Post the epochs' losses (one worker does). */
      reportLoss: boolean;
      /** Epochs after which to post a snapshot of the weights (for the monitor). */
      snapshotEpochs: number[];
    });

export type FromExpertWorker =
  | { type: 'epoch'; losses: PretrainEpochLosses }
  | { type: 'step2-epoch'; epoch: number; loss: number }
  | { type: 'snapshot'; epoch: number; vars: VarData[] }
  | { type: 'done'; vars: VarData[]; rng: RngState }
  | { type: 'error'; message: string };

/** The variables of `names` (with optimiser state unless `withAdam` is false), copied out of the model. */
export function exportVars(model: EnsembleModel, opt: Adam, names: string[], withAdam = true): VarData[] {
  return names.map((name) => {
    const v = model.params.vars.get(name);
    if (!v) throw new Error(`unknown variable ${name}`);
    const adam = withAdam ? opt.exportState(v) : undefined;
    return { name, data: (v.dataSync() as Float32Array).slice(), ...(adam ? { adam } : {}) };
  });
}

/** Assigns exported variables (and their optimiser state, if `opt` is given) to the model. */
export function importVars(model: EnsembleModel, opt: Adam | undefined, vars: readonly VarData[]): void {
  for (const d of vars) {
    const v = model.params.vars.get(d.name);
    if (!v) throw new Error(`unknown variable ${d.name}`);
    const t = tf.tensor(d.data, v.shape);
    v.assign(t);
    t.dispose();
    if (opt && d.adam) opt.importState(v, d.adam);
  }
}

export const transferList = (vars: readonly VarData[]): ArrayBuffer[] => vars.flatMap((v) => [v.data.buffer, ...(v.adam ? [v.adam.m.buffer, v.adam.v.buffer] : [])]) as ArrayBuffer[];

const varNames = (model: EnsembleModel, vars: tf.Variable[]): string[] => {
  const byVar = new Map([...model.params.vars].map(([name, v]) => [v, name]));
  return vars.map((v) => byVar.get(v)!);
};

/** Control words at the start of step 2's shared buffer: arrivals, barrier generation, abort flag, spare. */
export const STEP2_CONTROL_BYTES = 16;

/**
 * Waits until all `parties` threads have called it (a reusable barrier on ctl[0] arrivals and ctl[1] generation);
 * throws TrainingCancelled once ctl[2] is set.
 */
function barrier(ctl: Int32Array, parties: number): void {
  const gen = Atomics.load(ctl, 1);
  if (Atomics.add(ctl, 0, 1) === parties - 1) {
    Atomics.store(ctl, 0, 0);
    Atomics.add(ctl, 1, 1);
    Atomics.notify(ctl, 1);
    return;
  }
  while (Atomics.load(ctl, 1) === gen) {
    if (Atomics.load(ctl, 2) !== 0) throw new TrainingCancelled();
    Atomics.wait(ctl, 1, gen, 200);
  }
}

/**
 * The exchange of a step-2 worker: writes its experts' score rows and (with the gate) the gate weights into the
 * shared buffer, waits for every worker, reads everyone's, and waits again so no worker overwrites them with
 * the next step's before all have read.
 */
export function sharedExchange(shared: SharedArrayBuffer, parties: number, k: number, experts: readonly number[], gate: boolean): NetworkShare['exchange'] {
  const ctl = new Int32Array(shared, 0, STEP2_CONTROL_BYTES / 4);
  const data = new Float32Array(shared, STEP2_CONTROL_BYTES);
  return (scores, weights) => {
    const b = scores.length / k;
    if (2 * k * b > data.length) throw new Error(`step-2 exchange: a batch of ${b} does not fit the shared buffer`);
    for (const j of experts) data.set(scores.subarray(j * b, (j + 1) * b), j * b);
    if (gate) data.set(weights, k * b);
    barrier(ctl, parties);
    scores.set(data.subarray(0, k * b));
    weights.set(data.subarray(k * b, 2 * k * b));
    barrier(ctl, parties);
  };
}

/** Default worker count of `dele train` and the extension: all cores but one, at least 1. */
export function defaultTrainingJobs(): number {
  return Math.max(1, os.availableParallelism() - 1);
}

/**
 * The expert worker's script: dist/expertWorker.js next to the bundle, or under tsx (tests, bench scripts)
 * the TypeScript source next to this file.
 */
export function expertWorkerScript(): string {
  const js = path.join(__dirname, 'expertWorker.js');
  if (fs.existsSync(js)) return js;
  const ts = path.join(__dirname, 'expertWorker.ts');
  if (fs.existsSync(ts)) return ts;
  throw new Error(`no expert worker script next to ${__dirname} (expertWorker.js is built by esbuild.mjs)`);
}

function startWorker(script: string): Worker {
  if (!script.endsWith('.ts')) return new Worker(script);
  // A TypeScript worker (development): load it through tsx, resolved from this process.
  const tsx = createRequire(__filename).resolve('tsx/cjs');
  return new Worker(`require(${JSON.stringify(tsx)}); require(${JSON.stringify(script)});`, { eval: true });
}

export interface ParallelOptions {
  /** Worker threads; 1 (or a single expert) trains in this thread with pretrainExperts. */
  jobs: number;
  /** Default: expertWorkerScript(). */
  workerScript?: string;
}

/**
 * pretrainExperts with the experts spread over `jobs` worker threads; same arguments, same result
 * (weights, optimiser state, epoch events, rng state). Cancel through hooks.signal terminates the workers.
 */
export async function pretrainExpertsParallel(
  model: EnsembleModel,
  opt: Adam,
  archs: readonly ArchFeatures[],
  trainIdx: number[],
  lfValues: ArrayLike<number>[],
  cfg: OptimConfig,
  rng: Rng,
  hooks: TrainHooks,
  par: ParallelOptions,
): Promise<void> {
  const k = model.numExperts;
  if (lfValues.length !== k) throw new Error(`${k} experts but ${lfValues.length} LF columns`);
  const jobs = Math.min(Math.max(1, Math.floor(par.jobs)), k);
  if (jobs <= 1 || cfg.pretrainEpochs <= 0) return pretrainExperts(model, opt, archs, trainIdx, lfValues, cfg, rng, hooks);
  if (hooks.signal?.aborted) throw new TrainingCancelled();
  const script = par.workerScript ?? expertWorkerScript();
  const groups = Array.from({ length: jobs }, (_, w) => expertsOfWorker(k, jobs, w));
  const cols = lfValues.map((lf) => Float64Array.from({ length: lf.length }, (_, i) => lf[i] ?? NaN));
  const base = { type: 'start' as const, backend: tf.getBackend(), config: model.config, archs, trainIdx, lfValues: cols, optim: cfg, adam: opt.options(), rng: rng.state() };

  // Each epoch's event once every worker has finished that epoch; losses merged per expert.
  const epochDone = inEpochOrder<PretrainEpochLosses[]>(
    hooks.signal,
    () => [],
    (parts) => parts.filter(Boolean).length === jobs,
    (epoch, parts) => {
      const merged: PretrainEpochLosses = { epoch, batches: parts[0]!.batches, experts: k, losses: new Float64Array(parts[0]!.batches * k), has: new Uint8Array(parts[0]!.batches * k) };
      groups.forEach((g, gw) => {
        const p = parts[gw]!;
        for (let b = 0; b < merged.batches; b++)
          for (const j of g) {
            merged.losses[b * k + j] = p.losses[b * k + j]!;
            merged.has[b * k + j] = p.has[b * k + j]!;
          }
      });
      hooks.onEpoch?.({ phase: 'pretrain', epoch, epochs: cfg.pretrainEpochs, loss: pretrainEpochLoss(merged) });
    },
  );
  const results = await runWorkers(
    script,
    'expert worker',
    groups.map((experts) => {
      const vars = exportVars(model, opt, varNames(model, model.networkVariables(experts, false)));
      return { message: { ...base, experts, vars }, transfer: transferList(vars) };
    }),
    (w, m) => {
      if (m.type === 'epoch') epochDone(m.losses.epoch, (parts) => (parts[w] = m.losses));
    },
    hooks.signal,
  );
  adoptResults(model, opt, rng, results, 'expert workers');
}

/** Expert j's worker when `jobs` workers share K experts: j mod jobs. */
function expertsOfWorker(k: number, jobs: number, w: number): number[] {
  return Array.from({ length: k }, (_, j) => j).filter((j) => j % jobs === w);
}

/**
 * Worker reports released in epoch order: `add(epoch, update)` updates that epoch's collected parts (made by
 * `fresh`), then every epoch from the next unreleased one whose parts are `ready` is handed to `release`, until one
 * is not. After a cancel (a release hook may abort the signal) nothing more is released, as in one thread.
 */
function inEpochOrder<P>(signal: AbortSignal | undefined, fresh: () => P, ready: (parts: P, epoch: number) => boolean, release: (epoch: number, parts: P) => void): (epoch: number, update: (parts: P) => void) => void {
  const pending = new Map<number, P>();
  let next = 1;
  return (epoch, update) => {
    const parts = pending.get(epoch) ?? fresh();
    update(parts);
    pending.set(epoch, parts);
    for (;;) {
      if (signal?.aborted) return;
      const p = pending.get(next);
      if (p === undefined || !ready(p, next)) return;
      pending.delete(next);
      release(next, p);
      next++;
    }
  };
}

/** Every worker followed the same random stream: they must agree on where it ends. Takes their weights, optimiser state and stream. */
function adoptResults(model: EnsembleModel, opt: Adam, rng: Rng, results: { vars: VarData[]; rng: RngState }[], what: string): void {
  const end = results[0]!.rng;
  if (results.some((r) => JSON.stringify(r.rng) !== JSON.stringify(end))) throw new Error(`${what} disagree on the random stream (a bug)`);
  for (const r of results) importVars(model, opt, r.vars);
  rng.setState(end);
}

/**
 * Starts one worker per message and resolves with their 'done' results in order; `onMessage` sees the other
 * messages (an exception thrown there stops everything). Any worker's error, early exit or the signal stops
 * all workers and rejects.
 */
async function runWorkers(
  script: string,
  what: string,
  starts: { message: ToExpertWorker; transfer: ArrayBuffer[] }[],
  onMessage: (w: number, m: FromExpertWorker) => void,
  signal: AbortSignal | undefined,
  onStop?: () => void,
): Promise<{ vars: VarData[]; rng: RngState }[]> {
  if (signal?.aborted) throw new TrainingCancelled();
  const n = starts.length;
  const workers: Worker[] = [];
  const results: ({ vars: VarData[]; rng: RngState } | undefined)[] = new Array(n).fill(undefined);
  let settle: { resolve: () => void; reject: (e: Error) => void } | undefined;
  const finished = new Promise<void>((resolve, reject) => (settle = { resolve, reject }));
  let over = false;
  const stop = (e?: Error): void => {
    if (over) return;
    over = true;
    onStop?.();
    for (const w of workers) void w.terminate();
    if (e) settle?.reject(e);
    else settle?.resolve();
  };
  const onAbort = (): void => stop(new TrainingCancelled());
  signal?.addEventListener('abort', onAbort, { once: true });
  try {
    starts.forEach(({ message, transfer }, w) => {
      const worker = startWorker(script);
      workers.push(worker);
      worker.on('message', (m: FromExpertWorker) => {
        if (over) return;
        if (m.type === 'error') stop(new Error(`${what} ${w + 1}/${n}: ${m.message}`));
        else if (m.type === 'done') {
          results[w] = m;
          void worker.terminate();
          if (results.every(Boolean)) stop();
        } else {
          try {
            onMessage(w, m);
          } catch (err) {
            stop(err as Error);
          }
        }
      });
      worker.on('error', (e) => stop(new Error(`${what} ${w + 1}/${n} failed: ${e.message}`)));
      worker.on('exit', (code) => {
        if (!results[w]) stop(new Error(`${what} ${w + 1}/${n} exited (code ${code}) before it finished`));
      });
      worker.postMessage(message, transfer);
    });
    await finished;
  } catch (e) {
    stop(e as Error);
    throw e;
  } finally {
    signal?.removeEventListener('abort', onAbort);
  }
  return results as { vars: VarData[]; rng: RngState }[];
}

/**
 * trainOnTruth with the networks (K experts and the gate) spread over `jobs` worker threads: expert j goes to
 * worker j mod jobs, the gate to worker K mod jobs. Same arguments and, bit for bit, the same result (weights,
 * optimiser state, epoch events, rng state) as trainOnTruth in this thread; with hooks.monitor the workers
 * send their weights after each monitored epoch and the monitor runs here on the assembled model.
 */
export async function trainOnTruthParallel(
  model: EnsembleModel,
  opt: Adam,
  archs: readonly ArchFeatures[],
  gtIdx: number[],
  truth: ArrayLike<number>,
  cfg: OptimConfig,
  rng: Rng,
  hooks: TrainHooks,
  par: ParallelOptions,
): Promise<void> {
  const k = model.numExperts;
  const networks = k + (model.hasGate ? 1 : 0);
  const jobs = Math.min(Math.max(1, Math.floor(par.jobs)), networks);
  const withTruth = gtIdx.filter((i) => Number.isFinite(truth[i]));
  // Without a pair to compare there is nothing to share out: the same (empty) epochs in this thread.
  if (jobs <= 1 || cfg.epochs <= 0 || !model.hasGate || withTruth.length < 2) return trainOnTruth(model, opt, archs, gtIdx, truth, cfg, rng, hooks);
  const script = par.workerScript ?? expertWorkerScript();
  const batch = Math.max(1, Math.min(cfg.batchSize, withTruth.length));
  const shared = new SharedArrayBuffer(STEP2_CONTROL_BYTES + 2 * k * batch * 4);
  const every = hooks.monitor && hooks.monitorEvery ? hooks.monitorEvery : 0;
  const snapshotEpochs = every > 0 ? Array.from({ length: cfg.epochs }, (_, e) => e + 1).filter((e) => e % every === 0 || e === cfg.epochs) : [];
  const truthCol = Float64Array.from({ length: truth.length }, (_, i) => truth[i] ?? NaN);
  const base = { type: 'step2' as const, backend: tf.getBackend(), config: model.config, archs, gtIdx, truth: truthCol, optim: cfg, adam: opt.options(), rng: rng.state(), shared, parties: jobs, snapshotEpochs };
  const starts = Array.from({ length: jobs }, (_, w) => {
    const experts = expertsOfWorker(k, jobs, w);
    const gate = k % jobs === w;
    const vars = exportVars(model, opt, varNames(model, model.networkVariables(experts, gate)));
    return { message: { ...base, experts, gate, vars, reportLoss: w === 0 } as ToExpertWorker, transfer: transferList(vars) };
  });

  // Epoch events in order: the loss comes from worker 0, a monitored epoch also waits for every worker's weights.
  const report = inEpochOrder<{ loss?: number; parts: VarData[][] }>(
    hooks.signal,
    () => ({ parts: [] }),
    (e, epoch) => e.loss !== undefined && (!snapshotEpochs.includes(epoch) || e.parts.filter(Boolean).length === jobs),
    (epoch, e) => {
      const ev: EpochEvent = { phase: 'train', epoch, epochs: cfg.epochs, loss: e.loss! };
      if (snapshotEpochs.includes(epoch) && hooks.monitor) {
        for (const part of e.parts) importVars(model, undefined, part);
        ev.monitorKendall = hooks.monitor(model);
      }
      hooks.onEpoch?.(ev);
    },
  );
  const ctl = new Int32Array(shared, 0, STEP2_CONTROL_BYTES / 4);
  const results = await runWorkers(
    script,
    'step-2 worker',
    starts,
    (w, m) => {
      if (m.type === 'step2-epoch') report(m.epoch, (e) => (e.loss = m.loss));
      else if (m.type === 'snapshot') report(m.epoch, (e) => (e.parts[w] = m.vars));
    },
    hooks.signal,
    () => {
      // Wake workers waiting at the exchange so they stop too.
      Atomics.store(ctl, 2, 1);
      Atomics.notify(ctl, 1);
    },
  );
  adoptResults(model, opt, rng, results, 'step-2 workers');
}
