/**
 * The Python expression reader (src/space/python/expr.ts): real genotype and model-spec literals with exact
 * offsets, strings and comments that hide code, recovery from broken brackets, non-Python text, the bounds,
 * and property tests (never throws, every span inside the text and inside its parent's).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { children, parseExpression, PY_MAX_DEPTH, PY_MAX_NODES, type PyExpr, type TopExpr, topLevelExpressions, walk } from '../../src/space/python/expr';
// `at` here is the offset of a substring in a text; checked element access is `item`.
import { at as item } from './at';

const SEED = Number(process.env.FUZZ_SEED ?? 20240611);
const SCALE = Number(process.env.FUZZ_SCALE ?? 1);
const params = (numRuns = 300): fc.Parameters<unknown> => ({ numRuns: Math.round(numRuns * SCALE), seed: SEED });

type Of<K extends PyExpr['kind']> = PyExpr & { kind: K };

function as<K extends PyExpr['kind']>(e: PyExpr | undefined, kind: K): Of<K> {
  assert.ok(e, `expected a ${kind}, got nothing`);
  assert.equal(e.kind, kind, `expected a ${kind}, got ${JSON.stringify(e).slice(0, 200)}`);
  return e as Of<K>;
}

const kwarg = (c: Of<'call'>, name: string): PyExpr => {
  const k = c.kwargs.find((x) => x.name === name);
  assert.ok(k, `no keyword ${name}`);
  return k.value;
};

/** A genotype cell as [op, input] pairs. */
function pairs(e: PyExpr): [string, number][] {
  return as(e, 'list').items.map((t) => {
    const [op, input] = as(t, 'tuple').items;
    return [as(op, 'str').value, as(input, 'num').value];
  });
}

const nums = (e: PyExpr): number[] => as(e, 'list').items.map((x) => as(x, 'num').value);

/** Offset of the n-th occurrence (0-based) of s in text. */
function at(text: string, s: string, n = 0): number {
  let i = -1;
  for (let k = 0; k <= n; k++) {
    i = text.indexOf(s, i + 1);
    assert.ok(i >= 0, `${JSON.stringify(s)} #${k} not in the text`);
  }
  return i;
}

function calls(text: string, callee: string): { call: Of<'call'>; top: TopExpr }[] {
  const out: { call: Of<'call'>; top: TopExpr }[] = [];
  for (const top of topLevelExpressions(text)) {
    walk(top.expr, (x) => {
      if (x.kind === 'call' && x.callee === callee) out.push({ call: x, top });
    });
  }
  return out;
}

/** Every span inside [lo, hi], start <= end, integer; children (and callee, keyword names) inside their parent. */
function checkSpans(e: PyExpr, lo: number, hi: number, depth = 0): void {
  assert.ok(Number.isInteger(e.start) && Number.isInteger(e.end), `integer span ${e.start}..${e.end}`);
  assert.ok(lo <= e.start && e.start <= e.end && e.end <= hi, `${e.kind} ${e.start}..${e.end} outside ${lo}..${hi}`);
  assert.ok(depth < 1000, 'bounded depth');
  if (e.kind === 'call') {
    assert.ok(e.start <= e.calleeStart && e.calleeStart <= e.calleeEnd && e.calleeEnd <= e.end, `callee ${e.calleeStart}..${e.calleeEnd}`);
    for (const k of e.kwargs) assert.ok(e.start <= k.nameStart && k.nameStart < k.nameEnd && k.nameEnd <= k.value.start, `keyword ${k.nameStart}..${k.nameEnd}`);
  }
  if (e.kind === 'num') assert.ok(Number.isFinite(e.value));
  for (const c of children(e)) checkSpans(c, e.start, e.end, depth + 1);
}

function checkDocument(text: string): TopExpr[] {
  const top = topLevelExpressions(text);
  let last = 0;
  for (const t of top) {
    checkSpans(t.expr, 0, text.length);
    assert.ok(t.expr.start >= last, 'top-level expressions in order, not overlapping');
    last = t.expr.end;
  }
  return top;
}

const DARTS_V2 =
  "DARTS_V2 = Genotype(normal=[('sep_conv_3x3', 0), ('sep_conv_3x3', 1), ('sep_conv_3x3', 0), ('sep_conv_3x3', 1), ('sep_conv_3x3', 1), ('skip_connect', 0), ('skip_connect', 0), ('dil_conv_3x3', 2)], normal_concat=[2, 3, 4, 5], reduce=[('max_pool_3x3', 0), ('max_pool_3x3', 1), ('skip_connect', 2), ('max_pool_3x3', 1), ('max_pool_3x3', 0), ('skip_connect', 2), ('skip_connect', 2), ('max_pool_3x3', 1)], reduce_concat=[2, 3, 4, 5])";

