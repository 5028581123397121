/**
 * "DELE: Compare Architectures…" without the editor (src/client/compareModel.ts): the architecture at the
 * cursor, the two picks' items, and the compare view's page.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { archAtPosition, compareHtml, comparePickItems, compareTitle } from '../../src/client/compareModel';
import type { CompareResult, ComparedArch, WorkspaceArch } from '../../src/protocol/lsp';

const arch = (arch: string, uri: string, line: number, over: Partial<WorkspaceArch> = {}, span = { endLine: line, from: 4, to: 40 }): WorkspaceArch => ({
  arch,
  text: arch,
  space: 'nb201',
  spaceTitle: 'NAS-Bench-201',
  unit: '%',
  predicted: 93.4,
  experts: [],
  location: { uri, range: { start: { line, character: span.from }, end: { line: span.endLine, character: span.to } } },
  ...over,
});

describe('compare: which architectures', () => {
  const list = [
    arch('A', 'file:///ws/a.py', 2),
    arch('B', 'file:///ws/a.py', 5, { name: 'BEST' }),
    arch('G', 'file:///ws/g.py', 1, { space: 'nb301', spaceTitle: 'NAS-Bench-301 (DARTS)', name: 'DARTS_V2' }, { endLine: 8, from: 11, to: 1 }),
    arch('A', 'file:///ws/b.py', 0),
  ];

  it('the cursor picks the architecture whose range holds it, on the right file, across lines', () => {
    assert.equal(archAtPosition(list, 'file:///ws/a.py', 5, 10)?.name, 'BEST');
    assert.equal(archAtPosition(list, 'file:///ws/a.py', 5, 40)?.name, 'BEST', 'the end is inside');
    assert.equal(archAtPosition(list, 'file:///ws/a.py', 5, 3), undefined, 'before the start');
    assert.equal(archAtPosition(list, 'file:///ws/a.py', 3, 10), undefined, 'a line without one');
    assert.equal(archAtPosition(list, 'file:///ws/b.py', 2, 10), undefined);
    assert.equal(archAtPosition(list, 'file:///ws/g.py', 4, 0)?.name, 'DARTS_V2', 'a multi-line genotype');
    assert.equal(archAtPosition(list, 'file:///ws/g.py', 1, 10), undefined);
    // Nested: the innermost.
    const inner = arch('I', 'file:///ws/g.py', 3, {}, { endLine: 3, from: 2, to: 9 });
    assert.equal(archAtPosition([...list, inner], 'file:///ws/g.py', 3, 5)?.arch, 'I');
  });

  it('the second pick offers the other architectures of the same space, the same cell in another file included', () => {
    const rel = (uri: string) => uri.replace('file:///ws/', '');
    const first = comparePickItems(list, rel);
    assert.equal(first.length, 4);
    assert.deepEqual(first[1], { label: 'BEST', description: '93.4% · a.py:6', detail: 'NAS-Bench-201 · B', arch: list[1] });
    assert.equal(first[0]?.label, 'A');
    assert.equal(first[0]?.detail, 'NAS-Bench-201');
    const second = comparePickItems(list, rel, list[0]);
    assert.deepEqual(second.map((i) => i.description), ['93.4% · a.py:6', '93.4% · b.py:1']);
    assert.deepEqual(comparePickItems(list, rel, list[2]), []);
  });

  it('titles the view with both names, clipped', () => {
    assert.equal(compareTitle(['DARTS_V2', 'PC_DARTS_cifar']), 'DELE Compare: DARTS_V2 vs PC_DARTS_cifar');
    assert.equal(compareTitle(['x'.repeat(30), 'y']), `DELE Compare: ${'x'.repeat(23)}… vs y`);
  });
});

describe('compare: the view', () => {
  const compared = (over: Partial<ComparedArch>): ComparedArch => ({
    arch: '|nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+|skip_connect~0|nor_conv_3x3~1|nor_conv_3x3~2|',
    predicted: 93.84,
    percentile: 99.9,
    rank: 12,
    rankOf: 15_625,
    trueAccuracy: 94.37,
    experts: [
      { name: 'zc_c10_jacov', weight: 0.6, score: 1.5, display: { label: 'Jacobian covariance', description: '' } },
      { name: 'zc_c10_snip', weight: 0.4, score: -0.5 },
    ],
    ...over,
  });
  const result = (over: Partial<CompareResult> = {}): CompareResult => ({
    space: 'nb201',
    spaceTitle: 'NAS-Bench-201',
    target: 'c10_test_200ep',
    unit: '%',
    referenceLabel: 'all 15,625 NAS-Bench-201 architectures',
    archs: [compared({}), compared({ arch: '<b>|none~0|…', predicted: 70.5, rank: 9000, percentile: 42.4, trueAccuracy: undefined, experts: [{ name: 'zc_c10_jacov', weight: 0.3, score: 0.2 }, { name: 'zc_c10_snip', weight: 0.7, score: 0.1 }], note: 'outputs zeros' })],
    positions: 6,
    differences: [{ position: 'edge 2←1', a: 'nor_conv_3x3', b: 'skip_connect' }],
    same: false,
    ...over,
  });
  const view = { cspSource: 'vscode-resource:', style: 'https://x/media/panel.css', names: ['BEST', '<NB>'] as [string, string], places: ['a.py:3', 'b.py:1'] as [string, string] };

  it('runs no script; shows both with prediction (unit), rank, benchmark, the differing positions highlighted, gate weights', () => {
    const html = compareHtml(result(), view);
    assert.match(html, /content="default-src 'none'; style-src vscode-resource: 'unsafe-inline';"/);
    assert.ok(!/<script/i.test(html));
    assert.ok(html.includes('<div class="name">BEST</div><div class="muted">a.py:3</div>'));
    assert.ok(html.includes('&lt;NB&gt;') && !html.includes('<NB>'), 'names are escaped');
    assert.ok(html.includes('&lt;b&gt;|none~0|') && !html.includes('<b>|none'), 'architecture text is escaped');
    assert.ok(html.includes('<td class="more">93.84%</td><td>70.50%</td>'), 'the higher prediction is marked');
    assert.ok(html.includes('rank 12 of 15,625 · better than 99.9%'));
    assert.ok(html.includes('rank 9,000 of 15,625 · better than 42.4%'));
    assert.ok(html.includes('<td>94.37</td><td>–</td>'));
    assert.ok(html.includes('Where they differ: 1 of 6 positions'));
    assert.ok(html.includes('<tr class="differs"><td>edge 2←1</td><td>nor_conv_3x3</td><td>skip_connect</td></tr>'));
    // Experts by display name with their column, highest weight of either first; the larger weight marked.
    const jacov = html.indexOf('Jacobian covariance <code>zc_c10_jacov</code>');
    const snip = html.indexOf('<td>zc_c10_snip</td>');
    assert.ok(snip > 0 && jacov > snip, 'snip (0.7 for the second) before jacov (0.6)');
    assert.ok(html.includes('<td class="more">0.600</td><td>0.300</td>'));
    assert.ok(html.includes('<td>0.400</td><td class="more">0.700</td>'));
    assert.ok(html.includes('<p class="warning">&lt;NB&gt;: outputs zeros</p>'));
  });

  it('says when nothing differs, and when ranks are not known yet', () => {
    const html = compareHtml(result({ differences: [], same: true, archs: [compared({ rank: undefined, rankOf: undefined, percentile: undefined }), compared({})] }), view);
    assert.ok(html.includes('The same architecture (written differently, or isomorphic): nothing differs.'));
    assert.ok(html.includes('rank: computing…'));
    assert.ok(!html.includes('class="differs"'));
  });
});
