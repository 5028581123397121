/**
 * NAS-Bench-101 (Ying et al., ICML 2019): cells with ops on up to 7 vertices (input, up to 5 of conv3x3-bn-relu,
 * conv1x1-bn-relu, maxpool3x3, output), an upper-triangular adjacency with at most 9 edges. Written as in the
 * nasbench API, `api.ModelSpec(matrix=[[0, 1, ...], ...], ops=[INPUT, CONV3X3, ..., OUTPUT])` (keywords or
 * positional, op strings or the API's constants, `np.array(...)` around the matrix), or as a mapping
 * `{'matrix': ..., 'ops': ...}`. As ModelSpec does, vertices off every input-output path are pruned; the key
 * is invariant under graph isomorphism (the declared node-cell machinery, declared/nodeCell.ts).
 */
import { NB101_TRIGGERS } from './triggers';
import { INPUT, type NodeCellArch, nodeCellInterpreter, nodeCellSpace, OUTPUT } from '../declared/nodeCell';
import type { Lit } from '../declared/literal';
import { isSeq, lastSegment, type PyExpr, parseExpression, topLevelExpressions, walk } from '../python/expr';
import type { FoundArch, ParseResult, SearchSpace } from '../types';
import { clip } from '../types';

export const NB101_ID = 'nb101';
export const NB101_OPS = ['conv3x3-bn-relu', 'conv1x1-bn-relu', 'maxpool3x3'];

/** The nasbench API's op constants. */
const CONSTANTS: Record<string, string> = { INPUT, OUTPUT, CONV3X3: 'conv3x3-bn-relu', CONV1X1: 'conv1x1-bn-relu', MAXPOOL3X3: 'maxpool3x3' };
const DECL = { nodes: 7, ops: NB101_OPS, maxEdges: 9 };
const interpret = nodeCellInterpreter(DECL);
const SHAPE = 'ModelSpec(matrix=[[0, 1, ...], ...], ops=[INPUT, ..., OUTPUT])';
/** ModelSpec arguments that do not change the architecture. */
const IGNORED_ARGS = new Set(['data_format']);

/** `np.array(...)` / `numpy.asarray(...)` around a matrix. */
const NP_ARRAY_RE = /^(np|numpy)\.(array|asarray)$/;

/** A Python expression as the literal the node-cell reader takes: constants become their strings. */
function toLit(e: PyExpr): Lit {
  switch (e.kind) {
    case 'list':
    case 'tuple':
    case 'set':
      return { kind: 'list', items: e.items.map(toLit), start: e.start, end: e.end };
    case 'dict':
      return { kind: 'dict', entries: e.entries.map((x) => ({ key: toLit(x.key), value: toLit(x.value) })), start: e.start, end: e.end };
    case 'str':
      return { kind: 'str', value: e.value, start: e.start, end: e.end };
    case 'num':
      return { kind: 'num', value: e.value, start: e.start, end: e.end };
    case 'name': {
      const c = CONSTANTS[lastSegment(e.name)];
      return c ? { kind: 'str', value: c, start: e.start, end: e.end } : { kind: 'word', start: e.start, end: e.end };
    }
    case 'call': {
      // np.array([[...]]) around a matrix.
      const [first] = e.args;
      if (first && NP_ARRAY_RE.test(e.callee)) return toLit(first);
      return { kind: 'word', start: e.start, end: e.end };
    }
    default:
      return { kind: 'word', start: e.start, end: e.end };
  }
}

export function isModelSpecCall(e: PyExpr): e is Extract<PyExpr, { kind: 'call' }> {
  return e.kind === 'call' && lastSegment(e.callee) === 'ModelSpec';
}

/** True when the matrix and the ops are written out (lists or tuples, `np.array([...])` around the matrix). */
function isSpecLiteral(call: Extract<PyExpr, { kind: 'call' }>): boolean {
  const seq = (v: PyExpr | undefined): boolean => v !== undefined && isSeq(v);
  const matrix = (v: PyExpr | undefined): boolean => seq(v) || (v?.kind === 'call' && NP_ARRAY_RE.test(v.callee) && seq(v.args[0]));
  const byName = new Map(call.kwargs.map((k) => [k.name, k.value]));
  return matrix(call.args[0] ?? byName.get('matrix')) && seq(call.args[1] ?? byName.get('ops'));
}

