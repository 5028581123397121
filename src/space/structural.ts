/**
 * Structural measures: label-free targets computed from an architecture alone, for DELE's step 1 in a space that
 * has no low-fidelity data (a user's `arch,acc` file). Cells get GRAF-style graph features (Kadlecová et al.,
 * ICML 2024): op counts; the shortest and longest input-to-output path and the degrees of the input and output
 * nodes, each over the edges (or nodes) whose op lies in a subset of the ops. Sequences get choice counts,
 * overall and per position group. Any space works: the measures read only `encoderInput.graph` and `features`.
 *
 * They are many and correlated; `selectStructural` keeps the few that rank the labelled training archs best and
 * are not near-copies of one another. Pure TypeScript.
 */
import { kendallTau } from '../util/kendall';
import type { ArchFeatures, GraphSpec, SearchSpace } from './types';

/** A structural measure: its column name (`struct_…`), a line for help texts, and its value per architecture. */
export interface StructuralMeasure {
  name: string;
  description: string;
  value(f: ArchFeatures): number;
  /** An upper bound of the value over the space (for scaling it to [0, 1] without data). */
  max: number;
}

/** Op subsets beyond this many ops: singletons, pairs, all-but-one and all (not every subset). */
const MAX_OPS_FOR_ALL_SUBSETS = 5;

/** Subsets of `ops` (each a sorted list), bounded as MAX_OPS_FOR_ALL_SUBSETS says. */
export function opSubsets(ops: readonly number[]): number[][] {
  const n = ops.length;
  if (n <= MAX_OPS_FOR_ALL_SUBSETS) {
    const out: number[][] = [];
    for (let mask = 1; mask < 1 << n; mask++) out.push(ops.filter((_, i) => mask & (1 << i)));
    return out;
  }
  const out: number[][] = ops.map((o) => [o]);
  for (let i = 0; i < n; i++) for (let j = i + 1; j < n; j++) out.push([ops[i]!, ops[j]!]);
  for (let i = 0; i < n; i++) out.push(ops.filter((_, k) => k !== i));
  out.push([...ops]);
  return out;
}

/** Shortest and longest path (in edges) from any source to the target through allowed edges; 0/0 where none. */
function pathLengths(numNodes: number, edges: readonly { from: number; to: number }[], sources: readonly number[], target: number): { shortest: number; longest: number } {
  // Edges go from lower to higher nodes in every GraphSpec here: one pass in node order is a DAG relaxation.
  const shortest = new Array<number>(numNodes).fill(Infinity);
  const longest = new Array<number>(numNodes).fill(-Infinity);
  for (const s of sources) shortest[s] = longest[s] = 0;
  const sorted = [...edges].sort((a, b) => a.from - b.from);
  for (const e of sorted) {
    if (Number.isFinite(shortest[e.from]!)) shortest[e.to] = Math.min(shortest[e.to]!, shortest[e.from]! + 1);
    if (Number.isFinite(longest[e.from]!)) longest[e.to] = Math.max(longest[e.to]!, longest[e.from]! + 1);
  }
  const reached = Number.isFinite(shortest[target]!);
  return { shortest: reached ? shortest[target]! : 0, longest: reached ? longest[target]! : 0 };
}

const subsetName = (subset: readonly number[], opName: (o: number) => string): string => subset.map(opName).join('+');

