import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { batchFileName, batchFileText, resultsPickItems } from '../../src/client/loopModel';
import type { ProposeBatchResult } from '../../src/protocol/lsp';

const A = '|nor_conv_3x3~0|+|nor_conv_3x3~0|avg_pool_3x3~1|+|skip_connect~0|nor_conv_3x3~1|nor_conv_3x3~2|';
const B = '|nor_conv_1x1~0|+|nor_conv_3x3~0|avg_pool_3x3~1|+|skip_connect~0|nor_conv_3x3~1|nor_conv_3x3~2|';
const RESULT: ProposeBatchResult = {
  space: 'nb201',
  spaceTitle: 'NAS-Bench-201',
  batch: [
    { arch: A, predicted: 93.456, ucb: 2.5, spread: 0.75 },
    { arch: B, predicted: 92.1, ucb: 2.25, spread: 1.5 },
  ],
  excluded: 17,
  candidates: 15608,
  method: 'enumerate',
  target: 'c10_test_200ep',
  unit: '%',
  beta: 1,
};
const DATE = new Date('2026-12-06T23:05:09.123Z');

describe('the loop in the editor, without the editor (loopModel)', () => {
  it('the batch file: one architecture a line in the space syntax, best first; everything else is a # comment', () => {
    const text = batchFileText(RESULT, DATE);
    const lines = text.trimEnd().split('\n');
    assert.deepEqual(
      lines.filter((l) => !l.startsWith('#')),
      [A, B],
    );
    assert.match(text, /ucb = mean \+ 1 \* spread over 15,608 candidates \(the whole space\), 17 labelled architectures excluded/);
    assert.match(text, new RegExp(`${A.replace(/[|+]/g, '\\$&')}\\n# ↑ predicted 93\\.46% · ucb 2\\.50 · spread 0\\.75\\n`));
    assert.ok(text.endsWith('\n'));
  });

  it('batch file names: space id made safe, time stamp, a suffix when taken', () => {
    assert.equal(batchFileName('nb201', DATE), 'nb201-batch-20261206-230509.arch');
    assert.equal(batchFileName('my space/v2', DATE, 2), 'my_space_v2-batch-20261206-230509-2.arch');
  });

  it('the Update Predictor pick: labels, kept labels and bad rows per results file', () => {
    assert.deepEqual(resultsPickItems([{ space: 'nb201', spaceTitle: 'NAS-Bench-201', file: '/ws/r.csv', target: 'acc', labelled: 12, kept: 2, problems: 1 }]), [
      { label: 'NAS-Bench-201', description: '12 labelled (2 kept from earlier versions of the file) · 1 row with problems', detail: '/ws/r.csv', space: 'nb201' },
    ]);
    assert.equal(resultsPickItems([{ space: 'x', spaceTitle: 'X', file: '/ws/x.csv', labelled: 0, kept: 0, problems: 0, error: 'the results file does not exist yet' }])[0]?.detail, '/ws/x.csv: the results file does not exist yet');
  });
});
