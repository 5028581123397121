/**
 * CodeLens: the predicted value and the top gate weights above every valid architecture, or why there is none.
 * A calibrated value that ties with its rank neighbours' also shows the rank; a cell that outputs zeros says so
 * instead of a prediction; lenses of architectures that share a line are prefixed with their names.
 */
import type { TextDocument } from 'vscode-languageserver-textdocument';
import type { CodeLens } from 'vscode-languageserver/node';
import type { FoundArch } from '../space/types';
import type { ServerContext } from './context';
import type { ValidFound } from './documentState';
import type { ArchPrediction, Standing } from './predictorHost';

/** Decimals a predicted value is shown with: one for percentages and large values, three for small scores. */
export function valueDigits(value: number, unit: string): number {
  return unit === '%' || Math.abs(value) >= 10 ? 1 : 3;
}

/** "rank 12 of 15,625" (the whole space) or "top 0.1% of a sample" (a seeded sample of it). */
export function standingText(s: Standing): string {
  if (s.whole) return `rank ${s.rank.toLocaleString('en-US')} of ${s.of.toLocaleString('en-US')}`;
  const share = (100 * s.rank) / s.of;
  return `top ${share < 10 ? share.toFixed(1) : share.toFixed(0)}% of a ${s.of.toLocaleString('en-US')}-architecture sample`;
}

/** The lens of a prediction; `standing`: where it ranks (shown when its calibrated value ties with its neighbours'). */
export function formatLens(p: ArchPrediction, unit = '%', standing?: Standing, top = 3): string {
  const experts = [...p.experts].sort((a, b) => b.weight - a.weight).slice(0, top);
  const digits = valueDigits(p.accuracy, unit);
  const acc = Number.isFinite(p.accuracy) ? `${p.accuracy.toFixed(digits)}${unit}` : 'n/a';
  const rank = standing?.tied ? ` · ${standingText(standing)}` : '';
  if (experts.length <= 1) return `pred ${acc}${rank}`;
  return `pred ${acc}${rank} · top-${experts.length} experts (gate weight): ${experts.map((e) => `${e.display?.label ?? e.name} ${e.weight.toFixed(2)}`).join(', ')}`;
}

/** The lens of a cell whose every input-to-output path goes through `none`: what it is, not a prediction. */
export const zeroOutputLens = (expected: string | undefined): string => `outputs zeros${expected ? ` (${expected})` : ''} · no path from the input to the output avoids none: not a prediction`;

/** The note of a valid architecture that outputs zeros (its space's lint), if it does. */
export function outputsZeros(ctx: ServerContext, f: ValidFound): { expected?: string } | undefined {
  return ctx.spaceById(f.space)?.lint(f.result.arch).find((n) => n.outputsZeros)?.outputsZeros;
}

/** Predictions of a document's valid architectures by their spaces' predictors; the spaces whose predictor is stale. */
function predictionsOf(ctx: ServerContext, valid: ValidFound[]): { predOf: Map<ValidFound, { p: ArchPrediction; unit: string; standing?: Standing }>; stale: Set<string> } {
  const predOf = new Map<ValidFound, { p: ArchPrediction; unit: string; standing?: Standing }>();
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
        const standing = p ? host.standing(p.score) : undefined;
        if (p) predOf.set(f, { p, unit: host.info?.targetUnit ?? '', ...(standing ? { standing } : {}) });
      });
    } catch (e) {
      // One space's failure must not take the other spaces' lenses down.
      ctx.connection.console.error(`DELE server: predicting ${spaceId} failed: ${(e as Error).message}`);
    }
  }
  return { predOf, stale };
}

/** The text of an architecture on one line, clipped (a lens prefix). */
export function shortText(text: string): string {
  const t = text.replace(/\s+/g, ' ').trim();
  return t.length > 28 ? `${t.slice(0, 27)}…` : t;
}

/**
 * VS Code joins the lenses of one line with " | ": each is then prefixed with its architecture's assigned name
 * when the line's architectures have different names, else with its text.
 */
export function prefixShared(lenses: { lens: CodeLens; f: Pick<FoundArch, 'name' | 'text'> }[]): CodeLens[] {
  const perLine = new Map<number, (string | undefined)[]>();
  for (const { lens, f } of lenses) perLine.set(lens.range.start.line, [...(perLine.get(lens.range.start.line) ?? []), f.name]);
  return lenses.map(({ lens, f }) => {
    const names = perLine.get(lens.range.start.line) ?? [];
    if (names.length <= 1 || !lens.command) return lens;
    const byName = f.name !== undefined && names.filter((n) => n === f.name).length === 1;
    return { ...lens, command: { ...lens.command, title: `${byName ? f.name : shortText(f.text)}: ${lens.command.title}` } };
  });
}

export function codeLenses(ctx: ServerContext, doc: TextDocument): CodeLens[] {
  if (!ctx.settings().codeLens.enabled) return [];
  const valid = ctx.valid(doc);
  const { predOf, stale } = predictionsOf(ctx, valid);
  const rangeOf = (f: FoundArch): CodeLens['range'] => ({ start: doc.positionAt(f.start), end: doc.positionAt(f.end) });
  const unscorable = ctx
    .parse(doc)
    .filter((f) => !f.result.ok && f.unscorable)
    // No command id: VS Code shows the lens as text, not a link.
    .map((f) => ({ f, lens: { range: rangeOf(f), command: { title: `${ctx.spaceById(f.space)?.title ?? f.space}: cannot score · ${f.unscorable}`, command: '' } } }));
  const scored = valid.map((f): { f: FoundArch; lens: CodeLens } => {
    const range = rangeOf(f);
    const zeros = outputsZeros(ctx, f);
    if (zeros) return { f, lens: { range, command: { title: zeroOutputLens(zeros.expected), command: '' } } };
    const hit = predOf.get(f);
    if (hit) return { f, lens: { range, command: { title: formatLens(hit.p, hit.unit, hit.standing), command: 'dele.showPanel', arguments: [{ space: f.space }] } } };
    const title = ctx.spaceById(f.space)?.title ?? f.space;
    const what = stale.has(f.space) ? 'the predictor was trained on an earlier declaration of this space · retrain…' : 'no predictor for this space · train one…';
    return { f, lens: { range, command: { title: `${title}: ${what}`, command: 'dele.trainPredictor', arguments: [{ space: f.space }] } } };
  });
  const all = [...scored, ...unscorable].sort((a, b) => a.lens.range.start.line - b.lens.range.start.line || a.lens.range.start.character - b.lens.range.start.character);
  return prefixShared(all);
}
