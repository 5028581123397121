/**
 * `dele/workspaceArchitectures`: the valid architectures of the workspace across files (open documents first,
 * then the listed files read from disk), each with its location and prediction, best predicted first. Work is
 * bounded: files, bytes per file and in all, architectures found and returned. Files read from disk are cached
 * by size and modification time, so the side bar's refresh after a save re-reads only what changed.
 */
import * as fs from 'node:fs';
import { pathToFileURL } from 'node:url';
import { TextDocument } from 'vscode-languageserver-textdocument';
import {
  type ArchLocation,
  WORKSPACE_FILE_BYTES,
  WORKSPACE_MAX_ARCHS,
  WORKSPACE_MAX_FILES,
  type WorkspaceArch,
  type WorkspaceArchitecturesParams,
  type WorkspaceArchitecturesResult,
} from '../protocol/lsp';
import type { FoundArch } from '../space/types';
import type { PredictorHost } from './predictorHost';

/** Bytes read from disk per request in all, and architectures found (before ranking). */
export const WORKSPACE_TOTAL_BYTES = 64_000_000;
export const WORKSPACE_MAX_FOUND = 20_000;
const TEXT_CLIP = 500;

/** A valid architecture found in a file. */
export interface Located {
  uri: string;
  space: string;
  arch: unknown;
  key: string;
  text: string;
  name?: string;
  range: ArchLocation['range'];
}

type Valid = FoundArch & { result: { ok: true; arch: unknown; key: string } };

export interface WorkspaceDeps {
  /** Every space's architectures in a text (the server's scanners, bounded as for open documents). */
  scan(text: string): FoundArch[];
  /** Changes when space files change (cached scans are then stale). */
  generation(): number;
  /** Open documents: their valid architectures, already scanned. */
  openDocuments(): { uri: string; path?: string; doc: TextDocument; valid: Valid[] }[];
  /** The predictor for a space's architectures, 'stale' (declared space changed since training) or undefined. */
  hostFor(space: string): PredictorHost | 'stale' | undefined;
  spaceTitle(space: string): string;
  trueValue(space: string, key: string): number | undefined;
}

const located = (uri: string, doc: TextDocument, f: Valid): Located => ({
  uri,
  space: f.space,
  arch: f.result.arch,
  key: f.result.key,
  text: f.text.length > TEXT_CLIP ? `${f.text.slice(0, TEXT_CLIP)}…` : f.text,
  ...(f.name !== undefined ? { name: f.name } : {}),
  range: { start: doc.positionAt(f.start), end: doc.positionAt(f.end) },
});

/** The first `bytes` bytes of a file as UTF-8 text, or undefined when it cannot be read. */
export function readFilePrefix(file: string, bytes: number): string | undefined {
  try {
    const fd = fs.openSync(file, 'r');
    try {
      const buf = Buffer.alloc(Math.min(bytes, fs.fstatSync(fd).size));
      fs.readSync(fd, buf, 0, buf.length, 0);
      return buf.toString('utf8');
    } finally {
      fs.closeSync(fd);
    }
  } catch {
    return undefined;
  }
}

export class WorkspaceArchs {
  private readonly cache = new Map<string, { size: number; mtimeMs: number; generation: number; found: Located[] }>();

  constructor(private readonly deps: WorkspaceDeps) {}

  /** A file's valid architectures from disk (first WORKSPACE_FILE_BYTES), cached by size, mtime and space generation. */
  private readFile(file: string, budget: { bytes: number }): Located[] | 'unreadable' | 'over-budget' {
    let st: fs.Stats;
    try {
      st = fs.statSync(file);
    } catch {
      return 'unreadable';
    }
    if (!st.isFile()) return 'unreadable';
    const hit = this.cache.get(file);
    if (hit && hit.size === st.size && hit.mtimeMs === st.mtimeMs && hit.generation === this.deps.generation()) return hit.found;
    const n = Math.min(WORKSPACE_FILE_BYTES, st.size);
    if (n > budget.bytes) return 'over-budget';
    budget.bytes -= n;
    const text = readFilePrefix(file, n);
    if (text === undefined) return 'unreadable';
    const uri = pathToFileURL(file).href;
    const doc = TextDocument.create(uri, 'plaintext', 0, text);
    const found = this.deps
      .scan(text)
      .filter((f): f is Valid => f.result.ok)
      .map((f) => located(uri, doc, f));
    this.cache.set(file, { size: st.size, mtimeMs: st.mtimeMs, generation: this.deps.generation(), found });
    return found;
  }

