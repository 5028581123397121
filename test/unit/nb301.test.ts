import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { nb101Space, parseNb101, scanNb101 } from '../../src/space/nb101';
import { nb301Key, nb301Space, nb301ToGenotype, parseNb301, scanNb301 } from '../../src/space/nb301';
import { ARCH_TRIGGER_PATTERNS } from '../../src/space/triggers';
import { BUILTIN_SPACES } from '../../src/space/registry';
import type { ArchProblem, FoundArch } from '../../src/space/types';
import { Rng } from '../../src/util/rng';
import { loadBundled } from '../../src/data/dataset';

const FIXTURE = fs.readFileSync(path.resolve(__dirname, '../fixtures/genotypes.py'), 'utf8');

/** The text a problem points at. */
const at = (text: string, p: ArchProblem): string => text.slice(p.start, p.end);
const problemsOf = (r: { ok: boolean; problems?: ArchProblem[] }): [ArchProblem, ...ArchProblem[]] => {
  assert.ok(!r.ok, 'expected problems');
  const [first, ...rest] = r.problems as ArchProblem[];
  assert.ok(first, 'expected at least one problem');
  return [first, ...rest];
};

describe('NAS-Bench-301 (DARTS genotypes)', () => {
  it('finds every genotype of a real genotypes file, skips the docstring, and names them', () => {
    const found = scanNb301(FIXTURE);
    assert.deepEqual(
      found.map((f) => [f.name ?? '', f.form, f.result.ok]),
      [
        ['NASNet', 'genotype', false],
        ['AmoebaNet', 'genotype', false],
        ['DARTS_V1', 'genotype', true],
        ['DARTS_V2', 'genotype', true],
        ['PC_DARTS_cifar', 'genotype', true],
        ['POSITIONAL', 'genotype', true],
        ['compact', 'naslib-compact', true],
      ],
    );
    for (const f of found) {
      assert.equal(FIXTURE.slice(f.start, f.end), f.text);
      assert.match(f.text, f.form === 'genotype' ? /^Genotype\(/ : /^\[\[/);
      assert.ok(f.text.endsWith(')') || f.text.endsWith(']'));
    }
  });

  it('explains why NASNet and AmoebaNet cannot be scored, at the exact ranges, as information', () => {
    const [nasnet, amoeba] = scanNb301(FIXTURE);
    assert.ok(nasnet && amoeba, 'NASNet and AmoebaNet found');
    // The lens shows the first reason and a count; the diagnostics have them all.
    assert.match(nasnet.unscorable ?? '', /^normal cell has 5 nodes, NB-301 has 4 \(\+3 more: hover for details\)$/);
    assert.match(amoeba.unscorable ?? '', /5 nodes/);
    const ps = problemsOf(nasnet.result);
    assert.ok(ps.every((p) => p.severity === 'info'));
    const normal = ps.find((p) => /this normal cell has 5/.test(p.message)) as ArchProblem;
    assert.match(at(FIXTURE, normal), /^\[\s*\('sep_conv_5x5', 1\)/);
    // PC-DARTS-style 4-node cell with a 7x7 op: the op is pointed at.
    const text = nb301ToGenotype(parseOk('[[(0, 0), (1, 5), (1, 1), (0, 1), (1, 3), (0, 3), (1, 3), (3, 2)], [(1, 0), (0, 2), (1, 3), (0, 3), (3, 0), (0, 1), (2, 0), (3, 6)]]').arch).replace("'dil_conv_5x5'", "'sep_conv_7x7'");
    const [f] = scanNb301(text);
    assert.ok(f, 'one genotype found');
    assert.match(f.unscorable ?? '', /op sep_conv_7x7 is not in NB-301/);
    const [p] = problemsOf(f.result);
    assert.equal(at(text, p), "'sep_conv_7x7'");
    assert.equal(p.severity, 'info');
  });

  it('reports unknown ops (warning), bad inputs, odd pair counts and bad concat (errors) at their exact ranges', () => {
    const base = "Genotype(normal=[('sep_conv_3x3', 0), ('sep_conv_3x3', 1), ('sep_conv_3x3', 0), ('sep_conv_3x3', 1), ('sep_conv_3x3', 1), ('skip_connect', 0), ('skip_connect', 0), ('dil_conv_3x3', 2)], normal_concat=[2, 3, 4, 5], reduce=[('max_pool_3x3', 0), ('max_pool_3x3', 1), ('skip_connect', 2), ('max_pool_3x3', 1), ('max_pool_3x3', 0), ('skip_connect', 2), ('skip_connect', 2), ('max_pool_3x3', 1)], reduce_concat=[2, 3, 4, 5])";
    assert.ok(parseNb301(base).ok);
    const typo = base.replace("('dil_conv_3x3', 2)", "('dil_conv_3x4', 2)");
    const [w] = scanNb301(typo).flatMap((f) => problemsOf(f.result));
    assert.ok(w, 'one problem');
    assert.equal(w.severity, 'warning');
    assert.equal(at(typo, w), "'dil_conv_3x4'");
    const badInput = base.replace("('dil_conv_3x3', 2)", "('dil_conv_3x3', 5)");
    const [e] = problemsOf(parseNb301(badInput));
    assert.match(e.message, /node 5 can take inputs 0\.\.4/);
    assert.equal(at(badInput, e), '5');
    assert.equal(badInput.slice(e.start - 17, e.start), "('dil_conv_3x3', ");
    const odd = base.replace(", ('dil_conv_3x3', 2)]", ']');
    const [o] = problemsOf(parseNb301(odd));
    assert.match(o.message, /two \(op, input\) pairs per intermediate node; normal has 7/);
    assert.ok(at(odd, o).startsWith("[('sep_conv_3x3', 0)"));
    const concat = base.replace('normal_concat=[2, 3, 4, 5]', 'normal_concat=[2, 3, 9]');
    const [c] = problemsOf(parseNb301(concat));
    assert.match(c.message, /nodes 0\.\.5, so 9 is not a node/);
    assert.equal(at(concat, c), '[2, 3, 9]');
    const missing = base.replace(', reduce_concat=[2, 3, 4, 5]', '');
    assert.match(problemsOf(parseNb301(missing))[0].message, /missing reduce_concat/);
    const unknownField = base.replace('reduce_concat=', 'reduce_cat=');
    assert.equal(at(unknownField, problemsOf(parseNb301(unknownField))[0]), 'reduce_cat');
  });

  it('code that builds genotypes from variables is not an architecture; AutoDL fields left at None are ignored', () => {
    const code = [
      'genotype = Genotype(normal=gene_normal, normal_concat=concat, reduce=gene_reduce, reduce_concat=concat)',
      'g2 = Genotype(*parts)',
      'g3 = Genotype(**fields)',
      "g4 = Genotype(normal=[('sep_conv_3x3', 0)] + rest, normal_concat=[2, 3, 4, 5], reduce=r, reduce_concat=[2, 3, 4, 5])",
    ].join('\n');
    assert.deepEqual(scanNb301(code), []);
    const autodl = "DARTS_V2 = Genotype(normal=[('sep_conv_3x3', 0), ('sep_conv_3x3', 1), ('sep_conv_3x3', 0), ('sep_conv_3x3', 1), ('sep_conv_3x3', 1), ('skip_connect', 0), ('skip_connect', 0), ('dil_conv_3x3', 2)], normal_concat=[2, 3, 4, 5], reduce=[('max_pool_3x3', 0), ('max_pool_3x3', 1), ('skip_connect', 2), ('max_pool_3x3', 1), ('max_pool_3x3', 0), ('skip_connect', 2), ('skip_connect', 2), ('max_pool_3x3', 1)], reduce_concat=[2, 3, 4, 5], connectN=None, connects=None)";
    const [f] = scanNb301(autodl);
    assert.ok(f?.result.ok, JSON.stringify(f?.result));
  });

  it('DARTS RNN genotypes (own Genotype of recurrent, concat; or such a call without a definition) get one information each, no errors', () => {
    const rnn = [
      'from collections import namedtuple',
      '',
      "Genotype = namedtuple('Genotype', 'recurrent concat')",
      '',
      "PRIMITIVES = ['none', 'tanh', 'relu', 'sigmoid', 'identity']",
      'ENAS = Genotype(',
      '    recurrent = [',
      "        ('tanh', 0), ('tanh', 1), ('relu', 1), ('tanh', 3), ('tanh', 3), ('relu', 3), ('relu', 4), ('relu', 7),",
      "        ('relu', 8), ('relu', 8), ('relu', 8),",
      '    ],',
      '    concat = [2, 5, 6, 9, 10, 11]',
      ')',
      "DARTS_V1 = Genotype(recurrent=[('relu', 0), ('relu', 1), ('tanh', 2), ('relu', 3), ('relu', 4), ('identity', 1), ('relu', 5), ('relu', 1)], concat=range(1, 9))",
      "DARTS_V2 = Genotype(recurrent=[('sigmoid', 0), ('relu', 1), ('relu', 1), ('identity', 1), ('tanh', 2), ('sigmoid', 5), ('tanh', 3), ('relu', 5)], concat=range(1, 9))",
      'DARTS = DARTS_V2',
    ].join('\n');
    const found = scanNb301(rnn);
    assert.deepEqual(found.map((f) => f.name), ['ENAS', 'DARTS_V1', 'DARTS_V2']);
    for (const f of found) {
      const ps = problemsOf(f.result);
      assert.equal(ps.length, 1, JSON.stringify(ps));
      assert.equal(ps[0].severity, 'info');
      assert.match(ps[0].message, /not a DARTS CNN genotype/);
      assert.equal(at(rnn, ps[0]), 'Genotype');
      assert.equal(f.unscorable, 'not a DARTS CNN genotype');
    }
    // The same call in a file without the namedtuple (copied out of genotypes.py), and given to the parser.
    const call = "Genotype(recurrent=[('relu', 0), ('relu', 1), ('tanh', 2), ('relu', 3)], concat=range(1, 9))";
    const [copied] = scanNb301(`g = ${call}`);
    assert.ok(copied, 'the call is found');
    for (const r of [copied.result, parseNb301(call)]) {
      const ps = problemsOf(r);
      assert.ok(ps.length === 1 && ps[0].severity === 'info' && /not a DARTS CNN genotype/.test(ps[0].message), JSON.stringify(ps));
    }
  });

  it('a concat that repeats a node, and a compact cell with one input twice, are outside NB-301 (information)', () => {
    const text = nb301ToGenotype(parseOk('[[(0, 0), (1, 5), (1, 1), (0, 1), (1, 3), (0, 3), (1, 3), (3, 2)], [(1, 0), (0, 2), (1, 3), (0, 3), (3, 0), (0, 1), (2, 0), (3, 6)]]').arch).replace('normal_concat=[2, 3, 4, 5]', 'normal_concat=[2, 2, 3, 4, 5]');
    const [f] = scanNb301(text);
    assert.match(f?.unscorable ?? '', /normal_concat is not 2\.\.5/);
    const compact = '[[(0, 0), (0, 5), (1, 1), (0, 1), (1, 3), (0, 3), (1, 3), (3, 2)], [(1, 0), (0, 2), (1, 3), (0, 3), (3, 0), (0, 1), (2, 0), (3, 6)]]';
    const [c] = scanNb301(`x = ${compact}`);
    assert.equal(c?.unscorable, 'a node takes one input twice');
    assert.ok(c && !c.result.ok && c.result.problems.every((p) => p.severity === 'info'));
  });

  it('accepts range(), positional fields, per-node groups, comments and keys that ignore pair order', () => {
    const byName = new Map(scanNb301(FIXTURE).map((f) => [f.name, f]));
    const pc = byName.get('PC_DARTS_cifar') as FoundArch;
    const pos = byName.get('POSITIONAL') as FoundArch;
    assert.ok(pc.result.ok && pos.result.ok);
    assert.equal(pc.result.key, pos.result.key);
    const grouped = "Genotype(normal=[[('sep_conv_3x3', 1), ('skip_connect', 0)], [('sep_conv_3x3', 0), ('dil_conv_3x3', 1)], [('sep_conv_5x5', 0), ('sep_conv_3x3', 1)], [('avg_pool_3x3', 0), ('dil_conv_3x3', 1)]], normal_concat=range(2, 6), reduce=[[('sep_conv_5x5', 1), ('max_pool_3x3', 0)], [('sep_conv_5x5', 1), ('sep_conv_5x5', 2)], [('sep_conv_3x3', 0), ('sep_conv_3x3', 3)], [('sep_conv_3x3', 1), ('sep_conv_3x3', 2)]], reduce_concat=range(2, 6))";
    assert.equal(parseOk(grouped).key, pc.result.key);
    // The genotype form of a key parses back to the same key; the key parses to itself.
    const a = parseOk(pc.result.key).arch;
    assert.equal(parseOk(nb301ToGenotype(a)).key, pc.result.key);
    assert.equal(nb301Key(a), pc.result.key);
  });

  it('encodes both cells on 14 edge slots each (none elsewhere) and as 32 tokens', () => {
    const { arch } = parseOk('[[(0, 0), (1, 5), (1, 1), (0, 1), (1, 3), (0, 3), (1, 3), (3, 2)], [(1, 0), (0, 2), (1, 3), (0, 3), (3, 0), (0, 1), (2, 0), (3, 6)]]');
    const f = nb301Space.features(arch);
    assert.equal(f.ops.length, 28);
    assert.equal(f.ops.filter((o) => o !== 7).length, 16);
    // Normal node 2 <- 0 max_pool_3x3 (op 0) is slot 0; node 2 <- 1 dil_conv_3x3 (op 5) slot 1; node 5 <- 3 skip (2) slot 9 + 3.
    assert.deepEqual([f.ops[0], f.ops[1], f.ops[12]], [0, 5, 2]);
    assert.equal(f.tokens.length, nb301Space.encoderInput.seqLength);
    assert.ok(f.tokens.every((t) => t >= 0 && t < nb301Space.encoderInput.seqVocab));
  });

  it('every bundled architecture round-trips: key -> parse -> same key, and as a Genotype', () => {
    const ds = loadBundled('nb301');
    assert.equal(ds.archs.length, 725);
    assert.equal(new Set(ds.keys).size, 725);
    for (const k of ds.keys) {
      assert.equal(parseOk(k).key, k);
      assert.equal(parseOk(nb301ToGenotype(parseOk(k).arch)).key, k);
    }
  });

  it('has 120 distinct single-edit neighbours (6 other ops per edge, and every other allowed input)', () => {
    const { arch, key } = parseOk('[[(0, 0), (1, 5), (1, 1), (0, 1), (1, 3), (0, 3), (1, 3), (3, 2)], [(1, 0), (0, 2), (1, 3), (0, 3), (3, 0), (0, 1), (2, 0), (3, 6)]]');
    const ns = nb301Space.neighbours?.(arch) ?? [];
    assert.equal(ns.length, 2 * (8 * 6 + 2 * (0 + 1 + 2 + 3)));
    const keys = new Set(ns.map((n) => nb301Key(n.arch)));
    assert.equal(keys.size, ns.length);
    assert.ok(!keys.has(key));
    for (const n of ns) assert.equal(parseOk(nb301Key(n.arch)).key, nb301Key(n.arch));
  });

  it('samples distinct valid architectures with a seed', () => {
    const r = new Rng(7);
    const s = nb301Space.sample(() => r.next(), 300);
    assert.equal(new Set(s.map(nb301Key)).size, 300);
    for (const a of s) assert.equal(parseOk(nb301Key(a)).key, nb301Key(a));
  });
});

describe('client triggers for Python architectures', () => {
  // The client starts the server for a document only when one of these patterns matches it.
  const triggers = ARCH_TRIGGER_PATTERNS.map((p) => new RegExp(p));
  const fires = (text: string): boolean => triggers.some((t) => t.test(text));

  it('fire on genotypes, specs, compact forms over lines or as tuples, and NB101 mappings; not on ordinary code', () => {
    assert.ok(fires(FIXTURE));
    assert.ok(fires('spec = api.ModelSpec(matrix=m, ops=o)'));
    assert.ok(fires('arch = [\n    [(0, 0), (1, 5), (1, 1)],\n    [(1, 0), (0, 2)],\n]'));
    assert.ok(fires('arch = ((0, 0), (1, 5)), ((1, 0), (0, 2))'.replace(/^arch = /, 'arch = (') + ')'));
    assert.ok(fires("cell = {'matrix': [[0, 1], [0, 0]], 'ops': ['input', 'output']}"));
    assert.ok(fires('cell = {"matrix": np.array([[0, 1], [0, 0]]), "ops": ops}'));
    assert.ok(!fires('import torch\nx = [1, 2, 3]\nm = matrix @ other\ny = [[1, 2], [3, 4]]\n'));
  });
});

describe('NAS-Bench-101 (ModelSpec)', () => {
  const spec = `api.ModelSpec(
    # the NAS-Bench-101 README example
    matrix=[[0, 1, 1, 1, 0, 1, 0],    # input layer
            [0, 0, 0, 0, 0, 0, 1],    # 1x1 conv
            [0, 0, 0, 0, 0, 0, 1],    # 3x3 conv
            [0, 0, 0, 0, 1, 0, 0],    # 5x5 conv (replaced by two 3x3's)
            [0, 0, 0, 0, 0, 0, 1],    # 5x5 conv (replaced by two 3x3's)
            [0, 0, 0, 0, 0, 0, 1],    # 3x3 max-pool
            [0, 0, 0, 0, 0, 0, 0]],   # output layer
    # Operations at the vertices of the module, matches order of matrix
    ops=[INPUT, CONV1X1, CONV3X3, CONV3X3, CONV3X3, MAXPOOL3X3, OUTPUT])`;

  it('reads the README ModelSpec with API constants and comments; positional and np.array give the same key', () => {
    const [f] = scanNb101(`cell = ${spec}\n`);
    assert.ok(f, 'one cell found');
    assert.equal(f.name, 'cell');
    assert.ok(f.result.ok);
    const r = parseNb101(spec);
    assert.ok(r.ok);
    assert.equal(f.result.key, r.key);
    const m = '[[0, 1, 1, 1, 0, 1, 0], [0, 0, 0, 0, 0, 0, 1], [0, 0, 0, 0, 0, 0, 1], [0, 0, 0, 0, 1, 0, 0], [0, 0, 0, 0, 0, 0, 1], [0, 0, 0, 0, 0, 0, 1], [0, 0, 0, 0, 0, 0, 0]]';
    const ops = "['input', 'conv1x1-bn-relu', 'conv3x3-bn-relu', 'conv3x3-bn-relu', 'conv3x3-bn-relu', 'maxpool3x3', 'output']";
    assert.equal(parseOk101(`ModelSpec(np.array(${m}), ${ops}, data_format='channels_last')`).key, r.key);
    assert.equal(parseOk101(`{'matrix': ${m}, 'ops': ${ops}}`).key, r.key);
  });

  it('every bundled cell round-trips (key -> parse -> same key) and the 292 are pairwise non-isomorphic', () => {
    const ds = loadBundled('nb101');
    assert.equal(new Set(ds.keys).size, 292);
    for (const k of ds.keys) assert.equal(parseOk101(k).key, k);
  });

  it('isomorphic specs (vertices renumbered) give one key; pruning follows ModelSpec', () => {
    const a = parseOk101("ModelSpec(matrix=[[0, 1, 1, 0], [0, 0, 0, 1], [0, 0, 0, 1], [0, 0, 0, 0]], ops=['input', 'conv3x3-bn-relu', 'maxpool3x3', 'output'])");
    const b = parseOk101("ModelSpec(matrix=[[0, 1, 1, 0], [0, 0, 0, 1], [0, 0, 0, 1], [0, 0, 0, 0]], ops=['input', 'maxpool3x3', 'conv3x3-bn-relu', 'output'])");
    assert.equal(a.key, b.key);
    // A vertex with no path to the output is pruned: same key as without it.
    const c = parseOk101("ModelSpec(matrix=[[0, 1, 1, 1, 0], [0, 0, 0, 0, 1], [0, 0, 0, 0, 1], [0, 0, 0, 0, 0], [0, 0, 0, 0, 0]], ops=['input', 'conv3x3-bn-relu', 'maxpool3x3', 'conv1x1-bn-relu', 'output'])");
    assert.equal(c.key, a.key);
  });

  it('NB101 rules as problems at exact ranges: vertices, edges, triangularity, first/last op, unknown op', () => {
    const chain = JSON.stringify(Array.from({ length: 8 }, (_, i) => Array.from({ length: 8 }, (__, j) => (j === i + 1 ? 1 : 0))));
    const eight = `ModelSpec(matrix=${chain}, ops=['input', ${new Array(6).fill("'conv3x3-bn-relu'").join(', ')}, 'output'])`;
    assert.match(problemsOf(parseNb101(eight)).map((p) => p.message).join(' | '), /at most 7 vertices \(input and output included\); found 8$/);
    const lower = "ModelSpec(matrix=[[0, 1], [1, 0]], ops=['input', 'output'])";
    const [l] = problemsOf(parseNb101(lower));
    assert.match(l.message, /upper-triangular/);
    assert.equal(at(lower, l), '1');
    assert.equal(l.start, lower.indexOf('[1, 0]') + 1);
    const unknown = "ModelSpec(matrix=[[0, 1, 0], [0, 0, 1], [0, 0, 0]], ops=['input', 'conv5x5', 'output'])";
    const [u] = problemsOf(parseNb101(unknown));
    assert.equal(at(unknown, u), "'conv5x5'");
    const tooMany = `ModelSpec(matrix=[[0, 1, 1, 1, 1, 1, 1], [0, 0, 1, 1, 1, 1, 1], [0, 0, 0, 1, 1, 1, 1], [0, 0, 0, 0, 0, 0, 1], [0, 0, 0, 0, 0, 0, 1], [0, 0, 0, 0, 0, 0, 1], [0, 0, 0, 0, 0, 0, 0]], ops=['input', 'conv3x3-bn-relu', 'conv3x3-bn-relu', 'conv3x3-bn-relu', 'conv3x3-bn-relu', 'conv3x3-bn-relu', 'output'])`;
    assert.match(problemsOf(parseNb101(tooMany))[0].message, /at most 9 edges; this one has 1[0-9]/);
  });

  it('a spec built from variables is code, not an architecture', () => {
    assert.deepEqual(scanNb101('spec = api.ModelSpec(matrix=matrix, ops=ops)\nspec2 = ModelSpec(np.array(m), ops)\n'), []);
  });

  it('an ops list of another kind in the same file is not an NB101 problem (no false errors)', () => {
    const py = "config = {'ops': ['relu', 'gelu'], 'matrix': 3}\nGenotype = 1\n";
    assert.deepEqual(scanNb101(py), []);
    assert.deepEqual(
      BUILTIN_SPACES.flatMap((s) => s.scan(FIXTURE)).filter((f) => f.space !== 'nb301'),
      [],
    );
  });
});

function parseOk(text: string): { arch: Parameters<typeof nb301Key>[0]; key: string } {
  const r = parseNb301(text);
  assert.ok(r.ok, r.ok ? '' : r.problems.map((p) => p.message).join('; '));
  return r;
}

function parseOk101(text: string): { key: string } {
  const r = nb101Space.parse(text);
  assert.ok(r.ok, r.ok ? '' : r.problems.map((p) => p.message).join('; '));
  return r;
}
