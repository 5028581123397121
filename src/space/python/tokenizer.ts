/**
 * The Python tokenizer of the expression reader (reader.ts): names, numbers, strings, operators, brackets
 * and logical line ends, as parallel typed arrays of kinds, flags and 0-based text offsets.
 *
 * It matches brackets itself (recovering from a closer of the wrong kind, and from a statement keyword such
 * as `def` or `import` at the start of a line inside an unclosed bracket), so the reader never looks for a
 * closer and a typo cannot swallow the rest of the document beyond what Python would. Work and memory are
 * linear in the text; it never throws. Pure TypeScript, no imports.
 */

export const T_NAME = 0;
export const T_NUM = 1;
export const T_STR = 2;
export const T_OP = 3;
export const T_OPEN = 4;
export const T_CLOSE = 5;
/** A logical line end: emitted only outside brackets, never twice in a row. */
export const T_NL = 6;
/** A character that is no Python token (`$`, `?`, a lone backslash, an emoji). */
const T_ERR = 7;

// T_STR flags; aux = prefix length | quote length << 4.
export const F_RAW = 1;
export const F_FSTR = 2;
export const F_UNTERMINATED = 4;
// T_NUM flag.
export const F_BADNUM = 1;
// T_OPEN flags; aux = index of the closer (F_CLOSER) or of the first token after the group's content.
export const F_CLOSER = 1;
export const F_MISMATCH = 2;
// T_CLOSE flag: closes no group.
export const F_STRAY = 1;

const OPS = [
  '**=', '//=', '>>=', '<<=', '...',
  '->', ':=', '**', '//', '<<', '>>', '<=', '>=', '==', '!=', '+=', '-=', '*=', '/=', '%=', '&=', '|=', '^=', '@=',
  '+', '-', '*', '/', '%', '@', '&', '|', '^', '~', '<', '>', ',', ':', ';', '.', '=',
] as const;
const OP_ID = new Map<string, number>(OPS.map((o, i) => [o, i]));
const opId = (s: (typeof OPS)[number]): number => OP_ID.get(s) as number;
export const O_COMMA = opId(',');
export const O_COLON = opId(':');
export const O_SEMI = opId(';');
export const O_DOT = opId('.');
export const O_EQ = opId('=');
export const O_STAR = opId('*');
export const O_POW = opId('**');
export const O_MINUS = opId('-');
export const O_PLUS = opId('+');
export const O_TILDE = opId('~');
export const O_ELLIPSIS = opId('...');
export const BINARY = new Uint8Array(OPS.length);
for (const o of ['+', '-', '*', '/', '//', '%', '**', '@', '<<', '>>', '&', '|', '^', '<', '>', '<=', '>=', '==', '!=', ':='] as const) BINARY[opId(o)] = 1;
/** Single-character operators by character code, -1 for none. */
const SINGLE_OP = new Int16Array(128).fill(-1);
for (const o of OPS) if (o.length === 1) SINGLE_OP[o.charCodeAt(0)] = opId(o);

/** The operator at i (c is its first, ASCII character), -1 if none. */
function opAt(text: string, i: number, c: number): number {
  const d = text.charCodeAt(i + 1);
  if (d === 61 || (d === c && (c === 42 || c === 47 || c === 60 || c === 62 || c === 46)) || (c === 45 && d === 62)) {
    const id = OP_ID.get(text.slice(i, i + 3)) ?? OP_ID.get(text.slice(i, i + 2));
    if (id !== undefined) return id;
  }
  return SINGLE_OP[c] ?? -1;
}

