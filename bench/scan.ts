/**
 * Scanner cost per space on adversarial and ordinary documents (figures, never assertions): every built-in
 * space and three declared ones scan each input 5 times; prints the median and the max in milliseconds.
 * Then the cost per edit of a 5,000-line Python file with 200 DARTS genotypes.
 * Run: npm run bench:scan [-- --size 1000000]
 */
import { execFileSync } from 'node:child_process';
import { declaredSpace } from '../src/space/declared';
import { BUILTIN_SPACES } from '../src/space/registry';
import type { SearchSpace } from '../src/space/types';

const sizeArg = process.argv.indexOf('--size');
const SIZE = sizeArg > 0 ? Number(process.argv[sizeArg + 1]) : 1_000_000;
const spaces: SearchSpace[] = [
  ...BUILTIN_SPACES,
  declaredSpace({ name: 'seq', kind: 'sequence', positions: 5, choices: ['mb3', 'mb6', 'id'], find: { keys: ['arch', 'blocks'] } }, 'bench'),
  declaredSpace({ name: 'edges', kind: 'cell', nodes: 4, ops: ['none', 'skip', 'conv'], none: 'none', find: { keys: ['cell'] } }, 'bench'),
  declaredSpace({ name: 'nodes', kind: 'cell', opsOn: 'nodes', nodes: 7, ops: ['conv3x3', 'conv1x1', 'pool'], find: { keys: ['spec'] } }, 'bench'),
];
const fill = (unit: string): string => unit.repeat(Math.ceil(SIZE / unit.length)).slice(0, SIZE);
const inputs: Record<string, string> = {
  'python (ordinary code)': fill('    x = self.conv(x)  # ops = [OPS[n](C) for n in genotype]\n'),
  'ops=[ without ]': fill('ops=['),
  '|a~ repeated': fill('|a~'),
  '64-4 repeated': fill('64-4'),
  'digit run': fill('1234567890'),
  '#arch=[0 lines': fill('#arch=[0\n'),
  '#arch={a:1 lines': fill('#arch={a:1\n'),
  'arch = [ without ]': fill('arch = [0, 1, '),
  'Genotype([( repeated': fill("Genotype([('sep_conv_3x3', "),
  '[[(0, 0), repeated': fill('[[(0, 0), '),
  'ModelSpec(matrix=[[ rep.': fill('ModelSpec(matrix=[[0, 1, '),
  'valid NB201 cells': fill('"|nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+|skip_connect~0|nor_conv_3x3~1|nor_conv_3x3~2|",\n'),
};
let commit = 'unknown';
try {
  commit = execFileSync('git', ['rev-parse', '--short=12', 'HEAD'], { stdio: ['ignore', 'pipe', 'ignore'] }).toString().trim();
} catch {
  // not a git checkout: the commit stays unknown
}
console.log(`scan cost per document of ${SIZE.toLocaleString('en-US')} characters, 5 runs each: median / max ms (commit ${commit}, node ${process.version})`);
console.log(`${'input'.padEnd(26)}${spaces.map((s) => s.id.padStart(14)).join('')}`);
for (const [name, text] of Object.entries(inputs)) {
  const cells = spaces.map((s) => {
    const times: number[] = [];
    for (let r = 0; r < 5; r++) {
      // A different document each run: the Python reader caches the last one it read.
      const doc = r === 0 ? text : `${text}${' '.repeat(r)}`;
      const t = performance.now();
      s.scan(doc);
      times.push(performance.now() - t);
    }
    times.sort((a, b) => a - b);
    return `${times[2]!.toFixed(0)} / ${times[4]!.toFixed(0)}`.padStart(14);
  });
  console.log(`${name.padEnd(26)}${cells.join('')}`);
}

// Cost per edit of a realistic Python file: 5,000 lines, 200 DARTS genotypes between ordinary code. Every
// edit changes one op name, so each scan sees a new document (the Python reader's one-document cache misses),
// as the server does after a keystroke: all built-in spaces scan it, as in DeleServer.parseInfo.
const OPS = ['sep_conv_3x3', 'sep_conv_5x5', 'dil_conv_3x3', 'dil_conv_5x5', 'max_pool_3x3', 'avg_pool_3x3', 'skip_connect'];
const lines: string[] = ['from collections import namedtuple', "Genotype = namedtuple('Genotype', 'normal normal_concat reduce reduce_concat')", ''];
let g = 0;
while (lines.length < 5000) {
  if (g < 200 && lines.length % 25 === 3) {
    const cell = (k: number): string => Array.from({ length: 8 }, (_, j) => `('${OPS[(g + k + j) % 7]}', ${j % 2 === 0 ? 0 : 1 + (j >> 2)})`).join(', ');
    lines.push(`ARCH_${g} = Genotype(`, `    normal=[${cell(0)}],  # searched`, '    normal_concat=range(2, 6),', `    reduce=[${cell(3)}],`, '    reduce_concat=[2, 3, 4, 5],', ')');
    g++;
  } else lines.push(`    x = self.cells[${lines.length % 14}](x, drop_prob=self.drop_path_prob)  # layer ${lines.length}`);
}
const pyDoc = lines.join('\n');
const builtins = BUILTIN_SPACES;
const edits: number[] = [];
const nb301Only: number[] = [];
for (let e = 0; e < 31; e++) {
  const at = pyDoc.indexOf('sep_conv_3x3', Math.floor((pyDoc.length * e) / 31));
  const doc = `${pyDoc.slice(0, at)}sep_conv_5x5${pyDoc.slice(at + 12)}`;
  let t = performance.now();
  let found = 0;
  for (const s of builtins) found += s.scan(doc).length;
  edits.push(performance.now() - t);
  const doc2 = `${doc} `;
  t = performance.now();
  builtins.find((s) => s.id === 'nb301')?.scan(doc2);
  nb301Only.push(performance.now() - t);
  if (e === 0) console.log(`\nPython genotypes file: ${lines.length} lines, ${pyDoc.length.toLocaleString('en-US')} characters, ${g} genotypes; ${found} architectures found per scan`);
}
const q = (xs: number[], p: number): number => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(p * xs.length))]!;
console.log(`per edit, all built-in spaces (31 edits): median ${q(edits, 0.5).toFixed(1)} ms, p95 ${q(edits, 0.95).toFixed(1)} ms, first ${edits[0]!.toFixed(1)} ms`);
console.log(`per edit, nb301 alone (tokenise + read + interpret): median ${q(nb301Only, 0.5).toFixed(1)} ms, p95 ${q(nb301Only, 0.95).toFixed(1)} ms`);
