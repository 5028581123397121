/**
 * The DELE language server: finds architectures in documents, answers CodeLens (prediction + top gate
 * weights), hover (every expert, rank percentile, benchmark value) and diagnostics (invalid architectures),
 * and trains predictors in a worker thread with cancellable work-done progress.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Worker } from 'node:worker_threads';
import { TextDocument } from 'vscode-languageserver-textdocument';
import {
  type CancellationToken,
  type CodeAction,
  CodeActionKind,
  type CodeLens,
  CodeLensRefreshRequest,
  type Connection,
  type Diagnostic,
  DiagnosticSeverity,
  ErrorCodes,
  type Hover,
  type InitializeParams,
  type InitializeResult,
  MarkupKind,
  ResponseError,
  TextDocuments,
  TextDocumentSyncKind,
} from 'vscode-languageserver/node';
import { fileURLToPath } from 'node:url';
import {
  bundledSpaceIds,
  column,
  type Dataset,
  loadBundled,
  shortLfName,
  splitDataset,
  targetNames,
} from '../data/dataset';
import { initBackend } from '../runtime/backend';
import { BUILTIN_SPACES, builtinSpace, DEFAULT_SPACE_ID } from '../space/registry';
import type { FoundArch, SearchSpace } from '../space/types';
import { SpaceFiles } from './spaceFiles';
import { LfHost } from './lfHost';
import { defaultBudget, SearchHost, searchParamsProblem } from './searchHost';
import { WorkspaceArchs } from './workspaceArchs';
import { LF_SPACES } from '../lf/registry';
import {
  CancelTrainingNotification,
  type ComputeLfParams,
  ComputeLfRequest,
  type ComputeLfResult,
  DataInfoRequest,
  type DataInfoResult,
  DEFAULT_SETTINGS,
  type DeleSettings,
  type InitOptions,
  PredictorChangedNotification,
  type RankedArch,
  RankingsRequest,
  type RankingsResult,
  type SearchParams,
  SearchRequest,
  type SearchResponse,
  WorkspaceArchitecturesRequest,
  type SpaceInfo,
  SpacesRequest,
  StatusRequest,
  type StatusResult,
  TrainingEpochNotification,
  type TrainParams,
  TrainRequest,
  type TrainResult,
} from '../protocol/lsp';
import type { ArchPrediction, PredictorHost } from './predictorHost';
import { PredictorSet } from './predictorSet';
import { Predictor } from '../predictor/predictor';
import { SPACE_FILE_RE } from '../space/declared';
import { dataInfoOf, type FromWorker, oneLine, type ToWorker, WORKER_HEAP_MB } from './workerProtocol';
import { PRESETS } from '../predictor/presets';

export interface ServerOptions {
  /** Path of the bundled trainWorker.js. */
  workerScript: string;
  /** Path of the bundled lfWorker.js (LF measures); default next to workerScript. */
  lfWorkerScript?: string;
}

interface ParsedDoc {
  version: number;
  /** SpaceFiles.generation the document was scanned with. */
  spaces: number;
  found: FoundArch[];
  /** Set when the document was too large to scan whole. */
  truncated?: boolean;
}

/** Work per document is bounded: characters scanned, architectures kept, diagnostics published. */
export const MAX_SCAN_CHARS = 2_000_000;
export const MAX_FOUND = 5_000;
export const MAX_DIAGNOSTICS = 1_000;

type ValidFound = FoundArch & { result: { ok: true; arch: unknown; key: string } };

/** `dele/dataInfo` reads user data files up to this size (in a worker thread). */
export const MAX_DATA_FILE_MB = 200;

const show = (x: unknown): string => {
  const j = x === undefined ? 'nothing' : (JSON.stringify(x) ?? String(x));
  return j.length > 40 ? `${j.slice(0, 40)}…` : j;
};

/**
 * What is wrong with a `dele/train` request's params, as one line that names the field, or undefined when they
 * are usable. Nothing else of a request is trusted: the worker only ever sees params that passed this.
 */
export function trainParamsProblem(p: unknown, spaceById: (id: string) => SearchSpace | undefined): string | undefined {
  if (typeof p !== 'object' || p === null || Array.isArray(p)) return `params must be an object, got ${show(p)}`;
  const o = p as Record<string, unknown>;
  const isInt = (x: unknown): x is number => typeof x === 'number' && Number.isSafeInteger(x);
  if (o.space !== undefined && (typeof o.space !== 'string' || o.space === '')) return `space must be a search space id, got ${show(o.space)}`;
  const space = spaceById((o.space as string | undefined) ?? DEFAULT_SPACE_ID);
  if (!space) return `space: unknown search space ${show(o.space)}`;
  if (typeof o.data !== 'string' || o.data === '') return `data must be "bundled" or the path of a CSV or JSON file, got ${show(o.data)}`;
  if (typeof o.target !== 'string' || o.target === '') return `target must be the name of a target column, got ${show(o.target)}`;
  const methods = ['dele', 'single', 'vanilla'];
  if (typeof o.method !== 'string' || !methods.includes(o.method)) return `method must be one of ${methods.join(', ')}, got ${show(o.method)}`;
  if (typeof o.encoder !== 'string' || !(space.encoders as readonly string[]).includes(o.encoder)) {
    return `encoder must be one of ${space.encoders.join(', ')} for ${space.title}, got ${show(o.encoder)}`;
  }
  if (typeof o.trainRatio !== 'number' || !(o.trainRatio > 0 && o.trainRatio <= 1)) return `trainRatio must be a number in (0, 1], got ${show(o.trainRatio)}`;
  if (o.experts !== undefined && (!Array.isArray(o.experts) || !o.experts.every((x) => typeof x === 'string' && x !== ''))) {
    return `experts must be an array of LF column names, got ${show(o.experts)}`;
  }
  const presets = Object.keys(PRESETS).sort();
  if (o.preset !== undefined && (typeof o.preset !== 'string' || !presets.includes(o.preset))) return `preset must be one of ${presets.join(', ')}, got ${show(o.preset)}`;
  for (const f of ['epochs', 'pretrainEpochs'] as const) {
    if (o[f] !== undefined && !(isInt(o[f]) && o[f] >= 1)) return `${f} must be an integer >= 1, got ${show(o[f])}`;
  }
  if (o.seed !== undefined && !isInt(o.seed)) return `seed must be an integer, got ${show(o.seed)}`;
  if (o.subsetSeed !== undefined && !(isInt(o.subsetSeed) && o.subsetSeed >= 0)) return `subsetSeed must be an integer >= 0, got ${show(o.subsetSeed)}`;
  if (o.join !== undefined && (!Array.isArray(o.join) || o.join.length > 16 || !o.join.every((x) => typeof x === 'string' && x !== ''))) {
    return `join must be an array of at most 16 file paths, got ${show(o.join)}`;
  }
  return undefined;
}

