/**
 * Float32 matrix products C = op(A) · op(B) on the wasm backend's own memory, for mm (nn.ts): its forward
 * value and its gradients dX = dY · Wᵀ and dW = Xᵀ · dY. The backend ran a product as an XNNPACK matmul that
 * packs its right operand on every call (weights change every step), and each gradient product after an explicit
 * transpose (a copy). Here both operands are packed into panels, read transposed where asked (no transposes),
 * and a 4 × 8 register tile runs over them: per call at [512, 300] × [300, 300], packing included, ~26 (exact) and
 * ~31 (FMA) GFLOPS on one core here against tf.matMul's 18–22 (npm run bench:kernels).
 *
 * Two variants, assembled here (wasmAsm.ts) and checked by WebAssembly.validate:
 * - `exact`: multiply, then add, k in order from 0, as XNNPACK's wasm kernels accumulate: the bits of tf.matMul
 *   (test/unit/wasmKernels.test.ts). mm's forward value (and so every prediction) uses it.
 * - `fma`: f32x4.relaxed_madd (relaxed SIMD: a fused multiply-add, one rounding, where the CPU has one). Training
 *   products use it where the runtime has relaxed SIMD (TRAINING_NUMERICS, train.ts), else `exact`. Node 22+
 *   (V8 12) and VS Code's Electron ship it; on an older runtime (Node 20 hides it behind a V8 flag, which this
 *   project no longer sets) training runs the exact kernel.
 */
import * as tf from '@tensorflow/tfjs-core';
import { codeEntry, F32, I32, i32Const, IMPORT_MEMORY, inc, instantiate, localGet, localSet, MAGIC, name, perMemory, section, simd, uleb, V128, vec, whileLt } from './wasmAsm';
import { activeWasmBackend, heapAllocator, heapOffset, outputTensor, type WasmBackendInternals } from './tfjsInternals';

/** The register tile: MR rows × NR columns of C in 2·MR f32x4 accumulators (more spill on x64's 16 registers). */
const MR = 4;
const NR = 8;

/**
 * pack(src, strideOuter, strideInner, outer, inner, blk, dst): element (o, k) of a matrix at src + o·so + k·si
 * (byte strides), written as panels of `blk` consecutive o: dst[(o / blk)·inner·blk + k·blk + o % blk], rows past
 * `outer` zero. gemm(pa, pb, c, M, N, K, ldcBytes, scratch): C[M × N] (row stride ldc) = A·B for A packed with
 * blk = MR and B packed (by its columns) with blk = NR.
 */
