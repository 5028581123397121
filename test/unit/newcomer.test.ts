/**
 * What a newcomer meets first (issue 21): the training's progress notification (step, epoch, ETA), the wizards'
 * step numbers, settings that a search for "dele" finds, and a README that names every command.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { TrainingEpoch } from '../../src/protocol/lsp';
import { formatDuration, stepEta, TRAINING_STARTING, TrainingProgressText } from '../../src/client/trainingProgress';

const epoch = (phase: TrainingEpoch['phase'], n: number, of: number, elapsedSeconds: number): TrainingEpoch => ({ phase, epoch: n, epochs: of, loss: 0.5, elapsedSeconds });

describe('training progress notification', () => {
  it('durations: seconds under a minute, minutes and seconds under an hour, hours and minutes above', () => {
    assert.deepEqual([0, 8, 8.4, 59.6, 60, 80, 125, 3599, 3600, 3900, 7200].map(formatDuration), ['0 s', '8 s', '8 s', '1 min', '1 min', '1 min 20 s', '2 min 5 s', '59 min 59 s', '1 h', '1 h 5 min', '2 h']);
  });

  it('step 1 then step 2: no ETA on a step\'s first epoch; from the 2nd, the time per epoch since the step\'s first times the epochs left', () => {
    const p = new TrainingProgressText('dele');
    assert.equal(p.text, TRAINING_STARTING);
    // 30 s of set-up before the first epoch: it does not count (2 s per epoch after it).
    assert.equal(p.update(epoch('pretrain', 1, 40, 32)), 'step 1: epoch 1/40');
    assert.equal(p.update(epoch('pretrain', 2, 40, 34)), 'step 1: epoch 2/40 · ETA 1 min 16 s');
    assert.equal(p.update(epoch('pretrain', 12, 40, 54)), 'step 1: epoch 12/40 · ETA 56 s');
    assert.equal(p.update(epoch('pretrain', 40, 40, 110)), 'step 1: epoch 40/40 · ETA 0 s');
    // Step 2 starts its own clock: its first epoch has no ETA, whatever step 1's pace was.
    assert.equal(p.update(epoch('train', 1, 200, 120)), 'step 2: epoch 1/200');
    assert.equal(p.text, 'step 2: epoch 1/200');
    assert.equal(p.update(epoch('train', 150, 200, 134.9)), 'step 2: epoch 150/200 · ETA 5 s');
    assert.equal(p.update(epoch('train', 160, 200, 200)), 'step 2: epoch 160/200 · ETA 20 s');
  });

  it('the brief\'s examples: 12/40 at 4 s per epoch is 1 min 52 s; 150/200 at 0.16 s is 8 s', () => {
    const p = new TrainingProgressText('single');
    p.update(epoch('pretrain', 1, 40, 10));
    assert.equal(p.update(epoch('pretrain', 12, 40, 54)), 'step 1: epoch 12/40 · ETA 1 min 52 s');
    p.update(epoch('train', 1, 200, 60));
    assert.equal(p.update(epoch('train', 150, 200, 60 + 149 * 0.16)), 'step 2: epoch 150/200 · ETA 8 s');
  });

  it('vanilla has one step and no step label', () => {
    const p = new TrainingProgressText('vanilla');
    assert.equal(p.update(epoch('train', 1, 100, 5)), 'epoch 1/100');
    assert.equal(p.update(epoch('train', 10, 100, 23)), 'epoch 10/100 · ETA 3 min');
  });

  it('a new training (epoch 1 again, same phase) restarts the clock', () => {
    const p = new TrainingProgressText('vanilla');
    p.update(epoch('train', 1, 10, 1));
    p.update(epoch('train', 5, 10, 100));
    assert.equal(p.update(epoch('train', 1, 10, 3)), 'epoch 1/10');
    assert.equal(p.update(epoch('train', 2, 10, 4)), 'epoch 2/10 · ETA 8 s');
  });

  it('stepEta: none within the first epoch or across steps; never negative', () => {
    assert.equal(stepEta(epoch('train', 1, 10, 5), epoch('train', 1, 10, 5)), undefined);
    assert.equal(stepEta(epoch('pretrain', 1, 10, 5), epoch('train', 2, 10, 6)), undefined);
    assert.equal(stepEta(epoch('train', 1, 10, 5), epoch('train', 3, 10, 4)), 0);
    assert.equal(stepEta(epoch('train', 1, 10, 5), epoch('train', 3, 10, 9)), 14);
  });
});