/** Throws a readable Error unless `file` is a readable data file of at most MAX_DATA_FILE_MB. */
function checkDataFile(file: string): void {
  let st: fs.Stats;
  try {
    st = fs.statSync(file);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new Error(`cannot read ${file}: ${code === 'ENOENT' ? 'no such file' : code === 'EACCES' ? 'permission denied' : oneLine(e)}`);
  }
  if (!st.isFile()) throw new Error(`cannot read ${file}: not a file`);
  if (st.size > MAX_DATA_FILE_MB * 1024 * 1024) {
    throw new Error(`${file} is ${(st.size / 1024 / 1024).toFixed(0)} MB; data files of at most ${MAX_DATA_FILE_MB} MB can be read here`);
  }
}

/** A worker's 'error' event as one readable line (an exceeded heap cap says so). */
function workerFailure(e: Error, doing: string): string {
  if ((e as NodeJS.ErrnoException).code === 'ERR_WORKER_OUT_OF_MEMORY') {
    return `${doing} ran out of memory (the worker's heap is capped at ${WORKER_HEAP_MB} MB); use a smaller data file, fewer experts or a smaller preset`;
  }
  return `${doing} failed: ${oneLine(e)}`;
}

function uriToPath(uri: string): string | undefined {
  try {
    return uri.startsWith('file:') ? fileURLToPath(uri) : undefined;
  } catch {
    return undefined;
  }
}

/** Neighbours scored per request at most, and how many are offered. */
const MAX_NEIGHBOURS = 2_000;
const NEIGHBOUR_ACTIONS = 5;

/** Decimals a predicted value is shown with: one for percentages and large values, three for small scores. */
function valueDigits(value: number, unit: string): number {
  return unit === '%' || Math.abs(value) >= 10 ? 1 : 3;
}

export function formatLens(p: ArchPrediction, unit = '%', top = 3): string {
  const experts = [...p.experts].sort((a, b) => b.weight - a.weight).slice(0, top);
  const digits = valueDigits(p.accuracy, unit);
  const acc = Number.isFinite(p.accuracy) ? `${p.accuracy.toFixed(digits)}${unit}` : 'n/a';
  if (experts.length <= 1) return `pred ${acc}`;
  return `pred ${acc} · top-${experts.length} experts ${experts.map((e) => `${shortLfName(e.name)} ${e.weight.toFixed(2)}`).join(' ')}`;
}

export class DeleServer {
  private connection!: Connection;
  private readonly documents = new TextDocuments(TextDocument);
  private readonly parsed = new Map<string, ParsedDoc>();
  // When a table completes, clients refresh what depends on it (the panel's mean gate weights and rankings).
  private readonly predictors = new PredictorSet(() => void this.connection?.sendNotification(PredictorChangedNotification, this.status()));
  private readonly diagTimers = new Map<string, NodeJS.Timeout>();
  private settings: DeleSettings = DEFAULT_SETTINGS;
  private init: InitOptions = { bundledPredictors: '', storagePath: '' };
  private backend = 'unknown';
  /** Bundled tables by space id; null: the space has none (asked once, not on every hover). */
  private readonly benches = new Map<string, { ds: Dataset; index: Map<string, number> } | null>();
  private readonly spaceFiles = new SpaceFiles();
  private workspaceRoots: string[] = [];
  private training?: { worker?: Worker; cancel: () => void };
  private canRefreshLenses = false;
  private hasConfiguration = false;
  /** Settles when start-up (backend, settings, predictor) is done; handlers wait for it. */
  private readonly ready: Promise<void>;
  private markReady!: () => void;

  private readonly lf: LfHost;
  private readonly searcher = new SearchHost();
  private readonly workspaceArchs = new WorkspaceArchs({
    scan: (text) => this.scanText(text),
    generation: () => this.spaceFiles.generation,
    openDocuments: () => this.documents.all().map((doc) => ({ uri: doc.uri, path: uriToPath(doc.uri), doc, valid: this.valid(doc) })),
    hostFor: (id) => this.hostFor(id),
    spaceTitle: (id) => this.spaceById(id)?.title ?? id,
    trueValue: (id, key) => this.trueValue(id, key)?.value,
  });

  constructor(private readonly options: ServerOptions) {
    this.ready = new Promise((resolve) => (this.markReady = resolve));
    this.lf = new LfHost(options.lfWorkerScript ?? path.join(path.dirname(options.workerScript), 'lfWorker.js'), () => this.init.lfCachePath);
  }

