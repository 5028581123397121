/**
 * "DELE: Propose Top Architectures…": quick picks (from the architecture at the cursor or a whole space with a
 * predictor, how many, how many predictor calls), the server's `dele/search` under a cancellable notification,
 * then the results in the Proposals view and the panel, with Insert at cursor / Copy / Export CSV.
 * Insertion goes to the cursor of the last active text editor (a webview or the side bar may have the focus).
 */
import * as vscode from 'vscode';
import type { LanguageClient } from 'vscode-languageclient/node';
import { type SearchParams, SearchRequest, type SearchResponse, SpacesRequest, StatusRequest, type WorkspaceArch, WorkspaceArchitecturesRequest } from '../protocol/lsp';
import { proposalInsertion } from './panelModel';
import { proposeSummary } from './viewModel';
import { budgetItems, contains, numbered, PROPOSE_STEPS, searchParams, topItems, whereItems } from './wizard';

export interface ProposerDeps {
  client(): LanguageClient | undefined;
  ensureStarted(): Promise<void>;
  log: vscode.LogOutputChannel;
  /** Shows the results (Proposals view, panel); `interactive`: the user ran the command, so focus the view. */
  show(r: SearchResponse, interactive: boolean): void;
  /** Writes the results as CSV (save dialog). */
  exportCsv(): Thenable<unknown>;
}

const isEditable = (e: vscode.TextEditor | undefined): e is vscode.TextEditor => e !== undefined && (e.document.uri.scheme === 'file' || e.document.uri.scheme === 'untitled');

export class Proposer implements vscode.Disposable {
  /** The last text editor that had the focus, and its selection then. */
  private last?: { uri: vscode.Uri; selection: vscode.Selection; viewColumn?: vscode.ViewColumn };
  private readonly disposables: vscode.Disposable[] = [];

  constructor(private readonly deps: ProposerDeps) {
    const remember = (e: vscode.TextEditor | undefined): void => {
      if (isEditable(e)) this.last = { uri: e.document.uri, selection: e.selection, ...(e.viewColumn !== undefined ? { viewColumn: e.viewColumn } : {}) };
    };
    remember(vscode.window.activeTextEditor);
    this.disposables.push(
      vscode.window.onDidChangeActiveTextEditor(remember),
      vscode.window.onDidChangeTextEditorSelection((e) => {
        if (e.textEditor === vscode.window.activeTextEditor) remember(e.textEditor);
      }),
    );
  }

  /** The editor to insert into: the active one, else the last active one (shown again if it was hidden). */
  private async targetEditor(): Promise<vscode.TextEditor | undefined> {
    const active = vscode.window.activeTextEditor;
    if (isEditable(active)) return active;
    const last = this.last;
    if (!last) return undefined;
    const visible = vscode.window.visibleTextEditors.find((e) => e.document.uri.toString() === last.uri.toString());
    if (visible) return visible;
    try {
      const doc = await vscode.workspace.openTextDocument(last.uri);
      return await vscode.window.showTextDocument(doc, { selection: last.selection, ...(last.viewColumn !== undefined ? { viewColumn: last.viewColumn } : {}) });
    } catch {
      return undefined;
    }
  }

  /** The lines of the architectures of an open document (first, last), from the server; none when it cannot tell. */
  private async archLines(uri: string): Promise<{ start: number; end: number }[]> {
    const client = this.deps.client();
    if (!client) return [];
    try {
      const open = await client.sendRequest(WorkspaceArchitecturesRequest, { files: [] });
      return open.archs.filter((a) => a.location.uri === uri).map((a) => ({ start: a.location.range.start.line, end: a.location.range.end.line }));
    } catch {
      return [];
    }
  }

  /**
   * Inserts a proposal on a new line after the cursor's line (after the architecture at the cursor, if it spans
   * lines) of the last active text editor, in the file's form (panelModel.ts: proposalInsertion); selects it.
   */
  async insert(text: string): Promise<boolean> {
    const editor = await this.targetEditor();
    if (!editor) {
      void vscode.window.showErrorMessage('DELE: open a file and place the cursor where the architecture should go, then insert again.');
      return false;
    }
    // An editor keeps its selection while a webview or the side bar has the focus.
    const doc = editor.document;
    const at = proposalInsertion(
      { fileName: doc.fileName, languageId: doc.languageId, lineAt: (n) => doc.lineAt(n).text, lineCount: doc.lineCount },
      editor.selection.active.line,
      text,
      await this.archLines(doc.uri.toString()),
    );
    const end = doc.lineAt(at.line).range.end;
    const ok = await editor.edit((b) => {
      if (at.comma !== undefined) b.insert(new vscode.Position(at.line, at.comma), ',');
      b.insert(end, at.text);
    });
    if (ok) {
      const start = new vscode.Position(at.proposalLine, at.character);
      const range = new vscode.Range(start, start.translate(0, at.written.length));
      editor.selection = new vscode.Selection(range.start, range.end);
      editor.revealRange(range);
    }
    return ok;
  }

