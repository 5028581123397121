import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { loadBundled, type Dataset } from '../../src/data/dataset';
import { withSampledArchs } from '../../src/data/pool';
import { countColumns } from '../../src/lf/closedForm';
import { lfSpace } from '../../src/lf/registry';
import { nb101FlopsParams } from '../../src/lf/nb101/count';
import type { NodeCellArch } from '../../src/space/declared/nodeCell';
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

  it('fills the sampled rows of the LF columns it is given (closed-form flops and params) and no other row or column', () => {
    const lf = lfSpace('nb101')!;
    const ds = withSampledArchs(nb101, 50, 4, (archs) => countColumns(lf, archs));
    const n = nb101.archs.length;
    const plain = withSampledArchs(nb101, 50, 4);
    assert.deepEqual(ds.keys, plain.keys, 'the fill does not change the draw');
    for (const c of ds.columns) {
      const filled = c.name === 'flops' || c.name === 'params';
      assert.deepEqual(c.values.subarray(0, n), nb101.columns.find((x) => x.name === c.name)!.values, c.name);
      assert.equal(c.values.subarray(n).every((v) => Number.isNaN(v)), !filled, c.name);
    }
    const flops = ds.columns.find((c) => c.name === 'flops')!.values;
    const params = ds.columns.find((c) => c.name === 'params')!.values;
    for (let i = n; i < ds.archs.length; i++) {
      const want = nb101FlopsParams(ds.archs[i] as NodeCellArch);
      assert.equal(flops[i], want.flops);
      assert.equal(params[i], want.params);
    }
    // The same closed form gives the table's own values for its rows (published to 6 significant digits; 3 of
    // the 292 rows are means over isomorphic numberings, within 1.5 %: lfCount.test.ts).
    const table = countColumns(lf, nb101.archs.slice(0, 20));
    const published = nb101.columns.find((c) => c.name === 'params')!.values;
    for (let i = 0; i < 20; i++) assert.ok(Math.abs(table.params[i]! / published[i]! - 1) < 0.015, `row ${i}: ${table.params[i]} vs ${published[i]}`);
    assert.ok(Array.from({ length: 20 }, (_, i) => Number(table.params[i]!.toPrecision(6)) === published[i]).filter(Boolean).length >= 17);
    assert.throws(() => withSampledArchs(nb101, 5, 4, () => ({ val_acc: [1, 2, 3, 4, 5] })), /no LF column "val_acc"/);
    assert.throws(() => withSampledArchs(nb101, 5, 4, () => ({ flops: [1] })), /1 values of "flops" for 5/);
  });

  it('counts a network-built space on its network: NB201 sampled cells get flops and params too', () => {
    const nb201 = loadBundled('nb201');
    const lf = lfSpace('nb201')!;
    const cols = countColumns(lf, nb201.archs.slice(0, 3));
    const published = nb201.columns.find((c) => c.name === 'zc_c10_params')!.values;
    for (let i = 0; i < 3; i++) assert.ok(Math.abs(cols.params[i]! - published[i]!) < 1e-6, `${cols.params[i]} vs ${published[i]}`);
    assert.ok(cols.flops.every((v) => v > 0));
  });

  it('trains step 1 on them too: the same labels and held-out split, a different predictor', async () => {
    const task = { space: 'nb101', encoder: 'lstm' as const, seed: 0, subsetSeed: 0, ratios: [0.3], target: 'val_acc', preset: 'tiny' as const, experts: ['structural'], optim: { pretrainEpochs: 2, epochs: 10 }, methods: ['dele' as const] };
    const [plain] = await runBenchTask(nb101, task);
    const [sampled] = await runBenchTask(nb101, { ...task, step1Sample: 200 });
    assert.ok(plain && sampled);
    assert.equal(sampled.groundTruth, plain.groundTruth);
    assert.equal(sampled.metrics.n, plain.metrics.n);
    assert.notEqual(sampled.metrics.kendallTau, plain.metrics.kendallTau);
    const counted = { ...task, experts: ['params'], step1Sample: 200, step1SampleCounts: true };
    await assert.rejects(runBenchTask(nb101, counted), /no closed-form LF values/);
    const [withCounts] = await runBenchTask(nb101, counted, () => {}, (archs) => countColumns(lfSpace('nb101')!, archs));
    const [withoutCounts] = await runBenchTask(nb101, { ...counted, step1SampleCounts: false });
    assert.ok(withCounts && withoutCounts);
    assert.notEqual(withCounts.metrics.kendallTau, withoutCounts.metrics.kendallTau, 'the params expert learns from the sampled rows');
  });
});
