import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import { nb201Space } from '../../src/space/nb201';
import { nb201FromCode } from '../../src/space/nb201/cell';
import { declaredSpace } from '../../src/space/declared';
import { tnb101MacroSpace } from '../../src/space/tnb101Macro';
import type { SearchSpace } from '../../src/space/types';
import { initBackend } from '../../src/runtime/backend';
import { hingeLoss, samplePairs } from '../../src/predictor/loss';
import { disposeBatch, encodeBatch, EnsembleModel, type ModelConfig } from '../../src/predictor/model';
import { Rng } from '../../src/util/rng';
import { ensembleStep } from '../../src/predictor/train';
import { at, defined } from './at';

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

  // NB201 (edge ops), TransNAS-Bench-101 macro (a chain) and a declared NB101-like cell (ops on nodes).
  const nodeCell = declaredSpace({ name: 'cells101', kind: 'cell', opsOn: 'nodes', nodes: 6, ops: ['conv3x3', 'conv1x1', 'pool'] }, 'test');
  const cases: { name: string; space: SearchSpace; draw: (rng: Rng) => unknown }[] = [
    { name: 'nb201', space: nb201Space as SearchSpace, draw: (rng) => nb201FromCode(rng.int(15625)) },
    { name: 'tnb101-macro', space: tnb101MacroSpace as SearchSpace, draw: (rng) => tnb101MacroSpace.fromIndex?.(rng.int(3256)) },
    { name: 'declared node cell', space: nodeCell, draw: (rng) => nodeCell.sample(() => rng.next(), 1)[0] },
  ];
  for (const c of cases)
  for (const encoder of ['gates', 'lstm'] as const) {
    it(`gives the same gradients as one joint backward pass (${c.name}, ${encoder})`, () => {
      const cfg = { ...CFG, encoder, input: c.space.encoderInput };
      const model = new EnsembleModel(cfg, 5);
      const rng = new Rng(9);
      const archs = Array.from({ length: 40 }, () => c.draw(rng));
      const batch = encodeBatch(cfg, archs.map((a) => c.space.features(a)));
      const pairs = samplePairs(archs.map(() => rng.next()), rng, 4);
      const seeds = [11, 22, 33, 44];
      const vars = model.allVariables();
      const joint = tf.variableGrads(
        () => hingeLoss(tf.reshape(model.forward(batch, true, seeds).score, [1, archs.length]) as tf.Tensor2D, [pairs], 0.1),
        vars,
      );
      const recorded: tf.NamedTensorMap = {};
      const loss = ensembleStep(model, { apply: (_v, g) => Object.entries(g).forEach(([n, t]) => (recorded[n] = tf.clone(t))) }, batch, pairs, 0.1, seeds);
      assert.ok(Math.abs(loss - at(joint.value.dataSync(), 0)) < 1e-5);
      assert.equal(Object.keys(recorded).length, vars.length);
      for (const v of vars) {
        const a = defined(joint.grads[v.name], `joint gradient of ${v.name}`).dataSync();
        const b = defined(recorded[v.name], `recorded gradient of ${v.name}`).dataSync();
        let maxDiff = 0;
        let maxAbs = 0;
        for (let i = 0; i < a.length; i++) {
          maxDiff = Math.max(maxDiff, Math.abs(at(a, i) - at(b, i)));
          maxAbs = Math.max(maxAbs, Math.abs(at(a, i)));
        }
        assert.ok(maxDiff <= 1e-5 + 1e-4 * maxAbs, `${v.name}: max diff ${maxDiff} (max |g| ${maxAbs})`);
      }
      assert.ok(Object.values(recorded).some((t) => at(tf.max(tf.abs(t)).dataSync(), 0) > 0), 'some gradient is non-zero');
      tf.dispose([joint.value, ...Object.values(joint.grads), ...Object.values(recorded)]);
      disposeBatch(batch);
      model.dispose();
    });
  }
});