const NASNET = `Genotype = namedtuple('Genotype', 'normal normal_concat reduce reduce_concat')

NASNet = Genotype(
  normal = [
    ('sep_conv_5x5', 1),  # node 2
    ('sep_conv_3x3', 0),
    # node 3
    ('sep_conv_5x5', 0),
    ('sep_conv_3x3', 0),
    ('avg_pool_3x3', 1),
    ('skip_connect', 0),
    ('avg_pool_3x3', 0),
    ('avg_pool_3x3', 0),
    ('sep_conv_3x3', 1),
    ('skip_connect', 1),
  ],
  normal_concat = [2, 3, 4, 5, 6],
  reduce = [
    ('sep_conv_5x5', 1),
    ('sep_conv_7x7', 0),
    ('max_pool_3x3', 1),
    ('sep_conv_7x7', 0),
    ('avg_pool_3x3', 1),
    ('sep_conv_5x5', 0),
    ('skip_connect', 3),
    ('avg_pool_3x3', 2),
    ('sep_conv_3x3', 2),
    ('max_pool_3x3', 1),
  ],
  reduce_concat = [4, 5, 6],
)
`;

const PC_DARTS =
  "PC_DARTS_cifar = Genotype(normal=[('sep_conv_3x3', 1), ('skip_connect', 0), ('sep_conv_3x3', 0), ('dil_conv_3x3', 1), ('sep_conv_5x5', 0), ('sep_conv_3x3', 1), ('avg_pool_3x3', 0), ('dil_conv_3x3', 1)], normal_concat=range(2, 6), reduce=[('sep_conv_5x5', 1), ('max_pool_3x3', 0), ('sep_conv_5x5', 1), ('sep_conv_5x5', 2), ('sep_conv_3x3', 0), ('sep_conv_3x3', 3), ('sep_conv_3x3', 1), ('sep_conv_3x3', 2)], reduce_concat=range(2, 6))\n";

