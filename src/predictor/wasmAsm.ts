/**
 * Just enough of the WebAssembly binary format to assemble the few small kernels of this folder (adamKernel.ts,
 * wasmTranspose.ts, wasmGemm.ts, wasmVector.ts) in TypeScript: no toolchain at build time, and the bytes are checked by
 * WebAssembly.validate before use.
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
