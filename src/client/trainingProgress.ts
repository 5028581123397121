/**
 * The training's progress notification, without the editor: which step and epoch, and the time left in the step.
 * Imports no `vscode` (unit-tested in test/unit/newcomer.test.ts); extension.ts shows the text in a cancellable
 * progress notification fed by TrainingEpochNotification (the epochs the panel's live curve draws).
 */
import type { TrainingEpoch } from '../protocol/lsp';

/** 8 s, 1 min 20 s, 2 min, 1 h 5 min (rounded to the second, under an hour; to the minute above). */
export function formatDuration(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return `${s} s`;
  if (s < 3600) return s % 60 === 0 ? `${s / 60} min` : `${Math.floor(s / 60)} min ${s % 60} s`;
  const m = Math.round(s / 60);
  return m % 60 === 0 ? `${m / 60} h` : `${Math.floor(m / 60)} h ${m % 60} min`;
}

/**
 * The step's remaining time from the epochs seen so far in it: (elapsed since its first epoch) / (epochs since its
 * first) per epoch, times the epochs left. Undefined before the step's 2nd epoch (the first carries the set-up).
 */
export function stepEta(first: TrainingEpoch, e: TrainingEpoch): number | undefined {
  if (e.phase !== first.phase || e.epoch <= first.epoch) return undefined;
  const perEpoch = (e.elapsedSeconds - first.elapsedSeconds) / (e.epoch - first.epoch);
  return Math.max(0, perEpoch) * Math.max(0, e.epochs - e.epoch);
}

/** The label of an epoch's step: step 1 (experts on LF measures) and step 2 (ground truth); vanilla has one step and no label. */
const stepLabel = (phase: TrainingEpoch['phase'], method: string | undefined): string => (method === 'vanilla' ? '' : phase === 'pretrain' ? 'step 1: ' : 'step 2: ');

export const TRAINING_STARTING = 'starting (reading the data)…';

/**
 * The notification's text for a training's epochs in order: "step 1: epoch 12/40 · ETA 1 min 20 s",
 * "step 2: epoch 150/200 · ETA 8 s"; "epoch 3/200" (no ETA yet, and no step for vanilla).
 */
export class TrainingProgressText {
  private first?: TrainingEpoch;
  private last?: TrainingEpoch;
  private current = TRAINING_STARTING;

  constructor(private readonly method: string | undefined) {}

  get text(): string {
    return this.current;
  }

  /** Takes the next epoch; returns the new text. */
  update(e: TrainingEpoch): string {
    // A new step (or a new training: its epochs count from 1 again) starts the clock again.
    if (!this.first || this.first.phase !== e.phase || (this.last && e.epoch <= this.last.epoch)) this.first = e;
    this.last = e;
    const eta = stepEta(this.first, e);
    this.current = `${stepLabel(e.phase, this.method)}epoch ${e.epoch}/${e.epochs}${eta !== undefined ? ` · ETA ${formatDuration(eta)}` : ''}`;
    return this.current;
  }
}
