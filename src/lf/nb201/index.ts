import type { Nb201Arch } from '../../space/nb201/cell';
import type { LfSpace } from '../space';
import { nb201Network } from './network';

export const nb201Lf: LfSpace<Nb201Arch> = {
  id: 'nb201',
  network: (arch) => nb201Network(arch),
  source: "NASLib's NAS-Bench-201 network (zerocost branch): 3 stages of 5 cells, C = 16/32/64, CIFAR-10 head",
};
