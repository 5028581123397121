/**
 * Benchmark and user datasets: architectures with ground-truth targets and low-fidelity (LF) measures.
 * Pure Node (fs, zlib, crypto); no tfjs, no vscode.
 */
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as zlib from 'node:zlib';
import { CsvError, parse } from 'csv-parse/sync';
import { parseDecimal } from '../util/decimal';
import { nb201Space } from '../space/nb201';
import { BUILTIN_SPACES, builtinSpace } from '../space/registry';
import type { ArchFeatures, ArchProblem, SearchSpace } from '../space/types';

export interface Column {
  name: string;
  kind: 'target' | 'lf';
  description: string;
  /** One value per architecture; NaN = missing. */
  values: Float64Array;
}

export interface Dataset {
  /** The search space of every architecture here. */
  space: SearchSpace;
  /** Where the data came from (file path or "bundled:<space id>"). */
  source: string;
  /** Parsed architectures (the space's own type). */
  archs: unknown[];
  /** Canonical keys, parallel to archs. */
  keys: string[];
  /** What the encoders see, parallel to archs. */
  features: ArchFeatures[];
  /** Proposed target and experts (bundled data); user files: none. */
  defaultTarget?: string;
  defaultExperts?: string[];
  /** Named expert sets (bundled NB201: "paper", "default"): a one-name expert list naming a set means the set. */
  expertSets?: Record<string, string[]>;
  columns: Column[];
  /** sha256 over the architectures and column values; stored with trained predictors. */
  fingerprint: string;
}

export class DataError extends Error {
  /** The 1-based line of the file the problem is on, where one line is to blame. */
  readonly line?: number;
  constructor(message: string, line?: number) {
    super(message);
    if (line !== undefined) this.line = line;
    this.name = 'DataError';
  }
  static is(e: unknown): e is DataError {
    return e instanceof DataError;
  }
}

export function column(ds: Dataset, name: string): Column {
  const c = ds.columns.find((x) => x.name === name);
  if (!c) {
    const names = ds.columns.map((x) => `${x.name} (${x.kind})`).join(', ');
    throw new DataError(`column "${name}" not in ${ds.source}; available: ${names}`);
  }
  return c;
}

export function targetNames(ds: Dataset): string[] {
  return ds.columns.filter((c) => c.kind === 'target').map((c) => c.name);
}

export function lfNames(ds: Dataset): string[] {
  return ds.columns.filter((c) => c.kind === 'lf').map((c) => c.name);
}

export const BUNDLED_PREFIX = 'bundled:';
export const BUNDLED_NB201 = 'bundled:nb201';
/**
 * Finds a file shipped with the project (`data/…`, `media/…`) by walking up from this module, so the same path
 * works from src/ and from the dist/ bundle; undefined when it is not there.
 */
export function findShipped(relative: string, from: string = __dirname): string | undefined {
  let dir = from;
  for (let i = 0; i < 5; i++) {
    const p = path.join(dir, relative);
    if (fs.existsSync(p)) return p;
    dir = path.dirname(dir);
  }
  return undefined;
}

/** Finds `data/<file>` (see findShipped). */
export function findDataFile(file: string, from: string = __dirname): string {
  const p = findShipped(path.join('data', file), from);
  if (p === undefined) throw new DataError(`bundled data file data/${file} not found near ${from}`);
  return p;
}

interface BundledFile {
  format: string;
  space: string;
  archs: string[];
  columns: { name: string; kind: 'target' | 'lf'; description: string; values: (number | null)[] }[];
  defaultTarget?: string;
  defaultExperts?: string[];
}

const bundledCache = new Map<string, Dataset>();

/** Space ids that ship a benchmark table (data/<id>.json.gz). */
export function bundledSpaceIds(): string[] {
  const ids: string[] = [];
  for (const id of BUILTIN_SPACES.map((s) => s.id)) {
    try {
      findDataFile(`${id}.json.gz`);
      ids.push(id);
    } catch {
      // not shipped
    }
  }
  return ids;
}

