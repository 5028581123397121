import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { before, describe, it } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import { loadBundled } from '../../src/data/dataset';
import { initBackend } from '../../src/runtime/backend';
import { disposeBatch, encodeBatch, EnsembleModel, rowSharing } from '../../src/predictor/model';
import { dropoutMultiplier, mm, ONES_ROW, rowGather, segmentSum, ZERO_ROW } from '../../src/predictor/nn';
import { modelBase, PRESETS } from '../../src/predictor/presets';
import { Rng } from '../../src/util/rng';
import { observeProducts } from '../../src/runtime/wasmGemm';
import { kernelReplacements } from '../../src/runtime/tfjsInternals';
import { modelConfigFor } from '../../src/predictor/train';

/** The row counts of the left operands of every matrix product that `f` runs (mm's, as wasmGemm computes them). */
function matmulRows(f: () => tf.Tensor): number[] {
  const rows: number[] = [];
  observeProducts((m) => rows.push(m));
  try {
    tf.dispose(tf.tidy(f));
  } finally {
    observeProducts(undefined);
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

describe('tiled wasm transpose', () => {
  before(async () => {
    await initBackend('wasm');
  });

  it('replaces the wasm Transpose kernel and moves every value to its place (2-D float32; others fall back)', () => {
    assert.equal(kernelReplacements().has('wasm:Transpose'), true, 'the tiled kernel is registered');
    const rng = new Rng(13);
    for (const [rows, cols] of [[512, 300], [37, 21], [1, 5], [16, 16], [17, 1], [33, 47]] as const) {
      const x = randomMatrix(rng, rows, cols);
      const v = x.dataSync();
      const t = tf.transpose(x);
      assert.deepEqual(t.shape, [cols, rows]);
      const out = t.dataSync();
      const ref = new Float32Array(rows * cols);
      for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) ref[j * rows + i] = v[i * cols + j]!;
      assert.deepEqual(out, ref, `${rows}x${cols}`);
      tf.dispose([x, t]);
    }
    const ints = tf.tensor2d([1, 2, 3, 4, 5, 6], [2, 3], 'int32');
    assert.deepEqual(Array.from(tf.transpose(ints).dataSync()), [1, 4, 2, 5, 3, 6]);
    const cube = tf.tensor3d([1, 2, 3, 4, 5, 6, 7, 8], [2, 2, 2]);
    assert.deepEqual(Array.from(tf.transpose(cube, [2, 0, 1]).dataSync()), [1, 3, 5, 7, 2, 4, 6, 8]);
    tf.dispose([ints, cube]);
  });
});

describe('dropoutMultiplier', () => {
  before(async () => {
    await initBackend('wasm');
  });

  it('keeps each element with probability 1 − rate, scaled by 1 / keep as tf.dropout does, the same mask for the same seed', () => {
    for (const [rows, cols, rate, seed] of [[512, 128, 0.1, 0], [78, 300, 0.1, 4294967295], [3, 5, 0.5, 17], [640, 100, 0.9, 123456]] as const) {
      const m = dropoutMultiplier([rows, cols], rate, seed);
      const values = m.dataSync();
      const scale = Math.fround(1 / Math.fround(1 - rate));
      // tf.dropout's kept value: floor(U + keep) / keep = 1 / keep in float32.
      const ref = tf.dropout(tf.ones([1, 1000]), rate, undefined, 1).dataSync().find((v) => v !== 0);
      assert.equal(ref, scale, `tf.dropout keeps 1 as ${ref}`);
      assert.ok(values.every((v) => v === 0 || v === scale), 'values are 0 or 1 / keep');
      const kept = values.filter((v) => v !== 0).length / m.size;
      assert.ok(Math.abs(kept - (1 - rate)) < 4 * Math.sqrt((rate * (1 - rate)) / m.size) + 1e-9, `kept share ${kept} at rate ${rate}`);
      const again = dropoutMultiplier([rows, cols], rate, seed);
      assert.deepEqual(again.dataSync(), values, 'same seed, same mask');
      const other = dropoutMultiplier([rows, cols], rate, seed + 1);
      assert.notDeepEqual(other.dataSync(), values, 'another seed, another mask');
      tf.dispose([m, again, other]);
    }
  });

  it('draws masks with no visible structure: neighbours and columns are independent', () => {
    const m = dropoutMultiplier([1000, 100], 0.5, 7).dataSync();
    let same = 0;
    for (let i = 1; i < m.length; i++) if ((m[i] === 0) === (m[i - 1] === 0)) same++;
    assert.ok(Math.abs(same / (m.length - 1) - 0.5) < 0.01, `neighbours agree ${same / (m.length - 1)}`);
    for (let c = 0; c < 100; c += 33) {
      let kept = 0;
      for (let r = 0; r < 1000; r++) if (m[r * 100 + c] !== 0) kept++;
      assert.ok(Math.abs(kept / 1000 - 0.5) < 0.07, `column ${c} keeps ${kept / 1000}`);
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

  it('gives the encoders\' scores of 7f30f29, before row sharing, bit for bit (every bundled space and encoder, a batch and one arch)', () => {
    const golden = JSON.parse(fs.readFileSync(path.join(__dirname, 'golden', 'encoder-scores-7f30f29.json'), 'utf8')) as { scores: Record<string, number[]> };
    const keys = Object.keys(golden.scores);
    assert.ok(keys.length >= 16, keys.join(' '));
    for (const key of keys) {
      const [space, encoder, one] = key.split('/') as [string, 'gates' | 'lstm', string | undefined];
      const ds = loadBundled(space);
      const cfg = modelConfigFor(modelBase(PRESETS.tiny, encoder, ds.space.encoderInput), 'vanilla', []);
      const model = new EnsembleModel(cfg, 1);
      const feats = ds.features.filter((_, i) => i % 7 === 0).slice(0, 40);
      const batch = encodeBatch(cfg, one ? feats.slice(3, 4) : feats);
      const scores = tf.tidy(() => model.expertScore(0, batch, false).dataSync());
      assert.deepEqual(Array.from(scores), golden.scores[key], key);
      disposeBatch(batch);
      model.dispose();
    }
  });

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
