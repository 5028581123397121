import assert from 'node:assert/strict';
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { before, describe, it } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import { parseNb201OrThrow } from '../../src/space/nb201/cell';
import { type Dataset, loadBundled } from '../../src/data/dataset';
import { parseOrThrow } from '../../src/space/types';
import { initBackend } from '../../src/runtime/backend';
import { Predictor, PredictorFileError, trainPredictor, type TrainOptions } from '../../src/predictor/predictor';
import { FEW_LABELS, FEW_LABELS_STEP2_LR, PAPER_OPTIM, step2LearningRate, TrainingCancelled } from '../../src/predictor/train';
import { runBenchTask } from '../../src/experiment/bench';
import { nb201Slice } from './slice';
import { at } from './at';

const smallData = (): Dataset => nb201Slice(['c10_test_200ep', 'c10valid_xvalid_12ep', 'zc_c10_synflow', 'zc_c10_jacov']);

const OPTS: TrainOptions = {
  method: 'dele',
  encoder: 'gates',
  target: 'c10_test_200ep',
  trainRatio: 0.1,
  experts: ['c10valid_xvalid_12ep', 'zc_c10_synflow', 'zc_c10_jacov'],
  preset: 'tiny',
  seed: 3,
  optim: { pretrainEpochs: 3, epochs: 30 },
};

const ARCHS = [
  '|nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+|skip_connect~0|nor_conv_3x3~1|nor_conv_3x3~2|',
  '|none~0|+|none~0|none~1|+|none~0|none~1|none~2|',
  '|avg_pool_3x3~0|+|skip_connect~0|none~1|+|nor_conv_1x1~0|none~1|skip_connect~2|',
].map(parseNb201OrThrow);