/** Is `data` the name of bundled data ("bundled", "bundled:<space>")? Returns the space id or undefined. */
export function bundledDataSpace(data: string | undefined, defaultSpace = nb201Space.id): string | undefined {
  if (data === undefined || data === '' || data === 'bundled') return defaultSpace;
  if (data.startsWith(BUNDLED_PREFIX)) return data.slice(BUNDLED_PREFIX.length);
  return undefined;
}

/**
 * Loads the bundled benchmark table of a space (data/<space id>.json.gz: every architecture of the space).
 * Cached: callers must not mutate it.
 */
export function loadBundled(spaceId: string = nb201Space.id, file?: string): Dataset {
  const cached = !file ? bundledCache.get(spaceId) : undefined;
  if (cached) return cached;
  const space = builtinSpace(spaceId);
  if (!space) throw new DataError(`no bundled data for space "${spaceId}"; bundled: ${bundledSpaceIds().join(', ')}`);
  const p = file ?? findDataFile(`${spaceId}.json.gz`);
  let raw: BundledFile;
  try {
    raw = JSON.parse(zlib.gunzipSync(fs.readFileSync(p)).toString('utf8')) as BundledFile;
  } catch (e) {
    throw new DataError(`cannot read bundled data ${p}: ${(e as Error).message}`);
  }
  if (raw.format !== 'dele-nas/benchmark@1' || raw.space !== spaceId) {
    throw new DataError(`${p} is not a dele-nas ${spaceId} benchmark file (format ${raw.format}, space ${raw.space})`);
  }
  // A table may store architectures in a compact form of its space's (NB201: the 6 op digits of a cell).
  const conventions = space.benchmark;
  const archs = raw.archs.map((s) => {
    const decoded = conventions?.decode?.(s);
    if (decoded !== undefined) return decoded;
    const r = space.parse(s);
    if (!r.ok) throw new DataError(`${p}: invalid architecture "${s}": ${firstProblem(r.problems)}`);
    return r.arch;
  });
  const ds = makeDataset(
    `${BUNDLED_PREFIX}${spaceId}`,
    space,
    archs,
    raw.columns.map((c) => ({
      name: c.name,
      kind: c.kind,
      description: c.description,
      values: Float64Array.from(c.values, (v) => (v === null ? NaN : v)),
    })),
  );
  ds.defaultTarget = raw.defaultTarget ?? conventions?.defaultTarget;
  const defaultExperts = raw.defaultExperts ?? conventions?.defaultExperts;
  if (defaultExperts) ds.defaultExperts = [...defaultExperts];
  if (conventions?.expertSets) ds.expertSets = Object.fromEntries(Object.entries(conventions.expertSets).map(([k, v]) => [k, [...v]]));
  if (!file) bundledCache.set(spaceId, ds);
  return ds;
}

/** The bundled NAS-Bench-201 table (all 15,625 cells). */
export function loadBundledNb201(file?: string): Dataset {
  return loadBundled(nb201Space.id, file);
}

export function makeDataset(source: string, space: SearchSpace, archs: unknown[], columns: Column[]): Dataset {
  const keys = archs.map((a) => space.key(a));
  const h = crypto.createHash('sha256');
  // NB201 fingerprints stay what they were before spaces existed (predictors record them).
  if (space.id !== nb201Space.id) h.update(`space:${space.id}\n`);
  h.update(keys.join('\n'));
  for (const c of columns) {
    h.update(`\n${c.kind}:${c.name}\n`);
    h.update(Buffer.from(c.values.buffer, c.values.byteOffset, c.values.byteLength));
  }
  return { space, source, archs, keys, features: archs.map((a) => space.features(a)), columns, fingerprint: h.digest('hex').slice(0, 16) };
}

/**
 * Fills each missing LF value from the architecture the space calls functionally equivalent
 * (SearchSpace.equivalent: on NB201, the cell with its dead edges set to none), where that one has a value.
 * Targets are never filled. On the bundled NB201 data this completes the NAS-Bench-Suite-Zero proxies, which
 * exist only for the 9,445 cells without dead edges: every other cell's pruned equivalent is one of them.
 * Returns the data unchanged (and 0) when the space has no `equivalent`.
 */
