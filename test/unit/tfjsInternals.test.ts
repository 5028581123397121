import assert from 'node:assert/strict';
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { before, describe, it } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../../src/runtime/backend';
import { adamModuleBytes } from '../../src/runtime/adamKernel';
import {
  activeWasmBackend,
  checkWasmInternals,
  heapOffset,
  kernelReplacements,
  onKernelReplaced,
  replaceKernel,
  TFJS_VERSION_CHECKED,
  TfjsInternalsError,
} from '../../src/runtime/tfjsInternals';
import { gemmModuleBytes } from '../../src/runtime/wasmGemm';
import { transposeModuleBytes } from '../../src/runtime/wasmTranspose';
import { vectorModuleBytes } from '../../src/runtime/wasmVector';
import { defined } from './at';

const ROOT = path.resolve(__dirname, '../..');
const installed = (pkg: string): string => JSON.parse(fs.readFileSync(path.join(ROOT, 'node_modules', pkg, 'package.json'), 'utf8')).version;

describe('TF.js internals (src/runtime/tfjsInternals.ts)', () => {
  before(async () => {
    await initBackend('wasm');
  });

  it('the installed TF.js is the version the internals were checked against: an upgrade must re-check them here', () => {
    for (const pkg of ['@tensorflow/tfjs-core', '@tensorflow/tfjs-backend-wasm', '@tensorflow/tfjs-backend-cpu']) {
      assert.equal(installed(pkg), TFJS_VERSION_CHECKED, `${pkg} ${installed(pkg)}: re-check every part src/runtime/tfjsInternals.ts reads, then update TFJS_VERSION_CHECKED`);
    }
    assert.equal(tf.version_core, TFJS_VERSION_CHECKED);
  });

  it('every internal part read exists on the real wasm backend with the expected kind', () => {
    const { be, memory } = checkWasmInternals(tf.backend());
    assert.ok(memory instanceof WebAssembly.Memory);
    const t = tf.tensor([1, 2, 3, 4], [2, 2]);
    const offset = heapOffset(be, t);
    assert.ok(Number.isInteger(offset) && offset > 0);
    assert.deepEqual([...new Float32Array(memory.buffer, offset, 4)], [1, 2, 3, 4], 'dataIdMap gives the tensor’s bytes');
    t.dispose();
  });

  it('a backend whose internals changed fails loudly, naming the part and the TF.js version (never a silent fallback)', () => {
    const real = tf.backend() as unknown as Record<string, unknown>;
    const without = (key: string): object => {
      const copy = Object.create(Object.getPrototypeOf(real) as object) as Record<string, unknown>;
      Object.assign(copy, real);
      Object.defineProperty(copy, key, { value: undefined });
      return copy;
    };
    for (const [key, named] of [['dataIdMap', 'dataIdMap.get'], ['makeOutput', 'makeOutput'], ['incRef', 'incRef'], ['typedArrayFromHeap', 'typedArrayFromHeap'], ['wasm', 'wasm']] as const) {
      assert.throws(() => checkWasmInternals(without(key)), (e: Error) => e instanceof TfjsInternalsError && e.message.includes(named) && e.message.includes(tf.version_core), key);
    }
    const noMemory = Object.assign(Object.create(null) as object, real, { wasm: { ...(real.wasm as object), asm: {} } });
    assert.throws(() => checkWasmInternals(noMemory), /wasm\.asm\.memory/);
  });

  it('activeWasmBackend is the checked backend on wasm and undefined elsewhere', async () => {
    assert.ok(defined(activeWasmBackend(), 'wasm').memory instanceof WebAssembly.Memory);
    await tf.setBackend('cpu');
    try {
      assert.equal(activeWasmBackend(), undefined);
    } finally {
      await tf.setBackend('wasm');
    }
  });

  it('the process-wide kernel replacements are listed and each announced once to a logger', () => {
    assert.deepEqual([...kernelReplacements().keys()].sort(), ['wasm:Cast', 'wasm:Identity', 'wasm:Transpose']);
    const lines: string[] = [];
    onKernelReplaced((l) => lines.push(l));
    assert.equal(lines.length, 3, lines.join('\n'));
    assert.ok(lines.every((l) => /^DELE: TF\.js wasm kernel (Cast|Identity|Transpose) replaced: /.test(l)));
    // Replacing again (a second initBackend, a worker re-initialising) changes nothing and says nothing.
    assert.equal(replaceKernel('Transpose', 'wasm', 'again', (orig) => orig), true);
    assert.equal(lines.length, 3);
    assert.equal(replaceKernel('NoSuchKernel', 'wasm', 'none', (orig) => orig), false);
    onKernelReplaced(undefined);
  });

  it('the replaced kernels compute what the originals do', () => {
    const x = tf.tensor2d([1, 2, 3, 4, 5, 6], [2, 3]);
    const y = tf.transpose(x);
    assert.deepEqual(y.arraySync(), [[1, 4], [2, 5], [3, 6]]);
    const c = tf.cast(x, 'float32');
    assert.deepEqual(c.arraySync(), x.arraySync());
    c.dispose();
    assert.deepEqual(tf.cast(x, 'int32').dataSync().length, 6);
    tf.dispose([x, y]);
  });
});

describe('wasm modules assembled in TypeScript: pinned bytes', () => {
  // A change to an assembler helper or a kernel changes these: then the kernel's tests, the golden forward test
  // and bench:kernels must be re-run, and the hash updated here on purpose.
  const PINNED: Record<string, [() => Uint8Array, string]> = {
    'gemm (exact)': [() => gemmModuleBytes(false), 'adb968d3cbbb51727642c4c3de07881731fa7d7c9b97b7481cd29a96388b02be'],
    'gemm (fma)': [() => gemmModuleBytes(true), 'a59778ac640ef12c6809454b0e58a8a1d68fd8c5d2b781ba8f9e8e3105cd7523'],
    adam: [adamModuleBytes, '6aecc640ee7564e0eaa65a80e1a12b777603d4da302a825ececf63ba09eefd95'],
    transpose: [transposeModuleBytes, 'ea425c23a25ba316157e4191189a90aeeac18ae8ae573cd33cc6c4ec71147005'],
    vector: [vectorModuleBytes, 'f329c63227830f4fba61b10a6a6ab2405a52187620ce27b74c7d00c6f96a46ac'],
  };
  for (const [name, [bytes, sha]] of Object.entries(PINNED)) {
    it(`${name}: sha256 of the module bytes`, () => {
      assert.equal(crypto.createHash('sha256').update(bytes()).digest('hex'), sha);
    });
  }
});
