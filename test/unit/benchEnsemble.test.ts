import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import { loadBundled, type Dataset } from '../../src/data/dataset';
import { type BenchTask, runBenchTask, unlabelledArchs } from '../../src/experiment/bench';
import { Step1Cache } from '../../src/experiment/step1Cache';
import { initBackend } from '../../src/runtime/backend';

describe('dele bench: an ensemble of step 2, a step-1 cache and the unlabelled train archs', () => {
  let nb101: Dataset;
  let dir: string;
  const task: BenchTask = { space: 'nb101', encoder: 'gates', seed: 1, subsetSeed: 1, ratios: [0.3], target: 'val_acc', preset: 'tiny', experts: ['structural', 'params'], optim: { pretrainEpochs: 2, epochs: 6 }, methods: ['dele'] };
  before(async () => {
    await initBackend('wasm');
    nb101 = loadBundled('nb101');
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dele-bench-cache-'));
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('leaves out exactly the labelled archs and the archs without a target', () => {
    const truth = [0.5, Number.NaN, 0.7, 0.1, 0.9, 0.2];
    assert.deepEqual(unlabelledArchs([0, 1, 2, 3, 4], [2, 4], truth), [0, 3]);
    assert.deepEqual(unlabelledArchs([0, 2], [0, 2], truth), []);
  });

  it('structuralMax caps the structural experts the task chooses: the default 8 is the plain run, 1 trains another predictor', async () => {
    const [plain] = await runBenchTask(nb101, task);
    const [eight] = await runBenchTask(nb101, { ...task, structuralMax: 8 });
    const [one] = await runBenchTask(nb101, { ...task, structuralMax: 1 });
    assert.ok(plain && eight && one);
    assert.equal(eight.metrics.kendallTau, plain.metrics.kendallTau, 'the default cap is 8');
    assert.notEqual(one.metrics.kendallTau, plain.metrics.kendallTau, 'one structural expert (and params) instead of up to 8');
  });

  it('member 0 of an ensemble is the plain run; the ensemble scores differently and leaves no tensor', async () => {
    const [plain] = await runBenchTask(nb101, task);
    const tensors = tf.memory().numTensors;
    const [ens] = await runBenchTask(nb101, { ...task, ensemble: 3 });
    assert.equal(tf.memory().numTensors, tensors);
    assert.ok(plain && ens);
    assert.equal(plain.memberTaus, undefined);
    assert.equal(ens.memberTaus?.length, 3);
    assert.equal(ens.memberTaus[0], plain.metrics.kendallTau);
    assert.notEqual(ens.memberTaus[1], ens.memberTaus[0], 'members train with their own seeds');
    assert.notEqual(ens.metrics.kendallTau, plain.metrics.kendallTau);
    assert.equal(ens.groundTruth, plain.groundTruth);
    // The choice criterion: every train-split arch without a label in this row, scored like the held-out split.
    assert.ok(plain.unlabelledTau !== undefined && Number.isFinite(plain.unlabelledTau) && plain.unlabelledTau > 0, String(plain.unlabelledTau));
    assert.notEqual(ens.unlabelledTau, plain.unlabelledTau);
    // Every train-split arch labelled: nothing left to score.
    const [all] = await runBenchTask(nb101, { ...task, ratios: [1], methods: ['vanilla'] });
    assert.equal(all?.unlabelledTau, undefined);
  });

  it('a step-1 cache gives the same rows, and a different step 1 (more sampled archs) is not read from it', async () => {
    const cache = new Step1Cache(dir);
    const logs: string[] = [];
    const log = (m: string): void => void logs.push(m);
    const [fresh] = await runBenchTask(nb101, task, log, undefined, cache);
    assert.ok(!logs.some((m) => m.includes('from the cache')));
    assert.equal(fs.readdirSync(dir).length, 1);
    const [again] = await runBenchTask(nb101, task, log, undefined, cache);
    assert.ok(logs.some((m) => m.includes('from the cache')));
    assert.deepEqual(again?.metrics, fresh?.metrics);
    assert.equal(again?.pretrainSeconds, fresh?.pretrainSeconds, 'the cached step 1 keeps its own seconds');
    logs.length = 0;
    await runBenchTask(nb101, { ...task, step1Sample: 30 }, log, undefined, cache);
    assert.ok(!logs.some((m) => m.includes('from the cache')));
    assert.equal(fs.readdirSync(dir).length, 2);
  });
});
