/**
 * The practitioner's loop, worker side: updating a predictor from the results file's labels (step 1 from the
 * step-1 cache when the pool and experts are unchanged, step 2 on the labels) and proposing the next batch.
 * Run in the training worker thread (trainWorker.ts), never on the server's thread.
 */
import { type Dataset, DataError, importDataFile, lfNames, loadBundled } from '../data/dataset';
import { lfOnly, sampledPool } from '../data/pool';
import { Step1Cache } from '../experiment/step1Cache';
import { applyCalibration } from '../predictor/calibration';
import { trainOnLabels } from '../predictor/labelled';
import { Predictor } from '../predictor/predictor';
import { defaultTrainingJobs } from '../predictor/parallel';
import type { TrainHooks } from '../predictor/train';
import { type BackendChoice, initBackend } from '../runtime/backend';
import { proposeBatch } from '../search/batch';
import { resolveSpace } from '../space/registry';
import { parseOrThrow, type SearchSpace } from '../space/types';
import type { FromWorker, PoolSpec, ProposeJob, UpdateJob } from './workerProtocol';

function poolOf(spec: PoolSpec, space: SearchSpace): { ds: Dataset; description: string } {
  if (spec.kind === 'bundled') return { ds: lfOnly(loadBundled(space.id)), description: `the bundled ${space.title} table's LF columns` };
  if (spec.kind === 'file') return { ds: lfOnly(importDataFile(spec.path, { space })), description: `the LF columns of ${spec.path}` };
  const ds = sampledPool(space);
  return { ds, description: `${ds.archs.length.toLocaleString('en-US')} architectures ${space.size !== undefined && ds.archs.length === space.size ? '(the whole space)' : 'sampled from the space'}` };
}

/** Trains the update and saves it to `job.outDir`; the `done` message says what it did. */
export async function runUpdate(job: UpdateJob, hooks: TrainHooks, post: (m: FromWorker) => void): Promise<void> {
  const t0 = Date.now();
  await initBackend(job.backend as BackendChoice);
  const space = resolveSpace(job.space, job.declaration);
  const pool = poolOf(job.pool, space);
  const labels = job.labels.map(([key, value]) => {
    try {
      return { arch: parseOrThrow(space, key), value };
    } catch (e) {
      throw new DataError(`a stored label's architecture no longer parses in ${space.title}: ${(e as Error).message}`);
    }
  });
  const r = await trainOnLabels(
    pool.ds,
    labels,
    {
      method: 'dele',
      encoder: job.encoder,
      target: job.target,
      // Structural experts are not columns of the pool: they are chosen again on the labels.
      ...(job.experts?.every((n) => lfNames(pool.ds).includes(n)) ? { experts: job.experts } : {}),
      preset: job.preset,
      optim: { ...(job.pretrainEpochs !== undefined ? { pretrainEpochs: job.pretrainEpochs } : {}), ...(job.epochs !== undefined ? { epochs: job.epochs } : {}) },
      seed: 0,
      jobs: job.jobs !== undefined && job.jobs > 0 ? job.jobs : defaultTrainingJobs(),
      step1: new Step1Cache(job.step1CacheDir),
      labelsSource: job.labelsSource,
      backend: job.backend,
    },
    hooks,
  );
  try {
    r.predictor.save(job.outDir);
  } finally {
    r.predictor.dispose();
  }
  post({
    type: 'done',
    kendallTau: r.crossValidation?.kendallTau ?? NaN,
    path: job.outDir,
    seconds: (Date.now() - t0) / 1000,
    update: {
      labelled: r.labelled,
      outsidePool: r.outsidePool,
      step1Cached: r.step1Cached,
      step1Seconds: r.step1Seconds,
      step2Seconds: r.step2Seconds,
      crossValidationSeconds: r.crossValidationSeconds,
      ...(r.crossValidation ? { folds: r.crossValidation.folds } : {}),
      pool: pool.description,
      ...(r.crossValidation ? { crossValidatedTau: r.crossValidation.kendallTau } : {}),
    },
  });
}

/** Proposes the next batch with the predictor of `job.predictorDir`, never a labelled architecture. */
export async function runProposeBatch(job: ProposeJob, signal: AbortSignal, post: (m: FromWorker) => void): Promise<void> {
  await initBackend(job.backend as BackendChoice);
  const p = Predictor.load(job.predictorDir);
  try {
    const r = await proposeBatch(p.space, (archs) => p.predict(archs), { k: job.k, beta: job.beta, budget: job.budget, seed: job.seed, labelled: new Set(job.labelled), signal });
    post({
      type: 'batch',
      result: {
        space: p.space.id,
        batch: r.batch.map((b) => ({ arch: b.key, predicted: applyCalibration(p.meta.calibration, b.score), ucb: b.ucb, spread: b.spread })),
        candidates: r.pool,
        method: r.method,
        target: p.meta.target,
        unit: '',
      },
    });
  } finally {
    p.dispose();
  }
}
