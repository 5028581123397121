/**
 * The practitioner's loop, server side: `dele/updatePredictor` (DELE on the labels of the space's results file:
 * step 1 from the step-1 cache when the pool and experts are unchanged, step 2 on the labels; in the one training
 * slot, with progress and cancel) and `dele/proposeBatch` (the next k architectures by an upper confidence bound
 * over the experts, never a labelled one). Both run in a worker thread (loopJobs.ts).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Worker } from 'node:worker_threads';
import { type CancellationToken, ErrorCodes, ResponseError } from 'vscode-languageserver/node';
import { bundledSpaceIds } from '../data/dataset';
import type { ProposeBatchParams, ProposeBatchResult, TrainResult, UpdatePredictorParams } from '../protocol/lsp';
import type { SearchSpace } from '../space/types';
import { onCancel, type ServerContext } from './context';
import { readSavedMeta } from './predictorHistory';
import type { ResultsFiles } from './results';
import type { Training } from './training';
import { type FromWorker, type PoolSpec, type ToWorker, type UpdateJob, WORKER_HEAP_MB, workerFailure } from './workerProtocol';

/** Candidates a batch proposal scores at most: every NB201 (15,625) and TransNAS micro (4,096) cell. */
const BATCH_BUDGET = 20_000;
export const MAX_BATCH = 1000;

const invalid = (message: string): ResponseError<void> => new ResponseError(ErrorCodes.InvalidParams, message);
const isInt = (x: unknown, lo: number, hi: number): boolean => typeof x === 'number' && Number.isInteger(x) && x >= lo && x <= hi;

export class Loop {
  constructor(
    private readonly ctx: ServerContext,
    private readonly training: Training,
    private readonly results: ResultsFiles,
  ) {}

  private space(id: unknown): SearchSpace {
    const space = typeof id === 'string' ? this.ctx.spaceById(id) : undefined;
    if (!space) throw invalid(`unknown search space ${JSON.stringify(id)}`);
    return space;
  }

  /** The space's labels, or a clear error when it has no results file or too few. */
  private labelsOf(space: SearchSpace, least: number): { target: string; file: string; labels: Map<string, number> } {
    const l = this.results.labels(space.id);
    if (!l.file) throw new ResponseError(5, `${space.title} has no results file: name one in the setting dele.resultsFiles, e.g. {"${space.id}": "results/${space.id}.csv"} (a CSV with arch and value columns, or JSON lines)`);
    if (!l.target || l.labels.size < least) {
      throw new ResponseError(5, `${path.basename(l.file)} holds ${l.labels.size} labelled architecture${l.labels.size === 1 ? '' : 's'}; an update needs at least ${least} (rows with problems are marked in the file)`);
    }
    return { target: l.target, file: l.file, labels: l.labels };
  }

  /** Step 1's pool and the experts: the bundled table, else the active predictor's data file, else a sample of the space. */
  private poolAndExperts(space: SearchSpace): { pool: PoolSpec; encoder: 'gates' | 'lstm'; experts?: string[] } {
    const info = this.ctx.predictors.forSpace(space.id)?.info;
    let meta;
    try {
      meta = info ? readSavedMeta(info.path) : undefined;
    } catch {
      meta = undefined;
    }
    const encoder = meta && space.encoders.includes(meta.model.encoder as 'gates') ? (meta.model.encoder as 'gates' | 'lstm') : space.encoders[0]!;
    const source = meta?.dataset.source;
    const sameData = (pool: PoolSpec): boolean => (pool.kind === 'bundled' ? source === `bundled:${space.id}` : pool.kind === 'file' && source === pool.path);
    const pool: PoolSpec = bundledSpaceIds().includes(space.id) ? { kind: 'bundled' } : source && fs.existsSync(source) ? { kind: 'file', path: source } : { kind: 'sample' };
    // The active predictor's experts when it was trained on the same data (the worker drops them if they are not its LF columns, e.g. structural ones).
    const experts = meta?.method === 'dele' && sameData(pool) ? meta.model.experts : undefined;
    return { pool, encoder, ...(experts ? { experts } : {}) };
  }

