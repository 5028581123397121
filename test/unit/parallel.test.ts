import assert from 'node:assert/strict';
import * as path from 'node:path';
import { before, describe, it } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import { column, type Dataset, splitDataset } from '../../src/data/dataset';
import { Adam } from '../../src/predictor/adam';
import { adamStepJs, simdAdam } from '../../src/runtime/adamKernel';
import { initBackend } from '../../src/runtime/backend';
import { samplePairs, skipPairs } from '../../src/predictor/loss';
import { disposeBatch, encodeBatch, EnsembleModel } from '../../src/predictor/model';
import { addBias, mm, oneHotMatMul } from '../../src/predictor/nn';
import { pretrainExpertsParallel, trainOnTruthParallel } from '../../src/predictor/parallel';
import { trainPredictor } from '../../src/predictor/predictor';
import { modelBase, PRESETS } from '../../src/predictor/presets';
import { Rng } from '../../src/util/rng';
import { ensembleStep, type EpochEvent, modelConfigFor, type OptimConfig, pretrainExperts, trainOnTruth, TrainingCancelled } from '../../src/predictor/train';
import { nb201Slice } from './slice';

const EXPERTS = ['c10valid_xvalid_12ep', 'zc_c10_synflow', 'zc_c10_jacov'];

describe('skipPairs', () => {
  it('leaves the generator where samplePairs leaves it (ties, missing values, few and many candidates)', () => {
    const draw = new Rng(1);
    for (let trial = 0; trial < 300; trial++) {
      const n = 1 + draw.int(60);
      const distinct = 1 + draw.int(8);
      const values = Array.from({ length: n }, () => {
        const r = draw.next();
        if (r < 0.1) return NaN;
        if (r < 0.13) return Infinity;
        if (r < 0.15) return -0;
        return trial % 2 === 0 ? draw.int(distinct) : draw.next();
      });
      const ratio = [0.5, 1, 4][trial % 3]!;
      const a = new Rng(trial);
      const b = new Rng(trial);
      samplePairs(values, a, ratio);
      skipPairs(values, b, ratio);
      assert.deepEqual(b.state(), a.state(), `trial ${trial}`);
      assert.equal(b.nextU32(), a.nextU32());
    }
  });

  it('follows samplePairs with a non-zero threshold too', () => {
    const draw = new Rng(2);
    const values = Array.from({ length: 40 }, () => Math.round(draw.next() * 20) / 10);
    const a = new Rng(5);
    const b = new Rng(5);
    samplePairs(values, a, 1, 0.15);
    skipPairs(values, b, 1, 0.15);
    assert.deepEqual(b.state(), a.state());
  });
});

/** The optimiser as TF.js kernels (the implementation before the update moved to JavaScript), for reference. */
function tfAdamStep(p: tf.Variable, st: { m: tf.Tensor; v: tf.Tensor; t: number }, g: tf.Tensor, lr: number, b1 = 0.9, b2 = 0.999, eps = 1e-8): void {
  st.t += 1;
  const bc1 = 1 - b1 ** st.t;
  const bc2 = 1 - b2 ** st.t;
  const [m, v] = tf.tidy(() => {
    const m2 = tf.add(tf.mul(st.m, b1), tf.mul(g, 1 - b1));
    const v2 = tf.add(tf.mul(st.v, b2), tf.mul(tf.square(g), 1 - b2));
    const denom = tf.add(tf.div(tf.sqrt(v2), Math.sqrt(bc2)), eps);
    p.assign(tf.sub(p, tf.mul(tf.div(m2, denom), lr / bc1)));
    return [tf.keep(m2), tf.keep(v2)];
  });
  st.m.dispose();
  st.v.dispose();
  st.m = m;
  st.v = v;
}

