/**
 * The low-fidelity measures dele-nas computes itself, as NAS-Bench-Suite-Zero (NASLib `zerocost`) defines them.
 * `engine` says which pass produces a measure, so one pass serves every measure that shares it; `depends` says
 * which settings its value depends on (the cache key holds exactly those).
 */
export type LfEngine = 'count' | 'init' | 'synflow' | 'forward' | 'jacov' | 'loss';

export interface LfMeasure {
  id: string;
  engine: LfEngine;
  /** One line for help texts, tables and hovers. */
  description: string;
  /** The column of the bundled NB201 table holding NAS-Bench-Suite-Zero's published CIFAR-10 value. */
  published?: string;
  /** Computed only on a PyTorch model (python/dele_lf.py, `dele lf --python`), not by the TF.js engines. */
  torchOnly?: true;
}

export const LF_MEASURES: readonly LfMeasure[] = [
  { id: 'flops', engine: 'count', description: 'MFLOPs of one image (tensorwatch convention, as published)', published: 'zc_c10_flops' },
  { id: 'params', engine: 'count', description: 'parameters in millions (BN affine and biases included)', published: 'zc_c10_params' },
  { id: 'relu_count', engine: 'count', description: 'activations through a ReLU per image, in millions' },
  { id: 'l2_norm', engine: 'init', description: 'sum of the Frobenius norms of the conv and linear weights at initialisation', published: 'zc_c10_l2_norm' },
  { id: 'synflow', engine: 'synflow', description: 'ln of synaptic flow (|W|, ones input, no BN), in float64', published: 'zc_c10_synflow' },
  { id: 'nwot', engine: 'forward', description: 'NASWOT: ln|det K| of the ReLU activation-pattern kernel over one batch', published: 'zc_c10_nwot' },
  { id: 'jacov', engine: 'jacov', description: 'Jacobian covariance of the input gradients over one batch', published: 'zc_c10_jacov' },
  { id: 'snip', engine: 'loss', description: 'SNIP: sum |W * dL/dW| over one batch', published: 'zc_c10_snip' },
  { id: 'grad_norm', engine: 'loss', description: 'sum of the Frobenius norms of dL/dW over one batch', published: 'zc_c10_grad_norm' },
  { id: 'fisher', engine: 'loss', description: 'Fisher information of the conv/linear outputs over one batch', published: 'zc_c10_fisher' },
  { id: 'plain', engine: 'loss', description: 'sum W * dL/dW over one batch (signed)', published: 'zc_c10_plain' },
  // Newer proxies, on the user's PyTorch model only; `engine` says what their value depends on (settingsTag).
  { id: 'meco', engine: 'init', torchOnly: true, description: 'MeCo: sum over modules of the smallest eigenvalue of the channel correlation, one Gaussian input' },
  { id: 'swap', engine: 'forward', torchOnly: true, description: 'SWAP: distinct sample-wise ReLU activation patterns over one batch (no parameter-count factor)' },
  { id: 'zico', engine: 'loss', torchOnly: true, description: 'ZiCo: sum over layers of ln sum mean|g| / std(g), gradients of the two halves of one batch' },
  { id: 'az_expressivity', engine: 'forward', torchOnly: true, description: "AZ-NAS expressivity: sum over blocks of the entropy of the channel covariance's eigenvalues, Kaiming init" },
  { id: 'az_progressivity', engine: 'forward', torchOnly: true, description: 'AZ-NAS progressivity: the smallest rise of that entropy from one block to the next' },
  { id: 'az_trainability', engine: 'forward', torchOnly: true, description: 'AZ-NAS trainability: mean over block pairs of 2 - s - 1/s, s the spectral norm of the probed Jacobian' },
];

/** What `dele lf` computes without --measures: the eight and l2_norm. */
export const DEFAULT_LF_MEASURES = ['flops', 'params', 'l2_norm', 'synflow', 'nwot', 'jacov', 'snip', 'grad_norm', 'fisher'] as const;

export function lfMeasure(id: string): LfMeasure {
  const m = LF_MEASURES.find((x) => x.id === id);
  if (!m) throw new Error(`unknown LF measure "${id}"; known: ${LF_MEASURES.map((x) => x.id).join(', ')}`);
  return m;
}

/** Settings every data-dependent measure depends on; defaults follow NAS-Bench-Suite-Zero's published tables. */
export interface LfSettings {
  /** Images per batch (published tables: 64). */
  batch: number;
  /** Seeds the weights of every architecture (with the space and the architecture) and the batch's augmentation. */
  seed: number;
}

export const DEFAULT_LF_SETTINGS: LfSettings = { batch: 64, seed: 0 };

/**
 * The part of the settings a measure's value depends on, as a short tag for cache keys: counts depend on nothing,
 * l2_norm and synflow on the weights' seed, the batch measures also on the batch and its images.
 */
export function settingsTag(m: LfMeasure, s: LfSettings, imagesFingerprint: string): string {
  if (m.engine === 'count') return 'v1';
  if (m.engine === 'init' || m.engine === 'synflow') return `v1 seed=${s.seed}`;
  return `v1 seed=${s.seed} batch=${s.batch} images=${imagesFingerprint}`;
}
