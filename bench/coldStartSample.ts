/** The cold-start benches' sample: a seeded draw of cells from the training split (the held-out split is never touched). */
import { Rng } from '../src/util/rng';

export const COLD_START_SAMPLE_SEED = 4242;

export function coldStartSample(train: readonly number[], count: number): number[] {
  const rng = new Rng(COLD_START_SAMPLE_SEED);
  const pool = [...train];
  for (let i = pool.length - 1; i > 0; i--) {
    const j = Math.floor(rng.next() * (i + 1));
    [pool[i], pool[j]] = [pool[j] as number, pool[i] as number];
  }
  return pool.slice(0, Math.min(count, pool.length));
}

/** The labelled cells of seed s: the first `labels` of the sample shuffled with seed 1000 + s. */
export function coldStartLabelled(sampled: readonly number[], labels: number, seed: number): Set<number> {
  const rng = new Rng(1000 + seed);
  const shuffled = [...sampled];
  for (let i = shuffled.length - 1; i > 0; i--) {
    const j = Math.floor(rng.next() * (i + 1));
    [shuffled[i], shuffled[j]] = [shuffled[j] as number, shuffled[i] as number];
  }
  return new Set(shuffled.slice(0, labels));
}