export function fillFromEquivalents(ds: Dataset): { ds: Dataset; filled: number } {
  const equivalent = ds.space.equivalent?.bind(ds.space);
  if (!equivalent) return { ds, filled: 0 };
  const index = new Map(ds.keys.map((k, i) => [k, i]));
  const eq = ds.archs.map((a, i) => {
    const j = index.get(ds.space.key(equivalent(a)));
    return j === undefined || j === i ? -1 : j;
  });
  let filled = 0;
  const columns = ds.columns.map((c) => {
    if (c.kind !== 'lf') return c;
    let values: Float64Array | undefined;
    for (let i = 0; i < eq.length; i++) {
      const j = eq[i]!;
      if (j < 0 || Number.isFinite(c.values[i]) || !Number.isFinite(c.values[j])) continue;
      values ??= Float64Array.from(c.values);
      values[i] = c.values[j]!;
      filled++;
    }
    return values ? { ...c, values, description: `${c.description}; missing values filled from the functionally equivalent cell` } : c;
  });
  if (filled === 0) return { ds, filled };
  return { ds: { ...makeDataset(ds.source, ds.space, ds.archs, columns), ...(ds.defaultTarget ? { defaultTarget: ds.defaultTarget } : {}), ...(ds.defaultExperts ? { defaultExperts: ds.defaultExperts } : {}), ...(ds.expertSets ? { expertSets: ds.expertSets } : {}) }, filled };
}

/**
 * Joins datasets of one space by architecture (canonical key): the union of their architectures (first-seen
 * order) and of their columns, so an LF file from `dele lf` (or its shards) joins a ground-truth file. A column
 * in several files must agree where both have a value; an architecture a file lacks is missing there.
 */
export function joinDatasets(parts: Dataset[]): Dataset {
  const first = parts[0];
  if (!first) throw new DataError('nothing to join');
  if (parts.length === 1) return first;
  const index = new Map<string, number>();
  const archs: unknown[] = [];
  for (const d of parts) {
    if (d.space.id !== first.space.id) throw new DataError(`cannot join ${d.source} (${d.space.id}) with ${first.source} (${first.space.id})`);
    d.keys.forEach((k, i) => {
      if (index.has(k)) return;
      index.set(k, archs.length);
      archs.push(d.archs[i]);
    });
  }
  const columns = new Map<string, Column>();
  for (const d of parts) {
    for (const c of d.columns) {
      let joined = columns.get(c.name);
      if (!joined) {
        joined = { name: c.name, kind: c.kind, description: c.description, values: new Float64Array(archs.length).fill(NaN) };
        columns.set(c.name, joined);
      } else if (joined.kind !== c.kind) throw new DataError(`column "${c.name}" is a ${joined.kind} in one file and a ${c.kind} in ${d.source}`);
      for (let i = 0; i < d.keys.length; i++) {
        const v = c.values[i] as number;
        if (Number.isNaN(v)) continue;
        const at = index.get(d.keys[i] as string) as number;
        const old = joined.values[at] as number;
        if (!Number.isNaN(old) && old !== v) throw new DataError(`column "${c.name}" has two values for ${d.keys[i]}: ${old} and ${v} (${d.source})`);
        joined.values[at] = v;
      }
    }
  }
  return makeDataset(parts.map((d) => d.source).join('+'), first.space, archs, [...columns.values()]);
}

export interface ImportOptions {
  /** Search space of the architectures; default NAS-Bench-201. */
  space?: SearchSpace;
  /** Column holding the architecture string; default "arch". */
  archColumn?: string;
  /** Target (ground-truth) columns; default: every column named like acc/accuracy/target, else none. */
  targets?: string[];
  /** LF columns; default: every other numeric column. */
  lfs?: string[];
}

/**
 * Imports a user file. Formats:
 * - CSV with a header row: one `arch` column (an architecture in the space's syntax), target column(s) and
 *   LF columns.
 *   Empty cells, `nan`, `NaN`, `null` and `NA` are missing values; other values are decimal numbers (`-1.5e-3`;
 *   no `0x5A`, `0b101`, `0o7`).
 * - JSON: an array of objects `{ "arch": "...", "<column>": number | null, ... }`.
 * @throws DataError naming the file, line and column of the first problem.
 */
