/**
 * Every private part of TF.js that dele-nas reads or replaces, in one file:
 * - the wasm backend's internals that this folder's kernels (wasmTranspose, wasmGemm, wasmVector) and tensorFrom
 *   (nn.ts) work on: its memory (`wasm.asm.memory`), a tensor's byte offset in it (`dataIdMap`), new output
 *   tensors (`makeOutput`), views of the heap (`typedArrayFromHeap`), reference counts (`incRef`) and its
 *   allocator (`wasm._malloc` / `wasm._free`);
 * - process-wide kernel replacements (`replaceKernel`): each one is listed by `kernelReplacements()` and announced
 *   once through the logger given to `onKernelReplaced`.
 *
 * These are not TF.js's public API: a TF.js upgrade may rename them. They are checked, once per backend, by
 * `checkWasmInternals`, which throws `TfjsInternalsError` naming what changed: an upgrade fails loudly instead of
 * quietly training with other kernels (and so other numbers). test/unit/tfjsInternals.test.ts pins the version
 * these were checked against (TFJS_VERSION_CHECKED) and the shape of each part.
 */
import * as tf from '@tensorflow/tfjs-core';

/** The TF.js version (tfjs-core and tfjs-backend-wasm) whose internals this file was written against. */
export const TFJS_VERSION_CHECKED = '4.22.0';

/** The wasm backend as this file sees it; opaque to the rest of the project. */
export interface WasmBackendInternals {
  wasm: { asm?: { memory?: unknown }; _malloc(bytes: number): number; _free(ptr: number): void };
  dataIdMap: { get(id: tf.DataId): { memoryOffset: number } | undefined };
  makeOutput(shape: number[], dtype: 'float32'): tf.TensorInfo;
  typedArrayFromHeap(info: tf.TensorInfo): Float32Array;
  incRef(id: tf.DataId): void;
}

export class TfjsInternalsError extends Error {
  override readonly name = 'TfjsInternalsError';
}

const checked = new WeakSet<object>();

/**
 * `be` as WasmBackendInternals after checking every part this project reads has the expected kind.
 * @throws TfjsInternalsError naming the missing part and the TF.js version, never a silent fallback.
 */
export function checkWasmInternals(be: unknown): { be: WasmBackendInternals; memory: WebAssembly.Memory } {
  const o = be as Record<string, unknown> | null;
  const fail = (what: string): never => {
    throw new TfjsInternalsError(
      `TF.js ${tf.version_core}: the wasm backend's ${what} is not what dele-nas reads (checked against ${TFJS_VERSION_CHECKED}; see src/runtime/tfjsInternals.ts)`,
    );
  };
  if (!o || typeof o !== 'object') return fail('object');
  const wasm = o.wasm as Record<string, unknown> | undefined;
  if (!wasm || typeof wasm !== 'object') fail('`wasm` module');
  const memory = (wasm?.asm as { memory?: unknown } | undefined)?.memory;
  if (!(memory instanceof WebAssembly.Memory)) fail('`wasm.asm.memory`');
  for (const f of ['_malloc', '_free'] as const) if (typeof wasm?.[f] !== 'function') fail(`\`wasm.${f}\``);
  if (typeof (o.dataIdMap as { get?: unknown } | undefined)?.get !== 'function') fail('`dataIdMap.get`');
  for (const f of ['makeOutput', 'typedArrayFromHeap', 'incRef'] as const) if (typeof o[f] !== 'function') fail(`\`${f}\``);
  checked.add(o);
  return { be: o as unknown as WasmBackendInternals, memory: memory as WebAssembly.Memory };
}

/** The active backend and its memory if it is wasm (checked once per backend), else undefined. */
export function activeWasmBackend(): { be: WasmBackendInternals; memory: WebAssembly.Memory } | undefined {
  if (tf.getBackend() !== 'wasm') return undefined;
  const be = tf.backend() as unknown as WasmBackendInternals;
  if (checked.has(be)) return { be, memory: be.wasm.asm!.memory as WebAssembly.Memory };
  return checkWasmInternals(be);
}

/** A tensor's (or tensor info's) byte offset in the wasm memory. */
export function heapOffset(be: WasmBackendInternals, t: { dataId: tf.DataId }): number {
  const data = be.dataIdMap.get(t.dataId);
  if (!data) throw new TfjsInternalsError('a tensor that the wasm backend does not hold (disposed, or of another backend)');
  return data.memoryOffset;
}

