/**
 * The search-space seam: every layer above (data, predictor, server, CLI) works through `SearchSpace`, never
 * through one space's types. A space lives in its own folder (nb201/, tnb101Micro/, tnb101Macro/, declared/)
 * and is registered in registry.ts. Pure TypeScript: no tfjs, no editor API.
 */

/** A problem in an architecture text; offsets are 0-based, `end` exclusive, relative to the parsed text. */
export interface ArchProblem {
  message: string;
  start: number;
  end: number;
  /** Default 'error'. A 'hint' marks a near miss (a list that almost fits a space), never an error. */
  severity?: 'error' | 'warning' | 'hint' | 'info';
}

/** A note on a whole, valid architecture. */
export interface ArchNote {
  message: string;
  severity: 'hint' | 'info' | 'warning';
  /**
   * Set on the note of a cell whose every input-to-output path goes through `none`: it outputs zeros, so a
   * predicted value means nothing for it; `expected`: what such a cell scores, where known (e.g. "~10%").
   */
  outputsZeros?: { expected?: string };
}

export type ParseResult<A = unknown> = { ok: true; arch: A; key: string } | { ok: false; problems: ArchProblem[] };

/** An architecture (or a near miss) found in a document. */
export interface FoundArch<A = unknown> {
  /** Id of the space it belongs to. */
  space: string;
  /** Offsets into the scanned text; `end` exclusive. */
  start: number;
  end: number;
  text: string;
  /** Which document form matched, e.g. 'cell-string', 'op-list', 'key'. */
  form: string;
  /** Problems carry offsets into the scanned text (not relative to `text`). */
  result: ParseResult<A>;
  /**
   * Set when the text is a well-formed architecture of the space's family that the space cannot score (a
   * NASNet genotype in the DARTS space): why, in one line, for the lens. `result` is then not ok and its
   * problems (severity 'info') point at the parts outside the space.
   */
  unscorable?: string;
  /** The name the architecture is assigned to in the document (`DARTS_V2 = Genotype(...)`), if any. */
  name?: string;
}

/**
 * The fixed graph every architecture of a space is encoded on (GATES):
 * - 'edge-ops': a DAG whose edge slots are fixed (edgeFrom[e] -> edgeTo[e], edge e carries an op); `noneOp`
 *   is the op index meaning "no edge" (-1 if the space has none). Nodes 0..inputs-1 are the cell's inputs
 *   (default 1); the output is the mean of the `outputs` nodes (default: the last node). With `cells` > 1
 *   (DARTS: normal and reduce) an architecture has that many cells on the same graph, its ops listed cell
 *   after cell, each cell encoded on its own and the encodings concatenated.
 * - 'node-ops': up to numNodes nodes with an op each and an adjacency per architecture (NB101-like); node 0
 *   is the input, the last used node the output.
 */
export type GraphSpec =
  | { kind: 'edge-ops'; numNodes: number; edgeFrom: number[]; edgeTo: number[]; noneOp: number; inputs?: number; outputs?: number[]; cells?: number }
  | { kind: 'node-ops'; numNodes: number };

/** What encoders need to size their parameters; stored in a predictor's model config. */
export interface EncoderInput {
  /** Op vocabulary of the graph view. */
  numOps: number;
  graph: GraphSpec;
  /** Token vocabulary and length of the sequence view (LSTM). */
  seqVocab: number;
  seqLength: number;
}

/** One architecture as the encoders see it. */
export interface ArchFeatures {
  /** 'edge-ops': the op of every edge slot (cell after cell); 'node-ops': the op of every node slot (-1: node absent). */
  ops: number[];
  /** 'node-ops' only: adjacency, adjacency[from * numNodes + to] = 1 for an edge from -> to. */
  adjacency?: number[];
  /** The sequence view, length seqLength, tokens in [0, seqVocab). */
  tokens: number[];
}

export type EncoderName = 'gates' | 'lstm';

/** An architecture one edit away from another, and the edit in words (`edge 2<-1 nor_conv_3x3`). */
export interface Neighbour<A> {
  arch: A;
  change: string;
}

