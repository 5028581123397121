/**
 * Results files: where the user's training jobs append (architecture, value) rows, one file per space
 * (`dele.resultsFiles`). The server watches each, reads it row by row (src/data/results.ts), shows each bad row
 * as a diagnostic at its line, and keeps every label it has read in the workspace storage
 * (`<storage>/labels/<space>/<target>.json`, written atomically): a file the jobs rewrite, truncate or lose
 * loses no label already read. A re-read row replaces the stored value of its architecture.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { type Diagnostic, DiagnosticSeverity } from 'vscode-languageserver/node';
import { readResults, type ResultProblem } from '../data/results';
import { ResultsChangedNotification, type ResultsSummary } from '../protocol/lsp';
import type { SearchSpace } from '../space/types';
import { writeFileAtomically } from '../util/files';
import type { ServerContext } from './context';

const FORMAT = 'dele-nas/labels@1';

interface StoredLabels {
  format: typeof FORMAT;
  space: string;
  target: string;
  /** Canonical key -> value, in the order first read. */
  labels: Record<string, number>;
}

interface FileState {
  space: string;
  file: string;
  target?: string;
  /** Keys of the rows the file holds now. */
  inFile: Set<string>;
  /** Every label read so far (the stored labels merged with the file's rows): canonical key -> value. */
  labels: Record<string, number>;
  problems: ResultProblem[];
  lineLengths: number[];
  error?: string;
}

/** Files read per second at most when several change at once; reads are debounced by this many ms. */
const DEBOUNCE_MS = 200;

export class ResultsFiles {
  private readonly states = new Map<string, FileState>();
  /** Per space, the value column last read: an emptied file keeps showing its labels. */
  private readonly lastTarget = new Map<string, string>();
  private readonly watched = new Map<string, () => void>();
  private timer?: ReturnType<typeof setTimeout>;

  constructor(
    private readonly ctx: ServerContext,
    private readonly roots: () => string[],
  ) {}

  /**
   * The results file of each space the server knows, absolute, with its value column: the setting's entry, else a
   * space file's `results:`.
   */
  configured(): { space: SearchSpace; file: string; target?: string }[] {
    const root = this.roots()[0];
    const fromSetting = Object.entries(this.ctx.settings().resultsFiles).flatMap(([id, e]) => {
      const space = this.ctx.spaceById(id);
      if (!space) return [];
      const file = path.isAbsolute(e.file) ? e.file : root ? path.join(root, e.file) : undefined;
      return file ? [{ space, file, ...(e.target ? { target: e.target } : {}) }] : [];
    });
    const set = new Set(fromSetting.map((c) => c.space.id));
    const fromSpaceFiles = this.ctx.spaceFiles.all().flatMap((s) => (s.space && s.results && !set.has(s.space.id) ? [{ space: s.space, ...s.results }] : []));
    return [...fromSetting, ...fromSpaceFiles];
  }

  private storeFile(space: string, target: string): string | undefined {
    const storage = this.ctx.init().storagePath;
    return storage ? path.join(storage, 'labels', encodeURIComponent(space), `${encodeURIComponent(target)}.json`) : undefined;
  }

  private loadStore(space: string, target: string): StoredLabels {
    const empty: StoredLabels = { format: FORMAT, space, target, labels: {} };
    const file = this.storeFile(space, target);
    if (!file || !fs.existsSync(file)) return empty;
    try {
      const s = JSON.parse(fs.readFileSync(file, 'utf8')) as StoredLabels;
      if (s.format !== FORMAT || typeof s.labels !== 'object' || s.labels === null) throw new Error('not a labels file');
      const labels = Object.fromEntries(Object.entries(s.labels).filter(([, v]) => typeof v === 'number' && Number.isFinite(v)));
      return { ...empty, labels };
    } catch (e) {
      this.ctx.connection.console.error(`DELE server: cannot read the stored labels ${file} (${(e as Error).message}); they are read again from the results file`);
      return empty;
    }
  }

