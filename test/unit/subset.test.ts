import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { before, describe, it } from 'node:test';
import { column, DataError, type Dataset, groundTruthSubset, permutation, splitDataset } from '../../src/data/dataset';
import { initBackend } from '../../src/runtime/backend';
import { runBenchTask } from '../../src/experiment/bench';
import { trainPredictor, type TrainOptions } from '../../src/predictor/predictor';
import { nb201Slice } from './slice';
import { at } from './at';
import type { TrainHooks } from '../../src/predictor/train';

const TARGET = 'c10_test_200ep';
const EXPERTS = ['c10valid_xvalid_12ep', 'zc_c10_synflow', 'zc_c10_jacov'];

const smallData = (): Dataset => nb201Slice([TARGET, ...EXPERTS]);

/** The same data with the held-out split's targets replaced by `value(i)`; features, LF values and train targets untouched. */
function poisonHeldOut(ds: Dataset, splitSeed: number, value: (i: number) => number): Dataset {
  const { heldOut } = splitDataset(ds.archs.length, splitSeed);
  const values = Float64Array.from(column(ds, TARGET).values);
  for (const i of heldOut) values[i] = value(i);
  return { ...ds, columns: ds.columns.map((c) => (c.name === TARGET ? { ...c, values } : c)) };
}

/** Seeded uniform values in [0, 100), unrelated to anything in the data. */
function randomValues(seed: number): (i: number) => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return (s / 2 ** 32) * 100;
  };
}

type Trained = Awaited<ReturnType<typeof trainPredictor>>;

/** Every variable bit-identical (same names, shapes and float32 bytes). */
function assertSameWeights(a: Trained, b: Trained, what: string): void {
  const va = a.predictor.model.params.vars;
  const vb = b.predictor.model.params.vars;
  assert.deepEqual([...va.keys()], [...vb.keys()], `${what}: variable names`);
  for (const [name, v] of va) {
    const w = vb.get(name)!;
    assert.deepEqual(v.shape, w.shape, `${what}: shape of ${name}`);
    const x = v.dataSync() as Float32Array;
    const y = w.dataSync() as Float32Array;
    assert.ok(Buffer.from(x.buffer, x.byteOffset, x.byteLength).equals(Buffer.from(y.buffer, y.byteOffset, y.byteLength)), `${what}: ${name} differs`);
  }
}

const OPTS: TrainOptions = {
  method: 'dele',
  encoder: 'gates',
  target: TARGET,
  trainRatio: 0.1,
  experts: EXPERTS,
  preset: 'tiny',
  seed: 3,
  optim: { pretrainEpochs: 3, epochs: 30 },
};