/** Neighbours of an architecture given as one op per edge slot: every other op on one edge. */
export function opNeighbours(ops: readonly number[], opNames: readonly string[], edgeName: (e: number) => string): Neighbour<number[]>[] {
  const out: Neighbour<number[]>[] = [];
  ops.forEach((cur, e) => {
    opNames.forEach((name, o) => {
      if (o === cur) return;
      const arch = [...ops];
      arch[e] = o;
      out.push({ arch, change: `${edgeName(e)} ${name}` });
    });
  });
  return out;
}

/**
 * What a space's bundled benchmark table (data/<space id>.json.gz) does not say itself: the target training
 * proposes first, the default expert set and named sets (`--lf paper`), and how the table writes an
 * architecture where that differs from the space's syntax. The table's own fields win where it has them.
 */
export interface BenchmarkConventions<A = unknown> {
  readonly defaultTarget?: string;
  readonly defaultExperts?: readonly string[];
  /** Named expert sets, usable wherever a list of LF columns is (`--lf paper`). */
  readonly expertSets?: Readonly<Record<string, readonly string[]>>;
  /**
   * Step 1's epochs under the `cpu` preset when the space's own validation chose a value other than the preset's
   * (NB201: 120, docs/benchmarks.md round 3); `--pretrain-epochs` overrides it and the other presets keep their own.
   */
  readonly pretrainEpochs?: number;
  /** The architecture of a table entry in a compact stored form, or undefined to parse it in the space's syntax. */
  decode?(stored: string): A | undefined;
}

/** A cost the space itself knows for every architecture (a declared space's per-choice cost table, summed). */
export interface ArchCost<A = unknown> {
  /** The LF column it becomes: `cost_<name>`. */
  name: string;
  description: string;
  value(a: A): number;
}

/** A random source in [0, 1); spaces sample with it so callers control seeds. */
export type Random = () => number;

export interface SearchSpace<A = unknown> {
  /** 'nb201', 'tnb101-micro', 'tnb101-macro', or a declared space's name. */
  readonly id: string;
  readonly title: string;
  /** How an architecture is written, for messages and hovers. */
  readonly syntax: string;
  readonly encoderInput: EncoderInput;
  /** Encoders that fit this space; the first is the default. */
  readonly encoders: readonly EncoderName[];
  /** Parses one architecture written in the space's own syntax. */
  parse(text: string): ParseResult<A>;
  /** Finds this space's architectures (and near misses) in a document of any language. */
  scan(text: string): FoundArch<A>[];
  /** Canonical key: equal for equal (or isomorphic, where the space has isomorphisms) architectures. */
  key(a: A): string;
  /** Notes about a valid architecture as a whole (e.g. an unreachable output). */
  lint(a: A): ArchNote[];
  /** Markdown lines describing an architecture for hovers (e.g. both DARTS cells); default: its key. */
  describe?(a: A): string[];
  /** The architectures one edit away (one op or one input changed) that are valid in the space. */
  neighbours?(a: A): Neighbour<A>[];
  /**
   * A functionally identical architecture in a canonical form (NB201: dead edges set to none), where the space
   * has one; data loaders use it to fill a missing LF value from the equivalent architecture's.
   */
  equivalent?(a: A): A;
  /**
   * The text that replaces `found.text` so that the document holds `a` in the form `found` was written in, or
   * undefined when that form cannot be rewritten.
   */
  render?(a: A, found: FoundArch<A>): string | undefined;
  features(a: A): ArchFeatures;
  /** How many architectures a space that is not enumerated has, in words ("about 10^18"). */
  readonly sizeText?: string;
  /** Enumerable spaces: the number of architectures and a bijection with 0..size-1. */
  readonly size?: number;
  fromIndex?(i: number): A;
  indexOf?(a: A): number;
  /** `n` architectures drawn with `random` (distinct where the space is large enough). */
  sample(random: Random, n: number): A[];
  /** A declared space's declaration, stored with predictors so they load without the space file. */
  readonly declaration?: unknown;
  /** Costs computed from the architecture alone (per-choice cost tables of a space file): LF columns for free. */
  readonly costs?: readonly ArchCost<A>[];
  /** Names of the graph's ops (`encoderInput.numOps` of them; a sequence's: its choice vocabulary), where known. */
  readonly opNames?: readonly string[];
  /** A built-in space with a bundled table: the table's conventions (defaults, expert sets, stored form). */
  readonly benchmark?: BenchmarkConventions<A>;
  /**
   * Cheap regular expressions (source text) the editor client runs on open documents before it starts the
   * language server: a match means the document may hold this space's architectures (src/space/triggers.ts).
   */
  readonly triggerPatterns?: readonly string[];
}

