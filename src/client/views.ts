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
import {
  type ArchLocation,
  type RankedArch,
  type SearchProposal,
  type SearchResponse,
  WORKSPACE_MAX_FILES,
  type WorkspaceArch,
  WorkspaceArchitecturesRequest,
  type WorkspaceArchitecturesResult,
} from '../protocol/lsp';

/** Files the Architectures view looks in (data files such as CSVs are not "the workspace's architectures"). */
export const ARCH_FILES_GLOB = '**/*.{py,json,jsonc,yaml,yml,arch}';
export const ARCH_FILES_EXCLUDE = '**/{node_modules,.git,.venv,venv,__pycache__,dist,out,build}/**';
const REFRESH_DEBOUNCE_MS = 500;
const WATCHED_LANGUAGES = new Set(['python', 'json', 'jsonc', 'yaml', 'dele-arch']);

const clip = (t: string, n = 48): string => {
  const one = t.replace(/\s+/g, ' ');
  return one.length > n ? `${one.slice(0, n - 1)}…` : one;
};
const digits = (v: number, unit: string): number => (unit === '%' || Math.abs(v) >= 10 ? 1 : 3);
export const formatValue = (v: number, unit: string): string => `${v.toFixed(digits(v, unit))}${unit}`;
const topExpert = (r: RankedArch): RankedArch['experts'][number] | undefined => [...r.experts].sort((a, b) => b.weight - a.weight)[0];

function tooltip(r: RankedArch, unit: string, head: string[]): vscode.MarkdownString {
  const md = new vscode.MarkdownString();
  for (const h of head) md.appendMarkdown(`${h}\n\n`);
  md.appendMarkdown(`Predicted: **${formatValue(r.predicted, unit)}**`);
  if (r.percentile !== undefined) md.appendMarkdown(` · better than ${r.percentile.toFixed(1)}% of the space`);
  if (r.trueAccuracy !== undefined) md.appendMarkdown(` · benchmark: ${r.trueAccuracy.toFixed(2)}`);
  md.appendMarkdown('\n\n| expert | gate weight | expert score |\n|---|---:|---:|\n');
  for (const e of [...r.experts].sort((a, b) => b.weight - a.weight)) md.appendMarkdown(`| ${e.name} | ${e.weight.toFixed(3)} | ${e.score.toFixed(3)} |\n`);
  md.appendCodeblock(r.arch.length > 2000 ? `${r.arch.slice(0, 2000)}…` : r.arch, 'text');
  return md;
}

