/**
 * The predictor panel (webview): training curves, gate weights, predicted-vs-true scatter and rankings.
 * One instance; messages are typed (src/protocol/webview.ts) and queued until the webview says `ready`.
 */
import * as crypto from 'node:crypto';
import * as vscode from 'vscode';
import type { LanguageClient } from 'vscode-languageclient/node';
import { RankingsRequest, type SearchResponse, StatusRequest, type TrainingEpoch } from '../protocol/lsp';
import { type ExportedTable, type HostToWebview, isWebviewToHost, type WebviewToHost } from '../protocol/webview';
import { PanelChannel, panelHtml, proposalToInsert, tableCsv, tableCsvName } from './panelModel';
import { writeAtomically } from './views';

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
  private readonly channel: PanelChannel;
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
    this.channel = new PanelChannel((m) => void panel.webview.postMessage(m));
    panel.webview.html = this.html();
    this.disposables.push(
      panel.onDidDispose(() => this.dispose()),
      panel.webview.onDidReceiveMessage((m: unknown) => void this.onMessage(m)),
      panel.onDidChangeViewState((e) => {
        // A hidden webview is torn down (retainContextWhenHidden: false); it says `ready` again when shown.
        if (!e.webviewPanel.visible) this.channel.hidden();
      }),
    );
  }

  addEpoch(e: TrainingEpoch): void {
    PredictorPanel.epochs.push(e);
    this.channel.post({ type: 'epoch', epoch: e });
  }

  trainingStarted(): void {
    PredictorPanel.epochs = [];
    this.channel.post({ type: 'trainingStarted' });
  }

  refresh(): void {
    if (this.channel.isReady) void this.sendState();
  }

  /** The latest search results changed: list them (a hidden panel gets them when it says `ready`). */
  showProposals(result: SearchResponse): void {
    this.channel.sendIfReady({ type: 'proposals', result });
  }

  private async onMessage(m: unknown): Promise<void> {
    if (!isWebviewToHost(m)) {
      this.log.warn(`panel: ignored message ${JSON.stringify(m)}`);
      return;
    }
    const msg: WebviewToHost = m;
    switch (msg.type) {
      case 'ready': {
        this.channel.opened();
        await this.sendState();
        const latest = this.hooks.proposals();
        if (latest) void this.panel.webview.postMessage({ type: 'proposals', result: latest } satisfies HostToWebview);
        this.channel.flush();
        break;
      }
      case 'insertProposal': {
        // The list may have been replaced by a newer search since the webview drew it.
        const p = proposalToInsert(this.hooks.proposals(), msg.index, msg.key);
        if (!p) {
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
        // In the first column: the panel keeps its own.
        const { uri, range } = msg.location;
        const doc = await vscode.workspace.openTextDocument(vscode.Uri.parse(uri));
        const r = new vscode.Range(range.start.line, range.start.character, range.end.line, range.end.character);
        await vscode.window.showTextDocument(doc, { selection: r, viewColumn: vscode.ViewColumn.One });
        break;
      }
      case 'exportTable':
        await this.exportTable(msg.table, msg.header, msg.rows);
        break;
    }
  }

  /** Saves what a table shows (after its filter, in its order) as CSV, where the save dialog says. */
  private async exportTable(table: ExportedTable, header: string[], rows: string[][]): Promise<void> {
    const folder = vscode.workspace.workspaceFolders?.[0]?.uri;
    const name = tableCsvName(table, this.space);
    const uri = await vscode.window.showSaveDialog({ title: `DELE: save the ${table} table as CSV`, filters: { CSV: ['csv'] }, ...(folder ? { defaultUri: vscode.Uri.joinPath(folder, name) } : {}) });
    if (!uri) return;
    try {
      await writeAtomically(uri, tableCsv(header, rows));
    } catch (e) {
      void vscode.window.showErrorMessage(`DELE: cannot write ${uri.fsPath}: ${(e as Error).message}`);
      return;
    }
    void vscode.window.showInformationMessage(`DELE: ${rows.length} row${rows.length === 1 ? '' : 's'} written to ${uri.fsPath}.`);
  }

  private async sendState(): Promise<void> {
    const client = this.client();
    if (!client) {
      void this.panel.webview.postMessage({ type: 'error', message: 'The DELE language server is not running.' } satisfies HostToWebview);
      return;
    }
    try {
      const [rankings, status] = await Promise.all([client.sendRequest(RankingsRequest, { space: this.space }), client.sendRequest(StatusRequest)]);
      const folders = (vscode.workspace.workspaceFolders ?? []).map((f) => f.uri.toString());
      void this.panel.webview.postMessage({ type: 'state', rankings, status, epochs: PredictorPanel.epochs, folders } satisfies HostToWebview);
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
    return panelHtml({ cspSource: w.cspSource, nonce, script: script.toString(), style: style.toString() });
  }

  dispose(): void {
    PredictorPanel.current = undefined;
    this.panel.dispose();
    for (const d of this.disposables.splice(0)) d.dispose();
  }
}
