/**
 * The predictor panel (webview): training curves, gate weights, predicted-vs-true scatter and rankings.
 * One instance; messages are typed (src/protocol/webview.ts) and queued until the webview says `ready`.
 */
import * as crypto from 'node:crypto';
import * as vscode from 'vscode';
import type { LanguageClient } from 'vscode-languageclient/node';
import { RankingsRequest, type SearchResponse, StatusRequest, type TrainingEpoch } from '../protocol/lsp';
import { type HostToWebview, isWebviewToHost, type WebviewToHost } from '../protocol/webview';

type ClientGetter = () => LanguageClient | undefined;

/** What the panel needs from the rest of the extension besides the client: the latest proposals and insertion. */
export interface PanelHooks {
  proposals(): SearchResponse | undefined;
  /** Inserts text at the cursor of the last active text editor. */
  insert(text: string): Promise<boolean>;
}

export class PredictorPanel implements vscode.Disposable {
  static readonly viewType = 'dele.panel';
  static current?: PredictorPanel;
  private readonly disposables: vscode.Disposable[] = [];
  private ready = false;
  private queue: HostToWebview[] = [];
  /** Epochs of the current (or last) training, replayed to a panel opened mid-training. */
  private static epochs: TrainingEpoch[] = [];
  /** The search space whose predictor the panel shows; undefined: the primary predictor's. */
  private space?: string;

  /** Shows the predictor of `space` (a lens click passes its architecture's space). */
  showSpace(space: string | undefined): void {
    if (space === undefined || space === this.space) return;
    this.space = space;
    this.refresh();
  }

  static createOrShow(context: vscode.ExtensionContext, client: ClientGetter, log: vscode.LogOutputChannel, hooks: PanelHooks): PredictorPanel {
    if (PredictorPanel.current) {
      PredictorPanel.current.panel.reveal(vscode.ViewColumn.Beside);
      return PredictorPanel.current;
    }
    const panel = vscode.window.createWebviewPanel(PredictorPanel.viewType, 'DELE Predictor', vscode.ViewColumn.Beside, PredictorPanel.options(context));
    return new PredictorPanel(panel, context, client, log, hooks);
  }

  static revive(panel: vscode.WebviewPanel, context: vscode.ExtensionContext, client: ClientGetter, log: vscode.LogOutputChannel, hooks: PanelHooks): PredictorPanel {
    panel.webview.options = PredictorPanel.options(context);
    return new PredictorPanel(panel, context, client, log, hooks);
  }

  private static options(context: vscode.ExtensionContext): vscode.WebviewOptions & vscode.WebviewPanelOptions {
    return {
      enableScripts: true,
      retainContextWhenHidden: false,
      localResourceRoots: [vscode.Uri.joinPath(context.extensionUri, 'dist'), vscode.Uri.joinPath(context.extensionUri, 'media')],
    };
  }

  private constructor(
    readonly panel: vscode.WebviewPanel,
    private readonly context: vscode.ExtensionContext,
    private readonly client: ClientGetter,
    private readonly log: vscode.LogOutputChannel,
    private readonly hooks: PanelHooks,
  ) {
    PredictorPanel.current = this;
    panel.webview.html = this.html();
    this.disposables.push(
      panel.onDidDispose(() => this.dispose()),
      panel.webview.onDidReceiveMessage((m: unknown) => void this.onMessage(m)),
      panel.onDidChangeViewState((e) => {
        // A hidden webview is torn down (retainContextWhenHidden: false); it says `ready` again when shown.
        if (!e.webviewPanel.visible) this.ready = false;
      }),
    );
  }

  addEpoch(e: TrainingEpoch): void {
    PredictorPanel.epochs.push(e);
    this.post({ type: 'epoch', epoch: e });
  }

  trainingStarted(): void {
    PredictorPanel.epochs = [];
    this.post({ type: 'trainingStarted' });
  }

  refresh(): void {
    if (this.ready) void this.sendState();
  }

  /** The latest search results changed: list them (a hidden panel gets them when it says `ready`). */
  showProposals(result: SearchResponse): void {
    if (this.ready) void this.panel.webview.postMessage({ type: 'proposals', result } satisfies HostToWebview);
  }

  private post(m: HostToWebview): void {
    if (this.ready) void this.panel.webview.postMessage(m);
    else if (m.type !== 'epoch') this.queue.push(m);
  }

