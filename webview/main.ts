/** The predictor panel's browser side. Talks to the host only through the typed messages of protocol/webview. */
import {
  BarController,
  BarElement,
  CategoryScale,
  Chart,
  Legend,
  LinearScale,
  LineController,
  LineElement,
  PointElement,
  ScatterController,
  Tooltip,
} from 'chart.js';
import type { RankedArch, RankingsResult, SearchResponse, StatusResult, TrainingEpoch } from '../src/protocol/lsp';
import type { HostToWebview, WebviewToHost } from '../src/protocol/webview';

Chart.register(BarController, BarElement, CategoryScale, LinearScale, LineController, LineElement, PointElement, ScatterController, Tooltip, Legend);

interface VsCodeApi {
  postMessage(m: WebviewToHost): void;
  getState(): SavedState | undefined;
  setState(s: SavedState): void;
}
interface SavedState {
  rankings?: RankingsResult;
  status?: StatusResult;
  epochs: TrainingEpoch[];
  proposals?: SearchResponse;
}
declare function acquireVsCodeApi(): VsCodeApi;

const vscode = acquireVsCodeApi();
const css = (name: string, fallback: string): string => getComputedStyle(document.body).getPropertyValue(name).trim() || fallback;
const theme = {
  fg: css('--vscode-foreground', '#ccc'),
  grid: css('--vscode-editorWidget-border', '#444'),
  blue: css('--vscode-charts-blue', '#3794ff'),
  orange: css('--vscode-charts-orange', '#d18616'),
  green: css('--vscode-charts-green', '#89d185'),
  purple: css('--vscode-charts-purple', '#b180d7'),
};
Chart.defaults.color = theme.fg;
Chart.defaults.borderColor = theme.grid;
Chart.defaults.animation = false;

let state: SavedState = vscode.getState() ?? { epochs: [] };
const $ = <T extends HTMLElement>(id: string): T => document.getElementById(id) as T;

function axes(x: string, y: string, y2?: string): object {
  const s: Record<string, object> = { x: { type: 'linear', title: { display: true, text: x } }, y: { title: { display: true, text: y } } };
  if (y2) s.y2 = { position: 'right', min: 0, max: 1, title: { display: true, text: y2 }, grid: { drawOnChartArea: false } };
  return s;
}

const curve = new Chart($('curve') as unknown as HTMLCanvasElement, {
  type: 'line',
  data: { datasets: [] },
  options: { parsing: false, scales: axes('epoch (step 1, then step 2)', 'hinge loss', "held-out Kendall's τ"), plugins: { legend: { position: 'bottom' } } },
});
const gates = new Chart<'bar', number[], string>($('gates') as unknown as HTMLCanvasElement, {
  type: 'bar',
  data: { labels: [], datasets: [{ label: 'mean gate weight', data: [], backgroundColor: theme.blue }] },
  options: { indexAxis: 'y', plugins: { legend: { display: false } } },
});
const archGates = new Chart<'bar', number[], string>($('archGates') as unknown as HTMLCanvasElement, {
  type: 'bar',
  data: { labels: [], datasets: [{ label: 'gate weight', data: [], backgroundColor: theme.purple }] },
  options: { indexAxis: 'y', plugins: { legend: { display: false } } },
});
const scatter = new Chart<'scatter', { x: number; y: number }[]>($('scatter') as unknown as HTMLCanvasElement, {
  type: 'scatter',
  data: { datasets: [{ label: 'held-out cells', data: [], backgroundColor: theme.green, pointRadius: 2 }] },
  options: { scales: axes('benchmark accuracy (%)', 'predicted accuracy (%)'), plugins: { legend: { display: false } } },
});

function renderCurve(): void {
  const pts = state.epochs.map((e, i) => ({ ...e, x: i + 1 }));
  curve.data.datasets = [
    { label: 'step 1 loss (sum over experts)', data: pts.filter((p) => p.phase === 'pretrain').map((p) => ({ x: p.x, y: p.loss })), borderColor: theme.orange, backgroundColor: theme.orange, pointRadius: 0 },
    { label: 'step 2 loss', data: pts.filter((p) => p.phase === 'train').map((p) => ({ x: p.x, y: p.loss })), borderColor: theme.blue, backgroundColor: theme.blue, pointRadius: 0 },
    { label: "held-out τ", yAxisID: 'y2', data: pts.filter((p) => p.monitorKendall !== undefined).map((p) => ({ x: p.x, y: p.monitorKendall as number })), borderColor: theme.green, backgroundColor: theme.green },
  ];
  curve.update();
  $('curve-note').hidden = state.epochs.length > 0;
  $('curve-wrap').hidden = state.epochs.length === 0;
}

function fmt(x: number | undefined, d = 2): string {
  return x === undefined || !Number.isFinite(x) ? '–' : x.toFixed(d);
}

function showArch(r: RankedArch): void {
  $('selected').textContent = r.arch;
  const ex = [...r.experts].sort((a, b) => b.weight - a.weight);
  archGates.data.labels = ex.map((e) => e.name);
  archGates.data.datasets[0]!.data = ex.map((e) => e.weight);
  archGates.update();
}

