/**
 * Adam's elementwise update (adam.ts) over float32 arrays, in WebAssembly SIMD when the runtime has it (4 lanes,
 * ~10x the JavaScript loop: step 2 updates ~1.3 M parameters 200 times), else in JavaScript. Both round every
 * operation to float32 as the TF.js kernel sequence did: f32x4 add, sub, mul, div and sqrt are IEEE single
 * precision, correctly rounded; the JavaScript loop computes each in double and rounds it once (Math.fround),
 * which for these five operations gives the same correctly rounded float32.
 */
import { codeEntry, F32, I32, i32Const, inc, instantiate, localGet, localSet, MAGIC, name, section, simd, V128, vec, whileLt } from './wasmAsm';

/** β1, 1 − β1, β2, 1 − β2, √(1 − β2^t), ε, lr / (1 − β1^t), each already a float32. */
export type AdamConsts = readonly [number, number, number, number, number, number, number];

const f32 = Math.fround;

/** Updates m and v in place and returns the new parameters (written into `p`). */
export function adamStepJs(g: Float32Array, m: Float32Array, v: Float32Array, p: Float32Array, c: AdamConsts): Float32Array {
  const [B1, C1, B2, C2, S2, E, LR] = c;
  for (let i = 0; i < p.length; i++) {
    const gi = g[i]!;
    const m2 = f32(f32(m[i]! * B1) + f32(gi * C1));
    const v2 = f32(f32(v[i]! * B2) + f32(f32(gi * gi) * C2));
    const denom = f32(f32(f32(Math.sqrt(v2)) / S2) + E);
    m[i] = m2;
    v[i] = v2;
    p[i] = f32(p[i]! - f32(f32(m2 / denom) * LR));
  }
  return p;
}

/**
 * The module, assembled here (no toolchain needed): memory, and adam(bytes, g, m, v, p, β1, 1−β1, β2, 1−β2,
 * √(1−β2^t), ε, lr/(1−β1^t)) over `bytes` bytes (a multiple of 16) at byte offsets g, m, v, p of the memory.
 */
export function adamModuleBytes(): Uint8Array<ArrayBuffer> {
  const [get, set] = [localGet, localSet];
  const load = (base: number): number[] => [...get(base), ...get(12), 0x6a, ...simd(0x00), 2, 0]; // v128.load align 4
  const store = simd(0x0b).concat([2, 0]);
  const [splat, sqrt, add, sub, mul, div] = [simd(0x13), simd(0xe3), simd(0xe4), simd(0xe5), simd(0xe6), simd(0xe7)];
  // Locals: 0 bytes, 1 g, 2 m, 3 v, 4 p, 5..11 the constants (f32); 12 i; 13..19 the constants as f32x4; 20 g_i, 21 m', 22 v'.
  const body: number[] = [
    ...[0, 1, 2, 3, 4, 5, 6].flatMap((j) => [...get(5 + j), ...splat, ...set(13 + j)]),
    ...whileLt(get(12), get(0), [
      ...load(1), ...set(20),
      ...load(2), ...get(13), ...mul, ...get(20), ...get(14), ...mul, ...add, ...set(21), // m' = m·β1 + g·(1−β1)
      ...load(3), ...get(15), ...mul, ...get(20), ...get(20), ...mul, ...get(16), ...mul, ...add, ...set(22), // v' = v·β2 + g²·(1−β2)
      ...get(2), ...get(12), 0x6a, ...get(21), ...store,
      ...get(3), ...get(12), 0x6a, ...get(22), ...store,
      ...get(4), ...get(12), 0x6a, // θ' = θ − (m' / (√v' / s2 + ε))·lr
      ...load(4), ...get(21), ...get(22), ...sqrt, ...get(17), ...div, ...get(18), ...add, ...div, ...get(19), ...mul, ...sub, ...store,
      ...inc(12, i32Const(16)),
    ]),
  ];
  return new Uint8Array([
    ...MAGIC,
    ...section(1, vec([[0x60, ...vec([I32, I32, I32, I32, I32, F32, F32, F32, F32, F32, F32, F32].map((t) => [t])), 0]])),
    ...section(3, vec([[0]])),
    ...section(5, vec([[0x00, 1]])),
    ...section(7, vec([[...name('adam'), 0x00, 0], [...name('memory'), 0x02, 0]])),
    ...section(10, vec([codeEntry([[1, I32], [10, V128]], body)])),
  ]);
}

type AdamFn = (bytes: number, g: number, m: number, v: number, p: number, ...c: AdamConsts) => void;

function simdAdamUpdate(): ((g: Float32Array, m: Float32Array, v: Float32Array, p: Float32Array, c: AdamConsts, out?: Float32Array) => Float32Array) | undefined {
  const exports = instantiate(adamModuleBytes());
  if (!exports) return undefined;
  const fn = exports.adam as AdamFn;
  const memory = exports.memory as WebAssembly.Memory;
  return (g, m, v, p, c, out) => {
    const n = p.length;
    const padded = Math.ceil(n / 4) * 4;
    const need = 16 * padded;
    if (memory.buffer.byteLength < need) memory.grow(Math.ceil((need - memory.buffer.byteLength) / 65536));
    const heap = new Float32Array(memory.buffer, 0, 4 * padded);
    heap.set(g.subarray(0, n), 0);
    heap.set(m, padded);
    heap.set(v, 2 * padded);
    heap.set(p, 3 * padded);
    fn(4 * padded, 0, 4 * padded, 8 * padded, 12 * padded, ...c);
    m.set(heap.subarray(padded, padded + n));
    v.set(heap.subarray(2 * padded, 2 * padded + n));
    const next = heap.subarray(3 * padded, 3 * padded + n);
    if (!out) return next.slice();
    out.set(next);
    return out;
  };
}

/**
 * The SIMD update (same contract as adamStepJs, but `p` is left as it is and the new values go to `out`, or a
 * new array), or undefined without wasm SIMD.
 */
export const simdAdam = simdAdamUpdate();
