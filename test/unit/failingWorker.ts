/**
 * The training worker (src/predictor/expertWorker.ts) with an injected fault for test/unit/parallel.test.ts: the
 * worker that has expert 0 in step 2 throws when it first arrives at the exchange, while the others wait there.
 */
import { parentPort } from 'node:worker_threads';

const port = parentPort;
if (!port) throw new Error('failingWorker must run in a worker thread');
const once = port.once.bind(port);
port.once = ((event: string, listener: (m: { type?: string; experts?: number[] }) => void) =>
  once(event, (m: { type?: string; experts?: number[] }) => {
    if (m.type === 'step2' && m.experts?.includes(0)) {
      Atomics.add = (): never => {
        throw new Error('injected failure at the step-2 exchange');
      };
    }
    listener(m);
  })) as typeof port.once;

// eslint-disable-next-line @typescript-eslint/no-require-imports
require('../../src/predictor/expertWorker');
