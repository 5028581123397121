import assert from 'node:assert/strict';
import { builtinSpaceIds } from '../../src/space/registry';
import { describe, it } from 'node:test';
import {
  declaredSpace,
  type NodeCellArch,
  parseSpaceFile,
  SPACE_FILE_RE,
  type SpaceDeclaration,
  SpaceFileError,
  validateDeclaration,
} from '../../src/space/declared';
import type { ArchProblem, ParseResult, Random, SearchSpace } from '../../src/space/types';
import { at } from './at';

const MOBILE = {
  name: 'mobile-blocks',
  kind: 'sequence',
  positions: 5,
  choices: ['mb3_e3', 'mb3_e6', 'mb5_e3', 'mb5_e6', 'skip'],
  find: { keys: ['arch', 'blocks'] },
};
const mobile = declaredSpace(MOBILE, 'test') as SearchSpace<number[]>;

function rng(seed: number): Random {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function ok<A>(r: ParseResult<A>): A {
  if (!r.ok) assert.fail(`expected ok, got ${JSON.stringify(r.problems)}`);
  return r.arch;
}

function problems<A>(r: ParseResult<A>): [ArchProblem, ...ArchProblem[]] {
  if (r.ok) assert.fail(`expected problems, got ${JSON.stringify(r.arch)}`);
  const [first, ...rest] = r.problems;
  assert.ok(first, 'expected at least one problem');
  return [first, ...rest];
}

function throwsSpaceError(fn: () => unknown, re: RegExp): SpaceFileError {
  try {
    fn();
  } catch (e) {
    assert.ok(SpaceFileError.is(e), `expected a SpaceFileError, got ${e}`);
    assert.match(e.message, re);
    return e;
  }
  return assert.fail('expected a SpaceFileError');
}

describe('space declarations', () => {
  it('normalises a sequence declaration: one list per position, title and find filled in', () => {
    const d = validateDeclaration({ name: 'm', kind: 'sequence', positions: 2, choices: ['a', 16] }, 'w');
    assert.deepEqual(d, { name: 'm', kind: 'sequence', title: 'm', positions: 2, choices: [['a', '16'], ['a', '16']], find: { keys: ['arch'] } });
  });

  it('accepts one choice list per position without positions', () => {
    const d = validateDeclaration({ name: 'm', kind: 'sequence', choices: [['a', 'b'], ['c']], find: { keys: 'net' } }, 'w');
    assert.equal(d.kind, 'sequence');
    assert.deepEqual(d.kind === 'sequence' && d.choices, [['a', 'b'], ['c']]);
    assert.deepEqual(d.find, { keys: ['net'] });
  });

  it('normalises cells: opsOn edges by default, maxEdges 9 for node cells', () => {
    assert.deepEqual(validateDeclaration({ name: 'c', kind: 'cell', nodes: 3, ops: ['none', 'conv'], none: 'none' }, 'w'), {
      name: 'c',
      kind: 'cell',
      title: 'c',
      opsOn: 'edges',
      nodes: 3,
      ops: ['none', 'conv'],
      none: 'none',
      find: { keys: ['arch'] },
    });
    const n = validateDeclaration({ name: 'n', kind: 'cell', opsOn: 'nodes', nodes: 7, ops: ['conv3x3-bn-relu', 'maxpool3x3'] }, 'w');
    assert.equal(n.kind === 'cell' && n.opsOn === 'nodes' && n.maxEdges, 9);
    // A small cell cannot have 9 edges: the default is what fits.
    const small = validateDeclaration({ name: 's', kind: 'cell', opsOn: 'nodes', nodes: 4, ops: ['conv'] }, 'w');
    assert.equal(small.kind === 'cell' && small.opsOn === 'nodes' && small.maxEdges, 6);
    assert.doesNotThrow(() => declaredSpace(small, 'w'));
  });

  it('rejects bad declarations with messages naming where and the field', () => {
    const cases: [unknown, RegExp][] = [
      [[1, 2], /^w: a space declaration is a mapping/],
      [{ kind: 'sequence' }, /^w: name: missing/],
      [{ ...MOBILE, name: 'Mobile' }, /^w: name: "Mobile" is not a valid space id/],
      [{ ...MOBILE, name: 'nb201' }, /^w: name: "nb201" is a built-in space/],
      [{ ...MOBILE, name: 'tnb101-micro' }, /built-in space/],
      [{ ...MOBILE, kind: 'seq' }, /^w: kind: expected sequence or cell, found "seq"/],
      [{ ...MOBILE, choises: [] }, /^w: choises: unknown field for a sequence space \(fields: name, kind, title, positions, choices, costs, find\)/],
      [{ ...MOBILE, choices: ['a', 'b', 'a'] }, /^w: choices\[2\]: duplicate choice "a"/],
      [{ ...MOBILE, choices: [] }, /^w: choices: expected a list of choice names/],
      [{ ...MOBILE, choices: ['a', ['b']] }, /^w: choices\[1\]: mixes names and lists/],
      [{ ...MOBILE, choices: ['a b'] }, /^w: choices\[0\]: choice name "a b" must be/],
      [{ ...MOBILE, choices: [true] }, /^w: choices\[0\]: a choice name is a string or a number, found true/],
      [{ ...MOBILE, positions: undefined }, /^w: positions: missing/],
      [{ ...MOBILE, positions: 0 }, /^w: positions: must be from 1 to 256, found 0/],
      [{ ...MOBILE, positions: 2.5 }, /^w: positions: expected an integer/],
      [{ ...MOBILE, choices: [['a'], ['b']] }, /^w: positions: 5 positions, but choices lists 2/],
      [{ ...MOBILE, find: { keys: ['1x'] } }, /^w: find\.keys\[0\]: "1x" is not a key name/],
      [{ ...MOBILE, find: { key: ['arch'] } }, /^w: find\.key: unknown field/],
      [{ name: 'c', kind: 'cell', nodes: 4, ops: ['a', 'b'], none: 'z' }, /^w: none: must be one of the ops \(a, b\), found "z"/],
      [{ name: 'c', kind: 'cell', nodes: 11, ops: ['a'] }, /^w: nodes: must be from 2 to 10, found 11/],
      [{ name: 'c', kind: 'cell', nodes: 4, ops: ['a'], opsOn: 'vertices' }, /^w: opsOn: expected edges or nodes/],
      [{ name: 'c', kind: 'cell', nodes: 4, ops: ['a'], maxEdges: 3 }, /^w: maxEdges: unknown field for a cell with ops on edges/],
      [{ name: 'c', kind: 'cell', opsOn: 'nodes', nodes: 4, ops: ['a', 'input'] }, /^w: ops\[1\]: "input" is implicit/],
      [{ name: 'c', kind: 'cell', opsOn: 'nodes', nodes: 4, ops: ['a'], maxEdges: 7 }, /^w: maxEdges: must be from 1 to 6, found 7/],
      [{ name: 'c', kind: 'cell', opsOn: 'nodes', nodes: 4, ops: ['a'], none: 'a' }, /^w: none: unknown field for a cell with ops on nodes/],
    ];
    for (const [decl, re] of cases) throwsSpaceError(() => declaredSpace(decl, 'w', builtinSpaceIds()), re);
  });

  it('declaredSpace accepts its own normalised declaration and rebuilds an equal space', () => {
    const decls: unknown[] = [
      MOBILE,
      { name: 'per-pos', kind: 'sequence', choices: [['a', 'b'], ['b', 'c', 'd'], ['e']] },
      { name: 'edges', kind: 'cell', nodes: 4, ops: ['none', 'skip', 'conv1x1', 'conv3x3'], none: 'none', find: { keys: ['cell'] } },
      { name: 'nodes', kind: 'cell', opsOn: 'nodes', nodes: 6, ops: ['conv3x3', 'conv1x1', 'maxpool'], maxEdges: 8 },
    ];
    for (const d of decls) {
      const a = declaredSpace(d, 'first');
      const stored = JSON.parse(JSON.stringify(a.declaration)) as SpaceDeclaration;
      const b = declaredSpace(stored, 'stored');
      assert.deepEqual(b.declaration, a.declaration);
      assert.equal(b.id, a.id);
      assert.deepEqual(b.encoderInput, a.encoderInput);
      assert.equal(b.size, a.size);
      const sa = a.sample(rng(1), 20);
      const sb = b.sample(rng(1), 20);
      assert.deepEqual(sa.map((x) => a.key(x)), sb.map((x) => b.key(x)));
      assert.deepEqual(sa.map((x) => a.features(x)), sb.map((x) => b.features(x)));
    }
  });

  it('matches space file names', () => {
    for (const f of ['my.space.yaml', 'a/b.space.yml', 'X.SPACE.JSON']) assert.ok(SPACE_FILE_RE.test(f), f);
    for (const f of ['space.yaml', 'my.spaces.yaml', 'my.space.yaml.bak']) assert.ok(!SPACE_FILE_RE.test(f), f);
  });
});

describe('sequence spaces: parse', () => {
  const expected = [0, 4, 3, 0, 4];
  it('accepts every list and string syntax', () => {
    const texts = [
      '[0, 4, 3, 0, 4]',
      '["mb3_e3", "skip", \'mb5_e6\', "mb3_e3", "skip"]',
      '[mb3_e3, skip, mb5_e6, mb3_e3, skip]',
      '[mb3_e3, 4, mb5_e6, 0, skip,]',
      '(0, 4, 3, 0, 4)',
      '[\n  mb3_e3,  # first\n  skip, mb5_e6, mb3_e3, skip\n]',
      '0-4-3-0-4',
      '"0-4-3-0-4"',
      "'mb3_e3-skip-mb5_e6-mb3_e3-skip'",
      'mb3_e3,skip,mb5_e6,mb3_e3,skip',
      ' mb3_e3, skip, mb5_e6, mb3_e3, skip ',
      '"mb3_e3 skip mb5_e6 mb3_e3 skip"',
    ];
    for (const t of texts) assert.deepEqual(ok(mobile.parse(t)), expected, t);
    assert.equal(mobile.key(expected), 'mb3_e3-skip-mb5_e6-mb3_e3-skip');
  });

  it('reads a string of one-character names', () => {
    const s = declaredSpace({ name: 'abc', kind: 'sequence', positions: 3, choices: ['a', 'b', 'c'] }, 't');
    assert.deepEqual(ok(s.parse('cab')), [2, 0, 1]);
    assert.deepEqual(ok(s.parse('"cab"')), [2, 0, 1]);
    assert.deepEqual(ok(s.parse('[c, a, b]')), [2, 0, 1]);
    assert.deepEqual(ok(s.parse('201')), [2, 0, 1]);
  });

  it("reads NAS-Bench-Macro's digit keys as one choice index per position when names are multi-character", () => {
    const macro = declaredSpace({ name: 'macro', kind: 'sequence', positions: 8, choices: ['identity', 'mb3_k3', 'mb6_k5'], find: { keys: ['arch'] } }, 't') as SearchSpace<number[]>;
    const expected = [0, 2, 0, 1, 2, 1, 0, 0];
    for (const t of ['02012100', '"02012100"', "'02012100'", ' 02012100 ']) assert.deepEqual(ok(macro.parse(t)), expected, t);
    assert.equal(macro.key(expected), 'identity-mb6_k5-identity-mb3_k3-mb6_k5-mb3_k3-identity-identity');
    const json = '{"arch": "02012100", "acc": 92.1}\n';
    const [found] = macro.scan(json);
    assert.ok(found?.result.ok, JSON.stringify(found?.result));
    assert.deepEqual(found.result.arch, expected);
    assert.equal(json.slice(found.start, found.end), '"02012100"');
    // The hover says how the digits were read.
    assert.ok((macro.describe?.(expected) ?? []).some((l) => /"02012100".*one choice index per position/.test(l)));
    // A digit that is no choice index, or the wrong length: not read as indices.
    assert.ok(!macro.parse('03012100').ok);
    assert.ok(!macro.parse('0201210').ok);
    // Names that look like numbers win: "1020" is not the indices [1, 0, 2, 0] of a space of widths.
    const widths = declaredSpace({ name: 'w', kind: 'sequence', positions: 4, choices: [10, 20, 30] }, 't');
    assert.ok(!widths.parse('1020').ok);
    assert.deepEqual(ok(widths.parse('10-20-30-10')), [0, 1, 2, 0]);
  });

  it('treats numbers as names when names look like numbers', () => {
    const s = declaredSpace({ name: 'widths', kind: 'sequence', positions: 3, choices: [16, 32, 64] }, 't');
    assert.deepEqual(ok(s.parse('[32, 16, 64]')), [1, 0, 2]);
    assert.equal(s.key([1, 0, 2]), '32-16-64');
    const p = problems(s.parse('[0, 16, 64]'));
    assert.equal(p.length, 1);
    assert.match(p[0].message, /position 1: unknown choice "0"; allowed: 16, 32, 64$/);
  });

  it('uses commas when names contain dashes', () => {
    const s = declaredSpace({ name: 'nb101ops', kind: 'sequence', positions: 2, choices: ['conv3x3-bn-relu', 'maxpool3x3'] }, 't');
    const a = ok(s.parse('conv3x3-bn-relu, maxpool3x3'));
    assert.deepEqual(a, [0, 1]);
    assert.equal(s.key(a), 'conv3x3-bn-relu,maxpool3x3');
    assert.deepEqual(ok(s.parse(s.key(a))), a);
  });

  it('reports an unknown choice with its position, the allowed choices and its exact range', () => {
    const text = '[mb3_e3, skipp, mb5_e6, mb3_e3, skip]';
    const p = problems(mobile.parse(text));
    assert.equal(p.length, 1);
    assert.equal(p[0].message, 'position 2: unknown choice "skipp"; allowed: mb3_e3, mb3_e6, mb5_e3, mb5_e6, skip (or indices 0-4)');
    assert.equal(text.slice(p[0].start, p[0].end), 'skipp');
  });

  it('reports an index out of range and a quoted unknown name at their ranges', () => {
    const text = '[0, 9, "conv", 1, 2]';
    const p = problems(mobile.parse(text));
    assert.equal(p.length, 2);
    assert.match(p[0].message, /^position 2: index 9 is out of range; position 2 has 5 choices \(0-4: mb3_e3/);
    assert.equal(text.slice(p[0].start, p[0].end), '9');
    assert.match(at(p, 1).message, /^position 3: unknown choice "conv"/);
    assert.equal(text.slice(at(p, 1).start, at(p, 1).end), '"conv"');
  });

  it('reports items of a string at their range', () => {
    const text = '"mb3_e3-skip-mb9-mb3_e3-skip"';
    const p = problems(mobile.parse(text));
    assert.equal(text.slice(p[0].start, p[0].end), 'mb9');
    assert.match(p[0].message, /^position 3: unknown choice "mb9"/);
  });

  it('names choices allowed elsewhere in per-position spaces', () => {
    const s = declaredSpace({ name: 'pp', kind: 'sequence', choices: [['a', 'b'], ['c', 'd']] }, 't');
    const p = problems(s.parse('[c, c]'));
    assert.equal(p[0].message, 'position 1: unknown choice "c" ("c" is allowed at other positions); allowed: a, b (or indices 0-1)');
    assert.deepEqual(ok(s.parse('[1, d]')), [1, 1]);
  });

  it('reports a wrong count on the whole list', () => {
    const text = '  [0, 1, 2]';
    const p = problems(mobile.parse(text));
    assert.equal(p.length, 1);
    assert.equal(p[0].message, 'expected 5 choices (one per position), found 3');
    assert.deepEqual([p[0].start, p[0].end], [2, 11]);
  });

  it('reports syntax errors, mappings, nested lists and trailing text', () => {
    assert.match(problems(mobile.parse('[0, 1')).at(0)?.message ?? '', /missing "\]"/);
    assert.match(problems(mobile.parse('{a: 1}')).at(0)?.message ?? '', /not a mapping/);
    assert.match(problems(mobile.parse('[0, 1] x')).at(0)?.message ?? '', /unexpected text/);
    assert.match(problems(mobile.parse('')).at(0)?.message ?? '', /empty/);
    const text = '[0, [1], 2, 3, 4]';
    const p = problems(mobile.parse(text));
    assert.equal(text.slice(p[0].start, p[0].end), '[1]');
  });

  it('bounds the work: long texts get one problem, at most 50 problems', () => {
    const p1 = problems(mobile.parse('0-'.repeat(10_001)));
    assert.equal(p1.length, 1);
    assert.match(p1[0].message, /at most 20000 characters/);
    const big = declaredSpace({ name: 'big', kind: 'sequence', positions: 100, choices: ['a', 'b'] }, 't');
    assert.equal(problems(big.parse(`[${Array(100).fill('z').join(', ')}]`)).length, 50);
  });
});

describe('sequence spaces: enumeration, keys, features', () => {
  it('round-trips parse(key(a)) and indexOf over a whole small space', () => {
    const s = declaredSpace({ name: 'tiny', kind: 'sequence', positions: 3, choices: ['x', 'y', 'z'] }, 't') as SearchSpace<number[]>;
    assert.equal(s.size, 27);
    const keys = new Set<string>();
    for (let i = 0; i < 27; i++) {
      const a = s.fromIndex?.(i) as number[];
      assert.equal(s.indexOf?.(a), i);
      const r = s.parse(s.key(a));
      assert.ok(r.ok);
      assert.deepEqual(r.arch, a);
      assert.equal(r.key, s.key(a));
      keys.add(s.key(a));
    }
    assert.equal(keys.size, 27);
    assert.deepEqual(s.fromIndex?.(5), [0, 1, 2]); // position 0 most significant
    assert.equal(s.sample(rng(3), 100).length, 27);
    assert.equal(new Set(s.sample(rng(3), 10).map((a) => s.key(a))).size, 10);
  });

  it('round-trips 500 samples of a large, non-enumerable space', () => {
    const s = declaredSpace({ name: 'large', kind: 'sequence', positions: 12, choices: ['mb3_e3', 'mb3_e6', 'mb5_e3', 'mb5_e6', 'skip'] }, 't') as SearchSpace<number[]>;
    assert.equal(s.size, undefined);
    assert.equal(s.fromIndex, undefined);
    const xs = s.sample(rng(7), 500);
    assert.equal(xs.length, 500);
    assert.equal(new Set(xs.map((a) => s.key(a))).size, 500);
    for (const a of xs) assert.deepEqual(ok(s.parse(s.key(a))), a);
    assert.deepEqual(s.sample(rng(7), 5), xs.slice(0, 5));
  });

  it('encodes a chain with a union vocabulary', () => {
    const s = declaredSpace({ name: 'pp', kind: 'sequence', choices: [['a', 'b'], ['b', 'c', 'd'], ['e']] }, 't');
    assert.deepEqual(s.encoderInput, {
      numOps: 5,
      graph: { kind: 'edge-ops', numNodes: 4, edgeFrom: [0, 1, 2], edgeTo: [1, 2, 3], noneOp: -1 },
      seqVocab: 5,
      seqLength: 3,
    });
    assert.deepEqual(s.features([1, 0, 0]), { ops: [1, 1, 4], tokens: [1, 1, 4] });
    assert.deepEqual(s.features([0, 2, 0]), { ops: [0, 3, 4], tokens: [0, 3, 4] });
    assert.equal(s.size, 6);
    assert.deepEqual(s.lint([0, 0, 0]), []);
  });
});

describe('cells with ops on edges', () => {
  const cell = declaredSpace({ name: 'my-cell', kind: 'cell', nodes: 4, ops: ['none', 'skip', 'conv1x1', 'conv3x3'], none: 'none', find: { keys: ['cell'] } }, 't') as SearchSpace<number[]>;

  it('parses ops in edge order, as names, indices or strings', () => {
    assert.deepEqual(ok(cell.parse('[conv3x3, skip, none, conv1x1, conv3x3, skip]')), [3, 1, 0, 2, 3, 1]);
    assert.deepEqual(ok(cell.parse('3-1-0-2-3-1')), [3, 1, 0, 2, 3, 1]);
    assert.deepEqual(ok(cell.parse('[3, 1, 0, 2, 3, 1]')), [3, 1, 0, 2, 3, 1]);
  });

  it('describes the edge of a bad op and the edge count', () => {
    const text = '[conv3x3, skip, none, conv5x5, conv3x3, skip]';
    const p = problems(cell.parse(text));
    assert.match(p[0].message, /^edge 3<-0: unknown op "conv5x5"; allowed: none, skip, conv1x1, conv3x3/);
    assert.equal(text.slice(p[0].start, p[0].end), 'conv5x5');
    assert.match(problems(cell.parse('[0, 1]'))[0].message, /^a cell with 4 nodes has 6 edges \(in order 1<-0, 2<-0, 2<-1, 3<-0, …\); found 2 ops$/);
  });

  it('encodes the full DAG and notes an unreachable output', () => {
    assert.deepEqual(cell.encoderInput, {
      numOps: 4,
      graph: { kind: 'edge-ops', numNodes: 4, edgeFrom: [0, 0, 1, 0, 1, 2], edgeTo: [1, 2, 2, 3, 3, 3], noneOp: 0 },
      seqVocab: 4,
      seqLength: 6,
    });
    assert.equal(cell.size, 4096);
    assert.deepEqual(cell.features([3, 1, 0, 2, 3, 1]), { ops: [3, 1, 0, 2, 3, 1], tokens: [3, 1, 0, 2, 3, 1] });
    assert.deepEqual(cell.lint([3, 3, 3, 3, 3, 3]), []);
    assert.deepEqual(cell.lint([0, 3, 3, 0, 0, 0]), [{ message: 'no path from the input to the output avoids `none`: this cell outputs zeros', severity: 'info', outputsZeros: {} }]);
    const noNone = declaredSpace({ name: 'nn', kind: 'cell', nodes: 3, ops: ['a', 'b'] }, 't');
    assert.equal((noNone.encoderInput.graph as { noneOp: number }).noneOp, -1);
    assert.deepEqual(noNone.lint([0, 0, 0]), []);
  });

  it('round-trips every cell of the space', () => {
    for (let i = 0; i < (cell.size as number); i += 7) {
      const a = cell.fromIndex?.(i) as number[];
      assert.deepEqual(ok(cell.parse(cell.key(a))), a);
    }
  });
});

// A NB101-like space.
const NB101 = { name: 'nb101-like', kind: 'cell', opsOn: 'nodes', nodes: 7, ops: ['conv3x3-bn-relu', 'conv1x1-bn-relu', 'maxpool3x3'], find: { keys: ['spec', 'cell'] } };
const nb101 = declaredSpace(NB101, 't') as SearchSpace<NodeCellArch>;

function cellText(a: NodeCellArch): string {
  return `{matrix: ${JSON.stringify(a.matrix)}, ops: [${a.ops.join(', ')}]}`;
}

/** The same cell with vertices in a random topological order (input first, output last). */
function relabel(a: NodeCellArch, random: Random): NodeCellArch {
  const V = a.ops.length;
  const order: number[] = [];
  const placed = new Array<boolean>(V).fill(false);
  while (order.length < V) {
    const ready = [...Array(V).keys()].filter((v) => !placed[v] && a.ops.every((_, u) => !at(at(a.matrix, u), v) || placed[u]));
    const v = at(ready, Math.floor(random() * ready.length));
    placed[v] = true;
    order.push(v);
  }
  return { matrix: order.map((i) => order.map((j) => at(at(a.matrix, i), j))), ops: order.map((v) => at(a.ops, v)) };
}

describe('cells with ops on nodes', () => {
  const A = '{matrix: [[0,1,1,0],[0,0,0,1],[0,0,0,1],[0,0,0,0]], ops: [input, conv3x3-bn-relu, maxpool3x3, output]}';
  const B = '{"matrix": [[0,1,1,0],[0,0,0,1],[0,0,0,1],[0,0,0,0]], "ops": ["input", "maxpool3x3", "conv3x3-bn-relu", "output"]}';

  it('gives isomorphic cells one key, in JSON, Python and YAML flow syntax', () => {
    const a = nb101.parse(A);
    const b = nb101.parse(B);
    const c = nb101.parse(B.replace(/"/g, "'"));
    assert.ok(a.ok && b.ok && c.ok);
    assert.equal(a.key, b.key);
    assert.equal(a.key, c.key);
    assert.deepEqual(nb101.features(a.arch), nb101.features(b.arch));
    const d = nb101.parse(A.replace('maxpool3x3', 'conv1x1-bn-relu'));
    assert.ok(d.ok);
    assert.notEqual(d.key, a.key);
  });

  it('is invariant under every relabelling of sampled cells, and the key parses back to itself', () => {
    const random = rng(11);
    const xs = nb101.sample(random, 150);
    assert.equal(xs.length, 150);
    assert.equal(new Set(xs.map((a) => nb101.key(a))).size, 150);
    for (const a of xs) {
      const k = nb101.key(a);
      for (let t = 0; t < 3; t++) {
        const r = nb101.parse(cellText(relabel(a, random)));
        assert.ok(r.ok);
        assert.equal(r.key, k);
        assert.deepEqual(nb101.features(r.arch), nb101.features(a));
      }
      const back = nb101.parse(k);
      assert.ok(back.ok);
      assert.equal(back.key, k);
    }
  });

  it('separates non-isomorphic cells with equal colour multisets', () => {
    // Two branches from input to output: a->b and b->a (k1, k3) versus a->b twice (k2): same degree and op multisets.
    const s = declaredSpace({ name: 'two-ops', kind: 'cell', opsOn: 'nodes', nodes: 6, ops: ['a', 'b'] }, 't');
    const k1 = ok(s.parse('{matrix: [[0,1,0,1,0,0],[0,0,1,0,0,0],[0,0,0,0,0,1],[0,0,0,0,1,0],[0,0,0,0,0,1],[0,0,0,0,0,0]], ops: [input, a, b, b, a, output]}'));
    const k2 = ok(s.parse('{matrix: [[0,1,0,1,0,0],[0,0,1,0,0,0],[0,0,0,0,0,1],[0,0,0,0,1,0],[0,0,0,0,0,1],[0,0,0,0,0,0]], ops: [input, a, b, a, b, output]}'));
    assert.notEqual(s.key(k1), s.key(k2));
    const k3 = ok(s.parse('{matrix: [[0,1,0,1,0,0],[0,0,1,0,0,0],[0,0,0,0,0,1],[0,0,0,0,1,0],[0,0,0,0,0,1],[0,0,0,0,0,0]], ops: [input, b, a, a, b, output]}'));
    assert.equal(s.key(k1), s.key(k3));
    assert.notEqual(s.key(k2), s.key(k3));
  });

  it('prunes vertices off the input-output paths, like NB101', () => {
    // Vertex 2 has no path to the output; vertex 3 is not reachable from the input.
    const text = '{matrix: [[0,1,1,0,0],[0,0,0,0,1],[0,0,0,0,0],[0,0,0,0,1],[0,0,0,0,0]], ops: [input, conv3x3-bn-relu, maxpool3x3, maxpool3x3, output]}';
    const a = ok(nb101.parse(text));
    assert.deepEqual(a, { matrix: [[0, 1, 0], [0, 0, 1], [0, 0, 0]], ops: ['input', 'conv3x3-bn-relu', 'output'] });
  });

  it('enforces the NB101 rules with exact ranges', () => {
    const check = (text: string, re: RegExp, at: string): void => {
      const p = problems(nb101.parse(text));
      assert.match(p[0].message, re, text);
      assert.equal(text.slice(p[0].start, p[0].end), at, text);
    };
    check('{matrix: [[0,1],[0,0]], ops: [conv3x3-bn-relu, output]}', /^the first op is "input", not "conv3x3-bn-relu"/, 'conv3x3-bn-relu');
    check('{matrix: [[0,1],[0,0]], ops: [input, maxpool3x3]}', /^the last op is "output", not "maxpool3x3"/, 'maxpool3x3');
    check('{matrix: [[0,1,0],[0,0,1],[0,0,0]], ops: [input, conv5x5, output]}', /^unknown op "conv5x5"; ops: conv3x3-bn-relu, conv1x1-bn-relu, maxpool3x3/, 'conv5x5');
    check('{matrix: [[0,1,0],[0,0,1],[0,1,0]], ops: [input, maxpool3x3, output]}', /^edges go from a lower to a higher vertex \(upper-triangular matrix\): row 2, column 1 must be 0/, '1');
    check('{matrix: [[0,2],[0,0]], ops: [input, output]}', /^matrix entries are 0 or 1/, '2');
    check('{matrix: [[0,1],[0,0]], ops: [input, maxpool3x3, output]}', /^the matrix has one row per op: expected 3 rows, found 2/, '[[0,1],[0,0]]');
    // One mistake, one problem: the short rows of a matrix with too few rows are not reported again.
    assert.equal(problems(nb101.parse('{matrix: [[0,1],[0,0]], ops: [input, maxpool3x3, output]}')).length, 1);
    check('{matrix: [[0,1,1],[0,0],[0,0,0]], ops: [input, maxpool3x3, output]}', /^row 1 has 3 entries/, '[0,0]');
    check('{matrix: [[0,1,0],[0,0,0],[0,0,0]], ops: [input, maxpool3x3, output]}', /^no path from the input/, '[[0,1,0],[0,0,0],[0,0,0]]');
    check('{matrix: [[0,1],[0,0]], ops: [input, output], extra: 1}', /^unknown key "extra"/, 'extra');
    check('{matrix: [[0,1],[0,0]]}', /^missing ops/, '{matrix: [[0,1],[0,0]]}');
    check('[0, 1]', /^a cell is \{matrix/, '[0, 1]');
    const eight = `{matrix: ${JSON.stringify(Array.from({ length: 8 }, (_, i) => Array.from({ length: 8 }, (__, j) => (j === i + 1 ? 1 : 0))))}, ops: [input, ${Array(6).fill('maxpool3x3').join(', ')}, output]}`;
    check(eight, /^a cell of this space has at most 7 vertices \(input and output included\); found 8$/, `[input, ${Array(6).fill('maxpool3x3').join(', ')}, output]`);
    // As NB101's ModelSpec: pruning comes first. An 8-vertex cell with a dead vertex (carrying an unknown op) is a
    // valid 7-vertex cell; a live unknown op is still an error.
    const m8 = Array.from({ length: 8 }, (_, i) => Array.from({ length: 8 }, (__, j) => (i !== 3 && j !== 3 && j === (i === 2 ? 4 : i + 1) ? 1 : 0)));
    m8[0]![3] = 1; // vertex 3 gets an input but feeds nothing: pruned
    const dead = `{matrix: ${JSON.stringify(m8)}, ops: [input, maxpool3x3, maxpool3x3, conv9x9, maxpool3x3, maxpool3x3, maxpool3x3, output]}`;
    const d = nb101.parse(dead);
    assert.ok(d.ok, JSON.stringify(!d.ok && d.problems));
    assert.equal(d.arch.ops.length, 7);
    check(dead.replace('maxpool3x3, conv9x9', 'conv9x9, conv9x9'), /^unknown op "conv9x9"/, 'conv9x9');
    const full = Array.from({ length: 6 }, (_, i) => Array.from({ length: 6 }, (__, j) => (j > i ? 1 : 0)));
    const dense = `{matrix: ${JSON.stringify(full)}, ops: [input, maxpool3x3, maxpool3x3, maxpool3x3, maxpool3x3, output]}`;
    check(dense, /^a cell of this space has at most 9 edges; this one has 15$/, JSON.stringify(full));
  });

  it('encodes node slots with the output in the last slot, and a token view', () => {
    assert.deepEqual(nb101.encoderInput, { numOps: 5, graph: { kind: 'node-ops', numNodes: 7 }, seqVocab: 8, seqLength: 28 });
    const a = ok(nb101.parse('{matrix: [[0,1,1],[0,0,1],[0,0,0]], ops: [input, maxpool3x3, output]}'));
    const f = nb101.features(a);
    assert.deepEqual(f.ops, [0, 4, -1, -1, -1, -1, 1]);
    const adj = new Array(49).fill(0);
    adj[0 * 7 + 1] = 1;
    adj[0 * 7 + 6] = 1;
    adj[1 * 7 + 6] = 1;
    assert.deepEqual(f.adjacency, adj);
    assert.equal(f.tokens.length, 28);
    assert.deepEqual(f.tokens.slice(0, 7), [0, 4, 5, 5, 5, 5, 1]);
    // Edge order 1<-0, 2<-0, 2<-1, 3<-0, ...; 6<-0 is bit index 15, 6<-1 is 16.
    const bits = f.tokens.slice(7).map((t) => t - 6);
    assert.deepEqual(bits.map((b, e) => (b ? e : -1)).filter((e) => e >= 0), [0, 15, 16]);
    assert.equal(nb101.size, undefined);
    assert.deepEqual(nb101.lint(a), []);
  });

  it('samples valid, distinct cells deterministically', () => {
    const a = nb101.sample(rng(5), 40);
    const b = nb101.sample(rng(5), 40);
    assert.deepEqual(a, b);
    for (const x of a) {
      const r = nb101.parse(cellText(x));
      assert.ok(r.ok);
      assert.ok(x.matrix.flat().filter(Boolean).length <= 9);
    }
  });
});

describe('scanning documents', () => {
  it('finds architectures in a realistic Python file, with document offsets', () => {
    const py = [
      'import torch',
      'from nas import make_arch, build',
      '',
      'arch = make_arch(cfg)            # not an architecture',
      'blocks = []',
      'arch = cfg.arch',
      'arch = "mb3_e3-skip-mb5_e6-mb3_e3-skip"',
      'def train(arch=[0, 4, 3, 0, 4], lr=0.1):',
      '    self.blocks = [mb3_e3, skip, mb5_e6, mb3_e3, skipp]',
      "    config = {'arch': ['mb3_e3', 'skip'], 'lr': 0.1}",
      '    if arch == [0, 1, 2, 3, 4]: pass',
      '    arch = [f(x) for x in blocks]',
      '    arch = [0] * 5',
      '    arch = (0, 1, 2, 3, 4)',
      'search_arch = [0, 1, 2, 3, 4]',
      'arch = [conv, pool, fc, relu, bn]',
    ].join('\n');
    const found = mobile.scan(py);
    assert.deepEqual(found.map((f) => f.text), [
      '"mb3_e3-skip-mb5_e6-mb3_e3-skip"',
      '[0, 4, 3, 0, 4]',
      '[mb3_e3, skip, mb5_e6, mb3_e3, skipp]',
      "['mb3_e3', 'skip']",
      '(0, 1, 2, 3, 4)',
    ]);
    for (const f of found) {
      assert.equal(f.space, 'mobile-blocks');
      assert.equal(f.form, 'key');
      assert.equal(py.slice(f.start, f.end), f.text);
    }
    const first = at(found, 0).result;
    assert.ok(first.ok && first.key === 'mb3_e3-skip-mb5_e6-mb3_e3-skip');
    const bad = at(found, 2).result;
    assert.ok(!bad.ok);
    assert.equal(py.slice(at(bad.problems, 0).start, at(bad.problems, 0).end), 'skipp');
    assert.match(at(bad.problems, 0).message, /^position 5: unknown choice "skipp"/);
    const short = at(found, 3).result;
    assert.ok(!short.ok);
    assert.equal(py.slice(at(short.problems, 0).start, at(short.problems, 0).end), "['mb3_e3', 'skip']");
  });

  it('finds architectures in YAML: flow lists, unquoted scalars and block sequences', () => {
    const yaml = [
      'experiments:',
      '  - name: baseline',
      '    arch: [mb3_e3, skip, mb5_e6, mb3_e3, skip]',
      '  - name: dashes',
      '    arch: 0-4-3-0-4   # the same',
      '  - name: block',
      '    blocks:',
      '      - mb3_e3',
      '      - "skip"',
      '      - mb5_e7  # typo',
      '      - mb3_e3',
      '      - skip',
      '    lr: 0.1',
      '  - name: templated',
      '    blocks: ${x}',
      '    arch: ~',
      '    arch:',
      '      depth: 5',
      '    arch:',
      '      - [0, 1]',
      '      - [2, 3]',
    ].join('\n');
    const found = mobile.scan(yaml);
    assert.equal(found.length, 3);
    assert.equal(at(found, 0).text, '[mb3_e3, skip, mb5_e6, mb3_e3, skip]');
    assert.ok(at(found, 0).result.ok);
    assert.equal(at(found, 1).text, '0-4-3-0-4');
    const dashes = at(found, 1).result;
    assert.ok(dashes.ok && dashes.key === 'mb3_e3-skip-mb5_e6-mb3_e3-skip');
    assert.ok(at(found, 2).text.startsWith('- mb3_e3') && at(found, 2).text.endsWith('- skip'));
    const r = at(found, 2).result;
    assert.ok(!r.ok);
    assert.equal(r.problems.length, 1);
    assert.equal(yaml.slice(at(r.problems, 0).start, at(r.problems, 0).end), 'mb5_e7');
    assert.match(at(r.problems, 0).message, /^position 3: unknown choice "mb5_e7"/);
  });

  it('finds JSON values and reports a wrong length on the list', () => {
    const json = '{\n  "runs": [\n    {"arch": "0-4-3-0-4", "acc": 93.1},\n    {"arch": [0, 4, 3, 0], "acc": 91.0}\n  ]\n}';
    const found = mobile.scan(json);
    assert.equal(found.length, 2);
    assert.ok(at(found, 0).result.ok);
    assert.equal(at(found, 0).text, '"0-4-3-0-4"');
    const r = at(found, 1).result;
    assert.ok(!r.ok);
    assert.equal(at(r.problems, 0).message, 'expected 5 choices (one per position), found 4');
    assert.equal(json.slice(at(r.problems, 0).start, at(r.problems, 0).end), '[0, 4, 3, 0]');
  });

  it('leaves ordinary code alone', () => {
    const texts = [
      'arch = make_arch(cfg)',
      'arch = []',
      'blocks: ${x}',
      'arch = arch_from_string(s)',
      'arch = None',
      'arch: null',
      'arch = "some description"',
      'arch = {"depth": 5}',
      'arch = "a b".split()',
      'arch_list = [0, 1, 2, 3, 4]',
      'x.arch == [0, 1, 2, 3, 4]',
      'arch = [[0, 1], [2, 3]]',
      'arch: resnet50',
      'arch = 5',
    ];
    for (const t of texts) assert.deepEqual(mobile.scan(t), [], t);
  });

  it('finds node cells in Python dicts and YAML block mappings', () => {
    const py = "spec = {'matrix': [[0, 1, 1], [0, 0, 1], [0, 0, 0]], 'ops': ['input', 'maxpool3x3', 'output']}\nspec = ModelSpec(matrix, ops)\ncell = {'depth': 3}\n";
    const f1 = nb101.scan(py);
    assert.equal(f1.length, 1);
    assert.ok(at(f1, 0).result.ok);
    const yaml = 'cells:\n  cell:\n    matrix: [[0, 1, 1],\n             [0, 0, 1],\n             [0, 0, 0]]\n    ops: [input, conv9x9, output]\n  other: 1\n';
    const f2 = nb101.scan(yaml);
    assert.equal(f2.length, 1);
    const r = at(f2, 0).result;
    assert.ok(!r.ok);
    assert.equal(yaml.slice(at(r.problems, 0).start, at(r.problems, 0).end), 'conv9x9');
  });

  // Scanning time on adversarial lines is measured by bench/scan.mjs (figures, not assertions).
  it('caps matches per document, and finds nothing in unterminated literals', () => {
    const many = 'arch = [0, 4, 3, 0, 4]\n'.repeat(3000);
    assert.equal(mobile.scan(many).length, 2000);
    assert.deepEqual(mobile.scan('#arch=[0\n'.repeat(5000)), []);
    assert.deepEqual(mobile.scan('#arch={a:1\n'.repeat(5000)), []);
  });

  it('code that merely uses the key as a name gets nothing; a near miss gets hints, not errors', () => {
    const abc = declaredSpace({ name: 'abc', kind: 'sequence', positions: 3, choices: ['a', 'b', 'c'] }, 'test');
    for (const t of ['self.arch = arch', 'model = Net(arch=arch, depth=3)', 'arch = args.arch']) assert.deepEqual(abc.scan(t), [], t);
    const four = declaredSpace({ name: 'four', kind: 'sequence', positions: 4, choices: ['mb3', 'mb6', 'id'] }, 'test');
    for (const t of ['arch = [3, 4, 6, 3]  # ResNet-50 stage depths', 'arch = [64, 128, 256, 512]', 'blocks = "resnet-50"', 'arch = "resnet-50"']) {
      for (const f of four.scan(t)) {
        assert.ok(!f.result.ok && f.result.problems.every((p) => p.severity === 'hint'), `${t}: ${JSON.stringify(f.result)}`);
      }
    }
    // The shape of the space with most items valid stays an error at the bad item.
    const [bad] = four.scan('arch = [mb3, mb6, mb9, id]');
    assert.ok(bad);
    assert.ok(!bad.result.ok && at(bad.result.problems, 0).severity === undefined);
  });
});

describe('space files', () => {
  const GOOD = [
    'name: mobile-blocks',
    'kind: sequence',
    'positions: 5',
    'choices: [mb3_e3, mb3_e6, mb5_e3, mb5_e6, skip]',
    'find:',
    '  keys: [arch, blocks]',
    '',
  ].join('\n');

  it('parses a YAML and a JSON space file', () => {
    const { space, declaration } = parseSpaceFile(GOOD, 'mobile.space.yaml');
    assert.equal(space.id, 'mobile-blocks');
    assert.deepEqual(declaration, validateDeclaration(MOBILE, 'x'));
    assert.deepEqual(space.encoderInput, mobile.encoderInput);
    const json = parseSpaceFile(JSON.stringify({ name: 'c', kind: 'cell', nodes: 3, ops: ['a', 'b'] }, null, 2), 'c.space.json');
    assert.equal(json.space.encoderInput.seqLength, 3);
  });

  it('reports broken YAML with offsets', () => {
    const text = 'name: x\nkind: sequence\nchoices: [a, b\npositions: 3\n';
    const e = throwsSpaceError(() => parseSpaceFile(text, 'bad.space.yaml'), /^bad\.space\.yaml: line \d+, column \d+: /);
    assert.equal(typeof e.start, 'number');
    assert.ok((e.start as number) >= text.indexOf('[') && (e.start as number) <= text.length, String(e.start));
    throwsSpaceError(() => parseSpaceFile('name: a\nname: b\n', 'dup.space.yaml'), /dup\.space\.yaml: line 2/);
    throwsSpaceError(() => parseSpaceFile('   \n', 'empty.space.yaml'), /empty space file/);
  });

  it('reports a bad field at the range of its value, an unknown field at its key', () => {
    const dup = GOOD.replace('mb5_e6, skip]', 'mb5_e6, mb3_e6]');
    const e1 = throwsSpaceError(() => parseSpaceFile(dup, 'm.space.yaml'), /^m\.space\.yaml: choices\[4\]: duplicate choice "mb3_e6"$/);
    assert.equal(dup.slice(e1.start, e1.end), 'mb3_e6');
    assert.equal(e1.start, dup.lastIndexOf('mb3_e6'));
    const unknown = `${GOOD}choises: [a]\n`;
    const e2 = throwsSpaceError(() => parseSpaceFile(unknown, 'm.space.yaml'), /choises: unknown field/);
    assert.equal(unknown.slice(e2.start, e2.end), 'choises');
    const name = GOOD.replace('mobile-blocks', 'NB201');
    const e3 = throwsSpaceError(() => parseSpaceFile(name, 'm.space.yaml'), /name: "NB201" is not a valid space id/);
    assert.equal(name.slice(e3.start, e3.end), 'NB201');
    const key = GOOD.replace('[arch, blocks]', '[arch, "bad key"]');
    const e4 = throwsSpaceError(() => parseSpaceFile(key, 'm.space.yaml'), /find\.keys\[1\]/);
    assert.equal(key.slice(e4.start, e4.end), '"bad key"');
    const missing = GOOD.replace('positions: 5\n', '');
    const e5 = throwsSpaceError(() => parseSpaceFile(missing, 'm.space.yaml'), /positions: missing/);
    assert.equal(typeof e5.start, 'number');
  });
});

describe('a space file’s results: (where training jobs append results)', () => {
  const SPACE = 'name: cells\nkind: sequence\npositions: 2\nchoices: [a, b]\n';
  it('is read apart from the declaration, which stays the same (predictors store the declaration)', () => {
    const plain = parseSpaceFile(SPACE, 'x.space.yaml');
    const withPath = parseSpaceFile(`${SPACE}results: runs/cells.csv\n`, 'x.space.yaml');
    const withTarget = parseSpaceFile(`${SPACE}results: { file: runs/cells.jsonl, target: top1 }\n`, 'x.space.yaml');
    assert.equal(plain.results, undefined);
    assert.deepEqual(withPath.results, { file: 'runs/cells.csv' });
    assert.deepEqual(withTarget.results, { file: 'runs/cells.jsonl', target: 'top1' });
    assert.deepEqual(withPath.declaration, plain.declaration);
  });

  it('a bad results: is an error at its field, not a space without results', () => {
    for (const [text, field] of [
      ['results: 3', 'results'],
      ['results: { file: "" }', 'results.file'],
      ['results: { file: r.csv, colum: acc }', 'results.colum'],
    ] as const) {
      assert.throws(
        () => parseSpaceFile(`${SPACE}${text}\n`, 'x.space.yaml'),
        (e) => e instanceof SpaceFileError && e.message.startsWith(`x.space.yaml: ${field}: expected a results file path`) && e.start !== undefined && e.start >= SPACE.length,
        text,
      );
    }
  });
});
