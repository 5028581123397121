/**
 * Search spaces declared by users in a space file (`*.space.yaml`, `*.space.yml` or `*.space.json`; JSON is
 * YAML, so both parse the same way).
 *
 * ## Sequence spaces: one choice per position
 *
 * ```yaml
 * name: mobile-blocks          # the space id: [a-z0-9][a-z0-9._-]{0,63}; not nb201, tnb101-micro, tnb101-macro
 * title: Mobile blocks         # optional, for messages and hovers (default: the name)
 * kind: sequence
 * positions: 5                 # the number of positions
 * choices: [mb3_e3, mb3_e6, mb5_e3, mb5_e6, skip]   # one list for all positions, or a list of lists
 *                                                   # (one per position; then positions may be omitted)
 * find:                        # where architectures appear in workspace files
 *   keys: [arch, blocks]       # a key or variable name followed by ':' or '=' (default: [arch])
 * ```
 *
 * Choice and op names are 1-64 characters of letters, digits, `_ . + -`, starting with a letter, digit or
 * `_` (YAML numbers such as `16` become the name "16"). An architecture is written as a list of names or
 * indices, `[mb3_e3, skip, mb5_e6, mb3_e3, skip]`, `["mb3_e3", "skip", ...]`, `[0, 4, 3, 0, 4]`, or as a
 * string: `mb3_e3-skip-mb5_e6-mb3_e3-skip`, `mb3_e3, skip, ...`, `0-4-3-0-4`, and, when every name is one
 * character, `04304`. Numbers are indices (into the position's choices) unless a name looks like a number;
 * then they are names. If a name contains `-`, strings are comma-separated.
 *
 * ## Cost tables (sequence spaces and cells with ops on edges)
 *
 * ```yaml
 * costs:                       # optional: 1 to 16 named costs, each per choice (the latency-lookup-table convention)
 *   latency_ms: { mb3_e3: 1.2, mb5_e6: 3.4, skip: 0.1 }   # the same at every position (or edge)
 *   params_m:                  # or one mapping per position (or edge)
 *     - { mb3_e3: 0.01, mb5_e6: 0.03 }
 *     - …
 * ```
 *
 * A choice a mapping does not name costs 0; a name that is no choice there is an error. An architecture's cost is
 * the sum over its positions (edges); data files of the space get it as the LF column `cost_<name>` for every
 * architecture (a column of that name in the file wins), so DELE has experts without any measured LF value.
 *
 * ## Cell spaces, ops on edges (NAS-Bench-201-like)
 *
 * ```yaml
 * name: my-cell
 * kind: cell
 * opsOn: edges                 # the default
 * nodes: 4                     # 2 to 10 nodes, including the input node 0; the last node is the output
 * ops: [none, skip, conv1x1, conv3x3]
 * none: none                   # optional: the op meaning "no edge" (notes cells whose output is unreachable)
 * find: { keys: [cell] }
 * ```
 *
 * Every pair of nodes j < i has one edge carrying an op. An architecture lists the ops in edge order
 * 1<-0, 2<-0, 2<-1, 3<-0, 3<-1, 3<-2, ... (node i takes edges from nodes 0..i-1), with the list and string
 * syntaxes of sequence spaces: `[conv3x3, skip, none, conv1x1, conv3x3, skip]` or `3-1-0-2-3-1`.
 *
 * ## Cell spaces, ops on nodes (NAS-Bench-101-like)
 *
 * ```yaml
 * name: my-nb101
 * kind: cell
 * opsOn: nodes
 * nodes: 7                     # 2 to 10: at most this many vertices, input and output included
 * ops: [conv3x3-bn-relu, conv1x1-bn-relu, maxpool3x3]   # ops of intermediate vertices (input, output implicit)
 * maxEdges: 9                  # optional, default 9: at most this many edges (after pruning)
 * find: { keys: [spec, cell] }
 * ```
 *
 * An architecture is `{matrix: [[0, 1, 1], [0, 0, 1], [0, 0, 0]], ops: [input, conv3x3-bn-relu, output]}`
 * (JSON, YAML flow or Python dict; keys quoted or not): the first op is `input`, the last `output`, the matrix
 * an upper-triangular square 0/1 matrix with one row per op. As in NAS-Bench-101, vertices not on a path from
 * the input to the output are pruned (no such path is an error), and isomorphic cells are one architecture.
 *
 * ## Where architectures are found
 *
 * In any file, a `find.keys` key followed by `:` or `=`: `arch: [...]` (YAML), `"arch": "0-2-1"` (JSON),
 * `arch = [0, 2, 1]` or `f(arch=...)` (Python), `arch: 0-2-1` (an unquoted YAML scalar, to the end of the line
 * or a ` #` comment), a YAML block sequence (`arch:` followed by `- name` lines), and for node cells a YAML
 * block mapping (`cell:` followed by `matrix: ...` and `ops: ...` lines). Values that are not architectures
 * (`arch = build(cfg)`, `arch = []`, a variable name, a list of unrelated words) are left alone.
 *
 * Unknown fields are errors (they are usually typos). The normalised declaration (title and find filled in,
 * choices as one list per position, opsOn and maxEdges explicit) is stored with predictors trained on the
 * space, so they load without the file.
 */
