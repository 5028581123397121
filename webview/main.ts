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
  type SavedState,
  scatterPoints,
  spaceSelector,
} from './model';
import {
  benchmarkRows,
  exportedTable,
  filterNote,
  headerText,
  nextSort,
  proposalRows,
  rowCells,
  TABLE_IDS,
  tableColumns,
  type TableId,
  type TableRow,
  visibleRows,
  workspaceRows,
} from './table';

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

/** The rows of a table as the data stands (before filter and sort), and the unit of its value columns. */
function tableData(id: TableId): { rows: TableRow[]; unit: string } {
  const folders = state.folders ?? [];
  const { rankings, proposals } = state;
  if (id === 'proposals') return proposals ? { rows: proposalRows(proposals, rankings, folders), unit: proposals.unit } : { rows: [], unit: '' };
  if (!rankings) return { rows: [], unit: '' };
  const unit = rankings.predictor?.targetUnit ?? '';
  return { rows: id === 'workspace' ? workspaceRows(rankings, folders) : benchmarkRows(rankings, folders), unit };
}

/** What a click on a row does: workspace rows reveal their place; proposals insert themselves at the cursor. */
function onRowClick(id: TableId, row: TableRow): void {
  showArch(row.arch);
  const place = row.places[0];
  if (id === 'workspace' && place) vscode.postMessage({ type: 'openLocation', location: place.location });
  if (id === 'proposals') vscode.postMessage({ type: 'insertProposal', index: row.rank - 1, key: row.arch.arch });
}

/** Draws table `id`: sortable header, the rows the filter keeps in the chosen order, file:line links. */
function drawTable(id: TableId): void {
  const el = $(id) as HTMLTableElement;
  const { rows, unit } = tableData(id);
  const view = state.tables?.[id];
  const columns = tableColumns(unit);
  const shown = visibleRows(rows, view);
  el.replaceChildren();
  const head = el.createTHead().insertRow();
  columns.forEach((c, i) => {
    const th = document.createElement('th');
    th.textContent = headerText(c, i, view?.sort);
    th.className = 'sortable';
    th.title = `Sort by ${c.title}`;
    th.addEventListener('click', () => {
      setView(id, { filter: view?.filter ?? '', sort: nextSort(view?.sort, i, columns) });
      drawTable(id);
    });
    head.appendChild(th);
  });
  const body = el.createTBody();
  for (const row of shown) {
    const tr = body.insertRow();
    tr.className = id === 'benchmark' ? 'row' : 'row clickable';
    if (id === 'proposals') tr.title = 'Insert at the cursor';
    rowCells(row).forEach((text, c) => {
      const td = tr.insertCell();
      if (c === 3 && row.places.length > 0) {
        td.className = 'places';
        row.places.forEach((p, k) => {
          if (k > 0) td.append(', ');
          const a = document.createElement('a');
          a.textContent = p.label;
          a.href = '#';
          a.title = 'Reveal in the editor';
          a.addEventListener('click', (ev) => {
            ev.preventDefault();
            ev.stopPropagation();
            showArch(row.arch);
            vscode.postMessage({ type: 'openLocation', location: p.location });
          });
          td.append(a);
        });
      } else td.textContent = text;
    });
    tr.cells[1]!.className = 'arch';
    tr.addEventListener('click', () => onRowClick(id, row));
  }
  if (rows.length === 0 && id !== 'proposals') body.insertRow().insertCell().textContent = emptyTableText(id === 'workspace');
  else if (rows.length === 0) body.insertRow().insertCell().textContent = state.proposals ? 'The search found nothing to propose.' : '';
  else if (shown.length === 0) body.insertRow().insertCell().textContent = 'No row matches the filter.';
  $(`${id}-count`).textContent = filterNote(shown.length, rows.length);
  const filter = $(`${id}-filter`) as HTMLInputElement;
  if (filter.value !== (view?.filter ?? '')) filter.value = view?.filter ?? '';
}

function setView(id: TableId, view: { filter: string; sort?: { column: number; descending: boolean } }): void {
  state = { ...state, tables: { ...state.tables, [id]: view } };
  vscode.setState(state);
}

/** The latest search results; a click inserts that proposal at the cursor of the last active text editor. */
function renderProposals(): void {
  $('proposals-note').textContent = proposalsNote(state.proposals);
  drawTable('proposals');
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
  drawTable('workspace');
  drawTable('benchmark');
  // The proposals table lists where the workspace writes each proposal: it changes with the rankings.
  drawTable('proposals');
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
for (const id of TABLE_IDS) {
  $(`${id}-filter`).addEventListener('input', (ev) => {
    setView(id, { ...state.tables?.[id], filter: (ev.target as HTMLInputElement).value });
    drawTable(id);
  });
  $(`${id}-export`).addEventListener('click', () => {
    const { rows, unit } = tableData(id);
    vscode.postMessage({ type: 'exportTable', table: id, ...exportedTable(tableColumns(unit), visibleRows(rows, state.tables?.[id])) });
  });
}
render();
renderProposals();
vscode.postMessage({ type: 'ready' });
