import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { presetOptim, PRESETS } from '../../src/predictor/presets';
import { builtinSpace } from '../../src/space/registry';

const space = (id: string) => { const s = builtinSpace(id); assert.ok(s, id); return s; };

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
