/**
 * The predictor panel's host-side state, without the editor: the ready handshake and the queue of messages sent
 * before it, which proposal an `insertProposal` message means, and the panel's HTML. Imports no `vscode`
 * (unit-tested in test/unit/client.test.ts); panel.ts wires it to a WebviewPanel.
 */
import type { SearchProposal, SearchResponse } from '../protocol/lsp';
import type { HostToWebview } from '../protocol/webview';

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

/** The panel's page: a strict CSP that runs only the bundled script with this nonce. */
export function panelHtml(a: { cspSource: string; nonce: string; script: string; style: string }): string {
  const { cspSource, nonce, script, style } = a;
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; img-src ${cspSource} data:; style-src ${cspSource} 'unsafe-inline'; script-src 'nonce-${nonce}';">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<link href="${style}" rel="stylesheet">
<title>DELE Predictor</title>
</head>
<body>
<header><h1>DELE predictor</h1><select id="space" title="Search space"></select><span id="predictor" class="muted">loading…</span>
<span class="actions"><button id="refresh">Refresh</button><button id="train">Train predictor…</button></span></header>
<div id="error" class="error" hidden></div>
<section class="grid">
  <div class="card"><h2>Training curve</h2><p id="curve-note" class="muted">No training in this session yet. Run “DELE: Train Predictor…”.</p><div id="curve-wrap"><canvas id="curve"></canvas></div></div>
  <div class="card"><h2>Mean gate weight per expert</h2><canvas id="gates"></canvas></div>
  <div class="card"><h2>Predicted vs benchmark value (held-out architectures)</h2><p id="scatter-note" class="muted"></p><canvas id="scatter"></canvas></div>
  <div class="card"><h2>Gate weights of the selected architecture</h2><p id="selected" class="muted">Select a row below.</p><canvas id="archGates"></canvas></div>
</section>
<section class="card"><h2>Workspace architectures</h2><table id="workspace"></table></section>
<section class="card"><h2 id="benchmark-title">Top predicted architectures of the space</h2><table id="benchmark"></table></section>
<section class="card"><h2>Proposals</h2><p id="proposals-note" class="muted">No proposals yet. Run “DELE: Propose Top Architectures…”.</p><table id="proposals"></table></section>
<script nonce="${nonce}" src="${script}"></script>
</body>
</html>`;
}
