/**
 * Step 1 on several cores: the experts are independent networks during pretraining, so `jobs` worker threads
 * (each with its own TF.js instance; the wasm backend is single-threaded under Node) train disjoint subsets of
 * them (expert k goes to worker k mod jobs). Every worker follows the one shared random stream of step 1
 * (pretrainLoop skips the pair draws of the experts it does not train), so the trained experts, the
 * optimiser state, the epoch losses and the generator's final state are bit for bit those of the
 * single-thread pretrainExperts, whatever the number of workers. Step 2 then runs in the calling thread as
 * before. The workers get the experts' current weights and optimiser state, and send theirs back at the end.
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
import type { Rng, RngState } from './rng';
import { type OptimConfig, pretrainEpochLoss, pretrainExperts, type PretrainEpochLosses, TrainingCancelled, type TrainHooks } from './train';

/** One variable of an expert, by its name in the model (`experts.3.enc.op_emb`). */
export interface VarData {
  name: string;
  data: Float32Array;
  adam?: AdamSlotData;
}

export type ToExpertWorker = {
  type: 'start';
  backend: string;
  config: ModelConfig;
  archs: readonly ArchFeatures[];
  trainIdx: number[];
  lfValues: Float64Array[];
  optim: OptimConfig;
  adam: Required<AdamOptions>;
  rng: RngState;
  /** The experts this worker trains. */
  experts: number[];
  vars: VarData[];
};

export type FromExpertWorker =
  | { type: 'epoch'; losses: PretrainEpochLosses }
  | { type: 'done'; vars: VarData[]; rng: RngState }
  | { type: 'error'; message: string };

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
  const groups = Array.from({ length: jobs }, (_, w) => Array.from({ length: k }, (_, j) => j).filter((j) => j % jobs === w));
  const byName = new Map([...model.params.vars].map(([name, v]) => [v, name]));
  const cols = lfValues.map((lf) => Float64Array.from({ length: lf.length }, (_, i) => lf[i] ?? NaN));
  const base = { type: 'start' as const, backend: tf.getBackend(), config: model.config, archs, trainIdx, lfValues: cols, optim: cfg, adam: opt.options(), rng: rng.state() };

  const workers: Worker[] = [];
  const epochs = new Map<number, { parts: PretrainEpochLosses[] }>();
  let nextEpoch = 1;
  const results: ({ vars: VarData[]; rng: RngState } | undefined)[] = new Array(jobs).fill(undefined);
  let settle: { resolve: () => void; reject: (e: Error) => void } | undefined;
  const finished = new Promise<void>((resolve, reject) => (settle = { resolve, reject }));
  let over = false;
  const stop = (e?: Error): void => {
    if (over) return;
    over = true;
    for (const w of workers) void w.terminate();
    if (e) settle?.reject(e);
    else settle?.resolve();
  };
  const onAbort = (): void => stop(new TrainingCancelled());
  hooks.signal?.addEventListener('abort', onAbort, { once: true });

  // Epoch events in order, each once every worker has finished that epoch; losses merged per expert.
  const epochDone = (w: number, l: PretrainEpochLosses): void => {
    const e = epochs.get(l.epoch) ?? { parts: [] };
    e.parts[w] = l;
    epochs.set(l.epoch, e);
    for (;;) {
      const ready = epochs.get(nextEpoch);
      if (!ready || ready.parts.filter(Boolean).length < jobs) break;
      epochs.delete(nextEpoch);
      const merged: PretrainEpochLosses = { epoch: nextEpoch, batches: ready.parts[0]!.batches, experts: k, losses: new Float64Array(ready.parts[0]!.batches * k), has: new Uint8Array(ready.parts[0]!.batches * k) };
      groups.forEach((g, gw) => {
        const p = ready.parts[gw]!;
        for (let b = 0; b < merged.batches; b++)
          for (const j of g) {
            merged.losses[b * k + j] = p.losses[b * k + j]!;
            merged.has[b * k + j] = p.has[b * k + j]!;
          }
      });
      try {
        hooks.onEpoch?.({ phase: 'pretrain', epoch: nextEpoch, epochs: cfg.pretrainEpochs, loss: pretrainEpochLoss(merged) });
      } catch (err) {
        stop(err as Error);
        return;
      }
      nextEpoch++;
    }
  };

  try {
    groups.forEach((experts, w) => {
      const vars: VarData[] = [];
      for (const j of experts) {
        for (const v of model.expertVariables(j)) {
          const adam = opt.exportState(v);
          vars.push({ name: byName.get(v)!, data: (v.dataSync() as Float32Array).slice(), ...(adam ? { adam } : {}) });
        }
      }
      const worker = startWorker(script);
      workers.push(worker);
      worker.on('message', (m: FromExpertWorker) => {
        if (over) return;
        if (m.type === 'epoch') epochDone(w, m.losses);
        else if (m.type === 'error') stop(new Error(`expert worker ${w + 1}/${jobs}: ${m.message}`));
        else {
          results[w] = m;
          void worker.terminate();
          if (results.every(Boolean)) stop();
        }
      });
      worker.on('error', (e) => stop(new Error(`expert worker ${w + 1}/${jobs} failed: ${e.message}`)));
      worker.on('exit', (code) => {
        if (!results[w]) stop(new Error(`expert worker ${w + 1}/${jobs} exited (code ${code}) before it finished`));
      });
      const msg: ToExpertWorker = { ...base, experts, vars };
      worker.postMessage(msg, vars.flatMap((v) => [v.data.buffer, ...(v.adam ? [v.adam.m.buffer, v.adam.v.buffer] : [])]) as ArrayBuffer[]);
    });
    await finished;
  } catch (e) {
    stop(e as Error);
    throw e;
  } finally {
    hooks.signal?.removeEventListener('abort', onAbort);
  }

  // Every worker followed the same random stream: they must agree on where it ends.
  const end = results[0]!.rng;
  if (results.some((r) => JSON.stringify(r!.rng) !== JSON.stringify(end))) throw new Error('expert workers disagree on the random stream (a bug)');
  for (const r of results) {
    for (const d of r!.vars) {
      const v = model.params.vars.get(d.name);
      if (!v) throw new Error(`expert worker returned an unknown variable ${d.name}`);
      const t = tf.tensor(d.data, v.shape);
      v.assign(t);
      t.dispose();
      if (d.adam) opt.importState(v, d.adam);
    }
  }
  rng.setState(end);
}
