/**
 * DARTS genotypes (Liu et al., ICLR 2019) as practitioners write them, read from a Python expression:
 * `Genotype(normal=[('sep_conv_3x3', 1), ...], normal_concat=range(2, 6), reduce=[...], reduce_concat=[2, 3, 4, 5])`
 * (keywords or positional, lists or tuples, `range(...)` or a list for concat), and NASLib's compact form
 * `[[(in_node, op) x 8], [(in_node, op) x 8]]` with op indices into NB301_OPS.
 *
 * A genotype lists two (op, input) pairs per intermediate node; node k (k >= 2) takes inputs from 0..k-1
 * (0 = c_{k-2}, 1 = c_{k-1}). Any DARTS-family genotype that is well formed parses into a DartsGenotype;
 * `nb301Problems` then says where it leaves NAS-Bench-301 (4 intermediate nodes, concat of all of them, the 7
 * NB301 ops, two distinct inputs per node), so that a NASNet or AmoebaNet genotype is recognised and the
 * editor can say why it cannot be scored.
 */
import type { ArchProblem, ParseResult } from '../types';
import { clip } from '../types';
import { isInt, isSeq, lastSegment, type PyExpr, type TopExpr } from '../python/expr';

/** NAS-Bench-301's ops, in NASLib's order (the compact form's op indices). */
export const NB301_OPS = ['max_pool_3x3', 'avg_pool_3x3', 'skip_connect', 'sep_conv_3x3', 'sep_conv_5x5', 'dil_conv_3x3', 'dil_conv_5x5'] as const;

/** Ops of DARTS-family code bases (DARTS, NASNet, AmoebaNet, PC-DARTS, P-DARTS) that NB301 does not contain. */
export const OTHER_DARTS_OPS = ['none', 'sep_conv_7x7', 'conv_7x1_1x7', 'conv_1x1', 'conv_3x3', 'dil_conv_7x7', 'max_pool_5x5', 'max_pool_7x7', 'avg_pool_5x5'];

export const NB301_NODES = 4;
export const NB301_CONCAT = [2, 3, 4, 5];

export interface GenotypeEdge {
  op: string;
  from: number;
  /** Ranges of the op and the input in the source. */
  opAt: Range;
  fromAt: Range;
}

export interface GenotypeCell {
  edges: GenotypeEdge[];
  concat: number[];
  at: Range;
  concatAt: Range;
}

export interface DartsGenotype {
  normal: GenotypeCell;
  reduce: GenotypeCell;
}

interface Range {
  start: number;
  end: number;
}

const SHAPE = 'Genotype(normal=[(op, input), ...], normal_concat=[2, 3, 4, 5], reduce=[...], reduce_concat=[...])';
const FIELDS = ['normal', 'normal_concat', 'reduce', 'reduce_concat'] as const;
const MAX_CELL_EDGES = 64;
/** What a Genotype that is no DARTS CNN genotype is, for the lens: it is not scored. */
export const NOT_CNN_GENOTYPE = 'not a DARTS CNN genotype';

export function isGenotypeCall(e: PyExpr): e is Extract<PyExpr, { kind: 'call' }> {
  return e.kind === 'call' && lastSegment(e.callee) === 'Genotype';
}

/**
 * True when every field of the call is written out (lists, tuples, `range(...)`): a genotype literal. Code that
 * builds a genotype from variables (`Genotype(normal=gene_normal, ...)`, `Genotype(*g)`) is not one.
 */
export function isGenotypeLiteral(call: Extract<PyExpr, { kind: 'call' }>): boolean {
  const literal = (v: PyExpr): boolean => isSeq(v) || (v.kind === 'call' && v.callee === 'range');
  return call.args.every(literal) && call.kwargs.every((k) => literal(k.value) || isNone(k.value));
}

const isNone = (e: PyExpr): boolean => e.kind === 'name' && e.name === 'None';

/**
 * The fields of the document's own `Genotype = namedtuple('Genotype', 'recurrent concat')` (a string of names
 * or a list of strings), undefined when the document defines none.
 */
export function declaredGenotypeFields(tops: readonly TopExpr[]): string[] | undefined {
  for (const { expr, assignedTo } of tops) {
    if (assignedTo === undefined || lastSegment(assignedTo) !== 'Genotype' || expr.kind !== 'call' || lastSegment(expr.callee) !== 'namedtuple') continue;
    const spec = expr.args[1] ?? expr.kwargs.find((k) => k.name === 'field_names')?.value;
    if (spec?.kind === 'str') return spec.value.split(/[\s,]+/).filter((f) => f !== '');
    if (spec && isSeq(spec)) return spec.items.flatMap((x) => (x.kind === 'str' ? [x.value] : []));
  }
  return undefined;
}

/**
 * An information problem (on the callee) when a Genotype call is no DARTS CNN genotype: the document's own
 * Genotype has other fields (a DARTS RNN genotype: recurrent, concat), or, without a definition, the call
 * names only other fields. Undefined for a CNN genotype, however broken: its problems are reported.
 */