/** A ModelSpec call as a `{matrix, ops}` mapping (positional arguments are matrix, ops). */
function callToLit(call: Extract<PyExpr, { kind: 'call' }>): Lit {
  const entries: { key: Lit; value: Lit }[] = call.args
    .slice(0, 2)
    .map((a, i) => ({ key: { kind: 'str', value: i === 0 ? 'matrix' : 'ops', start: a.start, end: a.end }, value: toLit(a) }));
  for (const kw of call.kwargs) {
    if (IGNORED_ARGS.has(kw.name)) continue;
    entries.push({ key: { kind: 'str', value: kw.name, start: kw.nameStart, end: kw.nameEnd }, value: toLit(kw.value) });
  }
  return { kind: 'dict', entries, start: call.start, end: call.end };
}

export function parseNb101(text: string): ParseResult<NodeCellArch> {
  const r = parseExpression(text);
  if (!r.ok) return { ok: false, problems: [{ message: r.message, start: r.start, end: Math.max(r.end, r.start + 1) }] };
  if (isModelSpecCall(r.expr)) return interpret(text, callToLit(r.expr), true) as ParseResult<NodeCellArch>;
  if (r.expr.kind === 'dict') return interpret(text, toLit(r.expr), true) as ParseResult<NodeCellArch>;
  return { ok: false, problems: [{ message: `a NAS-Bench-101 cell is ${SHAPE} or {'matrix': ..., 'ops': ...}; got "${clip(text.trim())}"`, start: 0, end: Math.max(1, text.length) }] };
}

export function scanNb101(text: string): FoundArch<NodeCellArch>[] {
  const out: FoundArch<NodeCellArch>[] = [];
  // Only documents that could hold a spec are read.
  if (!text.includes('ModelSpec') && !text.includes('matrix')) return out;
  for (const top of topLevelExpressions(text)) {
    walk(top.expr, (e) => {
      let result: ParseResult<NodeCellArch> | undefined;
      let form = '';
      if (isModelSpecCall(e)) {
        // A spec built from variables (`ModelSpec(matrix=matrix, ops=ops)`) is code, not an architecture.
        if (!isSpecLiteral(e)) return true;
        result = interpret(text, callToLit(e), true);
        form = 'model-spec';
      } else if (e.kind === 'dict') {
        // A mapping is this space's only when it has both keys and fits NB101's op names.
        const lit = toLit(e);
        result = interpret(text, lit, false);
        if (result && !result.ok && !mentionsNb101Ops(e)) result = undefined;
        form = 'mapping';
      }
      if (!result) return true;
      out.push({ space: NB101_ID, start: e.start, end: e.end, text: text.slice(e.start, e.end), form, result, name: top.expr === e ? top.assignedTo : undefined });
      return false;
    });
  }
  return out;
}

/** True when some string or constant under `e` is an NB101 op, so problems there are NB101's to report. */
function mentionsNb101Ops(e: PyExpr): boolean {
  let found = false;
  walk(e, (x) => {
    if ((x.kind === 'str' && NB101_OPS.includes(x.value)) || (x.kind === 'name' && NB101_OPS.includes(CONSTANTS[lastSegment(x.name)] ?? ''))) found = true;
    return !found;
  });
  return found;
}

const base = nodeCellSpace({ kind: 'cell', opsOn: 'nodes', name: NB101_ID, title: 'NAS-Bench-101', find: { keys: [] }, ...DECL } as Parameters<typeof nodeCellSpace>[0]);

export const nb101Space: SearchSpace<NodeCellArch> = {
  ...base,
  id: NB101_ID,
  triggerPatterns: NB101_TRIGGERS,
  title: 'NAS-Bench-101',
  syntax: `${SHAPE}: at most 7 vertices and 9 edges, an upper-triangular 0/1 matrix, ops ${NB101_OPS.join(', ')} (or the API constants CONV3X3, CONV1X1, MAXPOOL3X3)`,
  sizeText: '423,624 unique (sampled, not enumerated)',
  parse: parseNb101,
  scan: scanNb101,
  describe: (a) => {
    const lines = ['| vertex | op | inputs |', '|---:|---|---|'];
    a.ops.forEach((op, v) => {
      const ins = a.matrix.map((row, i) => (row[v] ? i : -1)).filter((i) => i >= 0);
      lines.push(`| ${v} | ${op} | ${ins.join(', ') || '—'} |`);
    });
    return lines;
  },
  declaration: undefined,
};
