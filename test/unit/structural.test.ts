import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { before, describe, it } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import { importDataFile, lfNames, makeDataset } from '../../src/data/dataset';
import { DEFAULT_STRUCTURAL_MAX, STRUCTURAL_SET, withStructuralExperts } from '../../src/data/structural';
import { chooseExperts, trainPredictor } from '../../src/predictor/predictor';
import { initBackend } from '../../src/runtime/backend';
import { parseSpaceFile } from '../../src/space/registry';
import { nb101Space } from '../../src/space/nb101';
import { nb201Space } from '../../src/space/nb201';
import { opSubsets, selectStructural, structuralMeasures } from '../../src/space/structural';
import { kendallTau } from '../../src/util/kendall';
import { parseOrThrow } from '../../src/space/types';
import { defined } from './at';

const valueOf = (measures: ReturnType<typeof structuralMeasures>, name: string, f: Parameters<ReturnType<typeof structuralMeasures>[number]['value']>[0]): number =>
  defined(measures.find((m) => m.name === name), name).value(f);

describe('structural measures (src/space/structural.ts)', () => {
  it('op subsets: every subset up to 5 ops; beyond, singletons, pairs, all-but-one and all', () => {
    assert.equal(opSubsets([1, 2, 3, 4]).length, 15);
    assert.equal(opSubsets([0, 1, 2, 3, 4, 5, 6]).length, 7 + 21 + 7 + 1);
    assert.deepEqual(opSubsets([3, 5]), [[3], [5], [3, 5]]);
  });

  it('NB201 cells: op counts, shortest and longest paths and degrees over op subsets', () => {
    const m = structuralMeasures(nb201Space, nb201Space.opNames);
    const f = (s: string): ReturnType<typeof nb201Space.features> => nb201Space.features(parseOrThrow(nb201Space, s));
    // Edges 1<-0, 2<-0, 2<-1, 3<-0, 3<-1, 3<-2.
    const allConv = f('|nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+|nor_conv_3x3~0|nor_conv_3x3~1|nor_conv_3x3~2|');
    assert.equal(valueOf(m, 'struct_count_nor_conv_3x3', allConv), 6);
    assert.equal(valueOf(m, 'struct_nor_conv_3x3_min_path', allConv), 1);
    assert.equal(valueOf(m, 'struct_nor_conv_3x3_max_path', allConv), 3);
    assert.equal(valueOf(m, 'struct_nor_conv_3x3_in_degree', allConv), 3);
    assert.equal(valueOf(m, 'struct_skip_connect_max_path', allConv), 0, 'no skip edge: no path');
    // A chain 0 -> 1 (skip) -> 2 (conv) -> 3 (pool); every other edge none.
    const chain = f('|skip_connect~0|+|none~0|nor_conv_3x3~1|+|none~0|none~1|avg_pool_3x3~2|');
    assert.equal(valueOf(m, 'struct_skip_connect+nor_conv_3x3+avg_pool_3x3_min_path', chain), 3);
    assert.equal(valueOf(m, 'struct_nor_conv_3x3+avg_pool_3x3_max_path', chain), 0, 'the skip edge is needed to reach the output');
    assert.equal(valueOf(m, 'struct_skip_connect_out_degree', chain), 1);
    assert.equal(m.filter((x) => x.name.startsWith('struct_none')).length, 0, 'none is no edge: no path or degree measures over it');
  });

  it('NB101 cells: counts and paths through the nodes of an op subset (input and output always passable)', () => {
    const m = structuralMeasures(nb101Space, ['conv3x3', 'conv1x1', 'maxpool', 'in', 'out']);
    const arch = parseOrThrow(nb101Space, "{'matrix': [[0, 1, 1, 0], [0, 0, 0, 1], [0, 0, 0, 1], [0, 0, 0, 0]], 'ops': ['input', 'conv3x3-bn-relu', 'maxpool3x3', 'output']}");
    const f = nb101Space.features(arch);
    assert.equal(valueOf(m, 'struct_nodes', f), 4);
    assert.equal(valueOf(m, 'struct_edges', f), 4);
    assert.ok(m.some((x) => x.name.endsWith('_max_path')));
    const through = m.filter((x) => x.name.endsWith('_max_path')).map((x) => x.value(f));
    assert.ok(through.includes(2) && through.includes(0), `paths of length 2 through allowed nodes, none otherwise: ${through}`);
  });

  it('sequences: counts per choice, overall and per third of the positions', () => {
    const yaml = 'name: seq\nkind: sequence\npositions: 6\nchoices: [none, skip, conv1x1, conv3x3]\n';
    const { space } = parseSpaceFile(yaml, 's.space.yaml');
    const m = structuralMeasures(space, space.opNames);
    const f = space.features(parseOrThrow(space, '[conv3x3, conv3x3, skip, none, conv3x3, skip]'));
    assert.equal(valueOf(m, 'struct_count_conv3x3', f), 3);
    assert.equal(valueOf(m, 'struct_part1_count_conv3x3', f), 2);
    assert.equal(valueOf(m, 'struct_part3_count_skip', f), 1);
    assert.ok(!m.some((x) => x.name.includes('path')), 'a chain has no path measures');
  });

  it('Kendall tau-b (the one in src/util/kendall.ts): perfect, reversed, ties', () => {
    assert.equal(kendallTau([1, 2, 3], [10, 20, 30]), 1);
    assert.equal(kendallTau([1, 2, 3], [3, 2, 1]), -1);
    assert.ok(Math.abs(kendallTau([1, 1, 2, 3], [1, 2, 3, 4]) - 0.9129) < 1e-4);
  });

  it('selection ranks by |tau| on the labelled archs, skips constants and near-copies', () => {
    const n = 40;
    const truth = Float64Array.from({ length: n }, (_, i) => i);
    const values = new Map<string, Float64Array>([
      ['weak', Float64Array.from({ length: n }, (_, i) => -((i * 7919) % 13))],
      ['best', Float64Array.from({ length: n }, (_, i) => i)],
      ['copy', Float64Array.from({ length: n }, (_, i) => 2 * i + 1)],
      ['half', Float64Array.from({ length: n }, (_, i) => (i < 20 ? 0 : 1))],
      ['constant', new Float64Array(n).fill(1)],
    ]);
    const all = Array.from({ length: n }, (_, i) => i);
    const chosen = selectStructural(values, truth, all, all, { max: 3 });
    assert.deepEqual(chosen.map((c) => c.name), ['best', 'half', 'weak'], 'copy is a near-copy of best; constant never varies');
    assert.equal(defined(chosen[0]).tau, 1);
    assert.ok(Math.abs(defined(chosen[1]).tau - 0.7161) < 1e-3);
    assert.ok(defined(chosen[2]).tau < 0.5);
  });
});