function table(el: HTMLTableElement, rows: RankedArch[], clickable: boolean): void {
  el.replaceChildren();
  const head = el.createTHead().insertRow();
  for (const h of ['#', 'architecture', 'predicted', 'percentile', 'benchmark', 'top expert']) head.insertCell().textContent = h;
  const body = el.createTBody();
  rows.forEach((r, i) => {
    const tr = body.insertRow();
    tr.className = clickable ? 'row clickable' : 'row';
    const top = [...r.experts].sort((a, b) => b.weight - a.weight)[0];
    const cells = [String(i + 1), r.arch, fmt(r.predicted), fmt(r.percentile, 1), fmt(r.trueAccuracy), top ? `${top.name} ${top.weight.toFixed(2)}` : '–'];
    for (const c of cells) tr.insertCell().textContent = c;
    tr.cells[1]!.className = 'arch';
    tr.addEventListener('click', () => {
      showArch(r);
      if (clickable && r.location) vscode.postMessage({ type: 'openLocation', location: r.location });
    });
  });
  if (rows.length === 0) body.insertRow().insertCell().textContent = clickable ? 'No architectures in open documents.' : 'Computing…';
}

/** The latest search results; a click inserts that proposal at the cursor of the last active text editor. */
function renderProposals(): void {
  const r = state.proposals;
  const el = $('proposals') as HTMLTableElement;
  el.replaceChildren();
  $('proposals-note').textContent = r ? `${r.spaceTitle}: ${r.message}. Click a row to insert it at the cursor.` : 'No proposals yet. Run “DELE: Propose Top Architectures…”.';
  if (!r) return;
  const head = el.createTHead().insertRow();
  for (const h of ['#', 'architecture', 'predicted', 'percentile', 'benchmark', 'top expert']) head.insertCell().textContent = h;
  const body = el.createTBody();
  r.proposals.forEach((p, i) => {
    const tr = body.insertRow();
    tr.className = 'row clickable';
    tr.title = 'Insert at the cursor';
    const top = [...p.experts].sort((a, b) => b.weight - a.weight)[0];
    for (const c of [String(i + 1), p.text, fmt(p.predicted), fmt(p.percentile, 1), fmt(p.trueAccuracy), top ? `${top.name} ${top.weight.toFixed(2)}` : '–']) tr.insertCell().textContent = c;
    tr.cells[1]!.className = 'arch';
    tr.addEventListener('click', () => {
      showArch(p);
      vscode.postMessage({ type: 'insertProposal', index: i, key: p.arch });
    });
  });
  if (r.proposals.length === 0) body.insertRow().insertCell().textContent = 'The search found nothing to propose.';
}

function render(): void {
  const { rankings, status } = state;
  // The predictor shown: the one the rankings are for (the selected space), else the primary one.
  const p = rankings ? rankings.predictor : status?.predictor;
  $('predictor').textContent = p
    ? `${p.spaceTitle} · ${p.method} · ${p.encoder} · ${p.experts.length} experts · ${p.source} · target ${p.target} · held-out τ ${fmt(p.kendallTau, 3)} · backend ${status?.backend}${status?.training ? ' · training…' : ''}`
    : 'no predictor loaded';
  renderCurve();
  const select = $('space') as HTMLSelectElement;
  const spaces = status?.predictors ?? [];
  select.replaceChildren(...spaces.map((x) => new Option(`${x.spaceTitle} (${x.source})`, x.space, false, x.space === p?.space)));
  if (rankings?.predictor) select.value = rankings.predictor.space;
  select.hidden = spaces.length < 2;
  if (!rankings) return;
  const mg = [...rankings.meanGateWeights].sort((a, b) => b.weight - a.weight);
  gates.data.labels = mg.map((g) => g.name);
  gates.data.datasets[0]!.data = mg.map((g) => g.weight);
  gates.update();
  scatter.data.datasets[0]!.data = rankings.scatter.map((s) => ({ x: s.true, y: s.predicted }));
  scatter.update();
  $('scatter-note').textContent = rankings.scatterLabel;
  $('benchmark-title').textContent = `Top predicted of ${rankings.referenceLabel || 'the space'}`;
  table($('workspace') as HTMLTableElement, rankings.workspace, true);
  table($('benchmark') as HTMLTableElement, rankings.benchmarkTop, false);
  const first = rankings.workspace[0] ?? rankings.benchmarkTop[0];
  if (first) showArch(first);
}

window.addEventListener('message', (ev: MessageEvent<HostToWebview>) => {
  const m = ev.data;
  $('error').hidden = true;
  switch (m.type) {
    case 'state':
      state = { ...state, rankings: m.rankings, status: m.status, epochs: m.epochs };
      render();
      break;
    case 'proposals':
      state.proposals = m.result;
      renderProposals();
      break;
    case 'trainingStarted':
      state.epochs = [];
      renderCurve();
      break;
    case 'epoch':
      state.epochs.push(m.epoch);
      renderCurve();
      break;
    case 'error':
      $('error').textContent = m.message;
      $('error').hidden = false;
      break;
  }
  vscode.setState(state);
  document.body.dataset.ready = 'true';
});

$('refresh').addEventListener('click', () => vscode.postMessage({ type: 'refresh' }));
$('space').addEventListener('change', () => vscode.postMessage({ type: 'selectSpace', space: ($('space') as HTMLSelectElement).value }));
$('train').addEventListener('click', () => vscode.postMessage({ type: 'train' }));
render();
renderProposals();
vscode.postMessage({ type: 'ready' });
