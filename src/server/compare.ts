/**
 * `dele/compare`: two architectures of one space side by side. The positions where they differ come from the
 * space's graph view (`features`: the op of every edge slot, or of every node slot plus the edges between nodes),
 * so every space with an encoder input compares the same way; predictions, ranks and gate weights come from the
 * space's predictor host, as in hovers and the panel.
 */
import { ResponseError } from 'vscode-languageserver/node';
import type { ArchDifference, CompareParams, CompareResult, ComparedArch } from '../protocol/lsp';
import { NB101_OPS } from '../space/nb101';
import { NB301_OPS } from '../space/nb301';
import { INPUT, OUTPUT } from '../space/declared/nodeCell';
import type { ArchFeatures, GraphSpec, SearchSpace } from '../space/types';
import type { ServerContext } from './context';
import type { PredictorHost } from './predictorHost';

/** Longest architecture text accepted (a DARTS genotype is ~400 characters). */
export const COMPARE_MAX_CHARS = 20_000;

/**
 * Op names of built-in spaces whose SearchSpace lists none (`opNames`), by the index their features use:
 * NAS-Bench-301 edges (7 = no edge), NAS-Bench-101 nodes (node-cell vocabulary: input, output, then the ops).
 */
const BUILTIN_OP_NAMES: Readonly<Record<string, readonly string[]>> = {
  nb301: [...NB301_OPS, 'none'],
  nb101: [INPUT, OUTPUT, ...NB101_OPS],
};
/** Names of a multi-cell space's cells (else "cell 1", "cell 2", …). */
const CELL_NAMES: Readonly<Record<string, readonly string[]>> = { nb301: ['normal', 'reduce'] };

/** How an op index of the space's graph view reads: its name where the space has one, else "op k"; "absent" for -1. */
export function opName(space: Pick<SearchSpace, 'id' | 'opNames'>, op: number | undefined): string {
  if (op === undefined || op < 0) return 'absent';
  return (space.opNames ?? BUILTIN_OP_NAMES[space.id])?.[op] ?? `op ${op}`;
}

/**
 * The positions where two architectures' graph views differ, in the space's order: edge slots ("edge 2←1",
 * per cell for multi-cell spaces), or node slots ("node 3") and then the edges between nodes ("edge 1→3").
 */
export function differences(space: Pick<SearchSpace, 'id' | 'opNames'>, graph: GraphSpec, a: ArchFeatures, b: ArchFeatures): { positions: number; differences: ArchDifference[] } {
  const out: ArchDifference[] = [];
  const name = (o: number | undefined): string => opName(space, o);
  if (graph.kind === 'edge-ops') {
    const perCell = graph.edgeFrom.length;
    const cells = graph.cells ?? 1;
    for (let i = 0; i < Math.max(a.ops.length, b.ops.length); i++) {
      if (a.ops[i] === b.ops[i]) continue;
      const e = i % perCell;
      const c = Math.floor(i / perCell);
      const cell = cells > 1 ? `${CELL_NAMES[space.id]?.[c] ?? `cell ${c + 1}`} cell: ` : '';
      out.push({ position: `${cell}edge ${graph.edgeTo[e]}←${graph.edgeFrom[e]}`, a: name(a.ops[i]), b: name(b.ops[i]) });
    }
    return { positions: Math.max(a.ops.length, b.ops.length), differences: out };
  }
  const n = graph.numNodes;
  for (let k = 0; k < n; k++) if (a.ops[k] !== b.ops[k]) out.push({ position: `node ${k}`, a: name(a.ops[k]), b: name(b.ops[k]) });
  let edges = 0;
  for (let i = 0; i < n; i++) {
    for (let j = i + 1; j < n; j++) {
      edges++;
      const x = a.adjacency?.[i * n + j] ?? 0;
      const y = b.adjacency?.[i * n + j] ?? 0;
      if (x !== y) out.push({ position: `edge ${i}→${j}`, a: x ? 'edge' : 'no edge', b: y ? 'edge' : 'no edge' });
    }
  }
  return { positions: n + edges, differences: out };
}

/** Parses one architecture of `space` or throws a readable error naming which one. */
function parseOne(space: SearchSpace, text: unknown, which: string): { arch: unknown; key: string } {
  if (typeof text !== 'string' || text.trim() === '') throw new Error(`the ${which} architecture is missing`);
  if (text.length > COMPARE_MAX_CHARS) throw new Error(`the ${which} architecture is ${text.length.toLocaleString('en-US')} characters long; at most ${COMPARE_MAX_CHARS.toLocaleString('en-US')} are compared`);
  const r = space.parse(text);
  if (!r.ok) throw new Error(`the ${which} architecture is not a ${space.title} architecture: ${r.problems.map((p) => p.message).slice(0, 3).join('; ')}`);
  return { arch: r.arch, key: r.key };
}

function compared(ctx: ServerContext, space: SearchSpace, host: PredictorHost, parsed: { arch: unknown; key: string }): ComparedArch {
  const [p] = host.predict([parsed.arch]);
  if (!p) throw new Error(`the ${space.title} predictor gave no prediction for ${parsed.key}`);
  const standing = host.standing(p.score);
  const trueAccuracy = ctx.trueValue(space.id, parsed.key)?.value;
  const zeros = space.lint(parsed.arch).find((n) => n.outputsZeros);
  return {
    arch: parsed.key,
    predicted: p.accuracy,
    ...(host.percentile(p.score) !== undefined ? { percentile: host.percentile(p.score) } : {}),
    ...(trueAccuracy !== undefined ? { trueAccuracy } : {}),
    experts: p.experts,
    ...(standing ? { rank: standing.rank, rankOf: standing.of } : {}),
    ...(zeros ? { note: `outputs zeros${zeros.outputsZeros?.expected ? ` (${zeros.outputsZeros.expected})` : ''}: no path from the input to the output avoids none; its predicted value means nothing` } : {}),
  };
}

export function compare(ctx: ServerContext, p: CompareParams | null | undefined): CompareResult {
  try {
    if (!p || typeof p !== 'object' || typeof p.space !== 'string') throw new Error('dele/compare needs { space, archs: [a, b] }');
    if (!Array.isArray(p.archs) || p.archs.length !== 2) throw new Error('dele/compare compares exactly two architectures (archs: [a, b])');
    const space = ctx.spaceById(p.space);
    if (!space) throw new Error(`unknown search space '${p.space}'`);
    const a = parseOne(space, p.archs[0], 'first');
    const b = parseOne(space, p.archs[1], 'second');
    const host = ctx.hostFor(space.id);
    if (host === 'stale') throw new Error(`the ${space.title} predictor was trained on an earlier declaration of this space: retrain it to compare its architectures`);
    if (!host?.loaded) throw new Error(`no predictor for ${space.title}: train one with "DELE: Train Predictor…"`);
    const diff = differences(space, space.encoderInput.graph, space.features(a.arch), space.features(b.arch));
    const info = host.info;
    return {
      space: space.id,
      spaceTitle: space.title,
      target: info?.target ?? '',
      unit: info?.targetUnit ?? '',
      referenceLabel: host.referenceLabel(),
      archs: [compared(ctx, space, host, a), compared(ctx, space, host, b)],
      positions: diff.positions,
      differences: diff.differences,
      same: a.key === b.key,
    };
  } catch (e) {
    throw new ResponseError(1, (e as Error).message);
  }
}
