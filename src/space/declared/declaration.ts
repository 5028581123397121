/** Validation and normalisation of space declarations (see index.ts for the format). */

interface DeclarationBase {
  /** The space id. */
  name: string;
  /** Shown in messages and hovers; defaults to the name. */
  title: string;
  /** Keys (or variable names) whose values are architectures of this space in workspace files. */
  find: { keys: string[] };
}

/**
 * Cost tables, normalised: cost name -> one mapping per position (or edge) of every choice there to its cost (a
 * form the space file accepts too, so a stored declaration validates again).
 */
export type CostTables = Record<string, Record<string, number>[]>;

export interface SequenceSpaceDeclaration extends DeclarationBase {
  kind: 'sequence';
  positions: number;
  /** One list of choice names per position. */
  choices: string[][];
  /** Per-choice costs (latency lookup tables and the like); an architecture's cost is the sum over positions. */
  costs?: CostTables;
}

export interface EdgeCellSpaceDeclaration extends DeclarationBase {
  kind: 'cell';
  opsOn: 'edges';
  /** Nodes including the input node 0; the last node is the output. */
  nodes: number;
  ops: string[];
  /** The op meaning "no edge", if any. */
  none?: string;
  /** Per-op costs; an architecture's cost is the sum over edges. */
  costs?: CostTables;
}

export interface NodeCellSpaceDeclaration extends DeclarationBase {
  kind: 'cell';
  opsOn: 'nodes';
  /** At most this many vertices, input and output included. */
  nodes: number;
  /** Ops of the intermediate vertices (`input` and `output` are implicit). */
  ops: string[];
  /** At most this many edges after pruning. */
  maxEdges: number;
}

/** A validated, normalised declaration: a plain JSON object; declaredSpace() accepts it back. */
export type SpaceDeclaration = SequenceSpaceDeclaration | EdgeCellSpaceDeclaration | NodeCellSpaceDeclaration;

export type FieldPath = (string | number)[];

/** A bad space file or declaration. `start`/`end` are offsets into the file text when known. */
export class SpaceFileError extends Error {
  readonly start?: number;
  readonly end?: number;
  /** The offending field, e.g. ['choices', 2]; `onKey`: the key itself is at fault (unknown field). */
  readonly path?: FieldPath;
  readonly onKey?: boolean;
  constructor(message: string, at: { start?: number; end?: number; path?: FieldPath; onKey?: boolean } = {}) {
    super(message);
    this.name = 'SpaceFileError';
    this.start = at.start;
    this.end = at.end;
    this.path = at.path;
    this.onKey = at.onKey;
  }
  static is(e: unknown): e is SpaceFileError {
    return e instanceof SpaceFileError;
  }
  /** The same error with offsets. */
  withRange(start: number, end: number): SpaceFileError {
    const e = new SpaceFileError(this.message, { start, end, path: this.path, onKey: this.onKey });
    e.stack = this.stack;
    return e;
  }
}

const ID_RE = /^[a-z0-9][a-z0-9._-]{0,63}$/;
/** Choice and op names: the characters of a bare word, starting with a letter, digit or underscore. */
export const NAME_RE = /^[A-Za-z0-9_][A-Za-z0-9_.+-]{0,63}$/;
const KEY_RE = /^[A-Za-z_$][\w$.-]{0,63}$/;
export const MAX_POSITIONS = 256;
export const MAX_CHOICES = 256;
export const MAX_CELL_NODES = 10;
export const DEFAULT_MAX_EDGES = 9;
export const DEFAULT_FIND_KEYS = ['arch'];

const FIELDS = {
  sequence: ['name', 'kind', 'title', 'positions', 'choices', 'costs', 'find'],
  edges: ['name', 'kind', 'title', 'nodes', 'ops', 'opsOn', 'none', 'costs', 'find'],
  nodes: ['name', 'kind', 'title', 'nodes', 'ops', 'opsOn', 'maxEdges', 'find'],
};

function fieldName(path: FieldPath): string {
  return path.map((p, i) => (typeof p === 'number' ? `[${p}]` : i === 0 ? p : `.${p}`)).join('');
}

