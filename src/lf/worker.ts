/**
 * An LF worker thread (bundled as dist/lfWorker.js): its own TF.js instance computes one architecture at a time,
 * so N workers use N cores (Node's wasm backend runs one thread).
 */
import { parentPort } from 'node:worker_threads';
import { type BackendChoice, initBackend } from '../runtime/backend';
import { computeArch } from './compute';
import { type ImageBatch, imageBatch } from './images';
import type { LfSettings } from './measures';
import { lfSpace } from './registry';
import type { FromLfWorker, ToLfWorker } from './workerProtocol';

const port = parentPort;
if (!port) throw new Error('lfWorker must run in a worker thread');
const post = (m: FromLfWorker): void => port.postMessage(m);
let settings: LfSettings | undefined;
let batch: ImageBatch | undefined;

port.on('message', (m: ToLfWorker) => {
  if (m.type === 'init') void init(m.settings, m.backend);
  else task(m);
});

async function init(s: LfSettings, backend: string): Promise<void> {
  settings = s;
  batch = imageBatch(s.batch, s.seed);
  post({ type: 'ready', backend: await initBackend(backend as BackendChoice), imagesFingerprint: batch.fingerprint });
}

function task(m: Extract<ToLfWorker, { type: 'task' }>): void {
  try {
    const space = lfSpace(m.space);
    if (!space || !settings || !batch) throw new Error(space ? 'worker not initialised' : `no LF network for space ${m.space}`);
    const b = batch;
    post({ type: 'result', id: m.id, result: computeArch(space, m.key, m.arch, m.measures, settings, () => b) });
  } catch (e) {
    post({ type: 'error', id: m.id, message: (e as Error).message ?? String(e) });
  }
}
