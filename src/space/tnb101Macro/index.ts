/**
 * TransNAS-Bench-101 macro (skeleton) space: `64-1234-basic`, 4 to 6 modules, each a code 1 to 4:
 * 1 keeps resolution and channels, 2 doubles the channels, 3 halves the resolution, 4 does both. The space
 * has 1 to 4 downsampling modules (codes 3, 4) and 1 to 3 channel-doubling modules (codes 2, 4): 3,256
 * architectures. Its encoders see a sequence of 6 positions (absent modules are token 0), and GATES a chain.
 */
import { TNB101_MACRO_TRIGGERS } from './triggers';
import { clip, type FoundArch, type ParseResult, sampleEnumerable, type SearchSpace, shiftProblems } from '../types';

export const TNB101_MACRO_ID = 'tnb101-macro';
export type Tnb101MacroArch = readonly number[];

const MAX_LEN = 6;
const CANDIDATE_RE = /(?<![\w.-])\d{1,6}-\d{1,12}-basic(?![\w.-])/g;

const downs = (a: Tnb101MacroArch): number => a.filter((c) => c === 3 || c === 4).length;
const doubles = (a: Tnb101MacroArch): number => a.filter((c) => c === 2 || c === 4).length;

export function tnb101MacroToString(a: Tnb101MacroArch): string {
  return `64-${a.join('')}-basic`;
}

export function parseTnb101Macro(text: string): ParseResult<Tnb101MacroArch> {
  const lead = text.length - text.trimStart().length;
  const t = text.trim();
  const m = /^(\d+)-(\d+)-basic$/.exec(t);
  if (!m || t.length > 64) {
    return { ok: false, problems: [{ message: `a TransNAS-Bench-101 macro architecture looks like 64-1234-basic, not "${clip(t)}"`, start: 0, end: Math.max(1, text.length) }] };
  }
  // Both groups take part in every match.
  const [, base = '', modules = ''] = m;
  const problems: { message: string; start: number; end: number }[] = [];
  if (base !== '64') problems.push({ message: `TransNAS-Bench-101 uses 64 base channels, not ${clip(base)}`, start: lead, end: lead + base.length });
  const at = lead + base.length + 1;
  const codes = [...modules].map(Number);
  codes.forEach((c, i) => {
    if (c < 1 || c > 4) problems.push({ message: `module code ${c}: expected 1 (normal), 2 (double channels), 3 (downsample) or 4 (both)`, start: at + i, end: at + i + 1 });
  });
  const whole = { start: at, end: at + modules.length };
  if (codes.length < 4 || codes.length > MAX_LEN) problems.push({ message: `the macro space has 4 to 6 modules, this has ${codes.length}`, ...whole });
  else if (problems.length === 0) {
    if (downs(codes) < 1 || downs(codes) > 4) problems.push({ message: `1 to 4 modules must downsample (codes 3, 4); this has ${downs(codes)}`, ...whole });
    if (doubles(codes) < 1 || doubles(codes) > 3) problems.push({ message: `1 to 3 modules must double the channels (codes 2, 4); this has ${doubles(codes)}`, ...whole });
  }
  if (problems.length > 0) return { ok: false, problems };
  return { ok: true, arch: codes, key: tnb101MacroToString(codes) };
}

/** Every architecture, by length then code string (the order of the bundled data). */
const ALL: Tnb101MacroArch[] = (() => {
  const out: Tnb101MacroArch[] = [];
  for (let len = 4; len <= MAX_LEN; len++) {
    for (let i = 0; i < 4 ** len; i++) {
      const codes: number[] = [];
      for (let p = len - 1, x = i; p >= 0; p--, x = Math.floor(x / 4)) codes[p] = (x % 4) + 1;
      if (downs(codes) >= 1 && downs(codes) <= 4 && doubles(codes) >= 1 && doubles(codes) <= 3) out.push(codes);
    }
  }
  return out;
})();
const INDEX = new Map(ALL.map((a, i) => [a.join(''), i]));

export function scanTnb101Macro(text: string): FoundArch<Tnb101MacroArch>[] {
  return [...text.matchAll(CANDIDATE_RE)].map((m) => {
    const start = m.index ?? 0;
    const r = parseTnb101Macro(m[0]);
    return { space: TNB101_MACRO_ID, start, end: start + m[0].length, text: m[0], form: 'tnb-string', result: r.ok ? r : { ok: false, problems: shiftProblems(r.problems, start) } };
  });
}

export const tnb101MacroSpace: SearchSpace<Tnb101MacroArch> = {
  id: TNB101_MACRO_ID,
  triggerPatterns: TNB101_MACRO_TRIGGERS,
  title: 'TransNAS-Bench-101 macro',
  syntax: '64-<4 to 6 codes>-basic, codes 1 normal, 2 double channels, 3 downsample, 4 both',
  encoderInput: {
    numOps: 5,
    // A chain: module i is the op on edge i -> i+1; token 0 marks an absent module (identity).
    graph: { kind: 'edge-ops', numNodes: MAX_LEN + 1, edgeFrom: [0, 1, 2, 3, 4, 5], edgeTo: [1, 2, 3, 4, 5, 6], noneOp: -1 },
    seqVocab: 5,
    seqLength: MAX_LEN,
  },
  encoders: ['lstm', 'gates'],
  parse: parseTnb101Macro,
  scan: scanTnb101Macro,
  key: tnb101MacroToString,
  lint: () => [],
  features: (a) => {
    const tokens = Array.from({ length: MAX_LEN }, (_, i) => a[i] ?? 0);
    return { ops: tokens, tokens };
  },
  /** One module's code changed, kept when the skeleton stays in the space (downsampling and doubling limits). */
  neighbours: (a) => {
    const names = ['', 'normal', 'double channels', 'downsample', 'downsample + double'];
    const out: { arch: Tnb101MacroArch; change: string }[] = [];
    a.forEach((cur, i) => {
      for (let c = 1; c <= 4; c++) {
        if (c === cur) continue;
        const arch = a.map((x, j) => (j === i ? c : x));
        if (INDEX.has(arch.join(''))) out.push({ arch, change: `module ${i + 1} ${c} (${names[c]})` });
      }
    });
    return out;
  },
  render: (a) => tnb101MacroToString(a),
  size: ALL.length,
  fromIndex: (i) => {
    const a = ALL[i];
    if (!a) throw new RangeError(`index ${i} out of range`);
    return a;
  },
  indexOf: (a) => INDEX.get(a.join('')) ?? -1,
  sample(random, n) {
    return sampleEnumerable(this, random, n);
  },
};
