/**
 * Just enough of the WebAssembly binary format to assemble the few small kernels of this folder (adamKernel.ts,
 * wasmTranspose.ts, wasmGemm.ts, wasmVector.ts) in TypeScript: no toolchain at build time, and the bytes are checked by
 * WebAssembly.validate before use (`instantiate`).
 */

/** LEB128 of an unsigned integer. */
export function uleb(n: number): number[] {
  const out: number[] = [];
  do {
    let b = n & 0x7f;
    n >>>= 7;
    if (n !== 0) b |= 0x80;
    out.push(b);
  } while (n !== 0);
  return out;
}

/** Signed LEB128 (i32.const immediates). */
export function sleb(n: number): number[] {
  const out: number[] = [];
  for (;;) {
    const b = n & 0x7f;
    n >>= 7;
    if ((n === 0 && (b & 0x40) === 0) || (n === -1 && (b & 0x40) !== 0)) return [...out, b];
    out.push(b | 0x80);
  }
}

export const section = (id: number, body: number[]): number[] => [id, ...uleb(body.length), ...body];
export const vec = (items: number[][]): number[] => [...uleb(items.length), ...items.flat()];
export const name = (s: string): number[] => [...uleb(s.length), ...Array.from(s, (ch) => ch.charCodeAt(0))];

export const I32 = 0x7f;
export const F32 = 0x7d;
export const V128 = 0x7b;

/** The module header. */
export const MAGIC = [0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00];

/** One function's code entry: locals as [count, type] pairs, then the body (its final `end` added here). */
export function codeEntry(locals: [number, number][], body: number[]): number[] {
  const code = [...vec(locals.map(([n, t]) => [...uleb(n), t])), ...body, 0x0b];
  return [...uleb(code.length), ...code];
}

/** The import section of a module that works on the wasm backend's memory, imported as env.memory. */
export const IMPORT_MEMORY = section(2, vec([[...name('env'), ...name('memory'), 0x02, 0x00, 0x00]]));

export const localGet = (l: number): number[] => [0x20, ...uleb(l)];
export const localSet = (l: number): number[] => [0x21, ...uleb(l)];
export const localTee = (l: number): number[] => [0x22, ...uleb(l)];
export const i32Const = (n: number): number[] => [0x41, ...sleb(n | 0)];
/** A SIMD instruction (0xfd prefix, LEB128 opcode). */
export const simd = (op: number): number[] => [0xfd, ...uleb(op)];
/** local l += by (i32). */
export const inc = (l: number, by: number[]): number[] => [...localGet(l), ...by, 0x6a, ...localSet(l)];
/** while (v < end, unsigned) { body }: block { loop { br_if 1 (v >= end); body; br 0 } }. */
export const whileLt = (v: number[], end: number[], body: number[]): number[] => [0x02, 0x40, 0x03, 0x40, ...v, ...end, 0x4f, 0x0d, 1, ...body, 0x0c, 0, 0x0b, 0x0b];

/** The exports of `bytes` instantiated (with the backend's memory as env.memory if given), or undefined if the runtime rejects them. */
export function instantiate(bytes: Uint8Array<ArrayBuffer>, memory?: WebAssembly.Memory): WebAssembly.Exports | undefined {
  try {
    if (!WebAssembly.validate(bytes)) return undefined;
    return new WebAssembly.Instance(new WebAssembly.Module(bytes), memory ? { env: { memory } } : {}).exports;
  } catch {
    return undefined;
  }
}

const instances = new WeakMap<WebAssembly.Memory, Map<string, unknown>>();

/** `make(memory)` once per wasm memory (each worker thread has its own backend) and key; undefined stays cached. */
export function perMemory<T>(memory: WebAssembly.Memory, key: string, make: (memory: WebAssembly.Memory) => T | undefined): T | undefined {
  let byKey = instances.get(memory);
  if (!byKey) instances.set(memory, (byKey = new Map()));
  if (!byKey.has(key)) byKey.set(key, make(memory));
  return byKey.get(key) as T | undefined;
}