/** Keywords that cannot start an operand (they are operators or prefixes inside expressions). */
const EXPR_KEYWORDS = ['and', 'or', 'in', 'is', 'if', 'else', 'for', 'not', 'lambda', 'yield', 'await', 'async'] as const;
/** Keywords that only start statements: at the start of a line inside an unclosed bracket they close it. */
const STATEMENT_KEYWORDS = [
  'assert', 'break', 'class', 'continue', 'def', 'del', 'elif', 'except', 'finally', 'from', 'global', 'import',
  'nonlocal', 'pass', 'raise', 'return', 'try', 'while', 'with',
] as const;
/** A NAME token's aux: its keyword id (index + 1 in KEYWORDS), 0 for an ordinary name. */
const KEYWORDS = [...EXPR_KEYWORDS, ...STATEMENT_KEYWORDS, 'as'] as const;
const KEYWORD_ID = new Map<string, number>(KEYWORDS.map((k, i) => [k, i + 1]));
const kwId = (k: (typeof KEYWORDS)[number]): number => KEYWORD_ID.get(k) as number;
export const K_AND = kwId('and');
export const K_OR = kwId('or');
export const K_IN = kwId('in');
export const K_IS = kwId('is');
export const K_IF = kwId('if');
export const K_ELSE = kwId('else');
export const K_FOR = kwId('for');
export const K_NOT = kwId('not');
export const K_LAMBDA = kwId('lambda');
export const K_YIELD = kwId('yield');
export const K_AWAIT = kwId('await');
export const K_ASYNC = kwId('async');
export const K_FROM = kwId('from');
export const K_DEF = kwId('def');
export const K_CLASS = kwId('class');
export const K_LAST_EXPR = EXPR_KEYWORDS.length;
/** Keywords that start a compound statement: after its header's `:` a new statement may follow on the line. */
export const COMPOUND = new Set(['if', 'elif', 'else', 'for', 'while', 'with', 'try', 'except', 'finally', 'def', 'class', 'async'].map((k) => KEYWORD_ID.get(k) as number));
const isStatementKeyword = (id: number): boolean => id > K_LAST_EXPR && id <= K_LAST_EXPR + STATEMENT_KEYWORDS.length;
const STRING_PREFIXES = new Set(['r', 'u', 'b', 'f', 't', 'br', 'rb', 'fr', 'rf', 'tr', 'rt']);

const ID_START = /[\p{L}\p{Nl}]/u;
export const ID_CONTINUE = /[\p{L}\p{Nl}\p{Mn}\p{Mc}\p{Nd}\p{Pc}]/u;

/** `to` (a larger array) holding `from`'s values first. */
function grown<T extends Uint8Array | Int32Array>(from: T, to: T): T {
  to.set(from);
  return to;
}

export class Tokens {
  n = 0;
  kind: Uint8Array;
  flags: Uint8Array;
  start: Int32Array;
  end: Int32Array;
  aux: Int32Array;

  constructor(capacity: number) {
    this.kind = new Uint8Array(capacity);
    this.flags = new Uint8Array(capacity);
    this.start = new Int32Array(capacity);
    this.end = new Int32Array(capacity);
    this.aux = new Int32Array(capacity);
  }

  push(kind: number, start: number, end: number, flags = 0, aux = 0): number {
    if (this.n === this.kind.length) this.grow();
    const i = this.n++;
    this.kind[i] = kind;
    this.start[i] = start;
    this.end[i] = end;
    this.flags[i] = flags;
    this.aux[i] = aux;
    return i;
  }

  private grow(): void {
    const cap = this.kind.length * 2;
    this.kind = grown(this.kind, new Uint8Array(cap));
    this.flags = grown(this.flags, new Uint8Array(cap));
    this.start = grown(this.start, new Int32Array(cap));
    this.end = grown(this.end, new Int32Array(cap));
    this.aux = grown(this.aux, new Int32Array(cap));
  }
}

/**
 * One token buffer, reused by every call (the reader is synchronous and keeps no token after it returns),
 * so a document does not allocate its arrays afresh; a buffer grown past POOL_MAX_TOKENS is not kept.
 */
const POOL_MAX_TOKENS = 1 << 18;
let pool: Tokens | null = null;

function takeTokens(textLength: number): Tokens {
  const t = pool ?? new Tokens(Math.max(1024, Math.min(textLength >> 2, POOL_MAX_TOKENS)));
  pool = null;
  t.n = 0;
  return t;
}

export function releaseTokens(t: Tokens): void {
  if (t.kind.length <= POOL_MAX_TOKENS) pool = t;
}