  listen(connection: Connection): void {
    this.connection = connection;
    connection.onInitialize((p) => this.onInitialize(p));
    connection.onInitialized(() => {
      this.start().then(this.markReady, (e: Error) => {
        connection.console.error(`DELE server: start-up failed: ${e.stack ?? e.message}`);
        this.markReady();
      });
    });
    connection.onDidChangeConfiguration(() => {
      const apply = async (): Promise<void> => {
        await this.ready;
        const before = this.settings.predictorPath;
        await this.pullSettings();
        if (this.settings.predictorPath !== before) await this.loadPredictor();
        void this.refreshLenses();
      };
      apply().catch((e: Error) => connection.console.error(`DELE server: applying changed settings failed: ${e.message}`));
    });
    this.documents.onDidChangeContent((e) => {
      const file = uriToPath(e.document.uri);
      if (file && SPACE_FILE_RE.test(file)) {
        this.spaceFiles.update(file, e.document.getText());
        this.afterSpacesChanged();
      }
      this.scheduleDiagnostics(e.document);
    });
    this.documents.onDidClose((e) => {
      this.parsed.delete(e.document.uri);
      clearTimeout(this.diagTimers.get(e.document.uri));
      this.diagTimers.delete(e.document.uri);
      void connection.sendDiagnostics({ uri: e.document.uri, diagnostics: [] });
    });
    connection.onCodeLens(async (p) => {
      await this.ready;
      const doc = this.documents.get(p.textDocument.uri);
      return doc ? this.codeLenses(doc) : [];
    });
    connection.onHover(async (p) => {
      await this.ready;
      const doc = this.documents.get(p.textDocument.uri);
      return doc ? this.hover(doc, doc.offsetAt(p.position)) : null;
    });
    connection.onCodeAction(async (p) => {
      await this.ready;
      const doc = this.documents.get(p.textDocument.uri);
      if (!doc || (p.context.only && !p.context.only.some((k) => CodeActionKind.QuickFix.startsWith(k)))) return [];
      return this.betterNeighbours(doc, doc.offsetAt(p.range.start), doc.offsetAt(p.range.end));
    });
    connection.onRequest(StatusRequest, async () => {
      await this.ready;
      return this.status();
    });
    connection.onRequest(DataInfoRequest, async (p) => {
      await this.ready;
      return this.dataInfo(p?.data, p?.space, p?.join);
    });
    connection.onRequest(TrainRequest, (p, token) => this.train(p, token));
    connection.onNotification(CancelTrainingNotification, () => this.training?.cancel());
    connection.onRequest(SpacesRequest, () => this.spaceInfos());
    connection.onRequest(ComputeLfRequest, (p, token) => this.computeLf(p, token));
    connection.onDidChangeWatchedFiles((p) => {
      for (const c of p.changes) {
        const file = uriToPath(c.uri);
        if (!file || !SPACE_FILE_RE.test(file) || this.documents.get(c.uri)) continue;
        if (c.type === 3) this.spaceFiles.remove(file);
        else this.spaceFiles.readFromDisk(file);
      }
      this.afterSpacesChanged();
    });
    connection.onRequest(RankingsRequest, async (p) => {
      await this.ready;
      return this.rankings(p?.space);
    });
    connection.onRequest(SearchRequest, (p, token) => this.search(p, token));
    connection.onRequest(WorkspaceArchitecturesRequest, async (p) => {
      await this.ready;
      return this.workspaceArchs.list(p);
    });
    connection.onShutdown(() => this.dispose());
    this.documents.listen(connection);
    connection.listen();
  }

  private onInitialize(p: InitializeParams): InitializeResult {
    const o = (p.initializationOptions ?? {}) as Partial<InitOptions>;
    this.init = { bundledPredictors: o.bundledPredictors ?? '', storagePath: o.storagePath ?? '', ...(typeof o.lfCachePath === 'string' && o.lfCachePath !== '' ? { lfCachePath: o.lfCachePath } : {}) };
    const folders = p.workspaceFolders?.map((f) => f.uri) ?? (p.rootUri ? [p.rootUri] : []);
    this.workspaceRoots = folders.flatMap((u) => uriToPath(u) ?? []);
    this.canRefreshLenses = p.capabilities.workspace?.codeLens?.refreshSupport === true;
    this.hasConfiguration = p.capabilities.workspace?.configuration === true;
    return {
      capabilities: {
        textDocumentSync: TextDocumentSyncKind.Incremental,
        codeLensProvider: { resolveProvider: false },
        hoverProvider: true,
        codeActionProvider: { codeActionKinds: [CodeActionKind.QuickFix] },
      },
      serverInfo: { name: 'dele-nas' },
    };
  }

  private async start(): Promise<void> {
    this.spaceFiles.discover(this.workspaceRoots);
    this.backend = await initBackend('auto');
    try {
      await this.pullSettings();
    } catch (e) {
      // A failed configuration request must not leave the server without a predictor: keep the defaults.
      this.connection.console.warn(`DELE server: cannot read settings, using defaults: ${(e as Error).message}`);
    }
    this.connection.console.info(`DELE server: TF.js backend ${this.backend}; settings ${JSON.stringify(this.settings)}`);
    await this.loadPredictor();
  }

  private async pullSettings(): Promise<void> {
    if (!this.hasConfiguration) return;
    const raw = (await this.connection.workspace.getConfiguration('dele')) as Partial<DeleSettings> | null;
    this.settings = {
      predictorPath: typeof raw?.predictorPath === 'string' ? raw.predictorPath : DEFAULT_SETTINGS.predictorPath,
      target: typeof raw?.target === 'string' && raw.target ? raw.target : DEFAULT_SETTINGS.target,
      codeLens: { enabled: raw?.codeLens?.enabled !== false },
      debounceMs: typeof raw?.debounceMs === 'number' && raw.debounceMs >= 0 ? raw.debounceMs : DEFAULT_SETTINGS.debounceMs,
      trainingJobs: typeof raw?.trainingJobs === 'number' && Number.isInteger(raw.trainingJobs) && raw.trainingJobs >= 0 ? raw.trainingJobs : DEFAULT_SETTINGS.trainingJobs,
    };
  }

  private async loadPredictor(): Promise<void> {
    if (this.init.storagePath) {
      try {
        for (const msg of PredictorSet.repairStorage(this.init.storagePath)) this.connection.console.warn(`DELE server: ${msg}`);
      } catch (e) {
        this.connection.console.error(`DELE server: cannot tidy ${this.init.storagePath}: ${(e as Error).message}`);
      }
    }
    this.predictors.loadAll(this.settings.predictorPath, this.init);
    for (const e of this.predictors.errors) this.connection.console.error(`DELE server: ${e}`);
    for (const n of this.predictors.notes) this.connection.console.warn(`DELE server: ${n}`);
    for (const i of this.predictors.infos()) this.connection.console.info(`DELE server: ${i.space}: ${i.source} predictor ${i.path}`);
    void this.connection.sendNotification(PredictorChangedNotification, this.status());
  }

  private status(): StatusResult {
    const primary = this.predictors.primary;
    const error = this.predictors.errors.length > 0 ? this.predictors.errors.join('; ') : undefined;
    const note = this.predictors.notes.length > 0 ? this.predictors.notes.join('; ') : undefined;
    return { predictor: primary?.info ?? null, predictors: this.predictors.infos(), backend: this.backend, training: this.training !== undefined, error, note };
  }

