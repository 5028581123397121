import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { loadBundled, type Dataset } from '../../src/data/dataset';
import { withSampledArchs } from '../../src/data/pool';
import { runBenchTask } from '../../src/experiment/bench';
import { initBackend } from '../../src/runtime/backend';

describe('step 1 on sampled architectures (withSampledArchs, dele bench --step1-sample)', () => {
  let nb101: Dataset;
  before(async () => {
    await initBackend('wasm');
    nb101 = loadBundled('nb101');
  });

  it('appends distinct architectures of the space that the table does not hold, every column NaN, and keeps the table’s rows', () => {
    const ds = withSampledArchs(nb101, 300, 4);
    const n = nb101.archs.length;
    assert.equal(ds.archs.length, n + 300);
    assert.deepEqual(ds.keys.slice(0, n), nb101.keys);
    assert.equal(new Set(ds.keys).size, ds.keys.length, 'no architecture twice');
    for (const c of ds.columns) {
      const before = nb101.columns.find((x) => x.name === c.name)!;
      assert.deepEqual(c.values.subarray(0, n), before.values);
      assert.ok(c.values.subarray(n).every((v) => Number.isNaN(v)), c.name);
    }
    assert.deepEqual(ds.defaultExperts, nb101.defaultExperts);
    assert.deepEqual(withSampledArchs(nb101, 300, 4).keys, ds.keys, 'the same seed draws the same architectures');
    assert.notDeepEqual(withSampledArchs(nb101, 300, 5).keys, ds.keys);
  });

  it('trains step 1 on them too: the same labels and held-out split, a different predictor', async () => {
    const task = { space: 'nb101', encoder: 'lstm' as const, seed: 0, subsetSeed: 0, ratios: [0.3], target: 'val_acc', preset: 'tiny' as const, experts: ['structural'], optim: { pretrainEpochs: 2, epochs: 10 }, methods: ['dele' as const] };
    const [plain] = await runBenchTask(nb101, task);
    const [sampled] = await runBenchTask(nb101, { ...task, step1Sample: 200 });
    assert.ok(plain && sampled);
    assert.equal(sampled.groundTruth, plain.groundTruth);
    assert.equal(sampled.metrics.n, plain.metrics.n);
    assert.notEqual(sampled.metrics.kendallTau, plain.metrics.kendallTau);
  });
});
