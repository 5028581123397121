/**
 * What the DELE side bar shows, without the editor: tree grouping, item labels, descriptions and tooltips,
 * view messages and the CSV exports. Imports no `vscode` (unit-tested in test/unit/client.test.ts); views.ts
 * turns these plain objects into TreeItems and MarkdownStrings.
 */
import { type ArchLocation, EXPERTS_LEGEND, type RankedArch, type ResultsSummary, type SearchProposal, type SearchResponse, type WorkspaceArch, type WorkspaceArchitecturesResult } from '../protocol/lsp';

/** Languages whose documents the Architectures view watches for edits, saves and closes. */
export const WATCHED_LANGUAGES: ReadonlySet<string> = new Set(['python', 'json', 'jsonc', 'yaml', 'dele-arch']);

/** Does an edit, save or close of this document call for a refresh of the Architectures view? */
export const isWatchedDocument = (languageId: string, scheme: string): boolean => WATCHED_LANGUAGES.has(languageId) && (scheme === 'file' || scheme === 'untitled');

/** One line (runs of white space become one space), at most `n` characters with an ellipsis. */
export const clip = (t: string, n = 48): string => {
  const one = t.replace(/\s+/g, ' ');
  return one.length > n ? `${one.slice(0, n - 1)}…` : one;
};
const digits = (v: number, unit: string): number => (unit === '%' || Math.abs(v) >= 10 ? 1 : 3);
/** A predicted value: 1 decimal for percentages and values of 10 or more, else 3. */
export const formatValue = (v: number, unit: string): string => `${v.toFixed(digits(v, unit))}${unit}`;
/** Experts by gate weight, highest first (a copy). */
export const byWeight = (r: RankedArch): RankedArch['experts'] => [...r.experts].sort((a, b) => b.weight - a.weight);
export const topExpert = (r: RankedArch): RankedArch['experts'][number] | undefined => byWeight(r)[0];
/** An expert's display name (sent by the server), else its LF column. */
export const expertLabel = (e: RankedArch['experts'][number]): string => e.display?.label ?? e.name;

/** "s" unless n is 1. */
export const plural = (n: number): string => (n === 1 ? '' : 's');

/** A tooltip: markdown, then the architecture as a code block (the adapter appends it with appendCodeblock). */
export interface TooltipModel {
  markdown: string;
  code: string;
}

export function tooltip(r: RankedArch, unit: string, head: string[]): TooltipModel {
  let md = '';
  for (const h of head) md += `${h}\n\n`;
  md += `Predicted: **${formatValue(r.predicted, unit)}**`;
  if (r.percentile !== undefined) md += ` · better than ${r.percentile.toFixed(1)}% of the space`;
  if (r.trueAccuracy !== undefined) md += ` · benchmark: ${r.trueAccuracy.toFixed(2)}`;
  md += '\n\n| expert (LF column) | gate weight (share) | expert score (unitless) |\n|---|---:|---:|\n';
  for (const e of byWeight(r)) md += `| ${expertLabel(e)} (${e.name}) | ${e.weight.toFixed(3)} | ${e.score.toFixed(3)} |\n`;
  md += `\n${EXPERTS_LEGEND}\n`;
  return { markdown: md, code: r.arch.length > 2000 ? `${r.arch.slice(0, 2000)}…` : r.arch };
}

