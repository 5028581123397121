/**
 * The client <-> language-server boundary: settings and custom messages. Standard LSP carries CodeLens,
 * hover and diagnostics; these messages carry training, status and rankings. Types only, plus the message
 * objects; imported by src/client and src/server.
 */
import { NotificationType, NotificationType0, RequestType, RequestType0 } from 'vscode-languageserver-protocol';

/** `dele.*` settings, as the server reads them through workspace/configuration (section "dele"). */
export interface DeleSettings {
  /** A predictor directory (model.json + weights.bin); empty = last trained in this workspace, else the bundled one. */
  predictorPath: string;
  /** Bundled-benchmark target shown as "true" accuracy in hovers and proposed for training. */
  target: string;
  codeLens: { enabled: boolean };
  /** Milliseconds to wait after an edit before diagnostics are recomputed. */
  debounceMs: number;
  /** Worker threads that train the experts of step 1 (`dele.trainingJobs`); 0 = all cores but one (at least 1). */
  trainingJobs: number;
  /** Per space id, the results file its training jobs append to (`dele.resultsFiles`; relative to the first workspace folder) and its value column. */
  resultsFiles: Record<string, { file: string; target?: string }>;
}

export const DEFAULT_SETTINGS: DeleSettings = {
  predictorPath: '',
  target: 'c10_test_200ep',
  codeLens: { enabled: true },
  debounceMs: 250,
  trainingJobs: 0,
  resultsFiles: {},
};

/** initializationOptions sent by the client. */
export interface InitOptions {
  /** Folder of the predictors shipped with the extension: one subfolder per space (or one predictor folder). */
  bundledPredictors: string;
  /** Folder where predictors trained from the command palette are stored (workspace storage). */
  storagePath: string;
  /** File of the LF cache (global storage: LF values do not depend on the workspace); absent: memory only. */
  lfCachePath?: string;
}

export interface PredictorInfo {
  /** Where it was loaded from. */
  source: 'bundled' | 'workspace' | 'setting';
  path: string;
  /** Search space id and title ('nb201', 'tnb101-micro', … or a declared space's name). */
  space: string;
  spaceTitle: string;
  /** "%" when the target is a percentage (calibrated values within 0..100), else "". */
  targetUnit: string;
  /** The data it was trained on ("bundled:<space>" or a file path). */
  dataSource: string;
  /** What rank percentiles are relative to: the whole space, or a seeded sample of it. */
  reference: { kind: 'all'; size: number } | { kind: 'sample'; size: number; seed: number };
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
  /** The primary predictor (the setting's, else the last trained, else the bundled NB201 one). */
  predictor: PredictorInfo | null;
  /** Every loaded predictor, one per search space. */
  predictors: PredictorInfo[];
  /** TF.js backend of the server ("wasm", "tensorflow", "cpu"). */
  backend: string;
  training: boolean;
  /** Why a predictor could not be loaded, if one could not. */
  error?: string;
  /** Why the active predictor is the one it is (e.g. "dele.predictorPath is set, so the trained one is not used"). */
  note?: string;
}

/** client -> server: current predictor and backend. */
export const StatusRequest = new RequestType0<StatusResult, void>('dele/status');

/** server -> client: the predictor was replaced (after training or a settings change). */
export const PredictorChangedNotification = new NotificationType<StatusResult>('dele/predictorChanged');

export interface DataInfoParams {
  /** "bundled" (the space's bundled table) or an absolute path to a CSV/JSON data file. */
  data: string;
  /** Search space id (default nb201). */
  space?: string;
  /** Further CSV/JSON files joined with `data` by architecture (e.g. LF measures from `dele/computeLf`). */
  join?: string[];
}

export interface DataInfoResult {
  archCount: number;
  /** Proposed target (bundled data), if any. */
  defaultTarget?: string;
  targets: string[];
  lfs: string[];
  /** Experts proposed by default (DELE's NB201 set on bundled data, all LF columns otherwise). */
  defaultExperts: string[];
  /** Display name and description of each of `lfs`. */
  lfLabels?: Record<string, LfLabel>;
}

/** client -> server: columns of a data file, for the training quick picks. Fails with a readable message. */
export const DataInfoRequest = new RequestType<DataInfoParams, DataInfoResult, void>('dele/dataInfo');

