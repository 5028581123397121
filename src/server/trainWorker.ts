/**
 * Worker thread that trains a predictor (or reads a data file, or scores a search's architectures), so the
 * language server's thread keeps answering CodeLens and hover requests. It has its own TF.js instance.
 */
import { parentPort } from 'node:worker_threads';
import { DataError } from '../data/dataset';
import { resolveSpace } from '../space/registry';
import { type BackendChoice, initBackend } from '../runtime/backend';
import { Predictor, trainPredictor } from '../predictor/predictor';
import { defaultTrainingJobs } from '../predictor/parallel';
import { scoreArchs, TrainingCancelled } from '../predictor/train';
import { runProposeBatch, runUpdate } from './loopJobs';
import { dataInfoOf, type FromWorker, loadRequestData, oneLine, type ToWorker } from './workerProtocol';

const port = parentPort;
if (!port) throw new Error('trainWorker must run in a worker thread');
const post = (m: FromWorker): void => port.postMessage(m);
const abort = new AbortController();

port.on('message', (m: ToWorker) => {
  if (m.type === 'cancel') abort.abort();
  else if (m.type === 'start') void run(m.params, m.outDir, m.declaration, m.jobs);
  else if (m.type === 'dataInfo') dataInfo(m.data, m.join, m.space, m.declaration);
  else if (m.type === 'scorer') void startScorer(m.predictorDir, m.backend);
  else if (m.type === 'score') score(m.id, m.archs);
  else if (m.type === 'update') void loopJob(() => runUpdate(m.job, { signal: abort.signal, monitorEvery: 0, onEpoch: (e) => post({ type: 'epoch', epoch: { ...e, elapsedSeconds: (Date.now() - started) / 1000 } }) }, post));
  else if (m.type === 'proposeBatch') void loopJob(() => runProposeBatch(m.job, abort.signal, post));
});

const started = Date.now();

/** Runs an update or a batch proposal; a cancel or failure becomes its message. */
async function loopJob(run: () => Promise<void>): Promise<void> {
  try {
    await run();
  } catch (e) {
    if (TrainingCancelled.is(e) || abort.signal.aborted) post({ type: 'cancelled' });
    else {
      if (!DataError.is(e)) console.error(`DELE worker: ${(e as Error).stack ?? String(e)}`);
      post({ type: 'error', message: DataError.is(e) ? e.message : oneLine(e) });
    }
  }
}

let scorer: Predictor | undefined;

/** Loads a search's predictor on the server's backend (so the scores are the server's, bit for bit). */
async function startScorer(dir: string, backend: string): Promise<void> {
  try {
    await initBackend(backend as BackendChoice);
    scorer = Predictor.load(dir);
    post({ type: 'scorerReady' });
  } catch (e) {
    post({ type: 'error', message: oneLine(e) });
  }
}

/** The predictor's scores of a batch of architectures, as PredictorHost.predict gives them. */
function score(id: number, archs: unknown[]): void {
  try {
    const p = scorer;
    if (!p) throw new Error('the scorer has no predictor');
    post({ type: 'scores', id, scores: Array.from(scoreArchs(p.model, archs.map((a) => p.space.features(a))).scores) });
  } catch (e) {
    post({ type: 'error', message: oneLine(e) });
  }
}

/** Reads a user's data file for `dele/dataInfo` (no TF.js backend needed). */
function dataInfo(data: string, join: string[], spaceId: string, declaration?: unknown): void {
  try {
    post({ type: 'dataInfo', result: dataInfoOf(loadRequestData(data, join, resolveSpace(spaceId, declaration))) });
  } catch (e) {
    if (!DataError.is(e)) console.error(`DELE data worker: ${(e as Error).stack ?? String(e)}`);
    post({ type: 'error', message: DataError.is(e) ? e.message : oneLine(e) });
  }
}

async function run(p: Extract<ToWorker, { type: 'start' }>['params'], outDir: string, declaration?: unknown, jobs?: number): Promise<void> {
  const t0 = Date.now();
  try {
    post({ type: 'backend', name: await initBackend('auto') });
    const space = resolveSpace(p.space ?? 'nb201', declaration);
    const ds = loadRequestData(p.data, p.join ?? [], space);
    const r = await trainPredictor(
      ds,
      {
        method: p.method,
        encoder: p.encoder,
        target: p.target,
        trainRatio: p.trainRatio,
        experts: p.method === 'vanilla' ? undefined : p.experts,
        preset: p.preset ?? 'cpu',
        seed: p.seed ?? 0,
        subsetSeed: p.subsetSeed,
        optim: {
          ...(p.epochs !== undefined ? { epochs: p.epochs } : {}),
          ...(p.pretrainEpochs !== undefined ? { pretrainEpochs: p.pretrainEpochs } : {}),
        },
        // Steps 1 and 2 in nested worker threads (expertWorker.js next to this bundle); same result with any count.
        jobs: jobs !== undefined && jobs > 0 ? jobs : defaultTrainingJobs(),
      },
      {
        signal: abort.signal,
        monitorEvery: 5,
        onEpoch: (e) => post({ type: 'epoch', epoch: { ...e, elapsedSeconds: (Date.now() - t0) / 1000 } }),
      },
    );
    r.predictor.save(outDir);
    r.predictor.dispose();
    post({ type: 'done', kendallTau: r.metrics.kendallTau, path: outDir, seconds: (Date.now() - t0) / 1000 });
  } catch (e) {
    if (TrainingCancelled.is(e)) post({ type: 'cancelled' });
    else {
      // One line for the user; the stack goes to the server's log (stderr).
      if (!DataError.is(e)) console.error(`DELE training worker: ${(e as Error).stack ?? String(e)}`);
      post({ type: 'error', message: DataError.is(e) ? e.message : oneLine(e) });
    }
  }
}