const csvField = (s: string): string => (/[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s);
const num = (x: number | undefined): string => (x === undefined || !Number.isFinite(x) ? '' : String(Number(x.toPrecision(7))));

/** CSV of ranked architectures: the given leading columns, predicted, percentile, true value, then one gate-weight column per expert. */
export function rankedCsv<T extends RankedArch>(rows: T[], lead: { name: string; value: (r: T, i: number) => string }[]): string {
  const experts: string[] = [];
  for (const r of rows) for (const e of r.experts) if (!experts.includes(e.name)) experts.push(e.name);
  const header = [...lead.map((c) => c.name), 'predicted', 'percentile', 'true', 'top_expert', ...experts.map((e) => `weight_${e}`)];
  const lines = [header.map(csvField).join(',')];
  rows.forEach((r, i) => {
    const w = new Map(r.experts.map((e) => [e.name, e.weight]));
    lines.push([...lead.map((c) => c.value(r, i)), num(r.predicted), num(r.percentile), num(r.trueAccuracy), topExpert(r)?.name ?? '', ...experts.map((e) => num(w.get(e)))].map(csvField).join(','));
  });
  return `${lines.join('\n')}\n`;
}

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

type ArchNode = { kind: 'space'; space: string; title: string; archs: WorkspaceArch[] } | { kind: 'arch'; a: WorkspaceArch };

class ArchitecturesProvider implements vscode.TreeDataProvider<ArchNode> {
  readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChangeTreeData = this.changed.event;
  result?: WorkspaceArchitecturesResult;

  getChildren(node?: ArchNode): ArchNode[] {
    if (node?.kind === 'space') return node.archs.map((a) => ({ kind: 'arch', a }));
    if (node) return [];
    const archs = this.result?.archs ?? [];
    const spaces = [...new Set(archs.map((a) => a.space))];
    if (spaces.length <= 1) return archs.map((a) => ({ kind: 'arch', a }));
    return spaces.map((space) => {
      const mine = archs.filter((a) => a.space === space);
      return { kind: 'space', space, title: mine[0]?.spaceTitle ?? space, archs: mine };
    });
  }

  getTreeItem(node: ArchNode): vscode.TreeItem {
    if (node.kind === 'space') {
      const item = new vscode.TreeItem(node.title, vscode.TreeItemCollapsibleState.Expanded);
      item.id = `space:${node.space}`;
      item.description = `${node.archs.length} architecture${node.archs.length === 1 ? '' : 's'}`;
      item.contextValue = 'dele.space';
      return item;
    }
    const a = node.a;
    const top = topExpert(a);
    const file = path.posix.basename(vscode.Uri.parse(a.location.uri).path);
    const item = new vscode.TreeItem(formatValue(a.predicted, a.unit), vscode.TreeItemCollapsibleState.None);
    item.id = `${a.location.uri}#${a.location.range.start.line}:${a.location.range.start.character}`;
    item.description = `${a.name ? `${a.name} ` : ''}${clip(a.arch)}${top ? ` · ${top.name} ${top.weight.toFixed(2)}` : ''} · ${file}:${a.location.range.start.line + 1}`;
    item.tooltip = tooltip(a, a.unit, [`**${a.spaceTitle}**${a.name ? ` · \`${a.name}\`` : ''} · ${file}:${a.location.range.start.line + 1}`]);
    item.contextValue = 'dele.architecture';
    item.iconPath = new vscode.ThemeIcon('symbol-structure');
    item.command = { command: 'dele.revealArchitecture', title: 'Reveal Architecture', arguments: [a.location] };
    return item;
  }
}

type ProposalNode = { p: SearchProposal; rank: number };

class ProposalsProvider implements vscode.TreeDataProvider<ProposalNode> {
  readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChangeTreeData = this.changed.event;
  result?: SearchResponse;

  getChildren(node?: ProposalNode): ProposalNode[] {
    if (node) return [];
    return (this.result?.proposals ?? []).map((p, i) => ({ p, rank: i + 1 }));
  }

  getTreeItem(node: ProposalNode): vscode.TreeItem {
    const { p, rank } = node;
    const unit = this.result?.unit ?? '';
    const top = topExpert(p);
    const item = new vscode.TreeItem(`${rank}. ${formatValue(p.predicted, unit)}`, vscode.TreeItemCollapsibleState.None);
    item.description = `${clip(p.arch)}${p.trueAccuracy !== undefined ? ` · true ${p.trueAccuracy.toFixed(2)}` : ''}${top ? ` · ${top.name} ${top.weight.toFixed(2)}` : ''}`;
    item.tooltip = tooltip(p, unit, [`**Proposal ${rank}** · ${this.result?.spaceTitle ?? ''}`]);
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
    const relevant = (d: vscode.TextDocument): boolean => WATCHED_LANGUAGES.has(d.languageId) && (d.uri.scheme === 'file' || d.uri.scheme === 'untitled');
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
      const n = r.archs.length;
      const notes = r.notes.join('; ');
      if (n === 0) this.archView.message = `No scored architectures in ${r.files} file${r.files === 1 ? '' : 's'}${notes ? ` (${notes})` : ''}.`;
      else this.archView.message = notes ? `${notes}.` : undefined;
      this.archView.description = n > 0 ? `${n}${r.truncated ? '+' : ''}` : undefined;
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
    this.proposalView.message = `${r.proposals.length} proposal${r.proposals.length === 1 ? '' : 's'}: ${r.message}.`;
    this.proposalView.description = r.spaceTitle;
    this.proposals.changed.fire();
    this.proposalsChanged.fire(r);
    if (focus) void vscode.commands.executeCommand('dele.proposals.focus').then(undefined, () => undefined);
  }

  /** Reveals the architecture (a tree node, or a location as the item's click passes it) and opens its quick fixes. */
  private async suggestNeighbours(node?: ArchNode | ArchLocation): Promise<vscode.CodeAction[]> {
    const location = node === undefined ? undefined : 'uri' in node ? node : node.kind === 'arch' ? node.a.location : undefined;
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
    const text = node === undefined ? undefined : 'p' in node ? node.p.text : node.kind === 'arch' ? node.a.arch : undefined;
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
    const rel = (a: WorkspaceArch): string => vscode.workspace.asRelativePath(vscode.Uri.parse(a.location.uri), false);
    const csv = rankedCsv(rows, [
      { name: 'rank', value: (_, i) => String(i + 1) },
      { name: 'space', value: (a) => a.space },
      { name: 'arch', value: (a) => a.arch },
      { name: 'file', value: rel },
      { name: 'line', value: (a) => String(a.location.range.start.line + 1) },
    ]);
    return this.saveCsv('DELE: export the workspace architectures as', 'architectures.csv', csv, target);
  }

  private async exportProposals(target?: vscode.Uri): Promise<vscode.Uri | undefined> {
    const r = this.proposals.result;
    if (!r || r.proposals.length === 0) {
      void vscode.window.showInformationMessage('DELE: no proposals to export: run “DELE: Propose Top Architectures…” first.');
      return undefined;
    }
    const csv = rankedCsv(r.proposals, [
      { name: 'rank', value: (_, i) => String(i + 1) },
      { name: 'arch', value: (p) => p.arch },
    ]);
    return this.saveCsv('DELE: export the proposals as', `proposals-${r.space}.csv`, csv, target);
  }

  dispose(): void {
    clearTimeout(this.timer);
    for (const d of this.disposables.splice(0)) d.dispose();
  }
}
