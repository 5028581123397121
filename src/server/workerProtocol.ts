/** Messages between the language server and its training worker thread. */
import type { TrainingEpoch, TrainParams } from '../protocol/lsp';

/** `declaration`: a declared space's declaration (built-in spaces need only `params.space`). */
export type ToWorker = { type: 'start'; params: TrainParams; declaration?: unknown; outDir: string } | { type: 'cancel' };

export type FromWorker =
  | { type: 'backend'; name: string }
  | { type: 'epoch'; epoch: TrainingEpoch }
  | { type: 'done'; kendallTau: number; path: string; seconds: number }
  | { type: 'cancelled' }
  | { type: 'error'; message: string };
