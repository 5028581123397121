/**
 * The Python expression reader's public face: a small tokenizer (tokenizer.ts) and recursive-descent
 * expression reader (reader.ts, document.ts) that search spaces use to find architecture literals written in
 * Python files, producing the values of values.ts. It reads anything (JSON, YAML, DARTS training logs,
 * half-typed code), never throws, and its work and memory are linear in the text.
 */

export { parseExpression, topLevelExpressions } from './document';
export { unescapePython } from './literals';
export { children, isInt, isSeq, lastSegment, PY_MAX_DEPTH, PY_MAX_NODES, type PyExpr, type PyKwarg, type PySeq, type Span, type TopExpr, walk } from './values';
