import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../../src/runtime/backend';
import { disposeBatch, encodeBatch, EnsembleModel, gateStructuralMeasures, type ModelConfig } from '../../src/predictor/model';
import { modelBase, PRESETS } from '../../src/predictor/presets';
import { modelConfigFor } from '../../src/predictor/train';
import { parseSpaceFile } from '../../src/space/registry';
import { nb101Space } from '../../src/space/nb101';
import { nb201Space } from '../../src/space/nb201';
import { nb301Space } from '../../src/space/nb301';
import { tnb101MacroSpace } from '../../src/space/tnb101Macro';
import { tnb101MicroSpace } from '../../src/space/tnb101Micro';
import { structuralMeasures } from '../../src/space/structural';
import type { ArchFeatures, SearchSpace } from '../../src/space/types';
import { Rng } from '../../src/util/rng';

const declaredSequence = parseSpaceFile('name: seq\nkind: sequence\npositions: 7\nchoices: [none, skip, conv1x1, conv3x3]\n', 's.space.yaml').space;
const SPACES: SearchSpace<unknown>[] = [nb201Space, tnb101MicroSpace, tnb101MacroSpace, nb301Space, nb101Space, declaredSequence] as SearchSpace<unknown>[];

function featuresOf(space: SearchSpace<unknown>, n: number, seed: number): ArchFeatures[] {
  const rng = new Rng(seed);
  return space.sample(() => rng.next(), n).map((a) => space.features(a));
}

function deleConfig(space: SearchSpace<unknown>, experts: number, gateStructural: boolean): ModelConfig {
  const base = modelBase(PRESETS.tiny, 'gates', space.encoderInput);
  const cfg = modelConfigFor(base, 'dele', Array.from({ length: experts }, (_, k) => `lf${k}`));
  return gateStructural ? { ...cfg, gateStructural: true } : cfg;
}

describe('structural measure bounds (StructuralMeasure.max)', () => {
  it('every measure of every bundled space and a declared sequence lies in [0, max] on 300 sampled archs, and the bounds are not loose', () => {
    for (const space of SPACES) {
      const measures = structuralMeasures(space);
      assert.ok(measures.length > 0, space.id);
      let tightest = 0;
      for (const m of measures) {
        assert.ok(Number.isInteger(m.max) && m.max > 0, `${space.id} ${m.name}: bound ${m.max}`);
        let top = 0;
        for (const f of featuresOf(space, 300, 1)) {
          const v = m.value(f);
          assert.ok(v >= 0 && v <= m.max, `${space.id} ${m.name}: ${v} outside [0, ${m.max}]`);
          top = Math.max(top, v);
        }
        tightest = Math.max(tightest, top / m.max);
      }
      // Scaled by its bound a measure still spans a good part of [0, 1] (DARTS: 8 of a cell's 14 edges carry ops).
      assert.ok(tightest >= 0.5, `${space.id}: every measure stays below half its bound (at most ${tightest})`);
    }
  });
});

describe('a gate that reads structural measures (ModelConfig.gateStructural)', () => {
  before(async () => {
    await initBackend('wasm');
  });

  it('encodes the measures / bound per arch, and leaves no tensor behind', () => {
    const feats = featuresOf(nb201Space, 5, 2);
    const measures = gateStructuralMeasures(nb201Space.encoderInput);
    const before = tf.memory().numTensors;
    const b = encodeBatch(deleConfig(nb201Space, 2, true), feats);
    assert.deepEqual(b.gateFeatures?.shape, [5, measures.length]);
    const values = b.gateFeatures!.arraySync();
    feats.forEach((f, i) => measures.forEach((m, j) => assert.ok(Math.abs(values[i]![j]! - m.value(f) / m.max) < 1e-6, m.name)));
    disposeBatch(b);
    assert.equal(tf.memory().numTensors, before);
    const plain = encodeBatch(deleConfig(nb201Space, 2, false), feats);
    assert.equal(plain.gateFeatures, undefined, 'no structural input without the setting');
    disposeBatch(plain);
  });

  it('widens only the gate: the experts are those of the same seed without it, and the gate weights follow the structural input', () => {
    for (const space of [nb201Space, nb101Space] as SearchSpace<unknown>[]) {
      const feats = featuresOf(space, 6, 3);
      const withIt = new EnsembleModel(deleConfig(space, 3, true), 7);
      const without = new EnsembleModel(deleConfig(space, 3, false), 7);
      try {
        const f = gateStructuralMeasures(space.encoderInput).length;
        assert.equal(withIt.params.vars.get('gate.mlp.0.w')?.shape[0], without.params.vars.get('gate.mlp.0.w')!.shape[0]! + f, `${space.id}: the gate's first layer reads the ${f} measures`);
        for (const v of without.expertVariables()) {
          const name = [...without.params.vars].find(([, x]) => x === v)![0];
          assert.deepEqual(withIt.params.vars.get(name)!.dataSync(), v.dataSync(), `${space.id}: ${name}`);
        }
        const b = encodeBatch(withIt.config, feats);
        try {
          const w = tf.tidy(() => withIt.gateWeights(b, false).arraySync());
          w.forEach((row) => assert.ok(Math.abs(row.reduce((s, x) => s + x, 0) - 1) < 1e-5));
          // The same encoded archs with the structural rows shifted: the gate's weights move with them.
          const shifted = { ...b, gateFeatures: tf.tidy(() => tf.concat([tf.slice(b.gateFeatures!, [1, 0], [5, -1]), tf.slice(b.gateFeatures!, [0, 0], [1, -1])])) as tf.Tensor2D };
          const w2 = tf.tidy(() => withIt.gateWeights(shifted, false).arraySync());
          shifted.gateFeatures.dispose();
          assert.ok(w.some((row, i) => row.some((x, k) => Math.abs(x - w2[i]![k]!) > 1e-6)), `${space.id}: the gate ignores its structural input`);
          const missing = { ...b, gateFeatures: undefined };
          assert.throws(() => tf.tidy(() => withIt.gateWeights(missing, false)), /reads structural measures/);
        } finally {
          disposeBatch(b);
        }
      } finally {
        withIt.dispose();
        without.dispose();
      }
    }
  });
});
