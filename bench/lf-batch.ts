/**
 * Cost of the batch engine (src/lf/batch) at batch 64 on NB201 cells (CIFAR-10 size, wasm, 1 thread): seconds per
 * call for forward only (nwot), forward + jacov, forward + loss gradients (snip, grad_norm, fisher, plain), and all
 * at once; plus the peak RSS of a process that ran one cell. Figures, never assertions.
 * Run: node --import tsx bench/lf-batch.ts [--reps 2] [--batch 64]
 */
import { execFileSync } from 'node:child_process';
import { runBatchMeasures, type BatchWants } from '../src/lf/batch';
import { initWeights } from '../src/lf/init';
import { nb201Network } from '../src/lf/nb201/network';
import { initBackend } from '../src/runtime/backend';

const CELLS: [string, number[]][] = [
  ['small  [4,1,2,0,4,2]', [4, 1, 2, 0, 4, 2]],
  ['median [3,1,2,4,3,0]', [3, 1, 2, 4, 3, 0]],
  ['large  [3,3,3,3,3,3]', [3, 3, 3, 3, 3, 3]],
];
const CALLS: [string, BatchWants][] = [
  ['fwd (nwot)', { nwot: true }],
  ['fwd+jacov', { jacov: true }],
  ['fwd+loss', { lossGrads: true }],
  ['all', { nwot: true, jacov: true, lossGrads: true }],
];

const arg = (name: string, dflt: number): number => {
  const i = process.argv.indexOf(name);
  return i > 0 ? Number(process.argv[i + 1]) : dflt;
};

/** One cell in this process: prints one JSON line of seconds per call (the minimum over reps) and the peak RSS. */
async function child(cell: number): Promise<void> {
  await initBackend('wasm');
  const n = arg('--batch', 64);
  const reps = arg('--reps', 2);
  const arch = CELLS[cell]?.[1];
  if (!arch) throw new Error(`no cell ${cell}`);
  const net = nb201Network(arch);
  const weights = initWeights(net, 1);
  let s = 12345;
  const rand = (): number => ((s = (Math.imul(s, 1103515245) + 12345) >>> 0) / 4294967296) * 4 - 2;
  const images = Float32Array.from({ length: n * 32 * 32 * 3 }, rand);
  const labels = Int32Array.from({ length: n }, (_, k) => k % 10);
  const out: Record<string, number> = {};
  for (const [name, wants] of CALLS) {
    let best = Infinity;
    for (let r = 0; r < reps; r++) {
      const t0 = performance.now();
      runBatchMeasures(net, weights, { images, labels, n }, wants);
      best = Math.min(best, (performance.now() - t0) / 1000);
    }
    out[name] = best;
  }
  out.peakRssGB = process.resourceUsage().maxRSS / 1e6;
  console.log(JSON.stringify(out));
}

function main(): void {
  const extra = process.argv.slice(2);
  console.log(`batch ${arg('--batch', 64)}, wasm, seconds per call (min of ${arg('--reps', 2)}), peak RSS of the process`);
  console.log(['cell'.padEnd(22), ...CALLS.map(([c]) => c.padStart(11)), 'peak RSS'.padStart(10)].join(' '));
  CELLS.forEach(([label], i) => {
    const line = execFileSync(process.execPath, ['--import', 'tsx', __filename, '--cell', String(i), ...extra], { encoding: 'utf8' }).trim().split('\n').pop() ?? '{}';
    const r = JSON.parse(line) as Record<string, number>;
    console.log([label.padEnd(22), ...CALLS.map(([c]) => (r[c] ?? NaN).toFixed(2).padStart(11)), `${(r.peakRssGB ?? NaN).toFixed(2)} GB`.padStart(10)].join(' '));
  });
}

const cellArg = process.argv.indexOf('--cell');
if (cellArg > 0) void child(Number(process.argv[cellArg + 1]));
else main();
