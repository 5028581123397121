import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import { initBackend } from '../../src/runtime/backend';
import { hingeLoss, hingeLossValue, samplePairs } from '../../src/predictor/loss';
import { Rng } from '../../src/util/rng';
import { at, defined } from './at';

describe('pair sampling', () => {
  it('drops ties and missing values, orients pairs by value', () => {
    const p = samplePairs([3, 1, 3, NaN, 2], new Rng(1), 100);
    // finite: idx 0,1,2,4 -> pairs (0,1),(0,4),(1,2),(1,4),(2,4); (0,2) tied
    assert.equal(p.a1.length, 5);
    for (let t = 0; t < p.a1.length; t++) {
      const v = [3, 1, 3, NaN, 2];
      assert.notEqual(p.a1[t], 3);
      assert.notEqual(p.a2[t], 3);
      assert.equal(p.sign[t], at(v, at(p.a2, t)) > at(v, at(p.a1, t)) ? 1 : -1);
    }
  });

  it('keeps at most maxRatio x N pairs, without duplicates, reproducibly', () => {
    const v = Array.from({ length: 50 }, (_, i) => i);
    const a = samplePairs(v, new Rng(7), 4);
    const b = samplePairs(v, new Rng(7), 4);
    assert.equal(a.a1.length, 200);
    assert.deepEqual(a, b);
    const keys = new Set(Array.from(a.a1, (x, t) => `${x},${a.a2[t]}`));
    assert.equal(keys.size, 200);
  });
});

describe('hinge loss', () => {
  before(async () => {
    await initBackend('wasm');
  });

  it('matches the hand-computed value', () => {
    // pairs want s[a2] > s[a1] (sign +1): s = [0, 0.05, 1]
    const pairs = { a1: Int32Array.from([0, 0, 1]), a2: Int32Array.from([1, 2, 2]), sign: Float32Array.from([1, 1, -1]) };
    // terms: max(0, .1-.05)=.05, max(0,.1-1)=0, max(0, .1+(1-.05))=1.05 -> mean 1.1/3
    assert.ok(Math.abs(hingeLossValue([0, 0.05, 1], pairs, 0.1) - 1.1 / 3) < 1e-9);
    const s = tf.tensor2d([[0, 0.05, 1]]);
    const l = hingeLoss(s, [pairs], 0.1);
    assert.ok(Math.abs(at(l.dataSync(), 0) - 1.1 / 3) < 1e-6);
    tf.dispose([s, l]);
  });

  it('has the right gradient (finite differences) and does not leak tensors', () => {
    const pairs = samplePairs([0.3, 0.9, 0.1, 0.5], new Rng(3), 10);
    const x = tf.variable(tf.tensor2d([[0.2, -0.1, 0.4, 0.0]]));
    const before = tf.memory().numTensors;
    const { value, grads } = tf.variableGrads(() => hingeLoss(x as unknown as tf.Tensor2D, [pairs], 0.1), [x]);
    const g = defined(grads[x.name], 'gradient of x').dataSync();
    const base = Array.from(x.dataSync());
    for (let i = 0; i < 4; i++) {
      const up = [...base];
      up[i] = at(up, i) + 1e-4;
      const dn = [...base];
      dn[i] = at(dn, i) - 1e-4;
      const fd = (hingeLossValue(up, pairs, 0.1) - hingeLossValue(dn, pairs, 0.1)) / 2e-4;
      assert.ok(Math.abs(fd - at(g, i)) < 1e-3, `d/ds${i}: ${g[i]} vs ${fd}`);
    }
    tf.dispose([value, ...Object.values(grads)]);
    assert.equal(tf.memory().numTensors, before);
    x.dispose();
  });
});