describe('Python expressions: genotypes and model specs', () => {
  it('reads the DARTS_V2 one-liner with exact offsets', () => {
    const top = checkDocument(DARTS_V2);
    assert.equal(top.length, 1);
    assert.equal(item(top, 0).assignedTo, 'DARTS_V2');
    const g = as(item(top, 0).expr, 'call');
    assert.deepEqual([g.callee, g.calleeStart, g.calleeEnd, g.start, g.end], ['Genotype', 11, 19, 11, DARTS_V2.length]);
    assert.deepEqual(g.args, []);
    assert.deepEqual(
      g.kwargs.map((k) => [k.name, k.nameStart, k.nameEnd]),
      [
        ['normal', 20, 26],
        ['normal_concat', at(DARTS_V2, 'normal_concat'), at(DARTS_V2, 'normal_concat') + 13],
        ['reduce', at(DARTS_V2, 'reduce='), at(DARTS_V2, 'reduce=') + 6],
        ['reduce_concat', at(DARTS_V2, 'reduce_concat'), at(DARTS_V2, 'reduce_concat') + 13],
      ],
    );
    const normal = as(kwarg(g, 'normal'), 'list');
    assert.deepEqual([normal.start, normal.end], [27, at(DARTS_V2, '], normal_concat') + 1]);
    const first = as(normal.items[0], 'tuple');
    assert.deepEqual([first.start, first.end], [28, 47]);
    assert.deepEqual(first.items, [
      { kind: 'str', value: 'sep_conv_3x3', start: 29, end: 43 },
      { kind: 'num', value: 0, start: 45, end: 46 },
    ]);
    assert.deepEqual(pairs(normal), [
      ['sep_conv_3x3', 0], ['sep_conv_3x3', 1], ['sep_conv_3x3', 0], ['sep_conv_3x3', 1],
      ['sep_conv_3x3', 1], ['skip_connect', 0], ['skip_connect', 0], ['dil_conv_3x3', 2],
    ]);
    assert.deepEqual(pairs(kwarg(g, 'reduce'))[7], ['max_pool_3x3', 1]);
    assert.deepEqual(nums(kwarg(g, 'normal_concat')), [2, 3, 4, 5]);
    const rc = kwarg(g, 'reduce_concat');
    assert.equal(DARTS_V2.slice(rc.start, rc.end), '[2, 3, 4, 5]');
  });

  it('reads a multi-line NASNet genotype with comments between the items', () => {
    const top = checkDocument(NASNET);
    // namedtuple(...) is a call too
    assert.deepEqual(
      top.map((t) => [t.assignedTo, as(t.expr, 'call').callee]),
      [
        ['Genotype', 'namedtuple'],
        ['NASNet', 'Genotype'],
      ],
    );
    const g = as(item(top, 1).expr, 'call');
    assert.deepEqual([g.start, g.end], [at(NASNET, 'Genotype(\n'), NASNET.lastIndexOf(')') + 1]);
    const normal = kwarg(g, 'normal');
    assert.equal(pairs(normal).length, 10);
    assert.deepEqual(pairs(normal).slice(0, 3), [['sep_conv_5x5', 1], ['sep_conv_3x3', 0], ['sep_conv_5x5', 0]]);
    assert.equal(normal.start, at(NASNET, '[\n    (', 0));
    const third = item(as(normal, 'list').items, 2);
    assert.deepEqual([third.start, third.end], [at(NASNET, "('sep_conv_5x5', 0)"), at(NASNET, "('sep_conv_5x5', 0)") + 19]);
    const nc = g.kwargs.find((k) => k.name === 'normal_concat');
    assert.ok(nc);
    assert.deepEqual([nc.nameStart, nc.nameEnd], [at(NASNET, 'normal_concat ='), at(NASNET, 'normal_concat =') + 13]);
    assert.deepEqual(nums(nc.value), [2, 3, 4, 5, 6]);
    assert.equal(nc.value.start, at(NASNET, '[2, 3, 4, 5, 6]'));
    assert.deepEqual(pairs(kwarg(g, 'reduce'))[6], ['skip_connect', 3]);
    assert.deepEqual(nums(kwarg(g, 'reduce_concat')), [4, 5, 6]);
  });

  it('reads PC-DARTS with normal_concat=range(2, 6) as a call', () => {
    const t = item(checkDocument(PC_DARTS), 0);
    assert.equal(t.assignedTo, 'PC_DARTS_cifar');
    const g = as(t.expr, 'call');
    const range = as(kwarg(g, 'normal_concat'), 'call');
    const rs = at(PC_DARTS, 'range(2, 6)');
    assert.deepEqual([range.callee, range.calleeStart, range.calleeEnd, range.start, range.end], ['range', rs, rs + 5, rs, rs + 11]);
    assert.deepEqual(range.args, [
      { kind: 'num', value: 2, start: rs + 6, end: rs + 7 },
      { kind: 'num', value: 6, start: rs + 9, end: rs + 10 },
    ]);
    assert.equal(pairs(kwarg(g, 'reduce')).length, 8);
    assert.equal(as(kwarg(g, 'reduce_concat'), 'call').start, at(PC_DARTS, 'range(2, 6)', 1));
  });

  it('reads positional arguments: Genotype([...], [2,3,4,5], [...], range(2,6))', () => {
    const text = "G = Genotype([('sep_conv_3x3', 0), ('skip_connect', 1)], [2,3,4,5], [('max_pool_3x3', 0)], range(2,6))";
    const g = as(item(checkDocument(text), 0).expr, 'call');
    assert.equal(g.kwargs.length, 0);
    assert.deepEqual(g.args.map((a) => a.kind), ['list', 'list', 'list', 'call']);
    assert.deepEqual(pairs(item(g.args, 0)), [['sep_conv_3x3', 0], ['skip_connect', 1]]);
    assert.deepEqual(nums(item(g.args, 1)), [2, 3, 4, 5]);
    assert.deepEqual([item(g.args, 1).start, item(g.args, 1).end], [at(text, '[2,3,4,5]'), at(text, '[2,3,4,5]') + 9]);
    assert.deepEqual(pairs(item(g.args, 2)), [['max_pool_3x3', 0]]);
    assert.equal(text.slice(item(g.args, 3).start, item(g.args, 3).end), 'range(2,6)');
  });

  it('reads api.ModelSpec(matrix=..., ops=[...]) with a dotted callee', () => {
    const text = "import nasbench.api as api\nspec = api.ModelSpec(matrix=[[0, 1], [0, 0]], ops=[INPUT, CONV3X3, 'output'])\n";
    const top = checkDocument(text);
    assert.equal(top.length, 1);
    assert.equal(item(top, 0).assignedTo, 'spec');
    const m = as(item(top, 0).expr, 'call');
    const s = at(text, 'api.ModelSpec');
    assert.deepEqual([m.callee, m.calleeStart, m.calleeEnd, m.start, m.end], ['api.ModelSpec', s, s + 13, s, text.length - 1]);
    const matrix = as(kwarg(m, 'matrix'), 'list');
    assert.deepEqual(matrix.items.map(nums), [[0, 1], [0, 0]]);
    assert.deepEqual([matrix.start, matrix.end], [at(text, '[[0'), at(text, '0]]') + 3]);
    assert.deepEqual(as(kwarg(m, 'ops'), 'list').items, [
      { kind: 'name', name: 'INPUT', start: at(text, 'INPUT'), end: at(text, 'INPUT') + 5 },
      { kind: 'name', name: 'CONV3X3', start: at(text, 'CONV3X3'), end: at(text, 'CONV3X3') + 7 },
      { kind: 'str', value: 'output', start: at(text, "'output'"), end: at(text, "'output'") + 8 },
    ]);
  });

  it('reads a NASLib compact list and JSON', () => {
    const text = 'compact = [[(0, 0), (1, 5), (0, 2), (1, 3)], [(0, 4), (1, 1), (0, 0), (2, 6)]]\n';
    const t = item(checkDocument(text), 0);
    assert.equal(t.assignedTo, 'compact');
    const cells = as(t.expr, 'list').items.map((c) => as(c, 'list').items.map((p) => as(p, 'tuple').items.map((x) => as(x, 'num').value)));
    assert.deepEqual(cells, [
      [[0, 0], [1, 5], [0, 2], [1, 3]],
      [[0, 4], [1, 1], [0, 0], [2, 6]],
    ]);
    assert.deepEqual([t.expr.start, t.expr.end], [10, text.length - 1]);

    const json = '{"arch": [[1, 2], [3]], "ok": true, "none": null}';
    const j = item(checkDocument(json), 0);
    assert.equal(j.assignedTo, undefined);
    const d = as(j.expr, 'dict');
    assert.deepEqual([d.start, d.end], [0, json.length]);
    assert.deepEqual(item(d.entries, 0).key, { kind: 'str', value: 'arch', start: 1, end: 7 });
    assert.deepEqual(as(item(d.entries, 0).value, 'list').items.map(nums), [[1, 2], [3]]);
    assert.deepEqual([item(d.entries, 0).value.start, item(d.entries, 0).value.end], [9, 22]);
    assert.deepEqual(item(d.entries, 1).value, { kind: 'name', name: 'true', start: 30, end: 34 });
    assert.deepEqual(item(d.entries, 2).value, { kind: 'name', name: 'null', start: 44, end: 48 });
    assert.equal(json.slice(44, 48), 'null');
  });

  it('finds a genotype in a DARTS training log and in YAML', () => {
    const log =
      "2019-03-12 10:05:01 epoch 3 lr 2.5e-02\n2019-03-12 10:05:01 genotype = Genotype(normal=[('sep_conv_3x3', 0), ('dil_conv_5x5', 1)], normal_concat=range(2, 6), reduce=[('max_pool_3x3', 0)], reduce_concat=range(2, 6))\n2019-03-12 10:06:44 train_acc 61.250000 (it's fine)\n";
    const found = calls(log, 'Genotype');
    assert.equal(found.length, 1);
    const g = item(found, 0).call;
    assert.equal(log.slice(g.start, g.end), log.slice(at(log, 'Genotype('), at(log, '2, 6))') + 6));
    assert.equal(item(found, 0).top.assignedTo, undefined, 'not at statement start');
    assert.deepEqual(pairs(kwarg(g, 'normal')), [['sep_conv_3x3', 0], ['dil_conv_5x5', 1]]);

    const yaml = 'search:\n  arch: [[0, 1], [2]]   # a comment\n  ops:\n    - [1, 2]\n    - "x"\n';
    const top = checkDocument(yaml);
    assert.deepEqual(
      top.map((t) => yaml.slice(t.expr.start, t.expr.end)),
      ['[[0, 1], [2]]', '[1, 2]'],
    );
  });

  it('does not read code inside strings, docstrings or comments', () => {
    const text = [
      '"""Module doc: DARTS = Genotype(normal=[], normal_concat=[], reduce=[], reduce_concat=[])',
      "still the docstring ' \" Genotype(",
      '"""',
      'def f():',
      "    '''Genotype(normal=[])'''",
      '    # Genotype(normal=[("skip_connect", 0)])',
      "    s = r'Genotype(x)' + b\"Genotype(y)\" + f'{Genotype(z)}'",
      "    return 'it''s' # Genotype(",
      'REAL = Genotype(normal=[], normal_concat=[], reduce=[], reduce_concat=[])',
    ].join('\n');
    const found = calls(text, 'Genotype');
    assert.equal(found.length, 1);
    assert.equal(item(found, 0).call.start, at(text, 'REAL = ') + 7);
    assert.equal(item(found, 0).top.assignedTo, 'REAL');
    // `f()` after def: the parameters, not a call
    assert.equal(calls(text, 'f').length, 0);
    // an unterminated triple-quoted string runs to the end of the text
    assert.deepEqual(checkDocument('x = [1]\ns = """doc\nGenotype(normal=[])\n'), [{ expr: { kind: 'list', items: [{ kind: 'num', value: 1, start: 5, end: 6 }], start: 4, end: 7 }, assignedTo: 'x' }]);
  });

  it('folds signs into numbers and reads number forms', () => {
    const text = 'xs = [-1, - 2.5, +3, -0x10, 1_000, 1e-3, .5, 0b101, 0o17, --4, -(4), 5 - 6, 3x3, 1j]';
    const items = as(item(checkDocument(text), 0).expr, 'list').items;
    assert.deepEqual(items.slice(0, 10).map((x) => as(x, 'num').value), [-1, -2.5, 3, -16, 1000, 0.001, 0.5, 5, 15, 4]);
    assert.deepEqual([item(items, 0).start, item(items, 0).end], [6, 8]);
    assert.equal(text.slice(item(items, 1).start, item(items, 1).end), '- 2.5');
    assert.equal(text.slice(item(items, 9).start, item(items, 9).end), '--4');
    // a sign on a parenthesised number, a binary operator, a bad number, an imaginary: 'other', exact text
    assert.deepEqual(
      items.slice(10).map((x) => [x.kind, text.slice(x.start, x.end)]),
      [
        ['other', '-(4)'],
        ['other', '5 - 6'],
        ['other', '3x3'],
        ['other', '1j'],
      ],
    );
    const sub = as(items[11], 'other').parts ?? [];
    assert.deepEqual(sub.map((x) => as(x, 'num').value), [5, 6]);
  });

  it('concatenates adjacent strings and unescapes them', () => {
    const text = `s = ('sep_' "conv_3x3"\n     '_x', 'a\\tb\\x41\\u00e9\\\\\\'', r'\\n\\d', b'by', f'{x}', 'open\n)\nz = [1]`;
    const top = checkDocument(text);
    const t = as(item(top, 0).expr, 'tuple');
    assert.deepEqual(t.items[0], { kind: 'str', value: 'sep_conv_3x3_x', start: 5, end: at(text, "'_x'") + 4 });
    assert.equal(as(t.items[1], 'str').value, "a\tbAé\\'");
    assert.equal(as(t.items[2], 'str').value, '\\n\\d');
    assert.equal(as(t.items[3], 'str').value, 'by');
    assert.equal(item(t.items, 4).kind, 'other');
    // an unterminated string ends at the end of its line: the `)` on the next line closes the tuple
    assert.deepEqual([item(t.items, 5).kind, text.slice(item(t.items, 5).start, item(t.items, 5).end)], ['other', "'open"]);
    assert.equal(t.end, at(text, ')\nz') + 1);
    assert.deepEqual([top.length, item(top, 1).assignedTo, item(top, 1).expr.start], [2, 'z', text.length - 3]);
  });

  it('sets assignedTo for NAME = and NAME: T = at statement start only', () => {
    const text = [
      DARTS_V2,
      "PDARTS: Genotype = Genotype(normal=[('skip_connect', 0)], normal_concat=[2], reduce=[], reduce_concat=[2])",
      'self.genotype = Genotype([], [2], [], [2])',
      'x: Optional[Genotype] = Genotype([], [], [], [])',
      'print(Genotype([], [], [], []))',
      'archs[0] = Genotype([], [], [], [])',
      'y = 1 + Genotype([], [], [], [])',
      'a = b = Genotype([], [], [], [])',
      'if ok: c = Genotype([], [], [], [])',
      'else: d = Genotype([], [], [], [])',
      'f = lambda: Genotype([], [], [], [])',
    ].join('\n');
    const top = checkDocument(text);
    assert.deepEqual(
      top.map((t) => [t.assignedTo, t.expr.kind === 'call' ? t.expr.callee : t.expr.kind]),
      [
        ['DARTS_V2', 'Genotype'],
        ['PDARTS', 'Genotype'],
        ['self.genotype', 'Genotype'],
        ['x', 'Genotype'],
        [undefined, 'print'],
        [undefined, 'Genotype'],
        [undefined, 'Genotype'],
        ['a', 'Genotype'],
        ['c', 'Genotype'],
        ['d', 'Genotype'],
        [undefined, 'Genotype'],
      ],
    );
    const pd = item(top, 1).expr;
    assert.equal(pd.start, at(text, 'PDARTS: Genotype = ') + 19);
    // a backslash continues the line
    const cont = 'G = \\\n    Genotype([], [], [], [])\nH = \\\r\n  [1]';
    assert.deepEqual(
      checkDocument(cont).map((t) => [t.assignedTo, t.expr.start]),
      [
        ['G', at(cont, 'Genotype')],
        ['H', at(cont, '[1]')],
      ],
    );
  });

  it('reads nested calls and attribute access on a call as other, keeping the rest', () => {
    const text = "G = Genotype(normal=np.array([('sep_conv_3x3', 0)]).tolist(), normal_concat=[2], reduce=[('skip_connect', 1)], reduce_concat=[2])";
    const g = as(item(checkDocument(text), 0).expr, 'call');
    assert.deepEqual(g.kwargs.map((k) => k.name), ['normal', 'normal_concat', 'reduce', 'reduce_concat']);
    const normal = as(kwarg(g, 'normal'), 'other');
    assert.equal(text.slice(normal.start, normal.end), "np.array([('sep_conv_3x3', 0)]).tolist()");
    const inner = as(normal.parts?.[0], 'call');
    assert.equal(inner.callee, 'np.array');
    assert.deepEqual(pairs(item(inner.args, 0)), [['sep_conv_3x3', 0]]);
    assert.deepEqual(pairs(kwarg(g, 'reduce')), [['skip_connect', 1]]);
    // *args / **kw are 'other' items; comprehensions, lambdas and subscripts are 'other'
    const h = as(item(checkDocument('f(*a, b, **kw, key=lambda x, y: x[1:2], xs=[i for i in range(3)], d={k: v for k, v in e})'), 0).expr, 'call');
    assert.deepEqual(h.args.map((a) => a.kind), ['other', 'name', 'other']);
    assert.deepEqual(h.kwargs.map((k) => [k.name, k.value.kind]), [['key', 'other'], ['xs', 'other'], ['d', 'other']]);
  });

  it('walks depth-first in text order and can skip children', () => {
    const e = as(item(checkDocument('f(1, [2, (3, 4)], k={5: 6}, *r)'), 0).expr, 'call');
    const seen: string[] = [];
    walk(e, (x) => {
      seen.push(x.kind === 'num' ? String(x.value) : x.kind);
      return x.kind !== 'tuple';
    });
    assert.deepEqual(seen, ['call', '1', 'list', '2', 'tuple', 'dict', '5', '6', 'other', 'name']);
  });
});

