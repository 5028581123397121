/**
 * `dele/train`: checks the params, trains in a worker thread with cancellable work-done progress and epoch
 * notifications, checks that the result loads, keeps it in the space's predictor history and makes it active
 * unless it is worse than the active one (PredictorChoice decides). One training at a time.
 */
import * as fs from 'node:fs';
import { Worker } from 'node:worker_threads';
import { type CancellationToken, ErrorCodes, ResponseError, type WorkDoneProgressServerReporter } from 'vscode-languageserver/node';
import { Predictor } from '../predictor/predictor';
import { PredictorChangedNotification, TrainingEpochNotification, type TrainParams, type TrainResult } from '../protocol/lsp';
import { DEFAULT_SPACE_ID } from '../space/registry';
import type { SearchSpace } from '../space/types';
import { onCancel, type ServerContext } from './context';
import { trainParamsProblem } from './params';
import { PredictorChoice } from './predictorChoice';
import { type FromWorker, type ToWorker, WORKER_HEAP_MB, workerFailure } from './workerProtocol';

export interface TrainingSlot {
  worker?: Worker;
  cancel: () => void;
}

/** A training run in the worker: its space, progress title and detail, and the worker's start message. */
export interface TrainingJob {
  space: SearchSpace;
  title: string;
  detail: string;
  start: (outDir: string) => ToWorker;
  /** An update from the results file: made active unless it is measurably worse (see PredictorChoice.adoptTrained). */
  update: boolean;
}

export class Training {
  private slot?: TrainingSlot;
  /** The space's predictor history and which of its entries is active (also `dele/predictorHistory`, `dele/usePredictor`). */
  readonly choice: PredictorChoice;

  constructor(private readonly ctx: ServerContext) {
    this.choice = new PredictorChoice(ctx);
  }

  get running(): boolean {
    return this.slot !== undefined;
  }

  cancel(): void {
    this.slot?.cancel();
  }

  async train(params: TrainParams, token: CancellationToken): Promise<TrainResult> {
    const ctx = this.ctx;
    await ctx.ready;
    // Refuse unusable params before anything starts (no worker, no storage folder, the predictor untouched).
    const problem = trainParamsProblem(params, (id) => ctx.spaceById(id));
    if (problem) throw new ResponseError(ErrorCodes.InvalidParams, `invalid training parameters: ${problem}`);
    const space = ctx.spaceById(params.space ?? DEFAULT_SPACE_ID);
    if (!space) throw new ResponseError(4, `unknown search space "${params.space}"`);
    return this.inSlot(token, (slot, cancelledEarly) =>
      this.run(
        {
          space,
          title: 'DELE: training predictor',
          detail: `${space.title} · ${params.method} · ${params.encoder} · ${(params.trainRatio * 100).toFixed(1)}% ground truth`,
          start: (outDir) => ({ type: 'start', params: { ...params, space: space.id }, declaration: space.declaration, outDir, jobs: ctx.settings().trainingJobs }),
          update: false,
        },
        slot,
        cancelledEarly,
      ),
    );
  }

  /**
   * Runs `job` in the one training slot: a second request while one runs is refused. The slot is claimed before
   * the first await, so a request sent right after another is refused too.
   */
  async inSlot<R>(token: CancellationToken, job: (slot: TrainingSlot, cancelledEarly: () => boolean) => Promise<R>): Promise<R> {
    if (this.slot) throw new ResponseError(2, 'a training is already running');
    let cancelledEarly = false;
    const slot: TrainingSlot = { cancel: () => (cancelledEarly = true) };
    this.slot = slot;
    onCancel(token, () => slot.cancel());
    try {
      return await job(slot, () => cancelledEarly);
    } finally {
      this.slot = undefined;
      void this.ctx.connection.sendNotification(PredictorChangedNotification, this.ctx.status());
    }
  }

  /** The storage folder, writable, and a fresh folder in the space's history for the trained predictor. */
  private outDirFor(spaceId: string): string {
    const storagePath = this.ctx.init().storagePath;
    if (!storagePath) throw new ResponseError(3, 'no workspace storage to save a predictor in');
    try {
      fs.mkdirSync(storagePath, { recursive: true });
      fs.accessSync(storagePath, fs.constants.W_OK);
    } catch (e) {
      throw new ResponseError(3, `cannot write predictors to ${storagePath}: ${(e as Error).message}`);
    }
    return this.choice.incomingDir(spaceId);
  }