import YAML from 'yaml';
import type { SearchSpace } from '../types';
import { type FieldPath, type SpaceDeclaration, SpaceFileError, validateDeclaration } from './declaration';
import { edgeCellSpace, sequenceSpace } from './listSpace';
import { nodeCellSpace } from './nodeCell';

export {
  type EdgeCellSpaceDeclaration,
  type NodeCellSpaceDeclaration,
  type SequenceSpaceDeclaration,
  type SpaceDeclaration,
  SpaceFileError,
  validateDeclaration,
} from './declaration';
export { type Lit, readLiteral } from './literal';
export type { ListArch } from './listSpace';
export { canonicalCell, type NodeCellArch, nodeCellKey, pruneCell } from './nodeCell';

/** File names of space files. */
export const SPACE_FILE_RE = /\.space\.(ya?ml|json)$/i;

/** Space files larger than this are refused. */
const MAX_SPACE_FILE = 1_000_000;

/** Validates a declaration (raw, or a normalised one read back) and builds its space; throws SpaceFileError. */
export function declaredSpace(decl: SpaceDeclaration | unknown, where: string, reservedIds: readonly string[] = []): SearchSpace {
  const d = validateDeclaration(decl, where, reservedIds);
  if (d.kind === 'sequence') return sequenceSpace(d) as SearchSpace;
  if (d.opsOn === 'edges') return edgeCellSpace(d) as SearchSpace;
  return nodeCellSpace(d) as SearchSpace;
}

function lineCol(text: string, pos: number): string {
  const before = text.slice(0, pos);
  const line = before.split('\n').length;
  return `line ${line}, column ${pos - (before.lastIndexOf('\n') + 1) + 1}`;
}

type Range = { start: number; end: number };

function nodeRange(node: unknown): Range | undefined {
  const r = (node as { range?: [number, number, number] } | null | undefined)?.range;
  return r ? { start: r[0], end: Math.max(r[1], r[0] + 1) } : undefined;
}

/** The text range of a field: its value (or its key, for `onKey`), else the nearest enclosing node. */
function fieldRange(doc: YAML.Document, text: string, path: FieldPath, onKey: boolean): Range {
  for (let n = path.length; n >= 0; n--) {
    const p = path.slice(0, n);
    if (onKey && n === path.length && n > 0) {
      const parent = n === 1 ? doc.contents : doc.getIn(p.slice(0, -1), true);
      if (YAML.isMap(parent)) {
        const pair = parent.items.find((it) => YAML.isScalar(it.key) && String(it.key.value) === String(p[n - 1]));
        const r = pair && nodeRange(pair.key);
        if (r) return r;
      }
      continue;
    }
    if (n === 0) break;
    const r = nodeRange(doc.getIn(p, true));
    if (r) return r;
  }
  // A missing top-level field: the first line.
  const lead = text.length - text.trimStart().length;
  const eol = text.indexOf('\n', lead);
  return { start: lead, end: Math.max(lead + 1, eol < 0 ? text.length : eol) };
}

