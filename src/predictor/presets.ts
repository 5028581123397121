/**
 * Model/optimiser presets. "paper" is DELE's published NB201 configuration (dele-method.md §7); "cpu" is what
 * this project trains by default on a 2-core CPU with the wasm backend: the same architecture family with
 * 3 GCN layers (an NB201 cell's longest path has 3 edges, so 3 layers already see every path), a 2x128 MLP
 * head and fewer pretraining epochs. README.md reports what each costs and achieves.
 */
import { type EncoderType, type GatesConfig, type LstmConfig, type ModelConfig, PAPER_GATES, PAPER_LSTM } from './model';
import type { EncoderInput, SearchSpace } from '../space/types';
import { type OptimConfig, PAPER_OPTIM } from './train';

export type PresetName = 'cpu' | 'paper' | 'tiny';

/**
 * The `cpu` preset's step 2 ends on the average of its weights over its last quarter of epochs
 * (OptimConfig.finetuneAverage). Chosen on validation splits (docs/benchmarks.md, round 8): ahead of the last
 * epoch's weights on NB201 at 39 to 781 labels and on TransNAS-Bench-101 micro and macro class_object, at no cost.
 */
export const STEP2_AVERAGE = 0.25;

export interface Preset {
  gates: GatesConfig;
  lstm: LstmConfig;
  /** MLP hidden sizes per encoder (the paper uses [] for LSTM, 5x300 for GATES). */
  mlpHiddens: Record<EncoderType, number[]>;
  dropout: number;
  optim: OptimConfig;
}

export const PRESETS: Record<PresetName, Preset> = {
  paper: {
    gates: PAPER_GATES,
    lstm: PAPER_LSTM,
    mlpHiddens: { gates: [300, 300, 300, 300, 300], lstm: [] },
    dropout: 0.1,
    optim: PAPER_OPTIM,
  },
  cpu: {
    gates: { opDim: 48, nodeDim: 48, hidDim: 96, gcnOutDims: [128, 128, 128] },
    lstm: PAPER_LSTM,
    mlpHiddens: { gates: [128, 128], lstm: [] },
    dropout: 0.1,
    optim: { ...PAPER_OPTIM, pretrainEpochs: 40, epochs: 200, finetuneAverage: STEP2_AVERAGE },
  },
  /** For tests and smoke runs only. */
  tiny: {
    gates: { opDim: 16, nodeDim: 16, hidDim: 32, gcnOutDims: [32, 32, 32] },
    lstm: { embDim: 16, hidDim: 32 },
    mlpHiddens: { gates: [32], lstm: [] },
    dropout: 0.1,
    optim: { ...PAPER_OPTIM, batchSize: 256, pretrainEpochs: 5, epochs: 60 },
  },
};

/**
 * The optimiser settings of a preset on a space: the preset's own, with the space's step-1 length
 * (BenchmarkConventions.pretrainEpochs) under the `cpu` preset, the one whose settings are chosen per space.
 * `dele train`, `dele bench` and the editor's training start from it; their explicit options override it.
 */
export function presetOptim(name: PresetName, space: Pick<SearchSpace, 'benchmark'>): OptimConfig {
  const own = PRESETS[name].optim;
  const epochs = space.benchmark?.pretrainEpochs;
  return name === 'cpu' && epochs !== undefined ? { ...own, pretrainEpochs: epochs } : own;
}

/** The model settings of a preset for one encoder (experts and gate are set by the method). */
export function modelBase(preset: Preset, encoder: EncoderType, input: EncoderInput): Omit<ModelConfig, 'experts' | 'gate'> {
  // GATES needs a layer per edge of the space's longest path to see every op (NB201 and TNB101 micro: 3).
  const depth = longestPath(input);
  const dims = preset.gates.gcnOutDims;
  const gates = dims.length >= depth ? preset.gates : { ...preset.gates, gcnOutDims: [...dims, ...new Array<number>(depth - dims.length).fill(dims[dims.length - 1]!)] };
  return { encoder, mlpHiddens: preset.mlpHiddens[encoder], dropout: preset.dropout, gates, lstm: preset.lstm, input };
}

/** Edges on the longest path from node 0 to the last node of the space's graph. */
export function longestPath(input: EncoderInput): number {
  const g = input.graph;
  if (g.kind === 'node-ops') return g.numNodes - 1;
  const dist = new Array<number>(g.numNodes).fill(0);
  // Edge slots are listed with their source before any edge leaving the target (a topological order).
  const order = g.edgeFrom.map((_, e) => e).sort((a, b) => g.edgeTo[a]! - g.edgeTo[b]!);
  for (const e of order) {
    const to = g.edgeTo[e]!;
    dist[to] = Math.max(dist[to]!, dist[g.edgeFrom[e]!]! + 1);
  }
  return dist[g.numNodes - 1]!;
}
