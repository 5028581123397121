/**
 * The bundled NAS-Bench-201 table's conventions (SearchSpace.benchmark): the default target, DELE's expert sets
 * and the table's compact cell form (6 op digits).
 */
import type { BenchmarkConventions } from '../types';
import type { Nb201Arch } from './cell';

export const NB201_DEFAULT_TARGET = 'c10_test_200ep';
/**
 * DELE's 12 NB201 expert types as far as they exist here (one_shot and relu were never published), using the
 * CIFAR-10 zero-cost proxies, the 12-epoch accuracy as the "short training" fidelity and an edge-GPU latency
 * (DATA.md). The default until the ablation below; `--lf paper` selects it (the README's reproduction table).
 */
export const PAPER_NB201_EXPERTS = [
  'c10valid_xvalid_12ep',
  'zc_c10_grad_norm',
  'zc_c10_snip',
  'zc_c10_grasp',
  'zc_c10_flops',
  'zc_c10_fisher',
  'zc_c10_jacov',
  'zc_c10_plain',
  'zc_c10_synflow',
  'zc_c10_nwot',
  'naswot_v1_score',
  'hw_c10_edgegpu_latency',
];

/**
 * Default experts for NB201: the 12 LF columns with the largest |Kendall's tau| against the target on the
 * ablation's validation split (2,000 archs carved from the training split; never the held-out split), from every
 * column except the 12-epoch accuracies on test sets: the `gates-top12-val` variant of
 * bench/ablation-nb201-gates.yaml, which beat the paper's set on validation (README, "Accuracy beyond the paper").
 */
export const DEFAULT_NB201_EXPERTS = [
  'c100_val_12ep',
  'zc_c10_jacov',
  'zc_c10_nwot',
  'zc_in16_nwot',
  'zc_in16_jacov',
  'zc_c10_params',
  'zc_in16_params',
  'zc_c10_epe_nas',
  'c10valid_xvalid_12ep',
  'params_M',
  'in16_val_12ep',
  'zc_in16_synflow',
];

/**
 * Step 1's epochs for NB201 under the `cpu` preset (the preset's own is 40): 120 won on the ablation's validation
 * split on every seed at 78, 390 and 781 labels (bench/ablation-nb201-step1.yaml, and at the 3e-4 step-2 default
 * bench/ablation-nb201-default.yaml; docs/benchmarks.md round 3), for 3x step 1's time. It did not carry over
 * to TransNAS-Bench-101 micro, so it is this space's setting, not the preset's.
 */
export const NB201_PRETRAIN_EPOCHS = 120;

/** Named expert sets of the bundled data, usable wherever a list of LF columns is (`--lf paper`). */
export const NB201_EXPERT_SETS: Record<string, string[]> = { paper: PAPER_NB201_EXPERTS, default: DEFAULT_NB201_EXPERTS };

/** The table's cells are their 6 op digits (`"130224"`); anything else is parsed in the cell syntax. */
export const nb201Benchmark: BenchmarkConventions<Nb201Arch> = {
  defaultTarget: NB201_DEFAULT_TARGET,
  defaultExperts: DEFAULT_NB201_EXPERTS,
  expertSets: NB201_EXPERT_SETS,
  pretrainEpochs: NB201_PRETRAIN_EPOCHS,
  decode: (stored) => (/^[0-4]{6}$/.test(stored) ? [...stored].map(Number) : undefined),
};
