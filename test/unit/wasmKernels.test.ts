import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import { initBackend } from '../../src/runtime/backend';
import { activeWasmBackend } from '../../src/runtime/tfjsInternals';
import { defined } from './at';
import { addBias, dropoutMultiplier, mm, mmTraining } from '../../src/predictor/nn';
import { Rng } from '../../src/util/rng';
import { TRAINING_NUMERICS, trainingNumerics } from '../../src/predictor/train';
import { fusedMultiplyAdd, relaxedSimdAvailable, matMulExact, matMulTraining, setTrainingProduct, trainingProductVariant } from '../../src/runtime/wasmGemm';
import { columnSumsJs, dropoutBits, dropoutMaskJs, dropoutThreshold, wasmVector } from '../../src/runtime/wasmVector';

const randomMatrix = (rng: Rng, rows: number, cols: number): tf.Tensor2D =>
  tf.tensor2d(Float32Array.from({ length: rows * cols }, () => rng.normal() * 10 ** (rng.int(5) - 2)), [rows, cols]);

/** Shapes [m, n, k] around the 4 × 8 register tile (edge rows and columns), k = 1 and long k. */
const SHAPES: [number, number, number][] = [[512, 300, 300], [300, 1, 512], [130, 128, 128], [5, 48, 128], [48, 128, 5], [1, 1, 1], [7, 9, 3], [6, 8, 4], [13, 17, 1], [25, 7, 33]];

/** The values of a tensor computed by f, the tensor disposed. */
function values(f: () => tf.Tensor): Float32Array {
  const t = tf.tidy(f);
  const v = t.dataSync() as Float32Array;
  t.dispose();
  return v;
}

function reference(a: tf.Tensor2D, tA: boolean, b: tf.Tensor2D, tB: boolean): tf.Tensor2D {
  return tf.tidy(() => tf.matMul(tA ? tf.transpose(a) : a, tB ? tf.transpose(b) : b));
}

function operands(rng: Rng, [m, n, k]: [number, number, number], tA: boolean, tB: boolean): [tf.Tensor2D, tf.Tensor2D] {
  return [tA ? randomMatrix(rng, k, m) : randomMatrix(rng, m, k), tB ? randomMatrix(rng, n, k) : randomMatrix(rng, k, n)];
}

