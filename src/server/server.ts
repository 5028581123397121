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
  type CodeLens,
  CodeLensRefreshRequest,
  type Connection,
  type Diagnostic,
  DiagnosticSeverity,
  type Hover,
  type InitializeParams,
  type InitializeResult,
  MarkupKind,
  ResponseError,
  TextDocuments,
  TextDocumentSyncKind,
} from 'vscode-languageserver/node';
import { nb201FromCode, nb201IsConnected, nb201ToString } from '../arch/nb201';
import { type FoundArch, findArchitectures } from '../arch/scan';
import {
  column,
  type Dataset,
  DEFAULT_NB201_EXPERTS,
  importDataFile,
  lfNames,
  loadBundledNb201,
  shortLfName,
  splitDataset,
  targetNames,
} from '../data/dataset';
import { initBackend } from '../predictor/backend';
import {
  CancelTrainingNotification,
  DataInfoRequest,
  type DataInfoResult,
  DEFAULT_SETTINGS,
  type DeleSettings,
  type InitOptions,
  PredictorChangedNotification,
  type RankedArch,
  RankingsRequest,
  type RankingsResult,
  StatusRequest,
  type StatusResult,
  TrainingEpochNotification,
  type TrainParams,
  TrainRequest,
  type TrainResult,
} from '../protocol/lsp';
import { type ArchPrediction, PredictorHost } from './predictorHost';
import type { FromWorker, ToWorker } from './workerProtocol';

export interface ServerOptions {
  /** Path of the bundled trainWorker.js. */
  workerScript: string;
}

interface ParsedDoc {
  version: number;
  found: FoundArch[];
}

export function formatLens(p: ArchPrediction, top = 3): string {
  const experts = [...p.experts].sort((a, b) => b.weight - a.weight).slice(0, top);
  const acc = Number.isFinite(p.accuracy) ? `${p.accuracy.toFixed(1)}%` : 'n/a';
  if (experts.length <= 1) return `pred ${acc}`;
  return `pred ${acc} · top-${experts.length} experts ${experts.map((e) => `${shortLfName(e.name)} ${e.weight.toFixed(2)}`).join(' ')}`;
}

export class DeleServer {
  private connection!: Connection;
  private readonly documents = new TextDocuments(TextDocument);
  private readonly parsed = new Map<string, ParsedDoc>();
  private readonly host = new PredictorHost();
  private readonly diagTimers = new Map<string, NodeJS.Timeout>();
  private settings: DeleSettings = DEFAULT_SETTINGS;
  private init: InitOptions = { bundledPredictor: '', storagePath: '' };
  private backend = 'unknown';
  private bench?: Dataset;
  private benchIndex?: Map<string, number>;
  private training?: { worker: Worker; cancel: () => void };
  private canRefreshLenses = false;
  private hasConfiguration = false;
  /** Settles when start-up (backend, settings, predictor) is done; handlers wait for it. */
  private readonly ready: Promise<void>;
  private markReady!: () => void;

  constructor(private readonly options: ServerOptions) {
    this.ready = new Promise((resolve) => (this.markReady = resolve));
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
    connection.onDidChangeConfiguration(async () => {
      await this.ready;
      const before = this.settings.predictorPath;
      await this.pullSettings();
      if (this.settings.predictorPath !== before) await this.loadPredictor();
      void this.refreshLenses();
    });
    this.documents.onDidChangeContent((e) => this.scheduleDiagnostics(e.document));
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
    connection.onRequest(StatusRequest, async () => {
      await this.ready;
      return this.status();
    });
    connection.onRequest(DataInfoRequest, (p) => this.dataInfo(p.data));
    connection.onRequest(TrainRequest, (p, token) => this.train(p, token));
    connection.onNotification(CancelTrainingNotification, () => this.training?.cancel());
    connection.onRequest(RankingsRequest, async () => {
      await this.ready;
      return this.rankings();
    });
    connection.onShutdown(() => this.dispose());
    this.documents.listen(connection);
    connection.listen();
  }

  private onInitialize(p: InitializeParams): InitializeResult {
    const o = (p.initializationOptions ?? {}) as Partial<InitOptions>;
    this.init = { bundledPredictor: o.bundledPredictor ?? '', storagePath: o.storagePath ?? '' };
    this.canRefreshLenses = p.capabilities.workspace?.codeLens?.refreshSupport === true;
    this.hasConfiguration = p.capabilities.workspace?.configuration === true;
    return {
      capabilities: {
        textDocumentSync: TextDocumentSyncKind.Incremental,
        codeLensProvider: { resolveProvider: false },
        hoverProvider: true,
      },
      serverInfo: { name: 'dele-nas' },
    };
  }

