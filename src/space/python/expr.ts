/**
 * A small Python tokenizer and recursive-descent expression reader, used by search spaces to find
 * architecture literals written in Python files: DARTS `Genotype(...)` calls, NAS-Bench-101
 * `ModelSpec(matrix=..., ops=[...])` calls, NASLib compact lists `[[(0, 0), (1, 5)], [...]]`.
 *
 * It reads far less than Python (no statements, no operator precedence: any expression it does not model
 * is an 'other' node spanning its exact text, whose `parts` hold the sub-expressions it could read) but it
 * reads anything: JSON, YAML, DARTS training logs, half-typed code. It never throws, and work and memory
 * are linear in the text:
 * - the tokenizer matches brackets itself (recovering from a closer of the wrong kind, and from a statement
 *   keyword such as `def` or `import` at the start of a line inside an unclosed bracket), so the reader
 *   never looks for a closer and a typo cannot swallow the rest of the document beyond what Python would;
 * - groups nested deeper than PY_MAX_DEPTH are 'other' nodes, skipped in O(1);
 * - after PY_MAX_NODES nodes the reader stops (the expression in progress is cut short, no more follow);
 * - there is no backtracking: every token is read once.
 * Pure TypeScript, no imports.
 */

/** 0-based offsets into the text, `end` exclusive. */
export interface Span {
  start: number;
  end: number;
}

export type PyExpr =
  | { kind: 'call'; callee: string; calleeStart: number; calleeEnd: number; args: PyExpr[]; kwargs: PyKwarg[]; start: number; end: number }
  | { kind: 'list' | 'tuple' | 'set'; items: PyExpr[]; start: number; end: number }
  | { kind: 'dict'; entries: { key: PyExpr; value: PyExpr }[]; start: number; end: number }
  | { kind: 'str'; value: string; start: number; end: number }
  | { kind: 'num'; value: number; start: number; end: number }
  | { kind: 'name'; name: string; start: number; end: number }
  /**
   * An expression the reader does not model (binary operators, comprehensions, lambdas, subscripts,
   * attribute access on a call, starred items, f-strings, a broken item), spanning its exact text.
   * `parts`, when present, are the sub-expressions read inside it, in text order (the operands of
   * `a + b`, the call and its arguments in `np.array([...]).tolist()`); walk() visits them.
   */
  | { kind: 'other'; start: number; end: number; parts?: PyExpr[] };

export interface PyKwarg {
  name: string;
  nameStart: number;
  nameEnd: number;
  value: PyExpr;
}

export interface TopExpr {
  expr: PyExpr;
  /** For `NAME = <expr>` or `NAME: T = <expr>` at statement start; NAME may be dotted (`self.genotype`). */
  assignedTo?: string;
}

/** Groups nested deeper than this are 'other' nodes spanning the group. */
export const PY_MAX_DEPTH = 64;
/** Most nodes read per document (or per parseExpression call); then reading stops. */
export const PY_MAX_NODES = 500_000;

// ---------------------------------------------------------------------------------------------------------
// Tokens

const T_NAME = 0;
const T_NUM = 1;
const T_STR = 2;
const T_OP = 3;
const T_OPEN = 4;
const T_CLOSE = 5;
/** A logical line end: emitted only outside brackets, never twice in a row. */
const T_NL = 6;
/** A character that is no Python token (`$`, `?`, a lone backslash, an emoji). */
const T_ERR = 7;

// T_STR flags; aux = prefix length | quote length << 4.
const F_RAW = 1;
const F_FSTR = 2;
const F_UNTERMINATED = 4;
// T_NUM flag.
const F_BADNUM = 1;
// T_OPEN flags; aux = index of the closer (F_CLOSER) or of the first token after the group's content.
const F_CLOSER = 1;
const F_MISMATCH = 2;
// T_CLOSE flag: closes no group.
const F_STRAY = 1;

const OPS = [
  '**=', '//=', '>>=', '<<=', '...',
  '->', ':=', '**', '//', '<<', '>>', '<=', '>=', '==', '!=', '+=', '-=', '*=', '/=', '%=', '&=', '|=', '^=', '@=',
  '+', '-', '*', '/', '%', '@', '&', '|', '^', '~', '<', '>', ',', ':', ';', '.', '=',
] as const;
const OP_ID = new Map<string, number>(OPS.map((o, i) => [o, i]));
const opId = (s: (typeof OPS)[number]): number => OP_ID.get(s) as number;
const O_COMMA = opId(',');
const O_COLON = opId(':');
const O_SEMI = opId(';');
const O_DOT = opId('.');
const O_EQ = opId('=');
const O_STAR = opId('*');
const O_POW = opId('**');
const O_MINUS = opId('-');
const O_PLUS = opId('+');
const O_TILDE = opId('~');
const O_ELLIPSIS = opId('...');
const BINARY = new Uint8Array(OPS.length);
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
const K_AND = kwId('and');
const K_OR = kwId('or');
const K_IN = kwId('in');
const K_IS = kwId('is');
const K_IF = kwId('if');
const K_ELSE = kwId('else');
const K_FOR = kwId('for');
const K_NOT = kwId('not');
const K_LAMBDA = kwId('lambda');
const K_YIELD = kwId('yield');
const K_AWAIT = kwId('await');
const K_ASYNC = kwId('async');
const K_FROM = kwId('from');
const K_DEF = kwId('def');
const K_CLASS = kwId('class');
const K_LAST_EXPR = EXPR_KEYWORDS.length;
/** Keywords that start a compound statement: after its header's `:` a new statement may follow on the line. */
const COMPOUND = new Set(['if', 'elif', 'else', 'for', 'while', 'with', 'try', 'except', 'finally', 'def', 'class', 'async'].map((k) => KEYWORD_ID.get(k) as number));
const isStatementKeyword = (id: number): boolean => id > K_LAST_EXPR && id <= K_LAST_EXPR + STATEMENT_KEYWORDS.length;
const STRING_PREFIXES = new Set(['r', 'u', 'b', 'f', 't', 'br', 'rb', 'fr', 'rf', 'tr', 'rt']);

