/**
 * Structural experts for data without low-fidelity columns: the space's structural measures
 * (src/space/structural.ts) computed for every architecture of the data and added as LF columns, the informative
 * ones chosen on the labelled training archs. With them DELE trains from an `arch,acc` file alone.
 */
import { Rng } from '../util/rng';
import { DEFAULT_STRUCTURAL_MAX, selectStructural, type StructuralChoice, structuralMeasures } from '../space/structural';

export { DEFAULT_STRUCTURAL_MAX };
import { type Column, column, type Dataset, DataError } from './dataset';

/** The expert-set name that asks for structural experts on any data (`--lf structural`). */
export const STRUCTURAL_SET = 'structural';

/** Labelled archs the choice looks at (Kendall's tau is quadratic), and archs that compare measures with each other. */
const MAX_LABELLED_FOR_CHOICE = 1000;
const REDUNDANCY_SAMPLE = 300;

export interface StructuralExperts {
  /** The data with one LF column per chosen measure (same archs, same fingerprint: the columns are derived). */
  ds: Dataset;
  experts: string[];
  choices: StructuralChoice[];
}

/**
 * Adds the `max` most informative structural measures of `ds`'s space as LF columns, oriented so that higher
 * ranks higher (a measure whose tau with the target is negative is negated, and says so).
 * @param labelled indices of the training archs whose `target` value training uses (the choice sees only these).
 */
export function withStructuralExperts(ds: Dataset, target: string, labelled: readonly number[], opts: { max?: number; seed?: number } = {}): StructuralExperts {
  const truth = column(ds, target).values;
  const usable = labelled.filter((i) => Number.isFinite(truth[i]!));
  if (usable.length < 3) throw new DataError(`structural experts need at least 3 labelled archs to choose from, found ${usable.length}`);
  const measures = structuralMeasures(ds.space, ds.space.opNames);
  const values = new Map<string, Float64Array>();
  for (const m of measures) values.set(m.name, Float64Array.from(ds.features, (f) => m.value(f)));
  const rng = new Rng(opts.seed ?? 0);
  const pick = (from: readonly number[], n: number): number[] => (from.length <= n ? [...from] : rng.shuffle([...from]).slice(0, n));
  const sample = pick(
    Array.from({ length: ds.archs.length }, (_, i) => i),
    REDUNDANCY_SAMPLE,
  );
  const choices = selectStructural(values, truth, pick(usable, MAX_LABELLED_FOR_CHOICE), sample, { max: opts.max ?? DEFAULT_STRUCTURAL_MAX });
  if (choices.length === 0) throw new DataError(`no structural measure of ${ds.space.title} varies over the labelled archs; label more architectures`);
  const described = new Map(measures.map((m) => [m.name, m.description]));
  const added: Column[] = choices.map((c) => {
    const v = values.get(c.name)!;
    const sign = c.tau < 0 ? -1 : 1;
    return {
      name: c.name,
      kind: 'lf',
      description: `structural: ${described.get(c.name)}${sign < 0 ? ', negated (fewer ranks higher)' : ''}; tau ${c.tau.toFixed(3)} on ${Math.min(usable.length, MAX_LABELLED_FOR_CHOICE)} labelled archs`,
      values: sign < 0 ? v.map((x) => -x) : v,
    };
  });
  const taken = new Set(ds.columns.map((c) => c.name));
  const fresh = added.filter((c) => !taken.has(c.name));
  return { ds: { ...ds, columns: [...ds.columns, ...fresh] }, experts: added.map((c) => c.name), choices };
}
