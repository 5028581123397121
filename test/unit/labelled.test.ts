import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { before, describe, it } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import { column, type Dataset, DataError, loadBundledNb201 } from '../../src/data/dataset';
import { Step1Cache } from '../../src/experiment/step1Cache';
import { type LabelledArch, poolWithLabels, trainOnLabels } from '../../src/predictor/labelled';
import { initBackend } from '../../src/runtime/backend';
import { nb201Slice } from './slice';

const TRUTH = 'c10_test_200ep';
const LF = ['c10valid_xvalid_12ep', 'zc_c10_synflow', 'zc_c10_nwot'];
const FAST = { method: 'dele' as const, encoder: 'gates' as const, target: 'acc', preset: 'tiny' as const, optim: { pretrainEpochs: 2, epochs: 8 } };

describe('training on a practitioner’s labels (trainOnLabels)', () => {
  let pool: Dataset;
  /** Labels drawn from the benchmark's truth: rows 1500.. of the table (outside the pool) and pool rows. */
  let truthOf: (i: number) => LabelledArch;
  before(async () => {
    await initBackend('wasm');
    const full = loadBundledNb201();
    pool = nb201Slice(LF, { size: 800, stride: 7, source: 'test-pool' });
    const truth = column(full, TRUTH).values;
    truthOf = (i) => ({ arch: full.archs[i], value: truth[i]! });
  });

  it('joins labels by canonical architecture: pool rows get the value, others become extra rows, the last duplicate wins', () => {
    const inPool = truthOf(7 * 3);
    const outside = truthOf(5);
    const { ds, labelled, outsidePool } = poolWithLabels(pool, [inPool, outside, { ...inPool, value: 12.5 }, { arch: outside.arch, value: NaN }], 'acc');
    assert.equal(outsidePool, 1);
    assert.equal(ds.archs.length, pool.archs.length + 1);
    assert.deepEqual(labelled, [3, pool.archs.length]);
    const acc = column(ds, 'acc').values;
    assert.equal(acc[3], 12.5);
    assert.equal(acc[pool.archs.length], outside.value);
    // The extra row has no LF value: step 1 never trains on it.
    assert.ok(Number.isNaN(column(ds, LF[0]!).values[pool.archs.length]!));
    assert.throws(() => poolWithLabels(pool, [inPool], LF[0]!), /also a column/);
  });

  it('step 1 comes from the store the second time, bit for bit the same predictor; more labels cost only step 2', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dele-labelled-'));
    const labels = Array.from({ length: 12 }, (_, j) => truthOf(j * 97 + 1));
    const tensors = tf.memory().numTensors;
    const a = await trainOnLabels(pool, labels, { ...FAST, step1: new Step1Cache(dir) });
    assert.equal(a.step1Cached, false);
    assert.equal(a.labelled, 12);
    assert.equal(a.outsidePool, 12 - labels.filter((l) => pool.keys.includes(pool.space.key(l.arch))).length);
    const b = await trainOnLabels(pool, labels, { ...FAST, step1: new Step1Cache(dir) });
    assert.equal(b.step1Cached, true);
    const archs = pool.archs.slice(0, 50);
    assert.deepEqual(
      b.predictor.predict(archs).map((p) => p.score),
      a.predictor.predict(archs).map((p) => p.score),
    );
    const more = await trainOnLabels(pool, [...labels, ...Array.from({ length: 5 }, (_, j) => truthOf(j * 89 + 3))], { ...FAST, step1: new Step1Cache(dir) });
    assert.equal(more.step1Cached, true);
    assert.equal(more.labelled, 17);
    assert.equal(more.predictor.meta.labels?.count, 17);
    assert.notDeepEqual(
      more.predictor.predict(archs).map((p) => p.score),
      a.predictor.predict(archs).map((p) => p.score),
    );
    // A step-2 setting (here the weight averaging) reuses step 1 too; a step-1 setting does not.
    const averaged = await trainOnLabels(pool, labels, { ...FAST, optim: { ...FAST.optim, finetuneAverage: 0.5 }, step1: new Step1Cache(dir) });
    assert.equal(averaged.step1Cached, true);
    const longer = await trainOnLabels(pool, labels, { ...FAST, optim: { ...FAST.optim, pretrainEpochs: FAST.optim.pretrainEpochs + 1 }, step1: new Step1Cache(dir) });
    assert.equal(longer.step1Cached, false);
    for (const r of [a, b, more, averaged, longer]) r.predictor.dispose();
    assert.equal(tf.memory().numTensors, tensors);
  });

  it('runs step 2 at the rate of the final training’s label count, in the cross-validation folds too (step2LearningRate)', async () => {
    // 210 labels: above FEW_LABELS, while each fold trains on 140, below it.
    const labels = Array.from({ length: 210 }, (_, j) => truthOf(j * 7 + 1));
    const byRule = await trainOnLabels(pool, labels, FAST);
    const explicit = await trainOnLabels(pool, labels, { ...FAST, optim: { ...FAST.optim, finetuneLr: 1e-3 } });
    assert.equal(byRule.predictor.meta.optim.finetuneLr, 1e-3);
    assert.deepEqual(byRule.crossValidation?.foldTaus, explicit.crossValidation?.foldTaus);
    const few = await trainOnLabels(pool, labels.slice(0, 30), FAST);
    assert.equal(few.predictor.meta.optim.finetuneLr, 3e-4);
    for (const r of [byRule, explicit, few]) r.predictor.dispose();
  });

  it('cross-validates on 10 or more labels, not on fewer; refuses fewer than 2', async () => {
    const three = await trainOnLabels(pool, Array.from({ length: 10 }, (_, j) => truthOf(j * 53 + 2)), FAST);
    assert.equal(three.crossValidation?.folds, 3);
    three.predictor.dispose();
    const many = await trainOnLabels(pool, Array.from({ length: 20 }, (_, j) => truthOf(j * 53 + 2)), { ...FAST, folds: 5 });
    assert.equal(many.crossValidation?.folds, 5);
    assert.equal(many.crossValidation?.n, 20);
    assert.equal(many.crossValidation?.foldTaus.length, 5);
    assert.ok(Math.abs(many.crossValidation!.kendallTau) <= 1);
    assert.deepEqual(many.predictor.meta.crossValidation, many.crossValidation);
    many.predictor.dispose();
    const few = await trainOnLabels(pool, Array.from({ length: 6 }, (_, j) => truthOf(j * 53 + 2)), FAST);
    assert.equal(few.crossValidation, undefined);
    few.predictor.dispose();
    await assert.rejects(trainOnLabels(pool, [truthOf(1)], FAST), (e) => DataError.is(e) && /1 labelled architecture; need at least 2/.test(e.message));
  });
});
