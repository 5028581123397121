/**
 * The client <-> language-server boundary: settings and custom messages. Standard LSP carries CodeLens,
 * hover and diagnostics; these messages carry training, status and rankings. Types only, plus the message
 * objects; imported by src/client and src/server.
 */
import { NotificationType, RequestType, RequestType0 } from 'vscode-languageserver-protocol';

/** `dele.*` settings, as the server reads them through workspace/configuration (section "dele"). */
export interface DeleSettings {
  /** A predictor directory (model.json + weights.bin); empty = last trained in this workspace, else the bundled one. */
  predictorPath: string;
  /** Bundled-benchmark target shown as "true" accuracy in hovers and proposed for training. */
  target: string;
  codeLens: { enabled: boolean };
  /** Milliseconds to wait after an edit before diagnostics are recomputed. */
  debounceMs: number;
}

export const DEFAULT_SETTINGS: DeleSettings = {
  predictorPath: '',
  target: 'c10_test_200ep',
  codeLens: { enabled: true },
  debounceMs: 250,
};

/** initializationOptions sent by the client. */
export interface InitOptions {
  /** Folder of the predictor shipped with the extension. */
  bundledPredictor: string;
  /** Folder where predictors trained from the command palette are stored (workspace storage). */
  storagePath: string;
}

export interface PredictorInfo {
  /** Where it was loaded from. */
  source: 'bundled' | 'workspace' | 'setting';
  path: string;
  method: string;
  encoder: string;
  target: string;
  experts: string[];
  trainRatio: number;
  /** Held-out Kendall's tau recorded at training time. */
  kendallTau?: number;
  createdAt: string;
}

export interface StatusResult {
  predictor: PredictorInfo | null;
  /** TF.js backend of the server ("wasm", "tensorflow", "cpu"). */
  backend: string;
  training: boolean;
  /** Why no predictor is loaded, if none is. */
  error?: string;
}

/** client -> server: current predictor and backend. */
export const StatusRequest = new RequestType0<StatusResult, void>('dele/status');

/** server -> client: the predictor was replaced (after training or a settings change). */
export const PredictorChangedNotification = new NotificationType<StatusResult>('dele/predictorChanged');

export interface DataInfoParams {
  /** "bundled" or an absolute path to a CSV/JSON data file. */
  data: string;
}

export interface DataInfoResult {
  archCount: number;
  targets: string[];
  lfs: string[];
  /** Experts proposed by default (DELE's NB201 set on bundled data, all LF columns otherwise). */
  defaultExperts: string[];
}

/** client -> server: columns of a data file, for the training quick picks. Fails with a readable message. */
export const DataInfoRequest = new RequestType<DataInfoParams, DataInfoResult, void>('dele/dataInfo');

export interface TrainParams {
  data: string;
  target: string;
  method: 'dele' | 'single' | 'vanilla';
  encoder: 'gates' | 'lstm';
  /** Share of the training split with ground truth, (0, 1]. */
  trainRatio: number;
  experts?: string[];
  preset?: 'cpu' | 'paper' | 'tiny';
  epochs?: number;
  pretrainEpochs?: number;
  seed?: number;
}

export interface TrainResult {
  status: 'completed' | 'cancelled' | 'failed';
  message: string;
  /** Held-out Kendall's tau of the new predictor. */
  kendallTau?: number;
  path?: string;
}

/**
 * client -> server: train a predictor in a worker thread; the server reports LSP work-done progress
 * (cancellable). On completion the new predictor replaces the old one; on cancel or failure the old stays.
 */
export const TrainRequest = new RequestType<TrainParams, TrainResult, void>('dele/train');

/** client -> server: cancel the running training (same as the progress notification's Cancel). */
export const CancelTrainingNotification = new NotificationType<void>('dele/cancelTraining');

export interface TrainingEpoch {
  phase: 'pretrain' | 'train';
  epoch: number;
  epochs: number;
  loss: number;
  /** Kendall's tau on 1,000 held-out archs, on evaluated epochs. */
  monitorKendall?: number;
  elapsedSeconds: number;
}

/** server -> client: one finished epoch of the running training (live curves). */
export const TrainingEpochNotification = new NotificationType<TrainingEpoch>('dele/trainingEpoch');

export interface ArchLocation {
  uri: string;
  /** 0-based line/character range of the architecture in the document. */
  range: { start: { line: number; character: number }; end: { line: number; character: number } };
}

export interface RankedArch {
  arch: string;
  /** Calibrated predicted accuracy (%). */
  predicted: number;
  /** Rank percentile among all 15,625 NB201 cells (100 = best), when known. */
  percentile?: number;
  /** Benchmark value of the configured target, when the arch is in the bundled table. */
  trueAccuracy?: number;
  experts: { name: string; weight: number; score: number }[];
  location?: ArchLocation;
}

export interface RankingsResult {
  predictor: PredictorInfo | null;
  /** Valid architectures of the open documents, best first. */
  workspace: RankedArch[];
  /** Best predicted NB201 cells. */
  benchmarkTop: RankedArch[];
  /** Mean gate weight per expert over all NB201 cells. */
  meanGateWeights: { name: string; weight: number }[];
  /** Predicted vs true accuracy for a sample of held-out cells. */
  scatter: { predicted: number; true: number }[];
}

/** client -> server: data for the panel. */
export const RankingsRequest = new RequestType0<RankingsResult, void>('dele/rankings');
