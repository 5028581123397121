/**
 * The questions of "DELE: Compute Low-Fidelity Measures…": the space, the network (the built-in one or the
 * user's PyTorch builder), which architectures, which measures and where to save the CSV. Each question's
 * items and the request come from wizard.ts and lfPython.ts (editor-free, unit-tested).
 */
import * as vscode from 'vscode';
import type { LanguageClient } from 'vscode-languageclient/node';
import { type ComputeLfParams, SpacesRequest } from '../protocol/lsp';
import { pythonLfParams } from './lfPython';
import { askBuilder, pickLfNetwork, resolvePythonInterpreter } from './lfPythonPrompts';
import { lfMeasureItems, lfParams, lfSourceItems, lfSpaceItems, lfSteps, numbered, sampleSizeError } from './wizard';

export async function askLfParams(context: vscode.ExtensionContext, client: LanguageClient): Promise<ComputeLfParams | undefined> {
  const spacePick = await vscode.window.showQuickPick(lfSpaceItems(await client.sendRequest(SpacesRequest)), {
    title: numbered('DELE: low-fidelity measures for which search space?', lfSteps(), 'space'),
    ignoreFocusOut: true,
  });
  if (!spacePick) return undefined;
  const space = spacePick.space;
  // The user's PyTorch builder works for any space; the built-in networks for some.
  const network = await pickLfNetwork(context, space);
  if (!network) return undefined;
  const sourcePick = await vscode.window.showQuickPick(lfSourceItems(space), { title: numbered('DELE: which architectures', lfSteps(), 'source'), ignoreFocusOut: true });
  if (!sourcePick) return undefined;
  const steps = lfSteps(sourcePick.value);
  let source: ComputeLfParams['source'];
  if (sourcePick.value === 'sample') {
    const n = await vscode.window.showInputBox({ title: numbered('DELE: sample size', steps, 'sample'), value: '200', validateInput: sampleSizeError, ignoreFocusOut: true });
    if (n === undefined) return undefined;
    source = { kind: 'sample', count: Number(n), seed: 0 };
  } else {
    const found = await vscode.workspace.findFiles('**/*.{py,json,jsonc,yaml,yml,arch,txt,csv}', '**/{node_modules,.git,.venv,venv,__pycache__}/**', 5000);
    source = { kind: 'workspace', files: found.map((u) => u.fsPath) };
  }
  const builder = network === 'python' ? await askBuilder(context) : undefined;
  if (network === 'python' && builder === undefined) return undefined;
  const picked = await vscode.window.showQuickPick(lfMeasureItems(space, network), { title: numbered('DELE: measures', steps, 'measures'), canPickMany: true, ignoreFocusOut: true });
  if (!picked || picked.length === 0) return undefined;
  const folder = vscode.workspace.workspaceFolders?.[0]?.uri;
  const target = await vscode.window.showSaveDialog({
    title: numbered('DELE: save the LF measures as', steps, 'save'),
    filters: { CSV: ['csv'] },
    ...(folder ? { defaultUri: vscode.Uri.joinPath(folder, `lf-${space.id}.csv`) } : {}),
  });
  if (!target) return undefined;
  if (builder !== undefined) return pythonLfParams(space, source, target.fsPath, { builder, interpreter: await resolvePythonInterpreter(folder), ...(folder ? { cwd: folder.fsPath } : {}) }, picked.map((p) => p.label));
  return lfParams(space, picked, source, target.fsPath);
}