describe('predictor training and persistence', () => {
  let ds: Dataset;
  let trained: Awaited<ReturnType<typeof trainPredictor>>;
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'dele-pred-'));

  before(async () => {
    await initBackend('wasm');
    ds = smallData();
    trained = await trainPredictor(ds, OPTS);
  });

  it('DELE beats a random ranking by a clear margin on held-out archs', () => {
    // Random ranking: tau ~ N(0, 0.017) for 750 archs; the tiny model reaches ~0.6.
    assert.ok(trained.metrics.kendallTau > 0.4, `tau ${trained.metrics.kendallTau}`);
    assert.equal(trained.metrics.n, 750);
    assert.ok(trained.history.some((e) => e.phase === 'pretrain') && trained.history.some((e) => e.phase === 'train'));
  });

  it('DELE’s step 2 runs at 3e-4 with at most 200 labels (step2LearningRate), recorded in the metadata; finetuneLr overrides it', async () => {
    const labels = trained.predictor.meta.dataset.groundTruthSize;
    assert.ok(labels <= FEW_LABELS, `${labels} labels`);
    assert.equal(trained.predictor.meta.optim.finetuneLr, 3e-4);
    const scores = (p: Predictor): number[] => p.predict(ARCHS).map((x) => x!.score);
    const explicit = await trainPredictor(ds, { ...OPTS, optim: { ...OPTS.optim, finetuneLr: 3e-4 } });
    const paper = await trainPredictor(ds, { ...OPTS, optim: { ...OPTS.optim, finetuneLr: 1e-3 } });
    assert.deepEqual(scores(explicit.predictor), scores(trained.predictor));
    assert.notDeepEqual(scores(paper.predictor), scores(trained.predictor));
    assert.equal(paper.predictor.meta.optim.finetuneLr, 1e-3);
    explicit.predictor.dispose();
    paper.predictor.dispose();
    const optim = { ...PAPER_OPTIM };
    assert.equal(step2LearningRate(optim, FEW_LABELS), FEW_LABELS_STEP2_LR);
    assert.equal(step2LearningRate(optim, FEW_LABELS + 1), optim.lr);
    assert.equal(step2LearningRate({ ...optim, lr: 1e-4 }, 10), 1e-4, 'never above the optimiser’s own rate');
    assert.equal(step2LearningRate({ ...optim, finetuneLr: 5e-3 }, 10), 5e-3);
  });

  it('predictions carry calibrated accuracy and gate weights that sum to 1', () => {
    const [best, empty] = trained.predictor.predict(ARCHS);
    assert.ok(best && empty, 'two predictions');
    assert.equal(best.experts.length, 3);
    assert.ok(Math.abs(best.experts.reduce((a, e) => a + e.weight, 0) - 1) < 1e-5);
    assert.ok(best.accuracy > empty.accuracy, `${best.accuracy} vs ${empty.accuracy}`);
    assert.ok(best.accuracy > 80 && best.accuracy < 95);
  });

  it('predict does not leak tensors', () => {
    trained.predictor.predict(ARCHS);
    const n = tf.memory().numTensors;
    for (let i = 0; i < 5; i++) trained.predictor.predict(ARCHS);
    assert.equal(tf.memory().numTensors, n);
  });

  it('save -> load round-trips weights, config, calibration and provenance', () => {
    const dir = path.join(tmp, 'model');
    trained.predictor.save(dir);
    const loaded = Predictor.load(dir);
    assert.deepEqual(loaded.meta, trained.predictor.meta);
    assert.deepEqual(loaded.predict(ARCHS), trained.predictor.predict(ARCHS));
    assert.equal(loaded.meta.dataset.fingerprint, ds.fingerprint);
    loaded.dispose();
  });

  it('rejects missing, corrupt and foreign predictor files with a clear error', () => {
    const dir = path.join(tmp, 'model');
    trained.predictor.save(dir);
    const bad = path.join(tmp, 'bad');
    fs.mkdirSync(bad, { recursive: true });
    const expectError = (re: RegExp): void => {
      assert.throws(() => Predictor.load(bad), (e: unknown) => PredictorFileError.is(e) && re.test(e.message));
    };
    expectError(/cannot read predictor/);
    fs.writeFileSync(path.join(bad, 'model.json'), '{"format": "dele-nas/pred');
    expectError(/cannot read predictor/);
    fs.writeFileSync(path.join(bad, 'model.json'), '{"format": "something-else"}');
    expectError(/not a dele-nas predictor/);
    fs.copyFileSync(path.join(dir, 'model.json'), path.join(bad, 'model.json'));
    const w = fs.readFileSync(path.join(dir, 'weights.bin'));
    w[100] = at(w, 100) ^ 0xff;
    fs.writeFileSync(path.join(bad, 'weights.bin'), w);
    const before = tf.memory().numTensors;
    expectError(/corrupt/);
    fs.writeFileSync(path.join(bad, 'weights.bin'), w.subarray(0, 64));
    expectError(/corrupt/);
    assert.equal(tf.memory().numTensors, before);
  });

  it('is deterministic for a seed, different across seeds', async () => {
    const opts = { ...OPTS, method: 'vanilla' as const, experts: undefined, optim: { epochs: 10 } };
    const a = await trainPredictor(ds, opts);
    const b = await trainPredictor(ds, opts);
    const c = await trainPredictor(ds, { ...opts, seed: 4 });
    assert.deepEqual(a.predictor.scores(ARCHS), b.predictor.scores(ARCHS));
    assert.notDeepEqual(a.predictor.scores(ARCHS), c.predictor.scores(ARCHS));
    [a, b, c].forEach((r) => r.predictor.dispose());
  });

  it('trains the single-LF and LSTM variants', async () => {
    const s = await trainPredictor(ds, { ...OPTS, method: 'single', experts: ['c10valid_xvalid_12ep'] });
    assert.deepEqual(s.predictor.experts, ['c10valid_xvalid_12ep']);
    assert.ok(s.metrics.kendallTau > 0.3, String(s.metrics.kendallTau));
    s.predictor.dispose();
    const l = await trainPredictor(ds, { ...OPTS, encoder: 'lstm', optim: { pretrainEpochs: 2, epochs: 20 } });
    assert.ok(l.metrics.kendallTau > 0.3, String(l.metrics.kendallTau));
    l.predictor.dispose();
  });

  it('cancels through an AbortSignal without leaking tensors', async () => {
    const n = tf.memory().numTensors;
    const ac = new AbortController();
    await assert.rejects(
      trainPredictor(ds, OPTS, {
        signal: ac.signal,
        onEpoch: () => ac.abort(),
      }),
      (e: unknown) => TrainingCancelled.is(e),
    );
    assert.equal(tf.memory().numTensors, n);
  });

  it('bench runs every method at every ratio from one pretraining per seed', async () => {
    const log: string[] = [];
    const rows = await runBenchTask(
      ds,
      { encoder: 'gates', seed: 1, ratios: [0.05, 0.1], target: 'c10_test_200ep', preset: 'tiny', experts: OPTS.experts, optim: { pretrainEpochs: 2, epochs: 20 } },
      (m) => log.push(m),
    );
    assert.deepEqual(
      rows.map((r) => `${r.method}@${r.ratio}`),
      ['vanilla@0.05', 'vanilla@0.1', 'single@0.05', 'single@0.1', 'dele@0.05', 'dele@0.1'],
    );
    assert.deepEqual(rows.map((r) => r.groundTruth), [37, 75, 37, 75, 37, 75]);
    for (const r of rows) assert.ok(r.metrics.kendallTau > 0.2, `${r.method}@${r.ratio}: ${r.metrics.kendallTau}`);
    // single-LF picks its LF among the experts, on the ground-truth subset only
    for (const r of rows.filter((x) => x.method === 'single')) assert.ok(OPTS.experts?.includes(r.lf as string));
    // DELE's step 1 ran once for both ratios
    const dele = rows.filter((r) => r.method === 'dele');
    assert.equal(at(dele, 0).pretrainSeconds, at(dele, 1).pretrainSeconds);
    assert.ok(log.some((l) => /dele 10\.0%: KT/.test(l)));
  });
});

