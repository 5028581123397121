/**
 * A step-1 worker thread (bundled as dist/expertWorker.js; see parallel.ts): its own TF.js instance trains some
 * of the experts on their LF columns, following step 1's shared random stream, reports each epoch's losses
 * and sends the trained weights and optimiser state back.
 */
import { parentPort } from 'node:worker_threads';
import { Adam } from './adam';
import { initBackend, type BackendChoice } from './backend';
import { EnsembleModel } from './model';
import type { FromExpertWorker, ToExpertWorker, VarData } from './parallel';
import { Rng } from './rng';
import { pretrainLoop } from './train';
import * as tf from '@tensorflow/tfjs-core';

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
    for (const d of m.vars) {
      const v = model.params.vars.get(d.name);
      if (!v) throw new Error(`unknown variable ${d.name}`);
      const t = tf.tensor(d.data, v.shape);
      v.assign(t);
      t.dispose();
      if (d.adam) opt.importState(v, d.adam);
    }
    const rng = Rng.fromState(m.rng);
    await pretrainLoop(model, opt, m.archs, m.trainIdx, m.lfValues, m.optim, rng, new Set(m.experts), undefined, (losses) =>
      post({ type: 'epoch', losses }, [losses.losses.buffer, losses.has.buffer]),
    );
    const vars: VarData[] = m.vars.map(({ name }) => {
      const v = model.params.vars.get(name)!;
      const adam = opt.exportState(v);
      return { name, data: (v.dataSync() as Float32Array).slice(), ...(adam ? { adam } : {}) };
    });
    post({ type: 'done', vars, rng: rng.state() }, vars.flatMap((v) => [v.data.buffer, ...(v.adam ? [v.adam.m.buffer, v.adam.v.buffer] : [])]));
  } finally {
    opt.dispose();
    model.dispose();
  }
}