  private async onMessage(m: unknown): Promise<void> {
    if (!isWebviewToHost(m)) {
      this.log.warn(`panel: ignored message ${JSON.stringify(m)}`);
      return;
    }
    const msg: WebviewToHost = m;
    switch (msg.type) {
      case 'ready': {
        this.ready = true;
        await this.sendState();
        const latest = this.hooks.proposals();
        if (latest) void this.panel.webview.postMessage({ type: 'proposals', result: latest } satisfies HostToWebview);
        for (const q of this.queue.splice(0)) void this.panel.webview.postMessage(q);
        break;
      }
      case 'insertProposal': {
        const p = this.hooks.proposals()?.proposals[msg.index];
        // The list may have been replaced by a newer search since the webview drew it.
        if (!p || p.arch !== msg.key) {
          void vscode.window.showWarningMessage('DELE: that proposal is no longer in the latest results; run the search again.');
          break;
        }
        await this.hooks.insert(p.text);
        break;
      }
      case 'refresh':
        await this.sendState();
        break;
      case 'train':
        await vscode.commands.executeCommand('dele.trainPredictor', this.space ? { space: this.space } : undefined);
        break;
      case 'selectSpace':
        this.space = msg.space;
        await this.sendState();
        break;
      case 'openLocation': {
        const { uri, range } = msg.location;
        const doc = await vscode.workspace.openTextDocument(vscode.Uri.parse(uri));
        const r = new vscode.Range(range.start.line, range.start.character, range.end.line, range.end.character);
        await vscode.window.showTextDocument(doc, { selection: r, viewColumn: vscode.ViewColumn.One });
        break;
      }
    }
  }

  private async sendState(): Promise<void> {
    const client = this.client();
    if (!client) {
      void this.panel.webview.postMessage({ type: 'error', message: 'The DELE language server is not running.' } satisfies HostToWebview);
      return;
    }
    try {
      const [rankings, status] = await Promise.all([client.sendRequest(RankingsRequest, { space: this.space }), client.sendRequest(StatusRequest)]);
      void this.panel.webview.postMessage({ type: 'state', rankings, status, epochs: PredictorPanel.epochs } satisfies HostToWebview);
    } catch (e) {
      this.log.error(`panel: ${(e as Error).message}`);
      void this.panel.webview.postMessage({ type: 'error', message: (e as Error).message } satisfies HostToWebview);
    }
  }

  private html(): string {
    const w = this.panel.webview;
    const nonce = crypto.randomBytes(16).toString('base64');
    const script = w.asWebviewUri(vscode.Uri.joinPath(this.context.extensionUri, 'dist', 'webview.js'));
    const style = w.asWebviewUri(vscode.Uri.joinPath(this.context.extensionUri, 'media', 'panel.css'));
    return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; img-src ${w.cspSource} data:; style-src ${w.cspSource} 'unsafe-inline'; script-src 'nonce-${nonce}';">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<link href="${style}" rel="stylesheet">
<title>DELE Predictor</title>
</head>
<body>
<header><h1>DELE predictor</h1><select id="space" title="Search space"></select><span id="predictor" class="muted">loading…</span>
<span class="actions"><button id="refresh">Refresh</button><button id="train">Train predictor…</button></span></header>
<div id="error" class="error" hidden></div>
<section class="grid">
  <div class="card"><h2>Training curve</h2><p id="curve-note" class="muted">No training in this session yet. Run “DELE: Train Predictor…”.</p><div id="curve-wrap"><canvas id="curve"></canvas></div></div>
  <div class="card"><h2>Mean gate weight per expert</h2><canvas id="gates"></canvas></div>
  <div class="card"><h2>Predicted vs benchmark value (held-out architectures)</h2><p id="scatter-note" class="muted"></p><canvas id="scatter"></canvas></div>
  <div class="card"><h2>Gate weights of the selected architecture</h2><p id="selected" class="muted">Select a row below.</p><canvas id="archGates"></canvas></div>
</section>
<section class="card"><h2>Workspace architectures</h2><table id="workspace"></table></section>
<section class="card"><h2 id="benchmark-title">Top predicted architectures of the space</h2><table id="benchmark"></table></section>
<section class="card"><h2>Proposals</h2><p id="proposals-note" class="muted">No proposals yet. Run “DELE: Propose Top Architectures…”.</p><table id="proposals"></table></section>
<script nonce="${nonce}" src="${script}"></script>
</body>
</html>`;
  }

  dispose(): void {
    PredictorPanel.current = undefined;
    this.panel.dispose();
    for (const d of this.disposables.splice(0)) d.dispose();
  }
}
