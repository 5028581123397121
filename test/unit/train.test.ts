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
import { Adam } from '../../src/predictor/adam';
import { PRESETS } from '../../src/predictor/presets';
import { ensembleStep, gateStep, scoreArchs, trainOnTruth } from '../../src/predictor/train';
import { averagedEpochs } from '../../src/predictor/weightAverage';
import { structuralMeasures } from '../../src/space/structural';
import { kendallTau } from '../../src/util/kendall';
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

/** Every variable's recorded gradient equals the expected one to float32 rounding of a sum of terms. */
function assertSameGradients(vars: readonly tf.Variable[], expected: tf.NamedTensorMap, recorded: tf.NamedTensorMap): void {
  for (const v of vars) {
    const a = defined(expected[v.name], `expected gradient of ${v.name}`).dataSync();
    const b = defined(recorded[v.name], `recorded gradient of ${v.name}`).dataSync();
    let maxDiff = 0;
    let maxAbs = 0;
    for (let i = 0; i < a.length; i++) {
      maxDiff = Math.max(maxDiff, Math.abs(at(a, i) - at(b, i)));
      maxAbs = Math.max(maxAbs, Math.abs(at(a, i)));
    }
    assert.ok(maxDiff <= 1e-5 + 1e-4 * maxAbs, `${v.name}: max diff ${maxDiff} (max |g| ${maxAbs})`);
  }
}

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
      assertSameGradients(vars, joint.grads, recorded);
      assert.ok(Object.values(recorded).some((t) => at(tf.max(tf.abs(t)).dataSync(), 0) > 0), 'some gradient is non-zero');
      tf.dispose([joint.value, ...Object.values(joint.grads), ...Object.values(recorded)]);
      disposeBatch(batch);
      model.dispose();
    });
  }
});

describe('gate-only step 2 (OptimConfig.finetuneGateOnly)', () => {
  before(async () => {
    await initBackend('wasm');
  });

  it('moves the gate alone, with the gradient of the ensemble loss over frozen experts; frees its tensors', async () => {
    const model = new EnsembleModel(CFG, 5);
    const rng = new Rng(3);
    const archs = Array.from({ length: 60 }, () => nb201Space.features(nb201FromCode(rng.int(15625))));
    const truth = archs.map(() => rng.next());
    const expertsBefore = model.allVariables().filter((v) => !model.gateVariables().includes(v)).map((v) => [v, v.dataSync().slice()] as const);
    const gateBefore = model.gateVariables().map((v) => v.dataSync().slice());
    // One step's gradient equals the joint loss's gradient with respect to the gate, the experts scoring without dropout.
    const batch = encodeBatch(CFG, archs);
    const pairs = samplePairs(truth, rng, 4);
    const expected = tf.variableGrads(() => {
      const s = tf.transpose(tf.stack([0, 1, 2].map((k) => model.expertScore(k, batch, false))));
      const score = tf.sum(tf.mul(model.gateWeights(batch, true, 7), s), 1);
      return hingeLoss(tf.reshape(score, [1, archs.length]) as tf.Tensor2D, [pairs], 0.1);
    }, model.gateVariables());
    const recorded: tf.NamedTensorMap = {};
    const loss = gateStep(model, { apply: (vars, g) => vars.forEach((v) => (recorded[v.name] = tf.clone(defined(g[v.name], v.name)))) }, batch, pairs, 0.1, 7);
    assert.ok(Math.abs(loss - at(expected.value.dataSync(), 0)) < 1e-6);
    assert.deepEqual(Object.keys(recorded).sort(), model.gateVariables().map((v) => v.name).sort());
    for (const v of model.gateVariables()) assert.deepEqual(defined(recorded[v.name], v.name).dataSync(), defined(expected.grads[v.name], v.name).dataSync(), v.name);
    tf.dispose([expected.value, ...Object.values(expected.grads), ...Object.values(recorded)]);
    disposeBatch(batch);

    const before = tf.memory().numTensors;
    const opt = new Adam({ lr: 1e-2 });
    const cfg = { ...PRESETS.tiny.optim, epochs: 3, finetuneGateOnly: true };
    await trainOnTruth(model, opt, archs, archs.map((_, i) => i), truth, cfg, new Rng(4));
    opt.dispose();
    assert.equal(tf.memory().numTensors, before, 'tensors left behind');
    for (const [v, values] of expertsBefore) assert.deepEqual(v.dataSync(), values, `${v.name} moved`);
    assert.ok(model.gateVariables().some((v, i) => v.dataSync().some((x, j) => x !== gateBefore[i]![j])), 'the gate did not move');
    await assert.rejects(trainOnTruth(new EnsembleModel({ ...CFG, experts: ['a'], gate: false }, 1), new Adam({ lr: 1e-3 }), archs, [0, 1, 2], truth, cfg, new Rng(1)), /needs a gate/);
    model.dispose();
  });
});

