/**
 * The steps of the client's quick-pick wizards, without the editor: what each step lists (labels, descriptions,
 * order, defaults) and the request the answers make. Imports no `vscode` (unit-tested in
 * test/unit/client.test.ts); extension.ts (Train Predictor…, Compute Low-Fidelity Measures…) and propose.ts
 * (Propose Top Architectures…) show these items with showQuickPick and send what these functions build.
 */
import * as path from 'node:path';
import {
  type ComputeLfParams,
  type DataInfoResult,
  SEARCH_DEFAULT_BUDGET,
  SEARCH_MAX_BUDGET,
  type SearchParams,
  type SpaceInfo,
  type TrainParams,
  type WorkspaceArch,
} from '../protocol/lsp';
import { formatValue } from './viewModel';

/** The fields of a quick-pick item these steps fill (structurally a vscode.QuickPickItem). */
export interface PickItem {
  label: string;
  description?: string;
  detail?: string;
  picked?: boolean;
}

export type Position = { line: number; character: number };

/** Is `p` within `r` (both ends included)? */
export const contains = (r: WorkspaceArch['location']['range'], p: Position): boolean =>
  (p.line > r.start.line || (p.line === r.start.line && p.character >= r.start.character)) && (p.line < r.end.line || (p.line === r.end.line && p.character <= r.end.character));

const count = (n: number): string => n.toLocaleString('en-US');

// ---- Step numbers (every wizard) ----

/** "DELE: method (3/6)": the title with the step's place among the steps the wizard shows. */
export function numbered<S>(title: string, steps: readonly S[], step: S): string {
  const i = steps.indexOf(step);
  if (i < 0) throw new Error(`step ${String(step)} is not among the steps shown (${steps.join(', ')})`);
  return `${title} (${i + 1}/${steps.length})`;
}

export type TrainStep = 'space' | 'data' | 'target' | 'method' | 'experts' | 'ratio' | 'encoder';

/**
 * The steps Train Predictor… shows, from what is known so far: the space step unless the space is given, the
 * experts step unless the method is vanilla, the encoder step when the space has more than one encoder. A step
 * that depends on an answer not given yet counts as shown (so the total only ever drops, once the answer says so).
 */
export function trainSteps(known: { askSpace: boolean; spaces?: readonly SpaceInfo[]; space?: SpaceInfo; method?: Method }): TrainStep[] {
  const encoderCounts = known.space ? [known.space.encoders.length] : (known.spaces ?? []).map((x) => x.encoders.length);
  const encoderStep = encoderCounts.length === 0 || encoderCounts.some((n) => n > 1);
  return [
    ...(known.askSpace ? (['space'] as const) : []),
    'data',
    'target',
    'method',
    ...(known.method !== 'vanilla' ? (['experts'] as const) : []),
    'ratio',
    ...(encoderStep ? (['encoder'] as const) : []),
  ];
}

export type LfStep = 'space' | 'source' | 'sample' | 'measures' | 'save';

/** The steps Compute Low-Fidelity Measures… shows: the sample size only for a sample (counted until the source is chosen). */
export const lfSteps = (source?: 'workspace' | 'sample'): LfStep[] => ['space', 'source', ...(source !== 'workspace' ? (['sample'] as const) : []), 'measures', 'save'];

/** The steps Propose Top Architectures… shows. */
export const PROPOSE_STEPS = ['where', 'top', 'budget'] as const;

// ---- Propose Top Architectures… ----

/** Where a search runs: a space (with its size, when enumerable), around an architecture of a document or not. */
export type Where = { space: string; size?: number; from?: WorkspaceArch };

/**
 * Where to search: around the architecture at the cursor (if any), then every space, those with a predictor first:
 * `loaded` by the server, or available to it (`SpaceInfo.predictorAvailable`: bundled, trained or set; loaded when
 * the search starts).
 */
export function whereItems(spaces: SpaceInfo[], loaded: ReadonlySet<string>, at: WorkspaceArch | undefined): (PickItem & { where: Where })[] {
  const items: (PickItem & { where: Where })[] = [];
  if (at) {
    const size = spaces.find((x) => x.id === at.space)?.size;
    items.push({
      label: '$(target) Around the architecture at the cursor',
      description: `${at.spaceTitle} · predicted ${formatValue(at.predicted, at.unit)}`,
      detail: `${at.arch.length > 90 ? `${at.arch.slice(0, 90)}…` : at.arch} · proposals written in its form, the file's own architectures left out`,
      where: { space: at.space, from: at, ...(size !== undefined ? { size } : {}) },
    });
  }
  const available = new Set(spaces.filter((x) => x.predictorAvailable).map((x) => x.id));
  const rankOf = (id: string): number => (loaded.has(id) ? 2 : available.has(id) ? 1 : 0);
  const ordered = [...spaces].sort((a, b) => rankOf(b.id) - rankOf(a.id));
  const state = ['needs a bundled or trained predictor', 'predictor ready (loads when the search starts)', 'predictor loaded'];
  for (const x of ordered) {
    items.push({
      label: `$(globe) The whole ${x.title} space`,
      description: `${x.size !== undefined ? `${count(x.size)} architectures · ` : ''}${state[rankOf(x.id)]}`,
      where: { space: x.id, ...(x.size !== undefined ? { size: x.size } : {}) },
    });
  }
  return items;
}

