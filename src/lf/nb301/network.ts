/**
 * NASLib's NAS-Bench-301 (DARTS) network (`search_spaces/nasbench301/graph.py`, `primitives.py`, `zerocost`
 * branch), the one behind NAS-Bench-Suite-Zero's published NB301 proxies. It is neither the DARTS search net
 * nor the DARTS evaluation net: C = 32, 8 cells (normal, normal, reduce, normal, normal, reduce, normal,
 * normal), stem multiplier 3, no auxiliary head.
 *
 * - stem: conv 3x3 (3 -> 96) + BN (affine);
 * - each cell preprocesses its inputs: s0 (output of the cell before the previous one) by ReLU-Conv1x1-BN,
 *   or FactorizedReduce when the previous cell was a reduce cell; s1 (previous cell) by ReLU-Conv1x1-BN
 *   (affine BNs);
 * - 4 intermediate nodes, each the sum of 2 edges; in reduce cells the edges leaving s0 / s1 have stride 2;
 *   the cell output concatenates the 4 intermediate nodes (4C channels);
 * - edge ops (BNs not affine): skip (identity, or FactorizedReduce at stride 2), max / avg pool 3x3 + BN,
 *   sep_conv_k (two ReLU-depthwise-pointwise-BN blocks), dil_conv_k (ReLU, depthwise dilation 2, pointwise, BN);
 * - head: global average pool -> linear(512 -> 10).
 * The layout is pinned by the published flops and params of all 725 NB301 architectures (test/unit/lfCount).
 */
import type { Nb301Arch, Nb301Edge } from '../../space/nb301';
import { type Network, NetworkBuilder } from '../network';

export interface Nb301NetworkOptions {
  /** Input resolution (32 for CIFAR-10). */
  resolution?: number;
  classes?: number;
}

const C_INIT = 32;
const STEM_MULTIPLIER = 3;
/** Cell types in order: reduce cells double the channels and halve the resolution. */
const REDUCE = [false, false, true, false, false, true, false, false];

/** ReLU -> conv 1x1 -> BN (NASLib's ReLUConvBN with kernel 1). */
function reluConvBn(b: NetworkBuilder, x: number, cout: number, affine: boolean): number {
  return b.bn(b.conv(b.relu(x), cout, 1), affine);
}

/** DARTS FactorizedReduce: ReLU, then two conv 1x1 stride 2 (on x and on x[:, 1:, 1:]), concatenated, BN. */
function factorizedReduce(b: NetworkBuilder, x: number, cout: number, affine: boolean): number {
  if (cout % 2 !== 0) throw new Error('nb301 network: FactorizedReduce needs an even channel count');
  const r = b.relu(x);
  const a = b.conv(r, cout / 2, 1, { stride: 2, pad: 0 });
  const c = b.conv(b.add({ op: 'shift', x: r }), cout / 2, 1, { stride: 2, pad: 0 });
  return b.bn(b.add({ op: 'concat', xs: [a, c] }), affine);
}

/** ReLU -> depthwise k x k (stride, dilation) -> conv 1x1 -> BN (not affine). */
function reluDwPwBn(b: NetworkBuilder, x: number, k: number, stride: number, dilation: number): number {
  const c = b.shape(x).c;
  const dw = b.conv(b.relu(x), c, k, { stride, pad: (dilation * (k - 1)) / 2, dilation, groups: c });
  return b.bn(b.conv(dw, c, 1), false);
}

/** NB301_OPS order: max_pool_3x3, avg_pool_3x3, skip_connect, sep_conv_3x3, sep_conv_5x5, dil_conv_3x3, dil_conv_5x5. */
function edgeOp(b: NetworkBuilder, op: number, x: number, stride: number): number {
  switch (op) {
    case 0:
      return b.bn(b.add({ op: 'maxpool', x, k: 3, stride, pad: 1 }), false);
    case 1:
      return b.bn(b.add({ op: 'avgpool', x, k: 3, stride, pad: 1, countIncludePad: false }), false);
    case 2:
      return stride === 1 ? x : factorizedReduce(b, x, b.shape(x).c, false);
    case 3:
    case 4: {
      const k = op === 3 ? 3 : 5;
      return reluDwPwBn(b, reluDwPwBn(b, x, k, stride, 1), k, 1, 1);
    }
    case 5:
    case 6:
      return reluDwPwBn(b, x, op === 5 ? 3 : 5, stride, 2);
    default:
      throw new Error(`nb301 network: op ${op}`);
  }
}

function cell(b: NetworkBuilder, edges: readonly Nb301Edge[], s0: number, s1: number, reduce: boolean): number {
  if (edges.length !== 8) throw new Error(`nb301 network: a cell has 8 edges, not ${edges.length}`);
  const nodes = [s0, s1];
  for (let k = 0; k < 4; k++) {
    const ins = [edges[2 * k], edges[2 * k + 1]].map((e) => {
      if (!e) throw new Error('nb301 network: missing edge');
      const from = nodes[e.from];
      if (from === undefined) throw new Error(`nb301 network: node ${k + 2} cannot take input ${e.from}`);
      return edgeOp(b, e.op, from, reduce && e.from < 2 ? 2 : 1);
    });
    nodes.push(b.sum(ins));
  }
  return b.add({ op: 'concat', xs: nodes.slice(2) });
}

export function nb301Network(arch: Nb301Arch, o: Nb301NetworkOptions = {}): Network {
  const res = o.resolution ?? 32;
  const b = new NetworkBuilder({ h: res, w: res, c: 3 });
  const stem = b.bn(b.conv(0, C_INIT * STEM_MULTIPLIER, 3), true);
  let prevPrev = stem;
  let prev = stem;
  let prevReduce = false;
  let c = C_INIT;
  for (const reduce of REDUCE) {
    if (reduce) c *= 2;
    const s0 = prevReduce ? factorizedReduce(b, prevPrev, c, true) : reluConvBn(b, prevPrev, c, true);
    const s1 = reluConvBn(b, prev, c, true);
    const out = cell(b, reduce ? arch.reduce : arch.normal, s0, s1, reduce);
    prevPrev = prev;
    prev = out;
    prevReduce = reduce;
  }
  const pooled = b.add({ op: 'gap', x: prev });
  return b.build(b.add({ op: 'linear', x: pooled, out: o.classes ?? 10 }));
}
