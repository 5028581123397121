import type { NodeCellArch } from '../../space/declared/nodeCell';
import type { LfSpace } from '../space';
import { nb101FlopsParams } from './count';

export const nb101Lf: LfSpace<NodeCellArch> = {
  id: 'nb101',
  counts: (arch) => nb101FlopsParams(arch),
  source: "NASLib's NAS-Bench-101 network as a closed form (stem 128, 3 stacks of 3 cells): flops and params only",
};