/** How many proposals (10 first). */
export const topItems = (): PickItem[] => ['10', '5', '20', '50', '100'].map((label) => ({ label, description: label === '10' ? 'proposals, best predicted first' : '' }));

/** The budget: predictor calls; a space small enough to rank whole offers that first, and no budget as large. */
export function budgetItems(where: Where): (PickItem & { budget: number })[] {
  const size = where.size;
  const small = size !== undefined && size <= SEARCH_MAX_BUDGET;
  return [
    ...(small ? [{ label: `Rank all ${count(size)}`, description: 'the exact best by the predictor (cheap: a small space is a table)', budget: size }] : []),
    ...[1_000, SEARCH_DEFAULT_BUDGET, 20_000, 100_000]
      .filter((b) => !small || b < size)
      .map((b) => ({ label: `${count(b)} predictor calls`, description: `regularised evolution${where.from ? ' starting from the cursor' : ''}, seed 0`, budget: b })),
  ];
}

/** The search the answers ask for; `cursor`: the active editor's cursor, when it is still an editable editor. */
export function searchParams(where: Where, top: string, budget: number, cursor: Position | undefined): SearchParams {
  const params: SearchParams = { space: where.space, top: Number(top), budget, seed: 0 };
  if (where.from && cursor) {
    params.from = { uri: where.from.location.uri, position: { line: cursor.line, character: cursor.character } };
    params.excludeDocument = where.from.location.uri;
  }
  return params;
}

// ---- Train Predictor… ----

export function trainSpaceItems(spaces: SpaceInfo[]): (PickItem & { space: SpaceInfo })[] {
  return spaces.map((x) => ({
    label: x.title,
    description: `${x.id}${x.size ? ` · ${count(x.size)} architectures` : ''}${x.bundled ? ' · bundled data' : ''}`,
    detail: x.origin === 'file' ? `declared in ${x.file}` : x.syntax,
    space: x,
  }));
}

/** The data step: the bundled table (if the space has one) or a file; joined with `join` files when there are some. */
export function dataStep(space: SpaceInfo, join: string[]): { title: string; items: (PickItem & { value: 'bundled' | 'file' })[] } {
  const joining = join.length > 0 ? ` (joined with ${join.map((f) => path.basename(f)).join(', ')} by architecture)` : '';
  return {
    title: join.length > 0 ? 'DELE: ground truth to join with the LF measures' : 'DELE: training data',
    items: [
      ...(space.bundled
        ? [{ label: `Bundled ${space.title}${joining}`, description: `the bundled benchmark table: architectures with their benchmark values and low-fidelity measures`, value: 'bundled' as const }]
        : []),
      { label: `Choose a CSV or JSON file…${joining}`, description: join.length > 0 ? 'arch column + ground-truth (target) columns' : `arch column (${space.title} syntax) + target + LF columns`, value: 'file' as const },
    ],
  };
}

/** The target step: the data's targets, the configured one first if the data has it, else the data's default. */
export function targetOrder(info: DataInfoResult, configured: string): string[] {
  const first = info.targets.includes(configured) ? configured : info.defaultTarget;
  return [...info.targets].sort((a, b) => Number(b === first) - Number(a === first));
}

export type Method = 'dele' | 'single' | 'vanilla';

/** The method step. */
export const methodItems = (): (PickItem & { value: Method })[] => [
  { label: 'DELE', description: 'dynamic ensemble of low-fidelity experts', value: 'dele' },
  { label: 'Single LF', description: 'pretrain on one LF measure, then fine-tune', value: 'single' },
  { label: 'Vanilla', description: 'ground truth only', value: 'vanilla' },
];

/** The experts item that asks for structural measures of the architectures (the server's STRUCTURAL_SET). */
export const STRUCTURAL_EXPERTS = 'structural';

/**
 * The experts step (not for vanilla): the data's LF measures, the default experts picked, and the structural measures of
 * the architectures (needing no data; picked when the data has no LF column); DELE picks many, single LF one.
 */