/** The float32 values of a wasm tensor, in place (a view of the heap: valid until the heap grows). */
export function heapView(be: WasmBackendInternals, t: { dataId: tf.DataId }): Float32Array {
  return be.typedArrayFromHeap(t as tf.TensorInfo);
}

/**
 * A new float32 tensor of the wasm backend whose values `fill` writes: at its byte offset `offset`, or through
 * `view()` (the output's values in place, taken after the allocation). `fill` is not called for an empty tensor.
 */
export function outputTensor(be: WasmBackendInternals, shape: number[], fill: (offset: number, view: () => Float32Array) => void): tf.Tensor {
  const info = be.makeOutput(shape, 'float32');
  if (shape.every((n) => n > 0)) fill(heapOffset(be, info), () => be.typedArrayFromHeap(info));
  return tf.engine().makeTensorFromTensorInfo(info);
}

/** A new wasm tensor of `shape` with the same dtype, filled by `fill` even when empty (tensorFrom's contract). */
export function heapTensor(be: WasmBackendInternals, shape: number[], fill: (out: Float32Array) => void): tf.Tensor {
  const info = be.makeOutput(shape, 'float32');
  fill(be.typedArrayFromHeap(info));
  return tf.engine().makeTensorFromTensorInfo(info);
}

/** The backend's allocator (scratch space for the product kernel). */
export function heapAllocator(be: WasmBackendInternals): { malloc(bytes: number): number; free(ptr: number): void } {
  return { malloc: (bytes) => be.wasm._malloc(bytes), free: (ptr) => be.wasm._free(ptr) };
}

/** A kernel's output that shares its input's data (reference counted) instead of copying it. */
export function sharedOutput(backend: unknown, x: tf.TensorInfo): tf.TensorInfo {
  (backend as WasmBackendInternals).incRef(x.dataId);
  return { dataId: x.dataId, shape: x.shape, dtype: x.dtype };
}

/** A new float32 output of the kernel's backend whose values `fill` writes at its byte offset (not when empty). */
export function kernelOutput(backend: unknown, x: tf.TensorInfo, shape: number[], fill: (inOffset: number, outOffset: number) => void): tf.TensorInfo {
  const be = backend as WasmBackendInternals;
  const out = be.makeOutput(shape, 'float32');
  if (shape.every((n) => n > 0)) fill(heapOffset(be, x), heapOffset(be, out));
  return out;
}

const replacements = new Map<string, string>();
let logReplacement: ((line: string) => void) | undefined;

const replacementLine = (key: string, why: string): string => {
  const [backend, name] = key.split(':');
  return `DELE: TF.js ${backend} kernel ${name} replaced: ${why}`;
};

/**
 * Replaces the `backend` kernel `name` in this thread's TF.js registry (process-wide for every caller of TF.js in
 * the thread): `make` receives the original kernel function and returns the new one. Idempotent; each
 * replacement is recorded with `why` and announced once through the `onKernelReplaced` logger.
 * @returns false where the backend has no such kernel (nothing replaced).
 */
export function replaceKernel(name: string, backend: string, why: string, make: (orig: tf.KernelFunc) => tf.KernelFunc): boolean {
  const key = `${backend}:${name}`;
  const orig = tf.getKernel(name, backend);
  if (!orig) return false;
  if ((orig as { deleNas?: boolean }).deleNas) return true;
  tf.unregisterKernel(name, backend);
  tf.registerKernel({ ...orig, kernelFunc: make(orig.kernelFunc), deleNas: true } as tf.KernelConfig);
  replacements.set(key, why);
  logReplacement?.(replacementLine(key, why));
  return true;
}

/** The kernels replaced in this thread, as `backend:Name` -> why. */
export function kernelReplacements(): ReadonlyMap<string, string> {
  return replacements;
}

/**
 * Where kernel replacements are announced: the replacements made so far at once, later ones as they happen; each
 * once per logger (a language server logs them once to its output channel, whenever it starts in the process).
 */
export function onKernelReplaced(log: ((line: string) => void) | undefined): void {
  logReplacement = log;
  if (log) for (const [key, why] of replacements) log(replacementLine(key, why));
}
