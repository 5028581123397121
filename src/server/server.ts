/**
 * The DELE language server: finds architectures in documents, answers CodeLens (prediction + top gate
 * weights), hover (every expert, rank percentile, benchmark value) and diagnostics (invalid architectures),
 * and trains predictors in a worker thread with cancellable work-done progress. This file wires the features
 * (one file each: lenses, hovers, diagnostics, codeActions, training, panelData, searchHost, lfHost) to the
 * connection and owns what they share (ServerContext): settings, documents and their parses, predictors, spaces.
 */
import * as path from 'node:path';
import { TextDocument } from 'vscode-languageserver-textdocument';
import {
  type CodeAction,
  CodeActionKind,
  type CodeLens,
  CodeLensRefreshRequest,
  type Connection,
  type Diagnostic,
  type Hover,
  type InitializeParams,
  type InitializeResult,
  TextDocuments,
  TextDocumentSyncKind,
} from 'vscode-languageserver/node';
import { bundledSpaceIds } from '../data/dataset';
import { onKernelReplaced } from '../runtime/tfjsInternals';
import { initBackend } from '../runtime/backend';
import { BUILTIN_SPACES, builtinSpace } from '../space/registry';
import type { FoundArch, SearchSpace } from '../space/types';
import { SPACE_FILE_RE } from '../space/declared';
import {
  CancelTrainingNotification,
  CompareRequest,
  PredictorHistoryRequest,
  UsePredictorRequest,
  ComputeLfRequest,
  DataInfoRequest,
  DEFAULT_SETTINGS,
  type DeleSettings,
  type InitOptions,
  PredictorChangedNotification,
  RankingsRequest,
  SearchRequest,
  WorkspaceArchitecturesRequest,
  type SpaceInfo,
  SpacesRequest,
  StatusRequest,
  type StatusResult,
  TrainRequest,
  ProposeBatchRequest,
  ResultsRequest,
  UpdatePredictorRequest,
} from '../protocol/lsp';
import { type BenchmarkTable, BenchmarkTables } from './benchmarks';
import { betterNeighbours } from './codeActions';
import { compare } from './compare';
import { type ServerContext, uriToPath } from './context';
import { diagnostics, DiagnosticsScheduler } from './diagnostics';
import { type ParsedDoc, ParsedDocuments, type ValidFound } from './documentState';
import { hover } from './hovers';
import { codeLenses } from './lenses';
import { computeLfRequest, LfHost } from './lfHost';
import { dataInfo, rankings } from './panelData';
import type { PredictorHost } from './predictorHost';
import { settingsOf } from './params';
import { PredictorSet } from './predictorSet';
import { SearchHost, searchRequest } from './searchHost';
import { SpaceFiles } from './spaceFiles';
import { Loop } from './loop';
import { ResultsFiles } from './results';
import { Training } from './training';
import { WorkspaceArchs } from './workspaceArchs';

export interface ServerOptions {
  /** Path of the bundled trainWorker.js. */
  workerScript: string;
  /** Path of the bundled lfWorker.js (LF measures); default next to workerScript. */
  lfWorkerScript?: string;
}

export class DeleServer implements ServerContext {
  connection!: Connection;
  readonly documents = new TextDocuments(TextDocument);
  // When a table completes, clients refresh what depends on it (the panel's mean gate weights and rankings).
  readonly predictors = new PredictorSet(() => void this.connection?.sendNotification(PredictorChangedNotification, this.status()));
  readonly spaceFiles = new SpaceFiles();
  readonly lf: LfHost;
  /** Settles when start-up (backend, settings, predictor) is done; handlers wait for it. */
  readonly ready: Promise<void>;
  private markReady!: () => void;
  private settingsValue: DeleSettings = DEFAULT_SETTINGS;
  private initValue: InitOptions = { bundledPredictors: '', storagePath: '' };
  private backend = 'unknown';
  private readonly benches = new BenchmarkTables();
  private readonly parsed = new ParsedDocuments(
    () => this.spaces(),
    () => this.spaceFiles.generation,
    (message) => this.connection.console.error(message),
  );
  private readonly diagnosticsScheduler = new DiagnosticsScheduler(this);
  private readonly training = new Training(this);
  private workspaceRoots: string[] = [];
  private readonly results = new ResultsFiles(this, () => this.workspaceRoots);
  private readonly loop = new Loop(this, this.training, this.results);
  private canRefreshLenses = false;
  private hasConfiguration = false;
  private readonly searcher: SearchHost;
  private readonly workspaceArchs = new WorkspaceArchs({
    scan: (text) => this.parsed.scanText(text),
    generation: () => this.spaceFiles.generation,
    openDocuments: () => this.documents.all().map((doc) => ({ uri: doc.uri, path: uriToPath(doc.uri), doc, valid: this.valid(doc) })),
    hostFor: (id) => this.hostFor(id),
    spaceTitle: (id) => this.spaceById(id)?.title ?? id,
    trueValue: (id, key) => this.trueValue(id, key)?.value,
  });

