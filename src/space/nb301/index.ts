/**
 * NAS-Bench-301 (Siems et al., 2020): the DARTS search space. An architecture is a normal and a reduce cell,
 * each with 4 intermediate nodes (2..5) taking two distinct inputs from earlier nodes (0 = c_{k-2},
 * 1 = c_{k-1}) through one of 7 ops; the cell output concatenates nodes 2..5. About 10^18 architectures,
 * so the space is sampled, never enumerated.
 *
 * Written as a DARTS `Genotype(...)` (Python) or NASLib's compact `[[(in, op) x 8], [(in, op) x 8]]`; both
 * are read with the Python expression reader, so genotypes may span lines, hold comments and sit inside
 * larger expressions. Canonical key: the compact form with each node's two pairs sorted.
 *
 * Features (GATES 'edge-ops', 2 cells): per cell the 14 possible edges (node k <- j, j < k) carry the op
 * index (0..6) or 7 = none; inputs 0 and 1 have their own embeddings and the cell's encoding is the mean
 * of nodes 2..5. Sequence view (LSTM): per cell and node the two (input, op) pairs, input tokens 0..4 and
 * op tokens 5..11: 32 tokens.
 */
import { NB301_TRIGGERS } from './triggers';
import { isInt, isSeq, type PyExpr, type PySeq, parseExpression, topLevelExpressions, walk } from '../python/expr';
import type { ArchProblem, FoundArch, ParseResult, Random, SearchSpace } from '../types';
import { clip } from '../types';
import {
  type DartsGenotype,
  declaredGenotypeFields,
  isGenotypeCall,
  isGenotypeLiteral,
  NB301_NODES,
  NB301_OPS,
  nb301Problems,
  NOT_CNN_GENOTYPE,
  otherGenotype,
  readGenotype,
} from './genotype';

export { NB301_OPS } from './genotype';
export const NB301_ID = 'nb301';

export interface Nb301Edge {
  /** Input node, 0..k-1 for node k. */
  readonly from: number;
  /** Index into NB301_OPS. */
  readonly op: number;
}

/** Normal and reduce cell, 8 edges each: node k's two edges at 2(k-2) and 2(k-2)+1, in canonical order. */
export interface Nb301Arch {
  readonly normal: readonly Nb301Edge[];
  readonly reduce: readonly Nb301Edge[];
}

const NONE = NB301_OPS.length;
const EDGE_FROM: number[] = [];
const EDGE_TO: number[] = [];
for (let to = 2; to < 2 + NB301_NODES; to++) {
  for (let from = 0; from < to; from++) {
    EDGE_FROM.push(from);
    EDGE_TO.push(to);
  }
}
const EDGES_PER_CELL = EDGE_FROM.length; // 14
const slotOf = (from: number, to: number): number => ((to - 2) * (to + 1)) / 2 + from;
const COMPACT_SHAPE = 'NASLib compact form: [[(input, op) x 8], [(input, op) x 8]], normal cell then reduce cell, ops 0..6';

function canonicalCell(edges: readonly Nb301Edge[]): Nb301Edge[] {
  const out: Nb301Edge[] = [];
  // Every cell has two edges per node.
  for (let k = 0; k < edges.length; k += 2) {
    const pair = [edges[k]!, edges[k + 1]!].sort((a, b) => a.from - b.from || a.op - b.op);
    out.push(...pair.map((e) => ({ from: e.from, op: e.op })));
  }
  return out;
}

const cellText = (c: readonly Nb301Edge[]): string => `[${c.map((e) => `(${e.from}, ${e.op})`).join(', ')}]`;

export function nb301Key(a: Nb301Arch): string {
  return `[${cellText(canonicalCell(a.normal))}, ${cellText(canonicalCell(a.reduce))}]`;
}

/** The architecture as a DARTS genotype in Python. */
export function nb301ToGenotype(a: Nb301Arch): string {
  const cell = (c: readonly Nb301Edge[]): string => `[${canonicalCell(c).map((e) => `('${NB301_OPS[e.op]}', ${e.from})`).join(', ')}]`;
  return `Genotype(normal=${cell(a.normal)}, normal_concat=[2, 3, 4, 5], reduce=${cell(a.reduce)}, reduce_concat=[2, 3, 4, 5])`;
}

