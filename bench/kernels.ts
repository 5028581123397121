/**
 * The wasm kernels of src/predictor alone (issue #10 part 5): milliseconds (median of R runs after warm-up) and
 * GFLOPS of the products at the paper preset's MLP shape ([512, 300] × [300, 300] and its two gradient forms) for
 * tf.matMul (XNNPACK, transposes as explicit copies) and wasmGemm.ts's exact and FMA kernels; the dropout mask of
 * [512, 300] in SIMD and in its JS twin; the bias-gradient column sums. One thread, wasm backend.
 * Run: npm run bench:kernels [-- --reps 300 --out bench-results/kernels]
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../src/runtime/backend';
import { Rng } from '../src/util/rng';
import { fusedMultiplyAdd, matMulExact, matMulTraining, setTrainingProduct } from '../src/runtime/wasmGemm';
import { heapOffset, outputTensor, type WasmBackendInternals } from '../src/runtime/tfjsInternals';
import { activeVectorKernels, columnSumsJs, dropoutMaskJs, dropoutThreshold } from '../src/runtime/wasmVector';
import { benchCommit } from './provenance';

const argv = process.argv.slice(2);
const opt = (name: string, dflt: string): string => {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 && argv[i + 1] !== undefined ? argv[i + 1]! : dflt;
};

function medianMs(reps: number, f: () => void): number {
  for (let i = 0; i < 5; i++) f();
  const t: number[] = [];
  for (let i = 0; i < reps; i++) {
    const t0 = performance.now();
    f();
    t.push(performance.now() - t0);
  }
  t.sort((a, b) => a - b);
  return t[Math.floor(t.length / 2)]!;
}

async function main(): Promise<void> {
  const reps = Number(opt('reps', '300'));
  const out = path.resolve(opt('out', 'bench-results/kernels'));
  await initBackend('wasm');
  const rng = new Rng(0);
  const matrix = (r: number, c: number): tf.Tensor2D => tf.tensor2d(Float32Array.from({ length: r * c }, () => rng.normal()), [r, c]);
  const lines: string[] = [];
  lines.push(`wasm kernels, one thread; commit ${benchCommit()}; node ${process.version}; ${os.cpus()[0]?.model ?? '?'}; relaxed_madd fuses: ${fusedMultiplyAdd()}; median of ${reps} runs after 5 warm-ups`);
  lines.push(`command: npm run bench:kernels -- ${argv.join(' ')}`);
  lines.push('');
  lines.push('| product (m × k · k × n = 512 × 300 · 300 × 300) | tf.matMul (XNNPACK) | exact kernel | FMA kernel |');
  lines.push('|---|---|---|---|');
  const x = matrix(512, 300);
  const w = matrix(300, 300);
  const dy = matrix(512, 300);
  const gflop = (2 * 512 * 300 * 300) / 1e9;
  const cell = (ms: number): string => `${ms.toFixed(2)} ms, ${(gflop / (ms / 1000)).toFixed(1)} GFLOPS`;
  const forms: [string, boolean, boolean, tf.Tensor2D, tf.Tensor2D][] = [
    ['forward x·w', false, false, x, w],
    ['input gradient dy·wᵀ', false, true, dy, w],
    ['weight gradient xᵀ·dy (300 × 512 · 512 × 300)', true, false, x, dy],
  ];
  for (const [label, tA, tB, a, b] of forms) {
    const xnn = medianMs(reps, () => tf.tidy(() => tf.matMul(tA ? tf.transpose(a) : a, tB ? tf.transpose(b) : b)).dispose());
    setTrainingProduct('exact');
    const exact = medianMs(reps, () => matMulTraining(a, tA, b, tB).dispose());
    setTrainingProduct('fma');
    const fma = fusedMultiplyAdd() ? medianMs(reps, () => matMulTraining(a, tA, b, tB).dispose()) : Number.NaN;
    setTrainingProduct('auto');
    lines.push(`| ${label} | ${cell(xnn)} | ${cell(exact)} | ${Number.isNaN(fma) ? '– (does not fuse here)' : cell(fma)} |`);
  }
  matMulExact(x, false, w, false).dispose();
  const simd = activeVectorKernels()!;
  const be: WasmBackendInternals = simd.be;
  const threshold = dropoutThreshold(0.9);
  const scale = Math.fround(1 / Math.fround(0.9));
  const js = new Float32Array(512 * 300);
  let seed = 0;
  const maskSimd = medianMs(reps, () => outputTensor(be, [512, 300], (o, view) => simd.kernels.dropoutMask(o, 512 * 300, seed++, 7, threshold, scale, view)).dispose());
  const maskJs = medianMs(reps, () => dropoutMaskJs(js, seed++, 7, threshold, scale));
  const sumsSimd = medianMs(reps, () => outputTensor(be, [300], (o) => simd.kernels.columnSums(heapOffset(be, x), 512, 300, o)).dispose());
  const xs = x.dataSync() as Float32Array;
  const sums = new Float32Array(300);
  const sumsJs = medianMs(reps, () => columnSumsJs(xs, 300, sums));
  lines.push('');
  lines.push('| [512, 300] | SIMD (wasmVector.ts) | JavaScript twin (same bits) |');
  lines.push('|---|---|---|');
  lines.push(`| dropout mask | ${maskSimd.toFixed(3)} ms | ${maskJs.toFixed(3)} ms |`);
  lines.push(`| bias-gradient column sums | ${sumsSimd.toFixed(3)} ms | ${sumsJs.toFixed(3)} ms |`);
  tf.dispose([x, w, dy]);
  const text = lines.join('\n');
  fs.mkdirSync(path.dirname(out), { recursive: true });
  fs.writeFileSync(`${out}.txt`, `${text}\n`);
  process.stdout.write(`${text}\n`);
}

main().catch((e: Error) => {
  console.error(e.stack ?? e.message);
  process.exit(1);
});