  /** Built-in spaces, then the ones declared in the workspace's space files. */
  private spaces(): SearchSpace[] {
    return [...BUILTIN_SPACES, ...this.spaceFiles.spaces()];
  }

  private spaceById(id: string): SearchSpace | undefined {
    return builtinSpace(id) ?? this.spaceFiles.byId(id)?.space;
  }

  private spaceInfos(): SpaceInfo[] {
    const bundled = bundledSpaceIds();
    return this.spaces().map((sp) => {
      const lfMeasures = LfHost.measuresFor(sp.id);
      return {
        id: sp.id,
        title: sp.title,
        origin: builtinSpace(sp.id) ? 'builtin' : 'file',
        file: this.spaceFiles.byId(sp.id)?.file,
        encoders: [...sp.encoders],
        size: sp.size,
        bundled: bundled.includes(sp.id),
        syntax: sp.syntax,
        ...(lfMeasures ? { lfMeasures } : {}),
      };
    });
  }

  private afterSpacesChanged(): void {
    for (const doc of this.documents.all()) this.scheduleDiagnostics(doc);
    void this.refreshLenses();
  }

  /**
   * The predictor for a space's architectures, 'stale' when a declared space's file changed after its predictor
   * was trained (the architectures as parsed now may not mean what the predictor learned), or undefined.
   */
  private hostFor(spaceId: string): PredictorHost | 'stale' | undefined {
    const host = this.predictors.forSpace(spaceId);
    const declared = this.spaceFiles.byId(spaceId)?.space;
    if (host && declared && JSON.stringify(declared.declaration) !== JSON.stringify(host.space?.declaration)) return 'stale';
    return host;
  }

  /** The bundled table of a built-in space (cached), or undefined when the space has none. */
  private benchmark(spaceId: string): { ds: Dataset; index: Map<string, number> } | undefined {
    let b = this.benches.get(spaceId);
    if (b === undefined) {
      const ds = bundledSpaceIds().includes(spaceId) ? loadBundled(spaceId) : undefined;
      b = ds ? { ds, index: new Map(ds.keys.map((k, i) => [k, i])) } : null;
      this.benches.set(spaceId, b);
    }
    return b ?? undefined;
  }

  /** The benchmark value of an architecture: the predictor's target where that is a column, else the setting, else the data's default. */
  private trueValue(spaceId: string, key: string): { target: string; value: number } | undefined {
    const b = this.benchmark(spaceId);
    const i = b?.index.get(key);
    if (!b || i === undefined) return undefined;
    const targets = targetNames(b.ds);
    const info = this.predictors.forSpace(spaceId)?.info;
    const target = [info?.target, this.settings.target, b.ds.defaultTarget].find((t) => t !== undefined && targets.includes(t));
    if (!target) return undefined;
    const value = column(b.ds, target).values[i] ?? NaN;
    return Number.isFinite(value) ? { target, value } : undefined;
  }

  private parseInfo(doc: TextDocument): ParsedDoc {
    const cached = this.parsed.get(doc.uri);
    if (cached && cached.version === doc.version && cached.spaces === this.spaceFiles.generation) return cached;
    const full = doc.getText();
    const found = this.scanText(full);
    const parsed: ParsedDoc = { version: doc.version, spaces: this.spaceFiles.generation, found, truncated: full.length > MAX_SCAN_CHARS };
    this.parsed.set(doc.uri, parsed);
    return parsed;
  }

  /** Every space's architectures (and near misses) in the first MAX_SCAN_CHARS of a text, at most MAX_FOUND. */
  private scanText(full: string): FoundArch[] {
    const text = full.length > MAX_SCAN_CHARS ? full.slice(0, MAX_SCAN_CHARS) : full;
    const found: FoundArch[] = [];
    for (const sp of this.spaces()) {
      try {
        found.push(...sp.scan(text));
      } catch (e) {
        this.connection.console.error(`DELE server: scanning for ${sp.id} failed: ${(e as Error).message}`);
      }
      if (found.length > MAX_FOUND) break;
    }
    return found.sort((a, b) => a.start - b.start).slice(0, MAX_FOUND);
  }

  private parse(doc: TextDocument): FoundArch[] {
    return this.parseInfo(doc).found;
  }

  private valid(doc: TextDocument): ValidFound[] {
    return this.parse(doc).filter((f): f is ValidFound => f.result.ok);
  }

  private scheduleDiagnostics(doc: TextDocument): void {
    clearTimeout(this.diagTimers.get(doc.uri));
    this.diagTimers.set(
      doc.uri,
      setTimeout(() => {
        this.diagTimers.delete(doc.uri);
        const current = this.documents.get(doc.uri);
        if (current) void this.connection.sendDiagnostics({ uri: current.uri, version: current.version, diagnostics: this.diagnostics(current) });
      }, this.settings.debounceMs),
    );
  }

  diagnostics(doc: TextDocument): Diagnostic[] {
    const out: Diagnostic[] = [];
    const severity = { error: DiagnosticSeverity.Error, hint: DiagnosticSeverity.Hint, info: DiagnosticSeverity.Information, warning: DiagnosticSeverity.Warning };
    const file = uriToPath(doc.uri);
    if (file && SPACE_FILE_RE.test(file)) {
      const st = this.spaceFiles.get(file);
      if (st?.error) {
        const start = st.error.start ?? 0;
        const end = Math.max(st.error.end ?? start + 1, start + 1);
        out.push({ range: { start: doc.positionAt(start), end: doc.positionAt(end) }, message: st.error.message, severity: DiagnosticSeverity.Error, source: 'dele' });
      }
    }
    const info = this.parseInfo(doc);
    let total = 0;
    for (const f of info.found) {
      const space = this.spaceById(f.space);
      const items = f.result.ok
        ? (space?.lint(f.result.arch) ?? []).map((n) => ({ message: n.message, start: f.start, end: f.end, severity: n.severity }))
        : f.result.problems.map((p) => ({ ...p, severity: p.severity ?? ('error' as const) }));
      for (const p of items) {
        total++;
        if (out.length >= MAX_DIAGNOSTICS) continue;
        const message = p.message.length > 500 ? `${p.message.slice(0, 500)}…` : p.message;
        const end = Math.max(p.end, p.start + 1);
        out.push({ range: { start: doc.positionAt(p.start), end: doc.positionAt(end) }, message, severity: severity[p.severity], source: 'dele' });
      }
    }
    if (total > MAX_DIAGNOSTICS) {
      out.push({ range: { start: doc.positionAt(0), end: doc.positionAt(0) }, message: `DELE: ${total - MAX_DIAGNOSTICS} more problems not shown (at most ${MAX_DIAGNOSTICS} per document)`, severity: DiagnosticSeverity.Information, source: 'dele' });
    }
    if (info.truncated) {
      out.push({ range: { start: doc.positionAt(0), end: doc.positionAt(0) }, message: `DELE: only the first ${MAX_SCAN_CHARS.toLocaleString('en-US')} characters of this document are scanned for architectures`, severity: DiagnosticSeverity.Information, source: 'dele' });
    }
    return out;
  }

