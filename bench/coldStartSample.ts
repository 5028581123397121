/** The cold-start benches' sample: a seeded draw of cells from the training split (the held-out split is never touched). */
import { Rng, shuffleInPlace } from '../src/util/rng';

export const COLD_START_SAMPLE_SEED = 4242;

export function coldStartSample(train: readonly number[], count: number): number[] {
  const rng = new Rng(COLD_START_SAMPLE_SEED);
  return shuffleInPlace([...train], () => rng.next()).slice(0, Math.min(count, train.length));
}

/** The labelled cells of seed s: the first `labels` of the sample shuffled with seed 1000 + s. */
export function coldStartLabelled(sampled: readonly number[], labels: number, seed: number): Set<number> {
  const rng = new Rng(1000 + seed);
  return new Set(shuffleInPlace([...sampled], () => rng.next()).slice(0, labels));
}
