/**
 * "DELE: Compare Architectures…" without the editor: which architecture the cursor is on, the quick-pick items
 * of the two picks, and the compare view's page (static HTML: the differing positions highlighted, then each
 * architecture's prediction, rank and gate weights). Imports no `vscode` (unit-tested in
 * test/unit/compare.test.ts); compare.ts wires it to the editor.
 */
import { type CompareResult, type ComparedArch, EXPERTS_LEGEND, type WorkspaceArch } from '../protocol/lsp';
import { webviewPage } from './panelModel';
import { clip, formatValue } from './viewModel';

/** The architecture whose range holds a position of a document, the innermost (shortest) one if several do. */
export function archAtPosition(archs: readonly WorkspaceArch[], uri: string, line: number, character: number): WorkspaceArch | undefined {
  const holds = (a: WorkspaceArch): boolean => {
    const { start, end } = a.location.range;
    if (a.location.uri !== uri) return false;
    const afterStart = line > start.line || (line === start.line && character >= start.character);
    const beforeEnd = line < end.line || (line === end.line && character <= end.character);
    return afterStart && beforeEnd;
  };
  const size = (a: WorkspaceArch): number => (a.location.range.end.line - a.location.range.start.line) * 1e6 + a.location.range.end.character - a.location.range.start.character;
  return archs.filter(holds).sort((a, b) => size(a) - size(b))[0];
}

const sameLocation = (a: WorkspaceArch, b: WorkspaceArch): boolean =>
  a.location.uri === b.location.uri && a.location.range.start.line === b.location.range.start.line && a.location.range.start.character === b.location.range.start.character;

export interface ComparePickItem {
  label: string;
  description: string;
  detail: string;
  arch: WorkspaceArch;
}

/**
 * The quick-pick items: every architecture (first pick), or the other architectures of `first`'s space (second
 * pick: the same place is left out). Named by its variable, else its text; described by prediction and file:line.
 */
export function comparePickItems(archs: readonly WorkspaceArch[], relativePath: (uri: string) => string, first?: WorkspaceArch): ComparePickItem[] {
  const candidates = first ? archs.filter((a) => a.space === first.space && !sameLocation(a, first)) : archs;
  return candidates.map((a) => ({
    label: a.name ?? clip(a.text, 80),
    description: `${formatValue(a.predicted, a.unit)} · ${relativePath(a.location.uri)}:${a.location.range.start.line + 1}`,
    detail: `${a.spaceTitle}${a.name ? ` · ${clip(a.arch, 100)}` : ''}`,
    arch: a,
  }));
}

/** The compare view's title: both architectures by name (else clipped text). */
export const compareTitle = (names: [string, string]): string => `DELE Compare: ${clip(names[0], 24)} vs ${clip(names[1], 24)}`;

const esc = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');
const num = (x: number | undefined, d = 2): string => (x === undefined || !Number.isFinite(x) ? '–' : x.toFixed(d));

/** Rank line of one architecture: "rank 12 of 15,625 · better than 99.9%". */
function rankText(a: ComparedArch): string {
  const rank = a.rank !== undefined && a.rankOf !== undefined ? `rank ${a.rank.toLocaleString('en-US')} of ${a.rankOf.toLocaleString('en-US')}` : 'rank: computing…';
  return a.percentile !== undefined ? `${rank} · better than ${a.percentile.toFixed(1)}%` : rank;
}

/** The gate weights of both, one row per expert (by display name), highest weight of either first; the larger one marked. */
function expertRows(a: ComparedArch, b: ComparedArch): string[] {
  const names = [...new Set([...a.experts, ...b.experts].map((e) => e.name))];
  const of = (x: ComparedArch, n: string) => x.experts.find((e) => e.name === n);
  const label = (n: string): string => (of(a, n) ?? of(b, n))?.display?.label ?? n;
  const w = (x: ComparedArch, n: string): number => of(x, n)?.weight ?? Number.NaN;
  names.sort((x, y) => Math.max(w(b, y), w(a, y)) - Math.max(w(b, x), w(a, x)));
  return names.map((n) => {
    const [wa, wb] = [w(a, n), w(b, n)];
    const cls = (mine: number, other: number): string => (mine > other ? ' class="more"' : '');
    return `<tr><td>${esc(label(n))}${label(n) !== n ? ` <code>${esc(n)}</code>` : ''}</td><td${cls(wa, wb)}>${num(wa, 3)}</td><td${cls(wb, wa)}>${num(wb, 3)}</td><td>${num(of(a, n)?.score, 3)}</td><td>${num(of(b, n)?.score, 3)}</td></tr>`;
  });
}

