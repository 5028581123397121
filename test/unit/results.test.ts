import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { readResults } from '../../src/data/results';
import { nb201Space } from '../../src/space/nb201';
import { parseOrThrow } from '../../src/space/types';

const A = '|nor_conv_3x3~0|+|nor_conv_3x3~0|avg_pool_3x3~1|+|skip_connect~0|nor_conv_3x3~1|nor_conv_3x3~2|';
const B = '|nor_conv_1x1~0|+|nor_conv_3x3~0|avg_pool_3x3~1|+|skip_connect~0|nor_conv_3x3~1|nor_conv_3x3~2|';

describe('results file (readResults)', () => {
  it('reads a CSV appended by training jobs: the value column found by itself, extra columns ignored', () => {
    const r = readResults(`arch,acc,host\n${A},93.1,node3\n"${B}",91.5,node4\n`, 'runs.csv', nb201Space);
    assert.equal(r.target, 'acc');
    const key = (text: string): string => nb201Space.key(parseOrThrow(nb201Space, text));
    assert.deepEqual(
      r.rows.map((x) => [x.line, x.key, x.value]),
      [
        [2, key(A), 93.1],
        [3, key(B), 91.5],
      ],
    );
    assert.deepEqual(r.problems, []);
  });

  it('a bad row is a problem at its line and the other rows still count; a re-run row replaces the first with a warning there', () => {
    const text = ['arch,acc', `${A},93.1`, '|nor_conv_3x3~0|+|bogus~0|,90', `${B},0x5A`, `${B},`, 'x', `${A},94.0`, `${B},91.25`].join('\n');
    const r = readResults(text, 'runs.csv', nb201Space, 'acc');
    assert.deepEqual(
      r.rows.map((x) => [x.line, x.value]),
      [
        [7, 94],
        [8, 91.25],
      ],
    );
    const byLine = Object.fromEntries(r.problems.map((p) => [p.line, `${p.severity}: ${p.message}`]));
    assert.match(byLine[2]!, /^warning: the same architecture is on line 7 again: its value there \(94\) is used, not 93\.1/);
    assert.match(byLine[3]!, /^error: not a NAS-Bench-201 .*architecture/i);
    assert.match(byLine[4]!, /^error: "acc" is "0x5A", not a decimal number/);
    assert.match(byLine[5]!, /^error: "acc" is empty/);
    assert.match(byLine[6]!, /^error: 1 cell, but the header has 2/);
    assert.equal(r.problems.length, 5);
  });

  it('asks which column is the result when two hold numbers, and says when the arch column or the named one is missing', () => {
    const two = readResults(`arch,acc,seconds\n${A},93.1,120\n`, 'runs.csv', nb201Space);
    assert.deepEqual(two.rows, []);
    assert.match(two.problems[0]!.message, /which column is the result\? acc, seconds all hold numbers/);
    assert.equal(readResults(`arch,acc,seconds\n${A},93.1,120\n`, 'runs.csv', nb201Space, 'acc').rows.length, 1);
    assert.match(readResults(`cell,acc\n${A},93.1\n`, 'runs.csv', nb201Space).problems[0]!.message, /no "arch" column/);
    assert.match(readResults(`arch,acc\n${A},93.1\n`, 'runs.csv', nb201Space, 'top1').problems[0]!.message, /no "top1" column/);
    const quote = readResults(`arch,acc\n${A},93.1\n"${B},91\n`, 'runs.csv', nb201Space);
    assert.deepEqual([quote.problems[0]!.line, quote.problems[0]!.message], [3, 'unterminated quote']);
  });

  it('reads JSON lines: one object per line, bad lines reported at their line', () => {
    const text = [`{"arch": "${A}", "acc": 93.1, "epochs": "200"}`, '', 'not json', `{"arch": 3, "acc": 1}`, `{"acc": 2}`, `{"arch": "${B}", "acc": "91.5"}`].join('\n');
    const r = readResults(text, 'runs.jsonl', nb201Space);
    assert.equal(r.target, 'acc');
    assert.deepEqual(
      r.rows.map((x) => [x.line, x.value]),
      [
        [1, 93.1],
        [6, 91.5],
      ],
    );
    assert.deepEqual(
      r.problems.map((p) => p.line),
      [3, 4, 5],
    );
    assert.match(r.problems[0]!.message, /^not JSON/);
  });

  it('an empty file has no rows and no problems (the jobs have not written yet)', () => {
    assert.deepEqual(readResults('', 'runs.csv', nb201Space), { rows: [], problems: [] });
    assert.deepEqual(readResults('arch,acc\n', 'runs.csv', nb201Space), { target: 'acc', rows: [], problems: [] });
  });
});