describe('a step 2 that replays step 1 (OptimConfig.finetuneExpertLoss)', () => {
  before(async () => {
    await initBackend('wasm');
  });

  const rng = new Rng(8);
  const archs = Array.from({ length: 80 }, () => nb201Space.features(nb201FromCode(rng.int(15625))));
  // Three learnable LF columns (op counts of the cell) and a target unrelated to them.
  const measures = structuralMeasures(nb201Space).filter((m) => /^struct_count_/.test(m.name)).slice(0, 3);
  const lfValues = measures.map((m) => Float64Array.from(archs, (f) => m.value(f)));
  const truth = archs.map(() => rng.next());
  const all = archs.map((_, i) => i);

  it("updates each expert with the gradient of the label loss plus weight x its step-1 loss; the gate with the label loss's", () => {
    const model = new EnsembleModel(CFG, 5);
    const batch = encodeBatch(CFG, archs.slice(0, 30));
    const replayBatch = encodeBatch(CFG, archs.slice(30));
    const pairs = samplePairs(truth.slice(0, 30), rng, 4);
    const replayPairs = lfValues.map((lf) => samplePairs(Array.from(lf.slice(30)), rng, 4));
    const seeds = [11, 22, 33, 44];
    const replay = { batch: replayBatch, pairs: replayPairs, seeds: [55, 66, 77], weight: 0.7 };
    const expected = tf.variableGrads(() => {
      const label = hingeLoss(tf.reshape(model.forward(batch, true, seeds).score, [1, 30]) as tf.Tensor2D, [pairs], 0.1);
      const step1 = [0, 1, 2].map((k) => hingeLoss(tf.reshape(model.expertScore(k, replayBatch, true, replay.seeds[k]), [1, 50]) as tf.Tensor2D, [defined(replayPairs[k], 'pairs')], 0.1));
      return tf.add(label, tf.mul(tf.addN(step1), 0.7)) as tf.Scalar;
    }, model.allVariables());
    const recorded: tf.NamedTensorMap = {};
    ensembleStep(model, { apply: (_v, g) => Object.entries(g).forEach(([n, t]) => (recorded[n] = tf.clone(t))) }, batch, pairs, 0.1, seeds, false, undefined, replay);
    assertSameGradients(model.allVariables(), expected.grads, recorded);
    assert.throws(() => ensembleStep(model, { apply: () => undefined }, batch, pairs, 0.1, seeds, true, undefined, replay), /two passes in one thread/);
    tf.dispose([expected.value, ...Object.values(expected.grads), ...Object.values(recorded)]);
    disposeBatch(batch);
    disposeBatch(replayBatch);
    model.dispose();
  });

  it("keeps the experts closer to their LF rankings than the paper's step 2 does; frees its tensors", async () => {
    const expertTau = async (replay: number | undefined): Promise<number> => {
      const model = new EnsembleModel(CFG, 5);
      const opt = new Adam({ lr: 1e-2 });
      const cfg = { ...PRESETS.tiny.optim, batchSize: 40, epochs: 15, ...(replay !== undefined ? { finetuneExpertLoss: replay } : {}) };
      const before = tf.memory().numTensors;
      await trainOnTruth(model, opt, archs, all, truth, cfg, new Rng(4), {}, undefined, { idx: all, values: lfValues });
      assert.equal(tf.memory().numTensors, before, 'tensors left behind');
      const scores = scoreArchs(model, archs).expertScores;
      const k = model.numExperts;
      const tau = lfValues.reduce((sum, lf, j) => sum + kendallTau(Float64Array.from(archs, (_, i) => at(scores, i * k + j)), lf), 0) / k;
      opt.dispose();
      model.dispose();
      return tau;
    };
    const paper = await expertTau(undefined);
    const replayed = await expertTau(3);
    assert.ok(replayed > paper + 0.2, `experts' tau with their LF: replayed ${replayed.toFixed(3)}, paper's step 2 ${paper.toFixed(3)}`);
  });

  it('refuses a replay without step 1 targets, with a gate-only step 2, or with targets for another number of experts', async () => {
    const model = new EnsembleModel(CFG, 5);
    const opt = new Adam({ lr: 1e-3 });
    const cfg = { ...PRESETS.tiny.optim, epochs: 1, finetuneExpertLoss: 1 };
    await assert.rejects(trainOnTruth(model, opt, archs, all, truth, cfg, new Rng(1)), /needs their targets/);
    await assert.rejects(trainOnTruth(model, opt, archs, all, truth, { ...cfg, finetuneGateOnly: true }, new Rng(1), {}, undefined, { idx: all, values: lfValues }), /every network training/);
    await assert.rejects(trainOnTruth(model, opt, archs, all, truth, cfg, new Rng(1), {}, undefined, { idx: all, values: lfValues.slice(1) }), /3 experts but 2 target columns/);
    opt.dispose();
    model.dispose();
  });
});