describe('matMulExact and matMulTraining (wasmGemm)', () => {
  before(async () => {
    await initBackend('wasm');
  });
  after(() => setTrainingProduct('auto'));

  it('exact kernel: the bits of tf.matMul over explicit transposes, every transpose combination and edge tile', () => {
    setTrainingProduct('exact');
    assert.equal(trainingProductVariant(), 'exact');
    const rng = new Rng(3);
    for (const shape of SHAPES) for (const tA of [false, true]) for (const tB of [false, true]) {
      const [a, b] = operands(rng, shape, tA, tB);
      const want = reference(a, tA, b, tB);
      for (const got of [matMulTraining(a, tA, b, tB), matMulExact(a, tA, b, tB)]) {
        assert.deepEqual(got.shape, [shape[0], shape[1]]);
        assert.deepEqual(got.dataSync(), want.dataSync(), `${shape} tA=${tA} tB=${tB}`);
        got.dispose();
      }
      tf.dispose([a, b, want]);
    }
    setTrainingProduct('auto');
  });

  it('matMulExact keeps tf.matMul\'s bits while training uses the FMA kernel; off wasm both are tf.matMul', async () => {
    const rng = new Rng(10);
    const a = randomMatrix(rng, 33, 70);
    const b = randomMatrix(rng, 70, 19);
    const want = values(() => tf.matMul(a, b));
    assert.deepEqual(values(() => matMulExact(a, false, b, false)), want);
    if (fusedMultiplyAdd()) assert.notDeepEqual(values(() => matMulTraining(a, false, b, false)), want, 'the FMA kernel rounds differently');
    const [av, bv] = [a.dataSync(), b.dataSync()];
    tf.dispose([a, b]);
    await initBackend('cpu');
    try {
      assert.equal(trainingProductVariant(), 'tfjs');
      assert.equal(trainingNumerics(), `${TRAINING_NUMERICS}-cpu`, 'off wasm the numerics name the backend');
      const [ac, bc] = [tf.tensor2d(av, [33, 70]), tf.tensor2d(bv, [70, 19])];
      const onCpu = values(() => tf.matMul(ac, bc));
      assert.deepEqual(values(() => matMulExact(ac, false, bc, false)), onCpu);
      assert.deepEqual(values(() => matMulTraining(tf.transpose(ac) as tf.Tensor2D, true, tf.transpose(bc) as tf.Tensor2D, true)), onCpu);
      tf.dispose([ac, bc]);
    } finally {
      await initBackend('wasm');
    }
  });

  it('training\'s kernel (FMA where relaxed_madd fuses, as on this project\'s x64 machines): within float32 rounding of the float64 product', () => {
    assert.ok(relaxedSimdAvailable(), 'relaxed SIMD is available (Node 22+ ships it; the project requires Node >= 22)');
    setTrainingProduct('auto');
    const variant = fusedMultiplyAdd() ? 'fma' : 'exact';
    assert.equal(trainingProductVariant(), variant);
    assert.equal(trainingNumerics(), `${TRAINING_NUMERICS}-${variant}`);
    const rng = new Rng(4);
    for (const shape of SHAPES) for (const tA of [false, true]) for (const tB of [false, true]) {
      const [a, b] = operands(rng, shape, tA, tB);
      const got = matMulTraining(a, tA, b, tB).dataSync();
      const [m, n, k] = shape;
      const av = a.dataSync();
      const bv = b.dataSync();
      const at = (i: number, l: number): number => (tA ? av[l * m + i]! : av[i * k + l]!);
      const bt = (l: number, j: number): number => (tB ? bv[j * k + l]! : bv[l * n + j]!);
      let differs = 0;
      for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) {
        let exact = 0;
        let scale = 0;
        for (let l = 0; l < k; l++) {
          exact += at(i, l) * bt(l, j);
          scale += Math.abs(at(i, l) * bt(l, j));
        }
        const err = Math.abs(got[i * n + j]! - exact);
        // Sequential float32 sums: error below k·ε·Σ|a·b| (ε = 2⁻²⁴); a fused multiply-add only removes roundings.
        assert.ok(err <= k * 2 ** -24 * scale + 1e-30, `${shape} tA=${tA} tB=${tB} (${i}, ${j}): ${got[i * n + j]} vs ${exact}`);
        if (got[i * n + j] !== Math.fround(exact)) differs++;
      }
      assert.ok(differs < m * n || k <= 1, 'not every element can be correctly rounded by chance');
      tf.dispose([a, b]);
    }
  });

  it('k = 0 gives zeros; other inner sizes or ranks are refused', () => {
    const before = tf.memory().numTensors;
    for (const v of ['exact', 'fma'] as const) {
      setTrainingProduct(v);
      tf.tidy(() => {
        assert.deepEqual(Array.from(matMulTraining(tf.zeros([3, 0]), false, tf.zeros([0, 5]), false).dataSync()), new Array(15).fill(0));
        assert.throws(() => matMulTraining(tf.zeros([3, 4]), false, tf.zeros([5, 2]), false), /inner sizes 4 and 5/);
        assert.throws(() => matMulExact(tf.zeros([2, 3, 4]) as unknown as tf.Tensor2D, false, tf.zeros([4, 2]), false), /2-D operands only/);
      });
    }
    setTrainingProduct('auto');
    assert.equal(tf.memory().numTensors, before);
  });

  it('the FMA kernel is chosen exactly when relaxed_madd fuses (the probe), and then rounds differently from tf.matMul', () => {
    const rng = new Rng(12);
    const a = randomMatrix(rng, 33, 70);
    const b = randomMatrix(rng, 70, 19);
    setTrainingProduct('fma');
    const training = values(() => matMulTraining(a, false, b, false));
    const exact = values(() => matMulExact(a, false, b, false));
    if (fusedMultiplyAdd()) assert.notDeepEqual(training, exact);
    else assert.deepEqual(training, exact, 'unfused, "fma" falls back to the exact kernel');
    setTrainingProduct('auto');
    tf.dispose([a, b]);
  });

  it('mm and mmTraining: values and gradients through the kernels; mm\'s forward stays tf.matMul; no tensor left behind', () => {
    const rng = new Rng(5);
    const x = randomMatrix(rng, 37, 29);
    const w = randomMatrix(rng, 29, 11);
    const dy = randomMatrix(rng, 37, 11);
    for (const v of ['exact', 'fma'] as const) {
      setTrainingProduct(v);
      const before = tf.memory().numTensors;
      const [dx, dw] = tf.grads((a: tf.Tensor, b: tf.Tensor) => mm(a as tf.Tensor2D, b as tf.Tensor2D))([x, w], dy);
      assert.deepEqual(values(() => mm(x, w)), values(() => tf.matMul(x, w)), 'mm forward');
      const wantDx = matMulTraining(dy, false, w, true);
      const wantDw = matMulTraining(x, true, dy, false);
      assert.deepEqual(dx!.dataSync(), wantDx.dataSync());
      assert.deepEqual(dw!.dataSync(), wantDw.dataSync());
      const trainingValue = tf.tidy(() => mmTraining(x, w));
      const kernelValue = matMulTraining(x, false, w, false);
      assert.deepEqual(trainingValue.dataSync(), kernelValue.dataSync(), 'mmTraining forward');
      if (v === 'exact') assert.deepEqual(trainingValue.dataSync(), values(() => tf.matMul(x, w)));
      tf.dispose([dx!, dw!, wantDx, wantDw, trainingValue, kernelValue]);
      tf.dispose(tf.grads((a: tf.Tensor, b: tf.Tensor) => mmTraining(a as tf.Tensor2D, b as tf.Tensor2D))([x, w], dy));
      assert.equal(tf.memory().numTensors, before, `${v}: tensors left behind`);
    }
    setTrainingProduct('auto');
    tf.dispose([x, w, dy]);
  });

  it('the same scratch memory serves repeated products: the wasm heap stops growing', () => {
    const rng = new Rng(6);
    const [a, b] = operands(rng, [200, 100, 150], true, false);
    const heap = (): number => defined(activeWasmBackend(), 'wasm backend').memory.buffer.byteLength;
    for (let i = 0; i < 3; i++) matMulTraining(a, true, b, false).dispose();
    const size = heap();
    for (let i = 0; i < 50; i++) matMulTraining(a, true, b, false).dispose();
    assert.equal(heap(), size);
    tf.dispose([a, b]);
  });
});

