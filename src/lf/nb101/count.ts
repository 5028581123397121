/**
 * Closed-form NAS-Bench-Suite-Zero `flops` (tensorwatch MFLOPs, batch 1, 32x32 input) and `params` (M) of NASLib's
 * NAS-Bench-101 network (`search_spaces/nasbench101/model.py`, `base_ops.py`):
 * - stem ConvBnRelu 3x3 (3 -> 128); 3 stacks of 3 cells (128, 256, 512 channels), MaxPool 2x2 stride 2 between
 *   stacks; head: torch.mean over H, W (not a module: 0 flops) and Linear(512 -> 10);
 * - a cell splits its output channels over the vertices feeding the output (ComputeVertexChannels: the first
 *   vertices get the remainder, so the split depends on the vertex numbering); interior vertices run their op
 *   (ConvBnRelu 3x3 / 1x1, bias-free conv, affine BN; or MaxPool 3x3 stride 1 pad 1) at their channel count;
 *   every edge leaving the input is a ConvBnRelu 1x1 projection (to the vertex's channels, or to the cell's
 *   output channels for an input -> output edge); sums, truncations and the output concat count 0.
 * The cell is pruned first as NB101's ModelSpec does (vertices on no input -> output path are removed).
 * Checked against the bundled NB101 table (test/unit/lfCount.test.ts). No `Network` is built: NB101's channel
 * truncation has no layer kind, and its GFLOP networks are beyond the Float64 engine anyway.
 */

import { type NodeCellArch, pruneCell } from '../../space/declared/nodeCell';

export const NB101_CONV3 = 'conv3x3-bn-relu';
export const NB101_CONV1 = 'conv1x1-bn-relu';
export const NB101_MAXPOOL = 'maxpool3x3';

/** A cell as the nb101 space parses it: upper-triangular 0/1 adjacency (vertex 0 input, last output) and ops. */
export type Nb101Spec = NodeCellArch;


/** NB101's ComputeVertexChannels. */
export function nb101VertexChannels(cin: number, cout: number, matrix: readonly (readonly number[])[]): number[] {
  const n = matrix.length;
  const edge = (a: number, b: number): boolean => (matrix[a]?.[b] ?? 0) !== 0;
  const vc = new Array<number>(n).fill(0);
  vc[0] = cin;
  vc[n - 1] = cout;
  if (n === 2) return vc;
  let inDegree = 0;
  for (let v = 1; v < n; v++) if (edge(v, n - 1)) inDegree++;
  const interior = Math.floor(cout / inDegree);
  let correction = cout % inDegree;
  for (let v = 1; v < n - 1; v++) {
    if (!edge(v, n - 1)) continue;
    vc[v] = interior;
    if (correction > 0) {
      vc[v]!++;
      correction--;
    }
  }
  for (let v = n - 3; v > 0; v--) {
    if (edge(v, n - 1)) continue;
    for (let dst = v + 1; dst < n - 1; dst++) if (edge(v, dst)) vc[v] = Math.max(vc[v]!, vc[dst]!);
  }
  return vc;
}

/** ConvBnRelu (bias-free conv k x k stride 1, affine BN, ReLU) at resolution h x h: [flops, params]. */
function convBnRelu(cin: number, cout: number, k: number, h: number): [number, number] {
  return [k * k * cin * cout * h * h + 2 * cout * h * h + cout * h * h, k * k * cin * cout + 2 * cout];
}

function cell(spec: Nb101Spec, cin: number, cout: number, h: number): [number, number] {
  const n = spec.matrix.length;
  const vc = nb101VertexChannels(cin, cout, spec.matrix);
  let f = 0;
  let p = 0;
  const add = ([a, b]: [number, number]): void => {
    f += a;
    p += b;
  };
  for (let t = 1; t < n - 1; t++) {
    const c = vc[t]!;
    const op = spec.ops[t];
    if (op === NB101_CONV3) add(convBnRelu(c, c, 3, h));
    else if (op === NB101_CONV1) add(convBnRelu(c, c, 1, h));
    else if (op === NB101_MAXPOOL) add([c * h * h * 9, 0]);
    else throw new Error(`nb101: unknown op ${op}`);
  }
  for (let t = 1; t < n; t++) if ((spec.matrix[0]?.[t] ?? 0) !== 0) add(convBnRelu(cin, vc[t]!, 1, h));
  return [f, p];
}

/** NAS-Bench-Suite-Zero flops (MFLOPs) and params (M) of a NB101 cell (pruned first). */
export function nb101FlopsParams(spec: Nb101Spec, o: { stem?: number; stacks?: number; cellsPerStack?: number; classes?: number; resolution?: number } = {}): { flops: number; params: number } {
  const pruned = pruneCell(spec);
  if (!pruned) throw new Error('nb101: the output is not reachable from the input');
  const stem = o.stem ?? 128;
  let h = o.resolution ?? 32;
  let [f, p] = convBnRelu(3, stem, 3, h);
  let cin = stem;
  let cout = stem;
  for (let s = 0; s < (o.stacks ?? 3); s++) {
    if (s > 0) {
      h = Math.floor(h / 2);
      f += cin * h * h * 4; // MaxPool 2x2 stride 2: C * Ho * Wo * k²
      cout *= 2;
    }
    for (let m = 0; m < (o.cellsPerStack ?? 3); m++) {
      const [a, b] = cell(pruned, cin, cout, h);
      f += a;
      p += b;
      cin = cout;
    }
  }
  const classes = o.classes ?? 10;
  f += cout * classes;
  p += cout * classes + classes;
  return { flops: f / 1e6, params: p / 1e6 };
}