export interface SpaceInfo {
  id: string;
  title: string;
  /** 'builtin', or a space file of the workspace. */
  origin: 'builtin' | 'file';
  file?: string;
  encoders: ('gates' | 'lstm')[];
  /** Architectures in the space, when enumerable. */
  size?: number;
  /** Bundled benchmark data exists for it. */
  bundled: boolean;
  syntax: string;
  /** The LF measures the server can compute for this space (it builds the space's network); absent: none. */
  lfMeasures?: { id: string; description: string; byDefault: boolean }[];
  /** The LF measures the server computes on the user's own PyTorch model (any space; python/dele_lf.py). */
  pythonLfMeasures?: { id: string; description: string; byDefault: boolean }[];
  /** The server has a predictor for it (dele.predictorPath's, one trained in the workspace, or a bundled one), loaded or not. */
  predictorAvailable?: boolean;
}

/** client -> server: the search spaces the server knows (built-in and declared in workspace space files). */
export const SpacesRequest = new RequestType0<SpaceInfo[], void>('dele/spaces');

export interface TrainParams {
  /** Search space id (built-in or declared in a workspace space file); default nb201. */
  space?: string;
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
  /** Which training archs carry ground truth: undefined = the first N of the training split, else a seeded draw. */
  subsetSeed?: number;
  /** Further CSV/JSON files joined with `data` by architecture (e.g. LF measures from `dele/computeLf`). */
  join?: string[];
}

export interface TrainResult {
  status: 'completed' | 'cancelled' | 'failed';
  message: string;
  /** Held-out Kendall's tau of the new predictor. */
  kendallTau?: number;
  path?: string;
  /** Completed trainings: the new predictor's history entry, and whether it replaced the active predictor. */
  history?: TrainingOutcome;
  /** A completed `dele/updatePredictor`: what the update did. */
  update?: UpdateOutcome;
}

/**
 * What a metric says about a predictor: the held-out Kendall's tau, and the held-out split it was measured on.
 * Two metrics compare only on the same split (same data, split seed and target).
 */
export interface PredictorMetric {
  /** Held-out Kendall's tau; absent when the held-out split had no ground truth (`missing` says why). */
  kendallTau?: number;
  /** The tau is a k-fold cross-validation on the predictor's own labels (a results-file update), not a held-out split. */
  crossValidated?: boolean;
  /** Held-out architectures with ground truth. */
  heldOutSize: number;
  /** "<data fingerprint>/<split seed>/<target>": equal splits make tau comparable. */
  heldOutSplit: string;
  missing?: string;
}

/** A predictor of a space's history: every predictor trained in the workspace, and the bundled one. */
export interface PredictorHistoryEntry {
  /** 'bundled', or the history folder's name. */
  id: string;
  kind: 'bundled' | 'trained';
  space: string;
  /** The predictor in use for its space now. */
  active: boolean;
  target: string;
  method: string;
  encoder: string;
  trainRatio: number;
  /** Training architectures with ground truth. */
  groundTruthSize: number;
  dataSource: string;
  experts: string[];
  createdAt: string;
  metric: PredictorMetric;
}

/** How a new predictor's metric compares with the active one's (the server decides, the client words it). */
export interface PredictorComparison {
  /** 'none': no predictor for the space was active; 'incomparable': different held-out splits or no metric. */
  verdict: 'better' | 'notWorse' | 'worse' | 'incomparable' | 'none';
  /** One line, e.g. "held-out τ 0.850 vs 0.911 of the bundled predictor". */
  text: string;
}

export interface TrainingOutcome {
  space: string;
  /** The new predictor's history entry (always kept). */
  entry: string;
  /** It is the active predictor now. */
  replaced: boolean;
  /** The server proposes it: the client asks "use the new one?", and `dele/usePredictor` with `entry` confirms. */
  ask: boolean;
  comparison: PredictorComparison;
}

export interface PredictorHistoryParams {
  /** Only this space; default every space with a history or a bundled predictor. */
  space?: string;
}

export interface PredictorHistoryResult {
  /** Per space: its entries, newest trained first, the bundled one last. */
  spaces: { space: string; spaceTitle: string; entries: PredictorHistoryEntry[] }[];
  /** dele.predictorPath is set: it wins over any entry for its space. */
  settingNote?: string;
}

/** client -> server: the predictors of the workspace's history (and the bundled ones). */
export const PredictorHistoryRequest = new RequestType<PredictorHistoryParams, PredictorHistoryResult, void>('dele/predictorHistory');

export interface UsePredictorParams {
  space: string;
  /** A PredictorHistoryEntry id ('bundled' or a trained entry). */
  entry: string;
}

export interface UsePredictorResult {
  /** The status after the switch (lenses, hovers and the side bar follow it). */
  status: StatusResult;
  message: string;
}

