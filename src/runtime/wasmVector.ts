/**
 * Two elementwise loops of training in WebAssembly SIMD on the wasm backend's memory, each with a JavaScript twin
 * that gives the same bits (test/unit/wasmKernels.test.ts):
 * - `dropoutMask`: inverted dropout's multiplier, 1 / keep or 0 per element from a keyed integer hash of the
 *   element's index (dropoutBits), four lanes at a time (~5x its JavaScript twin, npm run bench:kernels);
 * - `columnSums`: the bias gradient Σ_rows dy, each column summed in row order in float32 (as the JavaScript
 *   loop and the backend's Sum over a transpose did), four columns per lane group.
 */
import { codeEntry, F32, I32, i32Const, IMPORT_MEMORY, inc, instantiate, localGet, localSet, MAGIC, name, perMemory, section, simd, uleb, V128, vec, whileLt } from './wasmAsm';
import { activeWasmBackend, type WasmBackendInternals } from './tfjsInternals';

const GOLDEN = 0x9e3779b9;
const M1 = 0x85ebca6b;
const M2 = 0xc2b2ae35;

/** murmur3's 32-bit finaliser (a bijection of the 32-bit integers). */
function fmix32(x: number): number {
  x ^= x >>> 16;
  x = Math.imul(x, M1);
  x ^= x >>> 13;
  x = Math.imul(x, M2);
  return x ^ (x >>> 16);
}

/**
 * The hash of element `i` under keys k1, k2: fmix32(fmix32(i·φ + k1) ^ k2), unsigned. Two keyed rounds, so two
 * masks are not shifted copies of one sequence (one round of a Weyl sequence would be).
 */
export function dropoutBits(i: number, k1: number, k2: number): number {
  return fmix32(fmix32((Math.imul(i, GOLDEN) + k1) | 0) ^ k2) >>> 0;
}

/** Element i is kept iff dropoutBits(i) < threshold, threshold = ⌈keep · 2³²⌉ (2³² keeps all). */
export function dropoutThreshold(keep: number): number {
  return Math.min(Math.ceil(keep * 4294967296), 4294967296);
}

/** out[i] = scale if dropoutBits(i, k1, k2) < threshold else 0, for i in [from, out.length). */
export function dropoutMaskJs(out: Float32Array, k1: number, k2: number, threshold: number, scale: number, from = 0): void {
  for (let i = from; i < out.length; i++) out[i] = dropoutBits(i, k1, k2) < threshold ? scale : 0;
}

/** out[c] = Σ_r g[r·d + c] in row order, each sum a float32 from 0. */
export function columnSumsJs(g: Float32Array, d: number, out: Float32Array): void {
  out.fill(0);
  for (let r = 0; r < g.length; r += d) for (let c = 0; c < d; c++) out[c] = Math.fround(out[c]! + g[r + c]!);
}

/**
 * mask(out, count4, k1, k2, threshold, scale): the first count4 (a multiple of 4) elements of dropoutMaskJs at
 * byte offset out; threshold as a uint32 bit pattern, only called when it is below 2³².
 * colsums(g, rows, d, out): columnSumsJs at byte offsets g and out.
 */
