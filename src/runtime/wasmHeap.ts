/**
 * The wasm backend's internals that this folder's kernels (wasmTranspose, wasmGemm, wasmVector) and tensorFrom
 * (nn.ts) work on: its memory, a tensor's byte offset in it, new output tensors, its allocator.
 */
import * as tf from '@tensorflow/tfjs-core';

export interface WasmBackendInternals {
  wasm: { asm?: { memory?: unknown }; _malloc(bytes: number): number; _free(ptr: number): void };
  dataIdMap: { get(id: tf.DataId): { memoryOffset: number } };
  makeOutput(shape: number[], dtype: 'float32'): tf.TensorInfo;
  typedArrayFromHeap(info: tf.TensorInfo): Float32Array;
}

/** The active backend and its memory if it is wasm, else undefined. */
export function activeWasmBackend(): { be: WasmBackendInternals; memory: WebAssembly.Memory } | undefined {
  if (tf.getBackend() !== 'wasm') return undefined;
  const be = tf.backend() as unknown as WasmBackendInternals;
  const memory = be.wasm?.asm?.memory;
  return memory instanceof WebAssembly.Memory ? { be, memory } : undefined;
}

/** A tensor's (or tensor info's) byte offset in the wasm memory. */
export function heapOffset(be: WasmBackendInternals, t: { dataId: tf.DataId }): number {
  return be.dataIdMap.get(t.dataId).memoryOffset;
}

/** A new float32 tensor of the wasm backend whose values `fill` writes at its byte offset (not called when empty). */
export function outputTensor(be: WasmBackendInternals, shape: number[], fill: (offset: number, info: tf.TensorInfo) => void): tf.Tensor {
  const info = be.makeOutput(shape, 'float32');
  if (shape.every((n) => n > 0)) fill(heapOffset(be, info), info);
  return tf.engine().makeTensorFromTensorInfo(info);
}

const instances = new WeakMap<WebAssembly.Memory, Map<string, unknown>>();

/** `make(memory)` once per wasm memory (each worker thread has its own backend) and key; undefined stays cached. */
export function perMemory<T>(memory: WebAssembly.Memory, key: string, make: (memory: WebAssembly.Memory) => T | undefined): T | undefined {
  let byKey = instances.get(memory);
  if (!byKey) instances.set(memory, (byKey = new Map()));
  if (!byKey.has(key)) byKey.set(key, make(memory));
  return byKey.get(key) as T | undefined;
}