describe('Adam', () => {
  before(async () => {
    await initBackend('wasm');
  });

  for (const [rows, cols] of [[50, 100], [7, 3]] as const) {
    it(`updates bit for bit as the TF.js kernel sequence did, over many steps and magnitudes (${rows}x${cols})`, () => {
      assert.ok(simdAdam, 'WebAssembly SIMD is available under Node 22+, so the SIMD kernel is the one tested');
      const draw = new Rng(3);
      const n = rows * cols;
      const scale = (i: number): number => 10 ** ((i % 13) - 8);
      const init = Float32Array.from({ length: n }, (_, i) => draw.normal() * scale(i));
      const a = tf.variable(tf.tensor(init, [rows, cols]));
      const b = tf.variable(tf.tensor(init, [rows, cols]));
      const opt = new Adam({ lr: 1e-3 });
      const ref = { m: tf.zeros([rows, cols]), v: tf.zeros([rows, cols]), t: 0 };
      for (let step = 0; step < 30; step++) {
        const g = tf.tensor(Float32Array.from({ length: n }, (_, i) => (i % 97 === 0 ? 0 : draw.normal() * scale(i + step))), [rows, cols]);
        opt.apply([a], { [a.name]: g });
        tfAdamStep(b, ref, g, 1e-3);
        g.dispose();
        assert.deepEqual(a.dataSync(), b.dataSync(), `step ${step}`);
      }
      const st = opt.exportState(a)!;
      assert.deepEqual(st.m, ref.m.dataSync());
      assert.deepEqual(st.v, ref.v.dataSync());
      assert.equal(st.t, 30);
      tf.dispose([a, b, ref.m, ref.v]);
      opt.dispose();
    });
  }

  it('has the same bits in its JavaScript fallback as in WebAssembly SIMD (also for zeros, infinities and NaN)', () => {
    const draw = new Rng(4);
    const n = 4099;
    const special = [0, -0, Infinity, -Infinity, NaN, 1e-45, 3.4e38];
    const values = (pos: boolean): Float32Array =>
      Float32Array.from({ length: n }, (_, i) => (i % 50 === 0 ? special[(i / 50) % special.length]! : (pos ? Math.abs(draw.normal()) : draw.normal()) * 10 ** (draw.int(12) - 8)));
    const f32 = Math.fround;
    for (const t of [1, 2, 1000]) {
      const c = [f32(0.9), f32(0.1), f32(0.999), f32(1 - 0.999), f32(Math.sqrt(1 - 0.999 ** t)), f32(1e-8), f32(1e-3 / (1 - 0.9 ** t))] as const;
      const [g, m, v, p] = [values(false), values(false), values(true), values(false)];
      const [m1, v1, m2, v2] = [m.slice(), v.slice(), m.slice(), v.slice()];
      const js = adamStepJs(g, m1, v1, p.slice(), c);
      const wasm = simdAdam!(g, m2, v2, p, c);
      for (const [x, y, what] of [[js, wasm, 'θ'], [m1, m2, 'm'], [v1, v2, 'v']] as const) {
        const bad = x.findIndex((xi, i) => !Object.is(xi, y[i]) && !(Number.isNaN(xi) && Number.isNaN(y[i])));
        assert.equal(bad, -1, `${what} at ${bad} (t = ${t})`);
      }
    }
  });
});

describe('step 2 in one pass', () => {
  before(async () => {
    await initBackend('wasm');
  });

  for (const encoder of ['gates', 'lstm'] as const) {
    for (const gate of [true, false]) {
      it(`updates bit for bit as the two-pass step (${encoder}, ${gate ? 'DELE ensemble' : 'one network'})`, () => {
        const ds = nb201Slice(['c10_test_200ep', ...EXPERTS]);
        const cfg = modelConfigFor(modelBase(PRESETS.tiny, encoder, ds.space.encoderInput), gate ? 'dele' : 'vanilla', EXPERTS);
        const models = [new EnsembleModel(cfg, 8), new EnsembleModel(cfg, 8)];
        const opts = [new Adam({ lr: 1e-2 }), new Adam({ lr: 1e-2 })];
        const t0 = tf.memory().numTensors;
        const rng = new Rng(4);
        const truth = column(ds, 'c10_test_200ep').values;
        for (let step = 0; step < 3; step++) {
          const idx = Array.from({ length: 60 }, () => rng.int(ds.archs.length));
          const batch = encodeBatch(cfg, idx.map((i) => ds.features[i]!));
          const pairs = samplePairs(idx.map((i) => truth[i]!), rng, 4);
          const seeds = Array.from({ length: cfg.experts.length + 1 }, () => rng.nextU32());
          const two = ensembleStep(models[0]!, opts[0]!, batch, pairs, 0.1, seeds, false);
          const one = ensembleStep(models[1]!, opts[1]!, batch, pairs, 0.1, seeds, true);
          assert.equal(one, two, `loss, step ${step}`);
          disposeBatch(batch);
        }
        assert.equal(tf.memory().numTensors, t0, 'no tensor left behind');
        for (const [n, v] of models[0]!.params.vars) assert.deepEqual(models[1]!.params.vars.get(n)!.dataSync(), v.dataSync(), n);
        for (const m of models) m.dispose();
      });
    }
  }
});

