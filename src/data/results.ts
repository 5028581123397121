/**
 * A results file: what the user's training jobs append to, one finished architecture per row, read back into
 * the practitioner's loop (propose, train on the cluster, feed the accuracies back, retrain). Two forms:
 *
 * - CSV with a header row: an `arch` (or `architecture`) column in the space's syntax and the target column
 *   (named, or the only other column whose values are numbers); other columns are kept out of the labels.
 * - JSON lines (`.jsonl`/`.ndjson`): one object per line, `{"arch": "...", "acc": 93.1, ...}`.
 *
 * Unlike a data file, a results file is read row by row: a bad row (an architecture the space does not parse, a
 * value that is not a decimal number, a short row) is a problem at its line, and every other row still counts. A
 * second row for the same architecture replaces the first (a job re-run), with a warning at the first.
 */
import { csvRows, DataError } from './dataset';
import type { SearchSpace } from '../space/types';
import { parseDecimal } from '../util/decimal';

export interface ResultRow {
  /** 1-based line of the row. */
  line: number;
  key: string;
  arch: unknown;
  value: number;
}

export interface ResultProblem {
  line: number;
  severity: 'error' | 'warning';
  message: string;
}

export interface ResultsRead {
  /** The target column's name (undefined when none could be found: then there are no rows). */
  target?: string;
  /** One per architecture, the last row of each. */
  rows: ResultRow[];
  problems: ResultProblem[];
}

/** Rows read at most (a results file is a log of trainings, not a table of a whole space). */
export const MAX_RESULT_ROWS = 100_000;
/** Bytes read at most. */
export const MAX_RESULTS_BYTES = 32 * 1024 * 1024;

const ARCH_COLUMNS = ['arch', 'architecture'];

export const isJsonLines = (file: string): boolean => /\.(jsonl|ndjson)$/i.test(file);

interface Raw {
  line: number;
  arch: string | undefined;
  value: string | undefined;
  /** A problem with the row's shape, found before its cells are read. */
  shape?: string;
}

/** Reads a results file's text; `target` names the value column (default: the only numeric non-arch column). */
export function readResults(text: string, file: string, space: SearchSpace, target?: string): ResultsRead {
  const problems: ResultProblem[] = [];
  if (text.length > MAX_RESULTS_BYTES) return { rows: [], problems: [{ line: 1, severity: 'error', message: `the results file is over ${MAX_RESULTS_BYTES / 1024 / 1024} MiB; split it` }] };
  let table: { target?: string; raws: Raw[] };
  try {
    table = isJsonLines(file) ? jsonLines(text, target, problems) : csvTable(text, file, target, problems);
  } catch (e) {
    if (!DataError.is(e)) throw e;
    return { rows: [], problems: [{ line: e.line ?? 1, severity: 'error', message: e.message.replace(`${file}:`, '').replace(/^\d+: /, '') }] };
  }
  const byKey = new Map<string, ResultRow>();
  for (const r of table.raws.slice(0, MAX_RESULT_ROWS)) {
    if (r.shape) {
      problems.push({ line: r.line, severity: 'error', message: r.shape });
      continue;
    }
    const archText = (r.arch ?? '').trim();
    if (archText === '') {
      problems.push({ line: r.line, severity: 'error', message: 'no architecture on this row' });
      continue;
    }
    const parsed = space.parse(archText);
    if (!parsed.ok) {
      problems.push({ line: r.line, severity: 'error', message: `not a ${space.title} architecture: ${parsed.problems[0]?.message ?? 'does not parse'}` });
      continue;
    }
    const value = parseDecimal((r.value ?? '').trim());
    if (!Number.isFinite(value)) {
      problems.push({ line: r.line, severity: 'error', message: `"${table.target}" is ${r.value === undefined || r.value.trim() === '' ? 'empty' : `"${r.value.slice(0, 40)}", not a decimal number`}` });
      continue;
    }
    const key = space.key(parsed.arch);
    const before = byKey.get(key);
    if (before) problems.push({ line: before.line, severity: 'warning', message: `the same architecture is on line ${r.line} again: its value there (${value}) is used, not ${before.value}` });
    byKey.set(key, { line: r.line, key, arch: parsed.arch, value });
  }
  if (table.raws.length > MAX_RESULT_ROWS) problems.push({ line: table.raws[MAX_RESULT_ROWS]!.line, severity: 'error', message: `more than ${MAX_RESULT_ROWS} rows: the rest is not read` });
  return { ...(table.target !== undefined ? { target: table.target } : {}), rows: [...byKey.values()], problems };
}

