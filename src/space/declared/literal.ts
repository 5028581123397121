/**
 * One small reader for the literals architectures are written in: JSON, YAML flow collections and Python
 * literals. Lists `[...]` (and Python tuples `(...)`), mappings `{key: value}` (keys quoted or bare),
 * single- or double-quoted strings, numbers and bare words (`mb3_e3`, `conv3x3`, `0-2-1`). Every value carries
 * its offsets in the source (`end` exclusive), so parsers and scanners report exact ranges. `#` starts a
 * comment inside collections. The work is bounded: nesting depth and the number of values are capped.
 */

import { isDecimalText } from '../../util/decimal';
export type Lit =
  | { kind: 'list'; items: Lit[]; start: number; end: number }
  | { kind: 'dict'; entries: { key: Lit; value: Lit }[]; start: number; end: number }
  /** A quoted string; start/end include the quotes, `value` is unescaped. */
  | { kind: 'str'; value: string; start: number; end: number }
  | { kind: 'num'; value: number; start: number; end: number }
  | { kind: 'word'; start: number; end: number }
  /** Unquoted text in string syntax (`0-2-1`, `a, b, c`), made by callers, never by the reader. */
  | { kind: 'raw'; start: number; end: number };

export type ReadResult = { ok: true; lit: Lit; end: number } | { ok: false; message: string; start: number; end: number };

const MAX_DEPTH = 16;
const MAX_VALUES = 20_000;

/** Characters of a bare word (and of declared names). */
export function isWordChar(c: string | undefined): boolean {
  if (c === undefined) return false;
  const k = c.charCodeAt(0);
  return (k >= 48 && k <= 57) || (k >= 65 && k <= 90) || (k >= 97 && k <= 122) || c === '_' || c === '.' || c === '+' || c === '-';
}


class Fail {
  constructor(
    readonly message: string,
    readonly start: number,
    readonly end: number,
  ) {}
}

/** Reads one value starting at `pos` (leading whitespace skipped), reading no further than `limit`. */
export function readLiteral(src: string, pos: number, limit = src.length): ReadResult {
  let i = pos;
  let values = 0;
  const fail = (message: string, start: number, end = start + 1): never => {
    throw new Fail(message, Math.max(pos, Math.min(start, limit - 1)), Math.min(Math.max(end, start + 1), Math.max(limit, pos + 1))); // at the end of the input: its last character
  };
  const ch = (): string | undefined => (i < limit ? src[i] : undefined);
  const skip = (): void => {
    while (i < limit) {
      const c = src[i];
      if (c === ' ' || c === '\t' || c === '\n' || c === '\r') i++;
      else if (c === '#') {
        while (i < limit && src[i] !== '\n') i++;
      } else break;
    }
  };
  const value = (depth: number): Lit => {
    skip();
    if (i >= limit) fail('expected a value', i);
    if (++values > MAX_VALUES) fail('too many values', i);
    if (depth > MAX_DEPTH) fail('nested too deeply', i);
    const c = src[i];
    const start = i;
    if (c === '[' || c === '(') {
      const close = c === '[' ? ']' : ')';
      i++;
      const items: Lit[] = [];
      for (;;) {
        skip();
        if (ch() === close) break;
        items.push(value(depth + 1));
        skip();
        if (ch() === ',') i++;
        else if (ch() !== close) fail(i >= limit ? `missing "${close}"` : `expected "," or "${close}"`, i >= limit ? start : i);
      }
      i++;
      return { kind: 'list', items, start, end: i };
    }
    if (c === '{') {
      i++;
      const entries: { key: Lit; value: Lit }[] = [];
      for (;;) {
        skip();
        if (ch() === '}') break;
        const key = value(depth + 1);
        if (key.kind === 'list' || key.kind === 'dict') fail('a key is a name or a string', key.start, key.end);
        skip();
        if (ch() !== ':') fail('expected ":"', i);
        i++;
        entries.push({ key, value: value(depth + 1) });
        skip();
        if (ch() === ',') i++;
        else if (ch() !== '}') fail(i >= limit ? 'missing "}"' : 'expected "," or "}"', i >= limit ? start : i);
      }
      i++;
      return { kind: 'dict', entries, start, end: i };
    }
    if (c === '"' || c === "'") {
      let out = '';
      let j = i + 1;
      for (;;) {
        if (j >= limit || src[j] === '\n') fail('unterminated string', start, j);
        const ch = src[j];
        if (ch === c) break;
        if (ch === '\\' && j + 1 < limit) {
          const e = src[j + 1];
          out += e === 'n' ? '\n' : e === 't' ? '\t' : e;
          j += 2;
        } else {
          out += ch;
          j++;
        }
      }
      i = j + 1;
      return { kind: 'str', value: out, start, end: i };
    }
    if (isWordChar(c)) {
      let j = i;
      while (j < limit && isWordChar(src[j])) j++;
      i = j;
      const text = src.slice(start, j);
      return isDecimalText(text) ? { kind: 'num', value: Number(text), start, end: j } : { kind: 'word', start, end: j };
    }
    return fail(`unexpected "${c}"`, i);
  };
  try {
    const lit = value(0);
    return { ok: true, lit, end: i };
  } catch (e) {
    if (e instanceof Fail) return { ok: false, message: e.message, start: e.start, end: e.end };
    throw e;
  }
}