describe('Python expressions: broken input', () => {
  it('x = foo( unclosed at the end of the file', () => {
    const text = 'x = foo(';
    const top = checkDocument(text);
    assert.equal(top.length, 1);
    const c = as(item(top, 0).expr, 'call');
    assert.deepEqual([c.callee, c.start, c.end, c.args.length, item(top, 0).assignedTo], ['foo', 4, 8, 0, 'x']);
    const r = parseExpression('foo(');
    assert.ok(!r.ok);
    assert.deepEqual([r.message, r.start, r.end], ["'(' was never closed", 3, 4]);
    for (const s of ['(', '[', '{', "'", '"""', 'x = [1,', 'f(a=', 'lambda', '\\', '#', ')']) checkDocument(s);
  });

  it('recovers from mismatched brackets: a later genotype is still found', () => {
    const later = "DARTS = Genotype(normal=[('skip_connect', 0)], normal_concat=[2], reduce=[], reduce_concat=[2])";
    const text = `bad = foo([1, 2)\nworse = [3, 4)\nstray = 1)]\n${later}\n`;
    const top = checkDocument(text);
    assert.deepEqual(
      top.map((t) => [t.assignedTo, text.slice(t.expr.start, t.expr.end)]),
      [
        ['bad', 'foo([1, 2)'],
        ['worse', '[3, 4)'],
        ['DARTS', later.slice('DARTS = '.length)],
      ],
    );
    // `[1, 2` was closed by the `)` of foo(
    const foo = as(item(top, 0).expr, 'call');
    assert.deepEqual(nums(item(foo.args, 0)), [1, 2]);
    assert.deepEqual([item(foo.args, 0).start, item(foo.args, 0).end], [10, 15]);
    const r = parseExpression('[3, 4)');
    assert.ok(!r.ok);
    assert.deepEqual([r.message, r.start, r.end], ["')' does not close '['", 5, 6]);
  });

  it('closes brackets left open when a statement keyword starts a line', () => {
    const g = "Genotype(normal=[], normal_concat=[2], reduce=[], reduce_concat=[2])";
    const text = `opts = dict(lr=0.1,\n\ndef build():\n    return ${g}\n\nclass Net(nn.Module):\n    pass\nX = ${g}\n`;
    const top = checkDocument(text);
    const found = calls(text, 'Genotype');
    assert.equal(found.length, 2);
    assert.equal(item(found, 0).call.start, at(text, 'return ') + 7);
    assert.equal(item(found, 1).top.assignedTo, 'X');
    assert.equal(text.slice(item(top, 0).expr.start, item(top, 0).expr.end), 'dict(lr=0.1,');
  });

  it('keeps reading items after junk inside a bracket', () => {
    const text = "xs = [1 2, ('a', 0) oops, [3]]";
    const list = as(item(checkDocument(text), 0).expr, 'list');
    assert.deepEqual(
      list.items.map((x) => [x.kind, text.slice(x.start, x.end)]),
      [
        ['other', '1 2'],
        ['other', "('a', 0) oops"],
        ['list', '[3]'],
      ],
    );
    assert.equal(as(as(list.items[1], 'other').parts?.[0], 'tuple').items.length, 2);
  });

  it('caps nesting depth and total nodes', () => {
    const n = 5000;
    const deep = `${'['.repeat(n)}${']'.repeat(n)} + [1]`;
    const top = checkDocument(deep);
    assert.equal(top.length, 2);
    let depth = 0;
    let e: PyExpr = item(top, 0).expr;
    while (e.kind === 'list') {
      depth++;
      assert.ok(e.items.length <= 1);
      if (e.items.length === 0) break;
      e = item(e.items, 0);
    }
    assert.equal(depth, PY_MAX_DEPTH);
    assert.deepEqual([e.kind, e.start, e.end], ['other', PY_MAX_DEPTH, 2 * n - PY_MAX_DEPTH]);
    // deep unclosed, deep prefixes and lambdas: no stack overflow
    checkDocument('('.repeat(100_000));
    checkDocument(`[${'-'.repeat(100_000)}1, ${'lambda: '.repeat(20_000)}1, ${'not '.repeat(20_000)}x]`);
    const r = parseExpression(`${'-'.repeat(100_001)}1`);
    assert.ok(r.ok && r.expr.kind === 'num' && r.expr.value === -1 && r.expr.start === 0);

    const big = `[${'1,'.repeat(PY_MAX_NODES + 10)}]\nafter = (1, 2)\n`;
    const t = topLevelExpressions(big);
    assert.equal(t.length, 1, 'reading stops at the node cap');
    const items = as(item(t, 0).expr, 'list').items;
    assert.ok(items.length <= PY_MAX_NODES && items.length > PY_MAX_NODES - 10, `${items.length} items`);
  });

  it('caches the last document', () => {
    const text = `${DARTS_V2}\n${PC_DARTS}`;
    const a = topLevelExpressions(text);
    assert.equal(topLevelExpressions(`${DARTS_V2}\n${PC_DARTS}`), a, 'the same string: the same result');
    topLevelExpressions('other = [1]');
    assert.notEqual(topLevelExpressions(text), a, 'a one-entry cache');
    assert.deepEqual(topLevelExpressions(text), a);
  });
});

