import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import { column, type Dataset, loadBundledNb201 } from '../../src/data/dataset';
import { Adam } from '../../src/predictor/adam';
import { applyGatePrior } from '../../src/predictor/gatePrior';
import { EnsembleModel } from '../../src/predictor/model';
import { modelBase, PRESETS } from '../../src/predictor/presets';
import { modelConfigFor, pretrainExperts, scoreArchs } from '../../src/predictor/train';
import { initBackend } from '../../src/runtime/backend';
import { kendallTau } from '../../src/util/kendall';
import { Rng } from '../../src/util/rng';

const TRUTH = 'c10_test_200ep';

describe('the gate prior (applyGatePrior)', () => {
  let ds: Dataset;
  let truth: Float64Array;
  const pool = Array.from({ length: 300 }, (_, i) => i * 13);
  const labelled = pool.slice(0, 12);
  before(async () => {
    await initBackend('wasm');
    ds = loadBundledNb201();
    truth = column(ds, TRUTH).values;
  });

  /** Experts pretrained on the truth itself, on its reverse and on params: the first ranks the labels best. */
  async function pretrained(): Promise<{ model: EnsembleModel; opt: Adam }> {
    const preset = PRESETS.tiny;
    const model = new EnsembleModel(modelConfigFor(modelBase(preset, 'gates', ds.space.encoderInput), 'dele', ['truth', 'reverse', 'params']), 3);
    const opt = new Adam({ lr: preset.optim.lr });
    const reverse = truth.map((v) => -v);
    await pretrainExperts(model, opt, ds.features, pool, [truth, reverse, column(ds, 'params_M').values], { ...preset.optim, pretrainEpochs: 8 }, new Rng(3));
    return { model, opt };
  }

  it('sets the gate output bias to (tau_k - best) / T from each expert’s tau on the labels, so the gate leans on the best', async () => {
    const { model, opt } = await pretrained();
    const archs = labelled.map((i) => ds.features[i]!);
    const before = scoreArchs(model, archs);
    const tensors = tf.memory().numTensors;
    const prior = applyGatePrior(model, ds.features, [...labelled, 5], Object.assign(Float64Array.from(truth), { 5: NaN }), 0.02);
    assert.equal(tf.memory().numTensors, tensors);
    const k = 3;
    const expected = [0, 1, 2].map((j) => kendallTau(archs.map((_, r) => before.expertScores[r * k + j]!), labelled.map((i) => truth[i]!)));
    assert.deepEqual(prior.taus, expected);
    assert.ok(prior.taus[0]! > 0.3 && prior.taus[0]! > prior.taus[2]! && prior.taus[1]! < -0.3, `taus ${prior.taus}`);
    const best = Math.max(...expected);
    assert.deepEqual(prior.bias, expected.map((t) => (t - best) / 0.02));
    assert.deepEqual(Array.from(model.gateOutputBias()!.dataSync()), prior.bias.map(Math.fround));
    const after = scoreArchs(model, archs);
    const meanWeight = (w: Float32Array, j: number): number => archs.reduce((s, _, r) => s + w[r * k + j]!, 0) / archs.length;
    assert.ok(meanWeight(before.weights, 0) < 0.5, `before the prior the gate is near uniform (${meanWeight(before.weights, 0)})`);
    assert.ok(meanWeight(after.weights, 0) > 0.9, `after it, the truth expert weighs ${meanWeight(after.weights, 0)}`);
    assert.ok(meanWeight(after.weights, 1) < 1e-6);
    assert.deepEqual(after.expertScores, before.expertScores);
    model.dispose();
    opt.dispose();
  });

  it('refuses a model without a gate and a temperature that is not a positive number', async () => {
    const base = modelBase(PRESETS.tiny, 'gates', ds.space.encoderInput);
    const single = new EnsembleModel(modelConfigFor(base, 'single', ['params']), 0);
    assert.throws(() => applyGatePrior(single, ds.features, labelled, truth, 0.1), /needs a model with a gate/);
    single.dispose();
    const dele = new EnsembleModel(modelConfigFor(base, 'dele', ['a', 'b']), 0);
    for (const t of [0, -1, NaN, Infinity]) assert.throws(() => applyGatePrior(dele, ds.features, labelled, truth, t), /positive number/);
    dele.dispose();
  });
});