function fromGenotype(g: DartsGenotype): Nb301Arch {
  const cell = (c: DartsGenotype['normal']): Nb301Edge[] => canonicalCell(c.edges.map((e) => ({ from: e.from, op: (NB301_OPS as readonly string[]).indexOf(e.op) })));
  return { normal: cell(g.normal), reduce: cell(g.reduce) };
}

/** Interprets a Genotype call: ok, or problems; `unscorable` when it is a well-formed genotype outside NB301. */
function interpretGenotype(call: Extract<PyExpr, { kind: 'call' }>, declared?: readonly string[]): { result: ParseResult<Nb301Arch>; unscorable?: string } {
  const other = otherGenotype(call, declared);
  if (other) return { result: { ok: false, problems: [other] }, unscorable: NOT_CNN_GENOTYPE };
  const r = readGenotype(call);
  if (!r.ok) return { result: r };
  const { problems, reason } = nb301Problems(r.arch);
  if (problems.length > 0) return { result: { ok: false, problems }, unscorable: reason };
  const arch = fromGenotype(r.arch);
  return { result: { ok: true, arch, key: nb301Key(arch) } };
}

const isIntPair = (e: PyExpr): boolean => isSeq(e) && e.items.length === 2 && e.items.every(isInt);

/** True when `e` has the compact form's shape: two sequences of 8 integer pairs. */
function looksCompact(e: PyExpr): boolean {
  return isSeq(e) && e.items.length === 2 && e.items.every((c) => isSeq(c) && c.items.length === 8 && c.items.every(isIntPair));
}

/** As interpretGenotype: one input twice is a well-formed cell outside NB-301 (information, unscorable). */
function interpretCompact(e: PyExpr): { result: ParseResult<Nb301Arch>; unscorable?: string } {
  if (!looksCompact(e)) return { result: { ok: false, problems: [{ message: `expected the ${COMPACT_SHAPE}`, start: e.start, end: Math.max(e.end, e.start + 1) }] } };
  const problems: ArchProblem[] = [];
  const outside: ArchProblem[] = [];
  const cells = (e as PySeq).items.map((c, ci) =>
    (c as PySeq).items.map((pair, j) => {
      const [from, op] = (pair as PySeq).items as [Extract<PyExpr, { kind: 'num' }>, Extract<PyExpr, { kind: 'num' }>];
      const node = 2 + Math.floor(j / 2);
      if (from.value < 0 || from.value >= node) problems.push({ message: `node ${node} can take inputs 0..${node - 1}, not ${from.value}`, start: from.start, end: from.end });
      if (op.value < 0 || op.value >= NB301_OPS.length) problems.push({ message: `op index ${op.value} out of range: 0..6 = ${NB301_OPS.join(', ')}`, start: op.start, end: op.end });
      if (j % 2 === 1) {
        const prev = ((c as PySeq).items[j - 1] as PySeq).items[0] as Extract<PyExpr, { kind: 'num' }>;
        if (prev.value === from.value) {
          outside.push({ message: `in NAS-Bench-301 the two inputs of a node differ; node ${node} of the ${ci === 0 ? 'normal' : 'reduce'} cell takes input ${from.value} twice`, start: from.start, end: from.end, severity: 'info' });
        }
      }
      return { from: from.value, op: op.value };
    }),
  );
  if (problems.length > 0) return { result: { ok: false, problems: [...problems, ...outside] } };
  if (outside.length > 0) return { result: { ok: false, problems: outside }, unscorable: 'a node takes one input twice' };
  // looksCompact: two cells.
  const arch = { normal: canonicalCell(cells[0]!), reduce: canonicalCell(cells[1]!) };
  return { result: { ok: true, arch, key: nb301Key(arch) } };
}

export function parseNb301(text: string): ParseResult<Nb301Arch> {
  const r = parseExpression(text);
  if (!r.ok) return { ok: false, problems: [{ message: r.message, start: r.start, end: Math.max(r.end, r.start + 1) }] };
  if (isGenotypeCall(r.expr)) return interpretGenotype(r.expr).result;
  if (isSeq(r.expr) && r.expr.items.length === 2 && r.expr.items.every(isSeq)) return interpretCompact(r.expr).result;
  return { ok: false, problems: [{ message: `a NAS-Bench-301 architecture is a DARTS Genotype(normal=[...], normal_concat=..., reduce=[...], reduce_concat=...) or the ${COMPACT_SHAPE}; got "${clip(text.trim())}"`, start: 0, end: Math.max(1, text.length) }] };
}