/** Measures of an edge-op cell graph (NB201, TransNAS micro, DARTS cells, declared edge cells). */
function edgeCellMeasures(g: Extract<GraphSpec, { kind: 'edge-ops' }>, numOps: number, opName: (o: number) => string): StructuralMeasure[] {
  const ops = Array.from({ length: numOps }, (_, o) => o).filter((o) => o !== g.noneOp);
  const inputs = Array.from({ length: g.inputs ?? 1 }, (_, i) => i);
  const output = g.numNodes - 1;
  const cells = g.cells ?? 1;
  const E = g.edgeFrom.length;
  const out: StructuralMeasure[] = [];
  for (let c = 0; c < cells; c++) {
    const cell = cells > 1 ? `cell${c}_` : '';
    const opsOf = (f: ArchFeatures): number[] => f.ops.slice(c * E, (c + 1) * E);
    for (const o of ops) {
      out.push({ name: `struct_${cell}count_${opName(o)}`, description: `edges with ${opName(o)}${cells > 1 ? ` in cell ${c}` : ''}`, value: (f) => opsOf(f).filter((x) => x === o).length, max: E });
    }
    for (const subset of opSubsets(ops)) {
      const allowed = new Set(subset);
      const edges = (f: ArchFeatures): { from: number; to: number }[] =>
        opsOf(f).flatMap((op, e) => (allowed.has(op) ? [{ from: g.edgeFrom[e]!, to: g.edgeTo[e]! }] : []));
      const what = `over ${subsetName(subset, opName)} edges${cells > 1 ? ` of cell ${c}` : ''}`;
      // The output is the mean of several nodes (DARTS): the path to the output is the path to any of them.
      const targets = g.outputs ?? [output];
      const paths = (f: ArchFeatures): { shortest: number; longest: number } => {
        const es = edges(f);
        const per = targets.map((t) => pathLengths(g.numNodes, es, inputs, t));
        const reached = per.filter((p) => p.longest > 0);
        return reached.length === 0 ? { shortest: 0, longest: 0 } : { shortest: Math.min(...reached.map((p) => p.shortest)), longest: Math.max(...reached.map((p) => p.longest)) };
      };
      const name = `${cell}${subsetName(subset, opName)}`;
      out.push({ name: `struct_${name}_min_path`, description: `shortest input-output path ${what} (0: none)`, value: (f) => paths(f).shortest, max: g.numNodes - 1 });
      out.push({ name: `struct_${name}_max_path`, description: `longest input-output path ${what} (0: none)`, value: (f) => paths(f).longest, max: g.numNodes - 1 });
      out.push({ name: `struct_${name}_in_degree`, description: `edges into the output node(s) ${what}`, value: (f) => edges(f).filter((e) => targets.includes(e.to)).length, max: E });
      out.push({ name: `struct_${name}_out_degree`, description: `edges out of the input node(s) ${what}`, value: (f) => edges(f).filter((e) => inputs.includes(e.from)).length, max: E });
    }
  }
  return out;
}

/** Measures of a node-op cell (NB101 and declared ops-on-nodes cells): ops on nodes, edges from the adjacency. */
function nodeCellMeasures(numNodes: number, numOps: number, opName: (o: number) => string): StructuralMeasure[] {
  const ops = Array.from({ length: numOps }, (_, o) => o);
  const present = (f: ArchFeatures): number[] => f.ops.flatMap((op, v) => (op >= 0 ? [v] : []));
  const out: StructuralMeasure[] = ops.map((o) => ({ name: `struct_count_${opName(o)}`, description: `nodes with ${opName(o)}`, value: (f: ArchFeatures) => f.ops.filter((x) => x === o).length, max: numNodes }));
  out.push({ name: 'struct_nodes', description: 'nodes in the cell', value: (f) => present(f).length, max: numNodes });
  out.push({ name: 'struct_edges', description: 'edges in the cell', value: (f) => (f.adjacency ?? []).reduce((s, x) => s + x, 0), max: (numNodes * (numNodes - 1)) / 2 });
  for (const subset of opSubsets(ops)) {
    const allowed = new Set(subset);
    // A path may pass through a node whose op is allowed; the input and output nodes are always passable.
    const paths = (f: ArchFeatures): { shortest: number; longest: number } => {
      const nodes = present(f);
      const last = nodes[nodes.length - 1] ?? 0;
      const passable = (v: number): boolean => v === 0 || v === last || allowed.has(f.ops[v]!);
      const edges: { from: number; to: number }[] = [];
      for (const i of nodes) for (const j of nodes) if (i < j && f.adjacency?.[i * numNodes + j] === 1 && passable(i) && passable(j)) edges.push({ from: i, to: j });
      return pathLengths(numNodes, edges, [0], last);
    };
    const name = subsetName(subset, opName);
    out.push({ name: `struct_${name}_min_path`, description: `shortest input-output path through ${name} nodes (0: none)`, value: (f) => paths(f).shortest, max: numNodes - 1 });
    out.push({ name: `struct_${name}_max_path`, description: `longest input-output path through ${name} nodes (0: none)`, value: (f) => paths(f).longest, max: numNodes - 1 });
  }
  return out;
}

