/**
 * The LF measures of a space that need no training, no images and no weights: flops and params, from the space's
 * closed form (`counts`) or counted on the network it builds (countFlops, countParams). Microseconds to a few
 * milliseconds per architecture, so they can be had for every architecture a sample draws, not only for the rows
 * of a published table (dele bench --step1-sample N --sample-counts).
 */
import { countFlops, countParams } from './count';
import { lfSpace } from './registry';
import type { LfSpace } from './space';

/** The measures countColumns gives, named as `dele lf` and the bundled tables name them. */
export const CLOSED_FORM_MEASURES = ['flops', 'params'] as const;

/** flops (MFLOPs) and params (M) of each architecture, NaN where the space can build or count neither. */
export function countColumns(space: LfSpace, archs: readonly unknown[]): Record<(typeof CLOSED_FORM_MEASURES)[number], Float64Array> {
  const flops = new Float64Array(archs.length).fill(NaN);
  const params = new Float64Array(archs.length).fill(NaN);
  archs.forEach((arch, i) => {
    if (space.counts) {
      const c = space.counts(arch);
      flops[i] = c.flops;
      params[i] = c.params;
    } else if (space.network) {
      const net = space.network(arch);
      flops[i] = countFlops(net);
      params[i] = countParams(net);
    }
  });
  return { flops, params };
}

/**
 * countColumns for the sampled rows of `data`, limited to the measures it has an LF column of (withSampledArchs'
 * fill); undefined when the space has no LF layout here or the data holds neither column.
 */
export function closedFormFill(spaceId: string, lfColumns: readonly string[]): ((archs: readonly unknown[]) => Record<string, Float64Array>) | undefined {
  const space = lfSpace(spaceId);
  const names = CLOSED_FORM_MEASURES.filter((m) => lfColumns.includes(m));
  if (!space || names.length === 0) return undefined;
  return (archs) => {
    const all = countColumns(space, archs);
    return Object.fromEntries(names.map((m) => [m, all[m]]));
  };
}