/** The start of a compact form, `[[(0, 1),` or `[[[0, 1],`: without it or a `Genotype`, a document is not read. */
const COMPACT_HINT = /[[(][ \t\r\n]*[[(][ \t\r\n]*\d+[ \t]*,[ \t]*\d+[ \t]*[\])][ \t\r\n]*,/;

export function scanNb301(text: string): FoundArch<Nb301Arch>[] {
  const out: FoundArch<Nb301Arch>[] = [];
  if (!text.includes('Genotype') && !COMPACT_HINT.test(text)) return out;
  const tops = topLevelExpressions(text);
  // A document with its own Genotype of other fields (DARTS RNN: recurrent, concat) holds no CNN genotypes.
  const declared = text.includes('namedtuple') ? declaredGenotypeFields(tops) : undefined;
  for (const top of tops) {
    walk(top.expr, (e) => {
      if (isGenotypeCall(e)) {
        // A genotype built from variables is code, not an architecture: nothing to report.
        if (!isGenotypeLiteral(e)) return true;
        const { result, unscorable } = interpretGenotype(e, declared);
        out.push({ space: NB301_ID, start: e.start, end: e.end, text: text.slice(e.start, e.end), form: 'genotype', result, unscorable, name: top.expr === e ? top.assignedTo : undefined });
        return false;
      }
      if (looksCompact(e)) {
        const { result, unscorable } = interpretCompact(e);
        out.push({ space: NB301_ID, start: e.start, end: e.end, text: text.slice(e.start, e.end), form: 'naslib-compact', result, unscorable, name: top.expr === e ? top.assignedTo : undefined });
        return false;
      }
      return true;
    });
  }
  return out;
}

function features(a: Nb301Arch): { ops: number[]; tokens: number[] } {
  const ops = new Array<number>(2 * EDGES_PER_CELL).fill(NONE);
  const tokens: number[] = [];
  [a.normal, a.reduce].forEach((cell, c) => {
    canonicalCell(cell).forEach((e, j) => {
      ops[c * EDGES_PER_CELL + slotOf(e.from, 2 + Math.floor(j / 2))] = e.op;
      tokens.push(e.from, 2 + NB301_NODES - 1 + e.op);
    });
  });
  return { ops, tokens };
}

function describe(a: Nb301Arch): string[] {
  const row = (name: string, cell: readonly Nb301Edge[]): string => {
    const c = canonicalCell(cell);
    const nodes = Array.from({ length: NB301_NODES }, (_, k) => {
      const a = c[2 * k]!;
      const b = c[2 * k + 1]!;
      return `${NB301_OPS[a.op]} ← ${a.from}, ${NB301_OPS[b.op]} ← ${b.from}`;
    });
    return `| ${name} | ${nodes.join(' | ')} |`;
  };
  return ['| cell | node 2 | node 3 | node 4 | node 5 |', '|---|---|---|---|---|', row('normal', a.normal), row('reduce', a.reduce), '', 'Inputs: 0 = c_{k-2}, 1 = c_{k-1}, 2..5 = intermediate nodes; output = concat(2, 3, 4, 5).'];
}

/** One edge changed: another op, or another input (not the node's other input). */
function neighbours(a: Nb301Arch): { arch: Nb301Arch; change: string }[] {
  const out: { arch: Nb301Arch; change: string }[] = [];
  (['normal', 'reduce'] as const).forEach((name) => {
    const cell = a[name];
    cell.forEach((e, j) => {
      const node = 2 + Math.floor(j / 2);
      const partner = cell[j % 2 === 0 ? j + 1 : j - 1];
      const put = (edge: Nb301Edge, change: string): void => {
        const next = cell.map((x, i) => (i === j ? edge : x));
        out.push({ arch: { ...a, [name]: canonicalCell(next) }, change: `${name} node ${node}: ${change}` });
      };
      NB301_OPS.forEach((op, o) => {
        if (o !== e.op) put({ from: e.from, op: o }, `${op} <- ${e.from}`);
      });
      for (let from = 0; from < node; from++) {
        if (from !== e.from && from !== partner?.from) put({ from, op: e.op }, `${NB301_OPS[e.op]} <- ${from} (was ${e.from})`);
      }
    });
  });
  return out;
}

/**
 * The compact form is rewritten whole. A genotype keeps its layout and comments: only the op name or the
 * input number of the one edge that differs is replaced.
 */
function renderNb301(a: Nb301Arch, found: FoundArch<Nb301Arch>): string | undefined {
  if (found.form === 'naslib-compact') return nb301Key(a);
  if (found.form !== 'genotype') return undefined;
  const r = parseExpression(found.text);
  if (!r.ok || !isGenotypeCall(r.expr)) return undefined;
  const g = readGenotype(r.expr);
  if (!g.ok) return undefined;
  const edits: { start: number; end: number; text: string }[] = [];
  for (const name of ['normal', 'reduce'] as const) {
    const src = g.arch[name].edges;
    const want = a[name];
    for (let k = 0; k < NB301_NODES; k++) {
      const orig = src.slice(2 * k, 2 * k + 2);
      const target = want.slice(2 * k, 2 * k + 2).map((e) => ({ from: e.from, op: NB301_OPS[e.op] ?? '' }));
      const missing = orig.filter((e) => !target.some((t) => t.from === e.from && t.op === e.op));
      const extra = target.filter((t) => !orig.some((e) => t.from === e.from && t.op === e.op));
      if (missing.length === 0) continue;
      const [m] = missing;
      const [x] = extra;
      if (missing.length !== 1 || !m || !x) return undefined;
      const quote = found.text[m.opAt.start] ?? "'";
      if (m.op !== x.op) edits.push({ start: m.opAt.start, end: m.opAt.end, text: `${quote}${x.op}${quote}` });
      if (m.from !== x.from) edits.push({ start: m.fromAt.start, end: m.fromAt.end, text: String(x.from) });
    }
  }
  let text = found.text;
  for (const e of edits.sort((p, q) => q.start - p.start)) text = `${text.slice(0, e.start)}${e.text}${text.slice(e.end)}`;
  return text;
}

function randomCell(random: Random): Nb301Edge[] {
  const edges: Nb301Edge[] = [];
  for (let node = 2; node < 2 + NB301_NODES; node++) {
    const a = Math.floor(random() * node);
    let b = Math.floor(random() * (node - 1));
    if (b >= a) b++;
    for (const from of [a, b]) edges.push({ from, op: Math.floor(random() * NB301_OPS.length) });
  }
  return canonicalCell(edges);
}

export const nb301Space: SearchSpace<Nb301Arch> = {
  id: NB301_ID,
  triggerPatterns: NB301_TRIGGERS,
  title: 'NAS-Bench-301 (DARTS)',
  syntax: `Genotype(normal=[(op, input) x 8], normal_concat=[2, 3, 4, 5], reduce=[...], reduce_concat=[2, 3, 4, 5]) with ops ${NB301_OPS.join(', ')}, or the ${COMPACT_SHAPE}`,
  encoderInput: {
    numOps: NB301_OPS.length + 1,
    graph: { kind: 'edge-ops', numNodes: 2 + NB301_NODES, edgeFrom: EDGE_FROM, edgeTo: EDGE_TO, noneOp: NONE, inputs: 2, outputs: [2, 3, 4, 5], cells: 2 },
    seqVocab: 2 + NB301_NODES - 1 + NB301_OPS.length,
    seqLength: 2 * 2 * 2 * NB301_NODES,
  },
  encoders: ['gates', 'lstm'],
  sizeText: 'about 10^18 (sampled, not enumerated)',
  parse: parseNb301,
  scan: scanNb301,
  key: nb301Key,
  lint: () => [],
  describe,
  neighbours,
  render: renderNb301,
  features,
  sample(random, n) {
    const out: Nb301Arch[] = [];
    const seen = new Set<string>();
    for (let attempts = 0; out.length < n && attempts < n * 20 + 100; attempts++) {
      const a = { normal: randomCell(random), reduce: randomCell(random) };
      const k = nb301Key(a);
      if (seen.has(k)) continue;
      seen.add(k);
      out.push(a);
    }
    return out;
  },
};
