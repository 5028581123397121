/**
 * Spaces whose architectures are a fixed-length list of choices: declared sequence spaces (one choice per
 * position) and declared cells with ops on edges (one op per edge of the complete DAG, edge order 1<-0, 2<-0,
 * 2<-1, 3<-0, ...). An architecture is the list of per-position choice indices.
 */
import { type ArchCost, type ArchProblem, clip, outputReachable, type ParseResult, type Random, sampleEnumerable, type SearchSpace } from '../types';
import type { CostTables, EdgeCellSpaceDeclaration, SequenceSpaceDeclaration } from './declaration';
import { isDecimalText } from '../../util/decimal';
import { type Item, itemsOf, type Lit, readWhole, type SplitRules } from './literal';
import { MAX_PROBLEMS, MAX_TEXT, scanKeys } from './scan';

export type ListArch = readonly number[];

/** Enumerable (size, fromIndex, indexOf) up to this many architectures. */
export const MAX_ENUMERABLE = 200_000;

interface ListSpec {
  choices: string[][];
  /** Per position, for messages: 'position 2', 'edge 2<-1'. */
  labels: string[];
  unit: string;
  countMessage: (found: number) => string;
}

/** Parsing, keys and scanning shared by sequence and edge-cell spaces. */
class ListCore {
  readonly positions: number;
  readonly choices: string[][];
  private readonly index: Map<string, number>[];
  private readonly anyName = new Set<string>();
  /** Numbers are indices unless some name looks like a number (then they are names). */
  readonly numericIndices: boolean;
  readonly sep: string;
  readonly rules: SplitRules;
  readonly size: number;

  constructor(private readonly spec: ListSpec) {
    this.choices = spec.choices;
    this.positions = spec.choices.length;
    this.index = spec.choices.map((list) => new Map(list.map((n, i) => [n, i])));
    for (const list of spec.choices) for (const n of list) this.anyName.add(n);
    const names = [...this.anyName];
    this.numericIndices = !names.some(isDecimalText);
    const dashInNames = names.some((n) => n.includes('-'));
    this.sep = dashInNames ? ',' : '-';
    this.rules = { dash: !dashInNames, chars: names.every((n) => n.length === 1) };
    this.size = spec.choices.reduce((s, l) => s * l.length, 1);
  }

  key(a: ListArch): string {
    return a.map((c, p) => this.choices[p]![c]).join(this.sep);
  }

  private plausible(it: Item): boolean {
    return !it.nested && (this.anyName.has(it.text) || (this.numericIndices && /^\d{1,9}$/.test(it.text)));
  }

  private allowed(p: number, withIndices = true): string {
    const list = this.choices[p]!;
    const names = list.length > 16 ? `${list.slice(0, 16).join(', ')}, … (${list.length} in all)` : list.join(', ');
    return this.numericIndices && withIndices ? `${names} (or indices 0-${list.length - 1})` : names;
  }

  private resolve(it: Item, p: number): number | ArchProblem {
    const at = { start: it.start, end: Math.max(it.end, it.start + 1) };
    const label = this.spec.labels[p];
    if (it.nested) return { message: `${label}: expected a ${this.spec.unit} name${this.numericIndices ? ' or index' : ''}, not a list or mapping`, ...at };
    if (it.text === '') return { message: `${label}: empty ${this.spec.unit}`, ...at };
    const i = this.index[p]!.get(it.text);
    if (i !== undefined) return i;
    const m = this.choices[p]!.length;
    if (this.numericIndices && /^\d+$/.test(it.text)) {
      const k = Number(it.text);
      if (k < m) return k;
      return { message: `${label}: index ${clip(it.text)} is out of range; ${label} has ${m} ${this.spec.unit}${m === 1 ? '' : 's'} (0-${m - 1}: ${this.allowed(p, false)})`, ...at };
    }
    const elsewhere = this.anyName.has(it.text) ? ` ("${it.text}" is allowed at other positions)` : '';
    return { message: `${label}: unknown ${this.spec.unit} "${clip(it.text)}"${elsewhere}; allowed: ${this.allowed(p)}`, ...at };
  }

