#!/usr/bin/env node
// CodeLens latency of the real language server (dist/server.js, a child process over stdio) on a file with
// 200 NB201 architectures: median and p95 while idle and while a predictor trains in the server's worker
// thread, plus the server's peak RSS. Prints figures; asserts nothing.
//   node bench/codelens.mjs [--predictor DIR] [--requests N]   (DIR: the bundled predictors folder, as shipped)
import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { connectToServer } from './lspConnection.mjs';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const arg = (name, d) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : d;
};
const predictor = path.resolve(arg('predictor', path.join(ROOT, 'media/predictors')));
const N = Number(arg('requests', 60));
const OPS = ['none', 'skip_connect', 'nor_conv_1x1', 'nor_conv_3x3', 'avg_pool_3x3'];
let seed = 42;
const rand = () => ((seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32);
const cell = () => {
  const o = Array.from({ length: 6 }, () => OPS[Math.floor(rand() * 5)]);
  return `|${o[0]}~0|+|${o[1]}~0|${o[2]}~1|+|${o[3]}~0|${o[4]}~1|${o[5]}~2|`;
};
const doc = () => `ARCHS = [\n${Array.from({ length: 200 }, () => `    "${cell()}",`).join('\n')}\n]\n`;

let commit = 'unknown';
try {
  commit = execFileSync('git', ['rev-parse', '--short=12', 'HEAD'], { cwd: ROOT, stdio: ['ignore', 'pipe', 'ignore'] }).toString().trim();
} catch {}
console.log(`command: node bench/codelens.mjs ${process.argv.slice(2).join(' ')}`.trim());
console.log(`config: predictors ${path.relative(ROOT, predictor) || predictor}, ${N} requests per phase, 200 NB201 cells per document (seed 42), commit ${commit}, node ${process.version}, ${os.cpus().length} cores, load ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}`);
const storage = fs.mkdtempSync(path.join(os.tmpdir(), 'dele-bench-'));
const server = spawn(process.execPath, [path.join(ROOT, 'dist/server.js'), '--stdio'], { stdio: ['pipe', 'pipe', 'inherit'] });
const peakRssMb = () => {
  const m = /VmHWM:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${server.pid}/status`, 'utf8'));
  return m ? Number(m[1]) / 1024 : NaN;
};
const conn = connectToServer(server);
await conn.sendRequest('initialize', {
  processId: process.pid,
  rootUri: null,
  capabilities: { workspace: { configuration: true, codeLens: { refreshSupport: true } }, window: { workDoneProgress: true } },
  initializationOptions: { bundledPredictors: predictor, storagePath: storage },
});
await conn.sendNotification('initialized', {});
const uri = 'file:///bench/archs.py';
let version = 1;
await conn.sendNotification('textDocument/didOpen', { textDocument: { uri, languageId: 'python', version, text: doc() } });

async function measure(label, n) {
  const times = [];
  for (let i = 0; i < n; i++) {
    // An edit first (a new random cell set), as when typing: parse + predict + lens, not a cached answer.
    await conn.sendNotification('textDocument/didChange', { textDocument: { uri, version: ++version }, contentChanges: [{ text: doc() }] });
    const t = performance.now();
    const lenses = await conn.sendRequest('textDocument/codeLens', { textDocument: { uri } });
    times.push(performance.now() - t);
    if (lenses.length !== 200) throw new Error(`expected 200 lenses, got ${lenses.length}`);
    await new Promise((r) => setTimeout(r, 30));
  }
  times.sort((a, b) => a - b);
  const q = (p) => times[Math.min(times.length - 1, Math.floor(p * times.length))];
  console.log(`${label.padEnd(44)} n=${n}  median ${q(0.5).toFixed(1)} ms  p95 ${q(0.95).toFixed(1)} ms  max ${times[times.length - 1].toFixed(1)} ms`);
  return { median: q(0.5), p95: q(0.95) };
}

const t0 = performance.now();
const first = await conn.sendRequest('textDocument/codeLens', { textDocument: { uri } });
console.log(`first CodeLens after start (server start-up + model load + 200 predictions): ${(performance.now() - t0).toFixed(0)} ms, ${first.length} lenses`);
console.log(`example lens: ${first[0].command.title}`);
await measure('cold table (edits, cells not yet cached)', 10);
// Wait until the server has scored all 15,625 cells (rank percentiles need it).
const tTable = performance.now();
for (let i = 0; i < 600; i++) {
  const r = await conn.sendRequest('dele/rankings', {});
  if (r.benchmarkTop.length > 0) break;
  await new Promise((r) => setTimeout(r, 100));
}
console.log(`all-cells table complete ${((performance.now() - t0) / 1000).toFixed(1)} s after the first request (waited ${((performance.now() - tTable) / 1000).toFixed(1)} s)`);
const idle = await measure('idle', N);
console.log(`server peak RSS before training: ${peakRssMb().toFixed(0)} MB`);
const training = conn.sendRequest('dele/train', { data: 'bundled', target: 'c10_test_200ep', method: 'dele', encoder: 'gates', trainRatio: 0.01, preset: 'cpu' });
await new Promise((r) => setTimeout(r, 3000));
const busy = await measure('while training (DELE, cpu preset, in worker)', N);
await conn.sendNotification('dele/cancelTraining');
const tr = await training;
console.log(`training: ${tr.status}`);
console.log(`server peak RSS (VmHWM, incl. the training worker): ${peakRssMb().toFixed(0)} MB`);
console.log(`targets: p95 idle < 100 ms -> ${idle.p95.toFixed(1)} ms; p95 training < 250 ms -> ${busy.p95.toFixed(1)} ms; RSS < 600 MB -> ${peakRssMb().toFixed(0)} MB`);
await conn.sendRequest('shutdown');
conn.dispose();
server.kill();
fs.rmSync(storage, { recursive: true, force: true });
