/** The bundled benchmark tables of the built-in spaces, loaded on first use (hovers, rankings, search, data info). */
import { bundledSpaceIds, column, type Dataset, loadBundled, targetNames } from '../data/dataset';

export interface BenchmarkTable {
  ds: Dataset;
  /** Row of an architecture key. */
  index: Map<string, number>;
}

export class BenchmarkTables {
  /** By space id; null: the space has none (asked once, not on every hover). */
  private readonly tables = new Map<string, BenchmarkTable | null>();

  get(spaceId: string): BenchmarkTable | undefined {
    let b = this.tables.get(spaceId);
    if (b === undefined) {
      const ds = bundledSpaceIds().includes(spaceId) ? loadBundled(spaceId) : undefined;
      b = ds ? { ds, index: new Map(ds.keys.map((k, i) => [k, i])) } : null;
      this.tables.set(spaceId, b);
    }
    return b ?? undefined;
  }

  /** The value of an architecture in the first of `preferred` targets that is a column, else the data's default target. */
  trueValue(spaceId: string, key: string, preferred: (string | undefined)[]): { target: string; value: number } | undefined {
    const b = this.get(spaceId);
    const i = b?.index.get(key);
    if (!b || i === undefined) return undefined;
    const targets = targetNames(b.ds);
    const target = [...preferred, b.ds.defaultTarget].find((t) => t !== undefined && targets.includes(t));
    if (!target) return undefined;
    const value = column(b.ds, target).values[i] ?? NaN;
    return Number.isFinite(value) ? { target, value } : undefined;
  }
}