  async list(p: WorkspaceArchitecturesParams | undefined): Promise<WorkspaceArchitecturesResult> {
    const notes: string[] = [];
    const only = typeof p?.space === 'string' && p.space !== '' ? p.space : undefined;
    const all: Located[] = [];
    let foundCapped = false;
    const push = (xs: Located[]): void => {
      for (const x of xs) {
        if (only !== undefined && x.space !== only) continue;
        if (all.length >= WORKSPACE_MAX_FOUND) {
          foundCapped = true;
          return;
        }
        all.push(x);
      }
    };
    const open = this.deps.openDocuments();
    const openPaths = new Set(open.flatMap((d) => (d.path ? [d.path] : [])));
    for (const d of open) push(d.valid.map((f) => located(d.uri, d.doc, f)));
    const listed = Array.isArray(p?.files) ? p.files.filter((f): f is string => typeof f === 'string') : [];
    if (listed.length > WORKSPACE_MAX_FILES) notes.push(`only the first ${WORKSPACE_MAX_FILES.toLocaleString('en-US')} of ${listed.length.toLocaleString('en-US')} files are looked at`);
    const files = [...new Set(listed.slice(0, WORKSPACE_MAX_FILES))].filter((f) => !openPaths.has(f));
    const budget = { bytes: WORKSPACE_TOTAL_BYTES };
    let unreadable = 0;
    let overBudget = 0;
    let read = 0;
    const keep = new Set(files);
    for (const [i, f] of files.entries()) {
      // Let other requests (and a cancel) in between files.
      if (i % 50 === 49) await new Promise((r) => setImmediate(r));
      const r = this.readFile(f, budget);
      if (r === 'unreadable') unreadable++;
      else if (r === 'over-budget') overBudget++;
      else {
        read++;
        push(r);
      }
      if (foundCapped) break;
    }
    // Forget files that are no longer listed (deleted, or now excluded).
    for (const f of this.cache.keys()) if (!keep.has(f)) this.cache.delete(f);
    if (unreadable > 0) notes.push(`${unreadable} file${unreadable === 1 ? '' : 's'} could not be read`);
    if (overBudget > 0) notes.push(`${overBudget} file${overBudget === 1 ? '' : 's'} not read: at most ${WORKSPACE_TOTAL_BYTES / 1_000_000} MB are read per refresh`);
    if (foundCapped) notes.push(`only the first ${WORKSPACE_MAX_FOUND.toLocaleString('en-US')} architectures found are ranked`);

    const archs: WorkspaceArch[] = [];
    for (const space of new Set(all.map((x) => x.space))) {
      const mine = all.filter((x) => x.space === space);
      const host = this.deps.hostFor(space);
      const title = this.deps.spaceTitle(space);
      if (host === 'stale' || !host) {
        const why = host === 'stale' ? 'its predictor was trained on an earlier declaration of the space' : 'no predictor for this space';
        notes.push(`${mine.length} ${title} architecture${mine.length === 1 ? '' : 's'} not ranked: ${why}`);
        continue;
      }
      const preds = host.predict(mine.map((x) => x.arch));
      const unit = host.info?.targetUnit ?? '';
      mine.forEach((x, i) => {
        const pr = preds[i];
        if (!pr || !Number.isFinite(pr.accuracy)) return;
        const trueAccuracy = this.deps.trueValue(space, x.key);
        archs.push({
          arch: x.key,
          text: x.text,
          ...(x.name !== undefined ? { name: x.name } : {}),
          space,
          spaceTitle: title,
          unit,
          predicted: pr.accuracy,
          percentile: host.percentile(pr.score),
          ...(trueAccuracy !== undefined ? { trueAccuracy } : {}),
          experts: pr.experts,
          location: { uri: x.uri, range: x.range },
        });
      });
    }
    archs.sort((a, b) => b.predicted - a.predicted || a.location.uri.localeCompare(b.location.uri) || a.location.range.start.line - b.location.range.start.line);
    const truncated = archs.length > WORKSPACE_MAX_ARCHS || foundCapped;
    if (archs.length > WORKSPACE_MAX_ARCHS) notes.push(`the best ${WORKSPACE_MAX_ARCHS.toLocaleString('en-US')} of ${archs.length.toLocaleString('en-US')} architectures are listed`);
    return { archs: archs.slice(0, WORKSPACE_MAX_ARCHS), files: open.length + read, truncated, notes };
  }
}