/** Thrown by parseOrThrow; the message quotes at most 200 characters of the text, once. */
export class ArchParseError extends Error {
  readonly problems: ArchProblem[];
  constructor(problems: ArchProblem[], text: string) {
    const shown = text.length > 200 ? `${text.slice(0, 200)}…` : text;
    const listed = problems.slice(0, 5).map((p) => `${p.message} (at ${p.start}${p.end > p.start + 1 ? `-${p.end}` : ''})`);
    if (problems.length > 5) listed.push(`and ${problems.length - 5} more`);
    super(`invalid architecture "${shown}": ${listed.join('; ')}`);
    this.name = 'ArchParseError';
    this.problems = problems;
  }
  static is(e: unknown): e is ArchParseError {
    return e instanceof ArchParseError;
  }
}

export function parseOrThrow<A>(space: SearchSpace<A>, text: string): A {
  const r = space.parse(text);
  if (!r.ok) throw new ArchParseError(r.problems, text);
  return r.arch;
}

/** Quotes user text in messages: at most `n` characters. */
export function clip(t: string, n = 40): string {
  return t.length > n ? `${t.slice(0, n)}…` : t;
}

/**
 * True when some path from node 0 to the last node uses only edges whose op is not `noneOp`; edge e goes
 * from[e] -> to[e], listed so that every edge into a node comes before the edges out of it.
 */
export function outputReachable(ops: readonly number[], from: readonly number[], to: readonly number[], noneOp: number): boolean {
  const last = Math.max(0, ...to);
  const reach = new Array<boolean>(last + 1).fill(false);
  reach[0] = true;
  // from and to have one entry per edge.
  for (let e = 0; e < from.length; e++) if (ops[e] !== noneOp && reach[from[e]!]) reach[to[e]!] = true;
  return reach[last] === true;
}

/**
 * The same cell with every dead edge set to `noneOp`: an edge is dead when no op-carrying path reaches its
 * source from the input node (it only ever sees zeros) or none leads from its target to the output node (its
 * result is never used). The pruned cell computes the same function; a cell without an op-carrying path from
 * input to output prunes to all `noneOp`.
 */
export function pruneDeadEdges(ops: readonly number[], from: readonly number[], to: readonly number[], noneOp: number): number[] {
  const last = Math.max(0, ...to);
  const reach = new Array<boolean>(last + 1).fill(false);
  const coreach = new Array<boolean>(last + 1).fill(false);
  reach[0] = true;
  coreach[last] = true;
  // Fixpoints: the graphs are a few nodes, and no edge order is assumed.
  for (let changed = true; changed; ) {
    changed = false;
    for (let e = 0; e < ops.length; e++) {
      if (ops[e] === noneOp) continue;
      if (reach[from[e]!] && !reach[to[e]!]) changed = reach[to[e]!] = true;
      if (coreach[to[e]!] && !coreach[from[e]!]) changed = coreach[from[e]!] = true;
    }
  }
  return ops.map((op, e) => (op !== noneOp && reach[from[e]!] && coreach[to[e]!] ? op : noneOp));
}

/** Shifts problem offsets by `by` (from text-relative to document-relative). */
export function shiftProblems(problems: ArchProblem[], by: number): ArchProblem[] {
  return problems.map((p) => ({ ...p, start: p.start + by, end: p.end + by }));
}

/** Distinct samples of an enumerable space (all of it when n >= size), in draw order. */
export function sampleEnumerable<A>(space: Pick<SearchSpace<A>, 'size' | 'fromIndex'>, random: Random, n: number): A[] {
  const size = space.size as number;
  const from = space.fromIndex as (i: number) => A;
  if (n >= size) return Array.from({ length: size }, (_, i) => from(i));
  const picked = new Set<number>();
  while (picked.size < n) picked.add(Math.floor(random() * size));
  return [...picked].map(from);
}
