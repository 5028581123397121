/**
 * The editor side of "Compute Low-Fidelity Measures…" on the user's PyTorch model: the network pick, the builder
 * box (remembered per workspace) and the interpreter (dele.pythonPath, else the Python extension's, else python3).
 * The choices themselves are editor-free in lfPython.ts.
 */
import * as vscode from 'vscode';
import type { SpaceInfo } from '../protocol/lsp';
import { builderInputError, type LfNetwork, lfNetworkItems, pythonInterpreter } from './lfPython';

const LAST_BUILDER = 'dele.lfPythonBuilder';

/** Built-in network or the user's model; a space without a built-in network asks nothing. */
export async function pickLfNetwork(context: vscode.ExtensionContext, space: SpaceInfo): Promise<LfNetwork | undefined> {
  const items = lfNetworkItems(space, context.workspaceState.get<string>(LAST_BUILDER));
  if (items.length === 1) return items[0]?.value;
  const picked = await vscode.window.showQuickPick(items, { title: `DELE: compute ${space.title} measures on which network?`, ignoreFocusOut: true });
  return picked?.value;
}

/** The builder MODULE:FUNCTION, the last one offered first; remembered for the next run. */
export async function askBuilder(context: vscode.ExtensionContext): Promise<string | undefined> {
  const builder = await vscode.window.showInputBox({
    title: 'DELE: your PyTorch builder (MODULE:FUNCTION; FUNCTION(arch string) returns a torch.nn.Module)',
    value: context.workspaceState.get<string>(LAST_BUILDER) ?? '',
    placeHolder: 'models.nb201:build_model',
    validateInput: builderInputError,
    ignoreFocusOut: true,
  });
  if (builder === undefined) return undefined;
  await context.workspaceState.update(LAST_BUILDER, builder.trim());
  return builder.trim();
}

/** The Python extension's selected interpreter, when it is installed and says (no hard dependency). */
async function pythonExtensionInterpreter(resource: vscode.Uri | undefined): Promise<string | undefined> {
  try {
    const ext = vscode.extensions.getExtension<{ environments?: { getActiveEnvironmentPath(r?: vscode.Uri): { path: string } } }>('ms-python.python');
    if (!ext) return undefined;
    const api = ext.isActive ? ext.exports : await ext.activate();
    return api?.environments?.getActiveEnvironmentPath(resource)?.path;
  } catch {
    return undefined;
  }
}

/** dele.pythonPath, else the Python extension's selected interpreter, else python3. */
export async function resolvePythonInterpreter(resource: vscode.Uri | undefined): Promise<string> {
  const setting = vscode.workspace.getConfiguration('dele', resource).get<string>('pythonPath');
  if (typeof setting === 'string' && setting.trim() !== '') return pythonInterpreter(setting, undefined);
  return pythonInterpreter(undefined, await pythonExtensionInterpreter(resource));
}
