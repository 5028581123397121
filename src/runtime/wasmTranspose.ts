/**
 * A 2-D float32 transpose for the wasm backend, on the backend's own memory. mm's gradients read their operands
 * transposed in place (wasmGemm.ts), but tf ops' own gradients still transpose activations (up to [512, 300] in
 * the paper preset), and the backend's generic Transpose kernel walks the
 * output with a stride of a whole row per element (~0.6 ms at [512, 300]); this one copies 16 × 16 tiles, so
 * reads and writes stay within a few cache lines. A transpose only moves values: the bits are the same
 * (test/unit/model.test.ts).
 */
import { codeEntry, I32, i32Const, IMPORT_MEMORY, inc, instantiate, localGet, localSet, localTee, MAGIC, name, section, vec, whileLt } from './wasmAsm';

const TILE = 16;

/** transpose(src, dst, rows, cols): dst[j][i] = src[i][j], byte offsets into the imported memory env.memory. */
export function transposeModuleBytes(): Uint8Array<ArrayBuffer> {
  const [SRC, DST, ROWS, COLS, I0, J0, I, J, IEND, JEND] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9];
  const [get, set, tee, konst, add] = [localGet, localSet, localTee, i32Const, 0x6a];
  /** for (v = start; v < end; v += step) body. */
  const forLoop = (v: number, start: number[], end: number[], step: number, body: number[]): number[] => [
    ...start, ...set(v),
    ...whileLt(get(v), end, [...body, ...inc(v, konst(step))]),
  ];
  /** local = min(base + TILE, limit). */
  const tileEnd = (local: number, base: number, limit: number): number[] => [...get(base), ...konst(TILE), add, ...tee(local), ...get(limit), ...get(local), ...get(limit), 0x49, 0x1b, ...set(local)];
  const addr = (base: number, row: number, stride: number, col: number): number[] => [...get(base), ...get(row), ...get(stride), 0x6c, ...get(col), add, ...konst(2), 0x74, add];
  const body = forLoop(I0, konst(0), get(ROWS), TILE, [
    ...tileEnd(IEND, I0, ROWS),
    ...forLoop(J0, konst(0), get(COLS), TILE, [
      ...tileEnd(JEND, J0, COLS),
      ...forLoop(I, get(I0), get(IEND), 1,
        forLoop(J, get(J0), get(JEND), 1, [
          ...addr(DST, J, ROWS, I),
          ...addr(SRC, I, COLS, J), 0x2a, 2, 0, // f32.load
          0x38, 2, 0, // f32.store
        ])),
    ]),
  ]);
  return new Uint8Array([
    ...MAGIC,
    ...section(1, vec([[0x60, ...vec([[I32], [I32], [I32], [I32]]), 0]])),
    ...IMPORT_MEMORY,
    ...section(3, vec([[0]])),
    ...section(7, vec([[...name('transpose'), 0x00, 0]])),
    ...section(10, vec([codeEntry([[6, I32]], body)])),
  ]);
}

/** The transpose over `memory` (byte offsets), or undefined if the runtime rejects the module. */
export function wasmTranspose(memory: WebAssembly.Memory): ((src: number, dst: number, rows: number, cols: number) => void) | undefined {
  return instantiate(transposeModuleBytes(), memory)?.transpose as ((src: number, dst: number, rows: number, cols: number) => void) | undefined;
}
