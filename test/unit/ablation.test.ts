import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { before, describe, it } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import { column, type Dataset, fillFromEquivalents, lfNames, loadBundledNb201, splitDataset, targetNames } from '../../src/data/dataset';
import { parseOrThrow, pruneDeadEdges } from '../../src/space/types';
import {
  type AblationRow,
  type AblationTask,
  ablationReport,
  AblationSpecError,
  carveValidation,
  ensembleScores,
  labelledSubset,
  parseAblationSpec,
  planAblation,
  resolveVariants,
  runAblationTask,
  step1Key,
  step2Optim,
} from '../../src/experiment/ablation';
import { Adam } from '../../src/predictor/adam';
import { initBackend } from '../../src/runtime/backend';
import { kendallTau } from '../../src/predictor/metrics';
import { EnsembleModel } from '../../src/predictor/model';
import { modelBase, PRESETS } from '../../src/predictor/presets';
import { Step1Cache } from '../../src/experiment/step1Cache';
import { modelConfigFor, pretrainExperts } from '../../src/predictor/train';
import { Rng } from '../../src/util/rng';
import { nb201Slice } from './slice';

const TARGET = 'c10_test_200ep';
const LF = ['c10valid_xvalid_12ep', 'c100_val_12ep', 'zc_c10_synflow', 'zc_c10_jacov', 'zc_in16_synflow', 'hw_c10_edgegpu_latency'];

const specError = (re: RegExp) => (e: unknown) => e instanceof AblationSpecError && re.test((e as Error).message);

describe('ablation file', () => {
  it('fills in the defaults: nb201, cpu, 1%, 5 seeds, a 2,000-arch validation split', () => {
    const s = parseAblationSpec({ variants: [{ name: 'a' }] });
    assert.deepEqual(s, { space: 'nb201', preset: 'cpu', ratios: [0.01], seeds: 5, validation: 2000, variants: [{ name: 'a' }] });
  });

  it('rejects what it does not understand, naming the variant', () => {
    assert.throws(() => parseAblationSpec([]), specError(/"variants"/));
    assert.throws(() => parseAblationSpec({ variants: [] }), specError(/non-empty list/));
    assert.throws(() => parseAblationSpec({ variant: [{ name: 'a' }] }), specError(/unknown key "variant"/));
    assert.throws(() => parseAblationSpec({ variants: [{ name: 'a' }, { name: 'a' }] }), specError(/two variants are called "a"/));
    assert.throws(() => parseAblationSpec({ variants: [{ name: 'a', optim: { lr: -1 } }] }), specError(/"a": optim.lr must be a positive number/));
    assert.throws(() => parseAblationSpec({ variants: [{ name: 'a', optim: { momentum: 0.9 } }] }), specError(/unknown optim key "momentum"/));
    assert.throws(() => parseAblationSpec({ variants: [{ name: 'a', optim: { epochs: 1.5 } }] }), specError(/an integer/));
    assert.throws(() => parseAblationSpec({ variants: [{ name: 'a', experts: { top: 0 } }] }), specError(/experts must be/));
    assert.throws(() => parseAblationSpec({ variants: [{ name: 'a', experts: [] }] }), specError(/experts must be/));
    assert.throws(() => parseAblationSpec({ variants: [{ name: 'a', encoder: 'mlp' }] }), specError(/encoder must be gates or lstm/));
    assert.throws(() => parseAblationSpec({ variants: [{ name: 'a', ensemble: 0 }] }), specError(/ensemble must be an integer >= 1/));
    assert.throws(() => parseAblationSpec({ ratios: [0], variants: [{ name: 'a' }] }), specError(/ratios/));
    assert.throws(() => parseAblationSpec({ seeds: 2.5, variants: [{ name: 'a' }] }), specError(/seeds must be an integer/));
  });
});

