/**
 * A 2-D float32 transpose for the wasm backend, on the backend's own memory. mm's gradients read their operands
 * transposed in place (wasmGemm.ts), but tf ops' own gradients still transpose activations (up to [512, 300] in
 * the paper preset), and the backend's generic Transpose kernel walks the
 * output with a stride of a whole row per element (~0.6 ms at [512, 300]); this one copies 16 × 16 tiles, so
 * reads and writes stay within a few cache lines. A transpose only moves values: the bits are the same
 * (test/unit/model.test.ts).
 */
import { codeEntry, I32, MAGIC, name, section, sleb, vec } from './wasmAsm';

const TILE = 16;

/** transpose(src, dst, rows, cols): dst[j][i] = src[i][j], byte offsets into the imported memory env.memory. */
function transposeModuleBytes(): Uint8Array<ArrayBuffer> {
  const [SRC, DST, ROWS, COLS, I0, J0, I, J, IEND, JEND] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9];
  const get = (l: number): number[] => [0x20, l];
  const set = (l: number): number[] => [0x21, l];
  const tee = (l: number): number[] => [0x22, l];
  const add = 0x6a;
  const konst = (n: number): number[] => [0x41, ...sleb(n)];
  /** for (v = start; v < end; v += step) body, as block { loop { if v >= end break; body; v += step; continue } }. */
  const forLoop = (v: number, start: number[], end: number[], step: number, body: number[]): number[] => [
    ...start, ...set(v),
    0x02, 0x40, 0x03, 0x40,
    ...get(v), ...end, 0x4f, 0x0d, 1, // v >= end (unsigned): leave the block
    ...body,
    ...get(v), ...konst(step), add, ...set(v),
    0x0c, 0, 0x0b, 0x0b,
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
    ...section(2, vec([[...name('env'), ...name('memory'), 0x02, 0x00, 0x00]])),
    ...section(3, vec([[0]])),
    ...section(7, vec([[...name('transpose'), 0x00, 0]])),
    ...section(10, vec([codeEntry([[6, I32]], body)])),
  ]);
}

/** The transpose over `memory` (byte offsets), or undefined if the runtime rejects the module. */
export function wasmTranspose(memory: WebAssembly.Memory): ((src: number, dst: number, rows: number, cols: number) => void) | undefined {
  try {
    const bytes = transposeModuleBytes();
    if (!WebAssembly.validate(bytes)) return undefined;
    const inst = new WebAssembly.Instance(new WebAssembly.Module(bytes), { env: { memory } });
    return inst.exports.transpose as (src: number, dst: number, rows: number, cols: number) => void;
  } catch {
    return undefined;
  }
}
