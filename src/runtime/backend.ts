/**
 * TF.js backend selection: tfjs-node ("tensorflow") when the optional dependency is installed, else wasm
 * (SIMD, ~4x faster than cpu here), else cpu. An explicit choice that is unavailable falls back the same way
 * (tensorflow > wasm > cpu) with a warning on stderr. Only entry points (CLI, server, worker) call this.
 */
import * as fs from 'node:fs';
import * as v8 from 'node:v8';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { activeWasmBackend, kernelOutput, replaceKernel, sharedOutput } from './tfjsInternals';
import { wasmTranspose } from './wasmTranspose';

export type BackendChoice = 'auto' | 'tensorflow' | 'wasm' | 'cpu';

let initialised: string | undefined;

function tryTfjsNode(): boolean {
  try {
    // Optional dependency: resolved at run time, never bundled (see esbuild.mjs externals).
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    require('@tensorflow/tfjs-node');
    return tf.findBackend('tensorflow') !== null;
  } catch {
    return false;
  }
}

/**
 * The wasm backend's Identity kernel, and its Cast to the same dtype, copy the tensor into new wasm memory.
 * Autodiff clones every tensor a kernel saves for its backward pass (engine.saveTensorsForBackwardMode), so
 * a training step made ~180 such copies per GATES network, each a malloc and a memcpy of up to [512, 128].
 * Tensors are immutable, so these kernels can share the data instead (reference counted), as the cpu
 * backend's Identity and wasm's own Reshape do: the values are the same bits, only the copies go.
 */
function shareWasmCopies(): void {
  for (const name of ['Identity', 'Cast']) {
    replaceKernel(name, 'wasm', 'same-dtype copies share the data (reference counted) instead of copying it', (orig) => (args) => {
      const x = args.inputs.x as tf.TensorInfo;
      const dtype = name === 'Cast' ? (args.attrs as { dtype: tf.DataType }).dtype : x.dtype;
      if (x.dtype === 'string' || dtype !== x.dtype) return orig(args);
      return sharedOutput(args.backend, x);
    });
  }
}

/**
 * 2-D float32 transposes (gradients of the LSTM and of tf ops transpose activations) through wasmTranspose.ts, which tiles the copy, on
 * the backend's own memory; any other transpose, or a runtime without the module, keeps the backend's kernel.
 */
function tiledWasmTranspose(): void {
  const memory = activeWasmBackend()?.memory;
  const transpose = memory ? wasmTranspose(memory) : undefined;
  if (!transpose) return;
  replaceKernel('Transpose', 'wasm', '2-D float32 transposes run as a tiled copy (same values)', (orig) => (args) => {
    const x = args.inputs.x as tf.TensorInfo;
    const perm = (args.attrs as { perm: number[] }).perm;
    if (x.shape.length !== 2 || x.dtype !== 'float32' || perm[0] !== 1) return orig(args);
    const [rows, cols] = x.shape as [number, number];
    return kernelOutput(args.backend, x, [cols, rows], (src, dst) => transpose(src, dst, rows, cols));
  });
}

/** The cpu backend prints a banner suggesting tfjs-node through console.warn; it is noise here. */
async function quietly<T>(f: () => Promise<T>): Promise<T> {
  const warn = console.warn;
  console.warn = (...args: unknown[]) => {
    if (!String(args[0]).includes('TensorFlow.js in Node.js') && !String(args[0]).startsWith('====')) warn(...args);
  };
  try {
    return await f();
  } finally {
    console.warn = warn;
  }
}

/**
 * Compiles WebAssembly with V8's optimising tier only (no Liftoff baseline). The relaxed-SIMD multiply-add of the
 * training kernels may round differently in the two tiers, and when a hot kernel switches from its baseline code to
 * its optimised code depends on a background compile, so on a loaded machine the same training could give other
 * bits (seen once: docs/benchmarks.md, round 2 of the ablation). Process-wide; modules compiled before keep their
 * code, so it runs before the backend's module is compiled.
 */
function wasmOptimisingTierOnly(): void {
  v8.setFlagsFromString('--no-liftoff');
}

/**
 * Selects and initialises a backend; returns its name ("tensorflow", "wasm" or "cpu").
 * @param wasmDir folder holding tfjs-backend-wasm*.wasm; default: next to this bundle if the files are there.
 */
export async function initBackend(choice: BackendChoice = 'auto', wasmDir?: string): Promise<string> {
  const env = process.env.DELE_BACKEND as BackendChoice | undefined;
  const want = choice === 'auto' && env ? env : choice;
  if (initialised && (want === 'auto' || want === initialised)) return initialised;
  // An explicit choice that is unavailable falls back along the same order as 'auto' (tensorflow > wasm > cpu),
  // never silently: the fallback is announced on stderr.
  const order: string[] = want === 'auto' || want === 'tensorflow' ? ['tensorflow', 'wasm', 'cpu'] : [want, 'cpu'];
  const missing: string[] = [];
  for (const name of order) {
    if (name === 'tensorflow' && !tryTfjsNode()) {
      if (want !== 'auto') missing.push('@tensorflow/tfjs-node is not installed');
      continue;
    }
    if (name === 'wasm') {
      wasmOptimisingTierOnly();
      const dir = wasmDir ?? __dirname;
      if (fs.existsSync(path.join(dir, 'tfjs-backend-wasm-simd.wasm'))) setWasmPaths(dir + path.sep);
    }
    try {
      if (await quietly(() => tf.setBackend(name))) {
        await tf.ready();
        if (name === 'wasm') {
          shareWasmCopies();
          tiledWasmTranspose();
        }
        initialised = name;
        if (missing.length > 0) console.warn(`DELE: backend ${want} requested, but ${missing.join('; ')}: using ${name}`);
        return name;
      }
    } catch {
      // fall through to the next backend
    }
    if (want !== 'auto') missing.push(`${name} could not be initialised`);
  }
  throw new Error('no TF.js backend could be initialised');
}
