/**
 * Step 1's architectures in the practitioner's loop (src/predictor/labelled.ts): a data file or bundled table
 * without its target columns, or, for a space with no table, a seeded sample of the space with the columns its
 * space file's cost tables give. Step 1 is label-free, so none of these holds a label.
 */
import { type Column, costColumns, type Dataset, makeDataset, lfNames } from './dataset';
import type { SearchSpace } from '../space/types';
import { Rng } from '../util/rng';

/** Architectures a sampled pool holds: enough for step 1 to learn a ranking, small enough for seconds per epoch. */
export const SAMPLED_POOL_SIZE = 5000;

/** The data with its LF columns only (targets dropped: the labels come from the results file). */
export function lfOnly(ds: Dataset): Dataset {
  const lf = new Set(lfNames(ds));
  const columns: Column[] = ds.columns.filter((c) => lf.has(c.name));
  const out = makeDataset(ds.source, ds.space, ds.archs, columns);
  return { ...out, ...(ds.defaultExperts ? { defaultExperts: ds.defaultExperts.filter((n) => lf.has(n)) } : {}), ...(ds.expertSets ? { expertSets: ds.expertSets } : {}) };
}

/** The whole space when it has at most `n` architectures, else `n` drawn with `seed`; with the space's cost columns. */
export function sampledPool(space: SearchSpace, n = SAMPLED_POOL_SIZE, seed = 0): Dataset {
  const rng = new Rng(seed);
  const archs = space.size !== undefined && space.size <= n && space.fromIndex ? Array.from({ length: space.size }, (_, i) => space.fromIndex!(i)) : space.sample(() => rng.next(), n);
  return makeDataset(`sample:${space.id}:${archs.length}:${seed}`, space, archs, costColumns(space, archs, []));
}
