/** CodeLens: the predicted value and the top gate weights above every valid architecture, or why there is none. */
import type { TextDocument } from 'vscode-languageserver-textdocument';
import type { CodeLens } from 'vscode-languageserver/node';
import { shortLfName } from '../data/dataset';
import type { ServerContext } from './context';
import type { ValidFound } from './documentState';
import type { ArchPrediction } from './predictorHost';

/** Decimals a predicted value is shown with: one for percentages and large values, three for small scores. */
export function valueDigits(value: number, unit: string): number {
  return unit === '%' || Math.abs(value) >= 10 ? 1 : 3;
}

export function formatLens(p: ArchPrediction, unit = '%', top = 3): string {
  const experts = [...p.experts].sort((a, b) => b.weight - a.weight).slice(0, top);
  const digits = valueDigits(p.accuracy, unit);
  const acc = Number.isFinite(p.accuracy) ? `${p.accuracy.toFixed(digits)}${unit}` : 'n/a';
  if (experts.length <= 1) return `pred ${acc}`;
  return `pred ${acc} · top-${experts.length} experts ${experts.map((e) => `${shortLfName(e.name)} ${e.weight.toFixed(2)}`).join(' ')}`;
}

/** Predictions of a document's valid architectures by their spaces' predictors; the spaces whose predictor is stale. */
function predictionsOf(ctx: ServerContext, valid: ValidFound[]): { predOf: Map<ValidFound, { p: ArchPrediction; unit: string }>; stale: Set<string> } {
  const predOf = new Map<ValidFound, { p: ArchPrediction; unit: string }>();
  const stale = new Set<string>();
  for (const spaceId of new Set(valid.map((f) => f.space))) {
    const host = ctx.hostFor(spaceId);
    if (host === 'stale') stale.add(spaceId);
    if (!host || host === 'stale') continue;
    const mine = valid.filter((f) => f.space === spaceId);
    try {
      const preds = host.predict(mine.map((f) => f.result.arch));
      mine.forEach((f, i) => {
        // predict() gives one prediction per arch (none when the host has no predictor any more).
        const p = preds[i];
        if (p) predOf.set(f, { p, unit: host.info?.targetUnit ?? '' });
      });
    } catch (e) {
      // One space's failure must not take the other spaces' lenses down.
      ctx.connection.console.error(`DELE server: predicting ${spaceId} failed: ${(e as Error).message}`);
    }
  }
  return { predOf, stale };
}

export function codeLenses(ctx: ServerContext, doc: TextDocument): CodeLens[] {
  if (!ctx.settings().codeLens.enabled) return [];
  const valid = ctx.valid(doc);
  const { predOf, stale } = predictionsOf(ctx, valid);
  const unscorable = ctx
    .parse(doc)
    .filter((f) => !f.result.ok && f.unscorable)
    .map((f) => ({
      range: { start: doc.positionAt(f.start), end: doc.positionAt(f.end) },
      // No command id: VS Code shows the lens as text, not a link.
      command: { title: `${ctx.spaceById(f.space)?.title ?? f.space}: cannot score · ${f.unscorable}`, command: '' },
    }));
  return valid
    .flatMap((f): CodeLens[] => {
      const range = { start: doc.positionAt(f.start), end: doc.positionAt(f.end) };
      const hit = predOf.get(f);
      if (hit) return [{ range, command: { title: formatLens(hit.p, hit.unit), command: 'dele.showPanel', arguments: [{ space: f.space }] } }];
      const title = ctx.spaceById(f.space)?.title ?? f.space;
      const what = stale.has(f.space) ? 'the predictor was trained on an earlier declaration of this space · retrain…' : 'no predictor for this space · train one…';
      return [{ range, command: { title: `${title}: ${what}`, command: 'dele.trainPredictor', arguments: [{ space: f.space }] } }];
    })
    .concat(unscorable)
    .sort((a, b) => a.range.start.line - b.range.start.line || a.range.start.character - b.range.start.character);
}