  codeLenses(doc: TextDocument): CodeLens[] {
    if (!this.settings.codeLens.enabled) return [];
    const valid = this.valid(doc);
    const predOf = new Map<ValidFound, { p: ArchPrediction; unit: string }>();
    const stale = new Set<string>();
    for (const spaceId of new Set(valid.map((f) => f.space))) {
      const host = this.hostFor(spaceId);
      if (host === 'stale') stale.add(spaceId);
      if (!host || host === 'stale') continue;
      const mine = valid.filter((f) => f.space === spaceId);
      try {
        const preds = host.predict(mine.map((f) => f.result.arch));
        mine.forEach((f, i) => {
          // predict() gives one prediction per arch (none when the host has no predictor any more).
          const p = preds[i];
          if (p) predOf.set(f, { p, unit: host.info?.targetUnit ?? '' });
        });
      } catch (e) {
        // One space's failure must not take the other spaces' lenses down.
        this.connection.console.error(`DELE server: predicting ${spaceId} failed: ${(e as Error).message}`);
      }
    }
    const unscorable = this.parse(doc)
      .filter((f) => !f.result.ok && f.unscorable)
      .map((f) => ({
        range: { start: doc.positionAt(f.start), end: doc.positionAt(f.end) },
        // No command id: VS Code shows the lens as text, not a link.
        command: { title: `${this.spaceById(f.space)?.title ?? f.space}: cannot score · ${f.unscorable}`, command: '' },
      }));
    return valid.flatMap((f): CodeLens[] => {
      const range = { start: doc.positionAt(f.start), end: doc.positionAt(f.end) };
      const hit = predOf.get(f);
      if (hit) return [{ range, command: { title: formatLens(hit.p, hit.unit), command: 'dele.showPanel', arguments: [{ space: f.space }] } }];
      const title = this.spaceById(f.space)?.title ?? f.space;
      const what = stale.has(f.space) ? 'the predictor was trained on an earlier declaration of this space · retrain…' : 'no predictor for this space · train one…';
      return [{ range, command: { title: `${title}: ${what}`, command: 'dele.trainPredictor', arguments: [{ space: f.space }] } }];
    }).concat(unscorable).sort((a, b) => a.range.start.line - b.range.start.line || a.range.start.character - b.range.start.character);
  }

  hover(doc: TextDocument, offset: number): Hover | null {
    const f = this.parse(doc).find((x) => offset >= x.start && offset <= x.end);
    if (!f) return null;
    const range = { start: doc.positionAt(f.start), end: doc.positionAt(f.end) };
    const space = this.spaceById(f.space);
    if (!f.result.ok) {
      if (!f.unscorable) return null;
      const lines = [`**DELE** · ${space?.title ?? f.space}: this architecture cannot be scored: ${f.unscorable}.`, '', ...f.result.problems.slice(0, 8).map((p) => `- ${p.message}`), '', `The ${f.space} predictor scores: ${space?.syntax ?? ''}`];
      return { contents: { kind: MarkupKind.Markdown, value: lines.join('\n') }, range };
    }
    const { arch, key } = f.result;
    const described = space?.describe?.(arch) ?? [];
    const truth = this.trueValue(f.space, key);
    const truthLine = truth ? `${space?.title ?? f.space} benchmark ${truth.target}: ${truth.value.toFixed(2)}` : undefined;
    const lfLines = this.lf.hoverLines(f.space, key).flatMap((l) => [l, '']);
    const host = this.hostFor(f.space);
    if (!host || host === 'stale') {
      const lines = [`**DELE** · ${space?.title ?? f.space} architecture`, ''];
      if (truthLine) lines.push(truthLine, '');
      lines.push(
        host === 'stale'
          ? `The ${f.space} predictor was trained on an earlier declaration of this space (its space file changed since): retrain with **DELE: Train Predictor…**.`
          : `No predictor for this space yet: train one with **DELE: Train Predictor…**.`,
        '',
        ...(described.length > 0 ? [...described, ''] : []),
        ...lfLines,
        `\`${key}\``,
      );
      return { contents: { kind: MarkupKind.Markdown, value: lines.join('\n') }, range };
    }
    const [p] = host.predict([arch]);
    if (!p) return null;
    const info = host.info;
    const pct = host.percentile(p.score);
    const header =
      `**DELE** predicted ${info?.target ?? 'accuracy'}: **${p.accuracy.toFixed(Math.abs(p.accuracy) >= 10 ? 2 : 4)}${info?.targetUnit ?? ''}**` +
      (pct !== undefined ? ` · better than ${pct.toFixed(1)}% of ${host.referenceLabel()}` : ' · rank percentile: computing…');
    const lines = [header];
    if (truthLine) lines.push(truthLine);
    if (described.length > 0) lines.push('', ...described);
    lines.push('', '| expert | gate weight | expert score |', '|---|---:|---:|');
    for (const e of [...p.experts].sort((a, b) => b.weight - a.weight)) lines.push(`| ${e.name} | ${e.weight.toFixed(3)} | ${e.score.toFixed(3)} |`);
    lines.push('');
    if (info) {
      lines.push(
        `_${info.method} · ${info.encoder} · ${info.spaceTitle} · ${info.source} predictor · trained on ${(info.trainRatio * 100).toFixed(0)}% ground truth of ${info.dataSource} · held-out Kendall's τ ${info.kendallTau?.toFixed(3) ?? 'n/a'}_`,
      );
    }
    lines.push(...(lfLines.length > 0 ? ['', ...lfLines] : []), `\`${key}\``);
    return { contents: { kind: MarkupKind.Markdown, value: lines.join('\n') }, range };
  }

