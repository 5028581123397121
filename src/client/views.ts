/**
 * The DELE side bar: native tree views in the DELE activity-bar container.
 * - Architectures: the workspace's architectures across files, best predicted first (grouped by space when
 *   there are several), with the top expert; a click reveals one; context actions suggest neighbours, copy,
 *   export. Refreshed when a predictor changes and after edits and saves (debounced), while visible.
 * - Proposals: the latest "DELE: Propose Top Architectures…" results; insert at the cursor, copy, export.
 * Data comes from the language server through the typed protocol only.
 */
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { LanguageClient } from 'vscode-languageclient/node';
import { type ArchLocation, type SearchResponse, WORKSPACE_MAX_FILES, WorkspaceArchitecturesRequest, type WorkspaceArchitecturesResult } from '../protocol/lsp';
import {
  type ArchNode,
  archChildren,
  archItem,
  architecturesCsv,
  archViewState,
  isWatchedDocument,
  nodeLocation,
  nodeText,
  proposalChildren,
  proposalItem,
  type ProposalNode,
  proposalsCsv,
  proposalsViewMessage,
  spaceItem,
  type TooltipModel,
} from './viewModel';

/** Files the Architectures view looks in (data files such as CSVs are not "the workspace's architectures"). */
export const ARCH_FILES_GLOB = '**/*.{py,json,jsonc,yaml,yml,arch}';
export const ARCH_FILES_EXCLUDE = '**/{node_modules,.git,.venv,venv,__pycache__,dist,out,build}/**';
const REFRESH_DEBOUNCE_MS = 500;

const markdown = (t: TooltipModel): vscode.MarkdownString => new vscode.MarkdownString(t.markdown).appendCodeblock(t.code, 'text');

/** Writes a file whole or not at all: a temporary sibling, then a rename over the target. */
export async function writeAtomically(target: vscode.Uri, text: string): Promise<void> {
  const tmp = vscode.Uri.joinPath(target, '..', `.${path.posix.basename(target.path)}.tmp-${Date.now()}`);
  await vscode.workspace.fs.writeFile(tmp, Buffer.from(text, 'utf8'));
  try {
    await vscode.workspace.fs.rename(tmp, target, { overwrite: true });
  } catch (e) {
    await vscode.workspace.fs.delete(tmp).then(undefined, () => undefined);
    throw e;
  }
}

/** Opens a document and selects (and centres) a range in it. */
export async function revealLocation(location: ArchLocation): Promise<vscode.TextEditor> {
  const { uri, range } = location;
  const doc = await vscode.workspace.openTextDocument(vscode.Uri.parse(uri));
  const r = new vscode.Range(range.start.line, range.start.character, range.end.line, range.end.character);
  const editor = await vscode.window.showTextDocument(doc, { selection: r, preview: false });
  editor.revealRange(r, vscode.TextEditorRevealType.InCenterIfOutsideViewport);
  return editor;
}

class ArchitecturesProvider implements vscode.TreeDataProvider<ArchNode> {
  readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChangeTreeData = this.changed.event;
  result?: WorkspaceArchitecturesResult;

  getChildren(node?: ArchNode): ArchNode[] {
    return archChildren(this.result, node);
  }

  getTreeItem(node: ArchNode): vscode.TreeItem {
    if (node.kind === 'space') {
      const m = spaceItem(node);
      const item = new vscode.TreeItem(m.label, m.collapsed ? vscode.TreeItemCollapsibleState.Collapsed : vscode.TreeItemCollapsibleState.Expanded);
      item.id = m.id;
      item.description = m.description;
      item.contextValue = 'dele.space';
      return item;
    }
    const a = node.a;
    const m = archItem(a, path.posix.basename(vscode.Uri.parse(a.location.uri).path));
    const item = new vscode.TreeItem(m.label, vscode.TreeItemCollapsibleState.None);
    item.id = m.id;
    item.description = m.description;
    item.tooltip = markdown(m.tooltip);
    item.contextValue = 'dele.architecture';
    item.iconPath = new vscode.ThemeIcon('symbol-structure');
    item.command = { command: 'dele.revealArchitecture', title: 'Reveal Architecture', arguments: [a.location] };
    return item;
  }
}

class ProposalsProvider implements vscode.TreeDataProvider<ProposalNode> {
  readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChangeTreeData = this.changed.event;
  result?: SearchResponse;

  getChildren(node?: ProposalNode): ProposalNode[] {
    return proposalChildren(this.result, node);
  }

  getTreeItem(node: ProposalNode): vscode.TreeItem {
    const m = proposalItem(node, this.result);
    const item = new vscode.TreeItem(m.label, vscode.TreeItemCollapsibleState.None);
    item.description = m.description;
    item.tooltip = markdown(m.tooltip);
    item.contextValue = 'dele.proposal';
    item.iconPath = new vscode.ThemeIcon('lightbulb');
    return item;
  }
}

