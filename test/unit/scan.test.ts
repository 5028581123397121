import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { scanNb201 as findArchitectures } from '../../src/space/nb201/scan';
import { at } from './at';

const BEST = '|nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+|skip_connect~0|nor_conv_3x3~1|nor_conv_3x3~2|';

describe('architecture scanner', () => {
  it('finds cell strings in Python with their offsets', () => {
    const py = `archs = [\n    "${BEST}",\n    '|none~0|+|none~0|none~1|+|none~0|none~1|none~2|',\n]\n`;
    const f = findArchitectures(py);
    assert.equal(f.length, 2);
    assert.equal(py.slice(at(f, 0).start, at(f, 0).end), BEST);
    assert.ok(at(f, 0).result.ok && at(f, 1).result.ok);
  });

  it('reports problems with document offsets at the exact token', () => {
    const text = `x = "|nor_conv_3x3~0|+|nor_conv_3x3~0|conv_7x7~1|+|none~0|none~1|none~2|"`;
    const a = at(findArchitectures(text), 0);
    assert.ok(!a.result.ok);
    const p = at(a.result.problems, 0);
    assert.equal(text.slice(p.start, p.end), 'conv_7x7');
  });

  it('reports a wrong edge count in a YAML value', () => {
    const text = 'arch: |none~0|+|none~0|+|none~0|none~1|none~2|\n';
    const a = at(findArchitectures(text), 0);
    assert.ok(!a.result.ok);
    const p = at(a.result.problems, 0);
    assert.match(p.message, /node 2 needs exactly 2 edges/);
    assert.equal(text.slice(p.start, p.end), '|none~0|');
  });

  it('reads the op-list form in YAML and JSON', () => {
    const yaml = 'ops: [nor_conv_3x3, nor_conv_3x3, nor_conv_3x3, skip_connect, nor_conv_3x3, nor_conv_3x3]\n';
    const y = at(findArchitectures(yaml), 0);
    assert.ok(y.result.ok && y.result.key === BEST);
    const json = '{"ops": ["nor_conv_3x3", "nor_conv_3x3", "nor_conv_3x3", "skip_connect", "nor_conv_3x3", "nor_conv_3x3"]}';
    const j = at(findArchitectures(json), 0);
    assert.ok(j.result.ok && j.result.key === BEST);
  });

  it('an op list that almost fits gets hints at the item and on the list, never errors', () => {
    const text = 'nb201_ops: [none, foo, none, none, none]';
    const a = at(findArchitectures(text), 0);
    assert.ok(!a.result.ok);
    assert.ok(a.result.problems.every((p) => p.severity === 'hint'), JSON.stringify(a.result.problems));
    const unknown = a.result.problems.find((p) => /not a NB201 op: "foo"/.test(p.message));
    assert.ok(unknown);
    assert.equal(text.slice(unknown.start, unknown.end), 'foo');
    assert.ok(a.result.problems.some((p) => /has 6 ops .*this one has 5/.test(p.message)));
  });

  it('leaves ordinary lists named ops alone (no false alarms)', () => {
    const py = [
      'ops = []',
      'ops = [OPS[n](C) for n in genotype]',
      "PRIMITIVES = ['none', 'max_pool_3x3', 'avg_pool_3x3', 'skip_connect', 'sep_conv_3x3', 'sep_conv_5x5', 'dil_conv_3x3', 'dil_conv_5x5']",
      "ops = ['none', 'max_pool_3x3', 'avg_pool_3x3', 'skip_connect', 'sep_conv_3x3', 'sep_conv_5x5', 'dil_conv_3x3', 'dil_conv_5x5']",
      'spec = {"matrix": [[0, 1], [0, 0]], "ops": ["input", "conv3x3-bn-relu", "output"]}',
      'ops: [conv, bn, relu]',
    ].join('\n');
    assert.deepEqual(findArchitectures(py), []);
  });

  it('ignores text that only looks a little like a cell', () => {
    assert.equal(findArchitectures('| a | b |\n|---|---|\nx = a | b ~ c').length, 0);
  });
});
