import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, before } from 'node:test';
import { type CodeLens, CancellationTokenSource, type Hover } from 'vscode-languageserver-protocol';
import type { RankingsResult, StatusResult, TrainResult } from '../../src/protocol/lsp';
import { describe, it, startSession, type TestSession, TINY_TRAINING } from './lspClient';
import { at } from '../unit/at';

const BEST = '|nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+|skip_connect~0|nor_conv_3x3~1|nor_conv_3x3~2|';
const POOR = '|avg_pool_3x3~0|+|skip_connect~0|avg_pool_3x3~1|+|avg_pool_3x3~0|skip_connect~1|skip_connect~2|';
const BAD = '|nor_conv_3x3~0|+|nor_conv_3x3~0|conv_7x7~1|+|none~0|none~1|none~2|';
const PY = `CANDIDATES = [\n    "${BEST}",\n    "${POOR}",\n    "${BAD}",\n]\n`;
/** PY with its invalid cell fixed (its node 3 has only `none` inputs). */
const FIXED = PY.replace('conv_7x7', 'nor_conv_1x1');
const URI = 'file:///ws/search.py';
const LENS_RE = /^pred \d+\.\d%( · rank [\d,]+ of 15,625)? · top-3 experts \(gate weight\): (12-epoch accuracy \(CIFAR-10 valid\)|SynFlow \(CIFAR-10\)|Jacobian covariance \(CIFAR-10\)) 0\.\d\d, (12-epoch accuracy \(CIFAR-10 valid\)|SynFlow \(CIFAR-10\)|Jacobian covariance \(CIFAR-10\)) 0\.\d\d, (12-epoch accuracy \(CIFAR-10 valid\)|SynFlow \(CIFAR-10\)|Jacobian covariance \(CIFAR-10\)) 0\.\d\d$/;