export function gemmModuleBytes(fma: boolean): Uint8Array<ArrayBuffer> {
  const mr = MR;
  const [get, set, konst] = [localGet, localSet, i32Const];
  const mem = (align: number, off: number): number[] => [align, ...uleb(off)];
  const [add, sub, mul, and, geu, ltu, select] = [0x6a, 0x6b, 0x6c, 0x71, 0x4f, 0x49, 0x1b];
  const f32load = [0x2a, 2, 0];
  const f32store = [0x38, 2, 0];

  // pack: params 0 src, 1 so, 2 si, 3 outer, 4 inner, 5 blk, 6 dst; locals 7 o0, 8 r, 9 k, 10 s (row k of the
  // panel), 11 rows (of this panel that exist), 12 p. Each panel is written in order: k outer, its blk values inner.
  const pack = (() => {
    const [SRC, SO, SI, OUTER, INNER, BLK, DST, O0, R, K, S, ROWS, P] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12];
    return [
      ...konst(0), ...set(O0),
      ...whileLt(get(O0), get(OUTER), [
        // ROWS = min(blk, outer - o0)
        ...get(OUTER), ...get(O0), sub, ...set(ROWS),
        ...get(BLK), ...get(ROWS), ...get(ROWS), ...get(BLK), geu, select, ...set(ROWS),
        ...get(SRC), ...get(O0), ...get(SO), mul, add, ...set(S),
        ...konst(0), ...set(K),
        ...whileLt(get(K), get(INNER), [
          ...get(S), ...set(P),
          ...konst(0), ...set(R),
          ...whileLt(get(R), get(ROWS), [...get(DST), ...get(P), ...f32load, ...f32store, ...inc(DST, konst(4)), ...inc(P, get(SO)), ...inc(R, konst(1))]),
          ...whileLt(get(R), get(BLK), [...get(DST), 0x43, 0, 0, 0, 0, ...f32store, ...inc(DST, konst(4)), ...inc(R, konst(1))]),
          ...inc(S, get(SI)),
          ...inc(K, konst(1)),
        ]),
        ...inc(O0, get(BLK)),
      ]),
    ];
  })();

  // gemm: params 0 pa, 1 pb, 2 c, 3 M, 4 N, 5 K, 6 ldc (bytes), 7 scratch (a tile's worth). Column panels outer
  // (a packed B panel, K × NR, stays in L1), row blocks inner; edge tiles go through the scratch tile.
  const gemm = (() => {
    const [PA, PB, C, M, N, K, LDC, SCR] = [0, 1, 2, 3, 4, 5, 6, 7];
    const [JB, IB, I0, J0, PAC, PBC, CP, KEND, R, CC, MREM, NREM] = [8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19];
    const ACC = 20;
    const [B0, B1, AV] = [ACC + 2 * mr, ACC + 2 * mr + 1, ACC + 2 * mr + 2];
    const zero = [...simd(0x0c), ...new Array<number>(16).fill(0)];
    // One k step of the tile. Not unrolled: V8 then keeps the accumulators in registers (unrolled 2 or 4 times it
    // spilled them, at ~2/3 of the speed).
    const kstep = (): number[] => {
      const out: number[] = [...get(PBC), ...simd(0x00), ...mem(4, 0), ...set(B0), ...get(PBC), ...simd(0x00), ...mem(4, 16), ...set(B1)];
      for (let r = 0; r < mr; r++) {
        out.push(...get(PAC), ...simd(0x09), ...mem(2, 4 * r), ...set(AV)); // v128.load32_splat
        for (const [c, b] of [[0, B0], [1, B1]] as const) {
          const acc = ACC + 2 * r + c;
          if (fma) out.push(...get(AV), ...get(b), ...get(acc), ...simd(0x105)); // f32x4.relaxed_madd: a·b + acc
          else out.push(...get(acc), ...get(AV), ...get(b), ...simd(0xe6), ...simd(0xe4)); // acc + a·b
          out.push(...set(acc));
        }
      }
      return out;
    };
    return [
      ...konst(0), ...set(J0), ...get(PB), ...set(JB),
      ...whileLt(get(J0), get(N), [
        ...get(N), ...get(J0), sub, ...set(NREM),
        ...konst(0), ...set(I0), ...get(PA), ...set(IB),
        ...whileLt(get(I0), get(M), [
          ...get(M), ...get(I0), sub, ...set(MREM),
          ...Array.from({ length: 2 * mr }, (_, j) => [...zero, ...set(ACC + j)]).flat(),
          ...get(IB), ...set(PAC), ...get(JB), ...set(PBC),
          ...get(IB), ...get(K), ...konst(4 * mr), mul, add, ...set(KEND),
          ...whileLt(get(PAC), get(KEND), [...kstep(), ...inc(PAC, konst(4 * mr)), ...inc(PBC, konst(4 * NR))]),
          ...get(C), ...get(I0), ...get(LDC), mul, add, ...get(J0), ...konst(4), mul, add, ...set(CP),
          ...get(MREM), ...konst(mr), geu, ...get(NREM), ...konst(NR), geu, and,
          0x04, 0x40, // a whole tile: two v128 stores per row
          ...Array.from({ length: mr }, (_, r) => [
            ...get(CP), ...get(ACC + 2 * r), ...simd(0x0b), ...mem(4, 0),
            ...get(CP), ...get(ACC + 2 * r + 1), ...simd(0x0b), ...mem(4, 16),
            ...inc(CP, get(LDC)),
          ]).flat(),
          0x05, // an edge tile: through the scratch tile, min(MREM, mr) × min(NREM, NR) values
          ...Array.from({ length: 2 * mr }, (_, j) => [...get(SCR), ...get(ACC + j), ...simd(0x0b), ...mem(4, 16 * j)]).flat(),
          ...get(MREM), ...konst(mr), ...get(MREM), ...konst(mr), ltu, select, ...set(MREM),
          ...get(NREM), ...konst(NR), ...get(NREM), ...konst(NR), ltu, select, ...set(NREM),
          ...konst(0), ...set(R),
          ...whileLt(get(R), get(MREM), [
            ...konst(0), ...set(CC),
            ...whileLt(get(CC), get(NREM), [
              ...get(CP), ...get(CC), ...konst(4), mul, add,
              ...get(SCR), ...get(R), ...konst(4 * NR), mul, add, ...get(CC), ...konst(4), mul, add, ...f32load,
              ...f32store,
              ...inc(CC, konst(1)),
            ]),
            ...inc(CP, get(LDC)),
            ...inc(R, konst(1)),
          ]),
          0x0b,
          ...inc(I0, konst(mr)),
          ...inc(IB, [...get(K), ...konst(4 * mr), mul]),
        ]),
        ...inc(J0, konst(NR)),
        ...inc(JB, [...get(K), ...konst(4 * NR), mul]),
      ]),
    ];
  })();

  return new Uint8Array([
    ...MAGIC,
    ...section(1, vec([[0x60, ...vec(new Array<number[]>(7).fill([I32])), 0], [0x60, ...vec(new Array<number[]>(8).fill([I32])), 0]])),
    ...IMPORT_MEMORY,
    ...section(3, vec([[0], [1]])),
    ...section(7, vec([[...name('pack'), 0x00, 0], [...name('gemm'), 0x00, 1]])),
    ...section(10, vec([codeEntry([[6, I32]], pack), codeEntry([[12, I32], [2 * mr + 3, V128]], gemm)])),
  ]);
}

