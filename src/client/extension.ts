/**
 * Extension host side: starts the language server (child process over IPC), owns the status bar item, the
 * commands and the predictor panel. Everything created here is disposed through context.subscriptions.
 */
import * as path from 'node:path';
import * as vscode from 'vscode';
import {
  CloseAction,
  type CloseHandlerResult,
  ErrorAction,
  type ErrorHandler,
  type ErrorHandlerResult,
  LanguageClient,
  type LanguageClientOptions,
  type Message,
  RevealOutputChannelOn,
  type ServerOptions,
  State,
  TransportKind,
} from 'vscode-languageclient/node';
import {
  CancelTrainingNotification,
  type ComputeLfParams,
  ComputeLfRequest,
  type ComputeLfResult,
  DataInfoRequest,
  DEFAULT_SETTINGS,
  type SpaceInfo,
  SpacesRequest,
  SPACE_FILE_GLOB,
  type InitOptions,
  PredictorChangedNotification,
  PredictorHistoryRequest,
  type SearchParams,
  StatusRequest,
  type StatusResult,
  type TrainingEpoch,
  TrainingEpochNotification,
  type TrainParams,
  TrainRequest,
  type TrainResult,
  type UsePredictorParams,
  UsePredictorRequest,
  type UsePredictorResult,
  type ProposeBatchParams,
  ResultsChangedNotification,
  type UpdatePredictorParams,
} from '../protocol/lsp';
import { connectionError, CrashWindow, LANGUAGES, mayHoldArchitecture as mayHold, statusBar } from './lifecycle';
import { CompareView } from './compare';
import { askLfParams } from './lfCommand';
import { type PanelHooks, PredictorPanel } from './panel';
import {
  BUSY_TRAINING_TEXT,
  CANCEL_TRAINING,
  historyItems,
  historySpaceItems,
  historySpaceWithoutAsking,
  SHOW_PROGRESS,
  TrainingGate,
  trainingOutcomeNotice,
  USE_NEW,
  USE_PREVIOUS,
} from './predictorHistoryModel';
import { LoopCommands } from './loop';
import { Proposer } from './propose';
import { TrainingProgressText } from './trainingProgress';
import { SideBar } from './views';
import {
  dataStep,
  expertsStep,
  lfNotice,
  methodItems,
  type Notice,
  numbered,
  ratioItems,
  targetOrder,
  trainParams,
  trainSpaceItems,
  type TrainStep,
  trainSteps,
} from './wizard';

const DOCUMENTS = LANGUAGES.map((language) => ({ language }));

/** Might this document hold an architecture of a built-in space? (The server's scanners decide.) */
const mayHoldArchitecture = (doc: vscode.TextDocument): boolean => mayHold({ languageId: doc.languageId, scheme: doc.uri.scheme, text: () => doc.getText() });

const notify = (n: Notice): Thenable<string | undefined> => (n.level === 'error' ? vscode.window.showErrorMessage(n.text) : vscode.window.showInformationMessage(n.text));

/**
 * Restarts a server that crashes, but not one that crashes in a loop: after MAX_RESTARTS restarts within
 * CRASH_WINDOW_MS it stays stopped and the user is told how to try again. Every crash is logged.
 */
export class CrashLoopHandler implements ErrorHandler {
  private readonly crashes = new CrashWindow();

  constructor(
    private readonly log: Pick<vscode.LogOutputChannel, 'error' | 'warn'>,
    private readonly showError: (message: string) => void = (m) => void vscode.window.showErrorMessage(m),
    private readonly now: () => number = Date.now,
  ) {}

  error(error: Error, _message: Message | undefined, count: number | undefined): ErrorHandlerResult {
    const e = connectionError(error, count);
    this.log.error(e.log);
    if (e.shutdown === undefined) return { action: ErrorAction.Continue };
    return { action: ErrorAction.Shutdown, message: e.shutdown };
  }

  closed(): CloseHandlerResult {
    const c = this.crashes.crashed(this.now());
    if (c.restart) {
      this.log.warn(c.message);
      return { action: CloseAction.Restart, handled: true };
    }
    this.log.error(c.message);
    this.showError(c.message);
    return { action: CloseAction.DoNotRestart, handled: true };
  }
}

