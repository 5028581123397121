/**
 * The predictor panel's data shaping, without the DOM or chart.js: table cells, chart series, the header line,
 * the space selector's options, and what each host message does to the saved state. Imports only types from the
 * protocol (test/unit/layers.test.ts); unit-tested in test/unit/webview.test.ts; webview/main.ts draws it.
 */
import type { PredictorInfo, RankedArch, RankingsResult, SearchResponse, StatusResult, TrainingEpoch } from '../src/protocol/lsp';
import type { ExportedTable, HostToWebview } from '../src/protocol/webview';

/** Sorted by column `column` (an index into webview/table.ts' tableColumns), descending or not; none: the server's order. */
export interface TableSort {
  column: number;
  descending: boolean;
}

/** What the user set on an architecture table: its sort and the filter box's text. */
export interface TableView {
  sort?: TableSort;
  filter: string;
}

/** What the webview keeps across being hidden (vscode.setState). */
export interface SavedState {
  rankings?: RankingsResult;
  status?: StatusResult;
  epochs: TrainingEpoch[];
  proposals?: SearchResponse;
  /** The workspace folders' uris (file:line labels are relative to them). */
  folders?: string[];
  /** Sort and filter of each architecture table, by table id. */
  tables?: Partial<Record<ExportedTable, TableView>>;
}

/** A number with `d` decimals; '–' when there is none. */
export function fmt(x: number | undefined, d = 2): string {
  return x === undefined || !Number.isFinite(x) ? '–' : x.toFixed(d);
}

/** Experts by gate weight, highest first (a copy). */
export const byWeight = (r: RankedArch): RankedArch['experts'] => [...r.experts].sort((a, b) => b.weight - a.weight);

/** An expert (or mean gate weight) by the display name the server sent, else its LF column. */
export const expertLabel = (e: { name: string; display?: { label: string } }): string => e.display?.label ?? e.name;

/** Bars of a horizontal bar chart: names and values, highest first. */
export interface Bars {
  labels: string[];
  data: number[];
}

/** The selected architecture's gate weights. */
export function archGateBars(r: RankedArch): Bars {
  const ex = byWeight(r);
  return { labels: ex.map(expertLabel), data: ex.map((e) => e.weight) };
}

/** Mean gate weight per expert over the reference set. */
export function meanGateBars(rankings: RankingsResult): Bars {
  const mg = [...rankings.meanGateWeights].sort((a, b) => b.weight - a.weight);
  return { labels: mg.map(expertLabel), data: mg.map((g) => g.weight) };
}

export const scatterPoints = (rankings: RankingsResult): { x: number; y: number }[] => rankings.scatter.map((s) => ({ x: s.true, y: s.predicted }));

export const benchmarkTitle = (rankings: RankingsResult): string => `Top predicted of ${rankings.referenceLabel || 'the space'}`;

/** The architecture shown first: the best of the workspace, else the best of the space. */
export const firstArch = (rankings: RankingsResult): RankedArch | undefined => rankings.workspace[0] ?? rankings.benchmarkTop[0];

/** The one cell of an empty rankings table. */
export const emptyTableText = (clickable: boolean): string => (clickable ? 'No architectures in open documents.' : 'Computing…');

export const proposalsNote = (r: SearchResponse | undefined): string =>
  r ? `${r.spaceTitle}: ${r.message}. Click a row to insert it at the cursor.` : 'No proposals yet. Run “DELE: Propose Top Architectures…”.';

/** The training curve: step-1 and step-2 losses and the held-out τ, against the epoch's index over both steps (1-based). */
export function curveSeries(epochs: TrainingEpoch[]): { pretrain: { x: number; y: number }[]; train: { x: number; y: number }[]; tau: { x: number; y: number }[] } {
  const pts = epochs.map((e, i) => ({ ...e, x: i + 1 }));
  return {
    pretrain: pts.filter((p) => p.phase === 'pretrain').map((p) => ({ x: p.x, y: p.loss })),
    train: pts.filter((p) => p.phase === 'train').map((p) => ({ x: p.x, y: p.loss })),
    tau: pts.filter((p) => p.monitorKendall !== undefined).map((p) => ({ x: p.x, y: p.monitorKendall as number })),
  };
}

/** The predictor shown: the one the rankings are for (the selected space), else the primary one. */
export const shownPredictor = (state: SavedState): PredictorInfo | null | undefined => (state.rankings ? state.rankings.predictor : state.status?.predictor);

/** The header's description of the shown predictor. */
export function predictorLine(state: SavedState): string {
  const p = shownPredictor(state);
  const status = state.status;
  return p
    ? `${p.spaceTitle} · ${p.method} · ${p.encoder} · ${p.experts.length} experts · ${p.source} · target ${p.target} · held-out τ ${fmt(p.kendallTau, 3)} · backend ${status?.backend}${status?.training ? ' · training…' : ''}`
    : 'no predictor loaded';
}

/** The space selector: one option per loaded predictor, the shown one selected; hidden with fewer than two. */
export function spaceSelector(state: SavedState): { options: { label: string; value: string; selected: boolean }[]; value: string | undefined; hidden: boolean } {
  const p = shownPredictor(state);
  const spaces = state.status?.predictors ?? [];
  return {
    options: spaces.map((x) => ({ label: `${x.spaceTitle} (${x.source})`, value: x.space, selected: x.space === p?.space })),
    value: state.rankings?.predictor ? state.rankings.predictor.space : undefined,
    hidden: spaces.length < 2,
  };
}

/** What to redraw after a message. */
export type Redraw = 'all' | 'proposals' | 'curve' | 'error';

/** A host message applied to the state (a new object; the old one is not changed) and what to redraw. */
export function applyMessage(state: SavedState, m: HostToWebview): { state: SavedState; redraw: Redraw } {
  switch (m.type) {
    case 'state':
      return { state: { ...state, rankings: m.rankings, status: m.status, epochs: m.epochs, ...(m.folders ? { folders: m.folders } : {}) }, redraw: 'all' };
    case 'proposals':
      return { state: { ...state, proposals: m.result }, redraw: 'proposals' };
    case 'trainingStarted':
      return { state: { ...state, epochs: [] }, redraw: 'curve' };
    case 'epoch':
      return { state: { ...state, epochs: [...state.epochs, m.epoch] }, redraw: 'curve' };
    case 'error':
      return { state, redraw: 'error' };
  }
}