  async update(params: UpdatePredictorParams, token: CancellationToken): Promise<TrainResult> {
    const ctx = this.ctx;
    await ctx.ready;
    const space = this.space(params?.space);
    if (params.preset !== undefined && !['cpu', 'paper', 'tiny'].includes(params.preset)) throw invalid('preset must be cpu, paper or tiny');
    for (const k of ['pretrainEpochs', 'epochs'] as const) if (params[k] !== undefined && !isInt(params[k], k === 'epochs' ? 1 : 0, 10_000)) throw invalid(`${k} must be an integer up to 10,000`);
    const { target, file, labels } = this.labelsOf(space, 2);
    const { pool, encoder, experts } = this.poolAndExperts(space);
    const storage = ctx.init().storagePath;
    const job = (outDir: string): UpdateJob => ({
      space: space.id,
      ...(space.declaration !== undefined ? { declaration: space.declaration } : {}),
      pool,
      labels: [...labels],
      target,
      labelsSource: file,
      encoder,
      ...(experts ? { experts } : {}),
      preset: params.preset ?? 'cpu',
      ...(params.pretrainEpochs !== undefined ? { pretrainEpochs: params.pretrainEpochs } : {}),
      ...(params.epochs !== undefined ? { epochs: params.epochs } : {}),
      outDir,
      step1CacheDir: path.join(storage, 'step1-cache'),
      jobs: ctx.settings().trainingJobs,
      backend: 'auto',
    });
    const r = await this.training.inSlot(token, (slot, cancelledEarly) =>
      this.training.run(
        { space, title: 'DELE: updating predictor', detail: `${space.title} · ${labels.size} labels from ${path.basename(file)}`, start: (outDir) => ({ type: 'update', job: job(outDir) }), update: true },
        slot,
        cancelledEarly,
      ),
    );
    if (r.status === 'completed' && r.update) {
      const u = r.update;
      const cv = u.crossValidatedTau !== undefined ? `; ${u.folds}-fold cross-validated τ ${u.crossValidatedTau.toFixed(3)} (${u.crossValidationSeconds.toFixed(0)} s)` : '; too few labels to cross-validate (10 needed)';
      const step1 = u.step1Cached ? 'step 1 from the cache' : `step 1 on ${u.pool} in ${u.step1Seconds.toFixed(0)} s`;
      r.message = `updated from ${u.labelled} labels${u.outsidePool ? ` (${u.outsidePool} outside step 1's pool)` : ''}: ${step1}, step 2 in ${u.step2Seconds.toFixed(1)} s${cv}`;
    }
    return r;
  }

  async proposeBatch(params: ProposeBatchParams, token: CancellationToken): Promise<ProposeBatchResult> {
    const ctx = this.ctx;
    await ctx.ready;
    const space = this.space(params?.space);
    if (!isInt(params.k, 1, MAX_BATCH)) throw invalid(`k must be an integer from 1 to ${MAX_BATCH}`);
    const beta = params.beta ?? 1;
    if (typeof beta !== 'number' || !Number.isFinite(beta) || beta < 0) throw invalid('beta must be a number >= 0');
    const seed = params.seed ?? 0;
    if (!isInt(seed, 0, 2 ** 31 - 1)) throw invalid('seed must be a non-negative integer');
    const host = ctx.hostFor(space.id);
    if (host === 'stale') throw new ResponseError(5, `the ${space.title} predictor was trained before its space file changed: train or update it again`);
    const info = host?.info;
    if (!info) throw new ResponseError(5, `no predictor for ${space.title}: train one (DELE: Train Predictor…) or update one from results (DELE: Update Predictor)`);
    const labelled = [...this.results.labels(space.id).labels.keys()];
    const result = await this.inWorker(
      { type: 'proposeBatch', job: { predictorDir: info.path, backend: ctx.status().backend, k: params.k, beta, seed, budget: BATCH_BUDGET, labelled } },
      token,
    );
    return { ...result, spaceTitle: space.title, excluded: labelled.length, beta, unit: info.targetUnit };
  }

  /** A batch proposal in its own worker thread (cancelled with the request). */
  private inWorker(message: ToWorker, token: CancellationToken): Promise<Extract<FromWorker, { type: 'batch' }>['result']> {
    const worker = new Worker(this.ctx.workerScript(), { resourceLimits: { maxOldGenerationSizeMb: WORKER_HEAP_MB } });
    onCancel(token, () => worker.postMessage({ type: 'cancel' } satisfies ToWorker));
    return new Promise<Extract<FromWorker, { type: 'batch' }>['result']>((resolve, reject) => {
      worker.on('message', (m: FromWorker) => {
        if (m.type === 'batch') resolve(m.result);
        else if (m.type === 'error') reject(new ResponseError(5, m.message));
        else if (m.type === 'cancelled') reject(new ResponseError(-32800, 'cancelled'));
      });
      worker.on('error', (e) => reject(new ResponseError(5, workerFailure(e, 'batch proposal'))));
      worker.on('exit', (code) => reject(new ResponseError(5, `the batch proposal's worker exited (${code})`)));
      worker.postMessage(message);
    }).finally(() => void worker.terminate());
  }
}