/** A CSV field: quoted (inner quotes doubled) when it holds a quote, comma or line break. */
export const csvField = (s: string): string => (/[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s);
const num = (x: number | undefined): string => (x === undefined || !Number.isFinite(x) ? '' : String(Number(x.toPrecision(7))));

/** CSV of ranked architectures: the given leading columns, predicted, percentile, true value, then one gate-weight column per expert. */
export function rankedCsv<T extends RankedArch>(rows: T[], lead: { name: string; value: (r: T, i: number) => string }[]): string {
  const experts: string[] = [];
  for (const r of rows) for (const e of r.experts) if (!experts.includes(e.name)) experts.push(e.name);
  const header = [...lead.map((c) => c.name), 'predicted', 'percentile', 'true', 'top_expert', ...experts.map((e) => `weight_${e}`)];
  const lines = [header.map(csvField).join(',')];
  rows.forEach((r, i) => {
    const w = new Map(r.experts.map((e) => [e.name, e.weight]));
    lines.push([...lead.map((c) => c.value(r, i)), num(r.predicted), num(r.percentile), num(r.trueAccuracy), topExpert(r)?.name ?? '', ...experts.map((e) => num(w.get(e)))].map(csvField).join(','));
  });
  return `${lines.join('\n')}\n`;
}

/** The Architectures export: rank, space, arch, file (as `relativePath` names it), line, then rankedCsv's columns. */
export function architecturesCsv(rows: WorkspaceArch[], relativePath: (uri: string) => string): string {
  return rankedCsv(rows, [
    { name: 'rank', value: (_, i) => String(i + 1) },
    { name: 'space', value: (a) => a.space },
    { name: 'arch', value: (a) => a.arch },
    { name: 'file', value: (a) => relativePath(a.location.uri) },
    { name: 'line', value: (a) => String(a.location.range.start.line + 1) },
  ]);
}

/** The Proposals export: rank, arch, then rankedCsv's columns; and the file name the save dialog proposes. */
export function proposalsCsv(r: SearchResponse): { name: string; csv: string } {
  const csv = rankedCsv(r.proposals, [
    { name: 'rank', value: (_, i) => String(i + 1) },
    { name: 'arch', value: (p) => p.arch },
  ]);
  return { name: `proposals-${r.space}.csv`, csv };
}

export type ArchNode = { kind: 'space'; space: string; title: string; archs: WorkspaceArch[]; labelled?: ResultsSummary } | { kind: 'arch'; a: WorkspaceArch };
export type ProposalNode = { p: SearchProposal; rank: number };

/** The Architectures tree: the archs in the server's order, under one node per space when there are several spaces. */
export function archChildren(result: WorkspaceArchitecturesResult | undefined, node?: ArchNode): ArchNode[] {
  if (node?.kind === 'space') return node.archs.map((a) => ({ kind: 'arch', a }));
  if (node) return [];
  const archs = result?.archs ?? [];
  const labelled = new Map((result?.labelled ?? []).map((r) => [r.space, r]));
  // A space with a results file gets its group (and its "N labelled") even when no open file holds its archs.
  const spaces = [...new Set([...archs.map((a) => a.space), ...labelled.keys()])];
  if (spaces.length <= 1 && labelled.size === 0) return archs.map((a) => ({ kind: 'arch', a }));
  return spaces.map((space) => {
    const mine = archs.filter((a) => a.space === space);
    const l = labelled.get(space);
    return { kind: 'space', space, title: mine[0]?.spaceTitle ?? l?.spaceTitle ?? space, archs: mine, ...(l ? { labelled: l } : {}) };
  });
}

export function proposalChildren(result: SearchResponse | undefined, node?: ProposalNode): ProposalNode[] {
  if (node) return [];
  return (result?.proposals ?? []).map((p, i) => ({ p, rank: i + 1 }));
}

export interface SpaceItemModel {
  id: string;
  label: string;
  description: string;
  /** Groups start collapsed: a workspace of several spaces shows its spaces first (a DARTS file alone holds 56). */
  collapsed: boolean;
}

export function spaceItem(node: Extract<ArchNode, { kind: 'space' }>): SpaceItemModel {
  const l = node.labelled;
  const labelled = l ? ` · ${l.labelled} labelled${l.problems ? ` (${l.problems} bad row${plural(l.problems)})` : ''}` : '';
  return { id: `space:${node.space}`, label: node.title, description: `${node.archs.length} architecture${plural(node.archs.length)}${labelled}`, collapsed: true };
}

export interface ArchItemModel {
  id: string;
  label: string;
  description: string;
  tooltip: TooltipModel;
}

/** An architecture's item; `file` is the base name of its document. */
export function archItem(a: WorkspaceArch, file: string): ArchItemModel {
  const top = topExpert(a);
  const line = a.location.range.start.line;
  return {
    id: `${a.location.uri}#${line}:${a.location.range.start.character}`,
    // Named by the variable it is assigned to (else its text) and where it is: a 56-entry group stays readable.
    label: a.name ?? clip(a.arch),
    description: `${formatValue(a.predicted, a.unit)} · ${file}:${line + 1}${top ? ` · ${expertLabel(top)} ${top.weight.toFixed(2)}` : ''}`,
    tooltip: tooltip(a, a.unit, [`**${a.spaceTitle}**${a.name ? ` · \`${a.name}\`` : ''} · ${file}:${line + 1}`]),
  };
}

export interface ProposalItemModel {
  label: string;
  description: string;
  tooltip: TooltipModel;
}

export function proposalItem(node: ProposalNode, result: SearchResponse | undefined): ProposalItemModel {
  const { p, rank } = node;
  const unit = result?.unit ?? '';
  const top = topExpert(p);
  return {
    label: `${rank}. ${formatValue(p.predicted, unit)}`,
    description: `${clip(p.arch)}${p.trueAccuracy !== undefined ? ` · true ${p.trueAccuracy.toFixed(2)}` : ''}${top ? ` · ${expertLabel(top)} ${top.weight.toFixed(2)}` : ''}`,
    tooltip: tooltip(p, unit, [`**Proposal ${rank}** · ${result?.spaceTitle ?? ''}`]),
  };
}

/** The Architectures view's message and badge-like description after a load. */
export function archViewState(r: WorkspaceArchitecturesResult): { message: string | undefined; description: string | undefined } {
  const n = r.archs.length;
  const notes = r.notes.join('; ');
  const message = n === 0 ? `No scored architectures in ${r.files} file${plural(r.files)}${notes ? ` (${notes})` : ''}.` : notes ? `${notes}.` : undefined;
  return { message, description: n > 0 ? `${n}${r.truncated ? '+' : ''}` : undefined };
}

export const proposalsViewMessage = (r: SearchResponse): string => `${r.proposals.length} proposal${plural(r.proposals.length)}: ${r.message}.`;

/** What "Suggest Better Neighbours" reveals: a location as the item's click passes it, or an architecture node's. */
export function nodeLocation(node?: ArchNode | ArchLocation): ArchLocation | undefined {
  return node === undefined ? undefined : 'uri' in node ? node : node.kind === 'arch' ? node.a.location : undefined;
}

/** What "Copy Architecture" copies: a proposal's text (in its document's form), an architecture's key. */
export function nodeText(node?: ArchNode | ProposalNode): string | undefined {
  return node === undefined ? undefined : 'p' in node ? node.p.text : node.kind === 'arch' ? node.a.arch : undefined;
}

/** The notification after a search (interactive runs). */
export function proposeSummary(r: SearchResponse): string {
  const best = r.proposals[0];
  if (!best) return `DELE: no proposals (${r.message}).`;
  return `DELE: ${r.proposals.length} proposals, best predicted ${formatValue(best.predicted, r.unit)}${best.trueAccuracy !== undefined ? ` (benchmark ${best.trueAccuracy.toFixed(2)})` : ''}; ${r.message}.`;
}
