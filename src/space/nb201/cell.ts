/**
 * NAS-Bench-201 cell space: parsing with character offsets, canonical form, enumeration and encodings.
 *
 * A cell has 4 nodes; node t (t = 1..3) takes one edge from every earlier node j < t, so 6 edges in the
 * order (1<-0), (2<-0), (2<-1), (3<-0), (3<-1), (3<-2), the same order as in the string
 * `|op~0|+|op~0|op~1|+|op~0|op~1|op~2|`. 5 ops per edge give 5^6 = 15,625 cells.
 */

import { ArchParseError, type ArchProblem, clip, outputReachable } from '../types';

export { ArchParseError, type ArchProblem };

/** Longer texts are rejected at once: a valid cell string has fewer than 120 characters. */
export const MAX_CELL_TEXT = 1000;

export const NB201_OPS = ['none', 'skip_connect', 'nor_conv_1x1', 'nor_conv_3x3', 'avg_pool_3x3'] as const;
export type Nb201Op = (typeof NB201_OPS)[number];
export const NB201_NUM_EDGES = 6;
export const NB201_NUM_NODES = 4;
export const NB201_SPACE_SIZE = 5 ** NB201_NUM_EDGES;

/** Edge e goes from EDGE_FROM[e] to EDGE_TO[e]. */
export const NB201_EDGE_FROM: readonly number[] = [0, 0, 1, 0, 1, 2];
export const NB201_EDGE_TO: readonly number[] = [1, 2, 2, 3, 3, 3];

/** A cell as 6 op indices (into NB201_OPS), in edge order. */
export type Nb201Arch = readonly number[];

export type ParseResult = NbParse;
type NbParse = { ok: true; arch: Nb201Arch; key: string } | { ok: false; problems: ArchProblem[] };

/**
 * Parses a NB201 cell string. Whitespace around tokens is tolerated; within a node the edges may come in
 * any order (they are keyed by `~j`), the canonical string orders them by input node.
 * Every problem found is reported with its exact character range, not just the first.
 */
export function parseNb201(text: string): ParseResult {
  if (text.length > MAX_CELL_TEXT) {
    return { ok: false, problems: [{ message: `a NB201 cell string has at most ${MAX_CELL_TEXT} characters, this one ${text.length}`, start: 0, end: text.length }] };
  }
  const problems: ArchProblem[] = [];
  const ops: number[] = new Array<number>(NB201_NUM_EDGES).fill(-1);
  // Split into node segments on '+', remembering offsets.
  const segments: { text: string; start: number }[] = [];
  let segStart = 0;
  for (let i = 0; i <= text.length; i++) {
    if (i === text.length || text[i] === '+') {
      segments.push({ text: text.slice(segStart, i), start: segStart });
      segStart = i + 1;
    }
  }
  if (segments.length !== NB201_NUM_NODES - 1) {
    problems.push({
      message: `expected 3 node segments separated by '+', found ${segments.length}`,
      start: 0,
      end: Math.max(1, text.length),
    });
    return { ok: false, problems };
  }
  segments.forEach((seg, s) => {
    const node = s + 1;
    const trimmedStart = Math.min(seg.start + (seg.text.length - seg.text.trimStart().length), text.length - 1); // an empty last segment: its '+'
    const body = seg.text.trim();
    const bodyEnd = trimmedStart + body.length;
    if (!body.startsWith('|') || !body.endsWith('|') || body.length < 2) {
      problems.push({
        message: `node ${node}: a segment must look like |op~0|...|, with '|' at both ends`,
        start: trimmedStart,
        end: Math.max(trimmedStart + 1, bodyEnd),
      });
      return;
    }
    // Entries between pipes.
    let entryStart = trimmedStart + 1;
    const entries: { text: string; start: number }[] = [];
    for (let i = trimmedStart + 1; i < bodyEnd; i++) {
      if (text[i] === '|') {
        entries.push({ text: text.slice(entryStart, i), start: entryStart });
        entryStart = i + 1;
      }
    }
    const seen = new Set<number>();
    for (const entry of entries) {
      const lead = entry.text.length - entry.text.trimStart().length;
      const raw = entry.text.trim();
      const rawStart = entry.start + lead;
      const rawEnd = rawStart + raw.length;
      const tilde = raw.lastIndexOf('~');
      if (raw.length === 0) {
        problems.push({ message: `node ${node}: empty edge between '|'`, start: entry.start, end: entry.start + 1 });
        continue;
      }
      if (tilde < 0) {
        problems.push({ message: `node ${node}: edge "${clip(raw)}" must be op~input`, start: rawStart, end: rawEnd });
        continue;
      }
      // Whitespace around the op name and the input node is tolerated: `| none ~ 0 |`.
      const opName = raw.slice(0, tilde).trimEnd();
      const fromRaw = raw.slice(tilde + 1);
      const fromText = fromRaw.trimStart();
      const op = (NB201_OPS as readonly string[]).indexOf(opName);
      if (op < 0) {
        problems.push({
          message: opName ? `unknown op "${clip(opName)}"; expected one of ${NB201_OPS.join(', ')}` : 'missing op name before "~"',
          start: rawStart,
          end: rawStart + Math.max(1, opName.length),
        });
      }
      const from = /^\d+$/.test(fromText) ? Number(fromText) : NaN;
      const fromStart = rawStart + tilde + 1 + (fromRaw.length - fromText.length);
      if (!Number.isInteger(from) || from >= node) {
        problems.push({
          message: `node ${node} takes inputs from nodes 0..${node - 1}, not "${clip(fromText)}"`,
          start: fromStart,
          end: Math.max(fromStart + 1, rawEnd),
        });
        continue;
      }
      if (seen.has(from)) {
        problems.push({ message: `node ${node} has two edges from node ${from}`, start: rawStart, end: rawEnd });
        continue;
      }
      seen.add(from);
      if (op >= 0) ops[edgeIndex(from, node)] = op;
    }
    if (entries.length !== node) {
      problems.push({
        message: `node ${node} needs exactly ${node} edge${node > 1 ? 's' : ''} (from nodes 0..${node - 1}), found ${entries.length}`,
        start: trimmedStart,
        end: bodyEnd,
      });
    } else {
      for (let from = 0; from < node; from++) {
        if (!seen.has(from) && !problems.some((p) => p.start >= trimmedStart && p.end <= bodyEnd)) {
          problems.push({ message: `node ${node} has no edge from node ${from}`, start: trimmedStart, end: bodyEnd });
        }
      }
    }
  });
  if (problems.length > 0 || ops.some((o) => o < 0)) {
    if (problems.length === 0) problems.push({ message: 'incomplete cell', start: 0, end: Math.max(1, text.length) });
    return { ok: false, problems };
  }
  return { ok: true, arch: ops, key: nb201ToString(ops) };
}

