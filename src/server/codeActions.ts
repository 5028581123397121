/**
 * "Try better neighbours": every architecture one edit away that is valid in its space, scored by the space's
 * predictor; the best NEIGHBOUR_ACTIONS by predicted score as quick fixes that rewrite the architecture in the
 * form it is written in, titled with the predicted value and its change.
 */
import type { TextDocument } from 'vscode-languageserver-textdocument';
import { type CodeAction, CodeActionKind } from 'vscode-languageserver/node';
import type { ServerContext } from './context';
import { valueDigits } from './lenses';
import type { ArchPrediction } from './predictorHost';

/** Neighbours scored per request at most, and how many are offered. */
export const MAX_NEIGHBOURS = 2_000;
export const NEIGHBOUR_ACTIONS = 5;

export function betterNeighbours(ctx: ServerContext, doc: TextDocument, from: number, to: number): CodeAction[] {
  const f = ctx.valid(doc).find((x) => from <= x.end && to >= x.start);
  if (!f) return [];
  const space = ctx.spaceById(f.space);
  const host = ctx.hostFor(f.space);
  if (!space?.neighbours || !space.render || !host || host === 'stale') return [];
  const render = space.render.bind(space);
  const ns = space.neighbours(f.result.arch).slice(0, MAX_NEIGHBOURS);
  const preds = host.predict([f.result.arch, ...ns.map((n) => n.arch)]);
  const [base] = preds;
  if (!base || preds.length !== ns.length + 1) return [];
  const unit = host.info?.targetUnit ?? '';
  const digits = valueDigits(base.accuracy, unit);
  const range = { start: doc.positionAt(f.start), end: doc.positionAt(f.end) };
  return ns
    .map((n, i) => ({ n, p: preds[i + 1] as ArchPrediction }))
    .sort((a, b) => b.p.score - a.p.score)
    .slice(0, NEIGHBOUR_ACTIONS)
    .flatMap(({ n, p }) => {
      const newText = render(n.arch, f);
      if (newText === undefined) return [];
      const delta = p.accuracy - base.accuracy;
      const change = `${delta >= 0 ? '+' : '−'}${Math.abs(delta).toFixed(digits)}${unit === '%' ? ' pts' : ''}`;
      const title = `DELE: ${change} (pred ${p.accuracy.toFixed(digits)}${unit}): ${n.change}`;
      return [{ title, kind: CodeActionKind.QuickFix, edit: { changes: { [doc.uri]: [{ range, newText }] } } }];
    });
}