  /**
   * "Try better neighbours": every architecture one edit away that is valid in its space, scored by the space's
   * predictor; the best NEIGHBOUR_ACTIONS by predicted score as quick fixes that rewrite the architecture in
   * the form it is written in, titled with the predicted value and its change.
   */
  betterNeighbours(doc: TextDocument, from: number, to: number): CodeAction[] {
    const f = this.valid(doc).find((x) => from <= x.end && to >= x.start);
    if (!f) return [];
    const space = this.spaceById(f.space);
    const host = this.hostFor(f.space);
    if (!space?.neighbours || !space.render || !host || host === 'stale') return [];
    const render = space.render.bind(space);
    const ns = space.neighbours(f.result.arch).slice(0, MAX_NEIGHBOURS);
    const preds = host.predict([f.result.arch, ...ns.map((n) => n.arch)]);
    const [base] = preds;
    if (!base || preds.length !== ns.length + 1) return [];
    const unit = host.info?.targetUnit ?? '';
    const digits = valueDigits(base.accuracy, unit);
    const range = { start: doc.positionAt(f.start), end: doc.positionAt(f.end) };
    return ns
      .map((n, i) => ({ n, p: preds[i + 1] as ArchPrediction }))
      .sort((a, b) => b.p.score - a.p.score)
      .slice(0, NEIGHBOUR_ACTIONS)
      .flatMap(({ n, p }) => {
        const newText = render(n.arch, f);
        if (newText === undefined) return [];
        const delta = p.accuracy - base.accuracy;
        const change = `${delta >= 0 ? '+' : '−'}${Math.abs(delta).toFixed(digits)}${unit === '%' ? ' pts' : ''}`;
        const title = `DELE: ${change} (pred ${p.accuracy.toFixed(digits)}${unit}): ${n.change}`;
        return [{ title, kind: CodeActionKind.QuickFix, edit: { changes: { [doc.uri]: [{ range, newText }] } } }];
      });
  }

  /** Columns of a data file: bundled data on this thread (cached), a user's file in a short-lived worker. */
  private async dataInfo(data: unknown, spaceId: unknown = DEFAULT_SPACE_ID, join: unknown = undefined): Promise<DataInfoResult> {
    try {
      if (typeof data !== 'string' || data === '') throw new Error(`data must be "bundled" or the path of a CSV or JSON file, got ${show(data)}`);
      const space = typeof spaceId === 'string' ? this.spaceById(spaceId) : undefined;
      if (!space) throw new Error(`unknown search space ${show(spaceId)}`);
      if (join !== undefined && (!Array.isArray(join) || join.length > 16 || !join.every((x) => typeof x === 'string' && x !== ''))) {
        throw new Error(`join must be an array of at most 16 file paths, got ${show(join)}`);
      }
      const joined = (join as string[] | undefined) ?? [];
      for (const f of joined) checkDataFile(f);
      if (joined.length > 0) return await this.dataInfoInWorker(data, space, joined);
      if (data === 'bundled') {
        const b = this.benchmark(space.id);
        if (!b) throw new Error(`${space.title} has no bundled data; choose a CSV or JSON file`);
        return dataInfoOf(b.ds);
      }
      checkDataFile(data);
      return await this.dataInfoInWorker(data, space, []);
    } catch (e) {
      throw new ResponseError(1, (e as Error).message);
    }
  }

  private dataInfoInWorker(data: string, space: SearchSpace, join: string[]): Promise<DataInfoResult> {
    return new Promise((resolve, reject) => {
      const worker = new Worker(this.options.workerScript, { resourceLimits: { maxOldGenerationSizeMb: WORKER_HEAP_MB } });
      let settled = false;
      const finish = (f: () => void): void => {
        if (settled) return;
        settled = true;
        f();
        void worker.terminate();
      };
      worker.on('message', (m: FromWorker) => {
        if (m.type === 'dataInfo') finish(() => resolve(m.result));
        else if (m.type === 'error') finish(() => reject(new Error(m.message)));
      });
      worker.on('error', (e) => finish(() => reject(new Error(workerFailure(e, `reading ${data}`)))));
      worker.on('exit', (code) => finish(() => reject(new Error(`reading ${data} failed: the data worker exited (${code})`))));
      worker.postMessage({ type: 'dataInfo', data, join, space: space.id, declaration: space.declaration } satisfies ToWorker);
    });
  }

  private async computeLf(p: ComputeLfParams, token: CancellationToken): Promise<ComputeLfResult> {
    await this.ready;
    const space = typeof p?.space === 'string' ? this.spaceById(p.space) : undefined;
    const offered = space ? LfHost.measuresFor(space.id) : undefined;
    if (!space || !offered) throw new ResponseError(ErrorCodes.InvalidParams, `LF measures can be computed for ${LF_SPACES.map((x) => x.id).join(', ')}, not ${show(p?.space)}`);
    if (typeof p.out !== 'string' || !path.isAbsolute(p.out)) throw new ResponseError(ErrorCodes.InvalidParams, `out must be an absolute path, got ${show(p.out)}`);
    const known = offered.map((m) => m.id);
    if (p.measures !== undefined && (!Array.isArray(p.measures) || p.measures.length === 0 || !p.measures.every((m) => known.includes(m)) || new Set(p.measures).size !== p.measures.length)) {
      throw new ResponseError(ErrorCodes.InvalidParams, `measures must be distinct ids among ${known.join(', ')}, got ${show(p.measures)}`);
    }
    if (p.jobs !== undefined && !(Number.isInteger(p.jobs) && p.jobs >= 1 && p.jobs <= 64)) throw new ResponseError(ErrorCodes.InvalidParams, `jobs must be 1 to 64, got ${show(p.jobs)}`);
    let jobs;
    try {
      const docs = this.documents.all().map((d) => ({ path: uriToPath(d.uri), text: d.getText() }));
      jobs = this.lf.jobs(space, p, docs);
    } catch (e) {
      throw new ResponseError(ErrorCodes.InvalidParams, (e as Error).message);
    }
    const progress = await this.connection.window.createWorkDoneProgress();
    progress.begin('DELE: computing low-fidelity measures', 0, `${space.title} · ${jobs.length} architectures`, true);
    const r = await this.lf.compute(space, p, jobs, progress, token);
    if (r.status === 'failed') this.connection.console.error(`DELE LF measures failed: ${r.message}`);
    return r;
  }

