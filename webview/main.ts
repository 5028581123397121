/**
 * The predictor panel's browser side. Talks to the host only through the typed messages of protocol/webview.
 * What to show is shaped in webview/model.ts (no DOM); this file draws it.
 */
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
import type { RankedArch } from '../src/protocol/lsp';
import type { HostToWebview, WebviewToHost } from '../src/protocol/webview';
import {
  applyMessage,
  archGateBars,
  benchmarkTitle,
  curveSeries,
  emptyTableText,
  firstArch,
  meanGateBars,
  predictorLine,
  proposalsNote,
  rowCells,
  type SavedState,
  scatterPoints,
  spaceSelector,
  TABLE_HEAD,
} from './model';

Chart.register(BarController, BarElement, CategoryScale, LinearScale, LineController, LineElement, PointElement, ScatterController, Tooltip, Legend);

interface VsCodeApi {
  postMessage(m: WebviewToHost): void;
  getState(): SavedState | undefined;
  setState(s: SavedState): void;
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
  const s = curveSeries(state.epochs);
  curve.data.datasets = [
    { label: 'step 1 loss (sum over experts)', data: s.pretrain, borderColor: theme.orange, backgroundColor: theme.orange, pointRadius: 0 },
    { label: 'step 2 loss', data: s.train, borderColor: theme.blue, backgroundColor: theme.blue, pointRadius: 0 },
    { label: "held-out τ", yAxisID: 'y2', data: s.tau, borderColor: theme.green, backgroundColor: theme.green },
  ];
  curve.update();
  $('curve-note').hidden = state.epochs.length > 0;
  $('curve-wrap').hidden = state.epochs.length === 0;
}

function showArch(r: RankedArch): void {
  $('selected').textContent = r.arch;
  const bars = archGateBars(r);
  archGates.data.labels = bars.labels;
  archGates.data.datasets[0]!.data = bars.data;
  archGates.update();
}

function table(el: HTMLTableElement, rows: RankedArch[], clickable: boolean): void {
  el.replaceChildren();
  const head = el.createTHead().insertRow();
  for (const h of TABLE_HEAD) head.insertCell().textContent = h;
  const body = el.createTBody();
  rows.forEach((r, i) => {
    const tr = body.insertRow();
    tr.className = clickable ? 'row clickable' : 'row';
    for (const c of rowCells(r, i)) tr.insertCell().textContent = c;
    tr.cells[1]!.className = 'arch';
    tr.addEventListener('click', () => {
      showArch(r);
      if (clickable && r.location) vscode.postMessage({ type: 'openLocation', location: r.location });
    });
  });
  if (rows.length === 0) body.insertRow().insertCell().textContent = emptyTableText(clickable);
}

/** The latest search results; a click inserts that proposal at the cursor of the last active text editor. */
function renderProposals(): void {
  const r = state.proposals;
  const el = $('proposals') as HTMLTableElement;
  el.replaceChildren();
  $('proposals-note').textContent = proposalsNote(r);
  if (!r) return;
  const head = el.createTHead().insertRow();
  for (const h of TABLE_HEAD) head.insertCell().textContent = h;
  const body = el.createTBody();
  r.proposals.forEach((p, i) => {
    const tr = body.insertRow();
    tr.className = 'row clickable';
    tr.title = 'Insert at the cursor';
    for (const c of rowCells(p, i, p.text)) tr.insertCell().textContent = c;
    tr.cells[1]!.className = 'arch';
    tr.addEventListener('click', () => {
      showArch(p);
      vscode.postMessage({ type: 'insertProposal', index: i, key: p.arch });
    });
  });
  if (r.proposals.length === 0) body.insertRow().insertCell().textContent = 'The search found nothing to propose.';
}

function render(): void {
  const { rankings } = state;
  $('predictor').textContent = predictorLine(state);
  renderCurve();
  const select = $('space') as HTMLSelectElement;
  const sel = spaceSelector(state);
  select.replaceChildren(...sel.options.map((o) => new Option(o.label, o.value, false, o.selected)));
  if (sel.value !== undefined) select.value = sel.value;
  select.hidden = sel.hidden;
  if (!rankings) return;
  const mg = meanGateBars(rankings);
  gates.data.labels = mg.labels;
  gates.data.datasets[0]!.data = mg.data;
  gates.update();
  scatter.data.datasets[0]!.data = scatterPoints(rankings);
  scatter.update();
  $('scatter-note').textContent = rankings.scatterLabel;
  $('benchmark-title').textContent = benchmarkTitle(rankings);
  table($('workspace') as HTMLTableElement, rankings.workspace, true);
  table($('benchmark') as HTMLTableElement, rankings.benchmarkTop, false);
  const first = firstArch(rankings);
  if (first) showArch(first);
}

window.addEventListener('message', (ev: MessageEvent<HostToWebview>) => {
  const m = ev.data;
  $('error').hidden = true;
  const next = applyMessage(state, m);
  state = next.state;
  switch (next.redraw) {
    case 'all':
      render();
      break;
    case 'proposals':
      renderProposals();
      break;
    case 'curve':
      renderCurve();
      break;
    case 'error':
      if (m.type === 'error') {
        $('error').textContent = m.message;
        $('error').hidden = false;
      }
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
