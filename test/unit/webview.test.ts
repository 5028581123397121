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
  type SavedState,
  scatterPoints,
  spaceSelector,
} from '../../webview/model';
import {
  benchmarkRows,
  exportedTable,
  filterNote,
  filterRows,
  headerText,
  nextSort,
  placeLabel,
  proposalRows,
  rowCells,
  sortRows,
  tableColumns,
  type TableRow,
  visibleRows,
  workspaceRows,
} from '../../webview/table';
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

  it('a row: rank, the text shown, name, file:line, predicted, percentile (1 decimal), benchmark, top expert', () => {
    assert.equal(tableColumns('%').length, 8);
    assert.deepEqual(tableColumns('%').map((c) => c.title), ['#', 'architecture', 'name', 'file:line', 'predicted (%)', 'percentile', 'benchmark (%)', 'top expert (gate weight)']);
    assert.equal(tableColumns('')[4]?.title, 'predicted');
    const row: TableRow = { rank: 1, arch: ranked('A', { percentile: 99.26, trueAccuracy: 94.1 }), shown: 'A', name: 'BEST', places: [] };
    assert.deepEqual(rowCells(row), ['1', 'A', 'BEST', '–', '93.46', '99.3', '94.10', 'jacov 0.75']);
    assert.deepEqual(rowCells({ rank: 5, arch: ranked('A', { experts: [] }), shown: 'shown text', places: [] }), ['5', 'shown text', '', '–', '93.46', '–', '–', '–']);
  });

  it('empty tables and the proposals note say why', () => {
    assert.equal(emptyTableText(true), 'No architectures in open documents.');
    assert.equal(emptyTableText(false), 'Computing…');
    assert.equal(proposalsNote(undefined), 'No proposals yet. Run “DELE: Propose Top Architectures…”.');
    const r = { spaceTitle: 'NB201', message: 'searched 10' } as SearchResponse;
    assert.equal(proposalsNote(r), 'NB201: searched 10. Click a row to insert it at the cursor.');
  });
});

const loc = (uri: string, line: number) => ({ uri, range: { start: { line, character: 0 }, end: { line, character: 5 } } });
const row = (rank: number, arch: string, over: Partial<RankedArch> = {}, extra: Partial<TableRow> = {}): TableRow => ({ rank, arch: ranked(arch, over), shown: arch, places: [], ...extra });

