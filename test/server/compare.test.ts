/**
 * "DELE: Compare Architectures…" over LSP: `dele/compare` (the positions where two architectures differ, each
 * one's calibrated prediction, rank and gate weights; readable refusals), the position names of multi-cell and
 * node-op spaces, and the assigned names the panel's workspace table shows (`dele/rankings`).
 */
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { after, before } from 'node:test';
import type { CompareResult, RankingsResult } from '../../src/protocol/lsp';
import { differences, opName } from '../../src/server/compare';
import { nb101Space } from '../../src/space/nb101';
import { nb301Space } from '../../src/space/nb301';
import { describe, it, ROOT, startSession, type TestSession } from './lspClient';

// Differ on edge 2←1 (nor_conv_3x3 vs skip_connect) and edge 3←2 (nor_conv_3x3 vs none) only.
const CELL_A = '|nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+|skip_connect~0|nor_conv_3x3~1|nor_conv_3x3~2|';
const CELL_B = '|nor_conv_3x3~0|+|nor_conv_3x3~0|skip_connect~1|+|skip_connect~0|nor_conv_3x3~1|none~2|';
const CELL_ZEROS = '|none~0|+|none~0|none~1|+|none~0|none~1|none~2|';
const DARTS = "Genotype(normal=[('sep_conv_3x3', 0), ('sep_conv_3x3', 1), ('sep_conv_3x3', 0), ('sep_conv_3x3', 1), ('sep_conv_3x3', 1), ('skip_connect', 0), ('skip_connect', 0), ('dil_conv_3x3', 2)], normal_concat=[2, 3, 4, 5], reduce=[('max_pool_3x3', 0), ('max_pool_3x3', 1), ('skip_connect', 2), ('max_pool_3x3', 1), ('max_pool_3x3', 0), ('skip_connect', 2), ('skip_connect', 2), ('max_pool_3x3', 1)], reduce_concat=[2, 3, 4, 5])";