/** What the extension exposes to tests and other extensions. */
export interface DeleApi {
  client(): LanguageClient | undefined;
  status(): Promise<StatusResult>;
  /** Starts the language server if it waits for a file with an architecture, and resolves when it runs. */
  whenStarted(): Promise<void>;
  /** The DELE side bar's tree views, as they show (leaf items in order). */
  views: { architectures(): vscode.TreeItem[]; proposals(): vscode.TreeItem[] };
}

class DeleExtension implements vscode.Disposable {
  private client?: LanguageClient;
  /** Disposables that live as long as one client (dropped on restart). */
  private clientScope: vscode.Disposable[] = [];
  private readonly statusItem: vscode.StatusBarItem;
  private lastStatus?: StatusResult;
  private readonly trainingGate = new TrainingGate();
  /** The running training's epochs (the panel's curve and the progress notification). */
  private readonly epochs = new vscode.EventEmitter<TrainingEpoch>();
  /** Set by activate(): refreshed when a predictor changes. */
  sideBar?: SideBar;

  constructor(
    private readonly context: vscode.ExtensionContext,
    readonly log: vscode.LogOutputChannel,
  ) {
    this.statusItem = vscode.window.createStatusBarItem('dele.status', vscode.StatusBarAlignment.Right, 100);
    this.statusItem.name = 'DELE predictor';
    this.statusItem.command = 'dele.showPanel';
    this.statusItem.text = '$(beaker) DELE $(loading~spin)';
    this.statusItem.show();
  }

  private starting?: Promise<void>;
  private waiting: vscode.Disposable[] = [];

  /**
   * Starts the language server only when the workspace has something for it: a space file or an `.arch` file,
   * or an open document that may hold an architecture. Until then it watches opened and edited documents.
   */
  async startWhenNeeded(): Promise<void> {
    const exclude = '**/{node_modules,.git}/**';
    const [archFiles, spaceFiles] = await Promise.all([vscode.workspace.findFiles('**/*.arch', exclude, 1), vscode.workspace.findFiles(SPACE_FILE_GLOB, exclude, 1)]);
    if (archFiles.length > 0 || spaceFiles.length > 0 || vscode.workspace.textDocuments.some(mayHoldArchitecture)) {
      await this.ensureStarted();
      return;
    }
    this.statusItem.text = '$(beaker) DELE';
    this.statusItem.tooltip = 'DELE: waiting for a file with an architecture (NAS-Bench-201 or TransNAS-Bench-101 strings) or a *.space.yaml file';
    const check = (doc: vscode.TextDocument): void => {
      if (!this.client && mayHoldArchitecture(doc)) void this.ensureStarted();
    };
    const watchers = ['**/*.arch', SPACE_FILE_GLOB].map((g) => vscode.workspace.createFileSystemWatcher(g, false, true, true));
    this.waiting.push(
      vscode.workspace.onDidOpenTextDocument(check),
      vscode.workspace.onDidChangeTextDocument((e) => check(e.document)),
      ...watchers,
      ...watchers.map((w) => w.onDidCreate(() => void this.ensureStarted())),
    );
  }

  /** Starts the client once (commands call this too: asking for DELE is reason enough). */
  ensureStarted(): Promise<void> {
    for (const d of this.waiting.splice(0)) d.dispose();
    this.starting ??= this.start().catch((e: Error) => {
      this.starting = undefined;
      throw e;
    });
    return this.starting;
  }