export function importDataFile(file: string, opts: ImportOptions = {}): Dataset {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    throw new DataError(`cannot read ${file}: ${(e as Error).message}`);
  }
  text = text.replace(/^\uFEFF/, '');
  const records = file.toLowerCase().endsWith('.json') ? jsonRecords(text, file) : csvRecords(text, file);
  return recordsToDataset(records.header, records.rows, file, opts);
}

export interface RawTable {
  header: string[];
  rows: { line: number; cells: string[] }[];
}

/**
 * RFC 4180 CSV (csv-parse): quoted fields may hold commas, doubled quotes and line breaks. Lines starting with `#`
 * and blank lines are skipped; `\r\n` or `\n` ends a record. Every row records the physical line where it starts.
 */
function csvRecords(text: string, file: string): RawTable {
  const { header, rows } = csvRows(text, file);
  for (const r of rows) {
    if (r.cells.length !== header.length) {
      throw new DataError(`${file}:${r.line}: ${r.cells.length} cells, but the header has ${header.length}`, r.line);
    }
  }
  return { header, rows };
}

/** csvRecords without the check that every row has the header's cell count (a results file reports such rows one by one). */
export function csvRows(text: string, file: string): RawTable {
  const buf = Buffer.from(text.replace(/^\uFEFF/, ''), 'utf8');
  const rows: { line: number; cells: string[] }[] = [];
  let header: string[] | undefined;
  // Newlines counted in buf[0, scanned): line numbers from csv-parse's byte offsets (its own `lines` counts a
  // `\r\n` inside quotes twice, and a lone `\r` as a line).
  let scanned = 0;
  let newlines = 0;
  const newlinesBefore = (end: number): number => {
    for (let i = buf.indexOf(0x0a, scanned); i >= 0 && i < end; i = buf.indexOf(0x0a, i + 1)) newlines++;
    scanned = Math.max(scanned, end);
    return newlines;
  };
  let lastEnd = 0;
  try {
    parse(buf, {
      comment: '#',
      comment_no_infix: true,
      skip_empty_lines: true,
      relax_column_count: true,
      record_delimiter: ['\r\n', '\n'],
      on_record: (cells: string[], ctx) => {
        // ctx.bytes: just past the record's delimiter (or the end of the input).
        const end = ctx.bytes;
        lastEnd = end;
        const endLine = 1 + newlinesBefore(end) - (buf[end - 1] === 0x0a ? 1 : 0);
        let inner = 0;
        for (const c of cells) for (let i = c.indexOf('\n'); i >= 0; i = c.indexOf('\n', i + 1)) inner++;
        const line = endLine - inner;
        // A line of spaces is blank, as before.
        if (cells.length === 1 && inner === 0 && cells[0]!.trim() === '') return null;
        if (!header) header = cells.map((c) => c.trim());
        else rows.push({ line, cells });
        return null;
      },
    });
  } catch (e) {
    if (!(e instanceof CsvError)) throw e;
    // The record in error starts at the first line after the last record that is neither blank nor a comment.
    let line = 1 + newlinesBefore(lastEnd);
    for (let pos = lastEnd; pos < buf.length; line++) {
      const nl = buf.indexOf(0x0a, pos);
      const l = buf.toString('utf8', pos, nl < 0 ? buf.length : nl).replace(/\r$/, '');
      if (nl < 0 || (l !== '' && !l.startsWith('#'))) break;
      pos = nl + 1;
    }
    const what =
      e.code === 'CSV_QUOTE_NOT_CLOSED'
        ? 'unterminated quote'
        : e.code === 'INVALID_OPENING_QUOTE'
          ? 'a quote inside an unquoted field (quote the whole field and double its quotes)'
          : e.code === 'CSV_INVALID_CLOSING_QUOTE'
            ? 'text after a closing quote (quote the whole field and double its quotes)'
            : e.message;
    throw new DataError(`${file}:${line}: ${what}`, line);
  }
  if (!header) throw new DataError(`${file}: empty file, expected a CSV header row`);
  return { header, rows };
}

