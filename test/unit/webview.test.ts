/**
 * The predictor panel's data shaping (webview/model.ts), without a DOM: table cells, chart series, the header
 * line, the space selector and the message reducer that webview/main.ts draws from.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { PredictorInfo, RankedArch, RankingsResult, SearchResponse, StatusResult, TrainingEpoch } from '../../src/protocol/lsp';
import {
  applyMessage,
  archGateBars,
  benchmarkTitle,
  curveSeries,
  emptyTableText,
  firstArch,
  fmt,
  meanGateBars,
  predictorLine,
  proposalsNote,
  rowCells,
  type SavedState,
  scatterPoints,
  spaceSelector,
  TABLE_HEAD,
} from '../../webview/model';
import { at } from './at';

const ranked = (arch: string, over: Partial<RankedArch> = {}): RankedArch => ({
  arch,
  predicted: 93.456,
  experts: [
    { name: 'snip', weight: 0.25, score: 0 },
    { name: 'jacov', weight: 0.75, score: 0 },
  ],
  ...over,
});

function predictor(space: string, over: Partial<PredictorInfo> = {}): PredictorInfo {
  return {
    source: 'bundled',
    path: '/p',
    space,
    spaceTitle: space.toUpperCase(),
    targetUnit: '%',
    dataSource: `bundled:${space}`,
    reference: { kind: 'all', size: 10 },
    method: 'dele',
    encoder: 'gates',
    target: 'c10',
    experts: ['snip', 'jacov'],
    trainRatio: 0.01,
    kendallTau: 0.71234,
    createdAt: '',
    ...over,
  };
}

const status = (predictors: PredictorInfo[], over: Partial<StatusResult> = {}): StatusResult => ({ predictor: predictors[0] ?? null, predictors, backend: 'wasm', training: false, ...over });

function rankings(over: Partial<RankingsResult> = {}): RankingsResult {
  return {
    predictor: predictor('nb201'),
    workspace: [],
    benchmarkTop: [],
    referenceLabel: 'all 15,625 NAS-Bench-201 architectures',
    meanGateWeights: [
      { name: 'a', weight: 0.1 },
      { name: 'b', weight: 0.6 },
      { name: 'c', weight: 0.3 },
    ],
    scatter: [{ predicted: 90, true: 91 }],
    scatterLabel: 'held out',
    ...over,
  };
}

const epoch = (phase: 'pretrain' | 'train', loss: number, monitorKendall?: number): TrainingEpoch => ({
  phase,
  epoch: 1,
  epochs: 1,
  loss,
  elapsedSeconds: 0,
  ...(monitorKendall !== undefined ? { monitorKendall } : {}),
});

describe('webview model: tables', () => {
  it('formats numbers with a dash for missing and non-finite values', () => {
    assert.equal(fmt(1.23456), '1.23');
    assert.equal(fmt(1.25, 1), '1.3');
    assert.equal(fmt(undefined), '–');
    assert.equal(fmt(Number.NaN), '–');
    assert.equal(fmt(Number.POSITIVE_INFINITY, 3), '–');
  });

  it('a row: 1-based rank, the text shown, predicted, percentile (1 decimal), benchmark, top expert', () => {
    assert.equal(TABLE_HEAD.length, 6);
    assert.deepEqual(rowCells(ranked('A', { percentile: 99.26, trueAccuracy: 94.1 }), 0), ['1', 'A', '93.46', '99.3', '94.10', 'jacov 0.75']);
    assert.deepEqual(rowCells(ranked('A', { experts: [] }), 4, 'shown text'), ['5', 'shown text', '93.46', '–', '–', '–']);
    for (const row of [rowCells(ranked('A'), 0)]) assert.equal(row.length, TABLE_HEAD.length);
  });

  it('empty tables and the proposals note say why', () => {
    assert.equal(emptyTableText(true), 'No architectures in open documents.');
    assert.equal(emptyTableText(false), 'Computing…');
    assert.equal(proposalsNote(undefined), 'No proposals yet. Run “DELE: Propose Top Architectures…”.');
    const r = { spaceTitle: 'NB201', message: 'searched 10' } as SearchResponse;
    assert.equal(proposalsNote(r), 'NB201: searched 10. Click a row to insert it at the cursor.');
  });
});

describe('webview model: charts', () => {
  it('training curve: x is the epoch index over both steps; τ only where measured', () => {
    const s = curveSeries([epoch('pretrain', 3), epoch('pretrain', 2), epoch('train', 1, 0.5), epoch('train', 0.5), epoch('train', 0.25, 0.6)]);
    assert.deepEqual(s.pretrain, [
      { x: 1, y: 3 },
      { x: 2, y: 2 },
    ]);
    assert.deepEqual(s.train, [
      { x: 3, y: 1 },
      { x: 4, y: 0.5 },
      { x: 5, y: 0.25 },
    ]);
    assert.deepEqual(s.tau, [
      { x: 3, y: 0.5 },
      { x: 5, y: 0.6 },
    ]);
    assert.deepEqual(curveSeries([]), { pretrain: [], train: [], tau: [] });
  });

  it('gate bars are sorted by weight, highest first, without reordering the input', () => {
    const r = ranked('A');
    assert.deepEqual(archGateBars(r), { labels: ['jacov', 'snip'], data: [0.75, 0.25] });
    assert.equal(r.experts[0]?.name, 'snip');
    const rk = rankings();
    assert.deepEqual(meanGateBars(rk), { labels: ['b', 'c', 'a'], data: [0.6, 0.3, 0.1] });
    assert.equal(rk.meanGateWeights[0]?.name, 'a');
  });

  it('experts show the display names the server sent, in the bars and the table', () => {
    const display = (label: string) => ({ label, description: '' });
    const r = ranked('A', { experts: [{ name: 'zc_c10_jacov', weight: 0.75, score: 1, display: display('Jacobian covariance (CIFAR-10)') }, { name: 'plain_col', weight: 0.25, score: 0 }] });
    assert.deepEqual(archGateBars(r).labels, ['Jacobian covariance (CIFAR-10)', 'plain_col']);
    assert.equal(rowCells(r, 0)[5], 'Jacobian covariance (CIFAR-10) 0.75');
    const rk = { ...rankings(), meanGateWeights: [{ name: 'c10valid_xvalid_12ep', weight: 1, display: display('12-epoch accuracy (CIFAR-10 valid)') }] };
    assert.deepEqual(meanGateBars(rk).labels, ['12-epoch accuracy (CIFAR-10 valid)']);
  });

  it('scatter: benchmark on x, predicted on y; titles and the first architecture shown', () => {
    assert.deepEqual(scatterPoints(rankings()), [{ x: 91, y: 90 }]);
    assert.equal(benchmarkTitle(rankings()), 'Top predicted of all 15,625 NAS-Bench-201 architectures');
    assert.equal(benchmarkTitle(rankings({ referenceLabel: '' })), 'Top predicted of the space');
    const w = ranked('W');
    const b = ranked('B');
    assert.equal(firstArch(rankings({ workspace: [w], benchmarkTop: [b] })), w);
    assert.equal(firstArch(rankings({ benchmarkTop: [b] })), b);
    assert.equal(firstArch(rankings()), undefined);
  });
});

describe('webview model: header and space selector', () => {
  it('describes the predictor the rankings are for, else the primary one', () => {
    const nb = predictor('nb201');
    const tnb = predictor('tnb', { spaceTitle: 'TNB', source: 'workspace', kendallTau: undefined });
    assert.equal(predictorLine({ epochs: [] }), 'no predictor loaded');
    assert.equal(
      predictorLine({ epochs: [], status: status([nb, tnb], { training: true }) }),
      'NB201 · dele · gates · 2 experts · bundled · target c10 · held-out τ 0.712 · backend wasm · training…',
    );
    assert.equal(
      predictorLine({ epochs: [], status: status([nb, tnb]), rankings: rankings({ predictor: tnb }) }),
      'TNB · dele · gates · 2 experts · workspace · target c10 · held-out τ – · backend wasm',
    );
    // Rankings without a predictor: none is shown, even if the status has a primary one.
    assert.equal(predictorLine({ epochs: [], status: status([nb]), rankings: rankings({ predictor: null }) }), 'no predictor loaded');
  });

  it('one option per loaded predictor, the shown one selected, hidden with fewer than two', () => {
    const nb = predictor('nb201');
    const tnb = predictor('tnb', { spaceTitle: 'TNB', source: 'workspace' });
    const sel = spaceSelector({ epochs: [], status: status([nb, tnb]), rankings: rankings({ predictor: tnb }) });
    assert.deepEqual(sel, {
      options: [
        { label: 'NB201 (bundled)', value: 'nb201', selected: false },
        { label: 'TNB (workspace)', value: 'tnb', selected: true },
      ],
      value: 'tnb',
      hidden: false,
    });
    const one = spaceSelector({ epochs: [], status: status([nb]) });
    assert.equal(one.hidden, true);
    assert.equal(one.value, undefined);
    assert.equal(at(one.options, 0).selected, true);
    assert.deepEqual(spaceSelector({ epochs: [] }), { options: [], value: undefined, hidden: true });
  });
});

describe('webview model: host messages', () => {
  const start: SavedState = { epochs: [epoch('train', 1)] };

  it('state replaces rankings, status and epochs and redraws everything', () => {
    const rk = rankings();
    const st = status([predictor('nb201')]);
    const { state, redraw } = applyMessage({ ...start, proposals: { message: 'kept' } as SearchResponse }, { type: 'state', rankings: rk, status: st, epochs: [] });
    assert.equal(redraw, 'all');
    assert.equal(state.rankings, rk);
    assert.equal(state.status, st);
    assert.deepEqual(state.epochs, []);
    assert.equal(state.proposals?.message, 'kept');
  });

  it('epochs append (without changing the old state); trainingStarted clears them; both redraw the curve', () => {
    const e = epoch('train', 0.5, 0.4);
    const after = applyMessage(start, { type: 'epoch', epoch: e });
    assert.equal(after.redraw, 'curve');
    assert.deepEqual(after.state.epochs, [epoch('train', 1), e]);
    assert.equal(start.epochs.length, 1);
    const cleared = applyMessage(after.state, { type: 'trainingStarted' });
    assert.deepEqual([cleared.redraw, cleared.state.epochs], ['curve', []]);
  });

  it('proposals are kept for the proposals table; errors change no state', () => {
    const r = { message: 'new' } as SearchResponse;
    const p = applyMessage(start, { type: 'proposals', result: r });
    assert.deepEqual([p.redraw, p.state.proposals, p.state.epochs], ['proposals', r, start.epochs]);
    const e = applyMessage(start, { type: 'error', message: 'x' });
    assert.deepEqual([e.redraw, e.state], ['error', start]);
  });
});