  async start(): Promise<void> {
    const serverModule = this.context.asAbsolutePath(path.join('dist', 'server.js'));
    const serverOptions: ServerOptions = {
      run: { module: serverModule, transport: TransportKind.ipc },
      debug: { module: serverModule, transport: TransportKind.ipc, options: { execArgv: ['--nolazy', '--inspect=6019'] } },
    };
    const storage = (this.context.storageUri ?? this.context.globalStorageUri).fsPath;
    const initializationOptions: InitOptions = {
      bundledPredictors: this.context.asAbsolutePath(path.join('media', 'predictors')),
      storagePath: storage,
      lfCachePath: path.join(this.context.globalStorageUri.fsPath, 'lf-cache.jsonl'),
    };
    const clientOptions: LanguageClientOptions = {
      documentSelector: DOCUMENTS.map((d) => ({ ...d, scheme: 'file' })).concat(DOCUMENTS.map((d) => ({ ...d, scheme: 'untitled' }))),
      synchronize: { configurationSection: 'dele', fileEvents: vscode.workspace.createFileSystemWatcher(SPACE_FILE_GLOB) },
      initializationOptions,
      outputChannel: this.log,
      revealOutputChannelOn: RevealOutputChannelOn.Never,
      errorHandler: new CrashLoopHandler(this.log),
    };
    const client = new LanguageClient('dele', 'DELE NAS predictor', serverOptions, clientOptions);
    this.client = client;
    this.clientScope.push(
      client.onNotification(PredictorChangedNotification, (s) => this.setStatus(s)),
      // A results file changed: the side bar's "N labelled" follows.
      client.onNotification(ResultsChangedNotification, () => this.sideBar?.scheduleRefresh()),
      client.onNotification(TrainingEpochNotification, (e) => {
        PredictorPanel.current?.addEpoch(e);
        this.epochs.fire(e);
      }),
      client.onDidChangeState((e) => {
        if (e.newState === State.Stopped) this.statusItem.text = '$(beaker) DELE $(error)';
      }),
    );
    this.log.info(`starting language server ${serverModule}; predictor storage ${storage}`);
    try {
      await client.start();
    } catch (e) {
      // Leave no half-started client behind: a retry (a command, Restart Language Server) starts afresh.
      await this.stopClient();
      throw e;
    }
    this.setStatus(await client.sendRequest(StatusRequest));
  }

  private setStatus(s: StatusResult): void {
    this.lastStatus = s;
    const p = s.predictor;
    const bar = statusBar(s);
    this.statusItem.text = bar.text;
    this.statusItem.tooltip = bar.tooltip;
    if (s.note) this.log.info(s.note);
    if (!p && s.error) this.log.error(`no predictor: ${s.error}`);
    PredictorPanel.current?.refresh();
    this.sideBar?.scheduleRefresh();
  }

  getClient(): LanguageClient | undefined {
    return this.client;
  }

  async status(): Promise<StatusResult> {
    if (!this.client) throw new Error('DELE language server is not running');
    return this.client.sendRequest(StatusRequest);
  }

  async restart(): Promise<void> {
    this.log.info('restarting the language server');
    await this.stopClient();
    this.starting = undefined;
    await this.ensureStarted();
  }

  private async stopClient(): Promise<void> {
    for (const d of this.clientScope.splice(0)) d.dispose();
    const c = this.client;
    this.client = undefined;
    if (c) await c.stop().catch((e: Error) => this.log.warn(`stop: ${e.message}`));
  }

  /** The client, started if need be; undefined (and said) when the language server does not run. */
  async runningClient(): Promise<LanguageClient | undefined> {
    await this.ensureStarted().catch(() => undefined);
    if (!this.client) void vscode.window.showErrorMessage('DELE: the language server is not running.');
    return this.client;
  }

  /**
   * Command: DELE: Train Predictor… (quick picks; `params` skips them, for scripts and tests). A running training
   * is said at once, before any quick pick; the panel's curve restarts only for a training that starts.
   */
  async train(params?: Partial<TrainParams>): Promise<TrainResult | undefined> {
    const client = await this.runningClient();
    if (!client) return undefined;
    if (!this.trainingGate.free((await client.sendRequest(StatusRequest)).training)) return this.busyTraining();
    const full = params?.data ? (params as TrainParams) : await this.askTrainParams(client, params);
    if (!full) return undefined;
    // Claimed synchronously after the server's answer: a second command that went through its wizard meanwhile is refused here.
    this.log.info(`training: ${JSON.stringify(full)}`);
    return this.runTraining('DELE: training predictor', () => client.sendRequest(TrainRequest, full), !params?.data, full.method);
  }

  /**
   * Runs a training request (Train Predictor, Update Predictor) in the one training slot: refused at once when one
   * runs; a progress notification when the user started it; the outcome's notice.
   */
  async runTraining(title: string, request: () => Promise<TrainResult>, interactive: boolean, method = 'dele'): Promise<TrainResult | undefined> {
    const client = await this.runningClient();
    if (!client) return undefined;
    if (!this.trainingGate.begin((await client.sendRequest(StatusRequest)).training)) return this.busyTraining();
    try {
      PredictorPanel.current?.trainingStarted();
      const result = interactive ? await this.withTrainingProgress(title, method, request) : await request();
      this.log.info(`${title.replace(/^DELE: /, '')} ${result.status}: ${result.message}${result.history ? ` (${result.history.comparison.text})` : ''}`);
      void this.showTrainingOutcome(result);
      return result;
    } finally {
      this.trainingGate.end();
    }
  }

