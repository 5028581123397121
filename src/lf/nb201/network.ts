/**
 * NASLib's NAS-Bench-201 network (`search_spaces/nasbench201/graph.py`, `zerocost` branch), the one behind
 * NAS-Bench-Suite-Zero's published proxies: stem conv 3x3 (3->16) + BN, 3 stages of 5 cells (C = 16, 32, 64)
 * joined by two residual blocks, head BN -> ReLU -> global pool -> linear. Every edge of every cell runs.
 */
import { NB201_EDGE_FROM, NB201_EDGE_TO, type Nb201Arch } from '../../space/nb201/cell';
import { type Network, NetworkBuilder } from '../network';

export interface Nb201NetworkOptions {
  /** Input resolution: 32 (CIFAR-10/100) or 16 (ImageNet16-120). */
  resolution?: number;
  classes?: number;
}

/** NB201 op indices (NB201_OPS order): none, skip_connect, nor_conv_1x1, nor_conv_3x3, avg_pool_3x3. */
function edge(b: NetworkBuilder, op: number, x: number): number {
  switch (op) {
    case 0:
      return b.add({ op: 'zero', x });
    case 1:
      return x;
    case 2:
    case 3: {
      const k = op === 2 ? 1 : 3;
      return b.bn(b.conv(b.relu(x), b.shape(x).c, k), true);
    }
    case 4:
      return b.add({ op: 'avgpool', x, k: 3, stride: 1, pad: 1, countIncludePad: false });
    default:
      throw new Error(`nb201 network: op ${op}`);
  }
}

function cell(b: NetworkBuilder, arch: Nb201Arch, x: number): number {
  const nodes = [x];
  for (let to = 1; to <= 3; to++) {
    const ins: number[] = [];
    for (let e = 0; e < arch.length; e++) {
      if (NB201_EDGE_TO[e] !== to) continue;
      const from = nodes[NB201_EDGE_FROM[e] as number] as number;
      ins.push(edge(b, arch[e] as number, from));
    }
    nodes.push(b.sum(ins));
  }
  return nodes[3] as number;
}

function resBlock(b: NetworkBuilder, x: number, cout: number): number {
  const a = b.bn(b.conv(b.relu(x), cout, 3, { stride: 2 }), true);
  const c = b.bn(b.conv(b.relu(a), cout, 3), true);
  const short = b.conv(b.add({ op: 'avgpool', x, k: 2, stride: 2, pad: 0, countIncludePad: true }), cout, 1);
  return b.add({ op: 'add', xs: [c, short] });
}

export function nb201Network(arch: Nb201Arch, o: Nb201NetworkOptions = {}): Network {
  const res = o.resolution ?? 32;
  const b = new NetworkBuilder({ h: res, w: res, c: 3 });
  let h = b.bn(b.conv(0, 16, 3), true);
  const widths = [16, 32, 64];
  for (let s = 0; s < 3; s++) {
    for (let c = 0; c < 5; c++) h = cell(b, arch, h);
    const next = widths[s + 1];
    if (next !== undefined) h = resBlock(b, h, next);
  }
  h = b.add({ op: 'gap', x: b.relu(b.bn(h, true)) });
  return b.build(b.add({ op: 'linear', x: h, out: o.classes ?? 10 }));
}