describe('comparing two architectures', () => {
  let s: TestSession;
  before(async () => {
    s = await startSession();
    await s.server.whenIdle();
  });
  after(async () => {
    await s.close();
  });

  const compareReq = (params: unknown): Promise<CompareResult> => s.client.sendRequest('dele/compare', params) as Promise<CompareResult>;

  it('lists the edges that differ with both ops, and each architecture’s prediction, rank and gate weights', async () => {
    const r = await compareReq({ space: 'nb201', archs: [CELL_A, CELL_B] });
    assert.equal(r.space, 'nb201');
    assert.equal(r.unit, '%');
    assert.equal(r.target, 'c10_test_200ep');
    assert.match(r.referenceLabel, /^all 15,625 NAS-Bench-201 architectures$/);
    assert.equal(r.positions, 6);
    assert.equal(r.same, false);
    assert.deepEqual(r.differences, [
      { position: 'edge 2←1', a: 'nor_conv_3x3', b: 'skip_connect' },
      { position: 'edge 3←2', a: 'nor_conv_3x3', b: 'none' },
    ]);
    const [a, b] = r.archs;
    assert.equal(a.arch, CELL_A);
    assert.equal(b.arch, CELL_B);
    for (const x of r.archs) {
      assert.ok(Number.isFinite(x.predicted) && x.predicted > 0 && x.predicted < 100, JSON.stringify(x));
      assert.ok(x.rank !== undefined && x.rankOf === 15_625 && x.rank >= 1 && x.rank <= 15_625, `rank ${x.rank} of ${x.rankOf}`);
      assert.ok(x.percentile !== undefined && x.percentile >= 0 && x.percentile <= 100);
      assert.ok(x.trueAccuracy !== undefined && x.trueAccuracy > 0, 'both are in the bundled table');
      assert.ok(x.experts.length >= 2);
      assert.ok(Math.abs(x.experts.reduce((t, e) => t + e.weight, 0) - 1) < 1e-3, JSON.stringify(x.experts));
      for (const e of x.experts) assert.ok(e.display && e.display.label.length > 0, `display name of ${e.name}`);
      assert.equal(x.note, undefined);
    }
    // A better score ranks higher: the ranks order the two as the predictions do.
    assert.equal(a.predicted > b.predicted, (a.rank as number) < (b.rank as number));
  });

  it('the same architecture written differently is the same, with nothing different', async () => {
    const r = await compareReq({ space: 'nb201', archs: [CELL_A, `  ${CELL_A}`] });
    assert.equal(r.same, true);
    assert.deepEqual(r.differences, []);
    assert.equal(r.archs[0].predicted, r.archs[1].predicted);
  });

  it('says when an architecture outputs zeros (its value means nothing)', async () => {
    const r = await compareReq({ space: 'nb201', archs: [CELL_A, CELL_ZEROS] });
    assert.equal(r.archs[0].note, undefined);
    assert.match(r.archs[1].note ?? '', /outputs zeros/);
    assert.equal(r.differences.length, 6);
  });

  it('refuses readably: an invalid architecture (saying which), an unknown space, a space without a predictor, not two', async () => {
    await assert.rejects(compareReq({ space: 'nb201', archs: [CELL_A, '|bogus~0|'] }), /the second architecture is not a NAS-Bench-201 architecture/);
    await assert.rejects(compareReq({ space: 'nb201', archs: ['', CELL_A] }), /the first architecture is missing/);
    await assert.rejects(compareReq({ space: 'nb201', archs: [CELL_A, 'x'.repeat(30_000)] }), /at most 20,000 are compared/);
    await assert.rejects(compareReq({ space: 'no-such-space', archs: [CELL_A, CELL_B] }), /unknown search space 'no-such-space'/);
    await assert.rejects(compareReq({ space: 'nb201', archs: [CELL_A] }), /exactly two architectures/);
    await assert.rejects(compareReq(null), /needs \{ space, archs/);
    await assert.rejects(compareReq({ space: 'nb301', archs: [DARTS, DARTS] }), /no predictor for NAS-Bench-301/);
    // The server is still answering.
    assert.equal((await compareReq({ space: 'nb201', archs: [CELL_A, CELL_B] })).differences.length, 2);
  });

});

describe('comparing DARTS genotypes with the bundled predictors; names in the panel', () => {
  let s: TestSession;
  before(async () => {
    s = await startSession({}, { bundledPredictors: path.join(ROOT, 'media/predictors') });
  });
  after(async () => {
    await s.close();
  });

  it('compares two genotypes of a file by cell and edge, and the panel’s workspace rows carry their assigned names', async () => {
    const other = DARTS.replace("('dil_conv_3x3', 2)], normal_concat", "('sep_conv_5x5', 2)], normal_concat");
    await s.setText('file:///genotypes.py', `from collections import namedtuple\nGenotype = namedtuple('Genotype', 'normal normal_concat reduce reduce_concat')\nMINE = ${DARTS}\nOTHER = ${other}\n`);
    const r = (await s.client.sendRequest('dele/compare', { space: 'nb301', archs: [DARTS, other] })) as CompareResult;
    assert.deepEqual(r.differences, [{ position: 'normal cell: edge 5←2', a: 'dil_conv_3x3', b: 'sep_conv_5x5' }]);
    assert.equal(r.spaceTitle, 'NAS-Bench-301 (DARTS)');
    for (const x of r.archs) assert.ok(Number.isFinite(x.predicted) && x.experts.length >= 2, JSON.stringify(x));
    const rk = (await s.client.sendRequest('dele/rankings', { space: 'nb301' })) as RankingsResult;
    assert.deepEqual(rk.workspace.map((w) => [w.name, w.location?.range.start.line]).sort(), [['MINE', 2], ['OTHER', 3]]);
  });
});

describe('positions compared in multi-cell and node-op spaces', () => {
  it('DARTS: edges per cell, named normal/reduce, with the op names and none for no edge', () => {
    const a = nb301Space.parse(DARTS);
    const b = nb301Space.parse(DARTS.replace("('dil_conv_3x3', 2)], normal_concat", "('sep_conv_5x5', 2)], normal_concat").replace("reduce=[('max_pool_3x3', 0), ('max_pool_3x3', 1)", "reduce=[('avg_pool_3x3', 0), ('max_pool_3x3', 1)"));
    assert.ok(a.ok && b.ok);
    const d = differences(nb301Space, nb301Space.encoderInput.graph, nb301Space.features(a.arch), nb301Space.features(b.arch));
    assert.equal(d.positions, 28);
    assert.deepEqual(d.differences, [
      { position: 'normal cell: edge 5←2', a: 'dil_conv_3x3', b: 'sep_conv_5x5' },
      { position: 'reduce cell: edge 2←0', a: 'max_pool_3x3', b: 'avg_pool_3x3' },
    ]);
    assert.equal(opName(nb301Space, 7), 'none');
  });

  it('NAS-Bench-101: node ops and the edges between nodes', () => {
    const a = nb101Space.parse("{'matrix': [[0, 1, 1], [0, 0, 1], [0, 0, 0]], 'ops': ['input', 'maxpool3x3', 'output']}");
    const b = nb101Space.parse("{'matrix': [[0, 1, 0], [0, 0, 1], [0, 0, 0]], 'ops': ['input', 'conv3x3-bn-relu', 'output']}");
    assert.ok(a.ok && b.ok, JSON.stringify([a, b]));
    const d = differences(nb101Space, nb101Space.encoderInput.graph, nb101Space.features(a.arch), nb101Space.features(b.arch));
    assert.equal(d.positions, 7 + 21);
    assert.deepEqual(d.differences, [
      { position: 'node 1', a: 'maxpool3x3', b: 'conv3x3-bn-relu' },
      { position: 'edge 0→6', a: 'edge', b: 'no edge' },
    ]);
    assert.equal(opName(nb101Space, -1), 'absent');
    assert.equal(opName({ id: 'declared', opNames: undefined }, 3), 'op 3');
  });
});
