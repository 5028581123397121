/**
 * Whole documents for the expression reader: every top-level bracketed expression or dotted-name call of a
 * Python (or JSON, YAML, log) text, with the name it is assigned to, and single expressions that must fill
 * a text. Used by search spaces to find architecture literals: DARTS `Genotype(...)` calls, NAS-Bench-101
 * `ModelSpec(matrix=..., ops=[...])` calls, NASLib compact lists `[[(0, 0), (1, 5)], [...]]`.
 */

import { Reader } from './reader';
import * as tokenizer from './tokenizer';
import type { Tokens } from './tokenizer';
import { PY_MAX_NODES, type PyExpr, type TopExpr, walk } from './values';

// Module-local copies of the tokenizer's constants: a per-file CommonJS build (tsx, in the tests) reads an
// imported binding through a getter at every use, which made the reader's loops 2-3x slower.
const { COMPOUND, F_STRAY, K_CLASS, K_DEF, O_COLON, O_COMMA, O_DOT, O_EQ, O_SEMI, releaseTokens, T_CLOSE, T_NAME, T_NL, T_OP, T_OPEN, T_STR, tokenize } = tokenizer;

/** Where the statement scan is: what the tokens since the statement's start can still be. */
const enum Statement {
  Start,
  /** `NAME` or `a.b` at the start: maybe an assignment target. */
  Target,
  /** `NAME:` an annotation, up to its `=`. */
  Annotation,
  /** `NAME =`: the next expression is assigned to NAME. */
  Assign,
  None,
}

/** The statement scan of topLevelExpressions over one document's tokens. */
class TopLevelScan {
  readonly out: TopExpr[] = [];
  private state = Statement.Start;
  // the assignment target: tokens targetFrom..targetTo (exclusive), read when an expression is assigned
  private targetFrom = 0;
  private targetTo = 0;
  private eqAt = -1;
  private inDef = false;
  /** The statement is a compound statement's header (`if x:`): its `:` starts a new statement. */
  private compound = false;

  constructor(private readonly r: Reader) {}

  run(): TopExpr[] {
    const r = this.r;
    const t = r.t;
    r.pos = 0;
    while (r.pos < t.n) {
      if (r.nodes >= PY_MAX_NODES) break;
      const p = r.pos;
      const k = t.kind[p];
      if (k === T_NL || r.isOp(p, O_SEMI) || (this.compound && r.isOp(p, O_COLON))) {
        this.state = Statement.Start;
        this.inDef = false;
        this.compound = false;
        r.pos++;
      } else if (k === T_NAME) this.name(p);
      else if (k === T_OPEN) this.group(p);
      else {
        if (k === T_OP) this.operator(t.aux[p]!, p);
        else this.noTarget();
        r.pos++;
      }
    }
    return this.out;
  }

  private noTarget(): void {
    if (this.state !== Statement.Annotation) this.state = Statement.None;
  }

  private emit(p: number, e: PyExpr): void {
    const r = this.r;
    const t = r.t;
    if (this.state === Statement.Assign && this.eqAt === p - 1) {
      const assignedTo = r.text.slice(t.start[this.targetFrom], t.end[this.targetTo - 1]).replace(/\s+/g, '');
      this.out.push({ expr: e, assignedTo });
    } else this.out.push({ expr: e });
    this.state = Statement.None;
    this.inDef = false;
  }

  /** A name at p: a keyword, an attribute, a dotted-name call, or (part of) an assignment target. */
  private name(p: number): void {
    const r = this.r;
    const t = r.t;
    if (t.aux[p] !== 0) {
      if (this.state === Statement.Start && COMPOUND.has(t.aux[p]!)) this.compound = true;
      this.inDef = t.aux[p] === K_DEF || t.aux[p] === K_CLASS;
      this.noTarget();
      r.pos++;
      return;
    }
    if (r.isOp(p - 1, O_DOT)) {
      // `x.join(...)`, `a[0].b`: attribute of something that is not a name
      this.noTarget();
      r.pos++;
      return;
    }
    let j = p + 1;
    while (r.isOp(j, O_DOT) && r.kindAt(j + 1) === T_NAME) j += 2;
    if (r.opener(j) === 40) {
      let e = r.parsePostfix();
      if (this.inDef) {
        // `def f(a, b=...)`, `class A(B)`: the parameters, not a call
        const parts: PyExpr[] = [];
        walk(e, (x) => {
          if (x === e) return true;
          parts.push(x);
          return false;
        });
        e = r.other(e.start, e.end, parts);
      }
      this.emit(p, e);
      return;
    }
    if (this.state === Statement.Start) {
      this.targetFrom = p;
      this.targetTo = j;
      this.state = Statement.Target;
    } else if (this.state === Statement.Assign && r.isOp(j, O_EQ)) this.state = Statement.Target; // `a = b = ...`: keeps the first target
    else this.noTarget();
    r.pos = j;
  }

  /** An opener at p: a top-level expression, or a trailer (`x[0]`, `"".join(...)`) that is none. */
  private group(p: number): void {
    const r = this.r;
    const t = r.t;
    const oc = r.text.charCodeAt(t.start[p]!);
    const prev = p - 1;
    const pk = prev >= 0 ? t.kind[prev] : T_NL;
    const trailer = oc !== 123 && ((pk === T_CLOSE && !(t.flags[prev]! & F_STRAY)) || pk === T_STR || (pk === T_NAME && t.aux[prev] === 0));
    if (trailer) {
      // `x[0]`, `Dict[str, int]`, `"".join(...)`: not an expression of its own
      r.pos = r.afterGroup(p);
      this.noTarget();
      return;
    }
    this.emit(p, r.parsePostfix());
  }

  private operator(o: number, p: number): void {
    const s = this.state;
    if (o === O_COLON) this.state = s === Statement.Target || s === Statement.Annotation ? Statement.Annotation : Statement.None;
    else if (o === O_EQ) {
      if (s === Statement.Target || s === Statement.Annotation) {
        this.state = Statement.Assign;
        this.eqAt = p;
      } else this.state = Statement.None;
    } else this.noTarget();
  }
}

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
  const result = new TopLevelScan(new Reader(text, t)).run();
  releaseTokens(t);
  memoText = text;
  memoResult = result;
  return result;
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
