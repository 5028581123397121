/**
 * Hover: every expert with its gate weight, the rank percentile, the benchmark value, LF measures; or why no
 * prediction. Names from data and documents are escaped (markdown.ts): they show as text, never as links or HTML.
 */
import type { TextDocument } from 'vscode-languageserver-textdocument';
import { type Hover, MarkupKind } from 'vscode-languageserver/node';
import { EXPERTS_LEGEND } from '../protocol/lsp';
import type { FoundArch } from '../space/types';
import type { ServerContext } from './context';
import { codeSpan, escapeMarkdown as esc } from './markdown';
import type { ValidFound } from './documentState';
import { outputsZeros, standingText } from './lenses';
import type { ArchPrediction, PredictorHost } from './predictorHost';

type Range = Hover['range'];
const markdown = (lines: string[], range: Range): Hover => ({ contents: { kind: MarkupKind.Markdown, value: lines.join('\n') }, range });

export function hover(ctx: ServerContext, doc: TextDocument, offset: number): Hover | null {
  const f = ctx.parse(doc).find((x) => offset >= x.start && offset <= x.end);
  if (!f) return null;
  const range = { start: doc.positionAt(f.start), end: doc.positionAt(f.end) };
  if (!f.result.ok) return f.unscorable ? unscorableHover(ctx, f, range) : null;
  const valid = f as ValidFound;
  const zeros = outputsZeros(ctx, valid);
  if (zeros) return zeroOutputHover(ctx, valid, zeros.expected, range);
  const host = ctx.hostFor(f.space);
  return !host || host === 'stale' ? unpredictedHover(ctx, valid, host, range) : predictedHover(ctx, valid, host, range);
}

function unscorableHover(ctx: ServerContext, f: FoundArch, range: Range): Hover {
  const space = ctx.spaceById(f.space);
  const problems = f.result.ok ? [] : f.result.problems;
  const lines = [
    `**DELE** · ${esc(space?.title ?? f.space)}: this architecture cannot be scored: ${esc(f.unscorable ?? '')}.`,
    '',
    ...problems.slice(0, 8).map((p) => `- ${esc(p.message)}`),
    '',
    `The ${esc(f.space)} predictor scores: ${space?.syntax ?? ''}`,
  ];
  return markdown(lines, range);
}

/** What every hover of a valid architecture shows: the space's description, the benchmark value, LF measures. */
function details(ctx: ServerContext, f: ValidFound): { described: string[]; truthLine?: string; lfLines: string[] } {
  const space = ctx.spaceById(f.space);
  const truth = ctx.trueValue(f.space, f.result.key);
  // The benchmark value's unit: the predictor's, when it predicts that target.
  const host = ctx.hostFor(f.space);
  const info = host && host !== 'stale' ? host.info : undefined;
  const unit = truth && info?.target === truth.target ? info.targetUnit : '';
  return {
    described: space?.describe?.(f.result.arch) ?? [],
    truthLine: truth ? `${esc(space?.title ?? f.space)} benchmark ${esc(truth.target)}: ${truth.value.toFixed(2)}${unit}` : undefined,
    lfLines: ctx.lf.hoverLines(f.space, f.result.key).flatMap((l) => [l, '']),
  };
}

function unpredictedHover(ctx: ServerContext, f: ValidFound, host: 'stale' | undefined, range: Range): Hover {
  const { described, truthLine, lfLines } = details(ctx, f);
  const lines = [`**DELE** · ${esc(ctx.spaceById(f.space)?.title ?? f.space)} architecture`, ''];
  if (truthLine) lines.push(truthLine, '');
  lines.push(
    host === 'stale'
      ? `The ${esc(f.space)} predictor was trained on an earlier declaration of this space (its space file changed since): retrain with **DELE: Train Predictor…**.`
      : `No predictor for this space yet: train one with **DELE: Train Predictor…**.`,
    '',
    ...(described.length > 0 ? [...described, ''] : []),
    ...lfLines,
    codeSpan(f.result.key),
  );
  return markdown(lines, range);
}


/** The experts table of a prediction, by gate weight, each expert by its display name (and its column). */
export function expertsTable(experts: ArchPrediction['experts']): string[] {
  const rows = [...experts]
    .sort((a, b) => b.weight - a.weight)
    .map((e) => `| ${esc(e.display?.label ?? e.name)} ${e.display && e.display.label !== e.name ? codeSpan(e.name) : ''} | ${e.weight.toFixed(3)} | ${e.score.toFixed(3)} |`);
  return ['| expert (LF column) | gate weight (share) | expert score (unitless) |', '|---|---:|---:|', ...rows, '', EXPERTS_LEGEND];
}

/** The headline: the calibrated value, and where it ranks; a tie with its rank neighbours is said and the rank shown. */
export function predictedHeadline(p: ArchPrediction, host: Pick<PredictorHost, 'percentile' | 'referenceLabel' | 'standing'>, target: string, unit: string): string {
  const value = `**${p.accuracy.toFixed(Math.abs(p.accuracy) >= 10 ? 2 : 4)}${unit}**`;
  const pct = host.percentile(p.score);
  const standing = host.standing(p.score);
  const rank = standing?.tied
    ? ` · ${standingText(standing)}: the calibrated value is tied with its rank neighbours' (isotonic calibration is flat there), so the rank orders them`
    : '';
  return (
    `**DELE** predicted ${esc(target)} (calibrated): ${value}` +
    (pct !== undefined ? ` · better than ${pct.toFixed(1)}% of ${esc(host.referenceLabel())}${rank}` : ' · rank percentile: computing…')
  );
}

function zeroOutputHover(ctx: ServerContext, f: ValidFound, expected: string | undefined, range: Range): Hover {
  const { described, truthLine, lfLines } = details(ctx, f);
  const lines = [
    `**DELE** · ${esc(ctx.spaceById(f.space)?.title ?? f.space)}: this cell outputs zeros${expected ? ` (${esc(expected)})` : ''}: no path from the input to the output avoids \`none\`, so it is not scored (a predicted value would mean nothing for it).`,
  ];
  if (truthLine) lines.push('', truthLine);
  if (described.length > 0) lines.push('', ...described);
  lines.push(...(lfLines.length > 0 ? ['', ...lfLines] : ['']), codeSpan(f.result.key));
  return markdown(lines, range);
}

function predictedHover(ctx: ServerContext, f: ValidFound, host: PredictorHost, range: Range): Hover | null {
  const [p] = host.predict([f.result.arch]);
  if (!p) return null;
  const { described, truthLine, lfLines } = details(ctx, f);
  const info = host.info;
  const lines = [predictedHeadline(p, host, info?.target ?? 'accuracy', info?.targetUnit ?? '')];
  if (truthLine) lines.push(truthLine);
  if (described.length > 0) lines.push('', ...described);
  lines.push('', ...expertsTable(p.experts), '');
  if (info) {
    lines.push(
      `_${esc(info.method)} · ${esc(info.encoder)} · ${esc(info.spaceTitle)} · ${info.source} predictor · trained on ${(info.trainRatio * 100).toFixed(0)}% ground truth of ${esc(info.dataSource)} · held-out Kendall's τ ${info.kendallTau?.toFixed(3) ?? 'n/a'}_`,
    );
  }
  lines.push(...(lfLines.length > 0 ? ['', ...lfLines] : []), codeSpan(f.result.key));
  return markdown(lines, range);
}