describe('one-hot products and bias adds without the generic kernels', () => {
  before(async () => {
    await initBackend('wasm');
  });

  // The reference is mm, what the encoders used before.
  it('oneHotMatMul gives mm\'s value and table gradient bit for bit (with and without all-zero rows)', () => {
    const rng = new Rng(6);
    for (const [rows, width, d, zeroRows] of [[512, 5, 128, false], [78, 5, 96, false], [300, 7, 300, true], [5, 3, 4, true]] as const) {
      const pos = Int32Array.from({ length: rows }, () => (zeroRows && rng.next() < 0.2 ? -1 : rng.int(width)));
      const oh = new Float32Array(rows * width);
      pos.forEach((o, r) => o >= 0 && (oh[r * width + o] = 1));
      const oneHot = tf.tensor2d(oh, [rows, width]);
      const index = { pos, width };
      const table = tf.tensor2d(Float32Array.from({ length: width * d }, () => rng.normal() * 10 ** (rng.int(5) - 2)), [width, d]);
      const dy = tf.tensor2d(Float32Array.from({ length: rows * d }, () => rng.normal() * 10 ** (rng.int(5) - 2)), [rows, d]);
      assert.deepEqual(oneHotMatMul(oneHot, index, table).dataSync(), mm(oneHot, table).dataSync(), `value ${rows}x${width}x${d}`);
      const gFast = tf.grad((t: tf.Tensor) => oneHotMatMul(oneHot, index, t as tf.Tensor2D))(table, dy);
      const gRef = tf.grad((t: tf.Tensor) => mm(oneHot, t as tf.Tensor2D))(table, dy);
      assert.deepEqual(gFast.dataSync(), gRef.dataSync(), `gradient ${rows}x${width}x${d}`);
      tf.dispose([oneHot, table, dy, gFast, gRef]);
    }
  });

  it('addBias gives tf.add\'s value and gradients bit for bit', () => {
    const rng = new Rng(7);
    for (const [rows, d] of [[512, 128], [78, 1], [2, 96], [1, 300]] as const) {
      const y = tf.tensor2d(Float32Array.from({ length: rows * d }, () => rng.normal()), [rows, d]);
      const b = tf.tensor1d(Float32Array.from({ length: d }, () => rng.normal()));
      const dy = tf.tensor2d(Float32Array.from({ length: rows * d }, () => rng.normal() * 10 ** (rng.int(7) - 3)), [rows, d]);
      assert.deepEqual(addBias(y, b).dataSync(), tf.add(y, b).dataSync());
      const fast = tf.grads((a: tf.Tensor, c: tf.Tensor) => addBias(a as tf.Tensor2D, c))([y, b], dy);
      const ref = tf.grads((a: tf.Tensor, c: tf.Tensor) => tf.add(a, c))([y, b], dy);
      assert.deepEqual(fast[0]!.dataSync(), ref[0]!.dataSync(), `dy ${rows}x${d}`);
      assert.deepEqual(fast[1]!.dataSync(), ref[1]!.dataSync(), `db ${rows}x${d}`);
      tf.dispose([y, b, dy, ...fast, ...ref]);
    }
  });
});

describe('Rng state', () => {
  it('a generator restored from a state continues with the same numbers, normal spare included', () => {
    const a = new Rng(7);
    a.normal();
    const b = Rng.fromState(a.state());
    for (let i = 0; i < 50; i++) assert.equal(b.normal(), a.normal());
  });
});

