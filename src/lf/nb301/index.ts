import type { Nb301Arch } from '../../space/nb301';
import type { LfSpace } from '../space';
import { nb301Network } from './network';

export const nb301Lf: LfSpace<Nb301Arch> = {
  id: 'nb301',
  network: (arch) => nb301Network(arch),
  source: "NASLib's NAS-Bench-301 network (zerocost branch): the DARTS cell at C = 32, 8 cells (reductions at 3 and 6), stem multiplier 3, CIFAR-10 head",
};
