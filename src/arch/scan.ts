/**
 * Finds architecture definitions in any text (Python, JSON, YAML, .arch files), with offsets for
 * diagnostics. Two forms are recognised:
 * - NB201 cell strings `|op~0|+|op~0|op~1|+|op~0|op~1|op~2|`, anywhere (quoted or not);
 * - the project's op-list form, a key `ops` / `nb201_ops` holding a one-line list of the 6 edge ops in
 *   string order, e.g. `ops: [nor_conv_3x3, skip_connect, ...]` (YAML) or `"ops": ["nor_conv_3x3", ...]` (JSON).
 */
import { type ArchProblem, NB201_NUM_EDGES, NB201_OPS, type Nb201Arch, nb201ToString, parseNb201, type ParseResult } from './nb201';

export interface FoundArch {
  /** Offsets into the scanned text; `end` exclusive. */
  start: number;
  end: number;
  text: string;
  form: 'cell-string' | 'op-list';
  /** Problems carry offsets into the scanned text (not relative to `text`). */
  result: ParseResult;
}

// A candidate cell string starts with `|name~`, and runs to the last `|` before a quote, bracket, comma or newline.
const CELL_RE = /\|\s*[A-Za-z_][\w]*\s*~[^\n"'`,;(){}[\]<>]*\|/g;
const OPS_RE = /(["']?)(?:nb201_)?ops\1\s*[:=]\s*\[([^\]\n]*)\]/g;

function shift(problems: ArchProblem[], by: number): ArchProblem[] {
  return problems.map((p) => ({ ...p, start: p.start + by, end: p.end + by }));
}

function parseOpList(listText: string, listStart: number): ParseResult {
  const problems: ArchProblem[] = [];
  const ops: number[] = [];
  const itemRe = /[^,]+/g;
  let m: RegExpExecArray | null;
  const items: { text: string; start: number }[] = [];
  while ((m = itemRe.exec(listText))) {
    const lead = m[0].length - m[0].trimStart().length;
    const raw = m[0].trim();
    if (raw) items.push({ text: raw, start: listStart + m.index + lead });
  }
  for (const it of items) {
    const name = it.text.replace(/^["']|["']$/g, '');
    const op = (NB201_OPS as readonly string[]).indexOf(name);
    if (op < 0) {
      problems.push({ message: `unknown op "${name}"; expected one of ${NB201_OPS.join(', ')}`, start: it.start, end: it.start + it.text.length });
    }
    ops.push(op);
  }
  if (items.length !== NB201_NUM_EDGES) {
    problems.push({
      message: `a NB201 op list needs exactly 6 ops (edges 1<-0, 2<-0, 2<-1, 3<-0, 3<-1, 3<-2), found ${items.length}`,
      start: listStart - 1,
      end: listStart + listText.length + 1,
    });
  }
  if (problems.length > 0) return { ok: false, problems };
  const arch: Nb201Arch = ops;
  return { ok: true, arch, canonical: nb201ToString(arch) };
}

export function findArchitectures(text: string): FoundArch[] {
  const found: FoundArch[] = [];
  for (const m of text.matchAll(CELL_RE)) {
    const start = m.index ?? 0;
    const r = parseNb201(m[0]);
    found.push({
      start,
      end: start + m[0].length,
      text: m[0],
      form: 'cell-string',
      result: r.ok ? r : { ok: false, problems: shift(r.problems, start) },
    });
  }
  for (const m of text.matchAll(OPS_RE)) {
    const start = m.index ?? 0;
    const listStart = start + m[0].indexOf('[') + 1;
    found.push({ start, end: start + m[0].length, text: m[0], form: 'op-list', result: parseOpList(m[2], listStart) });
  }
  return found.sort((a, b) => a.start - b.start);
}