export const isAsciiIdChar = (c: number): boolean => (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || (c >= 48 && c <= 57) || c === 95;
const isDigit = (c: number): boolean => c >= 48 && c <= 57;
const isHexOrUnderscore = (c: number): boolean => isDigit(c) || (c >= 97 && c <= 102) || (c >= 65 && c <= 70) || c === 95;

/** End of the identifier characters from i (ASCII fast path, Unicode letters, marks and digits). */
export function nameEnd(text: string, i: number): number {
  const n = text.length;
  let j = i;
  while (j < n) {
    const c = text.charCodeAt(j);
    if (isAsciiIdChar(c)) {
      j++;
      continue;
    }
    if (c < 128) break;
    const cp = text.codePointAt(j) as number;
    if (!ID_CONTINUE.test(String.fromCodePoint(cp))) break;
    j += cp > 0xffff ? 2 : 1;
  }
  return j;
}

/** Bracket kind of an opener or closer character: 0 `()`, 1 `[]`, 2 `{}`. */
const bracketKind = (c: number): number => (c === 40 || c === 41 ? 0 : c === 91 || c === 93 ? 1 : 2);

/** Open groups while tokenizing: the opener tokens, innermost last, and how many of each bracket kind. */
interface OpenGroups {
  stack: number[];
  open: number[];
}

/** Closes every open group: their content ends before token `at`. */
function closeAll(text: string, t: Tokens, g: OpenGroups, at: number): void {
  while (g.stack.length > 0) {
    const o = g.stack.pop() as number;
    g.open[bracketKind(text.charCodeAt(t.start[o]!))]!--;
    t.aux[o] = at;
  }
}

/** The closer token idx (bracket kind k) closes the innermost opener of its kind, or the innermost one. */
function closeGroup(text: string, t: Tokens, g: OpenGroups, idx: number, k: number): void {
  if (g.stack.length === 0) {
    t.flags[idx] = F_STRAY;
    return;
  }
  if (g.open[k]! > 0) {
    // Close the innermost opener of this kind; any opener above it was never closed.
    for (;;) {
      const o = g.stack.pop() as number;
      const ok = bracketKind(text.charCodeAt(t.start[o]!));
      g.open[ok]!--;
      t.aux[o] = idx;
      if (ok === k) {
        t.flags[o] = F_CLOSER;
        break;
      }
    }
  } else {
    // A closer of another kind (a typo: `[1, 2)`): it closes the innermost opener.
    const o = g.stack.pop() as number;
    g.open[bracketKind(text.charCodeAt(t.start[o]!))]!--;
    t.aux[o] = idx;
    t.flags[o] = F_CLOSER | F_MISMATCH;
  }
}

/** End of the `#` comment at i (the line end, not included). */
function commentEnd(text: string, i: number): number {
  const n = text.length;
  while (i < n) {
    const d = text.charCodeAt(i);
    if (d === 10 || d === 13) break;
    i++;
  }
  return i;
}

/** A backslash at i: a line continuation (skipped) or an error token; returns the offset after it. */
function scanBackslash(text: string, t: Tokens, i: number): number {
  const d = text.charCodeAt(i + 1);
  if (d === 10) return i + 2;
  if (d === 13) return i + (text.charCodeAt(i + 2) === 10 ? 3 : 2);
  t.push(T_ERR, i, i + 1);
  return i + 1;
}

/** An ASCII name (or prefixed string) at i; returns the offset after it. */
function scanName(text: string, t: Tokens, g: OpenGroups, i: number, atLineStart: boolean): number {
  const c = text.charCodeAt(i);
  const j = nameEnd(text, i);
  const q = text.charCodeAt(j);
  if ((q === 34 || q === 39) && j - i <= 2 && STRING_PREFIXES.has(text.slice(i, j).toLowerCase())) return scanString(text, t, i, j);
  const kw = j - i >= 2 && j - i <= 8 && c >= 97 ? (KEYWORD_ID.get(text.slice(i, j)) ?? 0) : 0;
  if (atLineStart && g.stack.length > 0 && isStatementKeyword(kw)) {
    // `def`, `import`, ... cannot be inside an expression: the brackets left open above were never closed.
    closeAll(text, t, g, t.n);
    t.push(T_NL, i, i);
  }
  t.push(T_NAME, i, j, 0, kw);
  return j;
}

/** An operator, a non-ASCII name or an error token at i (c is its first code unit); returns the offset after it. */
function scanOther(text: string, t: Tokens, i: number, c: number): number {
  if (c < 128) {
    const id = opAt(text, i, c);
    if (id >= 0) {
      const len = OPS[id]!.length;
      t.push(T_OP, i, i + len, 0, id);
      return i + len;
    }
    t.push(T_ERR, i, i + 1);
    return i + 1;
  }
  const cp = text.codePointAt(i) as number;
  const w = cp > 0xffff ? 2 : 1;
  if (ID_START.test(String.fromCodePoint(cp))) {
    const j = nameEnd(text, i + w);
    t.push(T_NAME, i, j);
    return j;
  }
  t.push(T_ERR, i, i + w);
  return i + w;
}

export function tokenize(text: string): Tokens {
  const n = text.length;
  const t = takeTokens(n);
  const g: OpenGroups = { stack: [], open: [0, 0, 0] };
  let lineStart = true;
  let i = 0;
  while (i < n) {
    const c = text.charCodeAt(i);
    if (c === 32 || c === 9 || c === 12 || c === 11 || c === 0xa0 || c === 0xfeff) {
      i++;
      continue;
    }
    if (c === 10 || c === 13) {
      const len = c === 13 && text.charCodeAt(i + 1) === 10 ? 2 : 1;
      if (g.stack.length === 0 && t.n > 0 && t.kind[t.n - 1] !== T_NL) t.push(T_NL, i, i + len);
      i += len;
      lineStart = true;
      continue;
    }
    if (c === 35) {
      i = commentEnd(text, i);
      continue;
    }
    const atLineStart = lineStart;
    lineStart = false;
    if (c === 92) i = scanBackslash(text, t, i);
    else if (c === 34 || c === 39) i = scanString(text, t, i, i);
    else if (isAsciiIdChar(c) && !isDigit(c)) i = scanName(text, t, g, i, atLineStart);
    else if (isDigit(c) || (c === 46 && isDigit(text.charCodeAt(i + 1)))) i = scanNumber(text, t, i);
    else if (c === 40 || c === 91 || c === 123) {
      g.stack.push(t.push(T_OPEN, i, i + 1));
      g.open[bracketKind(c)]!++;
      i++;
    } else if (c === 41 || c === 93 || c === 125) {
      closeGroup(text, t, g, t.push(T_CLOSE, i, i + 1), bracketKind(c));
      i++;
    } else i = scanOther(text, t, i, c);
  }
  closeAll(text, t, g, t.n);
  return t;
}

/** A string literal whose prefix starts at `start` and quote is at `q`; returns the offset after it. */
function scanString(text: string, t: Tokens, start: number, q: number): number {
  const n = text.length;
  const quote = text.charCodeAt(q);
  const prefix = text.slice(start, q).toLowerCase();
  let flags = 0;
  if (prefix.includes('r')) flags |= F_RAW;
  if (prefix.includes('f') || prefix.includes('t')) flags |= F_FSTR;
  const triple = text.charCodeAt(q + 1) === quote && text.charCodeAt(q + 2) === quote;
  const qlen = triple ? 3 : 1;
  let j = q + qlen;
  let end = -1;
  if (triple) {
    while (j < n) {
      const c = text.charCodeAt(j);
      if (c === 92) j += 2;
      else if (c === quote && text.charCodeAt(j + 1) === quote && text.charCodeAt(j + 2) === quote) {
        end = j + 3;
        break;
      } else j++;
    }
  } else {
    while (j < n) {
      const c = text.charCodeAt(j);
      if (c === 92) j += text.charCodeAt(j + 1) === 13 && text.charCodeAt(j + 2) === 10 ? 3 : 2;
      else if (c === quote) {
        end = j + 1;
        break;
      } else if (c === 10 || c === 13) break;
      else j++;
    }
  }
  if (end < 0) {
    flags |= F_UNTERMINATED;
    end = Math.min(j, n);
  }
  t.push(T_STR, start, end, flags, (q - start) | (qlen << 4));
  return end;
}

/** A number from i (a digit, or `.` then a digit); returns the offset after it. */
function scanNumber(text: string, t: Tokens, i: number): number {
  const n = text.length;
  let j = i;
  let flags = 0;
  const c1 = text.charCodeAt(i + 1) | 32;
  if (text.charCodeAt(i) === 48 && (c1 === 120 || c1 === 111 || c1 === 98)) {
    j += 2;
    while (j < n && isHexOrUnderscore(text.charCodeAt(j))) j++;
  } else {
    while (j < n && (isDigit(text.charCodeAt(j)) || text.charCodeAt(j) === 95)) j++;
    if (text.charCodeAt(j) === 46) {
      j++;
      while (j < n && (isDigit(text.charCodeAt(j)) || text.charCodeAt(j) === 95)) j++;
    }
    if ((text.charCodeAt(j) | 32) === 101) {
      const d = text.charCodeAt(j + 1);
      if (isDigit(d)) j += 2;
      else if ((d === 43 || d === 45) && isDigit(text.charCodeAt(j + 2))) j += 3;
      if (j > i && isDigit(text.charCodeAt(j - 1))) while (j < n && (isDigit(text.charCodeAt(j)) || text.charCodeAt(j) === 95)) j++;
    }
  }
  if ((text.charCodeAt(j) | 32) === 106) {
    // imaginary: no number the reader models
    j++;
    flags = F_BADNUM;
  }
  if (j < n) {
    const c = text.charCodeAt(j);
    if (isAsciiIdChar(c) || (c >= 128 && ID_CONTINUE.test(String.fromCodePoint(text.codePointAt(j) as number)))) {
      // `3x3`, `1abc`: no number, one bad token
      j = nameEnd(text, j);
      flags = F_BADNUM;
    }
  }
  t.push(T_NUM, i, j, flags);
  return j;
}