describe('parseExpression', () => {
  it('parses one expression with whitespace and comments around it', () => {
    const r = parseExpression("  # the cell\n [('sep_conv_3x3', 0),\n  ('skip_connect', 1)]  # end\n\n");
    assert.ok(r.ok);
    assert.deepEqual(pairs(r.expr), [['sep_conv_3x3', 0], ['skip_connect', 1]]);
    assert.equal(r.expr.start, 14);
    const t = parseExpression('1, 2,');
    assert.ok(t.ok && t.expr.kind === 'tuple' && t.expr.items.length === 2);
    const p = parseExpression('(x)');
    assert.ok(p.ok);
    assert.deepEqual(p.expr, { kind: 'name', name: 'x', start: 1, end: 2 });
    const g = parseExpression('(x for x in y if x)');
    assert.ok(g.ok && g.expr.kind === 'other' && g.expr.start === 0 && g.expr.end === 19);
    const d = parseExpression('{1: "a", **rest}');
    assert.ok(d.ok && d.expr.kind === 'other');
    const s = parseExpression('{1, 2}');
    assert.ok(s.ok && s.expr.kind === 'set' && s.expr.items.length === 2);
    const e = parseExpression('{}');
    assert.ok(e.ok && e.expr.kind === 'dict' && e.expr.entries.length === 0);
    const call = parseExpression('a.b.c(1)[0].d');
    assert.ok(call.ok && call.expr.kind === 'other');
  });

  it('reports the first problem with its range', () => {
    const cases: [string, string, number, number][] = [
      ['', 'no expression', 0, 0],
      ['  # only a comment', 'no expression', 0, 18],
      ['x = 1', "unexpected '=' after the expression", 2, 3],
      ['[1, 2', "'[' was never closed", 0, 1],
      // At the end of the text: its last character (ranges never reach past the text).
      ['1 +', 'expected an expression at the end', 2, 3],
      ['[1 2]', "expected ',' or a closing bracket, found '2'", 3, 4],
      ["'abc", 'unterminated string', 0, 4],
      ['[1,, 2]', "expected an item, found ','", 3, 4],
      ['f(a=)', "expected a value, found ')'", 4, 5],
      ['1 $', "unexpected '$' after the expression", 2, 3],
      [')', "expected an expression, found ')'", 0, 1],
    ];
    for (const [text, message, start, end] of cases) {
      const r = parseExpression(text);
      assert.ok(!r.ok, text);
      assert.deepEqual([r.message, r.start, r.end], [message, start, end], text);
    }
  });
});