/** Measures of a sequence (a chain of choices): counts per choice, overall and in each third of the positions. */
function sequenceMeasures(length: number, vocab: number, tokenName: (t: number) => string): StructuralMeasure[] {
  const groups = length >= 3 ? 3 : 1;
  const bounds = Array.from({ length: groups + 1 }, (_, i) => Math.round((i * length) / groups));
  const out: StructuralMeasure[] = [];
  for (let t = 0; t < vocab; t++) {
    out.push({ name: `struct_count_${tokenName(t)}`, description: `positions choosing ${tokenName(t)}`, value: (f) => f.tokens.filter((x) => x === t).length, max: length });
    if (groups > 1) {
      for (let g = 0; g < groups; g++) {
        const [lo, hi] = [bounds[g]!, bounds[g + 1]!];
        out.push({ name: `struct_part${g + 1}_count_${tokenName(t)}`, description: `positions ${lo + 1}-${hi} choosing ${tokenName(t)}`, value: (f) => f.tokens.slice(lo, hi).filter((x) => x === t).length, max: hi - lo });
      }
    }
  }
  return out;
}

/** A chain graph: edge p goes from node p to node p + 1 (a declared sequence, TransNAS macro skeletons). */
function isChain(g: GraphSpec): boolean {
  return g.kind === 'edge-ops' && (g.cells ?? 1) === 1 && g.edgeFrom.every((f, e) => f === e && g.edgeTo[e] === e + 1);
}

/**
 * The structural measures of a space. `opNames` (the space's op or choice names, where it has them) names the
 * columns; else ops are `op0`, `op1`, ….
 */
export function structuralMeasures(space: Pick<SearchSpace, 'encoderInput'>, opNames?: readonly string[]): StructuralMeasure[] {
  const { graph, numOps, seqVocab, seqLength } = space.encoderInput;
  const name = (o: number): string => (opNames?.[o] ?? `op${o}`).replace(/[^A-Za-z0-9_.-]/g, '_');
  if (isChain(graph)) return sequenceMeasures(seqLength, seqVocab, name);
  if (graph.kind === 'node-ops') return nodeCellMeasures(graph.numNodes, numOps, name);
  return edgeCellMeasures(graph, numOps, name);
}

export interface StructuralChoice {
  name: string;
  /** Kendall's tau with the target over the labelled archs (signed: the expert learns the measure's order). */
  tau: number;
}

/** Structural experts chosen at most unless a caller asks for another number (dele bench --structural-max). */
export const DEFAULT_STRUCTURAL_MAX = 8;

/**
 * The structural measures to train experts on: ranked by |tau| with the target over the labelled archs, skipping
 * constant ones and any whose |tau| with an already chosen one (over `sample`, label-free) exceeds `maxRedundancy`.
 * @param values measure name -> value per arch; `labelled` indices with `truth` per arch; `sample` indices to
 *   compare measures with each other.
 */
export function selectStructural(
  values: ReadonlyMap<string, Float64Array>,
  truth: ArrayLike<number>,
  labelled: readonly number[],
  sample: readonly number[],
  opts: { max?: number; maxRedundancy?: number } = {},
): StructuralChoice[] {
  const max = opts.max ?? DEFAULT_STRUCTURAL_MAX;
  const maxRedundancy = opts.maxRedundancy ?? 0.9;
  const y = labelled.map((i) => truth[i]!);
  const ranked: StructuralChoice[] = [];
  for (const [name, v] of values) {
    const x = labelled.map((i) => v[i]!);
    if (x.every((t) => t === x[0])) continue;
    // A target constant over the labelled archs orders nothing: tau 0 (kendallTau says NaN) for every measure.
    const tau = kendallTau(x, y);
    ranked.push({ name, tau: Number.isNaN(tau) ? 0 : tau });
  }
  ranked.sort((p, q) => Math.abs(q.tau) - Math.abs(p.tau) || (p.name < q.name ? -1 : 1));
  const chosen: StructuralChoice[] = [];
  const onSample = (name: string): number[] => sample.map((i) => values.get(name)![i]!);
  for (const c of ranked) {
    if (chosen.length >= max) break;
    const xs = onSample(c.name);
    if (xs.every((t) => t === xs[0])) continue;
    if (chosen.some((k) => Math.abs(kendallTau(xs, onSample(k.name))) > maxRedundancy)) continue;
    chosen.push(c);
  }
  return chosen;
}