describe('step 1 in worker threads', () => {
  let ds: Dataset;
  before(async () => {
    await initBackend('wasm');
    ds = nb201Slice(['c10_test_200ep', ...EXPERTS]);
  });

  const optim: OptimConfig = { ...PRESETS.tiny.optim, batchSize: 200, pretrainEpochs: 2 };

  async function pretrain(jobs: number, encoder: 'gates' | 'lstm', signalAfterEpoch?: number): Promise<{ weights: Map<string, Float32Array>; adam: Map<string, unknown>; events: EpochEvent[]; rng: unknown }> {
    const model = new EnsembleModel(modelConfigFor(modelBase(PRESETS.tiny, encoder, ds.space.encoderInput), 'dele', EXPERTS), 4);
    const opt = new Adam({ lr: optim.lr });
    const rng = new Rng(11);
    const split = splitDataset(ds.archs.length, 0);
    const events: EpochEvent[] = [];
    const abort = new AbortController();
    try {
      await pretrainExpertsParallel(model, opt, ds.features, split.train, EXPERTS.map((n) => column(ds, n).values), optim, rng, {
        signal: abort.signal,
        onEpoch: (e) => {
          events.push(e);
          if (e.epoch === signalAfterEpoch) abort.abort();
        },
      }, { jobs });
      const weights = new Map([...model.params.vars].map(([n, v]) => [n, (v.dataSync() as Float32Array).slice()]));
      const adam = new Map([...model.params.vars].map(([n, v]) => [n, opt.exportState(v)]));
      return { weights, adam, events, rng: rng.state() };
    } finally {
      opt.dispose();
      model.dispose();
    }
  }

  for (const encoder of ['gates', 'lstm'] as const) {
    it(`2 and 3 workers give the single-thread experts bit for bit (${encoder})`, async () => {
      const one = await pretrain(1, encoder);
      for (const jobs of [2, 3]) {
        const par = await pretrain(jobs, encoder);
        assert.deepEqual(par.events, one.events, `epoch events, ${jobs} workers`);
        assert.deepEqual(par.rng, one.rng, `rng state after step 1, ${jobs} workers`);
        for (const [name, w] of one.weights) assert.deepEqual(par.weights.get(name), w, `${name}, ${jobs} workers`);
        for (const [name, s] of one.adam) assert.deepEqual(par.adam.get(name), s, `Adam state of ${name}, ${jobs} workers`);
      }
      // The experts did train (the weights moved from their initial values).
      const init = new EnsembleModel(modelConfigFor(modelBase(PRESETS.tiny, encoder, ds.space.encoderInput), 'dele', EXPERTS), 4);
      const moved = [...init.params.vars].filter(([n, v]) => n.startsWith('experts.') && !(v.dataSync() as Float32Array).every((x, i) => x === one.weights.get(n)![i]));
      init.dispose();
      assert.ok(moved.length > 0, 'some expert weight changed');
    });
  }

  it('pretrainExpertsParallel with jobs 1 is pretrainExperts', async () => {
    const a = await pretrain(1, 'gates');
    const model = new EnsembleModel(modelConfigFor(modelBase(PRESETS.tiny, 'gates', ds.space.encoderInput), 'dele', EXPERTS), 4);
    const opt = new Adam({ lr: optim.lr });
    const rng = new Rng(11);
    await pretrainExperts(model, opt, ds.features, splitDataset(ds.archs.length, 0).train, EXPERTS.map((n) => column(ds, n).values), optim, rng);
    for (const [n, v] of model.params.vars) assert.deepEqual(v.dataSync(), a.weights.get(n), n);
    assert.deepEqual(rng.state(), a.rng);
    opt.dispose();
    model.dispose();
  });

  it('frees every tensor it makes in this thread, and cancel stops the workers and frees them too', async () => {
    const t0 = tf.memory().numTensors;
    await pretrain(2, 'gates');
    assert.equal(tf.memory().numTensors, t0, 'tensors after a parallel step 1');
    const started = Date.now();
    await assert.rejects(pretrain(2, 'gates', 1), (e) => TrainingCancelled.is(e));
    assert.equal(tf.memory().numTensors, t0, 'tensors after a cancelled parallel step 1');
    assert.ok(Date.now() - started < 60_000);
  });

  it('an already aborted signal cancels before any worker starts', async () => {
    const model = new EnsembleModel(modelConfigFor(modelBase(PRESETS.tiny, 'gates', ds.space.encoderInput), 'dele', EXPERTS), 4);
    const opt = new Adam({ lr: optim.lr });
    const abort = new AbortController();
    abort.abort();
    await assert.rejects(
      pretrainExpertsParallel(model, opt, ds.features, splitDataset(ds.archs.length, 0).train, EXPERTS.map((n) => column(ds, n).values), optim, new Rng(1), { signal: abort.signal }, { jobs: 2 }),
      (e) => TrainingCancelled.is(e),
    );
    opt.dispose();
    model.dispose();
  });

  it('a worker that fails rejects the training (no hang) and leaves no tensor behind', async () => {
    const model = new EnsembleModel(modelConfigFor(modelBase(PRESETS.tiny, 'gates', ds.space.encoderInput), 'dele', EXPERTS), 4);
    const opt = new Adam({ lr: optim.lr });
    const t0 = tf.memory().numTensors;
    await assert.rejects(
      pretrainExpertsParallel(model, opt, ds.features, splitDataset(ds.archs.length, 0).train, EXPERTS.map((n) => column(ds, n).values), optim, new Rng(1), {}, { jobs: 2, workerScript: '/nonexistent/expertWorker.js' }),
      /expert worker/,
    );
    assert.equal(tf.memory().numTensors, t0);
    opt.dispose();
    model.dispose();
  });

  it('trainPredictor gives the same predictor with 1 and 2 jobs', async () => {
    const opts = { method: 'dele' as const, encoder: 'gates' as const, target: 'c10_test_200ep', trainRatio: 0.1, experts: EXPERTS, preset: 'tiny' as const, seed: 2, optim: { pretrainEpochs: 2, epochs: 5 } };
    const a = await trainPredictor(ds, { ...opts, jobs: 1 });
    const b = await trainPredictor(ds, { ...opts, jobs: 2 });
    assert.equal(b.metrics.kendallTau, a.metrics.kendallTau);
    assert.deepEqual(b.history, a.history);
    for (const [n, v] of a.predictor.model.params.vars) assert.deepEqual(b.predictor.model.params.vars.get(n)!.dataSync(), v.dataSync(), n);
    a.predictor.dispose();
    b.predictor.dispose();
  });
});