describe('Python expressions: properties', () => {
  const PIECES = [
    'Genotype(', 'api.ModelSpec(', 'normal=', 'ops=', 'range(2, 6)', "('sep_conv_3x3', 0)", '[', ']', '(', ')', '{', '}', ',', ':', '=', '.',
    "'", '"', '"""', "'''", 'r', 'f', 'b', '#', '\n', '\r\n', '\\', ' ', '\t', '-', '+', '*', '**', '0x1F', '1_0', '1.5e-3', '3x3', '12',
    'lambda', 'for', 'in', 'if', 'else', 'not', 'yield', 'def', 'class', 'return', 'import', 'x', 'é', '\u{1F600}', '\uD800', '...', ';', '@',
    'true', 'null', '- ', ': ',
  ];
  const mix = fc.array(fc.constantFrom(...PIECES), { maxLength: 80 }).map((xs) => xs.join(''));
  const utf16 = fc.string({ unit: fc.integer({ min: 0, max: 0xffff }).map((c) => String.fromCharCode(c)), maxLength: 200 });
  const anyText = fc.oneof(mix, mix, mix, fc.string({ maxLength: 200 }), utf16);

  it('random text never throws; spans lie in the text and children inside their parent', () => {
    fc.assert(
      fc.property(anyText, (text) => {
        checkDocument(text);
        const r = parseExpression(text);
        if (r.ok) checkSpans(r.expr, 0, text.length);
        else assert.ok(Number.isInteger(r.start) && 0 <= r.start && r.start <= r.end && r.end <= text.length, `problem ${r.start}..${r.end}`);
      }),
      params(500),
    );
  });

  it('finds every genotype embedded in random code, at its offsets', () => {
    const keywords = new Set(
      'and as assert async await break class continue def del elif else except finally for from global if import in is lambda nonlocal not or pass raise return try while with yield'.split(' '),
    );
    const ident = fc.stringMatching(/^[a-z_][a-z0-9_]{0,7}$/).filter((s) => !keywords.has(s));
    const line = fc.oneof(
      fc.tuple(ident, ident).map(([a, b]) => `${a} = ${b}`),
      fc.tuple(ident, ident).map(([a, b]) => `${a}(${b}, [1, 2])`),
      fc.tuple(ident).map(([a]) => `# Genotype(${a})`),
      fc.tuple(ident).map(([a]) => `s = "Genotype(${a})"`),
      fc.constant('"""\nGenotype(x)\n"""'),
      fc.constant(''),
    );
    const op = fc.constantFrom('sep_conv_3x3', 'skip_connect', 'max_pool_3x3');
    const geno = fc.tuple(ident, fc.array(fc.tuple(op, fc.integer({ min: 0, max: 4 })), { minLength: 1, maxLength: 4 }));
    const doc = fc.array(fc.oneof({ arbitrary: line, weight: 3 }, { arbitrary: geno, weight: 1 }), { maxLength: 15 });
    fc.assert(
      fc.property(doc, (lines) => {
        let text = '';
        const want: { name: string; start: number; end: number; cell: [string, number][] }[] = [];
        for (const l of lines) {
          if (typeof l === 'string') text += `${l}\n`;
          else {
            const [name, cell] = l;
            const src = `Genotype(normal=[${cell.map(([o, i]) => `('${o}', ${i})`).join(',\n    ')}], normal_concat=range(2, 6))`;
            const start = text.length + name.length + 3;
            want.push({ name, start, end: start + src.length, cell });
            text += `${name} = ${src}\n`;
          }
        }
        const found = calls(text, 'Genotype');
        assert.deepEqual(
          found.map((f) => [f.top.assignedTo, f.call.start, f.call.end, pairs(kwarg(f.call, 'normal'))]),
          want.map((w) => [w.name, w.start, w.end, w.cell]),
          text,
        );
      }),
      params(200),
    );
  });
});
