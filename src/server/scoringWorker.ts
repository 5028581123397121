/**
 * A search's predictor calls in a worker thread (trainWorker.js in its `scorer` role): the search itself (its
 * bookkeeping, a few ms per batch) stays on the server's thread, the predictions (~1 ms per NB301 architecture)
 * do not, so lenses, hovers and status are answered while a search runs. Same scores as PredictorHost.predict:
 * the same predictor on the same backend, and a prediction does not depend on the batch it is scored in.
 */
import { Worker } from 'node:worker_threads';
import { type FromWorker, type ToWorker, WORKER_HEAP_MB, workerFailure } from './workerProtocol';

export class ScoringWorker {
  private readonly worker: Worker;
  private readonly ready: Promise<void>;
  private readonly pending = new Map<number, { resolve: (scores: number[]) => void; reject: (e: Error) => void }>();
  private nextId = 0;
  private failure?: Error;

  /** Starts a worker that loads the predictor in `predictorDir` on `backend`. */
  constructor(workerScript: string, predictorDir: string, backend: string) {
    this.worker = new Worker(workerScript, { resourceLimits: { maxOldGenerationSizeMb: WORKER_HEAP_MB } });
    let started!: () => void;
    let failed!: (e: Error) => void;
    this.ready = new Promise((resolve, reject) => {
      started = resolve;
      failed = reject;
    });
    // A failure before the first score is awaited must not be an unhandled rejection.
    this.ready.catch(() => {});
    const fail = (e: Error): void => {
      this.failure ??= e;
      failed(e);
      for (const p of this.pending.values()) p.reject(e);
      this.pending.clear();
    };
    this.worker.on('message', (m: FromWorker) => {
      if (m.type === 'scorerReady') started();
      else if (m.type === 'scores') {
        this.pending.get(m.id)?.resolve(m.scores);
        this.pending.delete(m.id);
      } else if (m.type === 'error') fail(new Error(`the scoring worker failed: ${m.message}`));
    });
    this.worker.on('error', (e) => fail(new Error(workerFailure(e, 'scoring'))));
    this.worker.on('exit', (code) => fail(new Error(`the scoring worker exited (${code})`)));
    this.worker.postMessage({ type: 'scorer', predictorDir, backend } satisfies ToWorker);
  }

  /** Scores of `archs` (the predictor's `score`, higher = better), in their order. */
  async score(archs: unknown[]): Promise<number[]> {
    await this.ready;
    if (this.failure) throw this.failure;
    const id = this.nextId++;
    const scores = new Promise<number[]>((resolve, reject) => this.pending.set(id, { resolve, reject }));
    this.worker.postMessage({ type: 'score', id, archs } satisfies ToWorker);
    return scores;
  }

  dispose(): Promise<number> {
    return this.worker.terminate();
  }
}