  private async train(params: TrainParams, token: CancellationToken): Promise<TrainResult> {
    await this.ready;
    // Refuse unusable params before anything starts (no worker, no storage folder, the predictor untouched).
    const problem = trainParamsProblem(params, (id) => this.spaceById(id));
    if (problem) throw new ResponseError(ErrorCodes.InvalidParams, `invalid training parameters: ${problem}`);
    if (this.training) throw new ResponseError(2, 'a training is already running');
    // Claim the slot before the first await, so a second request sent right after this one is refused.
    let cancelledEarly = false;
    const slot: { worker?: Worker; cancel: () => void } = { cancel: () => (cancelledEarly = true) };
    this.training = slot;
    try {
      return await this.runTraining(params, token, slot, () => cancelledEarly);
    } finally {
      this.training = undefined;
      void this.connection.sendNotification(PredictorChangedNotification, this.status());
    }
  }

  private async runTraining(params: TrainParams, token: CancellationToken, slot: { worker?: Worker; cancel: () => void }, cancelledEarly: () => boolean): Promise<TrainResult> {
    const space = this.spaceById(params.space ?? DEFAULT_SPACE_ID);
    if (!space) throw new ResponseError(4, `unknown search space "${params.space}"`);
    if (!this.init.storagePath) throw new ResponseError(3, 'no workspace storage to save a predictor in');
    try {
      fs.mkdirSync(this.init.storagePath, { recursive: true });
      fs.accessSync(this.init.storagePath, fs.constants.W_OK);
    } catch (e) {
      throw new ResponseError(3, `cannot write predictors to ${this.init.storagePath}: ${(e as Error).message}`);
    }
    const outDir = `${PredictorSet.storageDir(this.init.storagePath, space.id)}.new-${process.pid}-${Date.now()}`;
    fs.mkdirSync(path.dirname(outDir), { recursive: true });
    const progress = await this.connection.window.createWorkDoneProgress();
    progress.begin('DELE: training predictor', 0, `${space.title} · ${params.method} · ${params.encoder} · ${(params.trainRatio * 100).toFixed(1)}% ground truth`, true);
    const worker = new Worker(this.options.workerScript, { resourceLimits: { maxOldGenerationSizeMb: WORKER_HEAP_MB } });
    const cancel = (): void => worker.postMessage({ type: 'cancel' } satisfies ToWorker);
    slot.worker = worker;
    slot.cancel = cancel;
    if (cancelledEarly()) cancel();
    void this.connection.sendNotification(PredictorChangedNotification, this.status());
    progress.token.onCancellationRequested(cancel);
    token.onCancellationRequested(cancel);
    const result = await new Promise<TrainResult>((resolve) => {
      worker.on('message', (m: FromWorker) => {
        switch (m.type) {
          case 'backend':
            this.connection.console.info(`DELE training worker: backend ${m.name}`);
            break;
          case 'epoch': {
            const e = m.epoch;
            void this.connection.sendNotification(TrainingEpochNotification, e);
            const kt = e.monitorKendall !== undefined ? ` · τ ${e.monitorKendall.toFixed(3)}` : '';
            progress.report(`${e.phase === 'pretrain' ? 'step 1 (experts on LF)' : 'step 2 (ground truth)'} epoch ${e.epoch}/${e.epochs} · loss ${e.loss.toFixed(4)}${kt}`);
            break;
          }
          case 'done':
            resolve({ status: 'completed', message: `trained in ${m.seconds.toFixed(0)} s`, kendallTau: m.kendallTau, path: m.path });
            break;
          case 'cancelled':
            resolve({ status: 'cancelled', message: 'training cancelled; the previous predictor is still in use' });
            break;
          case 'error':
            resolve({ status: 'failed', message: m.message });
            break;
          case 'dataInfo':
            // Only the data-info worker sends it.
            break;
        }
      });
      worker.on('error', (e) => {
        this.connection.console.error(`DELE training worker: ${e.stack ?? e.message}`);
        resolve({ status: 'failed', message: workerFailure(e, 'training') });
      });
      worker.on('exit', (code) => resolve({ status: 'failed', message: `training worker exited (${code})` }));
      worker.postMessage({ type: 'start', params: { ...params, space: space.id }, declaration: space.declaration, outDir, jobs: this.settings.trainingJobs } satisfies ToWorker);
    });
    await worker.terminate();
    progress.done();
    if (result.status === 'completed') {
      // The new predictor must load before it replaces the previous one on disk.
      try {
        Predictor.load(outDir).dispose();
      } catch (e) {
        fs.rmSync(outDir, { recursive: true, force: true });
        return { status: 'failed', message: `trained, but the result does not load (the previous predictor is kept): ${(e as Error).message}` };
      }
      const final = PredictorSet.storageDir(this.init.storagePath, space.id);
      const old = `${final}.old-${Date.now()}`;
      if (fs.existsSync(final)) fs.renameSync(final, old);
      fs.renameSync(outDir, final);
      fs.rmSync(old, { recursive: true, force: true });
      result.path = final;
      if (this.predictors.forSpace(space.id)?.info?.source === 'setting') {
        // dele.predictorPath wins for its space, now and after a restart: say so instead of switching.
        result.message += `; saved to ${final}, but dele.predictorPath points to the ${space.id} predictor in use: clear the setting to use the new one`;
      } else {
        this.predictors.loadOne('workspace', final);
        void this.refreshLenses();
      }
      this.connection.console.info(`DELE server: new ${space.id} predictor, held-out Kendall's tau ${result.kendallTau?.toFixed(4)}`);
    } else {
      fs.rmSync(outDir, { recursive: true, force: true });
      if (result.status === 'failed') this.connection.console.error(`DELE training failed: ${result.message}`);
    }
    return result;
  }

