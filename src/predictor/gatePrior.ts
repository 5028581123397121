/**
 * A prior for DELE's gate from the labels (issue #20 part 5). With very few labels step 2 cannot learn which
 * expert to trust, and DELE can fall below the best single LF, which the labels pick by itself. Before step 2,
 * each pretrained expert's Kendall tau against the labelled archs is measured and the bias of the gate's output
 * layer is set to tau_k / temperature: the gate (a softmax over those logits plus its network's output) starts
 * leaning on the experts that rank the labels best, and step 2 moves it from there as labels allow.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { ArchFeatures } from '../space/types';
import { kendallTau } from './metrics';
import type { EnsembleModel } from './model';
import { scoreArchs } from './train';

export interface GatePrior {
  /** Kendall tau of each expert's score with the labels (NaN where undefined, which then gets no lean). */
  taus: number[];
  /** The gate's output bias as set. */
  bias: number[];
}

/**
 * Sets the gate's output bias of `model` from its experts' tau on the labelled archs `gtIdx` (truth[i] for
 * archs[i]); lower `temperature` leans harder (0.05: a tau 0.1 higher weighs e^2 = 7.4 times as much). Returns
 * what it measured and set; throws without a gate or with a temperature that is not a positive number.
 */
export function applyGatePrior(
  model: EnsembleModel,
  archs: readonly ArchFeatures[],
  gtIdx: readonly number[],
  truth: ArrayLike<number>,
  temperature: number,
): GatePrior {
  const bias = model.gateOutputBias();
  if (!bias) throw new Error('a gate prior needs a model with a gate');
  if (!(temperature > 0) || !Number.isFinite(temperature)) throw new Error(`gate prior temperature must be a positive number (got ${temperature})`);
  const labelled = gtIdx.filter((i) => Number.isFinite(truth[i]));
  const k = model.numExperts;
  const out = scoreArchs(model, labelled.map((i) => archs[i]!)).expertScores;
  const y = labelled.map((i) => truth[i]!);
  const taus = Array.from({ length: k }, (_, j) => kendallTau(labelled.map((_, r) => out[r * k + j]!), y));
  const best = Math.max(...taus.filter(Number.isFinite), 0);
  // Relative to the best, so the logits stay near zero whatever the taus; an undefined tau counts as 0.
  const values = taus.map((t) => ((Number.isFinite(t) ? t : 0) - best) / temperature);
  const next = tf.tensor1d(values);
  bias.assign(next);
  next.dispose();
  return { taus, bias: values };
}
