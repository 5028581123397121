/**
 * Scanner cost per space on adversarial and ordinary documents (figures, never assertions): every built-in
 * space and three declared ones scan each input 5 times; prints the median and the max in milliseconds.
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
  'valid NB201 cells': fill('"|nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+|skip_connect~0|nor_conv_3x3~1|nor_conv_3x3~2|",\n'),
};
let commit = 'unknown';
try {
  commit = execFileSync('git', ['rev-parse', '--short=12', 'HEAD'], { stdio: ['ignore', 'pipe', 'ignore'] }).toString().trim();
} catch {}
console.log(`scan cost per document of ${SIZE.toLocaleString('en-US')} characters, 5 runs each: median / max ms (commit ${commit}, node ${process.version})`);
console.log(`${'input'.padEnd(26)}${spaces.map((s) => s.id.padStart(14)).join('')}`);
for (const [name, text] of Object.entries(inputs)) {
  const cells = spaces.map((s) => {
    const times: number[] = [];
    for (let r = 0; r < 5; r++) {
      const t = performance.now();
      s.scan(text);
      times.push(performance.now() - t);
    }
    times.sort((a, b) => a - b);
    return `${times[2].toFixed(0)} / ${times[4].toFixed(0)}`.padStart(14);
  });
  console.log(`${name.padEnd(26)}${cells.join('')}`);
}