function csvTable(text: string, file: string, target: string | undefined, problems: ResultProblem[]): { target?: string; raws: Raw[] } {
  if (text.trim() === '') return { ...(target ? { target } : {}), raws: [] };
  const { header, rows } = csvRows(text, file);
  const archAt = header.findIndex((h) => ARCH_COLUMNS.includes(h.toLowerCase()));
  if (archAt < 0) throw new DataError(`the header (${header.join(', ')}) has no "arch" column`, 1);
  let valueAt: number;
  if (target !== undefined) {
    valueAt = header.indexOf(target);
    if (valueAt < 0) throw new DataError(`the header (${header.join(', ')}) has no "${target}" column`, 1);
  } else {
    const numeric = header.map((_, j) => j).filter((j) => j !== archAt && rows.some((r) => Number.isFinite(parseDecimal((r.cells[j] ?? '').trim()))));
    if (numeric.length !== 1) {
      const why = numeric.length === 0 ? 'no column besides "arch" holds numbers' : `${numeric.map((j) => header[j]).join(', ')} all hold numbers`;
      if (rows.length === 0 && header.length === 2) valueAt = 1 - archAt;
      else {
        problems.push({ line: 1, severity: 'error', message: `which column is the result? ${why}: name it (setting dele.resultsFiles: {"<space>": {"file": "...", "target": "<column>"}})` });
        return { raws: [] };
      }
    } else valueAt = numeric[0]!;
  }
  return {
    target: header[valueAt]!,
    raws: rows.map((r) =>
      r.cells.length < header.length && r.cells.length <= Math.max(archAt, valueAt)
        ? { line: r.line, arch: undefined, value: undefined, shape: `${r.cells.length} cell${r.cells.length === 1 ? '' : 's'}, but the header has ${header.length}` }
        : { line: r.line, arch: r.cells[archAt], value: r.cells[valueAt] },
    ),
  };
}

function jsonLines(text: string, target: string | undefined, problems: ResultProblem[]): { target?: string; raws: Raw[] } {
  const raws: Raw[] = [];
  const objects: { line: number; o: Record<string, unknown> }[] = [];
  text.split('\n').forEach((l, i) => {
    const line = i + 1;
    if (l.trim() === '' || l.trimStart().startsWith('#')) return;
    let o: unknown;
    try {
      o = JSON.parse(l);
    } catch (e) {
      raws.push({ line, arch: undefined, value: undefined, shape: `not JSON: ${(e as Error).message}` });
      return;
    }
    if (typeof o !== 'object' || o === null || Array.isArray(o)) raws.push({ line, arch: undefined, value: undefined, shape: 'not a JSON object' });
    else objects.push({ line, o: o as Record<string, unknown> });
  });
  const archField = (o: Record<string, unknown>): string | undefined => ARCH_COLUMNS.find((k) => Object.hasOwn(o, k));
  let name = target;
  if (name === undefined) {
    const numeric = new Set<string>();
    for (const { o } of objects) for (const [k, v] of Object.entries(o)) if (!ARCH_COLUMNS.includes(k) && typeof v === 'number') numeric.add(k);
    if (numeric.size !== 1 && objects.length > 0) {
      problems.push({ line: objects[0]!.line, severity: 'error', message: `which field is the result? ${numeric.size === 0 ? 'no field besides "arch" holds a number' : `${[...numeric].join(', ')} all hold numbers`}: name it (setting dele.resultsFiles: {"<space>": {"file": "...", "target": "<field>"}})` });
      return { raws: raws.filter((r) => r.shape) };
    }
    name = [...numeric][0];
  }
  for (const { line, o } of objects) {
    const a = archField(o);
    const v = name !== undefined && Object.hasOwn(o, name) ? o[name] : undefined;
    if (a === undefined) raws.push({ line, arch: undefined, value: undefined, shape: 'no "arch" field' });
    else if (typeof o[a] !== 'string') raws.push({ line, arch: undefined, value: undefined, shape: `"${a}" is not a string` });
    else raws.push({ line, arch: o[a], value: typeof v === 'number' ? String(v) : typeof v === 'string' ? v : undefined });
  }
  return { ...(name !== undefined ? { target: name } : {}), raws: raws.sort((x, y) => x.line - y.line) };
}
