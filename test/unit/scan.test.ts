import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { findArchitectures } from '../../src/arch/scan';

const BEST = '|nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+|skip_connect~0|nor_conv_3x3~1|nor_conv_3x3~2|';

describe('architecture scanner', () => {
  it('finds cell strings in Python with their offsets', () => {
    const py = `archs = [\n    "${BEST}",\n    '|none~0|+|none~0|none~1|+|none~0|none~1|none~2|',\n]\n`;
    const f = findArchitectures(py);
    assert.equal(f.length, 2);
    assert.equal(py.slice(f[0].start, f[0].end), BEST);
    assert.ok(f[0].result.ok && f[1].result.ok);
  });

  it('reports problems with document offsets at the exact token', () => {
    const text = `x = "|nor_conv_3x3~0|+|nor_conv_3x3~0|conv_7x7~1|+|none~0|none~1|none~2|"`;
    const [a] = findArchitectures(text);
    assert.ok(!a.result.ok);
    const p = a.result.problems[0];
    assert.equal(text.slice(p.start, p.end), 'conv_7x7');
  });

  it('reports a wrong edge count in a YAML value', () => {
    const text = 'arch: |none~0|+|none~0|+|none~0|none~1|none~2|\n';
    const [a] = findArchitectures(text);
    assert.ok(!a.result.ok);
    assert.match(a.result.problems[0].message, /node 2 needs exactly 2 edges/);
    assert.equal(text.slice(a.result.problems[0].start, a.result.problems[0].end), '|none~0|');
  });

  it('reads the op-list form in YAML and JSON', () => {
    const yaml = 'ops: [nor_conv_3x3, nor_conv_3x3, nor_conv_3x3, skip_connect, nor_conv_3x3, nor_conv_3x3]\n';
    const [y] = findArchitectures(yaml);
    assert.ok(y.result.ok && y.result.canonical === BEST);
    const json = '{"ops": ["nor_conv_3x3", "nor_conv_3x3", "nor_conv_3x3", "skip_connect", "nor_conv_3x3", "nor_conv_3x3"]}';
    const [j] = findArchitectures(json);
    assert.ok(j.result.ok && j.result.canonical === BEST);
  });

  it('op-list problems: unknown op at its item, wrong length on the list', () => {
    const text = 'nb201_ops: [none, foo, none]';
    const [a] = findArchitectures(text);
    assert.ok(!a.result.ok);
    const unknown = a.result.problems.find((p) => /unknown op "foo"/.test(p.message));
    assert.ok(unknown);
    assert.equal(text.slice(unknown.start, unknown.end), 'foo');
    assert.ok(a.result.problems.some((p) => /exactly 6 ops .*, found 3/.test(p.message)));
  });

  it('ignores text that only looks a little like a cell', () => {
    assert.equal(findArchitectures('| a | b |\n|---|---|\nx = a | b ~ c').length, 0);
  });
});
