import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import { nb201Space } from '../../src/space/nb201';
import { nb201FromCode } from '../../src/space/nb201/cell';
import { initBackend } from '../../src/predictor/backend';
import { hingeLoss, samplePairs } from '../../src/predictor/loss';
import { disposeBatch, encodeBatch, EnsembleModel, type ModelConfig } from '../../src/predictor/model';
import { Rng } from '../../src/predictor/rng';
import { ensembleStep } from '../../src/predictor/train';

const CFG: ModelConfig = {
  encoder: 'gates',
  experts: ['a', 'b', 'c'],
  gate: true,
  mlpHiddens: [16],
  dropout: 0.2,
  gates: { opDim: 8, nodeDim: 8, hidDim: 12, gcnOutDims: [12, 12] },
  lstm: { embDim: 8, hidDim: 8 },
  input: nb201Space.encoderInput,
};

describe('step-2 two-pass update', () => {
  before(async () => {
    await initBackend('wasm');
  });

  for (const encoder of ['gates', 'lstm'] as const) {
    it(`gives the same gradients as one joint backward pass (${encoder})`, () => {
      const model = new EnsembleModel({ ...CFG, encoder }, 5);
      const rng = new Rng(9);
      const archs = Array.from({ length: 40 }, () => nb201FromCode(rng.int(15625)));
      const batch = encodeBatch({ ...CFG, encoder }, archs.map((a) => nb201Space.features(a)));
      const pairs = samplePairs(archs.map(() => rng.next()), rng, 4);
      const seeds = [11, 22, 33, 44];
      const vars = model.allVariables();
      const joint = tf.variableGrads(
        () => hingeLoss(tf.reshape(model.forward(batch, true, seeds).score, [1, archs.length]) as tf.Tensor2D, [pairs], 0.1),
        vars,
      );
      const recorded: tf.NamedTensorMap = {};
      const loss = ensembleStep(model, { apply: (_v, g) => Object.entries(g).forEach(([n, t]) => (recorded[n] = tf.clone(t))) }, batch, pairs, 0.1, seeds);
      assert.ok(Math.abs(loss - joint.value.dataSync()[0]) < 1e-5);
      assert.equal(Object.keys(recorded).length, vars.length);
      for (const v of vars) {
        const a = joint.grads[v.name].dataSync();
        const b = recorded[v.name].dataSync();
        let maxDiff = 0;
        let maxAbs = 0;
        for (let i = 0; i < a.length; i++) {
          maxDiff = Math.max(maxDiff, Math.abs(a[i] - b[i]));
          maxAbs = Math.max(maxAbs, Math.abs(a[i]));
        }
        assert.ok(maxDiff <= 1e-5 + 1e-4 * maxAbs, `${v.name}: max diff ${maxDiff} (max |g| ${maxAbs})`);
      }
      assert.ok(Object.values(recorded).some((t) => tf.max(tf.abs(t)).dataSync()[0] > 0), 'some gradient is non-zero');
      tf.dispose([joint.value, ...Object.values(joint.grads), ...Object.values(recorded)]);
      disposeBatch(batch);
      model.dispose();
    });
  }
});
