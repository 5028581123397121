/**
 * The predictor panel's host-side state, without the editor: the ready handshake and the queue of messages sent
 * before it, which proposal an `insertProposal` message means, and the panel's HTML. Imports no `vscode`
 * (unit-tested in test/unit/client.test.ts); panel.ts wires it to a WebviewPanel.
 */
import type { SearchProposal, SearchResponse } from '../protocol/lsp';
import type { ExportedTable, HostToWebview } from '../protocol/webview';
import { csvField } from './viewModel';

/**
 * Messages to the webview. Until it says `ready` (and again after it is hidden: a hidden webview is torn down)
 * messages are queued, except epochs: the `state` sent on `ready` carries all of them.
 */
export class PanelChannel {
  private ready = false;
  private queue: HostToWebview[] = [];

  constructor(private readonly send: (m: HostToWebview) => void) {}

  get isReady(): boolean {
    return this.ready;
  }

  /** Sends now if the webview is ready, else queues (epochs are dropped). */
  post(m: HostToWebview): void {
    if (this.ready) this.send(m);
    else if (m.type !== 'epoch') this.queue.push(m);
  }

  /** Sends now if the webview is ready, else drops it (the webview gets it in the reply to `ready`). */
  sendIfReady(m: HostToWebview): void {
    if (this.ready) this.send(m);
  }

  /** The webview said `ready`: later messages go straight to it. */
  opened(): void {
    this.ready = true;
  }

  /** Sends what was queued before `ready`, in order (after the state, so the state does not overwrite it). */
  flush(): void {
    for (const q of this.queue.splice(0)) this.send(q);
  }

  /** The panel was hidden: its webview is gone until it says `ready` again. */
  hidden(): void {
    this.ready = false;
  }
}

/** The proposal an `insertProposal` message means, or undefined when the list has changed since the webview drew it. */
export function proposalToInsert(latest: SearchResponse | undefined, index: number, key: string): SearchProposal | undefined {
  const p = latest?.proposals[index];
  return p && p.arch === key ? p : undefined;
}

/** The filter box, the filter's count and "Export CSV" above an architecture table. */
const tableTools = (id: ExportedTable): string =>
  `<div class="table-tools"><input type="search" id="${id}-filter" placeholder="Filter by architecture, name or file" aria-label="Filter the ${id} table"><span id="${id}-count" class="muted"></span><button id="${id}-export" title="Save the rows shown, in this order, as CSV">Export CSV</button></div>`;

/** The CSV an "Export CSV" of a panel table writes: the header, then one line per row; fields quoted where needed. */
export function tableCsv(header: readonly string[], rows: readonly (readonly string[])[]): string {
  return `${[header, ...rows].map((cells) => cells.map(csvField).join(',')).join('\n')}\n`;
}

/** The file name the save dialog proposes for a table's export. */
export const tableCsvName = (table: ExportedTable, space: string | undefined): string => `dele-${table}${space ? `-${space}` : ''}.csv`;