  /**
   * Command: DELE: Propose Top Architectures… `params` (with `top`) skip the quick picks, for scripts and tests.
   * Resolves to the results, or undefined when cancelled in the picks or refused.
   */
  async propose(params?: Partial<SearchParams>): Promise<SearchResponse | undefined> {
    await this.deps.ensureStarted().catch(() => undefined);
    const client = this.deps.client();
    if (!client) {
      void vscode.window.showErrorMessage('DELE: the language server is not running.');
      return undefined;
    }
    const interactive = params?.top === undefined;
    let full: SearchParams | undefined;
    try {
      full = interactive ? await this.ask(client) : (params as SearchParams);
    } catch (e) {
      void vscode.window.showErrorMessage(`DELE: ${(e as Error).message}`);
      return undefined;
    }
    if (!full) return undefined;
    this.deps.log.info(`search: ${JSON.stringify(full)}`);
    const request = full;
    let r: SearchResponse;
    try {
      r = await vscode.window.withProgress(
        { location: vscode.ProgressLocation.Notification, title: 'DELE: proposing architectures', cancellable: true },
        (_, token) => client.sendRequest(SearchRequest, request, token),
      );
    } catch (e) {
      this.deps.log.error(`search: ${(e as Error).message}`);
      void vscode.window.showErrorMessage(`DELE: ${(e as Error).message}`);
      return undefined;
    }
    this.deps.log.info(`search: ${r.proposals.length} proposals; ${r.message}`);
    this.deps.show(r, interactive);
    const best = r.proposals[0];
    if (interactive && best) {
      const pick = await vscode.window.showInformationMessage(proposeSummary(r), 'Insert Best at Cursor', 'Copy Best', 'Export CSV…');
      if (pick === 'Insert Best at Cursor') await this.insert(best.text);
      else if (pick === 'Copy Best') await vscode.env.clipboard.writeText(best.text);
      else if (pick === 'Export CSV…') await this.deps.exportCsv();
    } else if (interactive) void vscode.window.showInformationMessage(proposeSummary(r));
    return r;
  }

  private async ask(client: LanguageClient): Promise<SearchParams | undefined> {
    const [spaces, status] = await Promise.all([client.sendRequest(SpacesRequest), client.sendRequest(StatusRequest)]);
    const loaded = new Set(status.predictors.map((p) => p.space));
    // The architecture at the cursor, if the active editor has a scored one (the open documents only: cheap).
    const editor = vscode.window.activeTextEditor;
    let at: WorkspaceArch | undefined;
    if (isEditable(editor)) {
      const open = await client.sendRequest(WorkspaceArchitecturesRequest, { files: [] });
      const uri = editor.document.uri.toString();
      at = open.archs.find((a) => a.location.uri === uri && contains(a.location.range, editor.selection.active));
    }
    const where = (await vscode.window.showQuickPick(whereItems(spaces, loaded, at), { title: numbered('DELE: propose architectures: where to search', PROPOSE_STEPS, 'where'), ignoreFocusOut: true }))?.where;
    if (!where) return undefined;
    const topPick = await vscode.window.showQuickPick(topItems(), { title: numbered('DELE: how many proposals', PROPOSE_STEPS, 'top'), ignoreFocusOut: true });
    if (!topPick) return undefined;
    const budgetPick = await vscode.window.showQuickPick(budgetItems(where), { title: numbered('DELE: search budget', PROPOSE_STEPS, 'budget'), ignoreFocusOut: true });
    if (!budgetPick) return undefined;
    return searchParams(where, topPick.label, budgetPick.budget, isEditable(editor) ? editor.selection.active : undefined);
  }

  dispose(): void {
    for (const d of this.disposables.splice(0)) d.dispose();
  }
}