function jsonRecords(text: string, file: string): RawTable {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (e) {
    throw new DataError(`${file}: invalid JSON: ${(e as Error).message}`);
  }
  if (!Array.isArray(parsed)) throw new DataError(`${file}: expected a JSON array of objects`);
  const header: string[] = [];
  parsed.forEach((r, i) => {
    if (typeof r !== 'object' || r === null || Array.isArray(r)) {
      throw new DataError(`${file}: item ${i} is not an object`);
    }
    for (const k of Object.keys(r)) if (!header.includes(k)) header.push(k);
  });
  const rows = (parsed as Record<string, unknown>[]).map((r, i) => ({
    line: i,
    // Own keys only: a row without "constructor" or "toString" must not read Object.prototype's.
    cells: header.map((h) => (!Object.hasOwn(r, h) || r[h] === null || r[h] === undefined ? '' : String(r[h]))),
  }));
  return { header, rows };
}

/** The message of a failed parse (a space always reports at least one problem; the fallback is defensive). */
function firstProblem(problems: readonly ArchProblem[]): string {
  return problems[0]?.message ?? 'not an architecture of this space';
}

const MISSING = new Set(['', 'nan', 'null', 'na', 'none', 'n/a']);
const TARGET_RE = /(^|_)(acc|accuracy|target|top1|perf)(_|$)/i;

function recordsToDataset(header: string[], rows: RawTable['rows'], file: string, opts: ImportOptions): Dataset {
  const isJson = file.toLowerCase().endsWith('.json');
  const where = (line: number): string => (isJson ? `${file} item ${line}` : `${file}:${line}`);
  const archCol = opts.archColumn ?? 'arch';
  const ai = header.indexOf(archCol);
  if (ai < 0) {
    throw new DataError(`${file}: no "${archCol}" column; columns are: ${header.join(', ')}`);
  }
  // A repeated name would silently read the first column's values twice (empty names, e.g. trailing commas, are
  // left to the column checks below).
  const seenAt = new Map<string, number>();
  header.forEach((h, i) => {
    const first = seenAt.get(h);
    if (h !== '' && first !== undefined) throw new DataError(`${file}: column "${h}" appears twice (columns ${first + 1} and ${i + 1}); column names must be unique`);
    seenAt.set(h, i);
  });
  if (rows.length === 0) throw new DataError(`${file}: no data rows`);
  for (const name of [...(opts.targets ?? []), ...(opts.lfs ?? [])]) {
    if (!header.includes(name)) throw new DataError(`${file}: no column "${name}"; columns are: ${header.join(', ')}`);
  }
  const numeric = header.filter((_, i) => i !== ai);
  const targets = opts.targets ?? numeric.filter((h) => TARGET_RE.test(h));
  const lfs = opts.lfs ?? numeric.filter((h) => !targets.includes(h));
  const space = opts.space ?? nb201Space;
  const archs: unknown[] = [];
  const firstSeen = new Map<string, number>();
  const cols = [...targets, ...lfs].map((name) => ({ name, idx: header.indexOf(name), values: [] as number[] }));
  // Every row has a cell per header column (csvRecords checks the count, jsonRecords fills every column).
  const cellAt = (r: RawTable['rows'][number], i: number): string => {
    const c = r.cells[i];
    if (c === undefined) throw new DataError(`${where(r.line)}: ${r.cells.length} cells, but the header has ${header.length}`);
    return c;
  };
  for (const r of rows) {
    const cell = cellAt(r, ai).trim();
    const p = space.parse(cell);
    if (!p.ok) {
      const shown = cell.length > 120 ? `${cell.slice(0, 120)}…` : cell;
      throw new DataError(`${where(r.line)}: invalid architecture "${shown}": ${firstProblem(p.problems)}`);
    }
    const prev = firstSeen.get(p.key);
    if (prev !== undefined) {
      throw new DataError(`${where(r.line)}: duplicate architecture ${p.key} (first at ${where(prev)})`);
    }
    firstSeen.set(p.key, r.line);
    archs.push(p.arch);
    for (const c of cols) {
      const s = cellAt(r, c.idx).trim();
      if (MISSING.has(s.toLowerCase())) c.values.push(NaN);
      else {
        // Decimal only: Number() would also read 0x5A, 0b101 and 0o7 as numbers.
        const v = parseDecimal(s);
        if (!Number.isFinite(v)) {
          throw new DataError(`${where(r.line)}: column "${c.name}" has "${s}", expected a (decimal) number or an empty cell`);
        }
        c.values.push(v);
      }
    }
  }
  const columns: Column[] = cols.map((c) => ({
    name: c.name,
    kind: targets.includes(c.name) ? 'target' : 'lf',
    description: `${c.name} from ${path.basename(file)}`,
    values: Float64Array.from(c.values),
  }));
  return makeDataset(path.resolve(file), space, archs, [...columns, ...costColumns(space, archs, header)]);
}

