/** NAS-Bench-201 as a SearchSpace: 15,625 cells, ops on the 6 edges of a 4-node DAG. */
import { nb201Benchmark } from './benchmark';
import { NB201_TRIGGERS } from './triggers';
import { type FoundArch, opNeighbours, pruneDeadEdges, sampleEnumerable, type SearchSpace } from '../types';
import {
  NB201_EDGE_FROM,
  NB201_EDGE_TO,
  NB201_NUM_EDGES,
  NB201_NUM_NODES,
  NB201_OPS,
  NB201_SPACE_SIZE,
  type Nb201Arch,
  nb201Code,
  nb201FromCode,
  nb201IsConnected,
  nb201ToString,
  parseNb201,
} from './cell';
import { NB201_ID, scanNb201 } from './scan';

export const nb201Space: SearchSpace<Nb201Arch> = {
  id: NB201_ID,
  triggerPatterns: NB201_TRIGGERS,
  benchmark: nb201Benchmark,
  title: 'NAS-Bench-201',
  syntax: '|op~0|+|op~0|op~1|+|op~0|op~1|op~2| with ops none, skip_connect, nor_conv_1x1, nor_conv_3x3, avg_pool_3x3',
  encoderInput: {
    numOps: NB201_OPS.length,
    graph: { kind: 'edge-ops', numNodes: NB201_NUM_NODES, edgeFrom: [...NB201_EDGE_FROM], edgeTo: [...NB201_EDGE_TO], noneOp: 0 },
    seqVocab: NB201_OPS.length,
    seqLength: NB201_NUM_EDGES,
  },
  opNames: NB201_OPS,
  encoders: ['gates', 'lstm'],
  parse: parseNb201,
  scan: scanNb201,
  key: nb201ToString,
  lint: (a) =>
    nb201IsConnected(a)
      ? []
      : [{ message: 'no path from the input to the output avoids `none`: this cell outputs zeros (about 10% accuracy on CIFAR-10)', severity: 'info', outputsZeros: { expected: '~10%' } }],
  features: (a) => ({ ops: [...a], tokens: [...a] }),
  neighbours: (a) => opNeighbours(a, NB201_OPS, (e) => `edge ${NB201_EDGE_TO[e]}<-${NB201_EDGE_FROM[e]}`),
  equivalent: (a) => pruneDeadEdges(a, NB201_EDGE_FROM, NB201_EDGE_TO, 0),
  render: renderNb201,
  size: NB201_SPACE_SIZE,
  fromIndex: nb201FromCode,
  indexOf: nb201Code,
  sample(random, n) {
    return sampleEnumerable(this, random, n);
  },
};

/** A cell string is rewritten whole; an op list keeps its key, quotes and separators and gets the new ops. */
function renderNb201(a: Nb201Arch, found: FoundArch<Nb201Arch>): string | undefined {
  if (found.form === 'cell-string') return nb201ToString(a);
  if (found.form !== 'op-list') return undefined;
  const open = found.text.indexOf('[');
  const close = found.text.lastIndexOf(']');
  if (open < 0 || close < open) return undefined;
  const inner = found.text.slice(open + 1, close);
  const quote = /^\s*(["'])/.exec(inner)?.[1] ?? '';
  const sep = /,(\s*)/.exec(inner)?.[1] ?? ' ';
  return `${found.text.slice(0, open + 1)}${a.map((o) => `${quote}${NB201_OPS[o]}${quote}`).join(`,${sep}`)}${found.text.slice(close)}`;
}
