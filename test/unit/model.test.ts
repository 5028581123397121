import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import { loadBundled } from '../../src/data/dataset';
import { initBackend } from '../../src/predictor/backend';
import { disposeBatch, encodeBatch, EnsembleModel, rowSharing } from '../../src/predictor/model';
import { dropoutMultiplier, mm, ONES_ROW, rowGather, segmentSum, ZERO_ROW } from '../../src/predictor/nn';
import { modelBase, PRESETS } from '../../src/predictor/presets';
import { Rng } from '../../src/predictor/rng';
import { modelConfigFor } from '../../src/predictor/train';

/** The row counts of the left operands of every matmul that `f` runs (on the wasm backend). */
function matmulRows(f: () => tf.Tensor): number[] {
  const rows: number[] = [];
  const orig = tf.getKernel('BatchMatMul', 'wasm')!;
  tf.unregisterKernel('BatchMatMul', 'wasm');
  tf.registerKernel({ ...orig, kernelFunc: (args) => (rows.push((args.inputs.a as tf.TensorInfo).shape[0]!), orig.kernelFunc(args)) });
  try {
    tf.tidy(f);
  } finally {
    tf.unregisterKernel('BatchMatMul', 'wasm');
    tf.registerKernel(orig);
  }
  return rows;
}

const randomMatrix = (rng: Rng, rows: number, cols: number): tf.Tensor2D =>
  tf.tensor2d(Float32Array.from({ length: rows * cols }, () => rng.normal() * 10 ** (rng.int(5) - 2)), [rows, cols]);

describe('segmentSum', () => {
  before(async () => {
    await initBackend('wasm');
  });

  // The reference is mm with the 0/1 matrix M [rows, terms] (M[target[t], t] = 1): sum(M·x) and its gradient.
  it('gives mm\'s values and gradient with the 0/1 matrix of its targets (rows without terms, repeated targets)', () => {
    const rng = new Rng(11);
    for (const [terms, rows, d] of [[1536, 512, 128], [40, 31, 96], [7, 9, 3], [2, 3, 5]] as const) {
      const target = Int32Array.from({ length: terms }, (_, t) => (t < rows - 2 ? t : rng.int(rows - 2)));
      const m = new Float32Array(rows * terms);
      target.forEach((r, t) => (m[r * terms + t] = 1));
      const matrix = tf.tensor2d(m, [rows, terms]);
      const x = randomMatrix(rng, terms, d);
      const dy = randomMatrix(rng, rows, d);
      const fast = segmentSum(x, target, rows).dataSync();
      const ref = mm(matrix, x).dataSync();
      // === compares values (a GEMM's 0·x terms may turn a -0 row into +0).
      assert.ok(fast.every((v, i) => v === ref[i]), `value ${terms}x${rows}x${d}`);
      const gFast = tf.grad((t: tf.Tensor) => segmentSum(t as tf.Tensor2D, target, rows))(x, dy);
      const gRef = tf.grad((t: tf.Tensor) => mm(matrix, t as tf.Tensor2D))(x, dy);
      assert.deepEqual(gFast.dataSync(), gRef.dataSync(), `gradient ${terms}x${rows}x${d}`);
      tf.dispose([matrix, x, dy, gFast, gRef]);
    }
  });

  it('rejects targets outside its rows and a term count that does not match', () => {
    const x = tf.ones([3, 2]) as tf.Tensor2D;
    assert.throws(() => segmentSum(x, Int32Array.of(0, 1, 2), 2), /row 2 of 2/);
    assert.throws(() => segmentSum(x, Int32Array.of(0, 1), 2), /3 terms but 2 targets/);
    assert.throws(() => rowGather(x, Int32Array.of(3)), /row 3 of a 3-row tensor/);
    x.dispose();
  });
});

describe('dropoutMultiplier', () => {
  before(async () => {
    await initBackend('wasm');
  });

  it('gives tf.dropout\'s bits with one product (rates, seeds, shapes)', () => {
    const rng = new Rng(12);
    for (const [rows, cols, rate, seed] of [[512, 128, 0.1, 0], [78, 300, 0.1, 4294967295], [3, 5, 0.5, 17], [64, 1, 0.9, 123456]] as const) {
      const x = randomMatrix(rng, rows, cols);
      const m = dropoutMultiplier([rows, cols], rate, seed);
      const mine = tf.mul(x, m);
      const ref = tf.dropout(x, rate, undefined, seed);
      assert.deepEqual(mine.dataSync(), ref.dataSync(), `${rows}x${cols} rate ${rate} seed ${seed}`);
      const zeros = m.dataSync().filter((v) => v === 0).length;
      assert.ok(Math.abs(zeros / m.size - rate) < 0.1 + 3 / Math.sqrt(m.size), `dropped share ${zeros / m.size} at rate ${rate}`);
      tf.dispose([x, m, mine, ref]);
    }
  });

  it('rowGather reads a row of zeros for ZERO_ROW and of ones for ONES_ROW, and neither gets a gradient', () => {
    const x = tf.tensor2d([1, 2, 3, 4], [2, 2]);
    const rows = Int32Array.of(1, ZERO_ROW, ONES_ROW, 1);
    assert.deepEqual(Array.from(rowGather(x, rows).dataSync()), [3, 4, 0, 0, 1, 1, 3, 4]);
    const g = tf.grad((t: tf.Tensor) => rowGather(t as tf.Tensor2D, rows))(x, tf.tensor2d([1, 1, 5, 5, 7, 7, 2, 2], [4, 2]));
    assert.deepEqual(Array.from(g.dataSync()), [0, 0, 3, 3]);
    tf.dispose([x, g]);
  });
});

