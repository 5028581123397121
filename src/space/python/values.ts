/**
 * The values the Python expression reader produces (see reader.ts and document.ts): expression nodes with
 * their exact text offsets, and the helpers that walk them. Pure TypeScript, no imports.
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
