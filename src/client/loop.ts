/**
 * "DELE: Update Predictor" and "DELE: Propose Next Batch…": the practitioner's loop in the editor. Results flow
 * back through each space's results file (dele.resultsFiles, read by the server); Update Predictor runs DELE's
 * step 2 on them (step 1 from the server's cache) in the one training slot; Propose Next Batch writes the next k
 * architectures to train, in the space's syntax, to dele-batches/ and opens it. `params` skip the questions, for
 * scripts and tests.
 */
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { LanguageClient } from 'vscode-languageclient/node';
import { type ProposeBatchParams, ProposeBatchRequest, type ProposeBatchResult, ResultsRequest, SpacesRequest, type TrainResult, type UpdatePredictorParams, UpdatePredictorRequest } from '../protocol/lsp';
import { BATCH_FOLDER, batchFileName, batchFileText, batchWrittenMessage, NO_RESULTS_FILE, resultsPickItems } from './loopModel';

export interface LoopDeps {
  /** The running client, or undefined (and said). */
  client(): Promise<LanguageClient | undefined>;
  log: vscode.LogOutputChannel;
  /** Runs a training request in the training slot: progress notification when `interactive`, then its outcome. */
  runTraining(title: string, request: () => Promise<TrainResult>, interactive: boolean): Promise<TrainResult | undefined>;
}

export interface BatchWritten {
  file: string;
  result: ProposeBatchResult;
}

export class LoopCommands {
  constructor(private readonly deps: LoopDeps) {}

  async update(params?: Partial<UpdatePredictorParams>): Promise<TrainResult | undefined> {
    const client = await this.deps.client();
    if (!client) return undefined;
    let space = params?.space;
    if (!space) {
      const results = await client.sendRequest(ResultsRequest);
      if (results.length === 0) {
        const open = 'Open Settings';
        if ((await vscode.window.showWarningMessage(NO_RESULTS_FILE, open)) === open) await vscode.commands.executeCommand('workbench.action.openSettings', 'dele.resultsFiles');
        return undefined;
      }
      const items = resultsPickItems(results);
      const pick = items.length === 1 ? items[0] : await vscode.window.showQuickPick(items, { title: 'DELE: Update Predictor from the results file of…' });
      if (!pick) return undefined;
      space = pick.space;
    }
    const request = { ...params, space };
    this.deps.log.info(`update predictor: ${JSON.stringify(request)}`);
    return this.deps.runTraining('DELE: updating predictor', () => client.sendRequest(UpdatePredictorRequest, request), params?.space === undefined);
  }

  /** Proposes the next batch and writes it to `folder` (default <workspace>/dele-batches); opens it when run from the palette. */
  async proposeNextBatch(params?: Partial<ProposeBatchParams> & { folder?: string }): Promise<BatchWritten | undefined> {
    const client = await this.deps.client();
    if (!client) return undefined;
    const interactive = params?.space === undefined;
    const space = params?.space ?? (await this.pickSpace(client));
    if (!space) return undefined;
    const k = params?.k ?? (await this.askK());
    if (k === undefined) return undefined;
    const request: ProposeBatchParams = { space, k, ...(params?.beta !== undefined ? { beta: params.beta } : {}), ...(params?.seed !== undefined ? { seed: params.seed } : {}) };
    let result: ProposeBatchResult;
    try {
      result = await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: `DELE: proposing the next ${k} to train`, cancellable: true }, (_, token) => client.sendRequest(ProposeBatchRequest, request, token));
    } catch (e) {
      void vscode.window.showErrorMessage(`DELE: ${(e as Error).message}`);
      return undefined;
    }
    const folder = params?.folder ?? (vscode.workspace.workspaceFolders?.[0] ? path.join(vscode.workspace.workspaceFolders[0].uri.fsPath, BATCH_FOLDER) : undefined);
    if (!folder) {
      void vscode.window.showErrorMessage('DELE: open a folder to write the batch to.');
      return undefined;
    }
    const now = new Date();
    const file = await this.freshFile(folder, (n) => batchFileName(space, now, n));
    await vscode.workspace.fs.writeFile(vscode.Uri.file(file), Buffer.from(batchFileText(result, now), 'utf8'));
    this.deps.log.info(`next batch: ${result.batch.length} of ${space} to ${file}`);
    if (interactive) {
      await vscode.window.showTextDocument(await vscode.workspace.openTextDocument(vscode.Uri.file(file)), { preview: false });
      void vscode.window.showInformationMessage(batchWrittenMessage(result, vscode.workspace.asRelativePath(file)));
    }
    return { file, result };
  }

  /** A file name in `folder` that does not exist yet (a batch never overwrites another). */
  private async freshFile(folder: string, name: (n: number) => string): Promise<string> {
    await vscode.workspace.fs.createDirectory(vscode.Uri.file(folder));
    for (let n = 0; ; n++) {
      const file = path.join(folder, name(n));
      try {
        await vscode.workspace.fs.stat(vscode.Uri.file(file));
      } catch {
        return file;
      }
    }
  }

  private async pickSpace(client: LanguageClient): Promise<string | undefined> {
    const [spaces, results] = await Promise.all([client.sendRequest(SpacesRequest), client.sendRequest(ResultsRequest)]);
    const labelled = new Map(results.map((r) => [r.space, r.labelled]));
    const items = spaces
      .filter((s) => s.predictorAvailable)
      .map((s) => ({ label: s.title, description: labelled.has(s.id) ? `${labelled.get(s.id)} labelled (excluded)` : 'no results file: nothing excluded', id: s.id }))
      .sort((a, b) => Number(labelled.has(b.id)) - Number(labelled.has(a.id)));
    if (items.length === 0) {
      void vscode.window.showWarningMessage('DELE: no space has a predictor yet: train one (DELE: Train Predictor…) first.');
      return undefined;
    }
    return (await vscode.window.showQuickPick(items, { title: 'DELE: Propose Next Batch (1/2): which space?' }))?.id;
  }

  private async askK(): Promise<number | undefined> {
    const text = await vscode.window.showInputBox({
      title: 'DELE: Propose Next Batch (2/2): how many architectures to train next?',
      value: '10',
      validateInput: (v) => (/^\d+$/.test(v.trim()) && +v >= 1 && +v <= 1000 ? undefined : 'a whole number from 1 to 1000'),
    });
    return text === undefined ? undefined : Number(text.trim());
  }
}
