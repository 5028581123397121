/** The bundled NB201 table and its cells with NAS-Bench-Suite-Zero's published CIFAR-10 proxies (9,445): what the LF benches compare against. */
import { column, type Dataset, loadBundled } from '../src/data/dataset';

export function nb201WithPublishedProxies(): { ds: Dataset; flops: Float64Array; withProxies: number[] } {
  const ds = loadBundled('nb201');
  const flops = column(ds, 'zc_c10_flops').values;
  return { ds, flops, withProxies: [...flops.keys()].filter((i) => Number.isFinite(flops[i])) };
}