export interface SideBarDeps {
  client(): LanguageClient | undefined;
  ensureStarted(): Promise<void>;
  log: vscode.LogOutputChannel;
  /** Inserts a proposal's text at the cursor of the last active text editor. */
  insert(text: string): Promise<boolean>;
}

export class SideBar implements vscode.Disposable {
  private readonly archs = new ArchitecturesProvider();
  private readonly proposals = new ProposalsProvider();
  private readonly archView: vscode.TreeView<ArchNode>;
  private readonly proposalView: vscode.TreeView<ProposalNode>;
  private readonly disposables: vscode.Disposable[] = [];
  private timer?: NodeJS.Timeout;
  /** A refresh was asked for while the view was hidden: do it when it shows. */
  private dirty = true;
  private inFlight?: Promise<void>;
  private again = false;
  private readonly proposalsChanged = new vscode.EventEmitter<SearchResponse | undefined>();
  /** Fires when the latest search results change (the panel lists them too). */
  readonly onDidChangeProposals = this.proposalsChanged.event;

  constructor(private readonly deps: SideBarDeps) {
    this.archView = vscode.window.createTreeView('dele.architectures', { treeDataProvider: this.archs, showCollapseAll: true });
    this.proposalView = vscode.window.createTreeView('dele.proposals', { treeDataProvider: this.proposals });
    const relevant = (d: vscode.TextDocument): boolean => isWatchedDocument(d.languageId, d.uri.scheme);
    const watcher = vscode.workspace.createFileSystemWatcher(ARCH_FILES_GLOB);
    this.disposables.push(
      this.archView,
      this.proposalView,
      this.archs.changed,
      this.proposals.changed,
      this.proposalsChanged,
      watcher,
      watcher.onDidCreate(() => this.scheduleRefresh()),
      watcher.onDidDelete(() => this.scheduleRefresh()),
      watcher.onDidChange(() => this.scheduleRefresh()),
      this.archView.onDidChangeVisibility((e) => {
        if (e.visible && this.dirty) void this.refresh();
      }),
      vscode.workspace.onDidChangeTextDocument((e) => {
        if (e.contentChanges.length > 0 && relevant(e.document)) this.scheduleRefresh();
      }),
      vscode.workspace.onDidSaveTextDocument((d) => {
        if (relevant(d)) this.scheduleRefresh();
      }),
      vscode.workspace.onDidCloseTextDocument((d) => {
        if (relevant(d)) this.scheduleRefresh();
      }),
      vscode.commands.registerCommand('dele.refreshArchitectures', () => this.refresh().then(() => this.architectureItems())),
      vscode.commands.registerCommand('dele.revealArchitecture', (loc?: ArchLocation) => (loc ? revealLocation(loc).then(() => true) : false)),
      vscode.commands.registerCommand('dele.suggestNeighbours', (node?: ArchNode | ArchLocation) => this.suggestNeighbours(node)),
      vscode.commands.registerCommand('dele.copyArchitecture', (node?: ArchNode | ProposalNode) => this.copy(node)),
      vscode.commands.registerCommand('dele.insertProposal', (node?: ProposalNode) => (node ? this.deps.insert(node.p.text) : false)),
      vscode.commands.registerCommand('dele.exportArchitectures', (target?: unknown) => this.exportArchitectures(target instanceof vscode.Uri ? target : undefined)),
      vscode.commands.registerCommand('dele.exportProposals', (target?: unknown) => this.exportProposals(target instanceof vscode.Uri ? target : undefined)),
    );
    this.proposalView.message = 'No proposals yet: run “DELE: Propose Top Architectures…”.';
    // Opening the view may be what activated the extension: then it is visible already and no event comes.
    if (this.archView.visible) void this.refresh();
  }

