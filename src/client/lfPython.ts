/**
 * "Compute Low-Fidelity Measures…" on the user's own PyTorch model: the editor-free steps (which network, the
 * builder box's check, which interpreter, the request) that lfPythonPrompts.ts and extension.ts show.
 */
import type { ComputeLfParams, SpaceInfo } from '../protocol/lsp';
import type { PickItem } from './wizard';

export type LfNetwork = 'builtin' | 'python';

/** The network step: the built-in TF.js network where the space has one, and the user's PyTorch builder. */
export function lfNetworkItems(space: SpaceInfo, lastBuilder: string | undefined): (PickItem & { value: LfNetwork })[] {
  const python = {
    label: 'Your PyTorch model…',
    description: lastBuilder ? `last: ${lastBuilder}` : 'module:function that builds a torch.nn.Module from the architecture string',
    value: 'python' as const,
  };
  if (!space.lfMeasures) return [python];
  return [{ label: `Built-in ${space.title} network`, description: 'computed here in TF.js, NAS-Bench-Suite-Zero\'s layout', value: 'builtin' }, python];
}

/** The builder box's check: undefined when `text` is MODULE:FUNCTION, else what is wrong. */
export const builderInputError = (text: string): string | undefined =>
  /^[A-Za-z_]\w*(\.[A-Za-z_]\w*)*:[A-Za-z_]\w*$/.test(text.trim()) ? undefined : 'MODULE:FUNCTION, e.g. models.nb201:build_model (the module is imported from the workspace folder)';

/** The interpreter: the dele.pythonPath setting, else the Python extension's selected one, else python3. */
export function pythonInterpreter(setting: unknown, fromPythonExtension: string | undefined): string {
  if (typeof setting === 'string' && setting.trim() !== '') return setting.trim();
  if (fromPythonExtension !== undefined && fromPythonExtension.trim() !== '') return fromPythonExtension.trim();
  return 'python3';
}

/** The computation on the user's model: the measures picked, or without any the server's default ones. */
export function pythonLfParams(space: SpaceInfo, source: ComputeLfParams['source'], out: string, python: { builder: string; interpreter: string; cwd?: string }, measures?: readonly string[]): ComputeLfParams {
  return {
    space: space.id,
    source,
    out,
    ...(measures && measures.length > 0 ? { measures: [...measures] } : {}),
    python: { builder: python.builder.trim(), interpreter: python.interpreter, ...(python.cwd !== undefined ? { cwd: python.cwd } : {}) },
  };
}