const ID_START = /[\p{L}\p{Nl}]/u;
const ID_CONTINUE = /[\p{L}\p{Nl}\p{Mn}\p{Mc}\p{Nd}\p{Pc}]/u;

class Tokens {
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
    const k = new Uint8Array(cap);
    k.set(this.kind);
    this.kind = k;
    const f = new Uint8Array(cap);
    f.set(this.flags);
    this.flags = f;
    const s = new Int32Array(cap);
    s.set(this.start);
    this.start = s;
    const e = new Int32Array(cap);
    e.set(this.end);
    this.end = e;
    const a = new Int32Array(cap);
    a.set(this.aux);
    this.aux = a;
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

function releaseTokens(t: Tokens): void {
  if (t.kind.length <= POOL_MAX_TOKENS) pool = t;
}

const isAsciiIdChar = (c: number): boolean => (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || (c >= 48 && c <= 57) || c === 95;
const isDigit = (c: number): boolean => c >= 48 && c <= 57;
const isHexOrUnderscore = (c: number): boolean => isDigit(c) || (c >= 97 && c <= 102) || (c >= 65 && c <= 70) || c === 95;

/** End of the identifier characters from i (ASCII fast path, Unicode letters, marks and digits). */
function nameEnd(text: string, i: number): number {
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

function tokenize(text: string): Tokens {
  const n = text.length;
  const t = takeTokens(n);
  const stack: number[] = [];
  const open = [0, 0, 0];
  let lineStart = true;
  let i = 0;

  const closeAll = (at: number): void => {
    while (stack.length > 0) {
      const o = stack.pop() as number;
      open[bracketKind(text.charCodeAt(t.start[o]!))]!--;
      t.aux[o] = at;
    }
  };

  while (i < n) {
    const c = text.charCodeAt(i);
    if (c === 32 || c === 9 || c === 12 || c === 11 || c === 0xa0 || c === 0xfeff) {
      i++;
      continue;
    }
    if (c === 10 || c === 13) {
      const len = c === 13 && text.charCodeAt(i + 1) === 10 ? 2 : 1;
      if (stack.length === 0 && t.n > 0 && t.kind[t.n - 1] !== T_NL) t.push(T_NL, i, i + len);
      i += len;
      lineStart = true;
      continue;
    }
    if (c === 35) {
      // # comment, to the end of the line
      while (i < n) {
        const d = text.charCodeAt(i);
        if (d === 10 || d === 13) break;
        i++;
      }
      continue;
    }
    const atLineStart = lineStart;
    lineStart = false;
    if (c === 92) {
      // backslash line continuation
      const d = text.charCodeAt(i + 1);
      if (d === 10) {
        i += 2;
        continue;
      }
      if (d === 13) {
        i += text.charCodeAt(i + 2) === 10 ? 3 : 2;
        continue;
      }
      t.push(T_ERR, i, i + 1);
      i++;
      continue;
    }
    if (c === 34 || c === 39) {
      i = scanString(text, t, i, i);
      continue;
    }
    if (isAsciiIdChar(c) && !isDigit(c)) {
      const j = nameEnd(text, i);
      const q = text.charCodeAt(j);
      if ((q === 34 || q === 39) && j - i <= 2 && STRING_PREFIXES.has(text.slice(i, j).toLowerCase())) {
        i = scanString(text, t, i, j);
        continue;
      }
      const kw = j - i >= 2 && j - i <= 8 && c >= 97 ? (KEYWORD_ID.get(text.slice(i, j)) ?? 0) : 0;
      if (atLineStart && stack.length > 0 && isStatementKeyword(kw)) {
        // `def`, `import`, ... cannot be inside an expression: the brackets left open above were never closed.
        closeAll(t.n);
        t.push(T_NL, i, i);
      }
      t.push(T_NAME, i, j, 0, kw);
      i = j;
      continue;
    }
    if (isDigit(c) || (c === 46 && isDigit(text.charCodeAt(i + 1)))) {
      i = scanNumber(text, t, i);
      continue;
    }
    if (c === 40 || c === 91 || c === 123) {
      const k = bracketKind(c);
      stack.push(t.push(T_OPEN, i, i + 1));
      open[k]!++;
      i++;
      continue;
    }
    if (c === 41 || c === 93 || c === 125) {
      const k = bracketKind(c);
      const idx = t.push(T_CLOSE, i, i + 1);
      i++;
      if (stack.length === 0) {
        t.flags[idx] = F_STRAY;
        continue;
      }
      if (open[k]! > 0) {
        // Close the innermost opener of this kind; any opener above it was never closed.
        for (;;) {
          const o = stack.pop() as number;
          const ok = bracketKind(text.charCodeAt(t.start[o]!));
          open[ok]!--;
          t.aux[o] = idx;
          if (ok === k) {
            t.flags[o] = F_CLOSER;
            break;
          }
        }
      } else {
        // A closer of another kind (a typo: `[1, 2)`): it closes the innermost opener.
        const o = stack.pop() as number;
        open[bracketKind(text.charCodeAt(t.start[o]!))]!--;
        t.aux[o] = idx;
        t.flags[o] = F_CLOSER | F_MISMATCH;
      }
      continue;
    }
    if (c < 128) {
      const id = opAt(text, i, c);
      if (id >= 0) {
        const len = OPS[id]!.length;
        t.push(T_OP, i, i + len, 0, id);
        i += len;
        continue;
      }
    }
    if (c >= 128) {
      const cp = text.codePointAt(i) as number;
      const w = cp > 0xffff ? 2 : 1;
      if (ID_START.test(String.fromCodePoint(cp))) {
        const j = nameEnd(text, i + w);
        t.push(T_NAME, i, j);
        i = j;
        continue;
      }
      t.push(T_ERR, i, i + w);
      i += w;
      continue;
    }
    t.push(T_ERR, i, i + 1);
    i++;
  }
  closeAll(t.n);
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

function numberValue(raw: string): number {
  if (raw.length <= 15) {
    // plain decimal integer: the common case, without regular expressions
    let v = 0;
    let i = 0;
    for (; i < raw.length; i++) {
      const c = raw.charCodeAt(i);
      if (c < 48 || c > 57) break;
      v = v * 10 + (c - 48);
    }
    if (i === raw.length && i > 0) return v;
  }
  const s = raw.includes('_') ? raw.replace(/_/g, '') : raw;
  if (s.length > 2 && s.charCodeAt(0) === 48) {
    const b = s.charCodeAt(1) | 32;
    const digits = s.slice(2);
    if (b === 120) return /^[0-9a-f]+$/i.test(digits) ? parseInt(digits, 16) : NaN;
    if (b === 111) return /^[0-7]+$/.test(digits) ? parseInt(digits, 8) : NaN;
    if (b === 98) return /^[01]+$/.test(digits) ? parseInt(digits, 2) : NaN;
  }
  return s === '' ? NaN : Number(s);
}

const isOctalDigit = (ch: string | undefined): boolean => ch !== undefined && ch >= '0' && ch <= '7';

const SIMPLE_ESCAPES: Record<string, string> = { '\\': '\\', "'": "'", '"': '"', a: '\x07', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t', v: '\v', '\n': '' };

/** Python escape sequences of a (non-raw) string body; unknown or malformed escapes stay as written. */
export function unescapePython(s: string): string {
  let b = s.indexOf('\\');
  if (b < 0) return s;
  let out = '';
  let last = 0;
  while (b >= 0) {
    out += s.slice(last, b);
    const c = s[b + 1];
    let rep: string | undefined = c === undefined ? undefined : SIMPLE_ESCAPES[c];
    let len = 2;
    if (c === '\r') {
      rep = '';
      len = s[b + 2] === '\n' ? 3 : 2;
    } else if (c === 'x' || c === 'u' || c === 'U') {
      const w = c === 'x' ? 2 : c === 'u' ? 4 : 8;
      const hex = s.slice(b + 2, b + 2 + w);
      const cp = hex.length === w && /^[0-9a-fA-F]+$/.test(hex) ? parseInt(hex, 16) : -1;
      if (cp >= 0 && cp <= 0x10ffff) {
        rep = String.fromCodePoint(cp);
        len = 2 + w;
      }
    } else if (c !== undefined && c >= '0' && c <= '7') {
      let k = b + 1;
      // at most three digits, and the string may end first
      while (k < b + 4 && isOctalDigit(s[k])) k++;
      rep = String.fromCharCode(parseInt(s.slice(b + 1, k), 8));
      len = k - b;
    }
    if (rep === undefined) {
      out += '\\';
      last = b + 1;
    } else {
      out += rep;
      last = b + len;
    }
    b = s.indexOf('\\', last);
  }
  return out + s.slice(last);
}

// ---------------------------------------------------------------------------------------------------------
// Reader

interface Items {
  items: PyExpr[];
  kwargs: PyKwarg[];
  /** Items and keyword values in text order. */
  all: PyExpr[];
  comma: boolean;
  /** An item holds `for`: a comprehension or generator. */
  comp: boolean;
}

interface Callee {
  name: string;
  start: number;
  end: number;
}

const enum GroupMode {
  Plain,
  Call,
  TrailerCall,
  Subscript,
}

interface Problem {
  message: string;
  start: number;
  end: number;
}

class Reader {
  pos = 0;
  limit: number;
  depth = 0;
  nodes = 0;
  /** The first syntax problem met (parseExpression reports it; topLevelExpressions ignores it). */
  problem: Problem | null = null;
  /** Set when an operator sequence holds `for` (a comprehension). */
  sawFor = false;

  constructor(
    private readonly text: string,
    private readonly t: Tokens,
  ) {
    this.limit = t.n;
  }

  // --- token helpers

  private kindAt(i: number): number {
    return i < this.limit ? this.t.kind[i]! : -1;
  }

  isOp(i: number, id: number): boolean {
    return i >= 0 && i < this.limit && this.t.kind[i] === T_OP && this.t.aux[i] === id;
  }

  /** Keyword id of token i (0: no keyword, or no name). */
  private kw(i: number): number {
    return i >= 0 && i < this.limit && this.t.kind[i] === T_NAME ? this.t.aux[i]! : 0;
  }

  private tokText(i: number): string {
    return this.text.slice(this.t.start[i], this.t.end[i]);
  }

  /** Opener character code of token i, 0 if no opener. */
  private opener(i: number): number {
    return i < this.limit && this.t.kind[i] === T_OPEN ? this.text.charCodeAt(this.t.start[i]!) : 0;
  }

  private afterGroup(i: number): number {
    const t = this.t;
    return t.flags[i]! & F_CLOSER ? t.aux[i]! + 1 : t.aux[i]!;
  }

  fail(message: string, start: number, end: number): void {
    if (!this.problem) this.problem = { message, start, end };
  }

  /** Problem at the current token, or just after the last one when none is left. */
  private failHere(what: string): void {
    if (this.problem) return;
    const t = this.t;
    if (this.pos < t.n && t.kind[this.pos] !== T_NL) {
      // the current token, or the group's closer
      const s = t.start[this.pos]!;
      const e = t.end[this.pos]!;
      this.fail(`${what}, found '${this.text.slice(s, Math.min(e, s + 40))}'`, s, e);
    } else {
      const e = this.pos > 0 ? t.end[this.pos - 1]! : 0;
      this.fail(`${what} at the end`, e, e);
    }
  }

  private other(start: number, end: number, parts?: PyExpr[]): PyExpr {
    this.nodes++;
    return parts && parts.length > 0 ? { kind: 'other', start, end, parts } : { kind: 'other', start, end };
  }

  private isOperandStart(i: number): boolean {
    if (i >= this.limit) return false;
    const k = this.t.kind[i];
    if (k === T_NAME) {
      const w = this.t.aux[i]!;
      return w === 0 || w > K_LAST_EXPR;
    }
    return k === T_NUM || k === T_STR || k === T_OPEN || (k === T_OP && this.t.aux[i] === O_ELLIPSIS);
  }

  // --- expressions

  /**
   * An operator sequence: prefixes, operands and binary operators (`a if b else c`, `x for x in y`, `-1`);
   * null if no token was read. A sign directly on a number folds into it.
   */
  parseTest(): PyExpr | null {
    const t = this.t;
    const s = this.pos;
    let parts: PyExpr[] | null = null;
    for (;;) {
      const ps = this.pos;
      let prefixes = 0;
      let signOnly = true;
      let neg = false;
      let allowEmpty = false;
      for (;;) {
        const p = this.pos;
        if (p >= this.limit) break;
        const k = t.kind[p];
        if (k === T_OP) {
          const o = t.aux[p];
          if (o === O_MINUS) neg = !neg;
          else if (o === O_TILDE) signOnly = false;
          else if (o !== O_PLUS) break;
          this.pos++;
        } else if (k === T_NAME) {
          const w = t.aux[p];
          if (w === K_NOT || w === K_AWAIT) this.pos++;
          else if (w === K_YIELD) {
            allowEmpty = true;
            this.pos++;
            if (this.kw(this.pos) === K_FROM) this.pos++;
          } else if (w === K_LAMBDA) {
            this.pos++;
            this.skipLambdaHeader();
          } else break;
          signOnly = false;
        } else break;
        prefixes++;
      }
      let operand = this.isOperandStart(this.pos) ? this.parsePostfix() : null;
      if (!operand) {
        if (this.pos === s) return null;
        if (!allowEmpty) this.failHere('expected an expression');
        return this.other(t.start[s]!, t.end[this.pos - 1]!, parts ?? undefined);
      }
      if (prefixes > 0) {
        if (signOnly && operand.kind === 'num' && t.kind[ps + prefixes] === T_NUM) {
          operand.start = t.start[ps]!;
          if (neg && operand.value !== 0) operand.value = -operand.value;
        } else operand = this.other(t.start[ps]!, t.end[this.pos - 1]!, [operand]);
      }
      // (a parenthesised operand is its inner expression: the text read ends at the `)`)
      const operandEnd = t.end[this.pos - 1]!;
      // a binary operator?
      const b = this.pos;
      let width = 0;
      if (b < this.limit) {
        const k = t.kind[b];
        if (k === T_OP) width = BINARY[t.aux[b]!]!;
        else if (k === T_NAME) {
          const w = t.aux[b];
          if (w === K_AND || w === K_OR || w === K_IN || w === K_IS || w === K_IF || w === K_ELSE || w === K_FOR) width = 1;
          else if ((w === K_NOT && this.kw(b + 1) === K_IN) || (w === K_ASYNC && this.kw(b + 1) === K_FOR)) width = 2;
          if (width > 0 && (w === K_FOR || w === K_ASYNC)) this.sawFor = true;
        }
      }
      if (width === 0) {
        if (!parts) return operand;
        parts.push(operand);
        return this.other(t.start[s]!, operandEnd, parts);
      }
      (parts ??= []).push(operand);
      this.pos += width;
    }
  }

  /** After `lambda`: the parameters up to `:` (groups skipped whole). */
  private skipLambdaHeader(): void {
    const t = this.t;
    while (this.pos < this.limit) {
      if (this.isOp(this.pos, O_COLON)) {
        this.pos++;
        return;
      }
      this.pos = t.kind[this.pos] === T_OPEN ? Math.min(this.afterGroup(this.pos), this.limit) : this.pos + 1;
    }
    this.failHere("expected ':' after lambda");
  }

  /** An operand and its trailers (`.name`, `(...)`, `[...]`). The current token starts an operand. */
  parsePostfix(): PyExpr {
    const t = this.t;
    const s = this.pos;
    const k = t.kind[s];
    let e: PyExpr;
    if (k === T_NAME) {
      let name = this.tokText(s);
      let end = t.end[s]!;
      this.pos++;
      while (this.isOp(this.pos, O_DOT) && this.kindAt(this.pos + 1) === T_NAME) {
        name += '.' + this.tokText(this.pos + 1);
        end = t.end[this.pos + 1]!;
        this.pos += 2;
      }
      if (this.opener(this.pos) === 40) e = this.group(this.pos, GroupMode.Call, { name, start: t.start[s]!, end });
      else {
        this.nodes++;
        e = { kind: 'name', name, start: t.start[s]!, end };
      }
    } else if (k === T_NUM) {
      const raw = this.tokText(s);
      const value = t.flags[s]! & F_BADNUM ? NaN : numberValue(raw);
      this.pos++;
      if (Number.isNaN(value)) {
        this.fail(`'${raw.slice(0, 40)}' is no number`, t.start[s]!, t.end[s]!);
        e = this.other(t.start[s]!, t.end[s]!);
      } else {
        this.nodes++;
        e = { kind: 'num', value, start: t.start[s]!, end: t.end[s]! };
      }
    } else if (k === T_STR) e = this.strings();
    else if (k === T_OPEN) e = this.group(this.pos, GroupMode.Plain);
    else {
      e = this.other(t.start[s]!, t.end[s]!); // `...`
      this.pos++;
    }
    let parts: PyExpr[] | null = null;
    let end = e.end;
    for (;;) {
      const p = this.pos;
      if (this.isOp(p, O_DOT)) {
        if (this.kindAt(p + 1) === T_NAME) {
          end = t.end[p + 1]!;
          this.pos += 2;
        } else {
          this.failHere("expected a name after '.'");
          end = t.end[p]!;
          this.pos++;
        }
        parts ??= [e];
        continue;
      }
      const o = this.opener(p);
      if (o !== 40 && o !== 91) break;
      const g = this.group(p, o === 40 ? GroupMode.TrailerCall : GroupMode.Subscript);
      parts ??= [e];
      if (g.kind === 'other' && g.parts) for (const x of g.parts) parts.push(x);
      end = g.end;
    }
    return parts ? this.other(t.start[s]!, end, parts) : e;
  }

  /** Adjacent string literals, concatenated; f-strings and unterminated strings make an 'other'. */
  private strings(): PyExpr {
    const t = this.t;
    const s = this.pos;
    let value = '';
    let ok = true;
    while (this.pos < this.limit && t.kind[this.pos] === T_STR) {
      const i = this.pos++;
      const f = t.flags[i]!;
      if (f & F_UNTERMINATED) {
        this.fail('unterminated string', t.start[i]!, t.end[i]!);
        ok = false;
      }
      if (f & F_FSTR) ok = false;
      if (!ok) continue;
      const q = t.aux[i]! >> 4;
      const body = this.text.slice(t.start[i]! + (t.aux[i]! & 15) + q, t.end[i]! - q);
      value += f & F_RAW ? body : unescapePython(body);
    }
    const end = t.end[this.pos - 1]!;
    if (!ok) return this.other(t.start[s]!, end);
    this.nodes++;
    return { kind: 'str', value, start: t.start[s]!, end };
  }

  /** The group opened by token i; afterwards pos is after its closer. */
  group(i: number, mode: GroupMode, callee?: Callee): PyExpr {
    const t = this.t;
    let close = t.aux[i]!;
    let closed = (t.flags[i]! & F_CLOSER) !== 0;
    if (close > this.limit || (closed && close >= this.limit)) {
      // cannot happen with the tokenizer's nesting; keep the reader inside its limit regardless
      close = this.limit;
      closed = false;
    }
    const oc = this.text[t.start[i]!];
    const start = callee ? callee.start : t.start[i]!;
    const end = closed ? t.end[close]! : close - 1 > i ? t.end[close - 1]! : t.end[i]!;
    const after = closed ? close + 1 : close;
    if (!closed) this.fail(`'${oc}' was never closed`, t.start[i]!, t.end[i]!);
    else if (t.flags[i]! & F_MISMATCH) this.fail(`'${this.text[t.start[close]!]}' does not close '${oc}'`, t.start[close]!, t.end[close]!);
    if (this.depth >= PY_MAX_DEPTH || this.nodes >= PY_MAX_NODES) {
      this.pos = after;
      return this.other(start, end);
    }
    const limit = this.limit;
    const sawFor = this.sawFor;
    this.limit = close;
    this.pos = i + 1;
    this.depth++;
    let e: PyExpr;
    if (mode === GroupMode.Subscript) e = this.other(start, end, this.loose());
    else if (mode !== GroupMode.Plain) {
      const r = this.items(true);
      if (mode === GroupMode.TrailerCall) e = this.other(start, end, r.all);
      else {
        const c = callee as Callee;
        this.nodes++;
        e = { kind: 'call', callee: c.name, calleeStart: c.start, calleeEnd: c.end, args: r.items, kwargs: r.kwargs, start, end };
      }
    } else if (oc === '{') e = this.braces(start, end);
    else {
      const r = this.items(false);
      const only = r.items[0];
      if (r.comp) e = this.other(start, end, r.items);
      else if (oc === '(' && only && r.items.length === 1 && !r.comma) e = only;
      else {
        this.nodes++;
        e = { kind: oc === '(' ? 'tuple' : 'list', items: r.items, start, end };
      }
    }
    this.depth--;
    this.limit = limit;
    this.pos = after;
    this.sawFor = sawFor;
    return e;
  }

  /** True (and the rest of the group skipped) once the document's node budget is spent. */
  private capped(): boolean {
    if (this.nodes < PY_MAX_NODES) return false;
    this.pos = this.limit;
    return true;
  }

  /** Comma-separated items up to the group's end: positional, `name=value` (if allowKw), `*x`, `**x`. */
  private items(allowKw: boolean): Items {
    const t = this.t;
    const items: PyExpr[] = [];
    const kwargs: PyKwarg[] = [];
    const all: PyExpr[] = [];
    let comma = false;
    let comp = false;
    while (this.pos < this.limit) {
      if (this.capped()) break;
      const p = this.pos;
      if (this.isOp(p, O_COMMA)) {
        this.failHere('expected an item');
        this.pos++;
        continue;
      }
      let item: PyExpr | null;
      let kw: PyKwarg | null = null;
      if (this.isOp(p, O_STAR) || this.isOp(p, O_POW)) {
        this.pos++;
        const v = this.parseTest();
        if (!v) this.failHere('expected an expression');
        item = this.other(t.start[p]!, t.end[this.pos - 1]!, v ? [v] : undefined);
      } else if (allowKw && t.kind[p] === T_NAME && this.isOp(p + 1, O_EQ)) {
        this.pos += 2;
        let v = this.parseTest();
        if (!v) {
          this.failHere('expected a value');
          v = this.other(t.end[p + 1]!, t.end[p + 1]!);
        }
        kw = { name: this.tokText(p), nameStart: t.start[p]!, nameEnd: t.end[p]!, value: v };
        item = null;
      } else {
        this.sawFor = false;
        item = this.parseTest();
        if (this.sawFor) comp = true;
      }
      if (this.pos < this.limit && !this.isOp(this.pos, O_COMMA)) {
        if (kw) kw.value = this.absorb(kw.value, p);
        else item = this.absorb(item, p);
      }
      if (kw) {
        kwargs.push(kw);
        all.push(kw.value);
      } else if (item) {
        items.push(item);
        all.push(item);
      }
      if (this.isOp(this.pos, O_COMMA)) {
        this.pos++;
        comma = true;
      }
    }
    return { items, kwargs, all, comma, comp };
  }

  /** Unexpected tokens after `first` up to the next comma: one 'other' holding what could be read. */
  private absorb(first: PyExpr | null, startTok: number): PyExpr {
    const t = this.t;
    this.failHere(first ? "expected ',' or a closing bracket" : 'expected an expression');
    const parts: PyExpr[] = first ? [first] : [];
    while (this.pos < this.limit && !this.isOp(this.pos, O_COMMA)) {
      if (this.capped()) break;
      const before = this.pos;
      const e = this.parseTest();
      if (e) parts.push(e);
      if (this.pos === before) this.pos++;
    }
    const start = first ? first.start : t.start[startTok]!;
    return this.other(start, Math.max(t.end[this.pos - 1]!, first ? first.end : 0), parts);
  }

  /** Subscript content (`a[1:2, ::3]`): every expression, separators ignored. */
  private loose(): PyExpr[] {
    const parts: PyExpr[] = [];
    while (this.pos < this.limit) {
      if (this.capped()) break;
      const before = this.pos;
      const e = this.parseTest();
      if (e) parts.push(e);
      if (this.pos === before) this.pos++;
    }
    return parts;
  }

  /** `{...}`: a dict, a set, or an 'other' (comprehension, `**x`, a mix of entries and items). */
  private braces(start: number, end: number): PyExpr {
    const t = this.t;
    const entries: { key: PyExpr; value: PyExpr }[] = [];
    const items: PyExpr[] = [];
    const parts: PyExpr[] = [];
    let dict: boolean | undefined;
    let irregular = false;
    while (this.pos < this.limit) {
      if (this.capped()) break;
      const p = this.pos;
      if (this.isOp(p, O_COMMA)) {
        this.failHere('expected an item');
        this.pos++;
        continue;
      }
      this.sawFor = false;
      if (this.isOp(p, O_STAR) || this.isOp(p, O_POW)) {
        // `**mapping` in a dict, `*iterable` in a set: no literal to report
        this.pos++;
        const v = this.parseTest();
        if (!v) this.failHere('expected an expression');
        let item = this.other(t.start[p]!, t.end[this.pos - 1]!, v ? [v] : undefined);
        if (this.pos < this.limit && !this.isOp(this.pos, O_COMMA)) item = this.absorb(item, p);
        parts.push(item);
        irregular = true;
      } else {
        const key = this.parseTest();
        if (this.isOp(this.pos, O_COLON) && dict !== false) {
          dict = true;
          const colon = this.pos++;
          let value = this.parseTest();
          if (!value) {
            this.failHere('expected a value');
            value = this.other(t.end[colon]!, t.end[colon]!);
          }
          if (this.pos < this.limit && !this.isOp(this.pos, O_COMMA)) value = this.absorb(value, colon + 1);
          const k = key ?? this.other(t.start[colon]!, t.start[colon]!);
          if (!key) this.fail('expected a key', t.start[colon]!, t.end[colon]!);
          entries.push({ key: k, value });
          parts.push(k, value);
        } else {
          let item = key;
          if (this.pos < this.limit && !this.isOp(this.pos, O_COMMA)) item = this.absorb(item, p);
          if (item) {
            parts.push(item);
            items.push(item);
          }
          if (dict) irregular = true;
          else dict = false;
        }
      }
      if (this.sawFor) irregular = true;
      if (this.isOp(this.pos, O_COMMA)) this.pos++;
    }
    if (irregular) return this.other(start, end, parts);
    this.nodes++;
    if (dict === false) return { kind: 'set', items, start, end };
    return { kind: 'dict', entries, start, end };
  }

  // --- documents

  /** Every bracketed expression and dotted-name call outside brackets, in order. */
  topLevel(): TopExpr[] {
    const t = this.t;
    const out: TopExpr[] = [];
    const START = 0;
    const TARGET = 1;
    const ANNOTATION = 2;
    const ASSIGN = 3;
    const NONE = 4;
    let state = START;
    // the assignment target: tokens targetFrom..targetTo (exclusive), read when an expression is assigned
    let targetFrom = 0;
    let targetTo = 0;
    let eqAt = -1;
    let inDef = false;
    /** The statement is a compound statement's header (`if x:`): its `:` starts a new statement. */
    let compound = false;
    this.pos = 0;
    const emit = (p: number, e: PyExpr): void => {
      out.push(state === ASSIGN && eqAt === p - 1 ? { expr: e, assignedTo: this.text.slice(t.start[targetFrom], t.end[targetTo - 1]).replace(/\s+/g, '') } : { expr: e });
      state = NONE;
      inDef = false;
    };
    while (this.pos < t.n) {
      if (this.nodes >= PY_MAX_NODES) break;
      const p = this.pos;
      const k = t.kind[p];
      if (k === T_NL || this.isOp(p, O_SEMI) || (compound && this.isOp(p, O_COLON))) {
        state = START;
        inDef = false;
        compound = false;
        this.pos++;
        continue;
      }
      if (k === T_NAME) {
        if (t.aux[p] !== 0) {
          if (state === START && COMPOUND.has(t.aux[p]!)) compound = true;
          inDef = t.aux[p] === K_DEF || t.aux[p] === K_CLASS;
          if (state !== ANNOTATION) state = NONE;
          this.pos++;
          continue;
        }
        if (this.isOp(p - 1, O_DOT)) {
          // `x.join(...)`, `a[0].b`: attribute of something that is not a name
          if (state !== ANNOTATION) state = NONE;
          this.pos++;
          continue;
        }
        let j = p + 1;
        while (this.isOp(j, O_DOT) && this.kindAt(j + 1) === T_NAME) j += 2;
        if (this.opener(j) === 40) {
          let e = this.parsePostfix();
          if (inDef) {
            // `def f(a, b=...)`, `class A(B)`: the parameters, not a call
            const parts: PyExpr[] = [];
            walk(e, (x) => {
              if (x === e) return true;
              parts.push(x);
              return false;
            });
            e = this.other(e.start, e.end, parts);
          }
          emit(p, e);
          continue;
        }
        if (state === START) {
          targetFrom = p;
          targetTo = j;
          state = TARGET;
        } else if (state === ASSIGN && this.isOp(j, O_EQ)) state = TARGET; // `a = b = ...`: keeps the first target
        else if (state !== ANNOTATION) state = NONE;
        this.pos = j;
        continue;
      }
      if (k === T_OPEN) {
        const oc = this.text.charCodeAt(t.start[p]!);
        const prev = p - 1;
        const pk = prev >= 0 ? t.kind[prev] : T_NL;
        const trailer =
          oc !== 123 &&
          ((pk === T_CLOSE && !(t.flags[prev]! & F_STRAY)) || pk === T_STR || (pk === T_NAME && t.aux[prev] === 0));
        if (trailer) {
          // `x[0]`, `Dict[str, int]`, `"".join(...)`: not an expression of its own
          this.pos = this.afterGroup(p);
          if (state !== ANNOTATION) state = NONE;
          continue;
        }
        emit(p, this.parsePostfix());
        continue;
      }
      if (k === T_OP) {
        const o = t.aux[p];
        if (o === O_COLON) state = state === TARGET || state === ANNOTATION ? ANNOTATION : NONE;
        else if (o === O_EQ) {
          if (state === TARGET || state === ANNOTATION) {
            state = ASSIGN;
            eqAt = p;
          } else state = NONE;
        } else if (state !== ANNOTATION) state = NONE;
        this.pos++;
        continue;
      }
      if (state !== ANNOTATION) state = NONE;
      this.pos++;
    }
    return out;
  }
}

// ---------------------------------------------------------------------------------------------------------
// API

let memoText: string | undefined;
let memoResult: TopExpr[] = [];

/**
 * Every maximal bracketed expression of the document, in order: an expression starting with `(`, `[` or
 * `{`, or a dotted-name call `a.b(...)`, that is not inside another bracket (with its trailers: `f(x)[0]`
 * is one 'other'). Subscripts (`x[0]`, `Dict[str, int]`), calls on non-names (`"".join(...)`) and the
 * contents of strings and comments are not expressions; `def f(...)` and `class A(...)` give an 'other'
 * holding the parameters. The last document's result is cached: treat it as read-only.
 */
export function topLevelExpressions(text: string): TopExpr[] {
  if (text === memoText) return memoResult;
  const t = tokenize(text);
  const result = new Reader(text, t).topLevel();
  releaseTokens(t);
  memoText = text;
  memoResult = result;
  return result;
}

/** Sub-expressions of e in text order: call arguments and keyword values, items, dict keys and values, parts. */
export function children(e: PyExpr): PyExpr[] {
  switch (e.kind) {
    case 'call': {
      if (e.kwargs.length === 0) return e.args;
      const out: PyExpr[] = [];
      let a = 0;
      let k = 0;
      for (;;) {
        const arg = e.args[a];
        const kw = e.kwargs[k];
        if (arg && (!kw || arg.start <= kw.value.start)) {
          out.push(arg);
          a++;
        } else if (kw) {
          out.push(kw.value);
          k++;
        } else break;
      }
      return out;
    }
    case 'list':
    case 'tuple':
    case 'set':
      return e.items;
    case 'dict': {
      const out: PyExpr[] = [];
      for (const x of e.entries) out.push(x.key, x.value);
      return out;
    }
    case 'other':
      return e.parts ?? [];
    default:
      return [];
  }
}

/** A list or a tuple (ordered items). */
export type PySeq = Extract<PyExpr, { items: PyExpr[] }>;

export function isSeq(e: PyExpr): e is PySeq {
  return e.kind === 'list' || e.kind === 'tuple';
}

export function isInt(e: PyExpr): e is Extract<PyExpr, { kind: 'num' }> {
  return e.kind === 'num' && Number.isInteger(e.value);
}

/** The last part of a dotted name: `ModelSpec` for `api.ModelSpec`. */
export function lastSegment(name: string): string {
  return name.slice(name.lastIndexOf('.') + 1);
}

/** Depth-first visit of e and all sub-expressions, in text order. Return false from visit to skip children. */
export function walk(e: PyExpr, visit: (x: PyExpr) => boolean | void): void {
  const stack: PyExpr[] = [e];
  while (stack.length > 0) {
    const x = stack.pop() as PyExpr;
    if (visit(x) === false) continue;
    const kids = children(x);
    for (let i = kids.length - 1; i >= 0; i--) stack.push(kids[i]!);
  }
}

/** Parses one expression that fills `text` (leading/trailing whitespace and comments allowed). */
export function parseExpression(text: string): { ok: true; expr: PyExpr } | { ok: false; message: string; start: number; end: number } {
  const t = tokenize(text);
  try {
    const r = readOne(text, t);
    if (r.ok) return r;
    // A problem at the end of the text points at its last character, never past it.
    const start = Math.max(0, Math.min(r.start, text.length - 1));
    return { ...r, start, end: Math.max(start + (text.length > 0 ? 1 : 0), Math.min(r.end, text.length)) };
  } finally {
    releaseTokens(t);
  }
}

function readOne(text: string, t: Tokens): { ok: true; expr: PyExpr } | { ok: false; message: string; start: number; end: number } {
  const r = new Reader(text, t);
  while (r.pos < t.n && t.kind[r.pos] === T_NL) r.pos++;
  if (r.pos >= t.n) return { ok: false, message: 'no expression', start: 0, end: text.length };
  const first = r.parseTest();
  let expr: PyExpr;
  if (!first) {
    const s = t.start[r.pos]!;
    const e = t.end[r.pos]!;
    return { ok: false, message: `expected an expression, found '${text.slice(s, Math.min(e, s + 40))}'`, start: s, end: e };
  }
  if (r.isOp(r.pos, O_COMMA)) {
    // `1, 2`: a tuple without brackets
    const items = [first];
    while (r.isOp(r.pos, O_COMMA)) {
      r.pos++;
      const x = r.parseTest();
      if (!x) break;
      items.push(x);
    }
    expr = { kind: 'tuple', items, start: first.start, end: t.end[r.pos - 1]! };
  } else expr = first;
  while (r.pos < t.n && t.kind[r.pos] === T_NL) r.pos++;
  if (r.pos < t.n) {
    const s = t.start[r.pos]!;
    const e = t.end[r.pos]!;
    r.fail(`unexpected '${text.slice(s, Math.min(e, s + 40))}' after the expression`, s, e);
  }
  if (r.problem) return { ok: false, ...r.problem };
  return { ok: true, expr };
}
