/**
 * A training worker thread (bundled as dist/expertWorker.js; see parallel.ts) with its own TF.js instance:
 * - 'start' (step 1): trains some of the experts on their LF columns, following step 1's shared random
 *   stream, reports each epoch's losses;
 * - 'step2': trains some of the networks on ground truth, exchanging scores with the other workers each step;
 * then sends the trained weights and optimiser state back.
 */
import { parentPort } from 'node:worker_threads';
import { Adam } from './adam';
import { initBackend, type BackendChoice } from '../runtime/backend';
import { EnsembleModel } from './model';
import { exportVars, type FromExpertWorker, importVars, sharedExchange, type ToExpertWorker, transferList } from './parallel';
import { Rng } from '../util/rng';
import { pretrainLoop, trainOnTruth } from './train';

const port = parentPort;
if (!port) throw new Error('expertWorker must run in a worker thread');
const post = (m: FromExpertWorker, transfer: ArrayBufferLike[] = []): void => port.postMessage(m, transfer as ArrayBuffer[]);

port.once('message', (m: ToExpertWorker) => {
  run(m).catch((e: Error) => post({ type: 'error', message: e.stack ?? e.message }));
});

async function run(m: ToExpertWorker): Promise<void> {
  await initBackend(m.backend as BackendChoice);
  const model = new EnsembleModel(m.config, 0);
  const opt = new Adam(m.adam);
  try {
    importVars(model, opt, m.vars);
    const rng = Rng.fromState(m.rng);
    const names = m.vars.map((v) => v.name);
    if (m.type === 'start') {
      await pretrainLoop(model, opt, m.archs, m.trainIdx, m.lfValues, m.optim, rng, new Set(m.experts), undefined, (losses) =>
        post({ type: 'epoch', losses }, [losses.losses.buffer, losses.has.buffer]),
      );
    } else {
      const share = { experts: m.experts, gate: m.gate, exchange: sharedExchange(m.shared, m.parties, model.numExperts, m.experts, m.gate) };
      const snapshots = new Set(m.snapshotEpochs);
      await trainOnTruth(model, opt, m.archs, m.gtIdx, m.truth, m.optim, rng, {
        onEpoch: (e) => {
          if (m.reportLoss) post({ type: 'step2-epoch', epoch: e.epoch, loss: e.loss });
          if (snapshots.has(e.epoch)) {
            const vars = exportVars(model, opt, names, false);
            post({ type: 'snapshot', epoch: e.epoch, vars }, transferList(vars));
          }
        },
      }, share);
    }
    const vars = exportVars(model, opt, names);
    post({ type: 'done', vars, rng: rng.state() }, transferList(vars));
  } finally {
    opt.dispose();
    model.dispose();
  }
}
