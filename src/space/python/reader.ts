/**
 * The recursive-descent expression reader over the tokens of tokenizer.ts: calls with keywords, lists,
 * tuples, sets, dicts, strings, numbers and dotted names (see values.ts for what it produces).
 *
 * It reads far less than Python (no statements, no operator precedence: any expression it does not model
 * is an 'other' node spanning its exact text, whose `parts` hold the sub-expressions it could read) but it
 * reads anything and never throws:
 * - groups nested deeper than PY_MAX_DEPTH are 'other' nodes, skipped in O(1);
 * - after PY_MAX_NODES nodes the reader stops (the expression in progress is cut short, no more follow);
 * - there is no backtracking: every token is read once.
 */

import { numberValue, unescapePython } from './literals';
import * as tokenizer from './tokenizer';
import type { Tokens } from './tokenizer';
import { PY_MAX_DEPTH, PY_MAX_NODES, type PyExpr, type PyKwarg } from './values';

// Module-local copies of the tokenizer's constants: a per-file CommonJS build (tsx, in the tests) reads an
// imported binding through a getter at every use, which made the reader's loops 2-3x slower.
const { BINARY, F_BADNUM, F_CLOSER, F_FSTR, F_MISMATCH, F_RAW, F_UNTERMINATED, K_AND, K_ASYNC, K_AWAIT, K_ELSE, K_FOR, K_FROM, K_IF, K_IN, K_IS, K_LAMBDA, K_LAST_EXPR, K_NOT, K_OR, K_YIELD, O_COLON, O_COMMA, O_DOT, O_ELLIPSIS, O_EQ, O_MINUS, O_PLUS, O_POW, O_STAR, O_TILDE, T_NAME, T_NL, T_NUM, T_OP, T_OPEN, T_STR } = tokenizer;

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

export const enum GroupMode {
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

export class Reader {
  pos = 0;
  limit: number;
  depth = 0;
  nodes = 0;
  /** The first syntax problem met (parseExpression reports it; topLevelExpressions ignores it). */
  problem: Problem | null = null;
  /** Set when an operator sequence holds `for` (a comprehension). */
  sawFor = false;

  constructor(
    readonly text: string,
    readonly t: Tokens,
  ) {
    this.limit = t.n;
  }

  // --- token helpers

  kindAt(i: number): number {
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
  opener(i: number): number {
    return i < this.limit && this.t.kind[i] === T_OPEN ? this.text.charCodeAt(this.t.start[i]!) : 0;
  }

  afterGroup(i: number): number {
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

  other(start: number, end: number, parts?: PyExpr[]): PyExpr {
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

  /** At the start of an item: false once the group is done (or the node budget spent); stray commas are reported and skipped. */
  private nextItem(): boolean {
    while (this.pos < this.limit && !this.capped()) {
      if (!this.isOp(this.pos, O_COMMA)) return true;
      this.failHere('expected an item');
      this.pos++;
    }
    return false;
  }

  /** Comma-separated items up to the group's end: positional, `name=value` (if allowKw), `*x`, `**x`. */
  private items(allowKw: boolean): Items {
    const t = this.t;
    const items: PyExpr[] = [];
    const kwargs: PyKwarg[] = [];
    const all: PyExpr[] = [];
    let comma = false;
    let comp = false;
    while (this.nextItem()) {
      const p = this.pos;
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
    while (this.nextItem()) {
      const p = this.pos;
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
}
