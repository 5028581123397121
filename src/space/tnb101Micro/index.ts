/**
 * TransNAS-Bench-101 micro (cell) space: `64-41414-a_bc_def`, 64 channels, the fixed macro skeleton 41414 and
 * a 4-node cell whose 6 edges carry one digit each (0 none, 1 skip_connect, 2 conv1x1, 3 conv3x3), written
 * node1<-0 _ node2<-0,1 _ node3<-0,1,2: the same edge order as NB201. 4^6 = 4,096 cells.
 */
import { TNB101_MICRO_TRIGGERS } from './triggers';
import { clip, type FoundArch, opNeighbours, outputReachable, type ParseResult, sampleEnumerable, type SearchSpace, shiftProblems } from '../types';

export const TNB101_MICRO_ID = 'tnb101-micro';
export const TNB101_MICRO_OPS = ['none', 'skip_connect', 'conv1x1', 'conv3x3'] as const;
export type Tnb101MicroArch = readonly number[];

const EDGE_FROM = [0, 0, 1, 0, 1, 2];
const EDGE_TO = [1, 2, 2, 3, 3, 3];
const SIZE = 4 ** 6;
// A candidate: number-number-digits_digits_digits (bounded, so long lines scan in linear time).
const CANDIDATE_RE = /(?<![\w.-])\d{1,6}-\d{1,10}-\d{1,8}_\d{1,8}_\d{1,8}(?![\w.-])/g;

export function tnb101MicroToString(a: Tnb101MicroArch): string {
  return `64-41414-${a[0]}_${a[1]}${a[2]}_${a[3]}${a[4]}${a[5]}`;
}

export function parseTnb101Micro(text: string): ParseResult<Tnb101MicroArch> {
  const problems: { message: string; start: number; end: number }[] = [];
  const lead = text.length - text.trimStart().length;
  const t = text.trim();
  const m = /^(\d+)-(\d+)-(\d*)_(\d*)_(\d*)$/.exec(t);
  if (!m || t.length > 64) {
    return { ok: false, problems: [{ message: `a TransNAS-Bench-101 micro architecture looks like 64-41414-1_02_333, not "${clip(t)}"`, start: 0, end: Math.max(1, text.length) }] };
  }
  // Every group takes part in every match (the digit groups possibly empty).
  const [, base = '', skeleton = '', seg1 = '', seg2 = '', seg3 = ''] = m;
  let at = lead;
  if (base !== '64') problems.push({ message: `TransNAS-Bench-101 uses 64 base channels, not ${clip(base)}`, start: at, end: at + base.length });
  at += base.length + 1;
  if (skeleton !== '41414') problems.push({ message: `the micro space has the fixed macro skeleton 41414, not ${clip(skeleton)}`, start: at, end: at + skeleton.length });
  at += skeleton.length + 1;
  const ops: number[] = [];
  [seg1, seg2, seg3].forEach((seg, s) => {
    const node = s + 1;
    if (seg.length !== node) {
      problems.push({ message: `node ${node} has ${node} input edge${node > 1 ? 's' : ''} (from nodes 0..${node - 1}), so ${node} digit${node > 1 ? 's' : ''}; found ${seg.length}`, start: at, end: at + Math.max(1, seg.length) });
    }
    [...seg].forEach((d, i) => {
      const op = Number(d);
      if (op > 3) problems.push({ message: `unknown op digit ${d}; expected 0 none, 1 skip_connect, 2 conv1x1, 3 conv3x3`, start: at + i, end: at + i + 1 });
      ops.push(op);
    });
    at += seg.length + 1;
  });
  if (problems.length > 0) return { ok: false, problems };
  return { ok: true, arch: ops, key: tnb101MicroToString(ops) };
}

function fromIndex(i: number): Tnb101MicroArch {
  if (!Number.isInteger(i) || i < 0 || i >= SIZE) throw new RangeError(`index ${i} out of range`);
  const ops = new Array<number>(6);
  for (let e = 5; e >= 0; e--) {
    ops[e] = i % 4;
    i = Math.floor(i / 4);
  }
  return ops;
}

export function scanTnb101Micro(text: string): FoundArch<Tnb101MicroArch>[] {
  const out: FoundArch<Tnb101MicroArch>[] = [];
  for (const m of text.matchAll(CANDIDATE_RE)) {
    const start = m.index ?? 0;
    // Only strings with the micro skeleton (or a near miss of it) are this space's; others may be another's.
    if (!/^\d+-4\d{4}-/.test(m[0]) && !/^64-/.test(m[0])) continue;
    const r = parseTnb101Micro(m[0]);
    out.push({ space: TNB101_MICRO_ID, start, end: start + m[0].length, text: m[0], form: 'tnb-string', result: r.ok ? r : { ok: false, problems: shiftProblems(r.problems, start) } });
  }
  return out;
}

export const tnb101MicroSpace: SearchSpace<Tnb101MicroArch> = {
  id: TNB101_MICRO_ID,
  triggerPatterns: TNB101_MICRO_TRIGGERS,
  title: 'TransNAS-Bench-101 micro',
  syntax: '64-41414-a_bc_def, digits 0 none, 1 skip_connect, 2 conv1x1, 3 conv3x3 (node1<-0 _ node2<-0,1 _ node3<-0,1,2)',
  encoderInput: {
    numOps: TNB101_MICRO_OPS.length,
    graph: { kind: 'edge-ops', numNodes: 4, edgeFrom: EDGE_FROM, edgeTo: EDGE_TO, noneOp: 0 },
    seqVocab: 4,
    seqLength: 6,
  },
  opNames: TNB101_MICRO_OPS,
  encoders: ['gates', 'lstm'],
  parse: parseTnb101Micro,
  scan: scanTnb101Micro,
  key: tnb101MicroToString,
  lint: (a) => (outputReachable(a, EDGE_FROM, EDGE_TO, 0) ? [] : [{ message: 'no path from the input to the output avoids `none` (digit 0): this cell outputs zeros', severity: 'info', outputsZeros: {} }]),
  features: (a) => ({ ops: [...a], tokens: [...a] }),
  neighbours: (a) => opNeighbours(a, TNB101_MICRO_OPS, (e) => `edge ${EDGE_TO[e]}<-${EDGE_FROM[e]}`),
  render: (a) => tnb101MicroToString(a),
  size: SIZE,
  fromIndex,
  indexOf: (a) => a.reduce((c, op) => c * 4 + op, 0),
  sample(random, n) {
    return sampleEnumerable(this, random, n);
  },
};