describe('ground-truth subset seed', () => {
  const split = splitDataset(15625);

  it('no subset seed is exactly the first N of the training list', () => {
    for (const r of [0.001, 0.01, 0.05, 0.1, 0.5, 1]) {
      const n = Math.max(2, Math.floor(r * split.train.length));
      assert.deepEqual(groundTruthSubset(split.train, r), split.train.slice(0, n));
      assert.deepEqual(groundTruthSubset(split.train, r, undefined), split.train.slice(0, n));
    }
    assert.equal(groundTruthSubset(split.train, 0.01).length, 78);
  });

  it('two subset seeds give different subsets of the right size, drawn from the training split', () => {
    const train = new Set(split.train);
    const a = groundTruthSubset(split.train, 0.01, 0);
    const b = groundTruthSubset(split.train, 0.01, 1);
    for (const s of [a, b]) {
      assert.equal(s.length, 78);
      assert.equal(new Set(s).size, 78);
      assert.ok(s.every((i) => train.has(i)));
    }
    const overlap = a.filter((i) => new Set(b).has(i)).length;
    assert.ok(overlap < 10, `subsets of seeds 0 and 1 share ${overlap} of 78`);
    assert.notDeepEqual(a, groundTruthSubset(split.train, 0.01));
    // deterministic
    assert.deepEqual(groundTruthSubset(split.train, 0.01, 1), b);
    // the whole training list, shuffled
    assert.deepEqual([...groundTruthSubset(split.train, 1, 5)].sort((x, y) => x - y), [...split.train].sort((x, y) => x - y));
  });

  it('nested across ratios for one subset seed', () => {
    for (const seed of [0, 4]) {
      const s1 = groundTruthSubset(split.train, 0.01, seed);
      const s5 = groundTruthSubset(split.train, 0.05, seed);
      const s10 = groundTruthSubset(split.train, 0.1, seed);
      assert.deepEqual(s5.slice(0, s1.length), s1);
      assert.deepEqual(s10.slice(0, s5.length), s5);
    }
  });

  it('a subset seed does not reuse the split seed of the same number', () => {
    for (let k = 0; k < 4; k++) {
      const splitOrder = permutation(split.train.length, k + 1).slice(0, 78).map((j) => split.train[j]);
      assert.notDeepEqual(groundTruthSubset(split.train, 0.01, k), splitOrder);
    }
  });

  it('rejects a subset seed that is not a non-negative integer', () => {
    for (const bad of [-1, 1.5, Number.NaN]) assert.throws(() => groundTruthSubset(split.train, 0.01, bad), (e: unknown) => DataError.is(e));
  });
});

describe('held-out poisoning: the held-out split never influences training or any choice', () => {
  let ds: Dataset;
  before(async () => {
    await initBackend('wasm');
    ds = smallData();
  });

  it('DELE: identical weights and calibration with random held-out targets; only held-out metrics differ', async () => {
    const poisoned = poisonHeldOut(ds, 0, randomValues(11));
    const clean = await trainPredictor(ds, OPTS);
    const dirty = await trainPredictor(poisoned, OPTS);
    try {
      assertSameWeights(clean, dirty, 'dele');
      assert.deepEqual(dirty.predictor.meta.calibration, clean.predictor.meta.calibration);
      assert.equal(dirty.predictor.meta.dataset.groundTruthSize, clean.predictor.meta.dataset.groundTruthSize);
      assert.equal('subsetSeed' in clean.predictor.meta, false);
      assert.notEqual(dirty.metrics.kendallTau, clean.metrics.kendallTau);
      assert.ok(Math.abs(dirty.metrics.kendallTau) < 0.15, `tau against random targets ${dirty.metrics.kendallTau}`);
    } finally {
      clean.predictor.dispose();
      dirty.predictor.dispose();
    }
  });

  it('with the held-out monitor on (and a subset seed): the monitor sees the poison, training does not', async () => {
    const opts: TrainOptions = { ...OPTS, subsetSeed: 1 };
    const poisoned = poisonHeldOut(ds, 0, randomValues(12));
    const curve = (h: TrainHooks & { events: number[] }): TrainHooks => ({ monitorEvery: 5, onEpoch: (e) => e.monitorKendall !== undefined && h.events.push(e.monitorKendall) });
    const cleanCurve = { events: [] as number[] };
    const dirtyCurve = { events: [] as number[] };
    const clean = await trainPredictor(ds, opts, curve(cleanCurve));
    const dirty = await trainPredictor(poisoned, opts, curve(dirtyCurve));
    const unmonitored = await trainPredictor(ds, opts);
    try {
      assert.equal(cleanCurve.events.length, 6);
      assert.notDeepEqual(dirtyCurve.events, cleanCurve.events);
      assertSameWeights(clean, dirty, 'monitored clean vs poisoned');
      assertSameWeights(clean, unmonitored, 'monitored vs unmonitored');
      assert.deepEqual(dirty.predictor.meta.calibration, clean.predictor.meta.calibration);
      assert.deepEqual(unmonitored.predictor.meta.calibration, clean.predictor.meta.calibration);
      assert.equal(clean.predictor.meta.subsetSeed, 1);
      assert.deepEqual(unmonitored.metrics, clean.metrics);
    } finally {
      for (const t of [clean, dirty, unmonitored]) t.predictor.dispose();
    }
  });

  it('single-LF baseline (bench): the same LF choice and ground truth when held-out targets copy another LF', async () => {
    const task = { encoder: 'gates' as const, seed: 2, subsetSeed: 2, ratios: [0.05, 0.1], target: TARGET, preset: 'tiny' as const, experts: EXPERTS, optim: { pretrainEpochs: 2, epochs: 20 }, methods: ['single' as const] };
    const clean = await runBenchTask(ds, task);
    assert.deepEqual(clean.map((r) => r.groundTruth), [37, 75]);
    assert.ok(clean.every((r) => r.subsetSeed === 2));
    // Adversarial poison: held-out targets equal to an LF the clean run did not choose, so a choice that peeked at
    // the held-out split would pick that LF (tau 1 there).
    const other = EXPERTS.find((n) => !clean.some((r) => r.lf === n))!;
    const otherValues = column(ds, other).values;
    const rnd = randomValues(13);
    const poisoned = poisonHeldOut(ds, 0, (i) => {
      const v = otherValues[i] ?? NaN;
      return Number.isFinite(v) ? v : rnd(i);
    });
    const dirty = await runBenchTask(poisoned, task);
    assert.deepEqual(dirty.map((r) => [r.method, r.ratio, r.lf, r.groundTruth]), clean.map((r) => [r.method, r.ratio, r.lf, r.groundTruth]));
    for (let k = 0; k < clean.length; k++) assert.notEqual(at(dirty, k).metrics.kendallTau, at(clean, k).metrics.kendallTau);
  });
});

