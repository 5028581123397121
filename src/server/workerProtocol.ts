/** Messages between the language server and its worker thread (training, and reading a user's data file). */
import { bundledDataSpace, type Dataset, importDataFile, joinDatasets, lfNames, loadBundled, targetNames } from '../data/dataset';
import { lfDisplay } from '../data/lfNames';
import type { SearchSpace } from '../space/types';
import type { DataInfoResult, ProposeBatchResult, TrainingEpoch, TrainParams, UpdateOutcome } from '../protocol/lsp';

/**
 * `declaration`: a declared space's declaration (built-in spaces need only the space id).
 * `jobs`: the `dele.trainingJobs` setting (threads that train step 1's experts; 0: all cores but one).
 * `dataInfo` reads a data file and answers its columns (one `dataInfo` or `error` message), off the server's thread.
 * `scorer` + `score`: a search's predictor calls, off the server's thread (scoringWorker.ts).
 */
export type ToWorker =
  | { type: 'start'; params: TrainParams; declaration?: unknown; outDir: string; /** Training worker threads (both steps); 0 or absent: all cores but one. */ jobs?: number }
  | { type: 'cancel' }
  | { type: 'dataInfo'; data: string; join: string[]; space: string; declaration?: unknown }
  /** Become a search's scorer: load the predictor in `predictorDir` on `backend` (the server's), answer `scorerReady`. */
  | { type: 'scorer'; predictorDir: string; backend: string }
  /** Score architectures of the scorer's space (answered by `scores` with the same id). */
  | { type: 'score'; id: number; archs: unknown[] }
  /** `dele/updatePredictor`: step 1 on a pool (or from the step-1 cache), step 2 on the results file's labels. */
  | { type: 'update'; job: UpdateJob }
  /** `dele/proposeBatch`: the next batch by the predictor in `job.predictorDir` (answered by `batch`). */
  | { type: 'proposeBatch'; job: ProposeJob };

/** Where step 1's architectures come from: the space's bundled table, a data file, or a sample of the space. */
export type PoolSpec = { kind: 'bundled' } | { kind: 'file'; path: string } | { kind: 'sample' };

export interface UpdateJob {
  space: string;
  declaration?: unknown;
  pool: PoolSpec;
  /** Canonical key (the space's syntax) and value of each label. */
  labels: [string, number][];
  target: string;
  labelsSource: string;
  encoder: 'gates' | 'lstm';
  /** LF columns of the pool (absent: its default experts, or structural ones when it has no LF column). */
  experts?: string[];
  preset: 'cpu' | 'paper' | 'tiny';
  pretrainEpochs?: number;
  epochs?: number;
  outDir: string;
  step1CacheDir: string;
  jobs?: number;
  backend: string;
}

export interface ProposeJob {
  predictorDir: string;
  backend: string;
  k: number;
  beta: number;
  seed: number;
  budget: number;
  /** Canonical keys never proposed. */
  labelled: string[];
}

export type FromWorker =
  | { type: 'backend'; name: string }
  | { type: 'epoch'; epoch: TrainingEpoch }
  | { type: 'done'; kendallTau: number; path: string; seconds: number; update?: UpdateOutcome }
  | { type: 'batch'; result: Omit<ProposeBatchResult, 'spaceTitle' | 'excluded' | 'beta'> }
  | { type: 'cancelled' }
  | { type: 'dataInfo'; result: DataInfoResult }
  | { type: 'scorerReady' }
  | { type: 'scores'; id: number; scores: number[] }
  | { type: 'error'; message: string };

/** Heap cap of a worker thread (training or reading data): an oversized job fails instead of taking the machine. */
export const WORKER_HEAP_MB = 2048;

/** What `dele/dataInfo` answers for a dataset (server thread for bundled data, worker for files). */
export function dataInfoOf(ds: Dataset): DataInfoResult {
  const lfs = lfNames(ds);
  const def = (ds.defaultExperts ?? []).filter((n) => lfs.includes(n));
  return { archCount: ds.archs.length, targets: targetNames(ds), lfs, defaultExperts: def.length > 0 ? def : lfs, defaultTarget: ds.defaultTarget, lfLabels: Object.fromEntries(lfs.map((n) => [n, lfDisplay(n)])) };
}

/** One line for the user from an unexpected error (the stack goes to the log, not into messages). */
export function oneLine(e: unknown): string {
  const msg = e instanceof Error ? `${e.message}` : String(e);
  const first = msg.split('\n').find((l) => l.trim() !== '') ?? msg;
  return first.length > 500 ? `${first.slice(0, 500)}…` : first;
}

/** The data of a training or data-info request: bundled data or a file, joined with `join` files by architecture. */
export function loadRequestData(data: string, join: readonly string[], space: SearchSpace): Dataset {
  const base = bundledDataSpace(data, space.id) !== undefined ? loadBundled(space.id) : importDataFile(data, { space });
  return join.length === 0 ? base : joinDatasets([base, ...join.map((f) => importDataFile(f, { space }))]);
}

/** A worker's 'error' event as one readable line (an exceeded heap cap says so). */
export function workerFailure(e: Error, doing: string): string {
  if ((e as NodeJS.ErrnoException).code === 'ERR_WORKER_OUT_OF_MEMORY') {
    return `${doing} ran out of memory (the worker's heap is capped at ${WORKER_HEAP_MB} MB); use a smaller data file, fewer experts or a smaller preset`;
  }
  return `${doing} failed: ${oneLine(e)}`;
}
