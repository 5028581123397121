import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, before } from 'node:test';
import type { CodeLens } from 'vscode-languageserver-protocol';
import type { PredictorHistoryResult, StatusResult, TrainResult, UsePredictorResult } from '../../src/protocol/lsp';
import { describe, it, startSession, type TestSession, TINY_PREDICTOR, TINY_TRAINING } from './lspClient';

const CELL = '|nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+|skip_connect~0|nor_conv_3x3~1|nor_conv_3x3~2|';
const URI = 'file:///ws/history.py';
/** The tiny bundled fixture's held-out tau (NB201, c10_test_200ep, split seed 0). */
const BUNDLED_TAU = JSON.parse(fs.readFileSync(path.join(TINY_PREDICTOR, 'model.json'), 'utf8')).metrics.kendallTau as number;
/** Two epochs on 2% of the ground truth: worse than the bundled fixture on the same held-out split. */
const WORSE = { ...TINY_TRAINING, epochs: 2 };
/** Twenty epochs: better than WORSE on the same split. */
const BETTER_THAN_WORSE = { ...TINY_TRAINING, epochs: 20, subsetSeed: 2 };

describe('predictor history: nothing trained is lost, a worse predictor is proposed, not swapped in', () => {
  let s: TestSession;
  before(async () => {
    s = await startSession();
    await s.setText(URI, `A = "${CELL}"\n`);
  });
  after(async () => {
    await s.close();
  });

  const status = async (): Promise<StatusResult> => (await s.client.sendRequest('dele/status')) as StatusResult;
  const historyOf = async (): Promise<PredictorHistoryResult> => (await s.client.sendRequest('dele/predictorHistory', { space: 'nb201' })) as PredictorHistoryResult;
  const entries = async (): Promise<PredictorHistoryResult['spaces'][number]['entries']> => (await historyOf()).spaces[0]?.entries ?? [];
  const workspaceModel = (): string => path.join(s.storage, 'predictors', 'nb201', 'model.json');
  /** As on a fresh workspace: no history, no trained predictor, the bundled one active. */
  const freshWorkspace = async (): Promise<void> => {
    fs.rmSync(path.join(s.storage, 'predictors'), { recursive: true, force: true });
    fs.rmSync(path.join(s.storage, 'predictor-history'), { recursive: true, force: true });
    await s.reloadPredictors();
    assert.equal((await status()).predictor?.source, 'bundled');
  };
  const train = async (params: typeof TINY_TRAINING): Promise<TrainResult & Required<Pick<TrainResult, 'history'>>> => {
    const r = (await s.client.sendRequest('dele/train', params)) as TrainResult;
    assert.equal(r.status, 'completed', r.message);
    assert.ok(r.history, 'a completed training reports its history entry');
    return r as TrainResult & Required<Pick<TrainResult, 'history'>>;
  };

  it('keeps a worse training in the history and proposes it; the bundled predictor stays active', async () => {
    await freshWorkspace();
    const r = await train(WORSE);
    assert.ok((r.kendallTau ?? 1) < BUNDLED_TAU, `${r.kendallTau} should be below the fixture's ${BUNDLED_TAU}`);
    assert.equal(r.history.replaced, false);
    assert.equal(r.history.ask, true);
    assert.equal(r.history.comparison.verdict, 'worse');
    assert.match(r.history.comparison.text, /^held-out τ 0\.\d{3} vs held-out τ 0\.790 of the bundled predictor$/);
    assert.equal((await status()).predictor?.source, 'bundled');
    assert.ok(!fs.existsSync(workspaceModel()), 'the workspace predictor folder is untouched');
    const list = await entries();
    assert.deepEqual(
      list.map((e) => [e.kind, e.active]),
      [
        ['trained', false],
        ['bundled', true],
      ],
    );
    const trained = list[0];
    assert.equal(trained?.id, r.history.entry);
    assert.equal(trained?.trainRatio, 0.02);
    assert.equal(trained?.metric.kendallTau, r.kendallTau);
    assert.ok(fs.existsSync(path.join(s.storage, 'predictor-history', 'nb201', r.history.entry, 'weights.bin')));
  });

  it('uses a proposed predictor when asked to: lenses follow, and so does a restart', async () => {
    await freshWorkspace();
    const r = await train(WORSE);
    const refreshes = s.refreshes;
    const used = (await s.client.sendRequest('dele/usePredictor', { space: 'nb201', entry: r.history.entry })) as UsePredictorResult;
    assert.equal(used.status.predictor?.source, 'workspace');
    assert.equal(used.status.predictor?.kendallTau, r.kendallTau);
    assert.ok(s.refreshes > refreshes, 'lenses are refreshed');
    assert.ok(fs.existsSync(workspaceModel()));
    const lenses = (await s.client.sendRequest('textDocument/codeLens', { textDocument: { uri: URI } })) as CodeLens[];
    assert.match(lenses[0]?.command?.title ?? '', /top-2 experts/, 'the lens uses the two-expert predictor');
    await s.reloadPredictors();
    assert.equal((await status()).predictor?.kendallTau, r.kendallTau, 'still active after the predictors load again as at start-up');
    assert.deepEqual(
      (await entries()).map((e) => e.active),
      [true, false],
    );
  });

  it('replaces the active predictor with a better one, and rolls back to an older entry and to the bundled one', async () => {
    await freshWorkspace();
    const worse = await train(WORSE);
    await s.client.sendRequest('dele/usePredictor', { space: 'nb201', entry: worse.history.entry });
    const better = await train(BETTER_THAN_WORSE);
    assert.equal(better.history.comparison.verdict, 'better', better.history.comparison.text);
    assert.equal(better.history.replaced, true);
    assert.equal(better.history.ask, false);
    assert.equal((await status()).predictor?.kendallTau, better.kendallTau);
    assert.deepEqual(
      (await entries()).map((e) => [e.id, e.active]),
      [
        [better.history.entry, true],
        [worse.history.entry, false],
        ['bundled', false],
      ],
    );
    await s.client.sendRequest('dele/usePredictor', { space: 'nb201', entry: worse.history.entry });
    assert.equal((await status()).predictor?.kendallTau, worse.kendallTau);
    const back = (await s.client.sendRequest('dele/usePredictor', { space: 'nb201', entry: 'bundled' })) as UsePredictorResult;
    assert.equal(back.status.predictor?.source, 'bundled');
    assert.ok(!fs.existsSync(workspaceModel()), 'the bundled choice leaves no workspace predictor to load at start-up');
    await s.reloadPredictors();
    assert.equal((await status()).predictor?.source, 'bundled', 'the rollback survives a reload');
    assert.equal((await entries()).length, 3, 'rolling back deletes nothing from the history');
  });

  it('keeps a workspace predictor trained before the history existed when it is replaced', async () => {
    await freshWorkspace();
    fs.mkdirSync(path.dirname(workspaceModel()), { recursive: true });
    fs.cpSync(TINY_PREDICTOR, path.dirname(workspaceModel()), { recursive: true });
    await s.reloadPredictors();
    assert.equal((await status()).predictor?.source, 'workspace');
    await s.client.sendRequest('dele/usePredictor', { space: 'nb201', entry: 'bundled' });
    const list = await entries();
    assert.deepEqual(
      list.map((e) => e.kind),
      ['trained', 'bundled'],
    );
    assert.equal(list[0]?.metric.kendallTau, BUNDLED_TAU);
  });

  it('refuses an unknown entry with a readable error and changes nothing', async () => {
    await freshWorkspace();
    await assert.rejects(s.client.sendRequest('dele/usePredictor', { space: 'nb201', entry: '../../predictors' }), /no predictor "\.\.\/\.\.\/predictors" in the nb201 history/);
    await assert.rejects(s.client.sendRequest('dele/usePredictor', { space: 'nb301', entry: 'bundled' }), /no bundled predictor for nb301/);
    assert.equal((await status()).predictor?.source, 'bundled');
  });
});
