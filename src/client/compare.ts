/**
 * "DELE: Compare Architectures…": picks two architectures of one space from the workspace (the one at the
 * cursor, or a side-bar entry, and a quick pick) and shows them side by side in their own webview (static HTML
 * from compareModel.ts, answered by the server's `dele/compare`).
 */
import * as vscode from 'vscode';
import type { LanguageClient } from 'vscode-languageclient/node';
import { type CompareParams, CompareRequest, type CompareResult, WORKSPACE_MAX_FILES, type WorkspaceArch, WorkspaceArchitecturesRequest } from '../protocol/lsp';
import { archAtPosition, compareHtml, comparePickItems, compareTitle } from './compareModel';
import { clip } from './viewModel';
import { ARCH_FILES_EXCLUDE, ARCH_FILES_GLOB } from './views';

export interface CompareDeps {
  client(): LanguageClient | undefined;
  ensureStarted(): Promise<void>;
  log: vscode.LogOutputChannel;
  extensionUri: vscode.Uri;
}

const isParams = (x: unknown): x is CompareParams => typeof x === 'object' && x !== null && 'archs' in x && 'space' in x;
const sideBarEntry = (x: unknown): WorkspaceArch | undefined =>
  typeof x === 'object' && x !== null && (x as { kind?: unknown }).kind === 'arch' ? (x as { a: WorkspaceArch }).a : undefined;

const relativePath = (uri: string): string => vscode.workspace.asRelativePath(vscode.Uri.parse(uri), false);
const placeOf = (a: WorkspaceArch): string => `${relativePath(a.location.uri)}:${a.location.range.start.line + 1}`;

export class CompareView implements vscode.Disposable {
  static readonly viewType = 'dele.compare';
  private panel?: vscode.WebviewPanel;

  constructor(private readonly deps: CompareDeps) {}

  /**
   * Runs the command; resolves to what the view shows (undefined when a pick was dismissed or the request failed).
   * `arg`: two architectures of a space (CompareParams: scripts, tests), a side-bar entry to compare with another,
   * or anything else (the editor's context menu passes the document's uri): the architecture at the cursor.
   */
  async run(arg: unknown): Promise<CompareResult | undefined> {
    await this.deps.ensureStarted().catch(() => undefined);
    const client = this.deps.client();
    if (!client) {
      void vscode.window.showErrorMessage('DELE: the language server is not running.');
      return undefined;
    }
    try {
      if (isParams(arg)) {
        const r = await client.sendRequest(CompareRequest, arg);
        this.show(r, [clip(r.archs[0].arch, 60), clip(r.archs[1].arch, 60)], ['', '']);
        return r;
      }
      const pair = await this.pick(client, sideBarEntry(arg));
      if (!pair) return undefined;
      const r = await client.sendRequest(CompareRequest, { space: pair[0].space, archs: [pair[0].arch, pair[1].arch] });
      const name = (a: WorkspaceArch): string => a.name ?? a.text;
      this.show(r, [name(pair[0]), name(pair[1])], [placeOf(pair[0]), placeOf(pair[1])]);
      return r;
    } catch (e) {
      this.deps.log.error(`compare: ${(e as Error).message}`);
      void vscode.window.showErrorMessage(`DELE: cannot compare: ${(e as Error).message}`);
      return undefined;
    }
  }

  /** The two architectures: `first` (a side-bar entry), else the one at the cursor, else a pick; then a pick of the same space. */
  private async pick(client: LanguageClient, first: WorkspaceArch | undefined): Promise<[WorkspaceArch, WorkspaceArch] | undefined> {
    const files = await vscode.workspace.findFiles(ARCH_FILES_GLOB, ARCH_FILES_EXCLUDE, WORKSPACE_MAX_FILES);
    const { archs } = await client.sendRequest(WorkspaceArchitecturesRequest, { files: files.map((u) => u.fsPath) });
    if (archs.length < 2) {
      void vscode.window.showInformationMessage('DELE: comparing needs two scored architectures in the workspace.');
      return undefined;
    }
    const editor = vscode.window.activeTextEditor;
    const cursor = editor ? archAtPosition(archs, editor.document.uri.toString(), editor.selection.active.line, editor.selection.active.character) : undefined;
    let a = first ?? cursor;
    if (!a) {
      const picked = await vscode.window.showQuickPick(comparePickItems(archs, relativePath), { title: 'DELE: compare which architecture… (1/2)', matchOnDescription: true, matchOnDetail: true });
      a = picked?.arch;
    }
    if (!a) return undefined;
    const others = comparePickItems(archs, relativePath, a);
    if (others.length === 0) {
      void vscode.window.showInformationMessage(`DELE: no other ${a.spaceTitle} architecture in the workspace to compare ${a.name ?? 'it'} with.`);
      return undefined;
    }
    const step = (first ?? cursor) ? '' : ' (2/2)';
    const b = await vscode.window.showQuickPick(others, { title: `DELE: compare ${a.name ?? 'it'} (${placeOf(a)}) with…${step}`, matchOnDescription: true, matchOnDetail: true });
    return b ? [a, b.arch] : undefined;
  }

  private show(r: CompareResult, names: [string, string], places: [string, string]): void {
    if (!this.panel) {
      this.panel = vscode.window.createWebviewPanel(CompareView.viewType, compareTitle(names), vscode.ViewColumn.Beside, {
        // The page has no script and its CSP (default-src 'none') runs none; scripts stay enabled so that the
        // webview frame is not sandboxed without them (test tooling reads the page, test/e2e/run.mjs).
        enableScripts: true,
        localResourceRoots: [vscode.Uri.joinPath(this.deps.extensionUri, 'media')],
      });
      this.panel.onDidDispose(() => (this.panel = undefined));
    } else this.panel.reveal(vscode.ViewColumn.Beside);
    const w = this.panel.webview;
    this.panel.title = compareTitle(names);
    const style = w.asWebviewUri(vscode.Uri.joinPath(this.deps.extensionUri, 'media', 'panel.css')).toString();
    w.html = compareHtml(r, { cspSource: w.cspSource, style, names, places });
  }

  dispose(): void {
    this.panel?.dispose();
  }
}