export function expertsStep(info: DataInfoResult, method: 'dele' | 'single'): { title: string; canPickMany: boolean; items: PickItem[] } {
  const structural: PickItem = {
    label: STRUCTURAL_EXPERTS,
    description: 'measures of each architecture itself (op counts, paths, degrees): no LF data needed',
    picked: info.lfs.length === 0,
  };
  return {
    title: method === 'dele' ? 'DELE: low-fidelity experts' : 'DELE: the LF measure to pretrain on',
    canPickMany: method === 'dele',
    // The column as the label (what the request sends), its display name and description as the server gave them.
    items: [
      ...info.lfs.map((n) => {
        const d = info.lfLabels?.[n];
        return { label: n, ...(d && d.label !== n ? { description: d.label, detail: d.description } : {}), picked: info.defaultExperts.includes(n) };
      }),
      structural,
    ],
  };
}

/**
 * The ratio step: the share of the training split with ground truth. Half the data is held out for evaluation; the
 * share applies to the other half (at least 2 archs).
 */
export function ratioItems(archCount: number): PickItem[] {
  const trainSize = archCount - Math.floor(archCount / 2);
  return ['1%', '5%', '10%', '50%', '100%'].map((label) => {
    const n = Math.max(2, Math.floor((Number(label.replace('%', '')) / 100) * trainSize));
    return { label, description: `${count(n)} labelled architectures${label === '1%' ? ' · the cold-start setting of the paper' : ''}` };
  });
}

/** "5%" -> 0.05. */
export const ratioOf = (label: string): number => Number(label.replace('%', '')) / 100;

/** The training the answers ask for (the preset's other fields kept). */
export function trainParams(
  preset: Partial<TrainParams> | undefined,
  a: { space: SpaceInfo; data: string; target: string; method: Method; experts: string[] | undefined; ratio: string; encoder: 'gates' | 'lstm' },
): TrainParams {
  return { ...preset, space: a.space.id, data: a.data, target: a.target, method: a.method, experts: a.experts, trainRatio: ratioOf(a.ratio), encoder: a.encoder };
}

export type Notice = { level: 'info' | 'error'; text: string };

// ---- Compute Low-Fidelity Measures… ----

/**
 * The LF space step: every space, since the user's PyTorch builder can build any (lfPython.ts); a space without a
 * built-in network says its measures come from the user's model.
 */
export const lfSpaceItems = (spaces: SpaceInfo[]): (PickItem & { space: SpaceInfo })[] =>
  spaces.map((x) => ({ label: x.title, description: x.lfMeasures ? x.id : `${x.id} · on your PyTorch model`, space: x }));

/** The LF source step. */
export const lfSourceItems = (space: SpaceInfo): (PickItem & { value: 'workspace' | 'sample' })[] => [
  { label: 'Architectures in this workspace', description: `every ${space.title} architecture in the workspace's files`, value: 'workspace' },
  { label: 'A sample of the space…', description: 'distinct architectures drawn with a seed: the pretraining set of a space without tables', value: 'sample' },
];

/** The sample size box's check: undefined when valid, else what is wrong. */
export const sampleSizeError = (v: string): string | undefined => (/^\d+$/.test(v.trim()) && Number(v) >= 1 && Number(v) <= 100000 ? undefined : 'a whole number from 1 to 100,000');

/** The LF measures step: the space's measures, its default ones picked. */
export const lfMeasureItems = (space: SpaceInfo, network: 'builtin' | 'python' = 'builtin'): PickItem[] =>
  ((network === 'python' ? space.pythonLfMeasures : space.lfMeasures) ?? []).map((m) => ({ label: m.id, description: m.description, picked: m.byDefault }));

/** The notification after computing LF measures; with `out` (a completed run) it offers Open / Train with these…. */
export function lfNotice(result: { status: 'completed' | 'cancelled' | 'failed'; message: string; out?: string }): Notice & { out?: string } {
  if (result.status === 'completed' && result.out) return { level: 'info', text: `DELE: LF measures of ${result.message}, written to ${path.basename(result.out)}.`, out: result.out };
  // A completed run that wrote nothing is a failure too.
  if (result.status === 'cancelled') return { level: 'info', text: `DELE: ${result.message}.` };
  return { level: 'error', text: `DELE: computing LF measures failed: ${result.message}` };
}

/** The computation the answers ask for. */
export function lfParams(space: SpaceInfo, measures: PickItem[], source: ComputeLfParams['source'], out: string): ComputeLfParams {
  return { space: space.id, measures: measures.map((p) => p.label), source, out };
}