export type GemmVariant = 'fma' | 'exact';

let relaxedSimd: boolean | undefined;
let fusedMadd: boolean | undefined;

/** Whether the runtime has relaxed SIMD (Node 22+, VS Code's Electron); checked once per thread. */
export function relaxedSimdAvailable(): boolean {
  return (relaxedSimd ??= WebAssembly.validate(gemmModuleBytes(true)));
}

/**
 * Whether f32x4.relaxed_madd fuses here (one rounding): V8 emits an FMA instruction where the CPU has one, else
 * a multiply and an add, which round like the exact kernel. Probed with a = 1 + 2⁻¹², whose square needs 25
 * significant bits: a·a − fl(a·a) is 2⁻²⁴ fused and 0 unfused.
 */
export function fusedMultiplyAdd(): boolean {
  if (fusedMadd !== undefined) return fusedMadd;
  if (!relaxedSimdAvailable()) return (fusedMadd = false);
  // madd(a, b, c) -> f32: lane 0 of relaxed_madd(splat a, splat b, splat c)
  const body = [...localGet(0), ...simd(0x13), ...localGet(1), ...simd(0x13), ...localGet(2), ...simd(0x13), ...simd(0x105), ...simd(0x1f), 0];
  const madd = instantiate(new Uint8Array([
    ...MAGIC,
    ...section(1, vec([[0x60, ...vec([[F32], [F32], [F32]]), 1, F32]])),
    ...section(3, vec([[0]])),
    ...section(7, vec([[...name('madd'), 0x00, 0]])),
    ...section(10, vec([codeEntry([], body)])),
  ]))?.madd as ((a: number, b: number, c: number) => number) | undefined;
  const a = 1 + 2 ** -12;
  return (fusedMadd = madd !== undefined && madd(a, a, -Math.fround(a * a)) !== 0);
}

export interface WasmGemm {
  variant: GemmVariant;
  /**
   * C = op(A) · op(B) for row-major float32 matrices at byte offsets of the memory: op(A) is [m, k] (A stored
   * [k, m] if transposeA), op(B) is [k, n] (B stored [n, k] if transposeB); C is [m, n].
   */
  matMul(a: number, transposeA: boolean, b: number, transposeB: boolean, c: number, m: number, n: number, k: number): void;
}

type BackendHeap = ReturnType<typeof heapAllocator>;

/** The product over `memory`, its scratch space from the backend's allocator, or undefined without wasm SIMD. */
export function wasmGemm(memory: WebAssembly.Memory, heap: BackendHeap, variant: GemmVariant): WasmGemm | undefined {
  const mr = MR;
  const exports = instantiate(gemmModuleBytes(variant === 'fma'), memory);
  if (!exports) return undefined;
  const pack = exports.pack as (src: number, so: number, si: number, outer: number, inner: number, blk: number, dst: number) => void;
  const gemm = exports.gemm as (pa: number, pb: number, c: number, m: number, n: number, k: number, ldc: number, scratch: number) => void;
  let scratch = 0;
  let scratchBytes = 0;
  const reserve = (bytes: number): number => {
    if (bytes > scratchBytes) {
      if (scratch) heap.free(scratch);
      scratchBytes = Math.max(bytes, 2 * scratchBytes);
      scratch = heap.malloc(scratchBytes);
      if (!scratch) {
        scratchBytes = 0;
        throw new Error(`wasmGemm: cannot allocate ${bytes} bytes`);
      }
    }
    return scratch;
  };
  return {
    variant,
    matMul(a, transposeA, b, transposeB, c, m, n, k) {
      const aBytes = Math.ceil(m / mr) * mr * k * 4;
      const bBytes = Math.ceil(n / NR) * NR * k * 4;
      const pa = reserve(aBytes + bBytes + 4 * mr * NR);
      const pb = pa + aBytes;
      // Element (i, l) of op(A) and (j, l) of op(B)ᵀ, as (outer, inner) byte strides.
      pack(a, transposeA ? 4 : 4 * k, transposeA ? 4 * m : 4, m, k, mr, pa);
      pack(b, transposeB ? 4 * k : 4, transposeB ? 4 : 4 * n, n, k, NR, pb);
      gemm(pa, pb, c, m, n, k, 4 * n, pb + bBytes);
    },
  };
}