export function otherGenotype(call: Extract<PyExpr, { kind: 'call' }>, declared?: readonly string[]): ArchProblem | undefined {
  let fields: readonly string[];
  if (declared) {
    if (FIELDS.every((f) => declared.includes(f))) return undefined;
    fields = declared;
  } else {
    if (call.args.length > 0) return undefined;
    fields = call.kwargs.filter((k) => !isNone(k.value)).map((k) => k.name);
    if (fields.length === 0 || fields.some((f) => (FIELDS as readonly string[]).includes(f))) return undefined;
  }
  const message = `Genotype(${clip(fields.join(', '))}) is ${NOT_CNN_GENOTYPE} (${FIELDS.join(', ')}), e.g. a DARTS RNN genotype: not a NAS-Bench-301 architecture`;
  return { message, start: call.calleeStart, end: call.calleeEnd, severity: 'info' };
}

/** Reads a `Genotype(...)` call; problems are errors at exact ranges (offsets of the source of `call`). */
export function readGenotype(call: Extract<PyExpr, { kind: 'call' }>): ParseResult<DartsGenotype> {
  const problems: ArchProblem[] = [];
  const add = (message: string, at: Range): void => {
    if (problems.length < 50) problems.push({ message, start: at.start, end: Math.max(at.end, at.start + 1) });
  };
  const fields = new Map<string, PyExpr>();
  const extra = call.args[FIELDS.length];
  if (extra) add(`a Genotype has ${FIELDS.length} fields (normal, normal_concat, reduce, reduce_concat); found ${call.args.length} positional arguments`, extra);
  FIELDS.forEach((f, i) => {
    const a = call.args[i];
    if (a) fields.set(f, a);
  });
  for (const kw of call.kwargs) {
    const at = { start: kw.nameStart, end: kw.nameEnd };
    // Extended namedtuples (AutoDL-Projects: connectN=None, connects=None) add fields left at None.
    if (!(FIELDS as readonly string[]).includes(kw.name) && isNone(kw.value)) continue;
    if (!(FIELDS as readonly string[]).includes(kw.name)) add(`unknown Genotype field "${clip(kw.name)}"; fields: ${FIELDS.join(', ')}`, at);
    else if (fields.has(kw.name)) add(`${kw.name} is given twice`, at);
    else fields.set(kw.name, kw.value);
  }
  const callAt = { start: call.calleeStart, end: call.calleeEnd };
  for (const f of FIELDS) if (!fields.has(f)) add(`missing ${f}: ${SHAPE}`, callAt);
  if (problems.length > 0) return { ok: false, problems };
  const normal = readCell(fields.get('normal') as PyExpr, fields.get('normal_concat') as PyExpr, 'normal', add);
  const reduce = readCell(fields.get('reduce') as PyExpr, fields.get('reduce_concat') as PyExpr, 'reduce', add);
  if (problems.length > 0 || !normal || !reduce) return { ok: false, problems };
  return { ok: true, arch: { normal, reduce }, key: '' };
}

function readCell(list: PyExpr, concatExpr: PyExpr, name: string, add: (m: string, at: Range) => void): GenotypeCell | undefined {
  if (!isSeq(list)) {
    add(`${name} is a list of (op, input) pairs, e.g. [('sep_conv_3x3', 0), ('skip_connect', 1), ...]`, list);
    return undefined;
  }
  let items = list.items;
  // Some code bases group the pairs per node: [[(op, input), (op, input)], ...].
  if (items.length > 0 && items.every((it) => isSeq(it) && it.items.length > 0 && it.items.every(isSeq))) {
    const group = items.find((it) => (it as { items: PyExpr[] }).items.length !== 2);
    if (group) {
      add(`a DARTS node takes two (op, input) pairs; this group has ${(group as { items: PyExpr[] }).items.length}`, group);
      return undefined;
    }
    items = items.flatMap((it) => (it as { items: PyExpr[] }).items);
  }
  if (items.length === 0 || items.length % 2 !== 0 || items.length > MAX_CELL_EDGES) {
    add(`a DARTS cell lists two (op, input) pairs per intermediate node; ${name} has ${items.length}`, list);
    return undefined;
  }
  const edges: GenotypeEdge[] = [];
  let bad = false;
  items.forEach((item, j) => {
    const node = 2 + Math.floor(j / 2);
    const [op, from] = isSeq(item) && item.items.length === 2 ? item.items : [];
    if (!op || !from) {
      add(`expected an (op, input) pair, e.g. ('sep_conv_3x3', 0)`, item);
      bad = true;
      return;
    }
    if (op.kind !== 'str') {
      add(op.kind === 'num' ? `expected the op name first: (op, input), e.g. ('sep_conv_3x3', ${from.kind === 'num' ? from.value : 0})` : 'the op is a quoted name, e.g. \'sep_conv_3x3\'', op);
      bad = true;
    } else if (op.value.trim() === '') {
      add('empty op name', op);
      bad = true;
    }
    if (!isInt(from)) {
      add(`the input is a node number (0 = c_{k-2}, 1 = c_{k-1}, 2.. = intermediate nodes)`, from);
      bad = true;
    } else if (from.value < 0 || from.value >= node) {
      add(`node ${node} can take inputs 0..${node - 1} (0 = c_{k-2}, 1 = c_{k-1}${node > 2 ? `, 2..${node - 1} earlier nodes` : ''}), not ${from.value}`, from);
      bad = true;
    }
    if (!bad) edges.push({ op: (op as { value: string }).value, from: (from as { value: number }).value, opAt: op, fromAt: from });
  });
  const concat = readConcat(concatExpr, name, 2 + items.length / 2 - 1, add);
  if (bad || !concat) return undefined;
  return { edges, concat, at: { start: list.start, end: list.end }, concatAt: { start: concatExpr.start, end: concatExpr.end } };
}