/** Deterministic shuffle for splits (independent of the model seed). */
export function permutation(n: number, seed: number): number[] {
  const idx = Array.from({ length: n }, (_, i) => i);
  let s = seed >>> 0 || 0x9e3779b9;
  for (let i = n - 1; i > 0; i--) {
    s = (Math.imul(s ^ (s >>> 15), 0x2c1b3c6d) + 0x6d2b79f5) >>> 0;
    s = (s ^ (s >>> 13)) >>> 0;
    const j = s % (i + 1);
    const t = idx[i]!;
    idx[i] = idx[j]!;
    idx[j] = t;
  }
  return idx;
}

export interface Split {
  /** Whole training split: every arch here is used with its LF values in step 1. */
  train: number[];
  /** Held-out split: scored once for the reported metrics, never used to choose anything. */
  heldOut: number[];
}

/**
 * Splits archs into train/held-out halves (as in DELE's NB201 setup: 7,813 / 7,812), with a split seed that is
 * independent of the training seed, so every run sees the same split.
 */
export function splitDataset(n: number, splitSeed = 0, heldOutFraction = 0.5): Split {
  const perm = permutation(n, splitSeed + 1);
  const nValid = Math.floor(n * heldOutFraction);
  return { train: perm.slice(0, n - nValid), heldOut: perm.slice(n - nValid) };
}

/**
 * Ground-truth subset: the first ⌊ratio·|train|⌋ of the train list (nested for growing ratios), at least 2.
 * With a subset seed, the first ⌊ratio·|train|⌋ of a deterministic shuffle of the train list instead (still nested
 * across ratios for one subset seed); without one, exactly the historical first-N subset.
 */
export function groundTruthSubset(train: number[], ratio: number, subsetSeed?: number): number[] {
  if (!(ratio > 0 && ratio <= 1)) throw new DataError(`train ratio must be in (0, 1], got ${ratio}`);
  const n = Math.max(2, Math.floor(ratio * train.length));
  if (subsetSeed === undefined) return train.slice(0, n);
  if (!(Number.isInteger(subsetSeed) && subsetSeed >= 0)) throw new DataError(`subset seed must be an integer >= 0, got ${subsetSeed}`);
  // A shuffle seed of its own (a split uses splitSeed + 1), so subset seed k is not split seed k's order.
  const shuffleSeed = (Math.imul(subsetSeed + 1, 0x9e3779b1) ^ 0x5ab5e7ed) >>> 0;
  return permutation(train.length, shuffleSeed).slice(0, n).map((j) => train[j]!);
}

/** The space's own costs (a space file's per-choice cost tables) as LF columns, unless the file has the column. */
export function costColumns(space: SearchSpace, archs: readonly unknown[], header: readonly string[]): Column[] {
  return (space.costs ?? [])
    .filter((c) => !header.includes(c.name))
    .map((c) => ({ name: c.name, kind: 'lf' as const, description: `${c.description} (computed)`, values: Float64Array.from(archs, (a) => c.value(a)) }));
}