/** The panel's page: a strict CSP that runs only the bundled script with this nonce. */
/** A webview page: the given CSP, the stylesheet, a title and the body's HTML. */
export function webviewPage(a: { csp: string; style: string; title: string; bodyClass?: string; body: string }): string {
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${a.csp}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<link href="${a.style}" rel="stylesheet">
<title>${a.title}</title>
</head>
<body${a.bodyClass ? ` class="${a.bodyClass}"` : ''}>
${a.body}
</body>
</html>`;
}

export function panelHtml(a: { cspSource: string; nonce: string; script: string; style: string }): string {
  const { cspSource, nonce, script, style } = a;
  const csp = `default-src 'none'; img-src ${cspSource} data:; style-src ${cspSource} 'unsafe-inline'; script-src 'nonce-${nonce}';`;
  return webviewPage({
    csp,
    style,
    title: 'DELE Predictor',
    body: `<header><h1>DELE predictor</h1><select id="space" title="Search space"></select><span id="predictor" class="muted">loading…</span>
<span class="actions"><button id="refresh">Refresh</button><button id="train">Train predictor…</button></span></header>
<div id="error" class="error" hidden></div>
<section class="grid">
  <div class="card"><h2>Training curve</h2><p id="curve-note" class="muted">No training in this session yet. Run “DELE: Train Predictor…”.</p><div id="curve-wrap"><canvas id="curve"></canvas></div></div>
  <div class="card"><h2>Mean gate weight per expert</h2><canvas id="gates"></canvas></div>
  <div class="card"><h2>Predicted vs benchmark value (held-out architectures)</h2><p id="scatter-note" class="muted"></p><canvas id="scatter"></canvas></div>
  <div class="card"><h2>Gate weights of the selected architecture</h2><p id="selected" class="muted">Select a row below.</p><canvas id="archGates"></canvas></div>
</section>
<section class="card"><h2>Workspace architectures</h2>${tableTools('workspace')}<table id="workspace"></table></section>
<section class="card"><h2 id="benchmark-title">Top predicted architectures of the space</h2>${tableTools('benchmark')}<table id="benchmark"></table></section>
<section class="card"><h2>Proposals</h2><p id="proposals-note" class="muted">No proposals yet. Run “DELE: Propose Top Architectures…”.</p>${tableTools('proposals')}<table id="proposals"></table></section>
<script nonce="${nonce}" src="${script}"></script>`,
  });
}

/** Where and what a proposal inserts: `text` goes at the end of line `line` (see proposalInsertion). */
export interface LineInsertion {
  line: number;
  /** Inserted at the end of `line`: a newline and the proposal's line (just the proposal on a blank line). */
  text: string;
  /** Where on `line` a comma goes first (after the last element of a list, before any comment), if one does. */
  comma?: number;
  /** The proposal as written (`written`) stands on line `proposalLine` from `character`: what to select after the edit. */
  proposalLine: number;
  character: number;
  written: string;
}

/** A proposal written as a string in a file (a cell string), not a call or a literal structure (`Genotype(...)`, `{...}`, `[...]`). */
const isStringForm = (text: string): boolean => !/^\s*(["'{[]|[A-Za-z_][\w.]*\s*\()/.test(text);

/** The document's form: by its file name's extension, else its language id (an untitled document). */
function formOf(fileName: string, languageId: string | undefined): 'python' | 'yaml' | 'json' | 'plain' {
  const ext = /\.(\w+)$/.exec(fileName)?.[1]?.toLowerCase();
  const id = ext ?? languageId ?? '';
  if (['py', 'pyi', 'python'].includes(id)) return 'python';
  if (['yaml', 'yml'].includes(id)) return 'yaml';
  if (['json', 'jsonc'].includes(id)) return 'json';
  return 'plain';
}

/** The proposal's line after `current` (a list element's comma, an opening bracket's indentation). */
function lineAfter(current: string, indent: string, value: string, form: 'python' | 'json'): { text: string; comma?: number; character: number } {
  const code = (form === 'python' ? current.replace(/\s+#.*$/, '') : current).trimEnd();
  if (code.endsWith('[') || code.endsWith('(')) return { text: `\n${indent}    ${value},`, character: indent.length + 4 };
  if (code.endsWith(',')) return { text: `\n${indent}${value},`, character: indent.length };
  // The last element of a list gets the comma that separates it from the proposal.
  const element = /^\s*(["']|[A-Za-z_][\w.]*\s*\(|[{[])/.test(current) && !/^\s*[A-Za-z_]\w*\s*=/.test(current);
  if (element && /["')\]}]$/.test(code)) return { text: `\n${indent}${value}`, comma: code.length, character: indent.length };
  return { text: `\n${indent}${value}`, character: indent.length };
}

/**
 * Inserts a proposal on its own line after the cursor's line, never inside an existing architecture: when the
 * cursor is on an architecture that spans lines (`archLines`: each architecture's first and last line), after
 * its last line; on the cursor's line itself only when that is blank. In the form of the file: a quoted string
 * in Python/YAML/JSON (a list element gets its comma, a YAML list item its dash), plain elsewhere (.arch).
 */
export function proposalInsertion(
  doc: { fileName: string; languageId?: string; lineAt(line: number): string; lineCount: number },
  cursorLine: number,
  proposal: string,
  archLines: { start: number; end: number }[] = [],
): LineInsertion {
  const spanning = archLines.filter((r) => r.start <= cursorLine && cursorLine <= r.end);
  const line = Math.min(doc.lineCount - 1, Math.max(cursorLine, ...spanning.map((r) => r.end)));
  const current = doc.lineAt(line);
  const indent = /^\s*/.exec(doc.lineAt(spanning.length > 0 ? Math.min(...spanning.map((r) => r.start)) : line))?.[0] ?? '';
  const form = formOf(doc.fileName, doc.languageId);
  const value = form !== 'plain' && isStringForm(proposal) ? JSON.stringify(proposal) : proposal;
  if (current.trim() === '' && spanning.length === 0) return { line, text: value, proposalLine: line, character: current.length, written: value };
  if (form === 'plain') return { line, text: `\n${indent}${proposal}`, proposalLine: line + 1, character: indent.length, written: proposal };
  if (form === 'yaml') {
    const dash = /^\s*- /.exec(current)?.[0];
    const written = dash ? `- ${value}` : value;
    const at = dash ? dash.length - 2 : indent.length;
    return { line, text: `\n${' '.repeat(at)}${written}`, proposalLine: line + 1, character: at, written };
  }
  return { line, ...lineAfter(current, indent, value, form), proposalLine: line + 1, written: value };
}