describe('step 2 in worker threads', () => {
  let ds: Dataset;
  before(async () => {
    await initBackend('wasm');
    ds = nb201Slice(['c10_test_200ep', ...EXPERTS]);
  });

  interface Step2Run {
    weights: Map<string, Float32Array>;
    adam: Map<string, unknown>;
    events: EpochEvent[];
    rng: unknown;
  }

  /** Step 2 from the same pretrained-looking start (seeded weights, a few Adam steps of state), on `labelled` archs. */
  async function step2(jobs: number, encoder: 'gates' | 'lstm', labelled: number, opts: { monitor?: boolean; abortAfterEpoch?: number; average?: number } = {}): Promise<Step2Run> {
    const model = new EnsembleModel(modelConfigFor(modelBase(PRESETS.tiny, encoder, ds.space.encoderInput), 'dele', EXPERTS), 5);
    const opt = new Adam({ lr: 1e-2 });
    const truth = column(ds, 'c10_test_200ep').values;
    const gt = splitDataset(ds.archs.length, 0).train.slice(0, labelled);
    const cfg: OptimConfig = { ...PRESETS.tiny.optim, batchSize: 200, epochs: 3, ...(opts.average !== undefined ? { finetuneAverage: opts.average } : {}) };
    const rng = new Rng(21);
    const events: EpochEvent[] = [];
    const abort = new AbortController();
    // The monitor reads the model the hooks see: a function of every network's weights.
    const monitor = (m: EnsembleModel): number => m.allVariables().reduce((a, v) => a + (v.dataSync() as Float32Array).reduce((x, y) => x + y, 0), 0);
    try {
      const hooks = {
        signal: abort.signal,
        onEpoch: (e: EpochEvent) => {
          events.push(e);
          if (e.epoch === opts.abortAfterEpoch) abort.abort();
        },
        ...(opts.monitor ? { monitor, monitorEvery: 2 } : {}),
      };
      if (jobs === 0) await trainOnTruth(model, opt, ds.features, gt, truth, cfg, rng, hooks);
      else await trainOnTruthParallel(model, opt, ds.features, gt, truth, cfg, rng, hooks, { jobs });
      return {
        weights: new Map([...model.params.vars].map(([n, v]) => [n, (v.dataSync() as Float32Array).slice()])),
        adam: new Map([...model.params.vars].map(([n, v]) => [n, opt.exportState(v)])),
        events,
        rng: rng.state(),
      };
    } finally {
      opt.dispose();
      model.dispose();
    }
  }

  // 60 labelled archs: one joint-pass batch per epoch; 300: a two-pass batch of 200 and a joint one of 100.
  for (const [encoder, labelled] of [['gates', 60], ['gates', 300], ['lstm', 60]] as const) {
    it(`2, 3 and 4 workers give the single-thread step 2 bit for bit (${encoder}, ${labelled} labelled archs, monitored)`, async () => {
      const one = await step2(0, encoder, labelled, { monitor: true });
      assert.deepEqual(one.events.map((e) => e.monitorKendall !== undefined), [false, true, true], 'monitored epochs');
      for (const jobs of [1, 2, 3, 4]) {
        const par = await step2(jobs, encoder, labelled, { monitor: true });
        assert.deepEqual(par.events, one.events, `epoch events, ${jobs} workers`);
        assert.deepEqual(par.rng, one.rng, `rng state, ${jobs} workers`);
        for (const [name, w] of one.weights) assert.deepEqual(par.weights.get(name), w, `${name}, ${jobs} workers`);
        for (const [name, s] of one.adam) assert.deepEqual(par.adam.get(name), s, `Adam state of ${name}, ${jobs} workers`);
      }
      // Every network trained: each has a weight that moved.
      const init = new EnsembleModel(modelConfigFor(modelBase(PRESETS.tiny, encoder, ds.space.encoderInput), 'dele', EXPERTS), 5);
      for (const prefix of [...EXPERTS.map((_, j) => `experts.${j}.`), 'gate.']) {
        const moved = [...init.params.vars].some(([n, v]) => n.startsWith(prefix) && !(v.dataSync() as Float32Array).every((x, i) => x === one.weights.get(n)![i]));
        assert.ok(moved, `${prefix} trained`);
      }
      init.dispose();
    });
  }

  it('with weight averaging (OptimConfig.finetuneAverage), 2 and 3 workers give the single-thread step 2 bit for bit', async () => {
    // 3 epochs, the last 2 averaged: the workers skip the first epoch as one thread does.
    const one = await step2(0, 'gates', 300, { average: 0.5 });
    const plain = await step2(0, 'gates', 300);
    assert.ok([...one.weights].some(([name, w]) => !w.every((x, i) => x === plain.weights.get(name)![i])), 'averaging changes the weights');
    for (const jobs of [2, 3]) {
      const par = await step2(jobs, 'gates', 300, { average: 0.5 });
      for (const [name, w] of one.weights) assert.deepEqual(par.weights.get(name), w, `${name}, ${jobs} workers`);
      assert.deepEqual(par.rng, one.rng, `rng state, ${jobs} workers`);
    }
  });

  it('starts no worker when fewer than 2 archs are labelled (nothing to compare): the one-thread step 2', async () => {
    const model = new EnsembleModel(modelConfigFor(modelBase(PRESETS.tiny, 'gates', ds.space.encoderInput), 'dele', EXPERTS), 5);
    const opt = new Adam({ lr: 1e-2 });
    const events: EpochEvent[] = [];
    const gt = splitDataset(ds.archs.length, 0).train.slice(0, 1);
    // A worker script that cannot start: any worker would reject the training.
    await trainOnTruthParallel(model, opt, ds.features, gt, column(ds, 'c10_test_200ep').values, { ...PRESETS.tiny.optim, epochs: 2 }, new Rng(2), { onEpoch: (e) => events.push(e) }, { jobs: 2, workerScript: '/nonexistent/expertWorker.js' });
    assert.deepEqual(events.map((e) => [e.epoch, Number.isNaN(e.loss)]), [[1, true], [2, true]]);
    opt.dispose();
    model.dispose();
  });

  it('a worker that fails at the exchange rejects the training while the others wait there (no hang, no tensor left)', async () => {
    const model = new EnsembleModel(modelConfigFor(modelBase(PRESETS.tiny, 'gates', ds.space.encoderInput), 'dele', EXPERTS), 5);
    const opt = new Adam({ lr: 1e-2 });
    const t0 = tf.memory().numTensors;
    const started = Date.now();
    const gt = splitDataset(ds.archs.length, 0).train.slice(0, 60);
    await assert.rejects(
      trainOnTruthParallel(model, opt, ds.features, gt, column(ds, 'c10_test_200ep').values, { ...PRESETS.tiny.optim, epochs: 3 }, new Rng(2), {}, { jobs: 3, workerScript: path.join(__dirname, 'failingWorker.ts') }),
      /step-2 worker 1\/3: .*injected failure at the step-2 exchange/s,
    );
    assert.ok(Date.now() - started < 30_000, 'rejected promptly');
    assert.equal(tf.memory().numTensors, t0);
    opt.dispose();
    model.dispose();
  });

  it('cancel stops the workers waiting at the exchange, and no tensor is left behind', async () => {
    const t0 = tf.memory().numTensors;
    await step2(2, 'gates', 60);
    assert.equal(tf.memory().numTensors, t0, 'tensors after a parallel step 2');
    const started = Date.now();
    await assert.rejects(step2(2, 'gates', 60, { abortAfterEpoch: 1 }), (e) => TrainingCancelled.is(e));
    assert.equal(tf.memory().numTensors, t0, 'tensors after a cancelled parallel step 2');
    assert.ok(Date.now() - started < 60_000);
  });
});