describe('dele CLI: subset seeds', () => {
  const CLI = path.resolve(__dirname, '../../dist/cli.js');
  const FIXTURE = path.resolve(__dirname, '../fixtures/nb201_sample.csv');
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'dele-subset-'));
  const dele = (args: string[]) => spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', timeout: 120_000 });

  it('train --subset-seed 3 records subsetSeed in model.json; a bad value is a usage error', () => {
    const out = path.join(tmp, 'model');
    const r = dele(['train', '--data', FIXTURE, '--target', 'val_acc', '--preset', 'tiny', '--ratio', '0.5', '--pretrain-epochs', '1', '--epochs', '5', '--subset-seed', '3', '--out', out]);
    assert.equal(r.status, 0, r.stderr);
    const meta = JSON.parse(fs.readFileSync(path.join(out, 'model.json'), 'utf8'));
    assert.equal(meta.subsetSeed, 3);
    assert.equal(meta.dataset.groundTruthSize, 100);
    const bad = dele(['train', '--data', FIXTURE, '--target', 'val_acc', '--subset-seed=-1', '--out', path.join(tmp, 'bad')]);
    assert.equal(bad.status, 2, bad.stderr);
    assert.match(bad.stderr, /subset-seed/);
    assert.equal(fs.existsSync(path.join(tmp, 'bad')), false);
  });

  it('bench --report prints whether the seeds varied the ground-truth subset', () => {
    const file = path.join(tmp, 'bench.json');
    const base = { space: 'nb201', target: TARGET, preset: 'tiny', seeds: 2, ratios: [0.01], backend: 'wasm', wallSeconds: 1, peakRssMb: 1, rows: [] };
    fs.writeFileSync(file, JSON.stringify({ ...base, subsetSeeds: true }));
    const on = dele(['bench', '--report', file]);
    assert.equal(on.status, 0, on.stderr);
    assert.match(on.stdout, /seed i uses subset seed i/);
    fs.writeFileSync(file, JSON.stringify(base));
    const off = dele(['bench', '--report', file]);
    assert.equal(off.status, 0, off.stderr);
    assert.match(off.stdout, /first N of the train split for every seed/);
  });
});