  /**
   * A training started from the palette shows a progress notification: step, epoch and time left in the step
   * (TrainingProgressText), with a Cancel that cancels the training (CancelTrainingNotification).
   */
  private withTrainingProgress(title: string, method: string, request: () => Promise<TrainResult>): Thenable<TrainResult> {
    return vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title, cancellable: true }, async (progress, token) => {
      const text = new TrainingProgressText(method);
      progress.report({ message: text.text });
      const scope = [token.onCancellationRequested(() => this.cancelTraining()), this.epochs.event((e) => progress.report({ message: text.update(e) }))];
      try {
        return await request();
      } finally {
        for (const d of scope) d.dispose();
      }
    });
  }

  private busyTraining(): undefined {
    void vscode.window.showWarningMessage(BUSY_TRAINING_TEXT, SHOW_PROGRESS, CANCEL_TRAINING).then((choice) => {
      if (choice === SHOW_PROGRESS) void vscode.commands.executeCommand('dele.showPanel');
      else if (choice === CANCEL_TRAINING) this.cancelTraining();
    });
    return undefined;
  }

  /** The training's notice; a worse or not comparable predictor waits for "Use the new one" (nothing is awaited here). */
  private async showTrainingOutcome(result: TrainResult): Promise<void> {
    const n = trainingOutcomeNotice(result);
    const show = n.level === 'error' ? vscode.window.showErrorMessage : n.level === 'warning' ? vscode.window.showWarningMessage : vscode.window.showInformationMessage;
    const choice = await show(n.text, ...n.actions);
    if (choice === USE_NEW && n.use) await this.usePredictor(n.use);
    else if (choice === USE_PREVIOUS) await vscode.commands.executeCommand('dele.usePreviousPredictor');
  }

  /**
   * Command: DELE: Use Previous Predictor… (a quick pick of a space's history: every predictor trained in the
   * workspace and the bundled one). `params` with an entry skips the pick, for scripts and tests.
   */
  async usePreviousPredictor(params?: Partial<UsePredictorParams>): Promise<UsePredictorResult | undefined> {
    const client = await this.runningClient();
    if (!client) return undefined;
    if (params?.space && params.entry) return this.usePredictor({ space: params.space, entry: params.entry });
    const history = await client.sendRequest(PredictorHistoryRequest, params?.space ? { space: params.space } : {});
    if (history.spaces.length === 0) {
      void vscode.window.showInformationMessage('DELE: no predictors to choose from yet. Train one with DELE: Train Predictor….');
      return undefined;
    }
    let space = params?.space ?? historySpaceWithoutAsking(history);
    if (!space) {
      const pick = await vscode.window.showQuickPick(historySpaceItems(history), { title: 'DELE: predictors of which search space?' });
      if (!pick) return undefined;
      space = pick.space;
    }
    const of = history.spaces.find((x) => x.space === space);
    const title = `DELE: ${of?.spaceTitle ?? space} predictors${history.settingNote ? ` (${history.settingNote})` : ''}`;
    const picked = await vscode.window.showQuickPick(historyItems(of?.entries ?? []), { title, matchOnDetail: true });
    if (!picked) return undefined;
    if (picked.entry.active) {
      void vscode.window.showInformationMessage(`DELE: that ${space} predictor is already active.`);
      return undefined;
    }
    return this.usePredictor({ space, entry: picked.entry.id });
  }

  private async usePredictor(params: UsePredictorParams): Promise<UsePredictorResult | undefined> {
    const client = this.client;
    if (!client) return undefined;
    let result: UsePredictorResult;
    try {
      result = await client.sendRequest(UsePredictorRequest, params);
    } catch (e) {
      void vscode.window.showErrorMessage(`DELE: ${(e as Error).message}`);
      return undefined;
    }
    this.log.info(result.message);
    this.setStatus(result.status);
    void vscode.window.showInformationMessage(`DELE: ${result.message}.`);
    return result;
  }

  private async askTrainParams(client: LanguageClient, preset?: Partial<TrainParams>): Promise<TrainParams | undefined> {
    const spaces = await client.sendRequest(SpacesRequest);
    let space: SpaceInfo | undefined = spaces.find((x) => x.id === preset?.space);
    const askSpace = !space;
    // Each title numbers its step among the steps shown, from the answers so far (wizard.ts trainSteps).
    const known: Parameters<typeof trainSteps>[0] = { askSpace, spaces };
    const title = (text: string, step: TrainStep): string => numbered(text, trainSteps(known), step);
    const pick = <T extends vscode.QuickPickItem>(items: T[], text: string, step: TrainStep): Thenable<T | undefined> =>
      vscode.window.showQuickPick(items, { title: title(text, step), ignoreFocusOut: true });
    const pickString = (items: string[], text: string, step: TrainStep): Thenable<string | undefined> => vscode.window.showQuickPick(items, { title: title(text, step), ignoreFocusOut: true });
    if (!space) {
      space = (await pick(trainSpaceItems(spaces), 'DELE: search space', 'space'))?.space;
      if (!space) return undefined;
    }
    known.space = space;
    const join = preset?.join ?? [];
    const dataStepModel = dataStep(space, join);
    const dataPick = await pick(dataStepModel.items, dataStepModel.title, 'data');
    if (!dataPick) return undefined;
    let data = 'bundled';
    if (dataPick.value === 'file') {
      const f = await vscode.window.showOpenDialog({ title: title(dataStepModel.title, 'data'), canSelectMany: false, filters: { 'Architecture data': ['csv', 'json'] } });
      if (!f?.[0]) return undefined;
      data = f[0].fsPath;
    }
    let info;
    try {
      info = await client.sendRequest(DataInfoRequest, { data, space: space.id, ...(join.length > 0 ? { join } : {}) });
    } catch (e) {
      void vscode.window.showErrorMessage(`DELE: ${(e as Error).message}`);
      return undefined;
    }
    const configured = vscode.workspace.getConfiguration('dele').get<string>('target', DEFAULT_SETTINGS.target);
    const target = await pickString(targetOrder(info, configured), 'DELE: target to predict', 'target');
    if (!target) return undefined;
    const methodPick = await pick(methodItems(), 'DELE: method', 'method');
    if (!methodPick) return undefined;
    known.method = methodPick.value;
    let experts: string[] | undefined;
    if (methodPick.value !== 'vanilla') {
      const step = expertsStep(info, methodPick.value);
      const picked = await vscode.window.showQuickPick(step.items, { title: title(step.title, 'experts'), canPickMany: step.canPickMany, ignoreFocusOut: true });
      if (!picked) return undefined;
      experts = (Array.isArray(picked) ? picked : [picked]).map((p) => p.label);
      if (experts.length === 0) return undefined;
    }
    const ratioPick = await pick(ratioItems(info.archCount), 'DELE: share of the training split with ground truth', 'ratio');
    if (!ratioPick) return undefined;
    // A space with one encoder has no encoder step (trainSteps leaves it out of the count too).
    const encoder = (space.encoders.length === 1 ? space.encoders[0] : await pickString(space.encoders, 'DELE: encoder', 'encoder')) as 'gates' | 'lstm' | undefined;
    if (!encoder) return undefined;
    return trainParams(preset, { space, data, target, method: methodPick.value, experts, ratio: ratioPick.label, encoder });
  }

  /**
   * Command: DELE: Compute Low-Fidelity Measures… (quick picks; `params` skips them, for scripts and tests).
   * The server computes in worker threads with cancellable progress; the CSV can then be joined with ground truth.
   */
  async computeLf(params?: ComputeLfParams): Promise<ComputeLfResult | undefined> {
    const client = await this.runningClient();
    if (!client) return undefined;
    const full = params ?? (await askLfParams(this.context, client));
    if (!full) return undefined;
    this.log.info(`LF measures: ${JSON.stringify({ ...full, source: full.source.kind })}`);
    let result: ComputeLfResult;
    try {
      result = await client.sendRequest(ComputeLfRequest, full);
    } catch (e) {
      void vscode.window.showErrorMessage(`DELE: ${(e as Error).message}`);
      return undefined;
    }
    this.log.info(`LF measures ${result.status}: ${result.message}`);
    const notice = lfNotice(result);
    const out = notice.out;
    if (out === undefined) void notify(notice);
    else if (!params) {
      void vscode.window.showInformationMessage(notice.text, 'Open', 'Train with these…').then((choice) => {
        if (choice === 'Open') void vscode.window.showTextDocument(vscode.Uri.file(out));
        else if (choice === 'Train with these…') void this.train({ space: full.space, join: [out] });
      });
    }
    return result;
  }

  cancelTraining(): void {
    if (this.client) void this.client.sendNotification(CancelTrainingNotification);
  }

  get currentStatus(): StatusResult | undefined {
    return this.lastStatus;
  }

  async dispose(): Promise<void> {
    this.statusItem.dispose();
    this.epochs.dispose();
    await this.stopClient();
  }
}