describe('language server over LSP', () => {
  let s: TestSession;

  before(async () => {
    s = await startSession();
    s.open(URI, PY);
  });
  after(async () => {
    await s.close();
  });

  // Every test establishes the state it depends on (each helper is a no-op when the state already holds), so
  // each passes alone and in any order: `npm run test:server:isolated`.
  /** The bundled predictor, as at start-up: forgets a predictor trained in this session. */
  const useBundledPredictor = async (): Promise<void> => {
    const predictors = path.join(s.storage, 'predictors');
    const st = (await s.client.sendRequest('dele/status')) as StatusResult;
    if (st.predictor?.source === 'bundled' && !fs.existsSync(predictors)) return;
    fs.rmSync(predictors, { recursive: true, force: true });
    await s.reloadPredictors();
    assert.equal(((await s.client.sendRequest('dele/status')) as StatusResult).predictor?.source, 'bundled');
  };
  const lensesOn = (): Promise<void> => s.updateSettings({ codeLens: { enabled: true } });

  it('gives one CodeLens per valid architecture with a prediction and the top gate weights', async () => {
    await s.setText(URI, PY);
    await useBundledPredictor();
    await lensesOn();
    const lenses = (await s.client.sendRequest('textDocument/codeLens', { textDocument: { uri: URI } })) as CodeLens[];
    assert.equal(lenses.length, 2);
    for (const l of lenses) assert.match(l.command?.title ?? '', LENS_RE);
    assert.deepEqual(at(lenses, 0).range.start, { line: 1, character: 5 });
    const acc = lenses.map((l) => Number(/pred ([\d.]+)%/.exec(l.command?.title ?? '')?.[1]));
    assert.ok(at(acc, 0) > at(acc, 1), `best ${at(acc, 0)} vs poor ${at(acc, 1)}`);
  });

  it('publishes a diagnostic at the exact range of an unknown op', async () => {
    await s.setText(URI, PY);
    const d = await s.waitFor(() => s.diagnostics.get(URI));
    assert.equal(d.length, 1);
    assert.match(at(d, 0).message, /unknown op "conv_7x7"/);
    const col = at(PY.split('\n'), 3).indexOf('conv_7x7');
    assert.deepEqual(at(d, 0).range, { start: { line: 3, character: col }, end: { line: 3, character: col + 'conv_7x7'.length } });
    assert.equal(at(d, 0).severity, 1);
  });

  it('hover shows every expert, the rank percentile and the benchmark value', async () => {
    await s.setText(URI, PY);
    await useBundledPredictor();
    await s.server.whenIdle();
    const h = (await s.client.sendRequest('textDocument/hover', { textDocument: { uri: URI }, position: { line: 1, character: 20 } })) as Hover;
    const md = (h.contents as { value: string }).value;
    assert.match(md, /predicted c10_test_200ep \(calibrated\): \*\*\d+\.\d\d%\*\*/);
    assert.match(md, /better than \d+\.\d% of all 15,625 NAS-Bench-201 architectures/);
    assert.match(md, /NAS-Bench-201 benchmark c10_test_200ep: 94\.36/); // benchmark value of this cell (94.3633)
    assert.equal((md.match(/^\| .+ `(c10valid_xvalid_12ep|zc_c10_synflow|zc_c10_jacov)` \|/gm) ?? []).length, 3);
    const none = await s.client.sendRequest('textDocument/hover', { textDocument: { uri: URI }, position: { line: 0, character: 2 } });
    assert.equal(none, null);
  });

  it('follows edits: the fixed cell loses its error, gets a lens and an unreachable-output note', async () => {
    await s.setText(URI, PY);
    await lensesOn();
    assert.ok(s.diagnostics.get(URI)?.some((x) => x.severity === 1), 'the unedited document has an error');
    await s.setText(URI, FIXED);
    const d = await s.waitFor(() => {
      const cur = s.diagnostics.get(URI);
      return cur && cur.every((x) => x.severity !== 1) ? cur : undefined;
    });
    // node 3 of the fixed cell has only `none` inputs: the output is unreachable.
    assert.equal(d.length, 1);
    assert.equal(at(d, 0).severity, 3);
    assert.match(at(d, 0).message, /no path from the input to the output/);
    const lenses = (await s.client.sendRequest('textDocument/codeLens', { textDocument: { uri: URI } })) as CodeLens[];
    assert.equal(lenses.length, 3);
  });

  it('reports status, and rankings for the panel', async () => {
    await s.setText(URI, FIXED); // three valid cells
    await useBundledPredictor();
    await s.server.whenIdle(); // the top-20 and mean gate weights come from the predictor's all-cells table
    const st = (await s.client.sendRequest('dele/status')) as StatusResult;
    assert.equal(st.predictor?.source, 'bundled');
    assert.deepEqual(st.predictor?.experts, ['c10valid_xvalid_12ep', 'zc_c10_synflow', 'zc_c10_jacov']);
    assert.match(st.backend, /^(wasm|tensorflow|cpu)$/);
    const r = (await s.client.sendRequest('dele/rankings', {})) as RankingsResult;
    assert.equal(r.workspace.length, 3);
    assert.ok(at(r.workspace, 0).predicted >= at(r.workspace, 2).predicted);
    assert.equal(at(r.workspace, 0).location?.uri, URI);
    assert.equal(r.benchmarkTop.length, 20);
    assert.ok(Math.abs(r.meanGateWeights.reduce((a, w) => a + w.weight, 0) - 1) < 1e-3);
    assert.ok(r.scatter.length > 300);
    assert.match(r.scatterLabel, /held-out NAS-Bench-201 architectures, target c10_test_200ep/);
    assert.equal(r.referenceLabel, 'all 15,625 NAS-Bench-201 architectures');
  });

  it('explains bad data files in dataInfo', async () => {
    const bad = path.join(s.storage, 'bad.csv');
    fs.writeFileSync(bad, 'arch,acc\n|x~0|,1\n');
    await assert.rejects(s.client.sendRequest('dele/dataInfo', { data: bad }), /bad.csv:2: invalid architecture/);
    const info = (await s.client.sendRequest('dele/dataInfo', { data: 'bundled' })) as { archCount: number; defaultExperts: string[] };
    assert.equal(info.archCount, 15625);
    assert.equal(info.defaultExperts.length, 12);
  });

  it('cancel keeps the previous predictor', async () => {
    await useBundledPredictor();
    const before = s.notifications.length;
    const pending = s.client.sendRequest('dele/train', { data: 'bundled', target: 'c10_test_200ep', method: 'dele', encoder: 'gates', trainRatio: 0.02, preset: 'tiny', experts: ['zc_c10_synflow', 'zc_c10_jacov'], pretrainEpochs: 50, epochs: 20 }) as Promise<TrainResult>;
    await s.waitFor(() => s.notifications.slice(before).some((n) => n.method === 'dele/trainingEpoch'));
    void s.client.sendNotification('dele/cancelTraining');
    const r = await pending;
    assert.equal(r.status, 'cancelled');
    const st = (await s.client.sendRequest('dele/status')) as StatusResult;
    assert.equal(st.predictor?.source, 'bundled');
    assert.equal(st.training, false);
    assert.ok(!fs.existsSync(path.join(s.storage, 'predictors', 'nb201')));
  });

  it('cancelling the request itself (its token) cancels the training too, before or after the worker started', async () => {
    await useBundledPredictor();
    const params = { data: 'bundled', target: 'c10_test_200ep', method: 'dele', encoder: 'gates', trainRatio: 0.02, preset: 'tiny', experts: ['zc_c10_synflow', 'zc_c10_jacov'], pretrainEpochs: 50, epochs: 20 };
    const before = s.notifications.length;
    const running = new CancellationTokenSource();
    const pending = s.client.sendRequest('dele/train', params, running.token) as Promise<TrainResult>;
    await s.waitFor(() => s.notifications.slice(before).some((n) => n.method === 'dele/trainingEpoch'));
    running.cancel();
    assert.equal((await pending).status, 'cancelled');
    const early = new CancellationTokenSource();
    const at0 = s.client.sendRequest('dele/train', params, early.token) as Promise<TrainResult>;
    early.cancel();
    assert.equal((await at0).status, 'cancelled');
    const st = (await s.client.sendRequest('dele/status')) as StatusResult;
    assert.equal(st.predictor?.source, 'bundled');
    assert.equal(st.training, false);
  });

  it('trains a predictor in a worker with progress, swaps it in once confirmed and refreshes the lenses', async () => {
    await s.setText(URI, PY);
    await lensesOn();
    const refreshes = s.refreshes;
    const r = (await s.client.sendRequest('dele/train', { ...TINY_TRAINING, epochs: 20, subsetSeed: 2 })) as TrainResult;
    assert.equal(r.status, 'completed', r.message);
    // Worse than the bundled fixture on the same held-out split: proposed, and swapped in by dele/usePredictor.
    assert.equal(r.history?.ask, true, r.history?.comparison.text);
    await s.client.sendRequest('dele/usePredictor', { space: 'nb201', entry: r.history?.entry });
    assert.equal(JSON.parse(fs.readFileSync(path.join(s.storage, 'predictors', 'nb201', 'model.json'), 'utf8')).subsetSeed, 2, 'the subset seed reaches the trainer');
    assert.ok((r.kendallTau ?? 0) > 0.3, String(r.kendallTau));
    assert.ok(fs.existsSync(path.join(s.storage, 'predictors', 'nb201', 'model.json')));
    assert.ok(s.refreshes > refreshes);
    const kinds = s.progress.map((p) => (p as { value: { kind: string } }).value.kind);
    assert.ok(kinds.includes('begin') && kinds.includes('report') && kinds.includes('end'));
    const st = (await s.client.sendRequest('dele/status')) as StatusResult;
    assert.equal(st.predictor?.source, 'workspace');
    assert.deepEqual(st.predictor?.experts, ['zc_c10_synflow', 'zc_c10_jacov']);
    const lenses = (await s.client.sendRequest('textDocument/codeLens', { textDocument: { uri: URI } })) as CodeLens[];
    assert.match(at(lenses, 0).command?.title ?? '', /^pred \d+\.\d%( · rank [\d,]+ of 15,625)? · top-2 experts \(gate weight\): (SynFlow|Jacobian covariance) \(CIFAR-10\) 0\.\d\d, (SynFlow|Jacobian covariance) \(CIFAR-10\) 0\.\d\d$/);
  });

  it('turns lenses off through the setting', async () => {
    await s.setText(URI, PY);
    await lensesOn();
    const codeLens = async (): Promise<CodeLens[]> => (await s.client.sendRequest('textDocument/codeLens', { textDocument: { uri: URI } })) as CodeLens[];
    assert.equal((await codeLens()).length, 2, 'lenses while the setting is on');
    try {
      // Resolves once the server has applied the setting (it refreshes the lenses).
      await s.updateSettings({ codeLens: { enabled: false } });
      assert.equal((await codeLens()).length, 0);
    } finally {
      await lensesOn();
    }
  });
});