describe('webview table: file:line, sorting, filtering, export', () => {
  const folders = ['file:///ws'];

  it('names a file relative to the workspace folder holding it, else by its name; lines 1-based', () => {
    assert.equal(placeLabel('file:///ws/models/cells.py', 11, folders), 'models/cells.py:12');
    assert.equal(placeLabel('file:///ws/my%20cells.py', 0, ['file:///ws/']), 'my cells.py:1');
    assert.equal(placeLabel('file:///elsewhere/b.py', 2, folders), 'b.py:3');
    // A folder whose name starts like another's does not hold it.
    assert.equal(placeLabel('file:///ws2/c.py', 0, folders), 'c.py:1');
    assert.equal(placeLabel('untitled:Untitled-1', 4, folders), 'untitled:Untitled-1:5');
  });

  it('one cell in two files is two workspace rows; the space table and proposals list every place of an architecture', () => {
    const rk = rankings({
      workspace: [ranked('C', { location: loc('file:///ws/a.py', 2), name: 'CELL' }), ranked('C', { location: loc('file:///ws/sub/b.py', 7) }), ranked('D', { location: loc('file:///ws/a.py', 9) })],
      benchmarkTop: [ranked('C'), ranked('E')],
    });
    const ws = workspaceRows(rk, folders);
    assert.deepEqual(ws.map((r) => [r.rank, r.arch.arch, r.name, r.places.map((p) => p.label)]), [
      [1, 'C', 'CELL', ['a.py:3']],
      [2, 'C', undefined, ['sub/b.py:8']],
      [3, 'D', undefined, ['a.py:10']],
    ]);
    const top = benchmarkRows(rk, folders);
    assert.deepEqual(top.map((r) => rowCells(r)[3]), ['a.py:3, sub/b.py:8', '–']);
    assert.equal(at(at(top, 0).places, 1).location.uri, 'file:///ws/sub/b.py');
    const search = { space: 'nb201', unit: '%', proposals: [{ ...ranked('E'), text: '|e|' }, { ...ranked('D'), text: '|d|' }] } as SearchResponse;
    assert.deepEqual(proposalRows(search, rk, folders).map((r) => [r.shown, rowCells(r)[3]]), [['|e|', '–'], ['|d|', 'a.py:10']]);
    // Proposals of another space are not matched with this space's keys.
    assert.deepEqual(proposalRows({ ...search, space: 'tnb' }, rk, folders).map((r) => r.places.length), [0, 0]);
  });

  it('sorts numeric columns as numbers, text naturally, missing values last, ties in their order', () => {
    const rows = [
      row(1, 'a', { predicted: 93, percentile: 90 }, { places: [{ location: loc('file:///ws/x.py', 9), label: 'x.py:10' }] }),
      row(2, 'b', { predicted: 93, percentile: undefined }, { places: [{ location: loc('file:///ws/x.py', 8), label: 'x.py:9' }] }),
      row(3, 'c', { predicted: 100.5, percentile: 9 }),
      row(4, 'd', { predicted: 93, percentile: 95 }),
    ];
    const ranks = (rs: TableRow[]) => rs.map((r) => r.rank);
    // predicted descending: 100.5 first; the three 93s keep their order (stable), also ascending.
    assert.deepEqual(ranks(sortRows(rows, { column: 4, descending: true })), [3, 1, 2, 4]);
    assert.deepEqual(ranks(sortRows(rows, { column: 4, descending: false })), [1, 2, 4, 3]);
    // 100.5 vs 93 as numbers (as text "100.5" < "93").
    assert.deepEqual(ranks(sortRows(rows, { column: 5, descending: false })), [3, 1, 4, 2]);
    assert.deepEqual(ranks(sortRows(rows, { column: 5, descending: true })), [4, 1, 3, 2], 'missing percentile last either way');
    // file:line: "x.py:9" before "x.py:10"; rows without a place ('–') sort as text too.
    assert.deepEqual(ranks(sortRows(rows, { column: 3, descending: false })).slice(2), [2, 1]);
    // Decimals as numbers: 93.25 < 93.5 (text with numeric collation would put "93.25" after "93.5").
    assert.deepEqual(ranks(sortRows([row(1, 'p', { predicted: 93.25 }), row(2, 'q', { predicted: 93.5 })], { column: 4, descending: true })), [2, 1]);
    assert.deepEqual(ranks(sortRows(rows, undefined)), [1, 2, 3, 4]);
    assert.deepEqual(ranks(rows), [1, 2, 3, 4], 'the input is not reordered');
  });

  it('a header click sorts by that column, a second click flips it; values start descending', () => {
    const cols = tableColumns('%');
    assert.deepEqual(nextSort(undefined, 4, cols), { column: 4, descending: true });
    assert.deepEqual(nextSort({ column: 4, descending: true }, 4, cols), { column: 4, descending: false });
    assert.deepEqual(nextSort({ column: 4, descending: true }, 1, cols), { column: 1, descending: false });
    assert.deepEqual(nextSort(undefined, 0, cols), { column: 0, descending: false });
    assert.equal(headerText(at(cols, 4), 4, { column: 4, descending: true }), 'predicted (%) ▼');
    assert.equal(headerText(at(cols, 1), 1, { column: 4, descending: true }), 'architecture');
  });

  it('the filter keeps rows whose architecture, name or file:line contains the text, ignoring case', () => {
    const rows = [
      row(1, '|nor_conv_3x3~0|', {}, { name: 'MyCell' }),
      row(2, '|skip_connect~0|', {}, { places: [{ location: loc('file:///ws/models/a.py', 0), label: 'models/a.py:1' }] }),
      row(3, 'Genotype(x)', {}, { shown: 'DARTS_V2 form' }),
    ];
    assert.deepEqual(filterRows(rows, 'CONV').map((r) => r.rank), [1]);
    assert.deepEqual(filterRows(rows, 'mycell').map((r) => r.rank), [1]);
    assert.deepEqual(filterRows(rows, 'models/').map((r) => r.rank), [2]);
    assert.deepEqual(filterRows(rows, 'darts_v2').map((r) => r.rank), [3]);
    assert.deepEqual(filterRows(rows, '  ').map((r) => r.rank), [1, 2, 3]);
    assert.deepEqual(filterRows(rows, 'nothing'), []);
    assert.equal(filterNote(1, 3), '1 of 3 shown');
    assert.equal(filterNote(3, 3), '');
  });

  it('Export CSV gets the header and the cells of the rows shown: filtered, then in the sorted order', () => {
    const rows = [row(1, 'ab', { predicted: 90 }), row(2, 'b', { predicted: 95 }), row(3, 'abc', { predicted: 99 })];
    const shown = visibleRows(rows, { filter: 'a', sort: { column: 4, descending: true } });
    const out = exportedTable(tableColumns('%'), shown);
    assert.equal(at(out.header, 4), 'predicted (%)');
    assert.deepEqual(out.rows.map((r) => [r[0], r[1], r[4]]), [['3', 'abc', '99.00'], ['1', 'ab', '90.00']]);
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
    assert.equal(rowCells({ rank: 1, arch: r, shown: 'A', places: [] })[7], 'Jacobian covariance (CIFAR-10) 0.75');
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
