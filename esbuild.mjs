// Bundles the CLI (and, when present, the VS Code client, language server and webview) into dist/.
// Usage: node esbuild.mjs [--production] [--watch]
import * as esbuild from 'esbuild';
import fs from 'node:fs';
import path from 'node:path';

const production = process.argv.includes('--production');
const watch = process.argv.includes('--watch');
const dist = 'dist';
fs.mkdirSync(dist, { recursive: true });

// tfjs-backend-wasm looks for its .wasm files next to the bundle.
const wasmSrc = 'node_modules/@tensorflow/tfjs-backend-wasm/dist';
for (const f of ['tfjs-backend-wasm.wasm', 'tfjs-backend-wasm-simd.wasm', 'tfjs-backend-wasm-threaded-simd.wasm']) {
  fs.copyFileSync(path.join(wasmSrc, f), path.join(dist, f));
}

const node = {
  bundle: true,
  platform: 'node',
  target: 'node22',
  format: 'cjs',
  // ESM builds of tfjs: one copy of tfjs-core, and the side-effect imports (backends, gradients) kept.
  mainFields: ['module', 'main'],
  external: ['vscode', '@tensorflow/tfjs-node'],
  sourcemap: !production,
  minify: production,
  logLevel: 'warning',
};

const entries = [
  { ...node, entryPoints: ['src/cli/main.ts'], outfile: `${dist}/cli.js`, banner: { js: '#!/usr/bin/env node' } },
];
if (fs.existsSync('src/client/extension.ts')) entries.push({ ...node, entryPoints: ['src/client/extension.ts'], outfile: `${dist}/extension.js` });
if (fs.existsSync('src/server/main.ts')) entries.push({ ...node, entryPoints: ['src/server/main.ts'], outfile: `${dist}/server.js` });
if (fs.existsSync('src/server/trainWorker.ts')) entries.push({ ...node, entryPoints: ['src/server/trainWorker.ts'], outfile: `${dist}/trainWorker.js` });
entries.push({ ...node, entryPoints: ['src/lf/worker.ts'], outfile: `${dist}/lfWorker.js` });
entries.push({ ...node, entryPoints: ['src/predictor/expertWorker.ts'], outfile: `${dist}/expertWorker.js` });
if (fs.existsSync('webview/main.ts')) {
  entries.push({ bundle: true, platform: 'browser', target: 'es2022', format: 'iife', entryPoints: ['webview/main.ts'], outfile: `${dist}/webview.js`, sourcemap: !production, minify: production, logLevel: 'warning' });
}

if (watch) {
  for (const e of entries) await (await esbuild.context(e)).watch();
} else {
  await Promise.all(entries.map((e) => esbuild.build(e)));
  fs.chmodSync(`${dist}/cli.js`, 0o755);
}
