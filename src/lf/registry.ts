/** The spaces dele-nas computes LF measures for: every measure where it builds the network, else flops and params. */
import { nb201Lf } from './nb201';
import { nb101Lf } from './nb101';
import { nb301Lf } from './nb301';
import type { LfSpace } from './space';

export const LF_SPACES: readonly LfSpace[] = [nb201Lf as LfSpace, nb301Lf as LfSpace, nb101Lf as LfSpace];

export function lfSpace(id: string): LfSpace | undefined {
  return LF_SPACES.find((s) => s.id === id);
}