/**
 * The compare view's page (no script: a strict CSP with `default-src 'none'`). `names`: how the two are called
 * (a variable name or text) and `places`: where they are written (file:line), as the picks showed them.
 */
export function compareHtml(r: CompareResult, view: { cspSource: string; style: string; names: [string, string]; places: [string, string] }): string {
  const [a, b] = r.archs;
  const unit = r.unit;
  const head = (x: ComparedArch, i: 0 | 1): string =>
    `<th><div class="name">${esc(view.names[i])}</div><div class="muted">${esc(view.places[i])}</div><code class="arch">${esc(clip(x.arch, 400))}</code></th>`;
  const diffRows =
    r.differences.length > 0
      ? r.differences.map((d) => `<tr class="differs"><td>${esc(d.position)}</td><td>${esc(d.a)}</td><td>${esc(d.b)}</td></tr>`).join('\n')
      : `<tr><td colspan="3">${r.same ? 'The same architecture (written differently, or isomorphic): nothing differs.' : 'No position differs.'}</td></tr>`;
  const better = (x: number, y: number): string => (x > y ? ' class="more"' : '');
  const notes = r.archs.flatMap((x, i) => (x.note ? [`<p class="warning">${esc(view.names[i as 0 | 1])}: ${esc(x.note)}</p>`] : []));
  return webviewPage({
    csp: `default-src 'none'; style-src ${view.cspSource} 'unsafe-inline';`,
    style: view.style,
    title: 'DELE Compare',
    bodyClass: 'compare',
    body: `<h1>${esc(r.spaceTitle)}: two architectures side by side</h1>
<section class="card"><table id="compare-archs"><thead><tr><th></th>${head(a, 0)}${head(b, 1)}</tr></thead><tbody>
<tr><td>predicted ${esc(r.target)} (calibrated${unit ? `, ${esc(unit)}` : ''})</td><td${better(a.predicted, b.predicted)}>${num(a.predicted)}${esc(unit)}</td><td${better(b.predicted, a.predicted)}>${num(b.predicted)}${esc(unit)}</td></tr>
<tr><td>rank in ${esc(r.referenceLabel || 'the space')}</td><td>${esc(rankText(a))}</td><td>${esc(rankText(b))}</td></tr>
<tr><td>benchmark ${esc(r.target)}${unit ? ` (${esc(unit)})` : ''}</td><td>${num(a.trueAccuracy)}</td><td>${num(b.trueAccuracy)}</td></tr>
</tbody></table>${notes.join('')}</section>
<section class="card"><h2>Where they differ: ${r.differences.length} of ${r.positions} positions</h2>
<table id="compare-diff"><thead><tr><th>position</th><th>${esc(view.names[0])}</th><th>${esc(view.names[1])}</th></tr></thead><tbody>
${diffRows}
</tbody></table></section>
<section class="card"><h2>Gate weight per expert</h2>
<table id="compare-experts"><thead><tr><th>expert (LF column)</th><th>gate weight: ${esc(view.names[0])}</th><th>gate weight: ${esc(view.names[1])}</th><th>expert score: ${esc(view.names[0])}</th><th>expert score: ${esc(view.names[1])}</th></tr></thead><tbody>
${expertRows(a, b).join('\n')}
</tbody></table><p class="muted">${esc(EXPERTS_LEGEND.replace(/^_|_$/g, ''))}</p></section>`,
  });
}