  /**
   * Whether a string of one digit per position, each a choice index (NAS-Bench-Macro's keys, `"02012100"`),
   * is read as indices: with multi-character names that are no numbers, so no name reads it instead.
   */
  get readsDigitStrings(): boolean {
    return this.numericIndices && !this.rules.chars && this.positions > 1 && this.choices.every((l) => l.length <= 10);
  }

  /** A string's single item read as one choice index per character, when every character is a valid index. */
  private digitIndices(items: Item[]): Item[] | undefined {
    const [it] = items;
    if (!this.readsDigitStrings || !it || items.length !== 1 || it.text.length !== this.positions || this.anyName.has(it.text)) return undefined;
    for (let p = 0; p < this.positions; p++) {
      const d = it.text.charCodeAt(p) - 48;
      if (!(d >= 0 && d < this.choices[p]!.length)) return undefined;
    }
    return [...it.text].map((ch, k) => ({ text: ch, start: it.start + k, end: it.start + k + 1 }));
  }

  /**
   * Interprets a literal as an architecture. `strict` (parse): anything else is an error. Not strict (scan):
   * returns undefined for values that are clearly not architectures (a mapping, nested lists, an empty list, a
   * list of the right length without any known name, a wrong-length list that is mostly unknown words).
   */
  interpret(src: string, lit: Lit, strict: boolean): ParseResult<ListArch> | undefined {
    // In code, an unquoted word (`arch=arch`) is a name, never a string of one-character choices.
    const split = itemsOf(src, lit, !strict && (lit.kind === 'raw' || lit.kind === 'word') ? { ...this.rules, chars: false } : this.rules);
    const items = split && lit.kind !== 'list' ? (this.digitIndices(split) ?? split) : split;
    const whole = { start: lit.start, end: Math.max(lit.end, lit.start + 1) };
    const P = this.positions;
    if (!strict) {
      if (!items || items.length === 0 || items.some((it) => it.nested)) return undefined;
      const known = items.filter((it) => this.plausible(it)).length;
      if (items.length === P ? known === 0 : items.length < 2 || known * 2 < items.length) return undefined;
    }
    if (!items) return { ok: false, problems: [{ message: `expected a list of ${P} ${this.spec.unit}s, not a mapping`, ...whole }] };
    // In code (not strict), only a value of the space's shape whose items mostly resolve is an error; a near
    // miss (`arch = [3, 4, 6, 3]`, ResNet stage depths) is a hint.
    const severity = (resolved: number): 'error' | 'hint' => (strict || (items.length === P && resolved * 2 >= P) ? 'error' : 'hint');
    if (items.length !== P) return { ok: false, problems: [{ message: this.spec.countMessage(items.length), ...whole, severity: severity(0) }] };
    const problems: ArchProblem[] = [];
    const arch: number[] = [];
    items.forEach((it, p) => {
      const r = this.resolve(it, p);
      if (typeof r === 'number') arch.push(r);
      else if (problems.length < MAX_PROBLEMS) problems.push(r);
    });
    if (problems.length > 0) {
      const sev = severity(arch.length);
      return { ok: false, problems: sev === 'error' ? problems : problems.map((q) => ({ ...q, severity: sev })) };
    }
    return { ok: true, arch, key: this.key(arch) };
  }

  parse(text: string): ParseResult<ListArch> {
    if (text.length > MAX_TEXT) return { ok: false, problems: [{ message: `an architecture is at most ${MAX_TEXT} characters; this text has ${text.length}`, start: 0, end: text.length }] };
    const r = readWhole(text);
    if (!r.ok) return { ok: false, problems: [{ message: r.message, start: r.start, end: r.end }] };
    return this.interpret(text, r.lit, true) as ParseResult<ListArch>;
  }

  fromIndex(i: number): ListArch {
    if (!Number.isInteger(i) || i < 0 || i >= this.size) throw new RangeError(`index ${i} out of range 0..${this.size - 1}`);
    const a = new Array<number>(this.positions);
    for (let p = this.positions - 1; p >= 0; p--) {
      const m = this.choices[p]!.length;
      a[p] = i % m;
      i = Math.floor(i / m);
    }
    return a;
  }