describe('step 2 with weight averaging (OptimConfig.finetuneAverage)', () => {
  before(async () => {
    await initBackend('wasm');
  });

  it('averages ceil(fraction x epochs) final epochs, the product rounded first; none without a positive fraction', () => {
    assert.equal(averagedEpochs(0.25, 200), 50);
    assert.equal(averagedEpochs(0.07, 100), 7, '0.07 x 100 is 7.000000000000001 in floating point');
    assert.equal(averagedEpochs(0.14, 50), 7);
    assert.equal(averagedEpochs(0.26, 10), 3);
    assert.equal(averagedEpochs(1, 4), 4);
    assert.equal(averagedEpochs(0.001, 4), 1);
    for (const none of [undefined, 0, -0.5, Number.NaN]) assert.equal(averagedEpochs(none, 200), 0, String(none));
  });

  it("ends on the mean of the weights at the end of its last epochs, on the same trajectory; frees its tensors", async () => {
    const rng = new Rng(12);
    const archs = Array.from({ length: 50 }, () => nb201Space.features(nb201FromCode(rng.int(15625))));
    const truth = archs.map(() => rng.next());
    const all = archs.map((_, i) => i);
    const cfg = { ...PRESETS.tiny.optim, batchSize: 25, epochs: 4 };
    // The plain step 2, with the weights recorded at the end of every epoch.
    const plain = new EnsembleModel(CFG, 5);
    const snapshots: Float32Array[][] = [];
    const optA = new Adam({ lr: 1e-2 });
    await trainOnTruth(plain, optA, archs, all, truth, cfg, new Rng(4), { onEpoch: () => snapshots.push(plain.allVariables().map((v) => v.dataSync().slice() as Float32Array)) });
    // The same step 2 averaging the last half of its epochs (epochs 3 and 4).
    const averaged = new EnsembleModel(CFG, 5);
    const optB = new Adam({ lr: 1e-2 });
    const before = tf.memory().numTensors;
    let epochs = 0;
    await trainOnTruth(averaged, optB, archs, all, truth, { ...cfg, finetuneAverage: 0.5 }, new Rng(4), { onEpoch: () => epochs++ });
    assert.equal(tf.memory().numTensors, before, 'tensors left behind');
    assert.equal(epochs, 4, 'every epoch is still reported');
    let moved = false;
    averaged.allVariables().forEach((v, i) => {
      const got = v.dataSync();
      const third = defined(snapshots[2]?.[i], 'epoch 3');
      const fourth = defined(snapshots[3]?.[i], 'epoch 4');
      for (let j = 0; j < got.length; j++) {
        const want = (at(third, j) + at(fourth, j)) / 2;
        assert.ok(Math.abs(at(got, j) - want) <= 1e-6 * Math.max(1, Math.abs(want)), `${v.name}[${j}]: ${at(got, j)} vs ${want}`);
        if (at(got, j) !== at(fourth, j)) moved = true;
      }
    });
    assert.ok(moved, 'the average differs from the last epoch');
    optA.dispose();
    optB.dispose();
    plain.dispose();
    averaged.dispose();
  });
});