  /** `dele/search`: params and the space's predictor are checked before anything starts; one search at a time. */
  private async search(p: SearchParams, token: CancellationToken): Promise<SearchResponse> {
    await this.ready;
    const problem = searchParamsProblem(p);
    if (problem) throw new ResponseError(ErrorCodes.InvalidParams, `invalid search parameters: ${problem}`);
    if (this.searcher.busy) throw new ResponseError(2, 'a search is already running: cancel it or wait for it to finish');
    let from: { arch: unknown; key: string; found?: FoundArch } | undefined;
    let spaceId = p.space;
    if (p.from && 'uri' in p.from) {
      const doc = this.documents.get(p.from.uri);
      if (!doc) throw new ResponseError(ErrorCodes.InvalidParams, `from: ${show(p.from.uri)} is not an open document`);
      const at = doc.offsetAt(p.from.position);
      const f = this.valid(doc).find((x) => at >= x.start && at <= x.end && (spaceId === undefined || x.space === spaceId));
      if (!f) throw new ResponseError(ErrorCodes.InvalidParams, `from: no valid architecture${spaceId ? ` of ${spaceId}` : ''} at line ${p.from.position.line + 1}, column ${p.from.position.character + 1}`);
      spaceId = f.space;
      from = { arch: f.result.arch, key: f.result.key, found: f };
    }
    spaceId ??= this.predictors.primary?.space?.id ?? DEFAULT_SPACE_ID;
    const space = this.spaceById(spaceId);
    if (!space) throw new ResponseError(ErrorCodes.InvalidParams, `space: unknown search space ${show(spaceId)}`);
    const host = this.hostFor(space.id);
    if (host === 'stale') throw new ResponseError(4, `the ${space.title} predictor was trained on an earlier declaration of this space: retrain it with DELE: Train Predictor… before searching`);
    const searched = host?.space;
    if (!host || !searched) throw new ResponseError(4, `no predictor for ${space.title}: train one with DELE: Train Predictor… (or set dele.predictorPath) to search it`);
    if (p.from && 'arch' in p.from) {
      const r = searched.parse(p.from.arch);
      if (!r.ok) throw new ResponseError(ErrorCodes.InvalidParams, `from: not a valid ${space.title} architecture: ${r.problems[0]?.message ?? 'parse error'}`);
      from = { arch: r.arch, key: r.key };
    }
    const exclude = new Set<string>();
    if (p.excludeDocument !== undefined) {
      const doc = this.documents.get(p.excludeDocument);
      if (!doc) throw new ResponseError(ErrorCodes.InvalidParams, `excludeDocument: ${show(p.excludeDocument)} is not an open document`);
      for (const f of this.valid(doc)) if (f.space === space.id) exclude.add(f.result.key);
    }
    const job = { space: searched, host, top: p.top, budget: p.budget ?? defaultBudget(searched), seed: p.seed ?? 0, exclude, trueValue: (key: string) => this.trueValue(space.id, key)?.value, ...(from ? { from } : {}) };
    try {
      return await this.searcher.run(job, () => this.connection.window.createWorkDoneProgress(), token);
    } catch (e) {
      this.connection.console.error(`DELE search failed: ${(e as Error).stack ?? (e as Error).message}`);
      throw new ResponseError(1, `search failed: ${(e as Error).message}`);
    }
  }

  private async refreshLenses(): Promise<void> {
    if (this.canRefreshLenses) await this.connection.sendRequest(CodeLensRefreshRequest.type);
  }

  private rankings(spaceId?: string): RankingsResult {
    const host = spaceId ? this.predictors.forSpace(spaceId) : this.predictors.primary;
    const info = host?.info ?? null;
    const space = host?.space;
    const toRanked = (key: string, p: ArchPrediction): RankedArch => ({
      arch: key,
      predicted: p.accuracy,
      percentile: host?.percentile(p.score),
      trueAccuracy: space ? this.trueValue(space.id, key)?.value : undefined,
      experts: p.experts,
    });
    const workspace: RankedArch[] = [];
    if (space && host) {
      for (const doc of this.documents.all()) {
        const valid = this.valid(doc).filter((f) => f.space === space.id);
        const preds = host.predict(valid.map((f) => f.result.arch));
        valid.forEach((f, i) => {
          const p = preds[i];
          if (!p) return;
          workspace.push({
            ...toRanked(f.result.key, p),
            location: { uri: doc.uri, range: { start: doc.positionAt(f.start), end: doc.positionAt(f.end) } },
          });
        });
      }
    }
    workspace.sort((a, b) => b.predicted - a.predicted);
    const top = host?.topArchs(20) ?? [];
    const benchmarkTop = space && host ? host.predict(top).map((p, i) => toRanked(space.key(top[i]), p)) : [];
    const { scatter, scatterLabel } = this.heldOutScatter(host);
    return { predictor: info, workspace, benchmarkTop, referenceLabel: host?.referenceLabel() ?? '', meanGateWeights: host?.meanGateWeights() ?? [], scatter, scatterLabel };
  }

  /** Predicted vs true target on 400 held-out architectures of the bundled data the predictor was trained on. */
  private heldOutScatter(host: PredictorHost | undefined): { scatter: RankingsResult['scatter']; scatterLabel: string } {
    const info = host?.info;
    const p = host?.current;
    if (!info || !p) return { scatter: [], scatterLabel: 'no predictor for this space' };
    const b = info.dataSource === `bundled:${info.space}` ? this.benchmark(info.space) : undefined;
    if (!b || b.ds.fingerprint !== p.meta.dataset.fingerprint || !targetNames(b.ds).includes(info.target)) {
      return { scatter: [], scatterLabel: `trained on ${info.dataSource}: no held-out scatter (shown for predictors trained on bundled data)` };
    }
    const heldOut = splitDataset(b.ds.archs.length, host.splitSeed).heldOut.slice(0, 400);
    const truth = column(b.ds, info.target).values;
    const sp = host.predict(heldOut.map((i) => b.ds.archs[i]));
    const scatter = heldOut.map((i, j) => ({ predicted: sp[j]?.accuracy ?? NaN, true: truth[i] ?? NaN })).filter((x) => Number.isFinite(x.true));
    return { scatter, scatterLabel: `${scatter.length} held-out ${info.spaceTitle} architectures, target ${info.target}` };
  }

  /** For tests and the bench: resolves when the all-cells table of the current predictor is complete. */
  whenIdle(): Promise<void> {
    return this.ready.then(() => this.predictors.whenTablesReady());
  }

  dispose(): void {
    this.training?.cancel();
    for (const t of this.diagTimers.values()) clearTimeout(t);
    this.predictors.dispose();
  }
}
