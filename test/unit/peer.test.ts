/**
 * The GRAF + LF-columns XGBoost peer's export (bench/peer-graf.ts): the features and labelled subsets it hands to
 * bench/peer_graf_xgb.py are the structural measures, the table's LF columns and exactly the archs the table's
 * DELE rows label. The XGBoost side needs python3-xgboost and is not run here.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { PEER_TABLES, peerFeatures, peerLfColumns, peerSubsets, writePeerTask } from '../../bench/peer-graf';
import { column, groundTruthSubset, lfNames, loadBundled, splitDataset } from '../../src/data/dataset';
import { carveValidation } from '../../src/experiment/ablation';
import { benchLabelledArchs, ratioForCount } from '../../src/experiment/bench';
import { structuralMeasures } from '../../src/space/structural';
import { at, defined } from './at';

const table = (id: string): (typeof PEER_TABLES)[number] => defined(PEER_TABLES.find((t) => t.id === id), `peer table ${id}`);
const nb201 = loadBundled('nb201');

describe('dele bench --counts: the ratio of a count', () => {
  it('labels exactly that many archs for every count of a train split, with or without a subset seed', () => {
    for (const n of [146, 363, 7813]) {
      const train = Array.from({ length: n }, (_, i) => i);
      for (const c of [2, 3, 8, 10, 40, 72, 78, Math.floor(n / 2), n - 1, n]) {
        if (c > n) continue;
        assert.equal(groundTruthSubset(train, ratioForCount(c, n)).length, c, `count ${c} of ${n}`);
        assert.equal(groundTruthSubset(train, ratioForCount(c, n), 3).length, c, `count ${c} of ${n}, subset seed 3`);
      }
    }
  });
});

describe('peer features (GRAF-style structural measures + LF columns)', () => {
  const lf = peerLfColumns(nb201);
  it('NB201: every LF column except the three 12-epoch accuracies scored on test sets', () => {
    assert.equal(lf.length, lfNames(nb201).length - 3);
    assert.deepEqual(
      lfNames(nb201).filter((n) => !lf.includes(n)),
      ['c10_test_12ep', 'c100_test_12ep', 'in16_test_12ep'],
    );
    assert.ok(lf.includes('c10valid_xvalid_12ep') && lf.includes('c100_val_12ep') && lf.includes('zc_c10_nwot'));
  });
  it('other spaces: every LF column of the data', () => {
    for (const id of ['nb301', 'nb101', 'tnb101-micro']) {
      const ds = loadBundled(id);
      assert.deepEqual(peerLfColumns(ds), lfNames(ds), id);
    }
  });
  it('holds all structural measures then the LF columns, values per arch, missing LF values as NaN', () => {
    const f = peerFeatures(nb201, lf);
    const measures = structuralMeasures(nb201.space, nb201.space.opNames);
    assert.equal(f.structural, measures.length);
    assert.deepEqual(f.names, [...measures.map((m) => m.name), ...lf]);
    const d = f.names.length;
    assert.equal(f.values.length, nb201.archs.length * d);
    for (const i of [0, 1234, 15624]) {
      const feats = at(nb201.features, i);
      measures.forEach((m, j) => assert.equal(at(f.values, i * d + j), m.value(feats), `${m.name} of arch ${i}`));
    }
    // The zero-cost proxies are missing for the cells with unreachable ops: NaN in the export, never 0.
    const j = lf.indexOf('zc_c10_synflow');
    const source = column(nb201, 'zc_c10_synflow').values;
    let missing = 0;
    for (let i = 0; i < nb201.archs.length; i++) {
      const x = at(f.values, i * d + f.structural + j);
      if (Number.isFinite(at(source, i))) assert.equal(x, at(source, i));
      else {
        assert.ok(Number.isNaN(x), `arch ${i}: missing value exported as ${x}`);
        missing++;
      }
    }
    assert.ok(missing > 1000, `expected the cells without proxies to be missing, found ${missing}`);
  });
});

describe('peer subsets: the DELE rows\' labelled archs', () => {
  const truth = column(nb201, 'c10_test_200ep').values;
  const split = splitDataset(nb201.archs.length, 0);
  it('NB201 main table: the first 78 / 390 / 781 of the training split for every seed, scored on the 7,812 held out', () => {
    const { heldOut, subsets } = peerSubsets(nb201, table('nb201'));
    assert.deepEqual(heldOut, split.heldOut);
    assert.deepEqual(
      subsets.map((s) => [s.size, s.seed, s.labelled.length]),
      [78, 390, 781].flatMap((n, r) => [0, 1, 2].map((seed) => [`${[1, 5, 10][r]}% (${n})`, seed, n])),
    );
    for (const s of subsets) assert.deepEqual(s.labelled, split.train.slice(0, s.labelled.length));
  });
  it('NB201 at 8 and 40 labels: a subset per seed, as dele bench --counts 8,40 --subset-seeds labels it', () => {
    const { subsets } = peerSubsets(nb201, table('nb201-small'));
    assert.deepEqual(
      subsets.map((s) => [s.size, s.seed, s.labelled.length]),
      [8, 40].flatMap((n) => [0, 1, 2, 3, 4].map((seed) => [String(n), seed, n])),
    );
    const held = new Set(split.heldOut);
    for (const s of subsets) {
      assert.deepEqual(s.labelled, benchLabelledArchs(split.train, ratioForCount(s.labelled.length, split.train.length), s.seed, truth));
      assert.ok(s.labelled.every((i) => !held.has(i)), 'a labelled arch is held out');
    }
    // Seeds draw different archs; one seed's 8 are the first of its 40 (nested, as dele bench's subsets are).
    const bySeed = (n: number, seed: number): number[] => defined(subsets.find((s) => s.labelled.length === n && s.seed === seed)).labelled;
    assert.notDeepEqual(bySeed(8, 0), bySeed(8, 1));
    for (let seed = 0; seed < 5; seed++) assert.deepEqual(bySeed(40, seed).slice(0, 8), bySeed(8, seed));
  });
  it('NB201 ablation protocol: 78 and 390 labels per seed from outside the validation carve', () => {
    const { heldOut, subsets } = peerSubsets(nb201, table('nb201-ablation'));
    const carve = carveValidation(nb201.archs.length, 2000);
    assert.deepEqual(heldOut, carve.heldOut);
    assert.deepEqual(
      subsets.map((s) => s.labelled.length),
      [78, 78, 78, 78, 78, 390, 390, 390, 390, 390],
    );
    const validation = new Set(carve.validation);
    const pool = new Set(carve.pool);
    for (const s of subsets) assert.ok(s.labelled.every((i) => pool.has(i) && !validation.has(i)), `seed ${s.seed}: labels outside the pool`);
    assert.notDeepEqual(at(subsets, 0).labelled, at(subsets, 1).labelled);
  });
  it('NB101 at 10 / 25 / 50 / 72 labels and TransNAS ratios: the counts of the tables', () => {
    const nb101 = peerSubsets(loadBundled('nb101'), table('nb101')).subsets;
    assert.deepEqual([...new Set(nb101.map((s) => s.labelled.length))], [10, 25, 50, 72]);
    const micro = peerSubsets(loadBundled('tnb101-micro'), table('tnb101-micro-class_scene')).subsets;
    assert.deepEqual([...new Set(micro.map((s) => s.size))], ['1% (20)', '5% (102)', '10% (204)']);
    const macro = peerSubsets(loadBundled('tnb101-macro'), table('tnb101-macro-class_object')).subsets;
    assert.deepEqual([...new Set(macro.map((s) => s.size))], ['1% (16)', '5% (81)', '10% (162)']);
  });
});

describe('peer task files', () => {
  it('write the features, target and subsets the Python side reads', () => {
    const ds = loadBundled('nb101');
    const t = table('nb101');
    const f = peerFeatures(ds, peerLfColumns(ds));
    const truth = column(ds, t.target).values;
    const { heldOut, subsets } = peerSubsets(ds, t);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'peer-test-'));
    try {
      writePeerTask(dir, f, truth, heldOut, subsets);
      const task = JSON.parse(fs.readFileSync(path.join(dir, 'task.json'), 'utf8')) as { rows: number; cols: number; heldOut: number[]; subsets: { seed: number; labelled: number[] }[] };
      assert.equal(task.rows, ds.archs.length);
      assert.equal(task.cols, f.names.length);
      assert.deepEqual(task.heldOut, heldOut);
      assert.deepEqual(task.subsets, subsets.map((s) => ({ seed: s.seed, labelled: s.labelled })));
      const raw = fs.readFileSync(path.join(dir, 'features.f64'));
      const back = new Float64Array(raw.buffer.slice(raw.byteOffset, raw.byteOffset + raw.byteLength));
      assert.equal(back.length, f.values.length);
      for (let i = 0; i < back.length; i++) assert.ok(Object.is(back[i], f.values[i]), `feature value ${i}`);
      const y = fs.readFileSync(path.join(dir, 'target.f64'));
      assert.deepEqual([...new Float64Array(y.buffer.slice(y.byteOffset, y.byteOffset + y.byteLength))], [...truth]);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