/**
 * client -> server: makes a history entry the space's active predictor (kept after a restart). Confirms a
 * training that was not adopted (`TrainingOutcome.replaced` false) or rolls back. Unknown entries are an error.
 */
export const UsePredictorRequest = new RequestType<UsePredictorParams, UsePredictorResult, void>('dele/usePredictor');

/**
 * client -> server: train a predictor in a worker thread; the server reports LSP work-done progress
 * (cancellable). On completion the new predictor joins the space's history and replaces the active one unless
 * it is worse or not comparable (`TrainResult.history`); on cancel or failure the old stays.
 */
export const TrainRequest = new RequestType<TrainParams, TrainResult, void>('dele/train');

/** client -> server: cancel the running training (same as the progress notification's Cancel). No params. */
export const CancelTrainingNotification = new NotificationType0('dele/cancelTraining');

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

export interface ComputeLfParams {
  /** A space with `lfMeasures` in its SpaceInfo. */
  space: string;
  /** Measure ids; default the space's `byDefault` ones. */
  measures?: string[];
  /**
   * 'workspace': the space's valid architectures in the open documents and in `files` (absolute paths, each read
   * up to 2 MB); 'sample': `count` distinct architectures of the space drawn with `seed`.
   */
  source: { kind: 'workspace'; files?: string[] } | { kind: 'sample'; count: number; seed?: number };
  /** Absolute path of the CSV to write (arch column + one column per measure); written whole or not at all. */
  out: string;
  /** Worker threads; default all cores but one (at least 1). */
  jobs?: number;
  /**
   * Compute on the user's own PyTorch model instead of the built-in networks (any space, declared ones too):
   * `builder` MODULE:FUNCTION (FUNCTION(arch string) returns a torch.nn.Module), imported by `interpreter` with
   * `cwd` (absolute, usually the workspace folder) on its sys.path. `jobs` then counts Python processes (default 1).
   */
  python?: { builder: string; interpreter: string; cwd?: string };
}

export interface ComputeLfResult {
  status: 'completed' | 'cancelled' | 'failed';
  message: string;
  archs: number;
  computed: number;
  cached: number;
  failed: number;
  /** The CSV written (completed runs only). */
  out?: string;
}

/**
 * client -> server: compute LF measures in worker threads with cancellable work-done progress. Results are
 * cached (an interrupted run resumes) and listed in hovers.
 */
export const ComputeLfRequest = new RequestType<ComputeLfParams, ComputeLfResult, void>('dele/computeLf');

export interface ArchLocation {
  uri: string;
  /** 0-based line/character range of the architecture in the document. */
  range: { start: { line: number; character: number }; end: { line: number; character: number } };
}

/** How an LF column is shown: one display name and a one-line description (src/data/lfNames.ts, sent by the server). */
export interface LfLabel {
  label: string;
  description: string;
}

/** One expert's part in a prediction: its gate weight (share of the ensemble's score, sums to 1) and its own score. */
export interface ExpertShare {
  /** The LF column the expert was pretrained on. */
  name: string;
  weight: number;
  /** The expert's ranking score: unitless, higher = better. */
  score: number;
  /** Display name and description of `name`. */
  display?: LfLabel;
}

/** What an expert's two numbers are: the one-line legend under every experts table (hover, side-bar tooltips). */
export const EXPERTS_LEGEND = "_gate weight: share of the ensemble's score, sums to 1 · expert score: the expert's ranking score, unitless, higher = better_";

export interface RankedArch {
  arch: string;
  /** Calibrated predicted accuracy (%). */
  predicted: number;
  /** Rank percentile in the reference set (the whole space, or a seeded sample; 100 = best), when known. */
  percentile?: number;
  /** Benchmark value of the predictor's target, when the arch is in the space's bundled table. */
  trueAccuracy?: number;
  experts: ExpertShare[];
  location?: ArchLocation;
  /** The name it is assigned to in its file (`DARTS_V2 = Genotype(...)`), for an architecture written in a document. */
  name?: string;
}

export interface RankingsResult {
  predictor: PredictorInfo | null;
  /** Valid architectures of the open documents, best first. */
  workspace: RankedArch[];
  /** Best predicted architectures of the reference set (the whole space, or a seeded sample). */
  benchmarkTop: RankedArch[];
  /** E.g. "all 15,625 NAS-Bench-201 architectures". */
  referenceLabel: string;
  /** Mean gate weight per expert over the reference set. */
  meanGateWeights: { name: string; weight: number; display?: LfLabel }[];
  /** Predicted vs true target for held-out architectures of the data the predictor was trained on. */
  scatter: { predicted: number; true: number }[];
  /** What the scatter shows, or why it is empty. */
  scatterLabel: string;
}

