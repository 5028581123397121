/**
 * NB201 document forms, with offsets for diagnostics:
 * - cell strings `|op~0|+|op~0|op~1|+|op~0|op~1|op~2|`, anywhere (quoted or not);
 * - the op-list form: a key `ops` / `nb201_ops` holding a one-line list of the 6 edge ops in string order,
 *   e.g. `ops: [nor_conv_3x3, skip_connect, ...]` (YAML) or `"ops": ["nor_conv_3x3", ...]` (JSON).
 *   A list is a NB201 cell only when it fits: 6 NB201 op names. A list that almost fits (most items are
 *   NB201 op names) gets a hint; any other list (`ops = []`, `[OPS[n](C) for n in genotype]`, DARTS
 *   primitives, NB101 `["input", "conv3x3-bn-relu", "output"]`) is ordinary code and is left alone.
 */
import { clip, type FoundArch, shiftProblems } from '../types';
import { NB201_NUM_EDGES, NB201_OPS, type Nb201Arch, nb201ToString, parseNb201 } from './cell';

export const NB201_ID = 'nb201';

// A candidate cell string starts with `|name~` and runs to the last `|` before a quote, bracket, comma or
// newline. The quantifiers are bounded so a long line without a match costs linear time.
const CELL_RE = /\|[ \t]{0,8}[A-Za-z_]\w{0,40}[ \t]{0,8}~[^\n"'`,;(){}[\]<>]{0,400}\|/g;
/** An edge entry as a cell writes it: `op~0`, or `op~` (the input missing), whitespace allowed. */
const EDGE_ENTRY_RE = /^[ \t]*[A-Za-z_]\w*[ \t]*~[ \t]*\d*[ \t]*$/;
/** A NB201 op name other than `none` (an ordinary word), anywhere in an entry: `nor_conv_3x3~x`. */
const OP_NAME_RE = new RegExp(`(?:^|\\W)(?:${NB201_OPS.filter((o) => o !== 'none').join('|')})(?:\\W|$)`);

/**
 * A candidate is an attempted cell (and gets diagnostics) only when one of its `|`/`+`-separated entries is
 * an edge entry `op~0` or names a NB201 op; shell pipes (`make | tee ~/build.log | grep error`) and
 * Markdown tables (`| speed | ~2x |`) are no cells, whatever their tildes.
 */
function looksLikeCell(candidate: string): boolean {
  return candidate.split(/[|+]/).some((entry) => EDGE_ENTRY_RE.test(entry) || OP_NAME_RE.test(entry));
}

const OPS_RE = /(["']?)(?:nb201_)?ops\1[ \t]{0,8}[:=][ \t]{0,8}\[([^\][\n]{0,2000})\]/g;

function opListItems(listText: string, listStart: number): { text: string; start: number }[] {
  const items: { text: string; start: number }[] = [];
  for (const m of listText.matchAll(/[^,]+/g)) {
    const lead = m[0].length - m[0].trimStart().length;
    const raw = m[0].trim();
    if (raw) items.push({ text: raw, start: listStart + (m.index ?? 0) + lead });
  }
  return items;
}

/** An op list that fits the space, a near miss (hint), or undefined for a list that is not about NB201. */
function parseOpList(listText: string, listStart: number): FoundArch<Nb201Arch>['result'] | undefined {
  const items = opListItems(listText, listStart).map((it) => {
    const name = it.text.replace(/^["']|["']$/g, '');
    return { ...it, name, op: (NB201_OPS as readonly string[]).indexOf(name) };
  });
  const ops = items.map((it) => it.op);
  const known = ops.filter((o) => o >= 0).length;
  if (items.length === NB201_NUM_EDGES && known === NB201_NUM_EDGES) {
    return { ok: true, arch: ops, key: nb201ToString(ops) };
  }
  // Near miss: most items are NB201 ops, and the count is close to 6.
  if (known < 4 || items.length < 4 || items.length > 8) return undefined;
  const problems = items
    .filter((it) => it.op < 0)
    .map((it) => ({
      message: `not a NB201 op: "${clip(it.name)}" (NB201 ops: ${NB201_OPS.join(', ')})`,
      start: it.start,
      end: it.start + it.text.length,
      severity: 'hint' as const,
    }));
  if (items.length !== NB201_NUM_EDGES) {
    problems.push({
      message: `a NB201 op list has 6 ops (edges 1<-0, 2<-0, 2<-1, 3<-0, 3<-1, 3<-2); this one has ${items.length}`,
      start: listStart - 1,
      end: listStart + listText.length + 1,
      severity: 'hint',
    });
  }
  return { ok: false, problems };
}

export function scanNb201(text: string): FoundArch<Nb201Arch>[] {
  const found: FoundArch<Nb201Arch>[] = [];
  for (const m of text.matchAll(CELL_RE)) {
    if (!looksLikeCell(m[0])) continue;
    const start = m.index ?? 0;
    const r = parseNb201(m[0]);
    found.push({ space: NB201_ID, start, end: start + m[0].length, text: m[0], form: 'cell-string', result: r.ok ? r : { ok: false, problems: shiftProblems(r.problems, start) } });
  }
  for (const m of text.matchAll(OPS_RE)) {
    const start = m.index ?? 0;
    const listStart = start + m[0].indexOf('[') + 1;
    // The list group takes part in every match.
    const result = parseOpList(m[2] ?? '', listStart);
    if (result) found.push({ space: NB201_ID, start, end: start + m[0].length, text: m[0], form: 'op-list', result });
  }
  return found.sort((a, b) => a.start - b.start);
}