/** The text of a scalar literal: a string's value, a word's or number's source text; undefined otherwise. */
export function scalarText(src: string, lit: Lit): string | undefined {
  if (lit.kind === 'str') return lit.value;
  if (lit.kind === 'word' || lit.kind === 'num' || lit.kind === 'raw') return src.slice(lit.start, lit.end);
  return undefined;
}

/** One item of an architecture list, with its range in the source. */
export interface Item {
  text: string;
  start: number;
  end: number;
  /** A list or mapping where a name was expected. */
  nested?: boolean;
}

export interface SplitRules {
  /** Split on `-` (no name contains one). */
  dash: boolean;
  /** Every name is one character, so a string without separators is split into characters. */
  chars: boolean;
}

/**
 * Splits string syntax into items: on commas if there are any, else on dashes (when names have none), else on
 * whitespace, else into characters (when every name is one character), else one item. Items are trimmed.
 */
export function splitItems(src: string, start: number, end: number, rules: SplitRules): Item[] {
  const s = src.slice(start, end);
  const items: Item[] = [];
  const pieces = (sep: string): void => {
    let at = 0;
    for (;;) {
      const next = s.indexOf(sep, at);
      const piece = s.slice(at, next < 0 ? s.length : next);
      const lead = piece.length - piece.trimStart().length;
      const t = piece.trim();
      const a = start + at + lead;
      items.push({ text: t, start: a, end: a + t.length });
      if (next < 0) break;
      at = next + 1;
    }
  };
  if (s.includes(',')) pieces(',');
  else if (rules.dash && s.includes('-')) pieces('-');
  else if (/\S\s+\S/.test(s)) {
    for (const m of s.matchAll(/\S+/g)) items.push({ text: m[0], start: start + (m.index ?? 0), end: start + (m.index ?? 0) + m[0].length });
  } else {
    const lead = s.length - s.trimStart().length;
    const t = s.trim();
    if (rules.chars && t.length > 1) [...t].forEach((ch, k) => items.push({ text: ch, start: start + lead + k, end: start + lead + k + 1 }));
    else if (t.length > 0) items.push({ text: t, start: start + lead, end: start + lead + t.length });
  }
  return items;
}

/** Items of a list literal, or of a string / unquoted text in string syntax; undefined for a mapping. */
export function itemsOf(src: string, lit: Lit, rules: SplitRules): Item[] | undefined {
  switch (lit.kind) {
    case 'list':
      return lit.items.map((it) => {
        const text = scalarText(src, it);
        return text === undefined ? { text: src.slice(it.start, it.end), start: it.start, end: it.end, nested: true } : { text, start: it.start, end: it.end };
      });
    case 'str':
      return splitItems(src, lit.start + 1, lit.end - 1, rules);
    case 'word':
    case 'num':
    case 'raw':
      return splitItems(src, lit.start, lit.end, rules);
    default:
      return undefined;
  }
}

/** Reads a whole text as one architecture value: a literal, or (not starting with a bracket or quote) raw text. */
export function readWhole(text: string): ReadResult {
  const lead = text.length - text.trimStart().length;
  const end = text.trimEnd().length;
  if (lead >= end) return { ok: false, message: 'empty architecture', start: 0, end: Math.max(1, text.length) };
  const c = text[lead];
  if (c !== '[' && c !== '(' && c !== '{' && c !== '"' && c !== "'") return { ok: true, lit: { kind: 'raw', start: lead, end }, end };
  const r = readLiteral(text, lead, text.length);
  if (!r.ok) return r;
  let j = r.end;
  while (j < text.length && /\s/.test(text[j]!)) j++;
  if (j < text.length) return { ok: false, message: 'unexpected text after the architecture', start: j, end: text.length };
  return r;
}

