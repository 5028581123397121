/**
 * Finds a declared space's architectures in a document of any language: a declared key (or variable name)
 * followed by `:` or `=`, then the value:
 * - a literal: `arch: [mb3_e3, skip]`, `"arch": ["mb3_e3", "skip"]`, `arch = (0, 2, 1)`, `arch = "0-2-1"`,
 *   `cell = {'matrix': [[0, 1], [0, 0]], 'ops': ['input', 'output']}`;
 * - an unquoted YAML scalar up to the end of the line or a ` #` comment: `arch: 0-2-1`, `arch: a, b, c`;
 * - a YAML block sequence of scalars (`arch:` then `- mb3_e3` lines), or a YAML block mapping of flow values
 *   (`cell:` then `matrix: [[...]]` and `ops: [...]` lines).
 * The space decides whether a value is an architecture at all (interpret returns undefined for ordinary
 * code: a call, a variable name, an empty list, a list of unrelated words). All work is bounded: quantifiers
 * in the key pattern, characters read per value and in total, and matches per document.
 */
import type { FoundArch, ParseResult } from '../types';
import { type Lit, readLiteral } from './literal';

/** Longest architecture text parse() accepts. */
export const MAX_TEXT = 20_000;
/** Most problems reported for one architecture. */
export const MAX_PROBLEMS = 50;
/** Most architectures reported per document. */
export const MAX_FOUND = 2_000;
const MAX_KEY_MATCHES = 20_000;
const MAX_READ_TOTAL = 2_000_000;
const MAX_LINE = 2_000;
const MAX_BLOCK_ITEMS = 1_000;

export type Interpret<A> = (src: string, lit: Lit) => ParseResult<A> | undefined;

const escapeRe = (s: string): string => s.replace(/[.*+?^${}()|[\]\\-]/g, '\\$&');

export function keyPattern(keys: readonly string[]): RegExp {
  const alts = [...keys].sort((a, b) => b.length - a.length).map(escapeRe).join('|');
  return new RegExp(`(?<![\\w$-])(["']?)(?:${alts})\\1[ \\t]{0,16}(:(?![:=])|=(?![=>]))[ \\t]{0,16}`, 'g');
}

function lineStartOf(text: string, pos: number): number {
  return text.lastIndexOf('\n', pos - 1) + 1;
}

function lineEndOf(text: string, pos: number): number {
  const e = text.indexOf('\n', pos);
  return e < 0 ? text.length : e;
}

/** Where a YAML / Python comment starts on [from, to): a `#` at the start or after whitespace; else `to`. */
function commentStart(text: string, from: number, to: number): number {
  for (let k = from; k < to; k++) if (text[k] === '#' && (k === from || text[k - 1] === ' ' || text[k - 1] === '\t')) return k;
  return to;
}

/** A scalar on [from, to): quoted string or unquoted text (kind 'raw'), comment and trailing , ; removed. */
function scalarAt(text: string, from: number, to: number): Lit | undefined {
  let end = commentStart(text, from, to);
  while (end > from && /[\s,;]/.test(text[end - 1]!)) end--;
  let start = from;
  while (start < end && (text[start] === ' ' || text[start] === '\t')) start++;
  if (start >= end) return undefined;
  const c = text[start];
  if (c === '"' || c === "'") {
    const r = readLiteral(text, start, end);
    return r.ok && r.lit.kind === 'str' && r.end === end ? r.lit : undefined;
  }
  if (c === '[' || c === '(' || c === '{') return undefined;
  return { kind: 'raw', start, end };
}

