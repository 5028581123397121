/**
 * A running search leaves the server's event loop free: between two turns of the loop the server's thread
 * predicts at most SEARCH_SLICE architectures (an NB301 scorer call of 32 children used to run in one turn, and
 * requests waited for it; the search's predictor calls now run in a worker), and the proposals are the same as
 * those of the search scored on this thread in whole batches. Its own predictor host; no server, no files written.
 */
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { after, before } from 'node:test';
import type { CancellationToken, WorkDoneProgressServerReporter } from 'vscode-languageserver/node';
import { searchSpace } from '../../src/search';
import { initBackend } from '../../src/runtime/backend';
import { PredictorHost } from '../../src/server/predictorHost';
import { SEARCH_SLICE, SearchHost } from '../../src/server/searchHost';
import { describe, it, ROOT } from './lspClient';

const NB301_TINY = path.join(ROOT, 'test/fixtures/predictor-nb301-tiny');
const noCancel: CancellationToken = { isCancellationRequested: false, onCancellationRequested: () => ({ dispose() {} }) };
const progress = (): Promise<WorkDoneProgressServerReporter> =>
  Promise.resolve({ token: noCancel, begin() {}, report() {}, done() {} } as unknown as WorkDoneProgressServerReporter);

describe('search slices', () => {
  let host: PredictorHost;
  let backend: string;
  after(() => host.dispose());
  before(async () => {
    backend = await initBackend('auto');
    host = new PredictorHost();
    host.load('bundled', NB301_TINY);
    await host.whenTableReady();
  });

  it(`predicts at most SEARCH_SLICE (${SEARCH_SLICE}) architectures per turn of the event loop, with the same proposals`, async () => {
    const space = host.space;
    assert.ok(space);
    // Architectures scored since the event loop's last turn (a chain of immediates runs once per turn).
    let sinceTurn = 0;
    let most = 0;
    let turning = true;
    const turn = (): void => {
      sinceTurn = 0;
      if (turning) setImmediate(turn);
    };
    setImmediate(turn);
    const predict = host.predict.bind(host);
    host.predict = (archs) => {
      sinceTurn += archs.length;
      most = Math.max(most, sinceTurn);
      return predict(archs);
    };
    const job = { space, host, top: 5, budget: 400, seed: 7, exclude: new Set<string>(), trueValue: () => undefined, backend };
    let r;
    try {
      r = await new SearchHost(path.join(ROOT, 'dist/trainWorker.js')).run(job, progress, noCancel);
    } finally {
      turning = false;
      host.predict = predict;
    }
    assert.equal(r.evaluated, 400);
    assert.ok(most <= SEARCH_SLICE, `${most} architectures scored in one turn of the event loop`);
    // The same search scored in whole batches by a fresh host (no cached predictions) proposes the same architectures with the same scores.
    const fresh = new PredictorHost();
    fresh.load('bundled', NB301_TINY);
    try {
      const whole = await searchSpace(space, (archs) => fresh.predict(archs).map((p) => p.score), { top: 5, budget: 400, seed: 7 });
      assert.deepEqual(r.proposals.map((p) => p.arch), whole.proposals.map((p) => p.key));
      assert.deepEqual(r.proposals.map((p) => p.predicted), fresh.predict(whole.proposals.map((p) => p.arch)).map((p) => p.accuracy));
    } finally {
      fresh.dispose();
    }
  });
});
