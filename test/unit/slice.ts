/**
 * Shared test data: a slice of the bundled NB201 table (every `stride`-th arch, `size` of them; 1,500 by default)
 * with the named columns keeps training runs to seconds.
 */
import { type Dataset, loadBundledNb201, makeDataset } from '../../src/data/dataset';
import { at } from './at';

export function nb201Slice(columns: readonly string[], o: { size?: number; stride?: number; source?: string } = {}): Dataset {
  const full = loadBundledNb201();
  const stride = o.stride ?? 10;
  const idx = Array.from({ length: o.size ?? 1500 }, (_, i) => (i * stride) % full.archs.length);
  return makeDataset(
    o.source ?? 'test-slice',
    full.space,
    idx.map((i) => at(full.archs, i)),
    full.columns.filter((c) => columns.includes(c.name)).map((c) => ({ ...c, values: Float64Array.from(idx, (i) => at(c.values, i)) })),
  );
}