describe('row sharing (GATES over edge ops, LSTM prefixes)', () => {
  before(async () => {
    await initBackend('wasm');
  });

  /** Expert scores (dropout on, fixed seed) and the gradient of a fixed function of them, on or off. */
  function run(model: EnsembleModel, space: string, share: boolean, archs: number): { scores: Float32Array; grads: Float32Array[]; tensors: number } {
    const ds = loadBundled(space);
    const batch = encodeBatch(model.config, ds.features.slice(0, archs));
    const was = rowSharing.enabled;
    rowSharing.enabled = share;
    try {
      const t0 = tf.memory().numTensors;
      const vars = model.allVariables();
      const weights = tf.tensor1d(Float32Array.from({ length: batch.size }, (_, i) => Math.sin(i + 1)));
      let scores: Float32Array = new Float32Array();
      const { value, grads } = tf.variableGrads(() => {
        const s = model.expertScore(0, batch, true, 17);
        scores = s.dataSync() as Float32Array;
        return tf.sum(tf.mul(tf.square(s), weights)) as tf.Scalar;
      }, vars);
      const out = vars.map((v) => grads[v.name]!.dataSync() as Float32Array);
      tf.dispose([value, weights, ...Object.values(grads)]);
      return { scores, grads: out, tensors: tf.memory().numTensors - t0 };
    } finally {
      rowSharing.enabled = was;
      disposeBatch(batch);
    }
  }

  for (const [space, encoder] of [['nb201', 'gates'], ['tnb101-micro', 'gates'], ['nb301', 'gates'], ['nb201', 'lstm'], ['nb301', 'lstm']] as const) {
    it(`computes the scores of one row per arch bit for bit and its gradients up to rounding (${space}, ${encoder})`, () => {
      const ds = loadBundled(space);
      const model = new EnsembleModel(modelConfigFor(modelBase(PRESETS.cpu, encoder, ds.space.encoderInput), 'vanilla', []), 3);
      const off = run(model, space, false, 300);
      const on = run(model, space, true, 300);
      assert.equal(on.tensors, 0, 'tensors left behind');
      assert.deepEqual(on.scores, off.scores);
      on.grads.forEach((g, j) => {
        const ref = off.grads[j]!;
        const scale = ref.reduce((m, x) => Math.max(m, Math.abs(x)), 0);
        const err = g.reduce((m, x, i) => Math.max(m, Math.abs(x - ref[i]!)), 0);
        assert.ok(err <= 1e-5 * scale, `variable ${j}: max error ${err} at scale ${scale}`);
        // Shared rows must not drop a contribution: a nonzero gradient stays nonzero.
        assert.equal(g.some((x) => x !== 0), ref.some((x) => x !== 0), `variable ${j}`);
      });
      model.dispose();
    });
  }

  it('computes NB201\'s node 1 as one row per op, node 2 as one per op pair then triple, the output node once per arch', () => {
    const ds = loadBundled('nb201');
    const model = new EnsembleModel(modelConfigFor(modelBase(PRESETS.cpu, 'gates', ds.space.encoderInput), 'vanilla', []), 3);
    const feats = ds.features.filter((_, i) => i % 29 === 0).slice(0, 512);
    const g = ds.space.encoderInput.graph;
    assert.equal(g.kind, 'edge-ops');
    const edge = (from: number, to: number): number => (g.kind === 'edge-ops' ? g.edgeFrom.findIndex((f, e) => f === from && g.edgeTo[e] === to) : -1);
    const distinct = (edges: number[]): number => new Set(feats.map((f) => edges.map((e) => f.ops[e]).join(','))).size;
    const rows = matmulRows(() => model.expertScore(0, encodeBatch(model.config, feats), false));
    const node1 = distinct([edge(0, 1)]);
    assert.equal(node1, 5);
    // x_hidden on [input embedding; zeros], the three op-attention tables, then per layer U = S·W over the stacked
    // source rows (input node, node 1, node 2), then the MLP on one row per arch.
    assert.deepEqual(rows, [2, 5, 5, 5, 2, 1 + node1 + distinct([edge(0, 2), edge(1, 2)]), 1 + node1 + distinct([edge(0, 1), edge(0, 2), edge(1, 2)]), 512, 512, 512]);
    model.dispose();
  });

  it('runs the LSTM once per distinct token prefix (NB201: 5, 25, 125 rows, then one per arch)', () => {
    const ds = loadBundled('nb201');
    const model = new EnsembleModel(modelConfigFor(modelBase(PRESETS.cpu, 'lstm', ds.space.encoderInput), 'vanilla', []), 3);
    const feats = ds.features.filter((_, i) => i % 29 === 0).slice(0, 512);
    const prefixes = (t: number): number => new Set(feats.map((f) => f.tokens.slice(0, t + 1).join(','))).size;
    const rows = matmulRows(() => model.expertScore(0, encodeBatch(model.config, feats), false));
    const length = ds.space.encoderInput.seqLength;
    assert.equal(prefixes(0), 5);
    // E·W_ih over the vocabulary, h·W_hh for tokens 1.., the output layer per arch.
    assert.deepEqual(rows, [ds.space.encoderInput.seqVocab, ...Array.from({ length: length - 1 }, (_, t) => prefixes(t + 1)), 512]);
    assert.ok(rows.slice(1, 3).every((r) => r < 512), `rows ${rows.join(',')}`);
    model.dispose();
  });
});