function readConcat(e: PyExpr, cell: string, lastNode: number, add: (m: string, at: Range) => void): number[] | undefined {
  let values: number[] | undefined;
  if (isSeq(e) && e.items.every(isInt)) values = e.items.map((x) => (x as { value: number }).value);
  else if (e.kind === 'call' && e.callee === 'range' && e.kwargs.length === 0 && e.args.length >= 1 && e.args.length <= 3 && e.args.every(isInt)) {
    // range(stop), range(start, stop) or range(start, stop, step): one to three integers.
    const [first = 0, second, step = 1] = e.args.map((x) => (x as { value: number }).value);
    const [a, b] = second === undefined ? [0, first] : [first, second];
    if (step === 0) {
      add('range() step must not be zero', e);
      return undefined;
    }
    values = [];
    for (let v = a; step > 0 ? v < b : v > b; v += step) {
      values.push(v);
      if (values.length > MAX_CELL_EDGES) break;
    }
  }
  if (!values) {
    add(`${cell}_concat lists the nodes whose outputs are concatenated: a list of node numbers or range(2, ${lastNode + 1})`, e);
    return undefined;
  }
  const wrong = values.find((v) => v < 0 || v > lastNode);
  if (wrong !== undefined) {
    add(`${cell}_concat: this cell has nodes 0..${lastNode}, so ${wrong} is not a node`, e);
    return undefined;
  }
  if (values.length === 0) {
    add(`${cell}_concat is empty: the cell would have no output`, e);
    return undefined;
  }
  return values;
}

/** Where a well-formed genotype leaves NAS-Bench-301, as 'info' problems, and a one-line summary. */
export function nb301Problems(g: DartsGenotype): { problems: ArchProblem[]; reason?: string } {
  const problems: ArchProblem[] = [];
  const reasons: string[] = [];
  const info = (message: string, at: Range, severity: 'info' | 'warning' = 'info'): void => {
    if (problems.length < 50) problems.push({ message, start: at.start, end: Math.max(at.end, at.start + 1), severity });
  };
  for (const [name, c] of [['normal', g.normal], ['reduce', g.reduce]] as const) {
    const nodes = c.edges.length / 2;
    // Duplicates count: concat([2, 2, 3, 4, 5]) stacks five tensors, not NB-301's four.
    const concat = [...c.concat].sort((a, b) => a - b);
    if (nodes !== NB301_NODES) {
      info(`NAS-Bench-301 cells have ${NB301_NODES} intermediate nodes (8 pairs); this ${name} cell has ${nodes}`, c.at);
      reasons.push(`${name} cell has ${nodes} nodes, NB-301 has ${NB301_NODES}`);
    } else if (concat.join() !== NB301_CONCAT.join()) {
      info(`NAS-Bench-301 concatenates nodes ${NB301_CONCAT.join(', ')}; this ${name} cell concatenates ${c.concat.join(', ')}`, c.concatAt);
      reasons.push(`${name}_concat is not 2..5`);
    }
    for (const e of c.edges) {
      if (!(NB301_OPS as readonly string[]).includes(e.op)) {
        const known = OTHER_DARTS_OPS.includes(e.op);
        // A known op of another DARTS-family space is information; an unknown name is likely a typo.
        info(`${known ? `${e.op} is a DARTS-family op outside` : `unknown op "${clip(e.op)}"; not an op of`} NAS-Bench-301 (${NB301_OPS.join(', ')})`, e.opAt, known ? 'info' : 'warning');
        if (!reasons.some((r) => r.startsWith('op '))) reasons.push(`op ${clip(e.op, 24)} is not in NB-301`);
      }
    }
    for (let k = 0; k < nodes; k++) {
      const a = c.edges[2 * k];
      const b = c.edges[2 * k + 1];
      // readGenotype gives two edges per node; an odd last edge (a hand-made genotype) is not a node.
      if (!a || !b) break;
      if (a.from === b.from) {
        info(`in NAS-Bench-301 the two inputs of a node differ; node ${k + 2} of the ${name} cell takes input ${a.from} twice`, b.fromAt);
        if (!reasons.some((r) => r.includes('twice'))) reasons.push(`a node takes one input twice`);
      }
    }
  }
  // The lens shows the first reason; the diagnostics and the hover list every part outside NB-301.
  const more = reasons.length > 1 ? ` (+${reasons.length - 1} more: hover for details)` : '';
  return { problems, reason: reasons.length > 0 ? `${reasons[0]}${more}` : undefined };
}