  indexOf(a: ListArch): number {
    if (a.length !== this.positions) throw new RangeError(`expected ${this.positions} choices, found ${a.length}`);
    return a.reduce((acc, c, p) => {
      const m = this.choices[p]!.length;
      if (!Number.isInteger(c) || c < 0 || c >= m) throw new RangeError(`choice ${c} out of range at ${this.spec.labels[p]}`);
      return acc * m + c;
    }, 0);
  }

  /** Distinct random architectures of a large space (duplicates only if distinct draws run out). */
  sampleLarge(random: Random, n: number): ListArch[] {
    const seen = new Set<string>();
    const out: ListArch[] = [];
    const dups: ListArch[] = [];
    for (let attempts = 0; out.length < n && attempts < n * 20 + 1000; attempts++) {
      const a = this.choices.map((l) => Math.min(l.length - 1, Math.floor(random() * l.length)));
      const k = a.join(',');
      if (seen.has(k)) dups.push(a);
      else {
        seen.add(k);
        out.push(a);
      }
    }
    while (out.length < n && dups.length > 0) out.push(dups.shift() as ListArch);
    return out;
  }
}

function enumerable(core: ListCore, random: Random, n: number): ListArch[] {
  return core.size <= MAX_ENUMERABLE ? sampleEnumerable({ size: core.size, fromIndex: (i) => core.fromIndex(i) }, random, n) : core.sampleLarge(random, n);
}

function enumerableMembers(core: ListCore): Pick<SearchSpace<ListArch>, 'size' | 'fromIndex' | 'indexOf'> {
  if (core.size > MAX_ENUMERABLE) return {};
  return { size: core.size, fromIndex: (i) => core.fromIndex(i), indexOf: (a) => core.indexOf(a) };
}

export function sequenceSpace(decl: SequenceSpaceDeclaration): SearchSpace<ListArch> {
  const P = decl.positions;
  const core = new ListCore({
    choices: decl.choices,
    labels: Array.from({ length: P }, (_, p) => `position ${p + 1}`),
    unit: 'choice',
    countMessage: (n) => `expected ${P} choice${P === 1 ? '' : 's'} (one per position), found ${n}`,
  });
  // The union vocabulary, in order of first appearance; global[p][c] is the token of choice c at position p.
  const vocab: string[] = [];
  const vocabIndex = new Map<string, number>();
  const global = decl.choices.map((list) =>
    list.map((n) => {
      if (!vocabIndex.has(n)) {
        vocabIndex.set(n, vocab.length);
        vocab.push(n);
      }
      return vocabIndex.get(n) as number;
    }),
  );
  // A validated declaration has at least one position, each with at least one choice.
  const [first = []] = decl.choices;
  const example = decl.choices.map((l) => l[0]).slice(0, 4);
  const sameEverywhere = decl.choices.every((l) => l.join('\u0000') === first.join('\u0000'));
  return {
    id: decl.name,
    title: decl.title,
    syntax: `a list of ${P} choice${P === 1 ? '' : 's'}, one per position (names or indices), e.g. [${example.join(', ')}${P > 4 ? ', …' : ''}] or "${example.join(core.sep)}${P > 4 ? `${core.sep}…` : ''}"${
      sameEverywhere ? `; choices: ${clip(first.join(', '), 200)}` : ''
    }`,
    encoderInput: {
      numOps: vocab.length,
      graph: {
        kind: 'edge-ops',
        numNodes: P + 1,
        edgeFrom: Array.from({ length: P }, (_, p) => p),
        edgeTo: Array.from({ length: P }, (_, p) => p + 1),
        noneOp: -1,
      },
      seqVocab: vocab.length,
      seqLength: P,
    },
    opNames: vocab,
    ...costMembers(decl.costs, decl.choices, 'position'),
    // A sequence is read best as a sequence; GATES sees it as a chain (one GCN layer per position).
    encoders: ['lstm', 'gates'],
    parse: (text) => core.parse(text),
    scan: (text) => scanKeys(text, decl.name, decl.find.keys, (src, lit) => core.interpret(src, lit, false)),
    key: (a) => core.key(a),
    lint: () => [],
    describe: (a) => describeSequence(core, a),
    features(a) {
      const ops = a.map((c, p) => global[p]![c]!);
      return { ops, tokens: [...ops] };
    },
    ...enumerableMembers(core),
    sample: (random, n) => enumerable(core, random, n),
    declaration: decl,
  };
}

