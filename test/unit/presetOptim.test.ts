import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { column, type Dataset, makeDataset } from '../../src/data/dataset';
import { trainOnLabels } from '../../src/predictor/labelled';
import { trainPredictor } from '../../src/predictor/predictor';
import { presetOptim, PRESETS, STEP2_AVERAGE } from '../../src/predictor/presets';
import { type TrainHooks, TrainingCancelled } from '../../src/predictor/train';
import { initBackend } from '../../src/runtime/backend';
import { builtinSpace } from '../../src/space/registry';
import { nb201Slice } from './slice';

const space = (id: string) => {
  const s = builtinSpace(id);
  assert.ok(s, id);
  return s;
};

describe('presetOptim: a space may set step 1 length under the cpu preset', () => {
  it('NB201 trains step 1 for 120 epochs under cpu, the other spaces keep the preset 40', () => {
    assert.equal(presetOptim('cpu', space('nb201')).pretrainEpochs, 120);
    assert.equal(PRESETS.cpu.optim.pretrainEpochs, 40);
    for (const id of ['tnb101-micro', 'tnb101-macro', 'nb301', 'nb101']) assert.equal(presetOptim('cpu', space(id)).pretrainEpochs, 40, id);
  });
  it('the paper and tiny presets keep their own length on NB201, and the rest of the cpu optimiser is unchanged', () => {
    assert.equal(presetOptim('paper', space('nb201')).pretrainEpochs, PRESETS.paper.optim.pretrainEpochs);
    assert.equal(presetOptim('tiny', space('nb201')).pretrainEpochs, PRESETS.tiny.optim.pretrainEpochs);
    assert.deepEqual({ ...presetOptim('cpu', space('nb201')), pretrainEpochs: 40 }, PRESETS.cpu.optim);
  });
});

describe('the cpu preset averages step 2’s last quarter of epochs (STEP2_AVERAGE)', () => {
  it('on every space under cpu; the paper and tiny presets end on the last epoch’s weights', () => {
    for (const id of ['nb201', 'tnb101-micro', 'tnb101-macro', 'nb301', 'nb101']) assert.equal(presetOptim('cpu', space(id)).finetuneAverage, STEP2_AVERAGE, id);
    assert.equal(STEP2_AVERAGE, 0.25);
    assert.equal(presetOptim('paper', space('nb201')).finetuneAverage, undefined);
    assert.equal(presetOptim('tiny', space('nb201')).finetuneAverage, undefined);
  });
});

describe('training starts step 1 with the space’s length (trainPredictor, trainOnLabels)', () => {
  const TRUTH = 'c10_test_200ep';
  const LF = ['c10valid_xvalid_12ep', 'zc_c10_nwot'];
  let ds: Dataset;
  before(async () => {
    await initBackend('wasm');
    ds = nb201Slice([TRUTH, ...LF], { size: 400, stride: 37 });
  });
  /** Step 1's epoch count as the first epoch event reports it; the training is cancelled right there. */
  const firstStep1Epochs = async (train: (hooks: TrainHooks) => Promise<unknown>): Promise<number> => {
    const stop = new AbortController();
    let epochs = -1;
    const hooks: TrainHooks = {
      signal: stop.signal,
      onEpoch: (e) => {
        if (e.phase === 'pretrain' && epochs < 0) epochs = e.epochs;
        stop.abort();
      },
    };
    await assert.rejects(train(hooks), TrainingCancelled);
    return epochs;
  };

  it('120 epochs on NB201 under cpu in both, and an explicit pretrainEpochs wins', async () => {
    const viaTable = (optim: { pretrainEpochs?: number }) => (hooks: TrainHooks) =>
      trainPredictor(ds, { method: 'dele', encoder: 'gates', target: TRUTH, experts: LF, trainRatio: 0.1, preset: 'cpu', optim }, hooks);
    assert.equal(await firstStep1Epochs(viaTable({})), 120);
    assert.equal(await firstStep1Epochs(viaTable({ pretrainEpochs: 7 })), 7);
    const truth = column(ds, TRUTH).values;
    const labels = Array.from({ length: 10 }, (_, j) => ({ arch: ds.archs[j * 13], value: truth[j * 13]! }));
    const pool = makeDataset('test-pool', ds.space, ds.archs, ds.columns.filter((c) => c.name !== TRUTH));
    assert.equal(await firstStep1Epochs((hooks) => trainOnLabels(pool, labels, { method: 'dele', encoder: 'gates', target: 'acc', experts: LF, preset: 'cpu' }, hooks)), 120);
  });
});
