/** Shared test data: a 1,500-arch slice of the bundled NB201 table keeps training runs to seconds. */
import { type Dataset, loadBundledNb201, makeDataset } from '../../src/data/dataset';
import { at } from './at';

export function nb201Slice(columns: string[]): Dataset {
  const full = loadBundledNb201();
  const idx = Array.from({ length: 1500 }, (_, i) => (i * 10) % full.archs.length);
  return makeDataset(
    'test-slice',
    full.space,
    idx.map((i) => at(full.archs, i)),
    full.columns.filter((c) => columns.includes(c.name)).map((c) => ({ ...c, values: Float64Array.from(idx, (i) => at(c.values, i)) })),
  );
}
