/**
 * The panel's architecture tables without the DOM: their rows (each architecture with the places it is written
 * in the workspace, as file:line), the cells shown, sorting by a column, the filter box and what an export
 * writes. Imports only types from the protocol (test/unit/layers.test.ts); unit-tested in
 * test/unit/webview.test.ts; webview/main.ts draws it.
 */
import type { ArchLocation, RankedArch, RankingsResult, SearchResponse } from '../src/protocol/lsp';
import type { ExportedTable } from '../src/protocol/webview';
import { byWeight, expertLabel, fmt, type TableSort, type TableView } from './model';

/** The panel's three tables. */
export type TableId = ExportedTable;
export const TABLE_IDS: readonly TableId[] = ['workspace', 'benchmark', 'proposals'];

/** A place an architecture is written in the workspace, and how the table names it ("models/cells.py:12"). */
export interface Place {
  location: ArchLocation;
  label: string;
}

export interface TableRow {
  /** Rank in the server's order (1 = best predicted), kept when the table is sorted by another column. */
  rank: number;
  arch: RankedArch;
  /** The text shown for the architecture (a proposal's text in the space's syntax, else the canonical key). */
  shown: string;
  /** The name it is assigned to in its file (`DARTS_V2 = Genotype(...)`), if any. */
  name?: string;
  places: Place[];
}

export interface Column {
  title: string;
  /** Sorted as numbers (missing values last), else as text. */
  numeric: boolean;
}

/** The columns of every architecture table; `unit` ("%" or "") goes into the value columns' titles. */
export function tableColumns(unit: string): Column[] {
  const u = unit ? ` (${unit})` : '';
  return [
    { title: '#', numeric: true },
    { title: 'architecture', numeric: false },
    { title: 'name', numeric: false },
    { title: 'file:line', numeric: false },
    { title: `predicted${u}`, numeric: true },
    { title: 'percentile', numeric: true },
    { title: `benchmark${u}`, numeric: true },
    { title: 'top expert (gate weight)', numeric: false },
  ];
}

/**
 * How a table names a file: its path relative to the workspace folder holding it (`folders`: folder uris),
 * else its file name; percent-escapes decoded. `line` is 0-based, shown 1-based.
 */
export function placeLabel(uri: string, line: number, folders: readonly string[]): string {
  const folder = folders.map((f) => f.replace(/\/+$/, '')).find((f) => uri.startsWith(`${f}/`));
  const rel = folder !== undefined ? uri.slice(folder.length + 1) : (uri.split('/').pop() ?? uri);
  let decoded = rel;
  try {
    decoded = decodeURIComponent(rel);
  } catch {
    // a malformed escape: shown as it is
  }
  return `${decoded}:${line + 1}`;
}

const place = (location: ArchLocation, folders: readonly string[]): Place => ({ location, label: placeLabel(location.uri, location.range.start.line, folders) });

/** The cells of a row, in tableColumns' order. */
export function rowCells(row: TableRow): string[] {
  const r = row.arch;
  const top = byWeight(r)[0];
  return [
    String(row.rank),
    row.shown,
    row.name ?? '',
    row.places.length > 0 ? row.places.map((p) => p.label).join(', ') : '–',
    fmt(r.predicted),
    fmt(r.percentile, 1),
    fmt(r.trueAccuracy),
    top ? `${expertLabel(top)} ${top.weight.toFixed(2)}` : '–',
  ];
}

/** The workspace table: one row per place an architecture is written (one cell in two files is two rows). */
export function workspaceRows(rankings: RankingsResult, folders: readonly string[]): TableRow[] {
  return rankings.workspace.map((r, i) => ({
    rank: i + 1,
    arch: r,
    shown: r.arch,
    ...(r.name !== undefined ? { name: r.name } : {}),
    places: r.location ? [place(r.location, folders)] : [],
  }));
}

/** Where each architecture of the workspace table is written, by architecture key (in the table's order). */
function placesByArch(rankings: RankingsResult | undefined, folders: readonly string[]): Map<string, Place[]> {
  const m = new Map<string, Place[]>();
  for (const w of rankings?.workspace ?? []) {
    if (!w.location) continue;
    const list = m.get(w.arch) ?? [];
    list.push(place(w.location, folders));
    m.set(w.arch, list);
  }
  return m;
}