/** Glob of space files (declared search spaces). */
export const SPACE_FILE_GLOB = '**/*.space.{yaml,yml,json}';

export interface RankingsParams {
  /** Search space whose predictor to show; default the primary predictor's. */
  space?: string;
}

/** client -> server: data for the panel. */
export const RankingsRequest = new RequestType<RankingsParams, RankingsResult, void>('dele/rankings');

/** `dele/search` bounds: proposals returned and predictor calls (architectures scored) per request. */
export const SEARCH_MAX_TOP = 1_000;
export const SEARCH_MAX_BUDGET = 200_000;
export const SEARCH_DEFAULT_BUDGET = 5_000;

export interface SearchParams {
  /** Search space id; default the space of `from`, else the primary predictor's. */
  space?: string;
  /** How many proposals to return, 1 to SEARCH_MAX_TOP. */
  top: number;
  /** Architectures scored at most (evolution; a small space is enumerated whole), 1 to SEARCH_MAX_BUDGET. */
  budget?: number;
  /** Seed of the evolution (same seed, same proposals). */
  seed?: number;
  /**
   * Where the search starts: an architecture in the space's syntax, or the architecture at a position of an
   * open document (proposals are then also rendered in the form it is written in). Absent: the whole space.
   */
  from?: { arch: string } | { uri: string; position: { line: number; character: number } };
  /** Leave out the architectures already written in this open document (a uri). */
  excludeDocument?: string;
}

export interface SearchProposal extends RankedArch {
  /** The text to insert: the space's own syntax, in the form of `from` when it was a document's architecture. */
  text: string;
}

export interface SearchResponse {
  space: string;
  spaceTitle: string;
  /** "%" when the predicted values are percentages. */
  unit: string;
  /** The predictor's target (what `predicted` and `trueAccuracy` are). */
  target: string;
  /** Best first. */
  proposals: SearchProposal[];
  evaluated: number;
  method: 'enumerate' | 'evolution';
  cancelled: boolean;
  /** The key of the architecture the search started from, if any. */
  from?: string;
  /** One line: what was searched and how. */
  message: string;
}

/**
 * client -> server: the best architectures of a space by the space's predictor (enumerated when the space is
 * small, else a seeded regularised evolution with a budget of predictor calls). Cancellable work-done
 * progress; one search at a time (a second is refused); no predictor for the space is a readable error.
 */
export const SearchRequest = new RequestType<SearchParams, SearchResponse, void>('dele/search');

/** `dele/workspaceArchitectures` bounds: files, bytes read per file, architectures returned. */
export const WORKSPACE_MAX_FILES = 5_000;
export const WORKSPACE_FILE_BYTES = 2_000_000;
export const WORKSPACE_MAX_ARCHS = 5_000;

export interface WorkspaceArchitecturesParams {
  /** Absolute paths of workspace files (from findFiles); open documents take precedence over their disk text. */
  files?: string[];
  /** Only this space's architectures. */
  space?: string;
}

export interface WorkspaceArch extends RankedArch {
  location: ArchLocation;
  space: string;
  spaceTitle: string;
  /** "%" when `predicted` is a percentage. */
  unit: string;
  /** The architecture as written in the file (clipped to 500 characters). */
  text: string;
}

export interface WorkspaceArchitecturesResult {
  /** Valid, scored architectures of the workspace across files, best predicted first (at most WORKSPACE_MAX_ARCHS). */
  archs: WorkspaceArch[];
  /** Files looked at (open documents plus the readable listed files). */
  files: number;
  truncated: boolean;
  /** What was left out and why (no predictor for a space, truncation, unreadable files), one line each. */
  notes: string[];
  /** Per space with a results file: how many architectures are labelled. */
  labelled?: ResultsSummary[];
}

/** client -> server: the workspace's architectures with their predictions (the side bar's rankings). */
export const WorkspaceArchitecturesRequest = new RequestType<WorkspaceArchitecturesParams, WorkspaceArchitecturesResult, void>('dele/workspaceArchitectures');