describe('DELE from an arch,acc file: structural experts', () => {
  let dir: string;
  before(async () => {
    await initBackend('wasm');
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dele-struct-'));
  });

  it('adds the chosen measures as LF columns, oriented so that higher ranks higher, without changing the data fingerprint', () => {
    const cells = nb201Space.sample(seededRandom(1), 300);
    const acc = cells.map((c) => c.filter((op) => op === 3).length + 0.01 * c.filter((op) => op === 1).length);
    const ds = makeDataset('t', nb201Space, cells, [{ name: 'acc', kind: 'target', description: 'acc', values: Float64Array.from(acc) }]);
    const labelled = Array.from({ length: 60 }, (_, i) => i);
    const s = withStructuralExperts(ds, 'acc', labelled, { max: 4 });
    assert.equal(s.ds.fingerprint, ds.fingerprint);
    assert.equal(s.experts.length, s.choices.length);
    assert.ok(s.experts.length >= 1 && s.experts.length <= 4);
    assert.equal(s.experts[0], 'struct_count_nor_conv_3x3', 'the count that makes the target comes first');
    for (const name of s.experts) {
      const v = defined(s.ds.columns.find((c) => c.name === name)).values;
      const tau = kendallTau(labelled.map((i) => v[i]!), labelled.map((i) => acc[i]!));
      assert.ok(tau > 0, `${name} oriented: tau ${tau}`);
    }
    assert.deepEqual(lfNames(ds), [], 'the input data is unchanged');
  });

  it('chooseExperts uses structural measures when the data has no LF column, or for --lf structural', () => {
    const ds = importDataFile(writeCsv(dir, 'lf.csv', 40, true), {});
    assert.equal(chooseExperts(ds, 'dele', undefined, 'acc', [0, 1, 2, 3, 4, 5]).structural, false, 'LF columns win by default');
    const asked = chooseExperts(ds, 'dele', [STRUCTURAL_SET], 'acc', [0, 1, 2, 3, 4, 5]);
    assert.equal(asked.structural, true);
    assert.ok(asked.experts.every((n) => n.startsWith('struct_')));
    const bare = importDataFile(writeCsv(dir, 'bare.csv', 40, false), {});
    assert.equal(chooseExperts(bare, 'dele', undefined, 'acc', [0, 1, 2, 3, 4, 5]).structural, true);
    assert.deepEqual(chooseExperts(bare, 'vanilla', undefined, 'acc', [0, 1, 2]).experts, []);
    assert.equal(chooseExperts(bare, 'single', undefined, 'acc', [0, 1, 2, 3, 4, 5]).experts.length, 1);
    const both = chooseExperts(ds, 'dele', ['flops', STRUCTURAL_SET], 'acc', [0, 1, 2, 3, 4, 5]);
    assert.equal(both.experts[0], 'flops', 'named LF columns first, then the structural measures');
    assert.ok(both.experts.length > 1 && both.experts.slice(1).every((n) => n.startsWith('struct_')));
    assert.throws(() => chooseExperts(ds, 'single', ['flops', STRUCTURAL_SET], 'acc', [0, 1, 2, 3, 4, 5]), /exactly one expert/);
    // At most structuralMax measures (dele bench --structural-max): fewer than the default, and more.
    const labelled = Array.from({ length: 30 }, (_, i) => i);
    const byDefault = chooseExperts(bare, 'dele', [STRUCTURAL_SET], 'acc', labelled).experts;
    const two = chooseExperts(bare, 'dele', [STRUCTURAL_SET], 'acc', labelled, 0, 2).experts;
    const many = chooseExperts(bare, 'dele', [STRUCTURAL_SET], 'acc', labelled, 0, 20).experts;
    assert.equal(byDefault.length, DEFAULT_STRUCTURAL_MAX, `the default chooses ${DEFAULT_STRUCTURAL_MAX}: ${byDefault.join(', ')}`);
    assert.deepEqual(two, byDefault.slice(0, 2), 'a smaller cap keeps the first choices');
    assert.ok(many.length > DEFAULT_STRUCTURAL_MAX && many.length <= 20, `a larger cap chooses more: ${many.length}`);
    assert.deepEqual(many.slice(0, DEFAULT_STRUCTURAL_MAX), byDefault);
  });

  it('trainPredictor trains DELE from arch,acc alone and names its structural experts; no tensor is left behind', async () => {
    const ds = importDataFile(writeCsv(dir, 'train.csv', 120, false), {});
    const before = tf.memory().numTensors;
    const r = await trainPredictor(ds, { method: 'dele', encoder: 'gates', target: 'acc', trainRatio: 0.3, preset: 'tiny', seed: 0, monitorSize: 10 });
    assert.equal(r.structural, true);
    assert.ok(r.experts.length > 0 && r.experts.every((x) => x.name.startsWith('struct_') && x.description.startsWith('structural: ')));
    assert.equal(r.predictor.meta.model.experts.length, r.experts.length);
    assert.ok(Number.isFinite(r.metrics.kendallTau));
    r.predictor.dispose();
    assert.equal(tf.memory().numTensors, before);
  });
});

function seededRandom(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 4294967296;
  };
}

/** A NB201 CSV of `n` random cells with acc (and flops when `withLf`). */
function writeCsv(dir: string, name: string, n: number, withLf: boolean): string {
  const cells = nb201Space.sample(seededRandom(7), n);
  const lines = [withLf ? 'arch,acc,flops' : 'arch,acc'];
  for (const c of cells) {
    const acc = 80 + 2 * c.filter((op) => op === 3).length + c.filter((op) => op === 2).length;
    lines.push(`${nb201Space.key(c)},${acc}${withLf ? `,${c.filter((op) => op >= 2).length}` : ''}`);
  }
  const file = path.join(dir, name);
  fs.writeFileSync(file, `${lines.join('\n')}\n`);
  return file;
}
