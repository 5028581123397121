/**
 * Declared cells with ops on nodes (NAS-Bench-101-like): `{matrix: [[...]], ops: [input, ..., output]}`, an
 * upper-triangular 0/1 adjacency over at most `nodes` vertices. Like NB101's ModelSpec, parse prunes vertices
 * that are not on a path from the input to the output, then checks the edge budget (`maxEdges`).
 *
 * Canonical key: an exact canonical form under graph isomorphism. Vertices are coloured by colour refinement
 * (start from (out-degree, in-degree, op), then 3 + |V| rounds of (own colour, sorted in-neighbour colours,
 * sorted out-neighbour colours), colours renumbered by sorted signature, so colours are isomorphism-invariant).
 * Then a branch-and-bound search over topological orders (input first, output last) picks the order whose
 * sequence of (colour, edge bits from earlier vertices) is lexicographically least; only vertices tied on
 * that token are branched on, and of twin vertices (same op, in- and out-neighbours) only one. The key is
 * the JSON of the reordered cell, `{"matrix":[[0,1],[0,0]],"ops":["input","output"]}`: isomorphic cells
 * give one key, and the key parses back to the canonical representative.
 *
 * Features (GATES 'node-ops', N = `nodes` slots): op vocabulary 0 = input, 1 = output, 2.. = the declared
 * ops in order. The canonical order fills slots 0..V-2 with input and intermediates and puts the output in
 * the LAST slot N-1; slots between are absent (op -1, no edges). Sequence view (LSTM), length
 * N + N(N-1)/2: the N slot op tokens (absent = pad token numOps), then the upper-triangular adjacency bits in
 * edge order (1<-0, 2<-0, 2<-1, 3<-0, ...) as tokens numOps+1 (no edge) and numOps+2 (edge);
 * seqVocab = numOps + 3.
 */
import type { ArchProblem, ParseResult, Random, SearchSpace } from '../types';
import type { NodeCellSpaceDeclaration } from './declaration';
import { clip } from '../types';
import { type Lit, readWhole, scalarText } from './literal';
import { dagEdges } from './listSpace';
import { MAX_PROBLEMS, MAX_TEXT, scanKeys } from './scan';

export interface NodeCellArch {
  /** matrix[i][j] = 1 for an edge i -> j (i < j). */
  readonly matrix: readonly (readonly number[])[];
  /** 'input', intermediate op names, 'output'. */
  readonly ops: readonly string[];
}

export const INPUT = 'input';
export const OUTPUT = 'output';

/** How many vertices a cell may be written with before pruning (NB101's API accepts any; this bounds the work). */
const MAX_WRITTEN_VERTICES = 32;

/** The vertices on a path from vertex 0 to the last vertex, in order; undefined if there is no such path. */
function keptVertices(matrix: readonly (readonly number[])[], V = matrix.length): number[] | undefined {
  const fwd = new Array<boolean>(V).fill(false);
  const bwd = new Array<boolean>(V).fill(false);
  fwd[0] = true;
  for (let j = 1; j < V; j++) for (let i = 0; i < j; i++) if (fwd[i] && matrix[i]?.[j]) fwd[j] = true;
  bwd[V - 1] = true;
  for (let i = V - 2; i >= 0; i--) for (let j = i + 1; j < V; j++) if (bwd[j] && matrix[i]?.[j]) bwd[i] = true;
  if (!fwd[V - 1]) return undefined;
  return Array.from({ length: V }, (_, v) => v).filter((v) => fwd[v] === true && bwd[v] === true);
}

/** Keeps the vertices on a path from vertex 0 to the last vertex; undefined if there is no such path. */
export function pruneCell(a: NodeCellArch): NodeCellArch | undefined {
  const keep = keptVertices(a.matrix, a.ops.length);
  return keep && selectVertices(a, keep);
}

/** The cell restricted to the vertices `keep` (in order). */
function selectVertices(a: NodeCellArch, keep: readonly number[]): NodeCellArch {
  if (keep.length === a.ops.length) return a;
  return { matrix: keep.map((i) => keep.map((j) => (a.matrix[i]?.[j] ? 1 : 0))), ops: keep.map((v) => a.ops[v] ?? '') };
}

export function countEdges(a: NodeCellArch): number {
  let n = 0;
  for (const row of a.matrix) for (const x of row) if (x) n++;
  return n;
}