/** Parses or throws an ArchParseError. */
export function parseNb201OrThrow(text: string): Nb201Arch {
  const r = parseNb201(text);
  if (!r.ok) throw new ArchParseError(r.problems, text);
  return r.arch;
}

function edgeIndex(from: number, to: number): number {
  return (to * (to - 1)) / 2 + from;
}

export function nb201ToString(arch: Nb201Arch): string {
  const node = (t: number): string =>
    '|' +
    Array.from({ length: t }, (_, j) => `${NB201_OPS[arch[edgeIndex(j, t)]!]}~${j}`).join('|') +
    '|';
  return `${node(1)}+${node(2)}+${node(3)}`;
}

/** Index in base-5 enumeration order (edge 0 most significant), 0..15624. Not the NB201 benchmark index. */
export function nb201Code(arch: Nb201Arch): number {
  let c = 0;
  for (const op of arch) c = c * 5 + op;
  return c;
}

export function nb201FromCode(code: number): Nb201Arch {
  if (!Number.isInteger(code) || code < 0 || code >= NB201_SPACE_SIZE) throw new RangeError(`code ${code} out of range`);
  const ops = new Array<number>(NB201_NUM_EDGES);
  for (let e = NB201_NUM_EDGES - 1; e >= 0; e--) {
    ops[e] = code % 5;
    code = Math.floor(code / 5);
  }
  return ops;
}

/** All 15,625 cells in code order. */
export function* enumerateNb201(): Generator<Nb201Arch> {
  for (let c = 0; c < NB201_SPACE_SIZE; c++) yield nb201FromCode(c);
}

/** Op sequence for sequence encoders (LSTM): the 6 op indices in edge order. */
export function nb201OpSequence(arch: Nb201Arch): number[] {
  return [...arch];
}

/** Op-index adjacency: A[to][from] = op index (0 = none / no edge), 4x4, lower triangular. */
export function nb201OpMatrix(arch: Nb201Arch): number[][] {
  const a = Array.from({ length: NB201_NUM_NODES }, () => new Array<number>(NB201_NUM_NODES).fill(0));
  // The edge tables have NB201_NUM_EDGES entries, nodes < NB201_NUM_NODES; an architecture has one op per edge.
  for (let e = 0; e < NB201_NUM_EDGES; e++) a[NB201_EDGE_TO[e]!]![NB201_EDGE_FROM[e]!] = arch[e]!;
  return a;
}

/** DAG adjacency (1 where an edge carries an op other than none) and per-edge op one-hot, for GCN encoders. */
export function nb201GraphEncoding(arch: Nb201Arch): { adjacency: number[][]; opOneHot: number[][][] } {
  const m = nb201OpMatrix(arch);
  const adjacency = m.map((row, to) => row.map((op, from) => (from < to && op !== 0 ? 1 : 0)));
  const opOneHot = m.map((row, to) =>
    row.map((op, from) => NB201_OPS.map((_, k) => (from < to && k === op ? 1 : 0))),
  );
  return { adjacency, opOneHot };
}

/** True when some path from the input node to the output node carries no `none` edge. */
export function nb201IsConnected(arch: Nb201Arch): boolean {
  return outputReachable(arch, NB201_EDGE_FROM, NB201_EDGE_TO, 0);
}