  /** Reads a space's results file now: merges its rows into the stored labels and publishes its diagnostics. */
  read(spaceId: string): ResultsSummary | undefined {
    const c = this.configured().find((x) => x.space.id === spaceId);
    if (!c) {
      // No results file (any more): nothing read before stands for this space.
      this.states.delete(spaceId);
      return undefined;
    }
    const state: FileState = { space: spaceId, file: c.file, inFile: new Set(), labels: {}, problems: [], lineLengths: [] };
    let text: string | undefined;
    try {
      text = fs.readFileSync(c.file, 'utf8');
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      state.error = code === 'ENOENT' ? 'the results file does not exist yet' : `cannot read the results file: ${(e as Error).message}`;
    }
    const r = text !== undefined ? readResults(text, c.file, c.space, c.target) : undefined;
    // A file without a header yet (emptied, or missing) keeps the value column named before.
    state.target = r?.target ?? c.target ?? this.lastTarget.get(spaceId);
    if (state.target !== undefined) {
      this.lastTarget.set(spaceId, state.target);
      const store = this.loadStore(spaceId, state.target);
      let changed = false;
      for (const row of r?.rows ?? []) {
        state.inFile.add(row.key);
        if (store.labels[row.key] !== row.value) {
          store.labels[row.key] = row.value;
          changed = true;
        }
      }
      const file = this.storeFile(spaceId, state.target);
      if (changed && file) {
        fs.mkdirSync(path.dirname(file), { recursive: true });
        writeFileAtomically(file, JSON.stringify(store));
      }
      state.labels = store.labels;
    }
    if (r && text !== undefined) {
      state.problems = r.problems;
      state.lineLengths = text.split('\n').map((l) => l.length);
    }
    this.states.set(spaceId, state);
    // An open results file's diagnostics are the document's (they add these): publishing here would replace them.
    const uri = pathToFileURL(c.file).href;
    if (!this.ctx.documents.get(uri)) void this.ctx.connection.sendDiagnostics({ uri, diagnostics: this.diagnosticsOf(state) });
    return this.summary(c.space, state);
  }

  private diagnosticsOf(state: FileState): Diagnostic[] {
    return state.problems.map((p) => ({
      range: { start: { line: p.line - 1, character: 0 }, end: { line: p.line - 1, character: state.lineLengths[p.line - 1] ?? 0 } },
      severity: p.severity === 'error' ? DiagnosticSeverity.Error : DiagnosticSeverity.Warning,
      source: 'dele results',
      message: p.severity === 'error' ? `${p.message}; this row is not used as a label` : p.message,
    }));
  }

  /** The diagnostics of an open document that is a results file (the document's own diagnostics add them). */
  diagnosticsFor(file: string): Diagnostic[] {
    for (const s of this.states.values()) if (s.file === file) return this.diagnosticsOf(s);
    return [];
  }

  private summary(space: SearchSpace, state: FileState): ResultsSummary {
    const keys = Object.keys(state.labels);
    return {
      space: space.id,
      spaceTitle: space.title,
      file: state.file,
      ...(state.target !== undefined ? { target: state.target } : {}),
      labelled: keys.length,
      kept: keys.filter((k) => !state.inFile.has(k)).length,
      problems: state.problems.filter((p) => p.severity === 'error').length,
      ...(state.error ? { error: state.error } : {}),
    };
  }

  /** Every configured space's results, read now. */
  readAll(): ResultsSummary[] {
    return this.configured().flatMap((c) => this.read(c.space.id) ?? []);
  }

  /**
   * Every configured space's results as last read (the watcher reads a file again when it changes); a space not
   * read yet, or whose results file is another one now, is read now.
   */
  summaries(): ResultsSummary[] {
    return this.configured().flatMap((c) => {
      const s = this.states.get(c.space.id);
      return s && s.file === c.file ? [this.summary(c.space, s)] : (this.read(c.space.id) ?? []);
    });
  }

  /** The labels of a space (read from its results file now, plus every label stored before): canonical key -> value. */
  labels(spaceId: string): { target?: string; file?: string; labels: Map<string, number> } {
    this.read(spaceId);
    const s = this.states.get(spaceId);
    if (!s) return { labels: new Map() };
    return { ...(s.target !== undefined ? { target: s.target } : {}), file: s.file, labels: new Map(Object.entries(s.labels)) };
  }

  /** Watches the configured files (again: call after the settings or the spaces change). */
  watch(): void {
    const files = new Set(this.configured().map((c) => c.file));
    for (const [file, stop] of this.watched) {
      if (!files.has(file)) {
        stop();
        this.watched.delete(file);
      }
    }
    for (const file of files) {
      if (this.watched.has(file)) continue;
      const listener = (): void => this.changed();
      fs.watchFile(file, { interval: 500, persistent: false }, listener);
      this.watched.set(file, () => fs.unwatchFile(file, listener));
    }
    this.changed();
  }

  private changed(): void {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      try {
        void this.ctx.connection.sendNotification(ResultsChangedNotification, { results: this.readAll() });
      } catch (e) {
        this.ctx.connection.console.error(`DELE server: reading results files failed: ${(e as Error).message}`);
      }
    }, DEBOUNCE_MS);
  }

  dispose(): void {
    clearTimeout(this.timer);
    for (const stop of this.watched.values()) stop();
    this.watched.clear();
  }
}