describe('validation protocol', () => {
  const n = 15625;
  const s = carveValidation(n, 2000);

  it('carves the validation split from the training split; the held-out split is the usual one, untouched', () => {
    const split = splitDataset(n, 0);
    assert.deepEqual(s.heldOut, split.heldOut);
    assert.deepEqual(s.train, split.train);
    assert.equal(s.validation.length, 2000);
    const val = new Set(s.validation);
    assert.ok(s.pool.every((i) => !val.has(i)));
    assert.deepEqual([...s.validation, ...s.pool].sort((a, b) => a - b), [...split.train].sort((a, b) => a - b));
  });

  it('labels as many archs as the ratio of the whole training split, from the pool only, one subset per seed', () => {
    const val = new Set(s.validation);
    const a = labelledSubset(s, 0.01, 0);
    const b = labelledSubset(s, 0.01, 1);
    assert.equal(a.length, 78);
    assert.equal(labelledSubset(s, 0.05, 0).length, 390);
    for (const x of [a, b]) assert.ok(x.every((i) => !val.has(i) && s.pool.includes(i)));
    assert.notDeepEqual(a, b);
    assert.deepEqual(labelledSubset(s, 0.05, 0).slice(0, 78), a, 'nested across ratios');
    assert.throws(() => carveValidation(n, 7812), specError(/must leave at least 2/));
    assert.throws(() => labelledSubset(carveValidation(n, 7000), 0.5, 0), specError(/only 813 are outside/));
  });

  it('an ensemble score is a member\'s order for one member and ignores each member\'s scale', () => {
    const fit = Float32Array.from([1, 2, 3, 4]);
    const scores = Float32Array.from([0.5, 3, 2, 9]);
    const one = ensembleScores([{ fit, scores }]);
    assert.equal(kendallTau(one, scores), 1);
    const scaled = { fit: fit.map((x) => 10 * x + 3), scores: scores.map((x) => 10 * x + 3) };
    const other = { fit: Float32Array.from([4, 3, 2, 1]), scores: Float32Array.from([1, 2, 3, 4]) };
    const a = ensembleScores([{ fit, scores }, other]);
    const b = ensembleScores([scaled, other]);
    for (let i = 0; i < 4; i++) assert.ok(Math.abs(a[i]! - b[i]!) < 1e-5);
  });
});

/** The same data with the held-out split's targets replaced by seeded noise. */
function poisonHeldOut(ds: Dataset): Dataset {
  const { heldOut } = splitDataset(ds.archs.length, 0);
  const values = Float64Array.from(column(ds, TARGET).values);
  let x = 7;
  for (const i of heldOut) {
    x = (Math.imul(x, 1664525) + 1013904223) >>> 0;
    values[i] = (x / 2 ** 32) * 100;
  }
  return { ...ds, columns: ds.columns.map((c) => (c.name === TARGET ? { ...c, values } : c)) };
}