let extension: DeleExtension | undefined;

export async function activate(context: vscode.ExtensionContext): Promise<DeleApi> {
  const log = vscode.window.createOutputChannel('DELE', { log: true });
  context.subscriptions.push(log);
  const ext = new DeleExtension(context, log);
  extension = ext;
  const client = (): LanguageClient | undefined => ext.getClient();
  const ensureStarted = (): Promise<void> => ext.ensureStarted();
  // The side bar inserts through the proposer and the proposer shows through the side bar: both exist before either is used.
  const insert = (text: string): Promise<boolean> => proposer.insert(text);
  const sideBar = new SideBar({ client, ensureStarted, log, insert });
  const proposer = new Proposer({
    client,
    ensureStarted,
    log,
    show: (r, interactive) => sideBar.showProposals(r, interactive),
    exportCsv: () => vscode.commands.executeCommand('dele.exportProposals'),
  });
  ext.sideBar = sideBar;
  const loop = new LoopCommands({ client: () => ext.runningClient(), log, runTraining: (title, request, interactive) => ext.runTraining(title, request, interactive) });
  const hooks: PanelHooks = { proposals: () => sideBar.latestProposals, insert };
  const compareView = new CompareView({ client, ensureStarted, log, extensionUri: context.extensionUri });
  context.subscriptions.push(
    sideBar,
    proposer,
    sideBar.onDidChangeProposals((r) => {
      if (r) PredictorPanel.current?.showProposals(r);
    }),
    vscode.commands.registerCommand('dele.proposeArchitectures', (params?: Partial<SearchParams>) => proposer.propose(params)),
    { dispose: () => void ext.dispose() },
    vscode.commands.registerCommand('dele.trainPredictor', (params?: Partial<TrainParams>) => ext.train(params)),
    vscode.commands.registerCommand('dele.updatePredictor', (params?: Partial<UpdatePredictorParams>) => loop.update(params)),
    vscode.commands.registerCommand('dele.proposeNextBatch', (params?: Partial<ProposeBatchParams> & { folder?: string }) => loop.proposeNextBatch(params)),
    vscode.commands.registerCommand('dele.cancelTraining', () => ext.cancelTraining()),
    vscode.commands.registerCommand('dele.usePreviousPredictor', (params?: Partial<UsePredictorParams>) => ext.usePreviousPredictor(params)),
    vscode.commands.registerCommand('dele.computeLf', (params?: ComputeLfParams) => ext.computeLf(params)),
    vscode.commands.registerCommand('dele.restartServer', () => ext.restart()),
    compareView,
    vscode.commands.registerCommand('dele.compareArchitectures', (arg?: unknown) => compareView.run(arg)),
    vscode.commands.registerCommand('dele.showPanel', async (arg?: { space?: string }) => {
      await ext.ensureStarted().catch(() => undefined);
      PredictorPanel.createOrShow(context, ext.getClient.bind(ext), log, hooks).showSpace(arg?.space);
    }),
    vscode.window.registerWebviewPanelSerializer(PredictorPanel.viewType, {
      deserializeWebviewPanel: async (panel) => {
        PredictorPanel.revive(panel, context, ext.getClient.bind(ext), log, hooks);
      },
    }),
  );
  try {
    await ext.startWhenNeeded();
  } catch (e) {
    // VS Code shows no notification when activation fails; say it, then rethrow.
    log.error(`activation failed: ${(e as Error).stack ?? e}`);
    void vscode.window.showErrorMessage(`DELE failed to start: ${(e as Error).message}`);
    throw e;
  }
  return {
    client: () => ext.getClient(),
    status: () => ext.status(),
    whenStarted: () => ext.ensureStarted(),
    views: { architectures: () => sideBar.architectureItems(), proposals: () => sideBar.proposalItems() },
  };
}

export async function deactivate(): Promise<void> {
  await extension?.dispose();
  extension = undefined;
}