/** Isomorphism-invariant colours (colour refinement), as small integers. */
function colours(a: NodeCellArch): number[] {
  const V = a.ops.length;
  const ins: number[][] = a.ops.map(() => []);
  const outs: number[][] = a.ops.map(() => []);
  for (let i = 0; i < V; i++) {
    const row = a.matrix[i]!;
    for (let j = 0; j < V; j++) {
      if (row[j]) {
        outs[i]!.push(j);
        ins[j]!.push(i);
      }
    }
  }
  const renumber = (sigs: string[]): number[] => {
    const sorted = [...new Set(sigs)].sort();
    const rank = new Map(sorted.map((s, k) => [s, k]));
    return sigs.map((s) => rank.get(s) as number);
  };
  let col = renumber(a.ops.map((op, v) => JSON.stringify([outs[v]!.length, ins[v]!.length, op])));
  for (let round = 0; round < V + 3; round++) {
    const next = renumber(
      col.map((c, v) =>
        JSON.stringify([
          c,
          ins[v]!.map((u) => col[u]!).sort((x, y) => x - y),
          outs[v]!.map((u) => col[u]!).sort((x, y) => x - y),
        ]),
      ),
    );
    const stable = new Set(next).size === new Set(col).size;
    col = next;
    if (stable) break;
  }
  return col;
}

/** The canonical representative of a pruned cell (see the module comment). */
export function canonicalCell(a: NodeCellArch): NodeCellArch {
  const V = a.ops.length;
  const col = colours(a);
  const m = a.matrix;
  const inSet = a.ops.map((_, v) => a.ops.map((__, u) => (m[u]![v] ? 1 : 0)).join(''));
  const outSet = a.ops.map((_, v) => m[v]!.map((x) => (x ? 1 : 0)).join(''));
  let best: number[] | undefined;
  let bestOrder: number[] = [];
  const placed = new Array<boolean>(V).fill(false);
  const order: number[] = [];
  const seq: number[] = [];
  // Returns -1 / 0 / 1 comparing seq (a prefix) with best's prefix of the same length (best is a whole
  // sequence, at least as long as seq).
  const cmpPrefix = (): number => {
    if (!best) return -1;
    for (let k = 0; k < seq.length; k++) {
      const s = seq[k]!;
      const b = best[k]!;
      if (s !== b) return s < b ? -1 : 1;
    }
    return 0;
  };
  const rec = (): void => {
    if (order.length === V) {
      if (cmpPrefix() < 0) {
        best = [...seq];
        bestOrder = [...order];
      }
      return;
    }
    const cands: { v: number; token: number[] }[] = [];
    for (let v = 0; v < V; v++) {
      if (placed[v]) continue;
      let ready = true;
      for (let u = 0; u < V && ready; u++) if (m[u]![v] && !placed[u]) ready = false;
      if (ready) cands.push({ v, token: [col[v]!, ...order.map((u) => (m[u]![v] ? 1 : 0))] });
    }
    // Tokens of one step have the same length (colour, then one bit per placed vertex).
    const cmp = (x: number[], y: number[]): number => {
      for (let k = 0; k < x.length; k++) if (x[k] !== y[k]) return x[k]! - y[k]!;
      return 0;
    };
    const min = cands.reduce((b, c) => (cmp(c.token, b.token) < 0 ? c : b)).token;
    const twins = new Set<string>();
    for (const c of cands) {
      if (cmp(c.token, min) !== 0) continue;
      const twin = `${a.ops[c.v]}|${inSet[c.v]}|${outSet[c.v]}`;
      if (twins.has(twin)) continue;
      twins.add(twin);
      const len = seq.length;
      seq.push(...c.token);
      if (cmpPrefix() <= 0) {
        placed[c.v] = true;
        order.push(c.v);
        rec();
        order.pop();
        placed[c.v] = false;
      }
      seq.length = len;
    }
  };
  rec();
  return { matrix: bestOrder.map((i) => bestOrder.map((j) => (m[i]![j] ? 1 : 0))), ops: bestOrder.map((v) => a.ops[v]!) };
}

export function nodeCellKey(a: NodeCellArch): string {
  const c = canonicalCell(pruneCell(a) ?? a);
  return JSON.stringify({ matrix: c.matrix, ops: c.ops });
}

const entryKey = (src: string, k: Lit): string | undefined => scalarText(src, k);

/**
 * Reads a cell written as a mapping `{matrix, ops}` (already read into a Lit) against a declaration. `strict`:
 * report a wrong shape as a problem; otherwise return undefined for text that is not a cell (scanning).
 */
export type NodeCellInterpret = (src: string, lit: Lit, strict: boolean) => ParseResult<NodeCellArch> | undefined;