/**
 * Parses and validates a space file (YAML or JSON); errors are SpaceFileErrors with offsets into `text`. Callers
 * outside src/space use the registry's parseSpaceFile, which reserves the built-in spaces' ids.
 */
/**
 * A space file's `results:` (not part of the space: where the user's training jobs append results, relative to the
 * space file): a path, or `{file, target}` naming the value column.
 */
export interface ResultsFileRef {
  file: string;
  target?: string;
}

function resultsRef(raw: unknown, fileName: string): ResultsFileRef {
  const bad = (path: (string | number)[]): never => {
    throw new SpaceFileError(`${fileName}: ${path.join('.')}: expected a results file path, or { file: path, target: column }`, { path });
  };
  if (typeof raw === 'string') return raw.trim() !== '' ? { file: raw.trim() } : bad(['results']);
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return bad(['results']);
  const o = raw as Record<string, unknown>;
  for (const k of Object.keys(o)) if (k !== 'file' && k !== 'target') bad(['results', k]);
  if (typeof o.file !== 'string' || o.file.trim() === '') return bad(['results', 'file']);
  if (o.target !== undefined && (typeof o.target !== 'string' || o.target === '')) return bad(['results', 'target']);
  return { file: o.file.trim(), ...(typeof o.target === 'string' ? { target: o.target } : {}) };
}

export function parseSpaceFile(text: string, fileName: string, reservedIds: readonly string[] = []): { space: SearchSpace; declaration: SpaceDeclaration; results?: ResultsFileRef } {
  if (text.length > MAX_SPACE_FILE) throw new SpaceFileError(`${fileName}: a space file is at most ${MAX_SPACE_FILE} characters`, { start: 0, end: 1 });
  const doc = YAML.parseDocument(text, { prettyErrors: false, uniqueKeys: true });
  const err = doc.errors[0];
  if (err) {
    const [start, end] = err.pos;
    throw new SpaceFileError(`${fileName}: ${lineCol(text, start)}: ${err.message}`, { start, end: Math.max(end, start + 1) });
  }
  if (doc.contents === null) throw new SpaceFileError(`${fileName}: empty space file; it declares name, kind and choices or ops`, { start: 0, end: Math.max(1, text.length) });
  let raw: unknown;
  try {
    raw = doc.toJS({ maxAliasCount: 100 });
  } catch (e) {
    throw new SpaceFileError(`${fileName}: ${(e as Error).message}`, { start: 0, end: Math.max(1, text.length) });
  }
  try {
    // `results:` says where results go, not what the space is: it stays out of the declaration (which predictors store).
    const hasResults = typeof raw === 'object' && raw !== null && !Array.isArray(raw) && Object.hasOwn(raw, 'results');
    const results = hasResults ? resultsRef((raw as Record<string, unknown>).results, fileName) : undefined;
    const { results: _, ...rest } = hasResults ? (raw as Record<string, unknown>) : { results: undefined };
    const declaration = validateDeclaration(hasResults ? rest : raw, fileName, reservedIds);
    return { space: declaredSpace(declaration, fileName), declaration, ...(results ? { results } : {}) };
  } catch (e) {
    if (SpaceFileError.is(e) && e.start === undefined) {
      const r = fieldRange(doc, text, e.path ?? [], e.onKey ?? false);
      throw e.withRange(r.start, r.end);
    }
    throw e;
  }
}
