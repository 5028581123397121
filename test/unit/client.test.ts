/**
 * The VS Code client's editor-free parts (src/client/viewModel.ts, wizard.ts, lifecycle.ts, panelModel.ts):
 * what the side bar, the quick-pick wizards, the status bar and the panel host show and send, in plain Node.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { ResultsSummary } from '../../src/protocol/lsp';
import { describe, it } from 'node:test';
import type { DataInfoResult, SearchProposal, SearchResponse, SpaceInfo, StatusResult, WorkspaceArch, WorkspaceArchitecturesResult } from '../../src/protocol/lsp';
import { type HostToWebview, isWebviewToHost } from '../../src/protocol/webview';
import { connectionError, CRASH_WINDOW_MS, CrashWindow, MAX_RESTARTS, MAX_TRIGGER_CHARS, mayHoldArchitecture, statusBar } from '../../src/client/lifecycle';
import { PanelChannel, panelHtml, proposalToInsert, tableCsv, tableCsvName } from '../../src/client/panelModel';
import {
  archChildren,
  archItem,
  architecturesCsv,
  archViewState,
  clip,
  formatValue,
  isWatchedDocument,
  nodeLocation,
  nodeText,
  proposalChildren,
  proposalItem,
  proposalsCsv,
  proposalsViewMessage,
  proposeSummary,
  rankedCsv,
  spaceItem,
  tooltip,
} from '../../src/client/viewModel';
import {
  budgetItems,
  contains,
  dataStep,
  expertsStep,
  STRUCTURAL_EXPERTS,
  lfMeasureItems,
  lfNotice,
  lfSpaceItems,
  ratioItems,
  ratioOf,
  sampleSizeError,
  searchParams,
  targetOrder,
  topItems,
  trainParams,
  whereItems,
} from '../../src/client/wizard';
import { at } from './at';

const NB201 = '|nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+|skip_connect~0|nor_conv_3x3~1|nor_conv_3x3~2|';

function arch(over: Partial<WorkspaceArch> = {}): WorkspaceArch {
  return {
    arch: NB201,
    predicted: 93.456,
    experts: [
      { name: 'synflow', weight: 0.2, score: 0.5 },
      { name: 'jacov', weight: 0.7, score: -0.25 },
      { name: 'snip', weight: 0.1, score: 1 },
    ],
    location: { uri: 'file:///w/a.py', range: { start: { line: 4, character: 2 }, end: { line: 4, character: 90 } } },
    space: 'nb201',
    spaceTitle: 'NAS-Bench-201',
    unit: '%',
    text: NB201,
    ...over,
  };
}

function proposal(over: Partial<SearchProposal> = {}): SearchProposal {
  return { arch: NB201, text: `"${NB201}"`, predicted: 94.1, experts: [{ name: 'jacov', weight: 1, score: 0 }], ...over };
}

function response(proposals: SearchProposal[], over: Partial<SearchResponse> = {}): SearchResponse {
  return { space: 'nb201', spaceTitle: 'NAS-Bench-201', unit: '%', target: 'c10', proposals, evaluated: 100, method: 'evolution', cancelled: false, message: 'searched 100', ...over };
}

function space(over: Partial<SpaceInfo> = {}): SpaceInfo {
  return { id: 'nb201', title: 'NAS-Bench-201', origin: 'builtin', encoders: ['gates', 'lstm'], size: 15625, bundled: true, syntax: '|op~0|+…', ...over };
}

describe('client view model: labels and values', () => {
  it('formats values: one decimal for % and values >= 10, else three; the unit appended', () => {
    assert.equal(formatValue(93.456, '%'), '93.5%');
    assert.equal(formatValue(0.91234, ''), '0.912');
    assert.equal(formatValue(-12.345, ''), '-12.3');
    assert.equal(formatValue(9.9999, ''), '10.000');
  });

  it('clips to one line of at most n characters with an ellipsis', () => {
    assert.equal(clip('a\n  b\tc'), 'a b c');
    assert.equal(clip('abcdef', 4), 'abc…');
    assert.equal(clip('abcd', 4), 'abcd');
    assert.equal(clip('x'.repeat(100)).length, 48);
  });

  it('watches file and untitled documents of the served languages only', () => {
    assert.ok(isWatchedDocument('python', 'file'));
    assert.ok(isWatchedDocument('dele-arch', 'untitled'));
    assert.ok(!isWatchedDocument('python', 'git'));
    assert.ok(!isWatchedDocument('markdown', 'file'));
  });

  it('tooltips list the experts by gate weight and the architecture as code (clipped at 2000)', () => {
    const t = tooltip(arch({ percentile: 99.123, trueAccuracy: 94.367 }), '%', ['**head**']);
    assert.ok(t.markdown.startsWith('**head**\n\nPredicted: **93.5%** · better than 99.1% of the space · benchmark: 94.37\n\n'));
    const rows = t.markdown.split('\n').filter((l) => /^\| [a-z]+ \([a-z]+\) \| \d/.test(l));
    assert.deepEqual(rows, ['| jacov (jacov) | 0.700 | -0.250 |', '| synflow (synflow) | 0.200 | 0.500 |', '| snip (snip) | 0.100 | 1.000 |']);
    assert.match(t.markdown, /\| expert \(LF column\) \| gate weight \(share\) \| expert score \(unitless\) \|/);
    assert.match(t.markdown, /gate weight: share of the ensemble's score, sums to 1 · expert score: the expert's ranking score, unitless, higher = better/);
    assert.equal(t.code, NB201);
    assert.ok(!tooltip(arch(), '%', []).markdown.includes('better than'));
    const long = tooltip(arch({ arch: 'y'.repeat(2500) }), '%', []);
    assert.equal(long.code, `${'y'.repeat(2000)}…`);
  });

  it('an architecture item: named by its variable (else its text), then value, file:line (1-based), top expert; stable id', () => {
    const m = archItem(arch({ name: 'BEST' }), 'a.py');
    assert.equal(m.label, 'BEST');
    assert.equal(m.id, 'file:///w/a.py#4:2');
    assert.equal(m.description, `93.5% · a.py:5 · jacov 0.70`);
    assert.ok(m.tooltip.markdown.startsWith('**NAS-Bench-201** · `BEST` · a.py:5\n\n'));
    const unnamed = archItem(arch({ experts: [] }), 'a.py');
    assert.equal(unnamed.label, clip(NB201));
    assert.equal(unnamed.description, `93.5% · a.py:5`);
    // The server's display name of the expert, where it sent one.
    const shown = archItem(arch({ experts: [{ name: 'zc_c10_jacov', weight: 1, score: 0, display: { label: 'Jacobian covariance (CIFAR-10)', description: '' } }] }), 'a.py');
    assert.equal(shown.description, '93.5% · a.py:5 · Jacobian covariance (CIFAR-10) 1.00');
  });

  it('a proposal item: rank and value, true value, top expert; the space in the tooltip', () => {
    const r = response([proposal({ trueAccuracy: 94.2 })]);
    const m = proposalItem(at(proposalChildren(r), 0), r);
    assert.equal(m.label, '1. 94.1%');
    assert.equal(m.description, `${clip(NB201)} · true 94.20 · jacov 1.00`);
    assert.ok(m.tooltip.markdown.startsWith('**Proposal 1** · NAS-Bench-201\n\n'));
    assert.deepEqual(proposalChildren(r, { p: proposal(), rank: 1 }), []);
    assert.deepEqual(proposalChildren(undefined), []);
  });
});

describe('client view model: the Architectures tree', () => {
  const result = (archs: WorkspaceArch[]): WorkspaceArchitecturesResult => ({ archs, files: 3, truncated: false, notes: [] });

  it('one space: the architectures flat, in the server order', () => {
    const a = arch({ predicted: 90 });
    const b = arch({ predicted: 80 });
    assert.deepEqual(archChildren(result([a, b])), [
      { kind: 'arch', a },
      { kind: 'arch', a: b },
    ]);
    assert.deepEqual(archChildren(undefined), []);
  });

  it('several spaces: one node per space in order of first appearance, each with its own architectures', () => {
    const a = arch({ predicted: 95 });
    const m = arch({ space: 'tnb101-micro', spaceTitle: 'TransNAS-Bench-101 micro', predicted: 60, unit: '' });
    const b = arch({ predicted: 90 });
    const top = archChildren(result([a, m, b]));
    assert.deepEqual(
      top.map((n) => (n.kind === 'space' ? [n.space, n.title, n.archs.length] : n.kind)),
      [
        ['nb201', 'NAS-Bench-201', 2],
        ['tnb101-micro', 'TransNAS-Bench-101 micro', 1],
      ],
    );
    const first = at(top, 0);
    assert.deepEqual(archChildren(undefined, first), [
      { kind: 'arch', a },
      { kind: 'arch', a: b },
    ]);
    assert.deepEqual(archChildren(undefined, { kind: 'arch', a }), []);
    assert.ok(first.kind === 'space');
    assert.deepEqual(spaceItem(first), { id: 'space:nb201', label: 'NAS-Bench-201', description: '2 architectures', collapsed: true });
    const second = at(top, 1);
    assert.ok(second.kind === 'space');
    assert.equal(spaceItem(second).description, '1 architecture');
  });

  it('spaces with a results file: grouped even alone, with "N labelled" and the bad rows, a group even without open archs', () => {
    const a = arch({ predicted: 95 });
    const labelled = (space: string, spaceTitle: string, n: number, problems = 0): ResultsSummary => ({ space, spaceTitle, file: `/ws/${space}.csv`, target: 'acc', labelled: n, kept: 0, problems });
    const top = archChildren({ ...result([a]), labelled: [labelled('nb201', 'NAS-Bench-201', 12, 1), labelled('tnb-cells', 'TNB cells', 3)] });
    assert.deepEqual(
      top.map((n) => (n.kind === 'space' ? [n.space, n.title, n.archs.length, spaceItem(n).description] : n.kind)),
      [
        ['nb201', 'NAS-Bench-201', 1, '1 architecture · 12 labelled (1 bad row)'],
        ['tnb-cells', 'TNB cells', 0, '0 architectures · 3 labelled'],
      ],
    );
  });

  it('view messages: why it is empty (with notes), notes, and a count with + when truncated', () => {
    assert.deepEqual(archViewState({ archs: [], files: 1, truncated: false, notes: [] }), { message: 'No scored architectures in 1 file.', description: undefined });
    assert.deepEqual(archViewState({ archs: [], files: 2, truncated: false, notes: ['no predictor for x', 'y'] }), {
      message: 'No scored architectures in 2 files (no predictor for x; y).',
      description: undefined,
    });
    assert.deepEqual(archViewState({ archs: [arch(), arch()], files: 2, truncated: true, notes: ['cut'] }), { message: 'cut.', description: '2+' });
    assert.deepEqual(archViewState({ archs: [arch()], files: 2, truncated: false, notes: [] }), { message: undefined, description: '1' });
    assert.equal(proposalsViewMessage(response([proposal()])), '1 proposal: searched 100.');
    assert.equal(proposalsViewMessage(response([])), '0 proposals: searched 100.');
  });

  it('context actions find the location and the text of a node', () => {
    const a = arch();
    assert.equal(nodeLocation({ kind: 'arch', a }), a.location);
    assert.equal(nodeLocation(a.location), a.location);
    assert.equal(nodeLocation({ kind: 'space', space: 's', title: 't', archs: [a] }), undefined);
    assert.equal(nodeLocation(undefined), undefined);
    assert.equal(nodeText({ kind: 'arch', a }), NB201);
    assert.equal(nodeText({ p: proposal(), rank: 1 }), `"${NB201}"`);
    assert.equal(nodeText({ kind: 'space', space: 's', title: 't', archs: [] }), undefined);
  });
});

describe('client view model: CSV exports', () => {
  it('quotes fields with commas, quotes and newlines; 7 significant digits; one weight column per expert seen', () => {
    const rows = [arch({ arch: 'a,"b"', percentile: 12.3456789, trueAccuracy: Number.NaN }), arch({ arch: 'line\nbreak', experts: [{ name: 'extra', weight: 0.5, score: 0 }] })];
    const csv = rankedCsv(rows, [{ name: 'rank', value: (_, i) => String(i + 1) }]);
    assert.equal(
      csv,
      'rank,predicted,percentile,true,top_expert,weight_synflow,weight_jacov,weight_snip,weight_extra\n' +
        '1,93.456,12.34568,,jacov,0.2,0.7,0.1,\n' +
        '2,93.456,,,extra,,,,0.5\n',
    );
    assert.ok(rankedCsv([arch({ arch: 'line\nbreak' })], [{ name: 'arch', value: (r) => r.arch }]).includes('\n"line\nbreak",'));
  });

  it('architectures: rank, space, arch, relative file, 1-based line; proposals: rank, arch and a file name per space', () => {
    const csv = architecturesCsv([arch()], (uri) => uri.replace('file:///w/', ''));
    assert.equal(csv.split('\n')[1], `1,nb201,${NB201},a.py,5,93.456,,,jacov,0.2,0.7,0.1`);
    const p = proposalsCsv(response([proposal()], { space: 'tnb101-micro' }));
    assert.equal(p.name, 'proposals-tnb101-micro.csv');
    assert.equal(p.csv, `rank,arch,predicted,percentile,true,top_expert,weight_jacov\n1,${NB201},94.1,,,jacov,1\n`);
  });
});

describe('client wizard: Propose Top Architectures…', () => {
  const range = { start: { line: 2, character: 5 }, end: { line: 3, character: 4 } };

  it('a cursor is within an architecture including both ends', () => {
    assert.ok(contains(range, { line: 2, character: 5 }));
    assert.ok(contains(range, { line: 3, character: 4 }));
    assert.ok(contains(range, { line: 2, character: 80 }));
    assert.ok(!contains(range, { line: 2, character: 4 }));
    assert.ok(!contains(range, { line: 3, character: 5 }));
    assert.ok(!contains(range, { line: 1, character: 9 }));
  });

  it('where to search: the cursor first, then spaces with a loaded predictor before the others', () => {
    const spaces = [space({ id: 'tnb', title: 'TNB', size: undefined }), space()];
    const items = whereItems(spaces, new Set(['nb201']), arch());
    assert.deepEqual(
      items.map((i) => [i.label, i.description, i.where.space, i.where.size, i.where.from !== undefined]),
      [
        ['$(target) Around the architecture at the cursor', 'NAS-Bench-201 · predicted 93.5%', 'nb201', 15625, true],
        ['$(globe) The whole NAS-Bench-201 space', '15,625 architectures · predictor loaded', 'nb201', 15625, false],
        ['$(globe) The whole TNB space', 'needs a bundled or trained predictor', 'tnb', undefined, false],
      ],
    );
    assert.equal(whereItems(spaces, new Set(), undefined).length, 2);
    assert.ok(!('size' in at(whereItems(spaces, new Set(), undefined), 0).where));
  });

  it('how many: 10 first, the only one described', () => {
    assert.deepEqual(
      topItems().map((i) => i.label),
      ['10', '5', '20', '50', '100'],
    );
    assert.equal(topItems().filter((i) => i.description).length, 1);
  });

  it('budgets: a small space offers ranking all of it and no larger budget; a large one evolution only', () => {
    assert.deepEqual(
      budgetItems({ space: 'nb201', size: 15625 }).map((b) => [b.label, b.budget]),
      [
        ['Rank all 15,625', 15625],
        ['1,000 predictor calls', 1000],
        ['5,000 predictor calls', 5000],
      ],
    );
    assert.deepEqual(
      budgetItems({ space: 'big', size: 10 ** 9 }).map((b) => b.budget),
      [1000, 5000, 20000, 100000],
    );
    assert.deepEqual(
      budgetItems({ space: 'x' }).map((b) => b.budget),
      [1000, 5000, 20000, 100000],
    );
    assert.match(at(budgetItems({ space: 'x', from: arch() }), 0).description ?? '', /starting from the cursor/);
  });

  it('the search: from the cursor of the document with that document excluded, else the whole space', () => {
    const a = arch();
    assert.deepEqual(searchParams({ space: 'nb201', from: a }, '20', 5000, { line: 4, character: 7 }), {
      space: 'nb201',
      top: 20,
      budget: 5000,
      seed: 0,
      from: { uri: 'file:///w/a.py', position: { line: 4, character: 7 } },
      excludeDocument: 'file:///w/a.py',
    });
    assert.deepEqual(searchParams({ space: 'nb201', from: a }, '5', 1000, undefined), { space: 'nb201', top: 5, budget: 1000, seed: 0 });
    assert.deepEqual(searchParams({ space: 'nb201' }, '5', 1000, { line: 1, character: 1 }), { space: 'nb201', top: 5, budget: 1000, seed: 0 });
  });

  it('the summary after a search names the best and its benchmark value, or says there were none', () => {
    assert.equal(proposeSummary(response([proposal({ trueAccuracy: 94.256 }), proposal()])), 'DELE: 2 proposals, best predicted 94.1% (benchmark 94.26); searched 100.');
    assert.equal(proposeSummary(response([])), 'DELE: no proposals (searched 100).');
  });
});

describe('client wizard: Train Predictor… and Compute LF…', () => {
  const info: DataInfoResult = { archCount: 15625, defaultTarget: 'c10', targets: ['c100', 'c10', 'img'], lfs: ['jacov', 'snip', 'synflow'], defaultExperts: ['snip', 'synflow'] };

  it('data: bundled first when the space has a table; joined files named in labels and title', () => {
    const plain = dataStep(space(), []);
    assert.equal(plain.title, 'DELE: training data');
    assert.deepEqual(
      plain.items.map((i) => [i.label, i.value]),
      [
        ['Bundled NAS-Bench-201', 'bundled'],
        ['Choose a CSV or JSON file…', 'file'],
      ],
    );
    const joined = dataStep(space({ bundled: false }), ['/tmp/x/lf-nb201.csv']);
    assert.equal(joined.title, 'DELE: ground truth to join with the LF measures');
    assert.deepEqual(
      joined.items.map((i) => i.label),
      ['Choose a CSV or JSON file… (joined with lf-nb201.csv by architecture)'],
    );
    assert.equal(at(joined.items, 0).description, 'arch column + ground-truth (target) columns');
  });

  it('targets: the configured one first if the data has it, else the data default; the rest in order', () => {
    assert.deepEqual(targetOrder(info, 'img'), ['img', 'c100', 'c10']);
    assert.deepEqual(targetOrder(info, 'nope'), ['c10', 'c100', 'img']);
    assert.deepEqual(targetOrder({ ...info, defaultTarget: undefined }, 'nope'), ['c100', 'c10', 'img']);
  });

  it('experts: the default ones picked; DELE picks many, single LF one', () => {
    const dele = expertsStep(info, 'dele');
    assert.equal(dele.canPickMany, true);
    assert.deepEqual(
      dele.items.filter((i) => i.picked).map((i) => i.label),
      ['snip', 'synflow'],
    );
    const single = expertsStep(info, 'single');
    assert.equal(single.canPickMany, false);
    assert.equal(single.title, 'DELE: the LF measure to pretrain on');
  });

  it('experts: structural measures are offered last, and picked when the data has no LF column (an arch,acc file)', () => {
    const withLf = expertsStep(info, 'dele').items;
    assert.equal(at(withLf, withLf.length - 1).label, STRUCTURAL_EXPERTS);
    assert.equal(at(withLf, withLf.length - 1).picked, false);
    const bare = expertsStep({ ...info, lfs: [], defaultExperts: [] }, 'dele').items;
    assert.deepEqual(bare.map((i) => [i.label, i.picked]), [[STRUCTURAL_EXPERTS, true]]);
  });

  it('ratios: shares of the non-held-out half, at least 2 labelled architectures', () => {
    assert.deepEqual(
      ratioItems(15625).map((i) => i.description),
      [
        '78 labelled architectures · the cold-start setting of the paper',
        '390 labelled architectures',
        '781 labelled architectures',
        '3,906 labelled architectures',
        '7,813 labelled architectures',
      ],
    );
    assert.equal(at(ratioItems(10), 0).description, '2 labelled architectures · the cold-start setting of the paper');
    assert.equal(ratioOf('5%'), 0.05);
    assert.equal(ratioOf('100%'), 1);
  });

  it('the training asked for keeps the preset and sets the answers', () => {
    assert.deepEqual(trainParams({ join: ['/a.csv'], space: 'old' }, { space: space(), data: 'bundled', target: 'c10', method: 'dele', experts: ['snip'], ratio: '1%', encoder: 'gates' }), {
      join: ['/a.csv'],
      space: 'nb201',
      data: 'bundled',
      target: 'c10',
      method: 'dele',
      experts: ['snip'],
      trainRatio: 0.01,
      encoder: 'gates',
    });
  });

  it('notices after LF computation', () => {
    assert.deepEqual(lfNotice({ status: 'completed', message: '12 archs', out: '/w/lf-nb201.csv' }), { level: 'info', text: 'DELE: LF measures of 12 archs, written to lf-nb201.csv.', out: '/w/lf-nb201.csv' });
    assert.equal(lfNotice({ status: 'completed', message: 'x' }).level, 'error');
    assert.deepEqual(lfNotice({ status: 'failed', message: 'no' }), { level: 'error', text: 'DELE: computing LF measures failed: no' });
  });

  it('LF: every space (those without a built-in network on the user\'s PyTorch model); defaults picked; sample sizes 1 to 100,000', () => {
    const lf = space({ id: 'tnb', lfMeasures: [{ id: 'synflow', description: 'd', byDefault: true }, { id: 'zen', description: 'z', byDefault: false }] });
    assert.deepEqual(
      lfSpaceItems([space(), lf]).map((i) => [i.space.id, i.description]),
      [[space().id, `${space().id} · on your PyTorch model`], ['tnb', 'tnb']],
    );
    assert.deepEqual(
      lfMeasureItems(lf).map((i) => [i.label, i.picked]),
      [
        ['synflow', true],
        ['zen', false],
      ],
    );
    for (const ok of ['1', '200', ' 100000 ']) assert.equal(sampleSizeError(ok), undefined, ok);
    for (const bad of ['0', '100001', '1.5', '-3', '', 'abc']) assert.equal(sampleSizeError(bad), 'a whole number from 1 to 100,000', bad);
  });
});

describe('client lifecycle: when to start, restart, and what the status bar says', () => {
  const doc = (languageId: string, text: string, scheme = 'file'): { languageId: string; scheme: string; text: () => string } => ({ languageId, scheme, text: () => text });

  it('starts for .arch documents and for documents whose text matches a space trigger', () => {
    assert.ok(mayHoldArchitecture(doc('dele-arch', '', 'git')));
    assert.ok(mayHoldArchitecture(doc('python', `A = "${NB201}"`)));
    assert.ok(mayHoldArchitecture(doc('yaml', 'arch: 64-41414-3_33_32', 'untitled')));
    assert.ok(!mayHoldArchitecture(doc('python', 'print("hello")')));
    assert.ok(!mayHoldArchitecture(doc('markdown', NB201)));
    assert.ok(!mayHoldArchitecture(doc('python', NB201, 'git')));
    assert.ok(!mayHoldArchitecture(doc('python', `${NB201}${' '.repeat(MAX_TRIGGER_CHARS)}`)));
  });

  it('does not read the text of documents it ignores', () => {
    const never = { languageId: 'markdown', scheme: 'file', text: (): string => assert.fail('read') };
    assert.ok(!mayHoldArchitecture(never));
  });

  it('restarts a crashed server MAX_RESTARTS times within the window, then stops; old crashes expire', () => {
    const w = new CrashWindow();
    for (let i = 1; i <= MAX_RESTARTS; i++) assert.deepEqual(w.crashed(i * 1000).restart, true, `crash ${i}`);
    const stop = w.crashed(MAX_RESTARTS * 1000 + 1);
    assert.equal(stop.restart, false);
    assert.equal(stop.count, MAX_RESTARTS + 1);
    assert.match(stop.message, /crashed 5 times in 3 minutes; it will not be restarted/);
    // Long after: the earlier crashes have left the window.
    const later = w.crashed(MAX_RESTARTS * 1000 + 2 + CRASH_WINDOW_MS);
    assert.deepEqual([later.restart, later.count], [true, 1]);
    assert.match(later.message, /\(1 time in 3 minutes\); restarting it/);
  });

  it('a crash exactly CRASH_WINDOW_MS after another still counts it', () => {
    const w = new CrashWindow();
    w.crashed(0);
    assert.equal(w.crashed(CRASH_WINDOW_MS).count, 2);
    assert.equal(w.crashed(CRASH_WINDOW_MS + 1).count, 2);
  });

  it('connection errors: continue for three in a row, shut down on the fourth', () => {
    assert.deepEqual(connectionError(new Error('e'), undefined), { log: 'language server connection error: e' });
    assert.equal(connectionError(new Error('e'), 3).shutdown, undefined);
    const fourth = connectionError(new Error('e'), 4);
    assert.equal(fourth.log, 'language server connection error (4 in a row): e');
    assert.match(fourth.shutdown ?? '', /keeps failing/);
  });

  it('status bar: training, no predictor (with the error), or the predictor with τ and backend', () => {
    const base: StatusResult = { predictor: null, predictors: [], backend: 'wasm', training: false };
    assert.deepEqual(statusBar({ ...base, error: 'missing' }), { text: '$(beaker) DELE $(warning)', tooltip: 'DELE: no predictor loaded: missing' });
    assert.equal(statusBar({ ...base, training: true }).text, '$(sync~spin) DELE training');
    const predictor = {
      source: 'bundled' as const,
      path: '/p',
      space: 'nb201',
      spaceTitle: 'NAS-Bench-201',
      targetUnit: '%',
      dataSource: 'bundled:nb201',
      reference: { kind: 'all' as const, size: 15625 },
      method: 'dele',
      encoder: 'gates',
      target: 'c10',
      experts: ['a', 'b'],
      trainRatio: 0.01,
      kendallTau: 0.71234,
      createdAt: '',
    };
    const s = statusBar({ ...base, predictor, note: 'why' });
    assert.equal(s.text, '$(beaker) DELE nb201 τ 0.71 · wasm');
    assert.equal(s.tooltip, "DELE predictor (bundled): NAS-Bench-201 · dele · gates · 2 experts · target c10 · 1% ground truth · held-out Kendall's τ 0.7123 · backend wasm\nwhy");
    const { kendallTau: _, ...noTau } = predictor;
    assert.equal(statusBar({ ...base, predictor: noTau }).text, '$(beaker) DELE nb201 τ ? · wasm');
  });
});

describe('client panel host', () => {
  it('queues messages until ready (dropping epochs), flushes them in order, and queues again once hidden', () => {
    const sent: HostToWebview[] = [];
    const c = new PanelChannel((m) => sent.push(m));
    c.post({ type: 'trainingStarted' });
    c.post({ type: 'epoch', epoch: { phase: 'train', epoch: 1, epochs: 2, loss: 1, elapsedSeconds: 0 } });
    c.post({ type: 'error', message: 'x' });
    c.sendIfReady({ type: 'proposals', result: response([]) });
    assert.equal(sent.length, 0);
    assert.equal(c.isReady, false);
    c.opened();
    assert.equal(c.isReady, true);
    c.flush();
    assert.deepEqual(
      sent.map((m) => m.type),
      ['trainingStarted', 'error'],
    );
    c.flush();
    assert.equal(sent.length, 2);
    c.post({ type: 'epoch', epoch: { phase: 'train', epoch: 2, epochs: 2, loss: 1, elapsedSeconds: 0 } });
    assert.equal(at(sent, 2).type, 'epoch');
    c.hidden();
    c.post({ type: 'trainingStarted' });
    assert.equal(sent.length, 3);
  });

  it('inserts a proposal only if the latest results still have it at that index', () => {
    const r = response([proposal({ arch: 'a' }), proposal({ arch: 'b' })]);
    assert.equal(proposalToInsert(r, 1, 'b')?.arch, 'b');
    assert.equal(proposalToInsert(r, 0, 'b'), undefined);
    assert.equal(proposalToInsert(r, 2, 'b'), undefined);
    assert.equal(proposalToInsert(undefined, 0, 'a'), undefined);
  });

  it('the page runs only the bundled script with the nonce and has every element the webview looks up', () => {
    const html = panelHtml({ cspSource: 'vscode-resource:', nonce: 'N0NCE', script: 'https://x/dist/webview.js', style: 'https://x/media/panel.css' });
    assert.match(html, /script-src 'nonce-N0NCE';/);
    assert.match(html, /default-src 'none'/);
    assert.ok(html.includes('<script nonce="N0NCE" src="https://x/dist/webview.js"></script>'));
    assert.ok(html.includes('<link href="https://x/media/panel.css" rel="stylesheet">'));
    // Every element webview/main.ts looks up with $('…') is on the page.
    const ids = [...fs.readFileSync(path.resolve(__dirname, '../../webview/main.ts'), 'utf8').matchAll(/\$\('([\w-]+)'\)/g)].map((m) => m[1]);
    assert.ok(new Set(ids).size >= 15, `ids looked up: ${ids.join(' ')}`);
    for (const id of ids) assert.ok(html.includes(`id="${id}"`), `#${id} is missing`);
    // Each architecture table's tools (looked up as `${id}-filter` etc.).
    for (const t of ['workspace', 'benchmark', 'proposals']) {
      for (const part of ['filter', 'count', 'export']) assert.ok(html.includes(`id="${t}-${part}"`), `#${t}-${part} is missing`);
    }
  });

  it('a table export is CSV: fields with commas, quotes or line breaks quoted, quotes doubled, one line per row', () => {
    const csv = tableCsv(['#', 'architecture', 'file:line'], [
      ['1', '|nor_conv_3x3~0|+|skip_connect~0|none~1|', 'a.py:3, sub/b.py:8'],
      ['2', 'Genotype(normal=[("sep_conv_3x3", 0)])', 'x.py:1'],
      ['3', 'two\nlines', ''],
    ]);
    assert.equal(
      csv,
      '#,architecture,file:line\n' +
        '1,|nor_conv_3x3~0|+|skip_connect~0|none~1|,"a.py:3, sub/b.py:8"\n' +
        '2,"Genotype(normal=[(""sep_conv_3x3"", 0)])",x.py:1\n' +
        '3,"two\nlines",\n',
    );
    assert.equal(tableCsv(['a'], []), 'a\n');
    assert.equal(tableCsvName('workspace', 'nb201'), 'dele-workspace-nb201.csv');
    assert.equal(tableCsvName('proposals', undefined), 'dele-proposals.csv');
  });

  it('accepts a table export only with a known table and string cells', () => {
    assert.equal(isWebviewToHost({ type: 'exportTable', table: 'workspace', header: ['#'], rows: [['1']] }), true);
    assert.equal(isWebviewToHost({ type: 'exportTable', table: 'other', header: ['#'], rows: [] }), false);
    assert.equal(isWebviewToHost({ type: 'exportTable', table: 'benchmark', header: ['#'], rows: [[1]] }), false);
    assert.equal(isWebviewToHost({ type: 'exportTable', table: 'benchmark', header: '#', rows: [] }), false);
    assert.equal(isWebviewToHost({ type: 'exportTable', table: 'benchmark', header: [], rows: 'x' }), false);
  });
});
