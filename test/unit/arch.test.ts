import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  ArchParseError,
  enumerateNb201,
  NB201_SPACE_SIZE,
  nb201Code,
  nb201FromCode,
  nb201GraphEncoding,
  nb201IsConnected,
  nb201OpMatrix,
  nb201OpSequence,
  nb201ToString,
  parseNb201,
  parseNb201OrThrow,
} from '../../src/space/nb201/cell';
import { scanNb201 } from '../../src/space/nb201/scan';
import { at } from './at';

const BEST = '|nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+|skip_connect~0|nor_conv_3x3~1|nor_conv_3x3~2|';

describe('NB201 parser', () => {
  it('parses a valid cell into 6 op indices in edge order', () => {
    const r = parseNb201(BEST);
    assert.ok(r.ok);
    assert.deepEqual(r.arch, [3, 3, 3, 1, 3, 3]);
    assert.equal(r.key, BEST);
  });

  it('canonicalises whitespace and edge order within a node', () => {
    const r = parseNb201(' |nor_conv_3x3~0| + |nor_conv_3x3~1|nor_conv_3x3~0| + |nor_conv_3x3~2|skip_connect~0|nor_conv_3x3~1| ');
    assert.ok(r.ok);
    assert.equal(r.key, BEST);
  });

  it('reports an unknown op with the exact range of the op name', () => {
    const text = '|conv_5x5~0|+|none~0|none~1|+|none~0|none~1|none~2|';
    const r = parseNb201(text);
    assert.ok(!r.ok);
    assert.equal(r.problems.length, 1);
    const p = at(r.problems, 0);
    assert.match(p.message, /unknown op "conv_5x5"/);
    assert.equal(text.slice(p.start, p.end), 'conv_5x5');
  });

  it('reports a wrong edge count for the node that has it', () => {
    const text = '|none~0|+|none~0|+|none~0|none~1|none~2|';
    const r = parseNb201(text);
    assert.ok(!r.ok);
    const p = r.problems.find((x) => /node 2 needs exactly 2 edges/.test(x.message));
    assert.ok(p, JSON.stringify(r.problems));
    assert.equal(text.slice(p.start, p.end), '|none~0|');
    assert.equal(p.start, 9);
  });

  it('reports an input index that is not an earlier node', () => {
    const text = '|none~0|+|none~0|none~2|+|none~0|none~1|none~2|';
    const r = parseNb201(text);
    assert.ok(!r.ok);
    const p = at(r.problems, 0);
    assert.match(p.message, /node 2 takes inputs from nodes 0..1, not "2"/);
    assert.equal(text.slice(p.start, p.end), '2');
  });

  it('reports duplicate inputs, wrong node counts and malformed edges', () => {
    assert.ok(!parseNb201('|none~0|+|none~0|none~0|+|none~0|none~1|none~2|').ok);
    const two = parseNb201('|none~0|+|none~0|none~1|');
    assert.ok(!two.ok && /expected 3 node segments/.test(at(two.problems, 0).message));
    const noTilde = parseNb201('|none|+|none~0|none~1|+|none~0|none~1|none~2|');
    assert.ok(!noTilde.ok && /must be op~input/.test(at(noTilde.problems, 0).message));
    assert.ok(!parseNb201('').ok);
    assert.ok(!parseNb201('none~0|+|none~0|none~1|+|none~0|none~1|none~2|').ok);
  });

  it('collects every problem, not only the first', () => {
    const r = parseNb201('|foo~0|+|none~0|bar~1|+|none~0|none~1|none~2|');
    assert.ok(!r.ok);
    assert.equal(r.problems.length, 2);
  });

  it('parseNb201OrThrow throws a typed error naming the problem', () => {
    assert.throws(() => parseNb201OrThrow('|x~0|+|none~0|none~1|+|none~0|none~1|none~2|'), (e: unknown) => ArchParseError.is(e) && /unknown op "x"/.test(e.message));
  });

  it('round-trips all 15,625 cells through string, parse and code', () => {
    let n = 0;
    const seen = new Set<string>();
    for (const a of enumerateNb201()) {
      const s = nb201ToString(a);
      const r = parseNb201(s);
      assert.ok(r.ok, s);
      assert.deepEqual(r.arch, a);
      assert.equal(nb201Code(r.arch), n);
      seen.add(s);
      n++;
    }
    assert.equal(n, NB201_SPACE_SIZE);
    assert.equal(seen.size, 15625);
  });
});

describe('NB201 encodings', () => {
  const a = parseNb201OrThrow('|avg_pool_3x3~0|+|nor_conv_1x1~0|skip_connect~1|+|nor_conv_1x1~0|none~1|nor_conv_3x3~2|');

  it('op sequence follows the string order', () => {
    assert.deepEqual(nb201OpSequence(a), [4, 2, 1, 2, 0, 3]);
  });

  it('op matrix is lower triangular with A[to][from]', () => {
    assert.deepEqual(nb201OpMatrix(a), [
      [0, 0, 0, 0],
      [4, 0, 0, 0],
      [2, 1, 0, 0],
      [2, 0, 3, 0],
    ]);
  });

  it('graph encoding: adjacency drops none edges, one-hot marks the op', () => {
    const g = nb201GraphEncoding(a);
    assert.deepEqual(g.adjacency[3], [1, 0, 1, 0]);
    assert.deepEqual(at(g.opOneHot, 3)[2], [0, 0, 0, 1, 0]);
    assert.deepEqual(at(g.opOneHot, 0)[0], [0, 0, 0, 0, 0]);
  });

  it('connectivity: a cell whose output cannot be reached is detected', () => {
    assert.equal(nb201IsConnected(a), true);
    assert.equal(nb201IsConnected(parseNb201OrThrow('|none~0|+|none~0|none~1|+|none~0|skip_connect~1|skip_connect~2|')), false);
    assert.equal(nb201IsConnected(nb201FromCode(0)), false);
  });
});

describe('NB201 cell-string scanner', () => {
  it('plain pipes with tildes (shell commands, CI YAML, a Markdown table in a docstring) get no diagnostics', () => {
    const texts = [
      'subprocess.run("make | tee ~/build.log | grep error")',
      'steps:\n  - run: cat log | grep -v ok | sort\n  - run: make 2>&1 | tee ~/ci.log | grep -v ok | sort\n',
      'def bench():\n    """\n    | col | col |\n    |-----|-----|\n    | latency ~2 ms | speed ~3x |\n    | home ~/data | ok |\n    """\n',
    ];
    for (const text of texts) assert.deepEqual(scanNb201(text), [], text);
  });

  it('an attempted cell is still diagnosed: an op~input entry, or a NB201 op name', () => {
    const wrongOp = scanNb201('x = "|nor_conv_3x3~0|+|nor_conv_3x3~0|conv_7x7~1|+|none~0|none~1|none~2|"');
    assert.equal(wrongOp.length, 1);
    assert.ok(!at(wrongOp, 0).result.ok);
    const oneSegment = scanNb201('arch: |none~0|none~1|\n');
    assert.ok(oneSegment.length === 1 && !at(oneSegment, 0).result.ok);
    const badInput = scanNb201('arch: |nor_conv_3x3 ~ x|+|none~0|none~1|+|none~0|none~1|none~2|\n');
    assert.ok(badInput.length === 1 && !at(badInput, 0).result.ok);
  });
});
