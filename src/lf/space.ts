/**
 * The seam between a search space and the LF measures: a space that can build the network it was benchmarked
 * with implements `LfSpace` in its own folder (src/lf/<space>/) and is listed in registry.ts. A space whose
 * network is known only as a closed form (NB101's channel split has no layer kind here) gives `counts` instead
 * and offers flops and params alone.
 */
import { LF_MEASURES, type LfMeasure } from './measures';
import type { Network } from './network';

export interface LfSpace<A = unknown> {
  /** The search space's id (src/space/registry.ts). */
  readonly id: string;
  /** The network one architecture is trained as, for the input the measures use (32x32 CIFAR-10 images). */
  network?(arch: A): Network;
  /** Closed-form MFLOPs and millions of parameters, for a space without `network`. */
  counts?(arch: A): { flops: number; params: number };
  /** Where the layout comes from, for help texts and the README. */
  readonly source: string;
}

/** The measures a space offers: every TF.js one with a network, flops and params with closed-form counts only. */
export function measuresOf(space: LfSpace): readonly LfMeasure[] {
  return space.network ? LF_MEASURES.filter((m) => !m.torchOnly) : LF_MEASURES.filter((m) => m.id === 'flops' || m.id === 'params');
}