describe('ablation runs', () => {
  let ds: Dataset;
  const cacheDir = fs.mkdtempSync(path.join(os.tmpdir(), 'dele-step1-'));
  before(async () => {
    await initBackend('wasm');
    ds = nb201Slice([TARGET, ...LF]);
  });
  /** A one-seed tiny ablation of `variants`; `base` is the reference every case starts from. */
  const base = { name: 'base', experts: ['c10valid_xvalid_12ep', 'zc_c10_*'], optim: { pretrainEpochs: 1, epochs: 3 } };
  const tinySpec = (variants: object[]) => parseAblationSpec({ preset: 'tiny', seeds: 1, validation: 200, ratios: [0.1], variants });
  const spec = () => tinySpec([base, { ...base, name: 'ens', ensemble: 2 }, { name: 'top2', experts: { top: 2 }, optim: base.optim }]);

  it("a cpu-preset variant ends step 2 on its last epoch's weights unless it asks for the average (files mean what they meant)", () => {
    const cpu = parseAblationSpec({ preset: 'cpu', seeds: 1, validation: 200, ratios: [0.1], variants: [base, { ...base, name: 'avg', step2: { average: 0.25 } }] });
    const [plain, avg] = resolveVariants(ds, cpu, TARGET);
    assert.equal(PRESETS.cpu.optim.finetuneAverage, 0.25, 'the preset itself averages');
    assert.equal(plain!.optim.finetuneAverage, undefined);
    assert.equal(step2Optim(plain!).finetuneAverage, undefined);
    assert.equal(step2Optim(avg!).finetuneAverage, 0.25);
    assert.equal(step1Key(plain!), step1Key(avg!), 'one step 1 for both');
  });

  it('resolves patterns and chooses top-N experts on the validation split; poisoned held-out targets change nothing', () => {
    const vs = resolveVariants(ds, spec(), TARGET);
    assert.deepEqual(vs[0]!.experts, ['c10valid_xvalid_12ep', 'zc_c10_jacov', 'zc_c10_synflow'], "patterns expand in the data's column order");
    const s = carveValidation(ds.archs.length, 200);
    const y = s.validation.map((i) => column(ds, TARGET).values[i]!);
    const byTau = LF.map((n) => ({ n, kt: Math.abs(kendallTau(s.validation.map((i) => column(ds, n).values[i]!), y)) })).sort((a, b) => b.kt - a.kt);
    assert.deepEqual(vs[2]!.experts, byTau.slice(0, 2).map((x) => x.n));
    assert.deepEqual(resolveVariants(poisonHeldOut(ds), spec(), TARGET), vs);
    assert.throws(() => resolveVariants(ds, parseAblationSpec({ validation: 200, variants: [{ name: 'x', experts: ['zen_*'] }] }), TARGET), specError(/"zen_\*" matches no LF column/));
    // Variants that share step 1 share a task; one task per group and seed.
    const tasks = planAblation({ ...spec(), seeds: 2 }, ds, TARGET, vs);
    assert.deepEqual(tasks.map((t) => [t.seed, t.variants.map((v) => v.name)]), [[0, ['base', 'ens']], [0, ['top2']], [1, ['base', 'ens']], [1, ['top2']]]);
  });

  it('a variant whose gate reads structural measures trains its own step 1 and scores with the wider gate', async () => {
    assert.throws(() => parseAblationSpec({ variants: [{ name: 'g', gateStructural: 'yes' }] }), specError(/"g": gateStructural must be true or false/));
    const gs = tinySpec([base, { ...base, name: 'gate-structural', gateStructural: true }]);
    const vs = resolveVariants(ds, gs, TARGET);
    assert.equal(vs[1]!.gateStructural, true);
    const tasks = planAblation(gs, ds, TARGET, vs);
    assert.deepEqual(tasks.map((t) => t.variants.map((v) => v.name)), [['base'], ['gate-structural']], 'the gate is part of the model step 1 trains');
    const before = tf.memory().numTensors;
    const [plain] = await runAblationTask(ds, tasks[0]!, undefined);
    const [wide] = await runAblationTask(ds, tasks[1]!, undefined);
    assert.equal(tf.memory().numTensors, before);
    assert.ok(Number.isFinite(wide!.validation.kendallTau) && Number.isFinite(plain!.validation.kendallTau));
    assert.notEqual(wide!.validation.kendallTau, plain!.validation.kendallTau, 'the structural input changes the gate and so the ranking');
  });

  it("a variant with step 2's own pair sampling and margin shares step 1 and trains a different step 2", async () => {
    assert.throws(() => parseAblationSpec({ variants: [{ name: 's', step2: { lr: 1 } }] }), specError(/"s": unknown step2 key "lr"/));
    assert.throws(() => parseAblationSpec({ variants: [{ name: 's', step2: { margin: 0 } }] }), specError(/"s": step2.margin must be a positive number/));
    assert.throws(() => parseAblationSpec({ variants: [{ name: 's', step2: 4 }] }), specError(/"s": step2 must be an object/));
    assert.throws(() => parseAblationSpec({ variants: [{ name: 's', step2: { batchSize: 1 } }] }), specError(/"s": step2.batchSize must be an integer >= 2/));
    assert.throws(() => parseAblationSpec({ variants: [{ name: 's', step2: { batchSize: 8.5 } }] }), specError(/"s": step2.batchSize must be an integer >= 2/));
    assert.throws(() => parseAblationSpec({ variants: [{ name: 's', step2: { batchSize: 1e9 } }] }), specError(/"s": step2.batchSize must be at most/));
    assert.throws(() => parseAblationSpec({ variants: [{ name: 's', step2: { replay: -1 } }] }), specError(/"s": step2.replay must be a positive number/));
    assert.throws(() => parseAblationSpec({ variants: [{ name: 's', step2: { replay: 1, gateOnly: true } }] }), specError(/"s": step2.replay trains the experts, which step2.gateOnly keeps fixed/));
    assert.throws(() => parseAblationSpec({ variants: [{ name: 's', step2: { replay: 1, expertLabels: 1 } }] }), specError(/"s": step2.replay and step2.expertLabels are two targets/));
    assert.throws(() => parseAblationSpec({ variants: [{ name: 's', step2: { average: 1.5 } }] }), specError(/"s": step2.average is a fraction of step 2's epochs, in \[0, 1\]/));
    assert.doesNotThrow(() => parseAblationSpec({ variants: [{ name: 's', step2: { average: 0 } }] }), 'average 0: the last epoch\'s weights');
    // A tiny margin: early in training every pair violates a margin of 0.1 or more, and an active hinge's gradient
    // does not depend on the margin, so only a margin that some pairs already meet changes a 3-epoch step 2.
    const ss = tinySpec([base, { ...base, name: 'all-pairs', step2: { maxCompareRatio: 1e6 } }, { ...base, name: 'margin', step2: { margin: 1e-4 } }, { ...base, name: 'batch-8', step2: { batchSize: 8 } }, { ...base, name: 'replay', step2: { replay: 1 } }, { ...base, name: 'expert-labels', step2: { expertLabels: 1 } }, { ...base, name: 'average', step2: { average: 0.5 } }]);
    const vs = resolveVariants(ds, ss, TARGET);
    assert.deepEqual(vs.map((v) => v.step2), [undefined, { maxCompareRatio: 1e6 }, { margin: 1e-4 }, { batchSize: 8 }, { replay: 1 }, { expertLabels: 1 }, { average: 0.5 }]);
    assert.deepEqual(vs.map((v) => v.optim), vs.map(() => vs[0]!.optim), 'step 1 keeps the optimiser settings');
    assert.ok(vs[0]!.optim.batchSize > 8, `the tiny preset's batch (${vs[0]!.optim.batchSize}) is larger than the variant's`);
    assert.deepEqual(step2Optim(vs[3]!), { ...vs[0]!.optim, batchSize: 8 });
    // What step 2 trains with: the optimiser's settings with the overrides; gateOnly becomes OptimConfig.finetuneGateOnly,
    // replay and expertLabels OptimConfig.finetuneExpertLoss, average OptimConfig.finetuneAverage.
    assert.deepEqual(step2Optim(vs[4]!), { ...vs[0]!.optim, finetuneExpertLoss: 1 });
    assert.deepEqual(step2Optim(vs[5]!), { ...vs[0]!.optim, finetuneExpertLoss: 1 });
    assert.deepEqual(step2Optim(vs[6]!), { ...vs[0]!.optim, finetuneAverage: 0.5 });
    assert.deepEqual(step2Optim(vs[1]!), { ...vs[0]!.optim, maxCompareRatio: 1e6 });
    assert.deepEqual(step2Optim({ optim: vs[0]!.optim, step2: { gateOnly: true, margin: 0.05 } }), { ...vs[0]!.optim, margin: 0.05, finetuneGateOnly: true });
    assert.deepEqual(step2Optim(vs[0]!), vs[0]!.optim);
    const tasks = planAblation(ss, ds, TARGET, vs);
    assert.deepEqual(tasks.map((t) => t.variants.map((v) => v.name)), [['base', 'all-pairs', 'margin', 'batch-8', 'replay', 'expert-labels', 'average']], 'one step 1 for all seven');
    const rows = await runAblationTask(ds, tasks[0]!, undefined);
    const taus = rows.map((r) => r.validation.kendallTau);
    assert.equal(new Set(taus).size, 7, `each step 2 setting trains its own predictor: ${taus.join(', ')}`);
    const report = ablationReport({
      kind: 'ablation', space: 'nb201', spaceTitle: 'NAS-Bench-201', fingerprint: ds.fingerprint, target: TARGET, command: 'test', backend: 'wasm',
      jobs: 1, seeds: 1, validation: 200, trainSize: 750, heldOutSize: 750, wallSeconds: 1, variants: vs, rows,
    });
    assert.match(report, /- all-pairs: .*step 2 \{"maxCompareRatio":1000000\}/);
  });

  it('a task trains step 1 once for its variants, reads it back bit for bit from the cache, frees its tensors, and never looks at held-out targets', async () => {
    const vs = resolveVariants(ds, spec(), TARGET);
    const task: AblationTask = { space: 'nb201', target: TARGET, seed: 0, validation: 200, variants: vs.slice(0, 2) };
    const cache = new Step1Cache(cacheDir);
    const before = tf.memory().numTensors;
    const first = await runAblationTask(ds, task, cache);
    assert.equal(tf.memory().numTensors, before, 'tensors left behind');
    const again = await runAblationTask(ds, task, cache);
    const poisoned = await runAblationTask(poisonHeldOut(ds), task, cache);
    const strip = (r: AblationRow) => ({ ...r, step2Seconds: 0, step1Cached: false });
    assert.deepEqual(first.map((r) => [r.variant, r.step1Cached]), [['base', false], ['ens', false]]);
    assert.ok(again.every((r) => r.step1Cached));
    assert.deepEqual(again.map(strip), first.map(strip));
    // Held-out noise: the validation figures (and so every choice) are the same; only the held-out report moves.
    assert.deepEqual(poisoned.map((r) => r.validation), first.map((r) => r.validation));
    assert.notDeepEqual(poisoned.map((r) => r.heldOut.kendallTau), first.map((r) => r.heldOut.kendallTau));
    assert.ok(first.every((r) => r.labelled === 75 && r.validation.kendallTau > 0.3), JSON.stringify(first.map((r) => r.validation)));
    // The ensemble of two is not its first member alone.
    assert.notEqual(first[1]!.validation.kendallTau, first[0]!.validation.kendallTau);
    const report = ablationReport({
      kind: 'ablation', space: 'nb201', spaceTitle: 'NAS-Bench-201', fingerprint: ds.fingerprint, target: TARGET, command: 'test', backend: 'wasm',
      jobs: 1, seeds: 1, validation: 200, trainSize: 750, heldOutSize: 750, wallSeconds: 1, variants: vs.slice(0, 2), rows: first,
    });
    assert.match(report, /GATES, 10% ground truth \(75 labelled archs\)/);
    assert.match(report, new RegExp(`chosen on validation: ${first[1]!.validation.kendallTau > first[0]!.validation.kendallTau ? 'ens' : 'base'}`));
    assert.match(report, /- ens: gates, preset tiny, 3 experts \(c10valid_xvalid_12ep, zc_c10_\*: .*ensemble 2/);
  });

  it('an ensemble over step-1 seeds: member m continues from seed + m\'s step 1, trained once and cached, no tensor left', async () => {
    assert.throws(() => parseAblationSpec({ variants: [{ name: 'e', ensembleStep1: 1 }] }), specError(/"e": ensembleStep1 must be true or false/));
    assert.throws(() => parseAblationSpec({ variants: [{ name: 'e', ensembleStep1: true }] }), specError(/"e": ensembleStep1 needs an ensemble of 2 or more/));
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dele-step1-'));
    const cache = new Step1Cache(dir);
    const es = tinySpec([{ ...base, name: 'ens', ensemble: 2 }, { ...base, name: 'ens-step1', ensemble: 2, ensembleStep1: true }]);
    const vs = resolveVariants(ds, es, TARGET);
    const [task] = planAblation(es, ds, TARGET, vs);
    const tensors = tf.memory().numTensors;
    const rows = await runAblationTask(ds, task!, cache);
    assert.equal(tf.memory().numTensors, tensors, 'every step 1 freed');
    assert.equal(fs.readdirSync(dir).length, 2, "the task's own step 1 and seed 1's");
    assert.notEqual(rows[1]!.validation.kendallTau, rows[0]!.validation.kendallTau, 'member 1 starts from another step 1');
    // Seed 1's own task now reads its step 1 from the cache: the same bits as the member used.
    const seed1 = await runAblationTask(ds, { ...task!, seed: 1, variants: [vs[0]!] }, cache);
    assert.ok(seed1[0]!.step1Cached);
    const report = ablationReport({
      kind: 'ablation', space: 'nb201', spaceTitle: 'NAS-Bench-201', fingerprint: ds.fingerprint, target: TARGET, command: 'test', backend: 'wasm',
      jobs: 1, seeds: 1, validation: 200, trainSize: 750, heldOutSize: 750, wallSeconds: 1, variants: vs, rows,
    });
    assert.match(report, /- ens-step1: .*ensemble 2 \(member m from the step 1 of seed \+ m\)/);
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('the step-1 cache ignores a truncated entry and one for another key', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dele-step1-'));
    const cache = new Step1Cache(dir);
    const config = modelConfigFor(modelBase(PRESETS.tiny, 'gates', ds.space.encoderInput), 'dele', ['zc_c10_synflow']);
    const model = new EnsembleModel(config, 1);
    const opt = new Adam({ lr: 1e-3 });
    await pretrainExperts(model, opt, ds.features, [...Array(100).keys()], [column(ds, 'zc_c10_synflow').values], { ...PRESETS.tiny.optim, pretrainEpochs: 1 }, new Rng(1));
    cache.save({ k: 1 }, model, opt, 12.5);
    const copy = new EnsembleModel(config, 2);
    const copyOpt = new Adam({ lr: 1e-3 });
    assert.equal(cache.load({ k: 2 }, copy, copyOpt), undefined);
    assert.equal(cache.load({ k: 1 }, copy, copyOpt), 12.5);
    for (const [name, v] of model.params.vars) {
      assert.deepEqual(copy.params.vars.get(name)!.dataSync(), v.dataSync(), name);
      assert.deepEqual(copyOpt.exportState(copy.params.vars.get(name)!), opt.exportState(v), `Adam state of ${name}`);
    }
    const [file] = fs.readdirSync(dir);
    const full = fs.readFileSync(path.join(dir, file!));
    fs.writeFileSync(path.join(dir, file!), full.subarray(0, full.length - 4));
    assert.equal(cache.load({ k: 1 }, new EnsembleModel(config, 3), new Adam({ lr: 1e-3 })), undefined);
    for (const m of [model, copy]) m.dispose();
  });
});

describe('functionally equivalent NB201 cells (dead edges pruned) and the LF fill', () => {
  it('pruning fixes exactly the 9,445 cells NAS-Bench-Suite-Zero covers, is idempotent, and keeps what reaches the output', () => {
    const ds = loadBundledNb201();
    const space = ds.space;
    let fixed = 0;
    ds.archs.forEach((a, i) => {
      const p = space.equivalent!(a);
      const key = space.key(p);
      if (key === ds.keys[i]) fixed++;
      assert.equal(space.key(space.equivalent!(p)), key);
      assert.equal(space.lint(p).length, space.lint(a).length, `connectivity of ${ds.keys[i]}`);
      // The covered cells are exactly the fixed points.
      assert.equal(Number.isFinite(column(ds, 'zc_c10_synflow').values[i]), key === ds.keys[i], ds.keys[i]);
    });
    assert.equal(fixed, 9445);
    // Node 1's output goes nowhere (edges 2<-1 and 3<-1 are none): its input edge is dead.
    assert.equal(space.key(space.equivalent!(parseOrThrow(space, '|nor_conv_3x3~0|+|skip_connect~0|none~1|+|none~0|none~1|avg_pool_3x3~2|'))), '|none~0|+|skip_connect~0|none~1|+|none~0|none~1|avg_pool_3x3~2|');
    // Nothing reaches node 2, so its output edge is dead too.
    assert.equal(space.key(space.equivalent!(parseOrThrow(space, '|nor_conv_3x3~0|+|none~0|none~1|+|skip_connect~0|none~1|nor_conv_1x1~2|'))), '|none~0|+|none~0|none~1|+|skip_connect~0|none~1|none~2|');
    assert.deepEqual(pruneDeadEdges([1, 0, 0, 0, 0, 1], [0, 0, 1, 0, 1, 2], [1, 2, 2, 3, 3, 3], 0), [0, 0, 0, 0, 0, 0], 'no path: all none');
  });

  it('fills only missing LF values, from the equivalent cell; targets and present values stay as they were', () => {
    const ds = loadBundledNb201();
    const { ds: f, filled } = fillFromEquivalents(ds);
    const zc = lfNames(ds).filter((n) => n.startsWith('zc_'));
    assert.ok(filled >= 6180 * zc.length, `${filled} filled`);
    assert.notEqual(f.fingerprint, ds.fingerprint);
    for (const n of targetNames(ds)) assert.deepEqual(column(f, n).values, column(ds, n).values, n);
    const index = new Map(ds.keys.map((k, i) => [k, i]));
    for (const n of zc) {
      const before = column(ds, n).values;
      const after = column(f, n).values;
      for (let i = 0; i < before.length; i++) {
        if (Number.isFinite(before[i])) assert.equal(after[i], before[i]);
        else assert.equal(after[i], before[index.get(ds.space.key(ds.space.equivalent!(ds.archs[i])))!], `${n} of ${ds.keys[i]}`);
      }
    }
    // Every column is filled where the equivalent cell has a value: the proxies completely, NASWOT where it can be.
    const missing = (d: Dataset): number => lfNames(d).reduce((m, n) => m + column(d, n).values.filter((v) => !Number.isFinite(v)).length, 0);
    assert.equal(missing(ds) - missing(f), filled);
    for (const n of zc) assert.equal(column(f, n).values.filter((v) => !Number.isFinite(v)).length, 0, n);
  });
});