/** A space's results file (`dele.resultsFiles`) and the labels read from it so far. */
export interface ResultsSummary {
  space: string;
  spaceTitle: string;
  /** Absolute path of the results file. */
  file: string;
  /** Its value column (undefined until the file names one). */
  target?: string;
  /** Architectures labelled: every row read so far, including rows the file no longer holds. */
  labelled: number;
  /** Of those, labels kept from earlier versions of the file (rows it no longer holds). */
  kept: number;
  /** Rows of the file that could not be read (each has a diagnostic at its line). */
  problems: number;
  /** Why the file cannot be read at all (missing, unreadable), if so. */
  error?: string;
}

/** client -> server: every space's results file and its labels (re-read now). */
export const ResultsRequest = new RequestType0<ResultsSummary[], void>('dele/results');
/** server -> client: a results file changed on disk and was read again (an object: a bare array would be sent by position). */
export const ResultsChangedNotification = new NotificationType<{ results: ResultsSummary[] }>('dele/resultsChanged');

/** client -> server: DELE step 2 on the space's labels from its results file, step 1 reused from the cache when it can be. */
export interface UpdatePredictorParams {
  space: string;
  /** Overrides for tests and quick runs (default: the cpu preset and its epochs). */
  preset?: 'cpu' | 'paper' | 'tiny';
  pretrainEpochs?: number;
  epochs?: number;
}

export interface UpdateOutcome {
  labelled: number;
  /** Labelled architectures that are not in step 1's pool (trained on in step 2 only). */
  outsidePool: number;
  step1Cached: boolean;
  step1Seconds: number;
  /** The final step 2, on every label. */
  step2Seconds: number;
  /** The cross-validation's step-2 runs (0 without one). */
  crossValidationSeconds: number;
  /** Where step 1's architectures came from. */
  pool: string;
  /** k-fold cross-validated Kendall tau on the labels (10 or more labels), and k. */
  crossValidatedTau?: number;
  folds?: number;
}

export const UpdatePredictorRequest = new RequestType<UpdatePredictorParams, TrainResult, void>('dele/updatePredictor');

/** client -> server: the next k architectures to train, by an upper confidence bound over DELE's experts (src/search/batch.ts). */
export interface ProposeBatchParams {
  space: string;
  k: number;
  /** Exploration weight (default 1). */
  beta?: number;
  seed?: number;
}

export interface ProposeBatchResult {
  space: string;
  spaceTitle: string;
  /** Best first: canonical text in the space's syntax, calibrated prediction, ucb and spread (pool standard deviations). */
  batch: { arch: string; predicted: number; ucb: number; spread: number }[];
  /** Labelled architectures excluded. */
  excluded: number;
  candidates: number;
  method: 'enumerate' | 'evolution';
  target: string;
  unit: string;
  beta: number;
}

export const ProposeBatchRequest = new RequestType<ProposeBatchParams, ProposeBatchResult, void>('dele/proposeBatch');

export interface CompareParams {
  /** Search space id (built-in or declared in a workspace space file). */
  space: string;
  /** Two architectures of the space, each in the space's syntax (e.g. a WorkspaceArch's `arch`). */
  archs: [string, string];
}

/** One of the compared architectures: its prediction, where it ranks, its gate weights. */
export interface ComparedArch extends RankedArch {
  /** Rank of its score in the reference set (1 = best), and the set's size, when known. */
  rank?: number;
  rankOf?: number;
  /** Why its predicted value means nothing, when it does not (a cell that outputs zeros). */
  note?: string;
}

/** A position (an edge, a node, an edge between nodes) where the two architectures differ, and both values there. */
export interface ArchDifference {
  /** E.g. "edge 2←1", "normal cell: edge 3←0", "node 4", "edge 1→3". */
  position: string;
  a: string;
  b: string;
}

export interface CompareResult {
  space: string;
  spaceTitle: string;
  /** The predictor's target (what `predicted` and `trueAccuracy` are) and its unit ("%" or ""). */
  target: string;
  unit: string;
  /** What ranks and percentiles are relative to, e.g. "all 15,625 NAS-Bench-201 architectures". */
  referenceLabel: string;
  archs: [ComparedArch, ComparedArch];
  /** Positions compared (edges, nodes) and the ones that differ, in the space's order. */
  positions: number;
  differences: ArchDifference[];
  /** Same canonical architecture (written differently, or isomorphic): nothing differs. */
  same: boolean;
}

/**
 * client -> server: two architectures of one space side by side: the ops that differ per position, each one's
 * calibrated prediction, rank and gate weights. An architecture that does not parse, an unknown space or a space
 * without a predictor is a readable error.
 */
export const CompareRequest = new RequestType<CompareParams, CompareResult, void>('dele/compare');