export function nodeCellInterpreter(decl: Pick<NodeCellSpaceDeclaration, 'nodes' | 'ops' | 'maxEdges'>): NodeCellInterpret {
  const N = decl.nodes;
  const opSet = new Set(decl.ops);
  const opsList = clip(decl.ops.join(', '), 200);

  return (src, lit, strict) => {
    const whole = { start: lit.start, end: Math.max(lit.end, lit.start + 1) };
    const shape = 'a cell is {matrix: [[0, 1, ...], ...], ops: [input, ..., output]}';
    if (lit.kind !== 'dict') return strict ? { ok: false, problems: [{ message: `${shape}`, ...whole }] } : undefined;
    const byKey = new Map<string, { key: Lit; value: Lit }>();
    for (const e of lit.entries) byKey.set(entryKey(src, e.key) ?? '', e);
    const mEntry = byKey.get('matrix');
    const oEntry = byKey.get('ops');
    if (!strict && (!mEntry || !oEntry)) return undefined;
    const problems: ArchProblem[] = [];
    const add = (message: string, at: { start: number; end: number }): void => {
      if (problems.length < MAX_PROBLEMS) problems.push({ message, start: at.start, end: Math.max(at.end, at.start + 1) });
    };
    for (const e of lit.entries) {
      const k = entryKey(src, e.key);
      if (k !== 'matrix' && k !== 'ops') add(`unknown key "${clip(k ?? '')}"; ${shape}`, e.key);
    }
    if (!mEntry || !oEntry) {
      add(`missing ${!mEntry ? 'matrix' : 'ops'}; ${shape}`, whole);
      return { ok: false, problems };
    }
    // ops. As NB101's ModelSpec does, vertices off every input-output path are pruned before the vertex limit
    // and the op names are checked: a dead vertex may carry any op, and a cell may be written with more vertices.
    const ops: string[] = [];
    const opProblems = new Map<number, { message: string; start: number; end: number }>();
    const ol = oEntry.value;
    if (ol.kind !== 'list') add('ops is a list of op names, from input to output', ol);
    else {
      if (ol.items.length < 2) add(`ops lists at least input and output; found ${ol.items.length} op${ol.items.length === 1 ? '' : 's'}`, ol);
      else if (ol.items.length > MAX_WRITTEN_VERTICES) add(`a cell of this space has at most ${N} vertices (input and output included); found ${ol.items.length}`, ol);
      ol.items.forEach((it, v) => {
        const name = scalarText(src, it);
        const last = v === ol.items.length - 1;
        if (name === undefined) add('expected an op name', it);
        else if (v === 0 && name !== INPUT) add(`the first op is "input", not "${clip(name)}"`, it);
        else if (last && v > 0 && name !== OUTPUT) add(`the last op is "output", not "${clip(name)}"`, it);
        else if (v > 0 && !last && !opSet.has(name)) {
          const message = name === INPUT || name === OUTPUT ? `"${name}" only as the first (input) or last (output) op` : `unknown op "${clip(name)}"; ops: ${opsList}`;
          opProblems.set(v, { message, start: it.start, end: Math.max(it.end, it.start + 1) });
        }
        ops.push(name ?? '');
      });
    }
    // matrix
    const ml = mEntry.value;
    const V = ops.length;
    const matrix: number[][] = [];
    if (ml.kind !== 'list') add('matrix is a list of rows, e.g. [[0, 1], [0, 0]]', ml);
    else {
      if (ol.kind === 'list' && ml.items.length !== V) add(`the matrix has one row per op: expected ${V} rows, found ${ml.items.length}`, ml);
      ml.items.forEach((row, i) => {
        const r: number[] = [];
        matrix.push(r);
        if (row.kind !== 'list') return add(`row ${i} is a list of 0/1`, row);
        // One mistake, one problem: with the wrong number of rows the row lengths are not reported too.
        if (ol.kind === 'list' && ml.items.length === V && row.items.length !== V) add(`row ${i} has ${V} entries (one per op), found ${row.items.length}`, row);
        row.items.forEach((x, j) => {
          const t = x.kind === 'num' ? src.slice(x.start, x.end) : undefined;
          if (t !== '0' && t !== '1') return add(`matrix entries are 0 or 1`, x);
          if (t === '1' && j <= i) add(`edges go from a lower to a higher vertex (upper-triangular matrix): row ${i}, column ${j} must be 0`, x);
          r.push(Number(t));
        });
      });
    }
    if (problems.length > 0) return { ok: false, problems: [...problems, ...[...opProblems.values()].slice(0, MAX_PROBLEMS - problems.length)] };
    const kept = keptVertices(matrix);
    if (!kept) return { ok: false, problems: [{ message: 'no path from the input (vertex 0) to the output (last vertex)', ...whole, start: ml.start, end: ml.end }] };
    const keptOpProblems = kept.flatMap((v) => opProblems.get(v) ?? []);
    if (keptOpProblems.length > 0) return { ok: false, problems: keptOpProblems.slice(0, MAX_PROBLEMS) };
    if (kept.length > N) {
      const after = kept.length < V ? ` after pruning ${V - kept.length} vert${V - kept.length === 1 ? 'ex' : 'ices'} off the input-output paths` : '';
      return { ok: false, problems: [{ message: `a cell of this space has at most ${N} vertices (input and output included); found ${kept.length}${after}`, start: ol.start, end: Math.max(ol.end, ol.start + 1) }] };
    }
    const pruned = selectVertices({ matrix, ops }, kept);
    const edges = countEdges(pruned);
    if (edges > decl.maxEdges) {
      const prunedNote = pruned.ops.length < V ? ` after pruning ${V - pruned.ops.length} vert${V - pruned.ops.length === 1 ? 'ex' : 'ices'} off the input-output paths` : '';
      return { ok: false, problems: [{ message: `a cell of this space has at most ${decl.maxEdges} edges; this one has ${edges}${prunedNote}`, start: ml.start, end: ml.end }] };
    }
    return { ok: true, arch: pruned, key: nodeCellKey(pruned) };
  };
}