function show(v: unknown): string {
  let s: string;
  try {
    s = typeof v === 'string' ? JSON.stringify(v) : (JSON.stringify(v) ?? String(v));
  } catch {
    s = String(v);
  }
  return s.length > 60 ? `${s.slice(0, 60)}…` : s;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * Validates and normalises a declaration; throws SpaceFileError naming `where` and the field. `reservedIds`: the
 * ids a declared space may not take (the built-in spaces', which the registry passes).
 */
export function validateDeclaration(raw: unknown, where: string, reservedIds: readonly string[] = []): SpaceDeclaration {
  const fail = (path: FieldPath, message: string, onKey = false): never => {
    throw new SpaceFileError(`${where}: ${path.length ? `${fieldName(path)}: ` : ''}${message}`, { path, onKey });
  };
  const int = (path: FieldPath, v: unknown, min: number, max: number): number => {
    if (typeof v !== 'number' || !Number.isInteger(v)) return fail(path, `expected an integer from ${min} to ${max}, found ${show(v)}`);
    if (v < min || v > max) return fail(path, `must be from ${min} to ${max}, found ${v}`);
    return v;
  };
  const nameList = (path: FieldPath, v: unknown, what: string, reserved: string[] = []): string[] => {
    if (!Array.isArray(v) || v.length === 0) return fail(path, `expected a non-empty list of ${what} names, found ${show(v)}`);
    if (v.length > MAX_CHOICES) return fail(path, `at most ${MAX_CHOICES} ${what}s, found ${v.length}`);
    const seen = new Set<string>();
    return v.map((x, i) => {
      if (typeof x !== 'string' && !(typeof x === 'number' && Number.isFinite(x))) return fail([...path, i], `a ${what} name is a string or a number, found ${show(x)}`);
      const s = String(x);
      if (!NAME_RE.test(s)) return fail([...path, i], `${what} name ${show(s)} must be 1-64 letters, digits, _ . + - (starting with a letter, digit or _)`);
      if (reserved.includes(s)) return fail([...path, i], `"${s}" is implicit (the first vertex is input, the last output); list only the ops of intermediate vertices`);
      if (seen.has(s)) return fail([...path, i], `duplicate ${what} "${s}"`);
      seen.add(s);
      return s;
    });
  };

  if (!isObject(raw)) return fail([], `a space declaration is a mapping with name, kind and choices or ops; found ${show(raw)}`);
  if (raw.name === undefined) fail(['name'], 'missing (the space id, e.g. name: mobile-blocks)');
  if (typeof raw.name !== 'string' || !ID_RE.test(raw.name)) {
    fail(['name'], `${show(raw.name)} is not a valid space id: 1-64 lowercase letters, digits, . _ - (starting with a letter or digit)`);
  }
  const name = raw.name as string;
  if (reservedIds.includes(name)) fail(['name'], `"${name}" is a built-in space; choose another name`);
  const kind = raw.kind;
  if (kind !== 'sequence' && kind !== 'cell') return fail(['kind'], `expected sequence or cell, found ${show(kind)}`);
  const opsOn = kind === 'cell' ? (raw.opsOn ?? 'edges') : undefined;
  if (kind === 'cell' && opsOn !== 'edges' && opsOn !== 'nodes') fail(['opsOn'], `expected edges or nodes, found ${show(opsOn)}`);
  const allowed = kind === 'sequence' ? FIELDS.sequence : opsOn === 'nodes' ? FIELDS.nodes : FIELDS.edges;
  for (const k of Object.keys(raw)) {
    if (!allowed.includes(k)) fail([k], `unknown field for a ${kind === 'sequence' ? 'sequence space' : `cell with ops on ${opsOn}`} (fields: ${allowed.join(', ')})`, true);
  }
  if (raw.title !== undefined && (typeof raw.title !== 'string' || raw.title.length > 200)) fail(['title'], 'expected a string of at most 200 characters');
  const title = (raw.title as string | undefined) ?? name;

  let keys = DEFAULT_FIND_KEYS;
  if (raw.find !== undefined) {
    const f = raw.find;
    if (!isObject(f)) return fail(['find'], `expected a mapping like { keys: [arch] }, found ${show(f)}`);
    for (const k of Object.keys(f)) if (k !== 'keys') fail(['find', k], 'unknown field (fields: keys)', true);
    const list = typeof f.keys === 'string' ? [f.keys] : f.keys;
    if (!Array.isArray(list) || list.length === 0 || list.length > 32) return fail(['find', 'keys'], `expected a key or a list of 1 to 32 keys, found ${show(f.keys)}`);
    keys = list.map((k, i) => {
      if (typeof k !== 'string' || !KEY_RE.test(k)) return fail(typeof f.keys === 'string' ? ['find', 'keys'] : ['find', 'keys', i], `${show(k)} is not a key name (letters, digits, _ $ . -, not starting with a digit)`);
      return k;
    });
    keys = [...new Set(keys)];
  }
  const find = { keys };

  if (kind === 'sequence') {
    const c = raw.choices;
    if (!Array.isArray(c) || c.length === 0) return fail(['choices'], `expected a list of choice names, or a list of such lists (one per position); found ${show(c)}`);
    let positions: number;
    let choices: string[][];
    if (c.every(Array.isArray)) {
      if (c.length > MAX_POSITIONS) fail(['choices'], `at most ${MAX_POSITIONS} positions, found ${c.length}`);
      if (raw.positions !== undefined) {
        positions = int(['positions'], raw.positions, 1, MAX_POSITIONS);
        if (positions !== c.length) fail(['positions'], `${positions} positions, but choices lists ${c.length} (one list per position)`);
      }
      positions = c.length;
      choices = c.map((list, p) => nameList(['choices', p], list, 'choice'));
    } else {
      const nested = c.findIndex(Array.isArray);
      if (nested >= 0) fail(['choices', nested], 'mixes names and lists: give one list of names for all positions, or one list per position');
      if (raw.positions === undefined) fail(['positions'], 'missing: the number of positions (or give one choice list per position)');
      positions = int(['positions'], raw.positions, 1, MAX_POSITIONS);
      const shared = nameList(['choices'], c, 'choice');
      choices = Array.from({ length: positions }, () => [...shared]);
    }
    const costs = costTables(raw.costs, choices, 'position', fail);
    return { name, kind, title, positions, choices, ...(costs ? { costs } : {}), find };
  }

  const nodes = int(['nodes'], raw.nodes, 2, MAX_CELL_NODES);
  if (opsOn === 'edges') {
    const ops = nameList(['ops'], raw.ops, 'op');
    let none: string | undefined;
    if (raw.none !== undefined) {
      none = typeof raw.none === 'number' ? String(raw.none) : (raw.none as string);
      if (typeof none !== 'string' || !ops.includes(none)) fail(['none'], `must be one of the ops (${ops.join(', ')}), found ${show(raw.none)}`);
    }
    const edges = (nodes * (nodes - 1)) / 2;
    const costs = costTables(raw.costs, Array.from({ length: edges }, () => ops), 'edge', fail);
    return { name, kind, title, opsOn, nodes, ops, ...(none === undefined ? {} : { none }), ...(costs ? { costs } : {}), find };
  }
  const ops = nameList(['ops'], raw.ops, 'op', ['input', 'output']);
  const maxEdges = raw.maxEdges === undefined ? Math.min(DEFAULT_MAX_EDGES, (nodes * (nodes - 1)) / 2) : int(['maxEdges'], raw.maxEdges, 1, (nodes * (nodes - 1)) / 2);
  return { name, kind, title, opsOn: 'nodes', nodes, ops, maxEdges, find };
}

const COST_NAME_RE = /^[A-Za-z_][A-Za-z0-9_]{0,63}$/;
export const MAX_COSTS = 16;

/**
 * `costs:` of a space file: each cost a mapping choice -> number (the same at every position or edge) or a list
 * with one such mapping per position or edge. A choice a mapping does not name costs 0; a name that is no
 * choice there is an error (a typo would silently cost 0).
 */
function costTables(raw: unknown, slots: string[][], slot: 'position' | 'edge', fail: (path: FieldPath, message: string, onKey?: boolean) => never): CostTables | undefined {
  if (raw === undefined) return undefined;
  if (!isObject(raw)) return fail(['costs'], `expected a mapping of cost names to tables, e.g. { latency_ms: { conv3x3: 1.2, skip: 0.1 } }, found ${show(raw)}`);
  const names = Object.keys(raw);
  if (names.length === 0 || names.length > MAX_COSTS) fail(['costs'], `expected 1 to ${MAX_COSTS} costs, found ${names.length}`);
  const tables: CostTables = {};
  for (const name of names) {
    if (!COST_NAME_RE.test(name)) fail(['costs', name], 'a cost name is 1-64 letters, digits and _, not starting with a digit', true);
    const spec = raw[name];
    const perSlot = Array.isArray(spec);
    if (perSlot && spec.length !== slots.length) fail(['costs', name], `one mapping per ${slot}: expected ${slots.length}, found ${spec.length}`);
    tables[name] = slots.map((choices, p) => {
      const path = perSlot ? ['costs', name, p] : ['costs', name];
      const table = perSlot ? (spec as unknown[])[p] : spec;
      if (!isObject(table)) return fail(path, `expected a mapping of choice names to numbers, found ${show(table)}`);
      for (const [choice, v] of Object.entries(table)) {
        const known = perSlot ? choices.includes(choice) : slots.some((l) => l.includes(choice));
        if (!known) fail([...path, choice], `"${choice}" is not a choice${perSlot ? ` at ${slot} ${p + 1}` : ''} (choices: ${(perSlot ? choices : [...new Set(slots.flat())]).join(', ')})`, true);
        if (typeof v !== 'number' || !Number.isFinite(v)) fail([...path, choice], `expected a number, found ${show(v)}`);
      }
      return Object.fromEntries(choices.map((c) => [c, (table[c] as number | undefined) ?? 0]));
    });
  }
  return tables;
}