/** The space's best predicted architectures: one row each, listing every place the workspace writes it. */
export function benchmarkRows(rankings: RankingsResult, folders: readonly string[]): TableRow[] {
  const places = placesByArch(rankings, folders);
  return rankings.benchmarkTop.map((r, i) => ({ rank: i + 1, arch: r, shown: r.arch, places: places.get(r.arch) ?? [] }));
}

/** The latest proposals: one row each, listing the places the workspace already writes it (same space only). */
export function proposalRows(result: SearchResponse, rankings: RankingsResult | undefined, folders: readonly string[]): TableRow[] {
  const places = rankings?.predictor?.space === result.space ? placesByArch(rankings, folders) : new Map<string, Place[]>();
  return result.proposals.map((p, i) => ({ rank: i + 1, arch: p, shown: p.text, places: places.get(p.arch) ?? [] }));
}

/** The value a column sorts by: a number (undefined when missing) or text. */
function sortValue(row: TableRow, column: number): number | string | undefined {
  const r = row.arch;
  switch (column) {
    case 0:
      return row.rank;
    case 4:
      return Number.isFinite(r.predicted) ? r.predicted : undefined;
    case 5:
      return r.percentile;
    case 6:
      return r.trueAccuracy;
    default:
      return rowCells(row)[column] ?? '';
  }
}

/**
 * Rows sorted by a column: numeric columns as numbers, others as text (natural order, so "cells.py:9" comes
 * before "cells.py:10"); missing numbers last in either direction; equal values keep their order (stable).
 */
export function sortRows(rows: readonly TableRow[], sort: TableSort | undefined): TableRow[] {
  if (!sort) return [...rows];
  const sign = sort.descending ? -1 : 1;
  const cmp = (a: TableRow, b: TableRow): number => {
    const x = sortValue(a, sort.column);
    const y = sortValue(b, sort.column);
    if (x === undefined || y === undefined) return x === y ? 0 : x === undefined ? 1 : -1;
    if (typeof x === 'number' && typeof y === 'number') return sign * (x - y);
    return sign * String(x).localeCompare(String(y), 'en', { numeric: true });
  };
  return rows.map((row, i) => ({ row, i })).sort((a, b) => cmp(a.row, b.row) || a.i - b.i).map((x) => x.row);
}

/** Rows whose architecture, shown text, name or file:line contains `query` (case-insensitive); all for an empty query. */
export function filterRows(rows: readonly TableRow[], query: string): TableRow[] {
  const q = query.trim().toLowerCase();
  if (q === '') return [...rows];
  return rows.filter((r) => [r.arch.arch, r.shown, r.name ?? '', ...r.places.map((p) => p.label)].some((s) => s.toLowerCase().includes(q)));
}

/** What a table shows: filtered, then sorted. */
export const visibleRows = (rows: readonly TableRow[], view: TableView | undefined): TableRow[] => sortRows(filterRows(rows, view?.filter ?? ''), view?.sort);

/** A click on column `column`'s header: the same column flips; a new one starts descending for values, ascending for the rest. */
export function nextSort(current: TableSort | undefined, column: number, columns: readonly Column[]): TableSort {
  if (current?.column === column) return { column, descending: !current.descending };
  return { column, descending: column !== 0 && columns[column]?.numeric === true };
}

/** A column header's text with the sort arrow of the sorted column. */
export const headerText = (column: Column, index: number, sort: TableSort | undefined): string =>
  sort?.column === index ? `${column.title} ${sort.descending ? '▼' : '▲'}` : column.title;

/** What "Export CSV" writes: the header and the cells of the rows the table shows, in its order. */
export function exportedTable(columns: readonly Column[], rows: readonly TableRow[]): { header: string[]; rows: string[][] } {
  return { header: columns.map((c) => c.title), rows: rows.map(rowCells) };
}

/** The one line under a filtered table: how many rows the filter keeps; empty when it keeps all. */
export function filterNote(shown: number, total: number): string {
  return shown === total ? '' : `${shown} of ${total} shown`;
}