describe('wasmVector: dropout masks and bias gradients', () => {
  before(async () => {
    await initBackend('wasm');
  });

  it('the SIMD mask is the JavaScript mask bit for bit (lengths around the 4 lanes, keep 0 < p < 1, 1 and 0)', () => {
    const memory = new WebAssembly.Memory({ initial: 40 });
    const kernels = wasmVector(memory)!;
    assert.ok(kernels);
    for (const count of [0, 1, 3, 4, 5, 13, 153_600]) for (const keep of [0.9, 0.5, 1, 0]) {
      const threshold = dropoutThreshold(keep);
      const scale = Math.fround(1 / Math.fround(keep));
      const view = (): Float32Array => new Float32Array(memory.buffer, 64, count);
      view().fill(Number.NaN);
      kernels.dropoutMask(64, count, 12345, -999, threshold, scale, view);
      const want = new Float32Array(count);
      dropoutMaskJs(want, 12345, -999, threshold, scale);
      assert.deepEqual(view(), want, `count ${count} keep ${keep}`);
    }
  });

  it('dropout bits: about keep of them kept, and other keys do not give a shifted copy of the mask', () => {
    const n = 100_000;
    const threshold = dropoutThreshold(0.9);
    let kept = 0;
    for (let i = 0; i < n; i++) if (dropoutBits(i, 1, 2) < threshold) kept++;
    assert.ok(Math.abs(kept / n - 0.9) < 0.005, `${kept / n}`);
    // With one keyed round, first keys 100·φ apart would give the same hashes 100 indices apart; the second key
    // (drawn with the first from the seed) breaks that alignment.
    const a = Array.from({ length: 4096 }, (_, i) => dropoutBits(i, 7, 11));
    const b = Array.from({ length: 4096 }, (_, i) => dropoutBits(i, (7 + Math.imul(100, 0x9e3779b9)) | 0, 12));
    assert.equal(dropoutBits(150, (7 + Math.imul(100, 0x9e3779b9)) | 0, 11), a[250], 'the alignment exists with the same second key');
    for (let shift = -200; shift <= 200; shift++) {
      let same = 0;
      for (let i = 300; i < 3800; i++) if (a[i + shift] === b[i]) same++;
      assert.ok(same < 5, `shift ${shift}: ${same} equal hashes`);
    }
  });

  it('dropoutMultiplier gives the same mask on the wasm and cpu backends', async () => {
    const onWasm = dropoutMultiplier([37, 19], 0.1, 77);
    const wasmMask = onWasm.dataSync().slice();
    onWasm.dispose();
    await initBackend('cpu');
    try {
      const onCpu = dropoutMultiplier([37, 19], 0.1, 77);
      assert.deepEqual(onCpu.dataSync(), wasmMask);
      onCpu.dispose();
    } finally {
      await initBackend('wasm');
    }
  });

  it('column sums in SIMD are the sequential float32 sums (column blocks of 16 and the rest, no rows)', () => {
    const memory = new WebAssembly.Memory({ initial: 40 });
    const kernels = wasmVector(memory)!;
    const rng = new Rng(8);
    for (const [rows, d] of [[512, 300], [3, 16], [5, 17], [1, 3], [0, 5], [7, 0], [64, 33]] as [number, number][]) {
      const g = new Float32Array(memory.buffer, 0, rows * d);
      for (let i = 0; i < g.length; i++) g[i] = rng.normal() * 10 ** (rng.int(7) - 3);
      const out = new Float32Array(memory.buffer, 4 * 200_000, d).fill(Number.NaN);
      kernels.columnSums(0, rows, d, 4 * 200_000);
      const want = new Float32Array(d);
      columnSumsJs(g, d, want);
      assert.deepEqual(out, want, `${rows} x ${d}`);
    }
  });

  it('addBias\'s bias gradient is the column sums of dy', () => {
    const rng = new Rng(9);
    const y = randomMatrix(rng, 45, 21);
    const b = tf.tensor1d(Float32Array.from({ length: 21 }, () => rng.normal()));
    const dy = randomMatrix(rng, 45, 21);
    const [, db] = tf.grads((yy: tf.Tensor, bb: tf.Tensor) => addBias(yy as tf.Tensor2D, bb))([y, b], dy);
    const want = new Float32Array(21);
    columnSumsJs(dy.dataSync() as Float32Array, 21, want);
    assert.deepEqual(db!.dataSync(), want);
    tf.dispose([y, b, dy, db!]);
  });
});