/** Hover lines: the choice (and its index) at every position; how a string of digits is read, where it is. */
function describeSequence(core: ListCore, a: ListArch): string[] {
  const lines = [`| position | ${a.map((_, p) => p + 1).join(' | ')} |`, `|---|${a.map(() => '---').join('|')}|`, `| choice (index) | ${a.map((c, p) => `${core.choices[p]![c]} (${c})`).join(' | ')} |`];
  if (core.readsDigitStrings) {
    lines.push('', `A string of ${core.positions} digits, such as \`"${a.join('')}"\` (NAS-Bench-Macro's keys), is read as one choice index per position.`);
  }
  return lines;
}

/** Edge order of a complete DAG on `nodes` nodes: node i takes edges from 0..i-1, nodes in order. */
export function dagEdges(nodes: number): { from: number[]; to: number[] } {
  const from: number[] = [];
  const to: number[] = [];
  for (let j = 1; j < nodes; j++) {
    for (let i = 0; i < j; i++) {
      from.push(i);
      to.push(j);
    }
  }
  return { from, to };
}

export function edgeCellSpace(decl: EdgeCellSpaceDeclaration): SearchSpace<ListArch> {
  const { from, to } = dagEdges(decl.nodes);
  const E = from.length;
  const order = from.slice(0, 4).map((f, e) => `${to[e]}<-${f}`);
  const core = new ListCore({
    choices: Array.from({ length: E }, () => decl.ops),
    labels: from.map((f, e) => `edge ${to[e]}<-${f}`),
    unit: 'op',
    countMessage: (n) => `a cell with ${decl.nodes} nodes has ${E} edge${E === 1 ? '' : 's'} (in order ${order.join(', ')}${E > 4 ? ', …' : ''}); found ${n} op${n === 1 ? '' : 's'}`,
  });
  const noneOp = decl.none === undefined ? -1 : decl.ops.indexOf(decl.none);
  const connected = (a: ListArch): boolean => outputReachable(a, from, to, noneOp);
  return {
    id: decl.name,
    title: decl.title,
    syntax: `the ${E} edge op${E === 1 ? '' : 's'} in order ${order.join(', ')}${E > 4 ? ', …' : ''} (names or indices), e.g. [${Array.from({ length: Math.min(E, 4) }, () => decl.ops[0]).join(', ')}${
      E > 4 ? ', …' : ''
    }]; ops: ${clip(decl.ops.join(', '), 200)}`,
    encoderInput: {
      numOps: decl.ops.length,
      graph: { kind: 'edge-ops', numNodes: decl.nodes, edgeFrom: from, edgeTo: to, noneOp },
      seqVocab: decl.ops.length,
      seqLength: E,
    },
    opNames: decl.ops,
    ...costMembers(decl.costs, Array.from({ length: E }, () => decl.ops), 'edge'),
    encoders: ['gates', 'lstm'],
    parse: (text) => core.parse(text),
    scan: (text) => scanKeys(text, decl.name, decl.find.keys, (src, lit) => core.interpret(src, lit, false)),
    key: (a) => core.key(a),
    lint: (a) =>
      noneOp >= 0 && !connected(a) ? [{ message: `no path from the input to the output avoids \`${decl.none}\`: this cell outputs zeros`, severity: 'info' as const, outputsZeros: {} }] : [],
    features: (a) => ({ ops: [...a], tokens: [...a] }),
    ...enumerableMembers(core),
    sample: (random, n) => enumerable(core, random, n),
    declaration: decl,
  };
}

/** `costs` of a list space: each table summed over the positions (or edges) of an architecture. */
function costMembers(tables: CostTables | undefined, choices: readonly (readonly string[])[], slot: 'position' | 'edge'): { costs?: ArchCost<ListArch>[] } {
  if (!tables) return {};
  return {
    costs: Object.entries(tables).map(([name, perSlot]) => {
      // [slot][choice index] -> cost
      const table = choices.map((names, p) => names.map((n) => perSlot[p]?.[n] ?? 0));
      return {
        name: `cost_${name}`,
        description: `${name}: the sum over ${slot}s of the space file's per-choice ${name}`,
        value: (a: ListArch) => a.reduce((sum, c, p) => sum + table[p]![c]!, 0),
      };
    }),
  };
}