/** The YAML block collection after `key:` at the end of a line, if it is a sequence of scalars or a mapping. */
function readBlock(text: string, keyColumn: number, afterKey: number): Lit | undefined {
  let pos = lineEndOf(text, afterKey) + 1;
  // Skip blank and comment lines.
  for (;;) {
    if (pos >= text.length) return undefined;
    const end = lineEndOf(text, pos);
    if (/^[ \t]*(#.*)?\r?$/.test(text.slice(pos, Math.min(end, pos + MAX_LINE)))) pos = end + 1;
    else break;
  }
  const first = text.slice(pos, Math.min(lineEndOf(text, pos), pos + MAX_LINE));
  const indent = first.length - first.replace(/^[ \t]*/, '').length;
  if (indent < keyColumn) return undefined;
  const isSeq = /^[ \t]*-(?:[ \t]|\r?$)/.test(first);
  if (!isSeq && indent === keyColumn) return undefined;
  const items: Lit[] = [];
  const entries: { key: Lit; value: Lit }[] = [];
  let start = -1;
  let end = -1;
  while (pos < text.length && items.length + entries.length < MAX_BLOCK_ITEMS) {
    const le = lineEndOf(text, pos);
    const line = text.slice(pos, Math.min(le, pos + MAX_LINE));
    if (/^[ \t]*(#.*)?\r?$/.test(line)) {
      pos = le + 1;
      continue;
    }
    const ind = line.length - line.replace(/^[ \t]*/, '').length;
    if (ind !== indent) break;
    const at = pos + ind;
    if (isSeq) {
      if (!/^-(?:[ \t]|\r?$)/.test(line.slice(ind))) break;
      const lit = scalarAt(text, at + 1, le);
      if (!lit) return undefined; // a nested collection: not a list of names
      items.push(lit);
      if (start < 0) start = at;
      end = lit.end;
      pos = le + 1;
    } else {
      const m = /^(?:"([^"\n]{1,64})"|'([^'\n]{1,64})'|([A-Za-z_$][\w$.-]{0,63}))[ \t]{0,16}:(?:[ \t]|\r?$)/.exec(line.slice(ind));
      if (!m) break;
      const key: Lit = m[3] !== undefined ? { kind: 'word', start: at, end: at + m[3].length } : { kind: 'str', value: (m[1] ?? m[2])!, start: at, end: at + m[0].trimEnd().length - 1 };
      let v = at + m[0].length;
      while (v < le && (text[v] === ' ' || text[v] === '\t')) v++;
      let value: Lit | undefined;
      if (text[v] === '[' || text[v] === '{' || text[v] === '(') {
        const r = readLiteral(text, v, Math.min(text.length, v + MAX_TEXT));
        if (!r.ok) return undefined;
        value = r.lit;
        pos = lineEndOf(text, r.end) + 1;
      } else {
        value = scalarAt(text, v, le);
        pos = le + 1;
      }
      if (!value) return undefined;
      entries.push({ key, value });
      if (start < 0) start = at;
      end = value.end;
    }
  }
  if (start < 0) return undefined;
  return isSeq ? { kind: 'list', items, start, end } : { kind: 'dict', entries, start, end };
}

/** Runs the key pattern over `text` and lets `interpret` judge every value. */
export function scanKeys<A>(text: string, space: string, keys: readonly string[], interpret: Interpret<A>): FoundArch<A>[] {
  const found: FoundArch<A>[] = [];
  if (keys.length === 0) return found;
  const re = keyPattern(keys);
  let matches = 0;
  let budget = MAX_READ_TOTAL;
  for (let m = re.exec(text); m && found.length < MAX_FOUND && matches < MAX_KEY_MATCHES && budget > 0; m = re.exec(text)) {
    matches++;
    const p = re.lastIndex;
    const c = text[p];
    let lit: Lit | undefined;
    if (c === undefined || c === '\n' || c === '\r' || c === '#') {
      if (m[2] === ':') {
        const ls = lineStartOf(text, m.index);
        const lit0 = readBlock(text, m.index - ls, p);
        budget -= lit0 ? lit0.end - p : MAX_LINE;
        lit = lit0;
      }
    } else if (c === '[' || c === '(' || c === '{' || c === '"' || c === "'") {
      const limit = Math.min(text.length, p + MAX_TEXT);
      const r = readLiteral(text, p, limit);
      // A literal that runs out failed after reading up to `limit`: charge all of it (linear time on long lines).
      budget -= r.ok ? r.end - p : limit - p;
      if (r.ok) {
        // An expression that merely starts with a literal (`"a b".split()`, `[0] * 5`, `[f(x) for ...]`) is code.
        let j = r.end;
        while (j < text.length && (text[j] === ' ' || text[j] === '\t')) j++;
        const next = text[j];
        if (next === undefined || !/[\w.([+*%/@&|^<>!?$`]/.test(next)) lit = r.lit;
      }
    } else {
      const le = Math.min(lineEndOf(text, p), p + MAX_LINE);
      budget -= le - p;
      const s = scalarAt(text, p, le);
      // Unquoted text is an architecture candidate only when made of name characters and separators.
      if (s && s.kind === 'raw' && /^[A-Za-z0-9_.+\-, \t]+$/.test(text.slice(s.start, s.end))) lit = s;
      else if (s && s.kind === 'str') lit = s;
    }
    if (!lit) continue;
    const result = interpret(text, lit);
    if (!result) continue;
    const problems = result.ok ? result : { ok: false as const, problems: result.problems.slice(0, MAX_PROBLEMS) };
    found.push({ space, start: lit.start, end: lit.end, text: text.slice(lit.start, lit.end), form: 'key', result: problems });
    if (lit.end > re.lastIndex) re.lastIndex = lit.end;
  }
  return found;
}
