/**
 * Editor-free parts of the predictor history in the client: the notice after a training (asking before a worse
 * predictor replaces the active one), the "DELE: Use Previous Predictor…" quick picks, and the gate that keeps a
 * second Train Predictor… from starting (or wiping the panel's live curve) while one runs.
 */
import type { PredictorHistoryEntry, PredictorHistoryResult, PredictorMetric, TrainResult } from '../protocol/lsp';

export const USE_NEW = 'Use the new one';
export const KEEP_CURRENT = 'Keep the current one';
export const USE_PREVIOUS = 'Use Previous Predictor…';
export const SHOW_PROGRESS = 'Show Progress';
export const CANCEL_TRAINING = 'Cancel Training';

export interface TrainingNotice {
  level: 'info' | 'warning' | 'error';
  text: string;
  /** Buttons, in order. */
  actions: string[];
  /** The entry `USE_NEW` makes active (dele/usePredictor), when the notice asks. */
  use?: { space: string; entry: string };
}

/**
 * What the user sees when a training ends: a better predictor replaced the active one (and how to go back), a
 * worse or not comparable one waits for "Use the new one" / "Keep the current one", or why nothing changed.
 */
export function trainingOutcomeNotice(result: TrainResult): TrainingNotice {
  if (result.status === 'cancelled') return { level: 'info', text: `DELE: ${result.message}.`, actions: [] };
  if (result.status === 'failed') return { level: 'error', text: `DELE training failed: ${result.message.split('\n')[0]}`, actions: [] };
  const h = result.history;
  if (!h) return { level: 'info', text: `DELE predictor trained (${result.message}).`, actions: [] };
  const c = h.comparison.text;
  if (h.replaced && result.update) {
    return { level: 'info', text: `DELE: the ${h.space} predictor is updated and active: ${result.message}. To go back: DELE: Use Previous Predictor….`, actions: [USE_PREVIOUS] };
  }
  if (h.replaced) {
    return { level: 'info', text: `DELE: the new ${h.space} predictor is active (${c}). To go back: DELE: Use Previous Predictor….`, actions: [USE_PREVIOUS] };
  }
  if (h.ask) {
    const why = h.comparison.verdict === 'worse' ? 'is worse than the active one' : 'cannot be compared with the active one';
    return { level: 'warning', text: `DELE: the new ${h.space} predictor ${why} (${c}). It is kept in the history.`, actions: [USE_NEW, KEEP_CURRENT], use: { space: h.space, entry: h.entry } };
  }
  return { level: 'info', text: `DELE predictor trained (${result.message}).`, actions: [USE_PREVIOUS] };
}

export const metricLabel = (m: PredictorMetric): string => (m.kendallTau !== undefined ? `τ ${m.kendallTau.toFixed(3)}` : 'no held-out metric');

const percent = (r: number): string => `${+(r * 100).toFixed(2)}%`;

export interface HistoryPickItem {
  label: string;
  description: string;
  detail: string;
  entry: PredictorHistoryEntry;
}

/** The quick pick of one space's history: metric, description, date; the active one marked. */
export function historyItems(entries: PredictorHistoryEntry[]): HistoryPickItem[] {
  return entries.map((e) => {
    const name = e.kind === 'bundled' ? 'Bundled predictor' : `Trained ${e.createdAt.slice(0, 16).replace('T', ' ')}`;
    const metricNote = e.metric.kendallTau === undefined && e.metric.missing ? ` (${e.metric.missing})` : '';
    return {
      label: `${e.active ? '$(check) ' : ''}${name}`,
      description: `${metricLabel(e.metric)}${e.active ? ' · active' : ''}`,
      detail: `${e.target} · ${percent(e.trainRatio)} ground truth (${e.groundTruthSize} labels) · ${e.method} · ${e.encoder} · ${e.dataSource}${metricNote}`,
      entry: e,
    };
  });
}

/** The spaces to choose from when more than one has a history: those with trained entries first. */
export function historySpaceItems(result: PredictorHistoryResult): { label: string; description: string; space: string }[] {
  const trained = (x: PredictorHistoryResult['spaces'][number]): number => x.entries.filter((e) => e.kind === 'trained').length;
  return [...result.spaces]
    .sort((a, b) => Number(trained(b) > 0) - Number(trained(a) > 0))
    .map((x) => ({ label: x.spaceTitle, description: `${trained(x)} trained · ${x.space}`, space: x.space }));
}

/** The space whose history to show without asking: the only one, or the only one with trained predictors. */
export function historySpaceWithoutAsking(result: PredictorHistoryResult): string | undefined {
  if (result.spaces.length === 1) return result.spaces[0]?.space;
  const withTrained = result.spaces.filter((x) => x.entries.some((e) => e.kind === 'trained'));
  return withTrained.length === 1 ? withTrained[0]?.space : undefined;
}

export const BUSY_TRAINING_TEXT = 'DELE: a training is already running. Wait for it, watch it, or cancel it before starting another.';

/**
 * One training at a time from this client: `begin` before the wizard and again before the request (with the
 * server's `training` flag); only the request that got through may start the panel's new curve.
 */
export class TrainingGate {
  private inFlight = false;

  /** Would a training start now? False while this client's training runs or the server reports one. */
  free(serverTraining: boolean): boolean {
    return !this.inFlight && !serverTraining;
  }

  /** Claims the gate (synchronously, so two commands cannot both pass); false when it is taken. */
  begin(serverTraining: boolean): boolean {
    if (!this.free(serverTraining)) return false;
    this.inFlight = true;
    return true;
  }

  end(): void {
    this.inFlight = false;
  }
}