/**
 * What training's products run on: 'auto' (default) the FMA kernel where relaxed_madd fuses, else the exact
 * one; 'fma' the same (never an unfused stand-in); 'exact'; or 'tfjs' (tf.matMul).
 */
export type TrainingProduct = 'auto' | GemmVariant | 'tfjs';

let trainingProduct: TrainingProduct = 'auto';

/** Chooses training's product implementation in this thread (tests and benches). */
export function setTrainingProduct(choice: TrainingProduct): void {
  trainingProduct = choice;
}

/** The kernel training's products use in this thread: 'fma', 'exact', or 'tfjs' (not wasm, or no SIMD). */
export function trainingProductVariant(): GemmVariant | 'tfjs' {
  return gemmFor(trainingProduct)?.gemm.variant ?? 'tfjs';
}

/** The active wasm backend and the kernel `choice` runs on it, or undefined (tf.matMul). */
function gemmFor(choice: TrainingProduct): { be: WasmBackendInternals; gemm: WasmGemm } | undefined {
  const wasm = choice === 'tfjs' ? undefined : activeWasmBackend();
  if (choice === 'tfjs' || !wasm) return undefined;
  // The FMA kernel only where it fuses: unfused, relaxed_madd rounds as the exact kernel does, and the name
  // would then stand for two roundings (trainingNumerics keys caches by it).
  const variant: GemmVariant = choice === 'exact' || !fusedMultiplyAdd() ? 'exact' : 'fma';
  const gemm = perMemory(wasm.memory, `gemm-${variant}`, (memory) => wasmGemm(memory, heapAllocator(wasm.be), variant));
  return gemm && { be: wasm.be, gemm };
}

let observer: ((m: number, n: number, k: number) => void) | undefined;

/** Calls `f` with the sizes of every product matMulExact and matMulTraining compute (tests; undefined: none). */
export function observeProducts(f: ((m: number, n: number, k: number) => void) | undefined): void {
  observer = f;
}

function product(kernel: ReturnType<typeof gemmFor>, a: tf.Tensor2D, transposeA: boolean, b: tf.Tensor2D, transposeB: boolean): tf.Tensor2D {
  if (a.rank !== 2 || b.rank !== 2) throw new Error(`matMul: 2-D operands only, not ${a.rank}-D and ${b.rank}-D`);
  const [m, k] = transposeA ? [a.shape[1], a.shape[0]] : a.shape;
  const [kb, n] = transposeB ? [b.shape[1], b.shape[0]] : b.shape;
  if (k !== kb) throw new Error(`matMul: inner sizes ${k} and ${kb} differ`);
  observer?.(m, n, k);
  if (!kernel || a.dtype !== 'float32' || b.dtype !== 'float32') {
    return tf.matMul(transposeA ? tf.transpose(a) : a, transposeB ? tf.transpose(b) : b);
  }
  const { be, gemm } = kernel;
  return outputTensor(be, [m, n], (out) => gemm.matMul(heapOffset(be, a), transposeA, heapOffset(be, b), transposeB, out, m, n, k)) as tf.Tensor2D;
}

/** op(a) · op(b) for 2-D float32 tensors (op = transpose where asked) with the bits of tf.matMul. */
export function matMulExact(a: tf.Tensor2D, transposeA: boolean, b: tf.Tensor2D, transposeB: boolean): tf.Tensor2D {
  return product(gemmFor('exact'), a, transposeA, b, transposeB);
}

/**
 * op(a) · op(b) as training computes it (setTrainingProduct; by default the FMA kernel where the runtime has
 * relaxed SIMD, whose values round differently from tf.matMul), tf.matMul of explicit transposes off wasm.
 */
export function matMulTraining(a: tf.Tensor2D, transposeA: boolean, b: tf.Tensor2D, transposeB: boolean): tf.Tensor2D {
  return product(gemmFor(trainingProduct), a, transposeA, b, transposeB);
}