  /** After an edit, a save, a file created or deleted, a predictor changed: refresh soon if visible, else when shown. */
  scheduleRefresh(): void {
    this.dirty = true;
    if (!this.archView.visible) return;
    clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.refresh(), REFRESH_DEBOUNCE_MS);
  }

  /** Asks the server for the workspace's architectures; refreshes asked for meanwhile coalesce into one more. */
  refresh(): Promise<void> {
    clearTimeout(this.timer);
    if (this.inFlight) {
      this.again = true;
      return this.inFlight;
    }
    this.dirty = false;
    this.inFlight = this.load().finally(() => {
      this.inFlight = undefined;
      if (this.again) {
        this.again = false;
        void this.refresh();
      }
    });
    return this.inFlight;
  }

  private async load(): Promise<void> {
    await this.deps.ensureStarted().catch(() => undefined);
    const client = this.deps.client();
    if (!client) {
      this.archView.message = 'The DELE language server is not running.';
      return;
    }
    this.archView.message = this.archs.result ? undefined : 'Looking for architectures…';
    try {
      const files = await vscode.workspace.findFiles(ARCH_FILES_GLOB, ARCH_FILES_EXCLUDE, WORKSPACE_MAX_FILES);
      const r = await client.sendRequest(WorkspaceArchitecturesRequest, { files: files.map((u) => u.fsPath) });
      this.archs.result = r;
      const { message, description } = archViewState(r);
      this.archView.message = message;
      this.archView.description = description;
      this.archs.changed.fire();
    } catch (e) {
      this.deps.log.error(`architectures view: ${(e as Error).message}`);
      this.archView.message = `DELE: ${(e as Error).message}`;
    }
  }

  /** The Architectures view's items as the tree shows them (leaves, in order): for tests and scripts. */
  architectureItems(): vscode.TreeItem[] {
    const walk = (n?: ArchNode): ArchNode[] => this.archs.getChildren(n).flatMap((c) => (c.kind === 'arch' ? [c] : walk(c)));
    return walk().map((n) => this.archs.getTreeItem(n));
  }

  proposalItems(): vscode.TreeItem[] {
    return this.proposals.getChildren().map((n) => this.proposals.getTreeItem(n));
  }

  get latestProposals(): SearchResponse | undefined {
    return this.proposals.result;
  }

  showProposals(r: SearchResponse, focus: boolean): void {
    this.proposals.result = r;
    this.proposalView.message = proposalsViewMessage(r);
    this.proposalView.description = r.spaceTitle;
    this.proposals.changed.fire();
    this.proposalsChanged.fire(r);
    if (focus) void vscode.commands.executeCommand('dele.proposals.focus').then(undefined, () => undefined);
  }

  /** Reveals the architecture (a tree node, or a location as the item's click passes it) and opens its quick fixes. */
  private async suggestNeighbours(node?: ArchNode | ArchLocation): Promise<vscode.CodeAction[]> {
    const location = nodeLocation(node);
    if (!location) return [];
    const editor = await revealLocation(location);
    const at = editor.selection.start;
    editor.selection = new vscode.Selection(at, at);
    const actions = ((await vscode.commands.executeCommand<(vscode.CodeAction | vscode.Command)[]>('vscode.executeCodeActionProvider', editor.document.uri, new vscode.Range(at, at), vscode.CodeActionKind.QuickFix.value)) ?? []).filter(
      (a): a is vscode.CodeAction => 'title' in a && a.title.startsWith('DELE: '),
    );
    if (actions.length === 0) void vscode.window.showInformationMessage('DELE: no better neighbour to suggest for this architecture (its space has no neighbours or no predictor).');
    else await vscode.commands.executeCommand('editor.action.quickFix');
    return actions;
  }

  private async copy(node?: ArchNode | ProposalNode): Promise<string | undefined> {
    const text = nodeText(node);
    if (text === undefined) return undefined;
    await vscode.env.clipboard.writeText(text);
    vscode.window.setStatusBarMessage('DELE: architecture copied', 3000);
    return text;
  }

  private async saveCsv(title: string, name: string, csv: string, target?: vscode.Uri): Promise<vscode.Uri | undefined> {
    const folder = vscode.workspace.workspaceFolders?.[0]?.uri;
    const uri = target ?? (await vscode.window.showSaveDialog({ title, filters: { CSV: ['csv'] }, ...(folder ? { defaultUri: vscode.Uri.joinPath(folder, name) } : {}) }));
    if (!uri) return undefined;
    try {
      await writeAtomically(uri, csv);
    } catch (e) {
      void vscode.window.showErrorMessage(`DELE: cannot write ${uri.fsPath}: ${(e as Error).message}`);
      return undefined;
    }
    if (!target) {
      void vscode.window.showInformationMessage(`DELE: written to ${path.basename(uri.fsPath)}.`, 'Open').then((c) => {
        if (c === 'Open') void vscode.window.showTextDocument(uri);
      });
    }
    return uri;
  }

  private async exportArchitectures(target?: vscode.Uri): Promise<vscode.Uri | undefined> {
    if (!this.archs.result) await this.refresh();
    const rows = this.archs.result?.archs ?? [];
    if (rows.length === 0) {
      void vscode.window.showInformationMessage('DELE: no scored architectures to export.');
      return undefined;
    }
    const csv = architecturesCsv(rows, (uri) => vscode.workspace.asRelativePath(vscode.Uri.parse(uri), false));
    return this.saveCsv('DELE: export the workspace architectures as', 'architectures.csv', csv, target);
  }

  private async exportProposals(target?: vscode.Uri): Promise<vscode.Uri | undefined> {
    const r = this.proposals.result;
    if (!r || r.proposals.length === 0) {
      void vscode.window.showInformationMessage('DELE: no proposals to export: run “DELE: Propose Top Architectures…” first.');
      return undefined;
    }
    const { name, csv } = proposalsCsv(r);
    return this.saveCsv('DELE: export the proposals as', name, csv, target);
  }

  dispose(): void {
    clearTimeout(this.timer);
    for (const d of this.disposables.splice(0)) d.dispose();
  }
}