  constructor(private readonly options: ServerOptions) {
    this.ready = new Promise((resolve) => (this.markReady = resolve));
    this.searcher = new SearchHost(options.workerScript);
    this.lf = new LfHost(options.lfWorkerScript ?? path.join(path.dirname(options.workerScript), 'lfWorker.js'), () => this.initValue.lfCachePath);
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
      this.applyChangedSettings().catch((e: Error) => connection.console.error(`DELE server: applying changed settings failed: ${e.message}`));
    });
    this.listenToDocuments(connection);
    this.listenToFeatures(connection);
    connection.onShutdown(() => this.dispose());
    this.documents.listen(connection);
    connection.listen();
  }

  private listenToDocuments(connection: Connection): void {
    this.documents.onDidChangeContent((e) => {
      const file = uriToPath(e.document.uri);
      if (file && SPACE_FILE_RE.test(file)) {
        this.spaceFiles.update(file, e.document.getText());
        this.afterSpacesChanged();
      }
      this.diagnosticsScheduler.schedule(e.document);
    });
    this.documents.onDidClose((e) => {
      this.parsed.forget(e.document.uri);
      this.diagnosticsScheduler.closed(e.document.uri);
    });
    connection.onDidChangeWatchedFiles((p) => {
      for (const c of p.changes) {
        const file = uriToPath(c.uri);
        if (!file || !SPACE_FILE_RE.test(file) || this.documents.get(c.uri)) continue;
        if (c.type === 3) this.spaceFiles.remove(file);
        else this.spaceFiles.readFromDisk(file);
      }
      this.afterSpacesChanged();
    });
  }

  private listenToFeatures(connection: Connection): void {
    /** A handler that waits for start-up and then answers for an open document (`none` when it is not open). */
    const onDoc = <P extends { textDocument: { uri: string } }, R>(none: R, f: (doc: TextDocument, p: P) => R) => async (p: P): Promise<R> => {
      await this.ready;
      const doc = this.documents.get(p.textDocument.uri);
      return doc ? f(doc, p) : none;
    };
    connection.onCodeLens(onDoc([], (doc) => this.codeLenses(doc)));
    connection.onHover(onDoc(null, (doc, p) => this.hover(doc, doc.offsetAt(p.position))));
    connection.onCodeAction(
      onDoc([], (doc, p) => {
        if (p.context.only && !p.context.only.some((k) => CodeActionKind.QuickFix.startsWith(k))) return [];
        return this.betterNeighbours(doc, doc.offsetAt(p.range.start), doc.offsetAt(p.range.end));
      }),
    );
    const afterStart = <P, R>(f: (p: P) => R) => async (p: P): Promise<Awaited<R>> => {
      await this.ready;
      return await f(p);
    };
    connection.onRequest(StatusRequest, afterStart(() => this.status()));
    connection.onRequest(DataInfoRequest, afterStart((p) => dataInfo(this, p)));
    connection.onRequest(RankingsRequest, afterStart((p) => rankings(this, p?.space)));
    connection.onRequest(WorkspaceArchitecturesRequest, afterStart(async (p) => ({ ...(await this.workspaceArchs.list(p)), labelled: this.results.summaries() })));
    connection.onRequest(ResultsRequest, afterStart(() => this.results.readAll()));
    connection.onRequest(UpdatePredictorRequest, (p, token) => this.loop.update(p, token));
    connection.onRequest(ProposeBatchRequest, (p, token) => this.loop.proposeBatch(p, token));
    connection.onRequest(CompareRequest, afterStart((p) => compare(this, p)));
    connection.onRequest(TrainRequest, (p, token) => this.training.train(p, token));
    connection.onNotification(CancelTrainingNotification, () => this.training.cancel());
    connection.onRequest(PredictorHistoryRequest, afterStart((p) => this.training.choice.list(p ?? {})));
    connection.onRequest(UsePredictorRequest, afterStart((p) => this.training.choice.use(p)));
    connection.onRequest(SpacesRequest, () => this.spaceInfos());
    connection.onRequest(ComputeLfRequest, (p, token) => computeLfRequest(this, p, token));
    connection.onRequest(SearchRequest, (p, token) => searchRequest(this, this.searcher, p, token));
  }

  private onInitialize(p: InitializeParams): InitializeResult {
    const o = (p.initializationOptions ?? {}) as Partial<InitOptions>;
    this.initValue = { bundledPredictors: o.bundledPredictors ?? '', storagePath: o.storagePath ?? '', ...(typeof o.lfCachePath === 'string' && o.lfCachePath !== '' ? { lfCachePath: o.lfCachePath } : {}) };
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
    // TF.js kernels this process replaces (src/runtime/tfjsInternals.ts): one line each in the output channel.
    onKernelReplaced((line) => this.connection.console.info(line));
    this.backend = await initBackend('auto');
    try {
      await this.pullSettings();
    } catch (e) {
      // A failed configuration request must not leave the server without a predictor: keep the defaults.
      this.connection.console.warn(`DELE server: cannot read settings, using defaults: ${(e as Error).message}`);
    }
    this.connection.console.info(`DELE server: TF.js backend ${this.backend}; settings ${JSON.stringify(this.settingsValue)}`);
    await this.loadPredictor();
    this.results.watch();
  }

  private async applyChangedSettings(): Promise<void> {
    await this.ready;
    const before = this.settingsValue.predictorPath;
    await this.pullSettings();
    if (this.settingsValue.predictorPath !== before) await this.loadPredictor();
    this.results.watch();
    void this.refreshLenses();
  }

  private async pullSettings(): Promise<void> {
    if (!this.hasConfiguration) return;
    this.settingsValue = settingsOf(await this.connection.workspace.getConfiguration('dele'));
  }

  private async loadPredictor(): Promise<void> {
    const storagePath = this.initValue.storagePath;
    if (storagePath) {
      try {
        for (const msg of PredictorSet.repairStorage(storagePath)) this.connection.console.warn(`DELE server: ${msg}`);
      } catch (e) {
        this.connection.console.error(`DELE server: cannot tidy ${storagePath}: ${(e as Error).message}`);
      }
    }
    this.predictors.loadAll(this.settingsValue.predictorPath, this.initValue);
    for (const e of this.predictors.errors) this.connection.console.error(`DELE server: ${e}`);
    for (const n of this.predictors.notes) this.connection.console.warn(`DELE server: ${n}`);
    for (const i of this.predictors.infos()) this.connection.console.info(`DELE server: ${i.space}: ${i.source} predictor ${i.path}`);
    void this.connection.sendNotification(PredictorChangedNotification, this.status());
  }

  settings(): DeleSettings {
    return this.settingsValue;
  }

  init(): InitOptions {
    return this.initValue;
  }

  workerScript(): string {
    return this.options.workerScript;
  }

  status(): StatusResult {
    const primary = this.predictors.primary;
    const error = this.predictors.errors.length > 0 ? this.predictors.errors.join('; ') : undefined;
    const note = this.predictors.notes.length > 0 ? this.predictors.notes.join('; ') : undefined;
    return { predictor: primary?.info ?? null, predictors: this.predictors.infos(), backend: this.backend, training: this.training.running, error, note };
  }

  /** Built-in spaces, then the ones declared in the workspace's space files. */
  private spaces(): SearchSpace[] {
    return [...BUILTIN_SPACES, ...this.spaceFiles.spaces()];
  }

  spaceById(id: string): SearchSpace | undefined {
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
        pythonLfMeasures: LfHost.pythonMeasures(),
        predictorAvailable: this.predictors.has(sp.id),
      };
    });
  }

  private afterSpacesChanged(): void {
    this.results.watch();
    for (const doc of this.documents.all()) this.diagnosticsScheduler.schedule(doc);
    void this.refreshLenses();
  }

  hostFor(spaceId: string): PredictorHost | 'stale' | undefined {
    const host = this.predictors.forSpace(spaceId);
    const declared = this.spaceFiles.byId(spaceId)?.space;
    if (host && declared && JSON.stringify(declared.declaration) !== JSON.stringify(host.space?.declaration)) return 'stale';
    return host;
  }

  benchmark(spaceId: string): BenchmarkTable | undefined {
    return this.benches.get(spaceId);
  }

  trueValue(spaceId: string, key: string): { target: string; value: number } | undefined {
    return this.benches.trueValue(spaceId, key, [this.predictors.forSpace(spaceId)?.info?.target, this.settingsValue.target]);
  }

  parseInfo(doc: TextDocument): ParsedDoc {
    return this.parsed.info(doc);
  }

  parse(doc: TextDocument): FoundArch[] {
    return this.parsed.info(doc).found;
  }

  valid(doc: TextDocument): ValidFound[] {
    return this.parsed.valid(doc);
  }

  async refreshLenses(): Promise<void> {
    if (this.canRefreshLenses) await this.connection.sendRequest(CodeLensRefreshRequest.type);
  }

  diagnostics(doc: TextDocument): Diagnostic[] {
    const file = uriToPath(doc.uri);
    // A results file open in the editor keeps its rows' problems next to whatever else it holds.
    return [...diagnostics(this, doc), ...(file ? this.results.diagnosticsFor(file) : [])];
  }

  codeLenses(doc: TextDocument): CodeLens[] {
    return codeLenses(this, doc);
  }

  hover(doc: TextDocument, offset: number): Hover | null {
    return hover(this, doc, offset);
  }

  betterNeighbours(doc: TextDocument, from: number, to: number): CodeAction[] {
    return betterNeighbours(this, doc, from, to);
  }

  /** For tests and the bench: resolves when the all-cells table of the current predictor is complete. */
  whenIdle(): Promise<void> {
    return this.ready.then(() => this.predictors.whenTablesReady());
  }

  dispose(): void {
    this.training.cancel();
    this.results.dispose();
    this.diagnosticsScheduler.dispose();
    this.predictors.dispose();
  }
}