  private async start(): Promise<void> {
    this.backend = await initBackend('auto');
    await this.pullSettings();
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
    };
  }

  private async loadPredictor(): Promise<void> {
    const { source, path: dir } = PredictorHost.resolvePath(this.settings.predictorPath, this.init);
    try {
      this.host.load(source, dir);
      this.connection.console.info(`DELE server: loaded ${source} predictor ${dir}`);
    } catch (e) {
      this.connection.console.error(`DELE server: cannot load predictor: ${(e as Error).message}`);
      if (source !== 'bundled' && this.init.bundledPredictor) {
        try {
          this.host.load('bundled', this.init.bundledPredictor);
          this.connection.console.warn('DELE server: using the bundled predictor instead');
        } catch (e2) {
          this.connection.console.error(`DELE server: cannot load the bundled predictor: ${(e2 as Error).message}`);
        }
      }
    }
    void this.connection.sendNotification(PredictorChangedNotification, this.status());
  }

  private status(): StatusResult {
    return { predictor: this.host.info, backend: this.backend, training: this.training !== undefined, error: this.host.error };
  }

  private benchmark(): { ds: Dataset; index: Map<string, number> } {
    if (!this.bench || !this.benchIndex) {
      this.bench = loadBundledNb201();
      this.benchIndex = new Map(this.bench.keys.map((k, i) => [k, i]));
    }
    return { ds: this.bench, index: this.benchIndex };
  }

  private trueAccuracy(canonical: string): number | undefined {
    const { ds, index } = this.benchmark();
    const i = index.get(canonical);
    const target = targetNames(ds).includes(this.settings.target) ? this.settings.target : DEFAULT_SETTINGS.target;
    return i === undefined ? undefined : column(ds, target).values[i];
  }

  private parse(doc: TextDocument): FoundArch[] {
    const cached = this.parsed.get(doc.uri);
    if (cached && cached.version === doc.version) return cached.found;
    const found = findArchitectures(doc.getText());
    this.parsed.set(doc.uri, { version: doc.version, found });
    return found;
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
    for (const f of this.parse(doc)) {
      if (!f.result.ok) {
        for (const p of f.result.problems) {
          out.push({
            range: { start: doc.positionAt(p.start), end: doc.positionAt(p.end) },
            message: p.message,
            severity: DiagnosticSeverity.Error,
            source: 'dele',
          });
        }
      } else if (!nb201IsConnected(f.result.arch)) {
        out.push({
          range: { start: doc.positionAt(f.start), end: doc.positionAt(f.end) },
          message: 'no path from the input to the output avoids `none`: this cell outputs zeros (about 10% accuracy on CIFAR-10)',
          severity: DiagnosticSeverity.Information,
          source: 'dele',
        });
      }
    }
    return out;
  }

  codeLenses(doc: TextDocument): CodeLens[] {
    if (!this.settings.codeLens.enabled || !this.host.loaded) return [];
    const valid = this.parse(doc).filter((f): f is FoundArch & { result: { ok: true } } => f.result.ok);
    const preds = this.host.predict(valid.map((f) => f.result.arch));
    return valid.map((f, i) => {
      const range = { start: doc.positionAt(f.start), end: doc.positionAt(f.end) };
      return { range, command: { title: formatLens(preds[i]), command: 'dele.showPanel', arguments: [] } };
    });
  }

  hover(doc: TextDocument, offset: number): Hover | null {
    const f = this.parse(doc).find((x) => offset >= x.start && offset <= x.end);
    if (!f || !f.result.ok || !this.host.loaded) return null;
    const [p] = this.host.predict([f.result.arch]);
    const info = this.host.info;
    const pct = this.host.percentile(p.score);
    const truth = this.trueAccuracy(f.result.canonical);
    const header =
      `**DELE** predicted ${info?.target ?? 'accuracy'}: **${p.accuracy.toFixed(2)}%**` +
      (pct !== undefined ? ` · better than ${pct.toFixed(1)}% of the 15,625 NB201 cells` : ' · rank percentile: computing…');
    const lines = [header];
    if (truth !== undefined) lines.push(`NAS-Bench-201 ${this.settings.target}: ${truth.toFixed(2)}%`);
    lines.push('', '| expert | gate weight | expert score |', '|---|---:|---:|');
    for (const e of [...p.experts].sort((a, b) => b.weight - a.weight)) lines.push(`| ${e.name} | ${e.weight.toFixed(3)} | ${e.score.toFixed(3)} |`);
    lines.push('');
    if (info) {
      lines.push(
        `_${info.method} · ${info.encoder} · ${info.source} predictor · trained on ${(info.trainRatio * 100).toFixed(0)}% ground truth · held-out Kendall's τ ${info.kendallTau?.toFixed(3) ?? 'n/a'}_`,
      );
    }
    lines.push(`\`${f.result.canonical}\``);
    return {
      contents: { kind: MarkupKind.Markdown, value: lines.join('\n') },
      range: { start: doc.positionAt(f.start), end: doc.positionAt(f.end) },
    };
  }

  private dataInfo(data: string): DataInfoResult {
    try {
      const ds = data === 'bundled' ? this.benchmark().ds : importDataFile(data);
      const lfs = lfNames(ds);
      const def = DEFAULT_NB201_EXPERTS.filter((n) => lfs.includes(n));
      return { archCount: ds.archs.length, targets: targetNames(ds), lfs, defaultExperts: def.length > 0 ? def : lfs };
    } catch (e) {
      throw new ResponseError(1, (e as Error).message);
    }
  }

  private async train(params: TrainParams, token: CancellationToken): Promise<TrainResult> {
    await this.ready;
    if (this.training) throw new ResponseError(2, 'a training is already running');
    if (!this.init.storagePath) throw new ResponseError(3, 'no workspace storage to save a predictor in');
    fs.mkdirSync(this.init.storagePath, { recursive: true });
    const outDir = path.join(this.init.storagePath, `predictor.new-${process.pid}-${Date.now()}`);
    const progress = await this.connection.window.createWorkDoneProgress();
    progress.begin('DELE: training predictor', 0, `${params.method} · ${params.encoder} · ${(params.trainRatio * 100).toFixed(1)}% ground truth`, true);
    const worker = new Worker(this.options.workerScript);
    const cancel = (): void => worker.postMessage({ type: 'cancel' } satisfies ToWorker);
    this.training = { worker, cancel };
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
        }
      });
      worker.on('error', (e) => resolve({ status: 'failed', message: e.message }));
      worker.on('exit', (code) => resolve({ status: 'failed', message: `training worker exited (${code})` }));
      worker.postMessage({ type: 'start', params, outDir } satisfies ToWorker);
    });
    await worker.terminate();
    this.training = undefined;
    progress.done();
    if (result.status === 'completed') {
      const final = path.join(this.init.storagePath, 'predictor');
      const old = `${final}.old-${Date.now()}`;
      if (fs.existsSync(final)) fs.renameSync(final, old);
      fs.renameSync(outDir, final);
      fs.rmSync(old, { recursive: true, force: true });
      result.path = final;
      try {
        this.host.load('workspace', final);
      } catch (e) {
        return { status: 'failed', message: `trained, but the result does not load: ${(e as Error).message}` };
      }
      this.connection.console.info(`DELE server: new predictor, held-out Kendall's tau ${result.kendallTau?.toFixed(4)}`);
      void this.refreshLenses();
    } else {
      fs.rmSync(outDir, { recursive: true, force: true });
      if (result.status === 'failed') this.connection.console.error(`DELE training failed: ${result.message}`);
    }
    void this.connection.sendNotification(PredictorChangedNotification, this.status());
    return result;
  }

  private async refreshLenses(): Promise<void> {
    if (this.canRefreshLenses) await this.connection.sendRequest(CodeLensRefreshRequest.type);
  }

  private rankings(): RankingsResult {
    const info = this.host.info;
    const toRanked = (canonical: string, p: ArchPrediction): RankedArch => ({
      arch: canonical,
      predicted: p.accuracy,
      percentile: this.host.percentile(p.score),
      trueAccuracy: this.trueAccuracy(canonical),
      experts: p.experts,
    });
    const workspace: RankedArch[] = [];
    for (const doc of this.documents.all()) {
      const valid = this.parse(doc).filter((f): f is FoundArch & { result: { ok: true } } => f.result.ok);
      const preds = this.host.predict(valid.map((f) => f.result.arch));
      valid.forEach((f, i) => {
        workspace.push({
          ...toRanked(f.result.canonical, preds[i]),
          location: { uri: doc.uri, range: { start: doc.positionAt(f.start), end: doc.positionAt(f.end) } },
        });
      });
    }
    workspace.sort((a, b) => b.predicted - a.predicted);
    const top = this.host.topCodes(20).map((c) => nb201FromCode(c));
    const benchmarkTop = this.host.predict(top).map((p, i) => toRanked(nb201ToString(top[i]), p));
    // Scatter: 400 held-out cells of the bundled split (predicted vs benchmark truth).
    const { ds } = this.benchmark();
    const valid = splitDataset(ds.archs.length, this.host.splitSeed).valid.slice(0, 400);
    const target = info?.target && targetNames(ds).includes(info.target) ? info.target : this.settings.target;
    const truth = column(ds, target).values;
    const sp = this.host.predict(valid.map((i) => ds.archs[i]));
    const scatter = valid.map((i, j) => ({ predicted: sp[j].accuracy, true: truth[i] })).filter((x) => Number.isFinite(x.true));
    return { predictor: info, workspace, benchmarkTop, meanGateWeights: this.host.meanGateWeights(), scatter };
  }

  /** For tests and the bench: resolves when the all-cells table of the current predictor is complete. */
  whenIdle(): Promise<void> {
    return this.ready.then(() => this.host.whenTableReady());
  }

  dispose(): void {
    this.training?.cancel();
    for (const t of this.diagTimers.values()) clearTimeout(t);
    this.host.dispose();
  }
}