  /**
   * Trains in a worker with work-done progress; the result, when it loads, joins the space's history (and may become
   * active). Runs in a slot of `inSlot`, whose request token reaches the worker through `slot.cancel`.
   */
  async run(job: TrainingJob, slot: TrainingSlot, cancelledEarly: () => boolean): Promise<TrainResult> {
    const ctx = this.ctx;
    const outDir = this.outDirFor(job.space.id);
    const progress = await ctx.connection.window.createWorkDoneProgress();
    progress.begin(job.title, 0, job.detail, true);
    const worker = new Worker(ctx.workerScript(), { resourceLimits: { maxOldGenerationSizeMb: WORKER_HEAP_MB } });
    const cancel = (): void => worker.postMessage({ type: 'cancel' } satisfies ToWorker);
    slot.worker = worker;
    slot.cancel = cancel;
    if (cancelledEarly()) cancel();
    void ctx.connection.sendNotification(PredictorChangedNotification, ctx.status());
    progress.token.onCancellationRequested(cancel);
    const result = this.outcome(worker, progress);
    worker.postMessage(job.start(outDir));
    const r = await result;
    await worker.terminate();
    progress.done();
    if (r.status !== 'completed') {
      fs.rmSync(outDir, { recursive: true, force: true });
      if (r.status === 'failed') ctx.connection.console.error(`DELE training failed: ${r.message}`);
      return r;
    }
    return this.adopt(r, outDir, job.space, job.update);
  }

  /** The worker's result; its epochs go to the progress and to TrainingEpochNotification meanwhile. */
  private outcome(worker: Worker, progress: WorkDoneProgressServerReporter): Promise<TrainResult> {
    const connection = this.ctx.connection;
    return new Promise<TrainResult>((resolve) => {
      worker.on('message', (m: FromWorker) => {
        switch (m.type) {
          case 'backend':
            connection.console.info(`DELE training worker: backend ${m.name}`);
            break;
          case 'epoch': {
            const e = m.epoch;
            void connection.sendNotification(TrainingEpochNotification, e);
            const kt = e.monitorKendall !== undefined ? ` · τ ${e.monitorKendall.toFixed(3)}` : '';
            progress.report(`${e.phase === 'pretrain' ? 'step 1 (experts on LF)' : 'step 2 (ground truth)'} epoch ${e.epoch}/${e.epochs} · loss ${e.loss.toFixed(4)}${kt}`);
            break;
          }
          case 'done':
            resolve({ status: 'completed', message: `trained in ${m.seconds.toFixed(0)} s`, kendallTau: m.kendallTau, path: m.path, ...(m.update ? { update: m.update } : {}) });
            break;
          case 'cancelled':
            resolve({ status: 'cancelled', message: 'training cancelled; the previous predictor is still in use' });
            break;
          case 'error':
            resolve({ status: 'failed', message: m.message });
            break;
          case 'dataInfo':
          case 'scorerReady':
          case 'scores':
          case 'batch':
            // Only the data-info, scoring and batch workers send these.
            break;
        }
      });
      worker.on('error', (e) => {
        connection.console.error(`DELE training worker: ${e.stack ?? e.message}`);
        resolve({ status: 'failed', message: workerFailure(e, 'training') });
      });
      worker.on('exit', (code) => resolve({ status: 'failed', message: `training worker exited (${code})` }));
    });
  }

  /** A completed training: the new predictor must load before it joins the history (and maybe replaces the active one). */
  private adopt(result: TrainResult, outDir: string, space: SearchSpace, update: boolean): TrainResult {
    const ctx = this.ctx;
    try {
      Predictor.load(outDir).dispose();
    } catch (e) {
      fs.rmSync(outDir, { recursive: true, force: true });
      return { status: 'failed', message: `trained, but the result does not load (the previous predictor is kept): ${(e as Error).message}` };
    }
    const { path: kept, ...outcome } = this.choice.adoptTrained(space.id, outDir, update);
    result.path = kept;
    result.history = outcome;
    if (ctx.predictors.forSpace(space.id)?.info?.source === 'setting') {
      // dele.predictorPath wins for its space, now and after a restart: say so instead of switching.
      result.message += `; kept in the predictor history (${kept}), but dele.predictorPath points to the ${space.id} predictor in use: clear the setting to choose it`;
    } else if (outcome.replaced) {
      void ctx.refreshLenses();
    }
    ctx.connection.console.info(`DELE server: new ${space.id} predictor ${outcome.entry} (${outcome.comparison.text}): ${outcome.replaced ? 'active' : 'kept in the history'}`);
    return result;
  }
}