export function nodeCellSpace(decl: NodeCellSpaceDeclaration): SearchSpace<NodeCellArch> {
  const N = decl.nodes;
  const vocab = [INPUT, OUTPUT, ...decl.ops];
  const vocabIndex = new Map(vocab.map((o, i) => [o, i]));
  const numOps = vocab.length;
  const { from: eFrom, to: eTo } = dagEdges(N);
  const opsList = clip(decl.ops.join(', '), 200);
  const interpret = nodeCellInterpreter(decl);

  const features = (a: NodeCellArch): { ops: number[]; adjacency: number[]; tokens: number[] } => {
    const c = canonicalCell(pruneCell(a) ?? a);
    const V = c.ops.length;
    const slot = (k: number): number => (k === V - 1 ? N - 1 : k);
    const ops = new Array<number>(N).fill(-1);
    const adjacency = new Array<number>(N * N).fill(0);
    c.ops.forEach((o, k) => {
      ops[slot(k)] = vocabIndex.get(o) ?? -1;
    });
    for (let i = 0; i < V; i++) {
      const row = c.matrix[i]!;
      for (let j = 0; j < V; j++) if (row[j]) adjacency[slot(i) * N + slot(j)] = 1;
    }
    // eFrom and eTo are the N-node DAG's edges (same length, nodes < N), so every index is in adjacency.
    const tokens = [...ops.map((o) => (o < 0 ? numOps : o)), ...eFrom.map((f, e) => numOps + 1 + adjacency[f * N + eTo[e]!]!)];
    return { ops, adjacency, tokens };
  };

  const randomCell = (random: Random): NodeCellArch => {
    const matrix = Array.from({ length: N }, (_, i) => Array.from({ length: N }, (__, j) => (j > i && random() < 0.5 ? 1 : 0)));
    const ops = Array.from({ length: N }, (_, v) => (v === 0 ? INPUT : v === N - 1 ? OUTPUT : decl.ops[Math.min(decl.ops.length - 1, Math.floor(random() * decl.ops.length))]!));
    return { matrix, ops };
  };

  return {
    id: decl.name,
    title: decl.title,
    syntax: `{matrix: [[0, 1, ...], ...], ops: [input, ..., output]}: at most ${N} vertices and ${decl.maxEdges} edges, upper-triangular 0/1 matrix; ops: ${opsList}`,
    encoderInput: { numOps, graph: { kind: 'node-ops', numNodes: N }, seqVocab: numOps + 3, seqLength: N + (N * (N - 1)) / 2 },
    encoders: ['gates', 'lstm'],
    parse(text) {
      if (text.length > MAX_TEXT) return { ok: false, problems: [{ message: `an architecture is at most ${MAX_TEXT} characters; this text has ${text.length}`, start: 0, end: text.length }] };
      const r = readWhole(text);
      if (!r.ok) return { ok: false, problems: [{ message: r.message, start: r.start, end: r.end }] };
      return interpret(text, r.lit, true) as ParseResult<NodeCellArch>;
    },
    scan: (text) => scanKeys(text, decl.name, decl.find.keys, (src, lit) => interpret(src, lit, false)),
    key: nodeCellKey,
    lint: () => [],
    features,
    /** Rejection sampling: random DAGs (edge probability 1/2) and ops on all N vertices, pruned, kept when valid and new. */
    sample(random, n) {
      const out: NodeCellArch[] = [];
      const seen = new Set<string>();
      const seenRaw = new Set<string>();
      // Stops when 2,000 draws in a row found nothing new: a small space is exhausted quickly.
      for (let attempts = 0, sinceNew = 0; out.length < n && attempts < n * 200 + 10_000 && sinceNew < 2_000; attempts++, sinceNew++) {
        const p = pruneCell(randomCell(random));
        if (!p || countEdges(p) > decl.maxEdges) continue;
        const raw = JSON.stringify(p);
        if (seenRaw.has(raw)) continue;
        seenRaw.add(raw);
        const k = nodeCellKey(p);
        if (seen.has(k)) continue;
        seen.add(k);
        out.push(p);
        sinceNew = 0;
      }
      return out;
    },
    declaration: decl,
  };
}
