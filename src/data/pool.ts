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

/** The column with NaN for the rows past its own, up to `length` (architectures appended to its data). */
export function paddedColumn(c: Column, length: number): Column {
  const values = new Float64Array(length).fill(NaN);
  values.set(c.values);
  return { ...c, values };
}

/** Values of named LF columns for architectures that have no table row (one value per architecture, NaN = none). */
export type SampledColumns = (archs: readonly unknown[]) => Record<string, ArrayLike<number>>;

/**
 * The data with `n` architectures sampled from its space appended (fewer when the space has fewer it does not
 * hold), none already in the data or drawn twice, every column NaN for them: rows for label-free step-1 targets
 * such as structural measures, which any architecture has. The first rows (and so any split of them) are kept.
 * `fill` gives the appended rows values for the LF columns it names that the data has (closed-form flops and
 * params); a name the data has no LF column for is an error, a target never filled.
 */
export function withSampledArchs(ds: Dataset, n: number, seed = 0, fill?: SampledColumns): Dataset {
  const seen = new Set(ds.keys);
  const rng = new Rng(seed);
  const extra: unknown[] = [];
  // A space's sampler may repeat itself (NB101 draws isomorphic specs): draw again for what is missing, until
  // five rounds in a row bring nothing new (the space is then all but exhausted).
  for (let idle = 0; extra.length < n && idle < 5; ) {
    const before = extra.length;
    for (const a of ds.space.sample(() => rng.next(), n - extra.length)) {
      const k = ds.space.key(a);
      if (seen.has(k)) continue;
      seen.add(k);
      extra.push(a);
    }
    idle = extra.length === before ? idle + 1 : 0;
  }
  const columns = ds.columns.map((c) => paddedColumn(c, ds.archs.length + extra.length));
  for (const [name, values] of Object.entries(fill?.(extra) ?? {})) {
    const c = columns.find((x) => x.name === name);
    if (!c || c.kind !== 'lf') throw new Error(`sampled architectures: the data has no LF column "${name}" to fill`);
    if (values.length !== extra.length) throw new Error(`sampled architectures: ${values.length} values of "${name}" for ${extra.length} architectures`);
    c.values.set(values, ds.archs.length);
  }
  const out = makeDataset(`${ds.source}+sample:${extra.length}:${seed}`, ds.space, [...ds.archs, ...extra], columns);
  return { ...out, ...(ds.defaultExperts ? { defaultExperts: ds.defaultExperts } : {}), ...(ds.expertSets ? { expertSets: ds.expertSets } : {}) };
}