describe('predictors of other search spaces', () => {
  before(async () => {
    await initBackend('wasm');
  });

  for (const encoder of ['lstm', 'gates'] as const) {
    it(`trains on TransNAS-Bench-101 macro (${encoder}), records the space, round-trips, and frees every tensor`, async () => {
      const full = loadBundled('tnb101-macro');
      const n = tf.memory().numTensors;
      const r = await trainPredictor(full, { method: 'dele', encoder, target: 'class_object', trainRatio: 0.1, experts: ['zen_jigsaw', 'synflow_jigsaw'], preset: 'tiny', seed: 0, optim: { pretrainEpochs: 2, epochs: 20, finetuneLr: 1e-3 } });
      assert.ok(r.metrics.kendallTau > 0.2, String(r.metrics.kendallTau));
      assert.equal(r.predictor.meta.space.id, 'tnb101-macro');
      if (encoder === 'gates') assert.equal(r.predictor.meta.model.gates.gcnOutDims.length, 6, 'one GCN layer per module of the longest chain');
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dele-macro-'));
      r.predictor.save(dir);
      const loaded = Predictor.load(dir);
      assert.equal(loaded.space.id, 'tnb101-macro');
      const archs = ['64-1234-basic', '64-412341-basic'].map((t) => parseOrThrow(loaded.space, t));
      assert.deepEqual(loaded.predict(archs), r.predictor.predict(archs));
      loaded.dispose();
      r.predictor.dispose();
      assert.equal(tf.memory().numTensors, n);
      fs.rmSync(dir, { recursive: true, force: true });
    });
  }

  it('loads predictors saved before spaces existed as NAS-Bench-201 ones', () => {
    const p = Predictor.load(path.resolve(__dirname, '../fixtures/predictor-tiny'));
    assert.equal(p.space.id, 'nb201');
    assert.equal(p.meta.model.input.numOps, 5);
    p.dispose();
  });

  it('rejects a model.json whose fields would break later', () => {
    const src = path.resolve(__dirname, '../fixtures/predictor-tiny');
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dele-meta-'));
    fs.copyFileSync(path.join(src, 'weights.bin'), path.join(dir, 'weights.bin'));
    const meta = JSON.parse(fs.readFileSync(path.join(src, 'model.json'), 'utf8'));
    // eslint-disable-next-line @typescript-eslint/no-explicit-any -- corrupting arbitrary fields of a parsed model.json
    const cases: [string, (m: Record<string, any>) => void, RegExp][] = [
      ['encoder', (m) => (m.model.encoder = 'transformer'), /invalid encoder "transformer"/],
      ['calibration', (m) => (m.calibration = { x: [1, 2], y: [1] }), /invalid calibration/],
      ['experts', (m) => (m.model.experts = 'all'), /invalid experts/],
      ['space', (m) => (m.space = { id: 'nb999' }), /unknown search space "nb999"/],
      ['another space', (m) => (m.space = { id: 'tnb101-macro' }), /built for another encoding than space "tnb101-macro"/],
      ['empty calibration', (m) => (m.calibration = { x: [], y: [] }), /invalid calibration/],
    ];
    for (const [what, mutate, re] of cases) {
      const m = structuredClone(meta);
      mutate(m);
      fs.writeFileSync(path.join(dir, 'model.json'), JSON.stringify(m));
      assert.throws(() => Predictor.load(dir), (e: unknown) => PredictorFileError.is(e) && re.test(e.message), what);
    }
    fs.writeFileSync(path.join(dir, 'model.json'), JSON.stringify(meta));
    fs.appendFileSync(path.join(dir, 'weights.bin'), Buffer.from([1, 2, 3]));
    assert.throws(() => Predictor.load(dir), /corrupt/);
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('refuses non-finite weights, a reversed calibration, a manifest that does not add up and a weights.bin that is no regular file, freeing every tensor', () => {
    const src = path.resolve(__dirname, '../fixtures/predictor-tiny');
    const meta = JSON.parse(fs.readFileSync(path.join(src, 'model.json'), 'utf8'));
    const raw = fs.readFileSync(path.join(src, 'weights.bin'));
    const write = (dir: string, m: unknown, w: Buffer): void => {
      fs.mkdirSync(dir, { recursive: true });
      fs.writeFileSync(path.join(dir, 'weights.bin'), w);
      fs.writeFileSync(path.join(dir, 'model.json'), JSON.stringify(m));
    };
    const withWeights = (w: Buffer): unknown => ({ ...meta, weights: { ...meta.weights, bytes: w.length, sha256: crypto.createHash('sha256').update(w).digest('hex') } });
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'dele-load-'));
    const nan = Buffer.from(raw);
    nan.writeFloatLE(NaN, 400);
    const truncated = raw.subarray(0, 4000);
    const cases: [string, unknown, Buffer, RegExp][] = [
      ['a NaN weight', withWeights(nan), nan, /holds values that are not finite/],
      ['reversed calibration', { ...meta, calibration: { x: meta.calibration.x, y: [...meta.calibration.y].reverse() } }, raw, /invalid calibration: its knots must be finite and non-decreasing/],
      ['truncated weights with a matching checksum', withWeights(truncated), truncated, /the weight manifest holds \d+ float32 values/],
      ['a negative byte count', { ...meta, weights: { ...meta.weights, bytes: -4 } }, raw, /invalid weights section at weights\.bytes/],
    ];
    const before = tf.memory().numTensors;
    for (const [what, m, w, re] of cases) {
      const dir = path.join(root, what.replace(/\W+/g, '-'));
      write(dir, m, w);
      assert.throws(() => Predictor.load(dir), (e: unknown) => PredictorFileError.is(e) && re.test(e.message), what);
    }
    const zero = path.join(root, 'zero');
    write(zero, meta, raw);
    fs.rmSync(path.join(zero, 'weights.bin'));
    fs.symlinkSync('/dev/zero', path.join(zero, 'weights.bin'));
    assert.throws(() => Predictor.load(zero), (e: unknown) => PredictorFileError.is(e) && /not a regular file/.test(e.message));
    assert.equal(tf.memory().numTensors, before);
    fs.rmSync(root, { recursive: true, force: true });
  });
});