export function vectorModuleBytes(): Uint8Array<ArrayBuffer> {
  const [get, set, konst] = [localGet, localSet, i32Const];
  const [add, mul] = [0x6a, 0x6c];
  const [i32x4Splat, f32x4Splat, xor, and, shrU, i32x4Add, i32x4Mul, ltU, f32x4Add] = [simd(0x11), simd(0x13), simd(0x51), simd(0x4e), simd(0xad), simd(0xae), simd(0xb5), simd(0x3a), simd(0xe4)];
  const v128load = (off: number): number[] => [...simd(0x00), 4, ...uleb(off)];
  const v128store = (off: number): number[] => [...simd(0x0b), 4, ...uleb(off)];

  // mask: params 0 out, 1 count4, 2 k1, 3 k2, 4 threshold, 5 scale (f32); locals 6 p, 7 end (i32), 8 idx, 9 k1v,
  // 10 k2v, 11 thr, 12 scalev, 13 x (v128)
  const mask = (() => {
    const [OUT, COUNT, K1, K2, THR, SCALE, P, END, IDX, K1V, K2V, THRV, SCALEV, X] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13];
    const splatI = (v: number): number[] => [...konst(v), ...i32x4Splat];
    /** X = fmix32(X), lane-wise. */
    const fmixX = (): number[] => [
      ...get(X), ...get(X), ...konst(16), ...shrU, ...xor, ...splatI(M1), ...i32x4Mul, ...set(X),
      ...get(X), ...get(X), ...konst(13), ...shrU, ...xor, ...splatI(M2), ...i32x4Mul, ...set(X),
      ...get(X), ...get(X), ...konst(16), ...shrU, ...xor, ...set(X),
    ];
    return [
      ...get(K1), ...i32x4Splat, ...set(K1V),
      ...get(K2), ...i32x4Splat, ...set(K2V),
      ...get(THR), ...i32x4Splat, ...set(THRV),
      ...get(SCALE), ...f32x4Splat, ...set(SCALEV),
      // IDX = [0, 1, 2, 3]
      ...simd(0x0c), ...[0, 1, 2, 3].flatMap((v) => [v, 0, 0, 0]), ...set(IDX),
      ...get(OUT), ...set(P),
      ...get(OUT), ...get(COUNT), ...konst(4), mul, add, ...set(END),
      ...whileLt(get(P), get(END), [
        ...get(IDX), ...splatI(GOLDEN), ...i32x4Mul, ...get(K1V), ...i32x4Add, ...set(X),
        ...fmixX(),
        ...get(X), ...get(K2V), ...xor, ...set(X),
        ...fmixX(),
        ...get(P), ...get(X), ...get(THRV), ...ltU, ...get(SCALEV), ...and, ...v128store(0),
        ...get(IDX), ...splatI(4), ...i32x4Add, ...set(IDX),
        ...inc(P, konst(16)),
      ]),
    ];
  })();

  // colsums: params 0 g, 1 rows, 2 d, 3 out; locals 4 c, 5 p (row pointer), 6 end, 7 stride (i32), 8-11 acc
  // (v128), 12 s (f32). Blocks of 16 columns (a cache line per row), then the remaining columns one by one.
  const colsums = (() => {
    const [G, ROWS, D, OUT, C, P, END, STRIDE, ACC, S] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 12];
    const zero = [...simd(0x0c), ...new Array<number>(16).fill(0)];
    const colBase = [...get(G), ...get(C), ...konst(4), mul, add, ...set(P)];
    const end = [...get(P), ...get(ROWS), ...get(STRIDE), mul, add, ...set(END)];
    return [
      ...get(D), ...konst(4), mul, ...set(STRIDE),
      ...konst(0), ...set(C),
      ...whileLt([...get(C), ...konst(16), add], [...get(D), ...konst(1), add], [
        ...[0, 1, 2, 3].flatMap((j) => [...zero, ...set(ACC + j)]),
        ...colBase, ...end,
        ...whileLt(get(P), get(END), [
          ...[0, 1, 2, 3].flatMap((j) => [...get(ACC + j), ...get(P), ...v128load(16 * j), ...f32x4Add, ...set(ACC + j)]),
          ...inc(P, get(STRIDE)),
        ]),
        ...[0, 1, 2, 3].flatMap((j) => [...get(OUT), ...get(C), ...konst(4), mul, add, ...get(ACC + j), ...v128store(16 * j)]),
        ...inc(C, konst(16)),
      ]),
      ...whileLt(get(C), get(D), [
        0x43, 0, 0, 0, 0, ...set(S),
        ...colBase, ...end,
        ...whileLt(get(P), get(END), [...get(S), ...get(P), 0x2a, 2, 0, 0x92, ...set(S), ...inc(P, get(STRIDE))]),
        ...get(OUT), ...get(C), ...konst(4), mul, add, ...get(S), 0x38, 2, 0,
        ...inc(C, konst(1)),
      ]),
    ];
  })();

  return new Uint8Array([
    ...MAGIC,
    ...section(1, vec([[0x60, ...vec([[I32], [I32], [I32], [I32], [I32], [F32]]), 0], [0x60, ...vec([[I32], [I32], [I32], [I32]]), 0]])),
    ...IMPORT_MEMORY,
    ...section(3, vec([[0], [1]])),
    ...section(7, vec([[...name('mask'), 0x00, 0], [...name('colsums'), 0x00, 1]])),
    ...section(10, vec([
      codeEntry([[2, I32], [6, V128]], mask),
      codeEntry([[4, I32], [4, V128], [1, F32]], colsums),
    ])),
  ]);
}

export interface WasmVector {
  /** dropoutMaskJs over `count` floats at byte offset `out`. */
  dropoutMask(out: number, count: number, k1: number, k2: number, threshold: number, scale: number, view: () => Float32Array): void;
  /** columnSumsJs of g [rows, d] (byte offset) into out [d] (byte offset). */
  columnSums(g: number, rows: number, d: number, out: number): void;
}

/** The active wasm backend and its kernels, or undefined off wasm or without wasm SIMD. */
export function activeVectorKernels(): { be: WasmBackendInternals; kernels: WasmVector } | undefined {
  const wasm = activeWasmBackend();
  const kernels = wasm && perMemory(wasm.memory, 'vector', wasmVector);
  return wasm && kernels ? { be: wasm.be, kernels } : undefined;
}

/** The kernels over `memory`, or undefined without wasm SIMD. */
export function wasmVector(memory: WebAssembly.Memory): WasmVector | undefined {
  const exports = instantiate(vectorModuleBytes(), memory);
  if (!exports) return undefined;
  const mask = exports.mask as (out: number, count4: number, k1: number, k2: number, threshold: number, scale: number) => void;
  const colsums = exports.colsums as (g: number, rows: number, d: number, out: number) => void;
  return {
    dropoutMask(out, count, k1, k2, threshold, scale, view) {
      const count4 = threshold >= 4294967296 ? 0 : count - (count % 4);
      if (count4 > 0) mask(out, count4, k1, k2, threshold | 0, scale);
      if (count4 < count) dropoutMaskJs(view(), k1, k2, threshold, scale, count4);
    },
    columnSums(g, rows, d, out) {
      if (d > 0) colsums(g, rows, d, out);
    },
  };
}
