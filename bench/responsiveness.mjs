#!/usr/bin/env node
// Responsiveness of the real language server (dist/server.js over stdio, bundled predictors, temp storage) while a
// `dele/search` runs: CodeLens and hover latency on a small mixed document (NB201 cells and a DARTS genotype) and
// `dele/status` latency, idle and during an NB301 evolution search (budget --budget predictor calls). Requests are
// sent one after the other, every --interval ms, and each latency is from send to answer. Prints the figures;
// asserts nothing. Bounded: fixed counts, and the run is killed after --max-minutes (default 3).
//   node bench/responsiveness.mjs [--budget 5000] [--samples 60] [--interval 20] [--max-minutes 3] [--server dist/server.js]
// --server: another build of the server (e.g. an earlier commit's dist/server.js, for a before/after comparison).
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
const BUDGET = Number(arg('budget', 5000));
const SAMPLES = Number(arg('samples', 60));
const INTERVAL = Number(arg('interval', 20));
const MAX_MINUTES = Number(arg('max-minutes', 3));
const WAIT_MS = 60_000;
const SERVER = path.resolve(arg('server', path.join(ROOT, 'dist/server.js')));

const CELLS = [
  '|nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+|skip_connect~0|nor_conv_3x3~1|nor_conv_3x3~2|',
  '|avg_pool_3x3~0|+|skip_connect~0|avg_pool_3x3~1|+|avg_pool_3x3~0|skip_connect~1|skip_connect~2|',
  '|nor_conv_1x1~0|+|skip_connect~0|avg_pool_3x3~1|+|none~0|nor_conv_1x1~1|skip_connect~2|',
];
const DARTS = `DARTS_V2 = Genotype(
    normal=[('sep_conv_3x3', 0), ('sep_conv_3x3', 1), ('sep_conv_3x3', 0), ('sep_conv_3x3', 1), ('sep_conv_3x3', 1), ('skip_connect', 0), ('skip_connect', 0), ('dil_conv_3x3', 2)],
    normal_concat=[2, 3, 4, 5],
    reduce=[('max_pool_3x3', 0), ('max_pool_3x3', 1), ('skip_connect', 2), ('max_pool_3x3', 1), ('max_pool_3x3', 0), ('skip_connect', 2), ('skip_connect', 2), ('max_pool_3x3', 1)],
    reduce_concat=range(2, 6),
)`;
const TEXT = `${CELLS.map((c, i) => `cell_${i} = "${c}"`).join('\n')}\n${DARTS}\n`;
const URI = 'file:///responsiveness/archs.py';

const storage = fs.mkdtempSync(path.join(os.tmpdir(), 'dele-resp-'));
const server = spawn(process.execPath, [SERVER, '--stdio'], { stdio: ['pipe', 'pipe', 'inherit'] });
const stop = (code) => {
  server.kill('SIGKILL');
  fs.rmSync(storage, { recursive: true, force: true });
  process.exit(code);
};
setTimeout(() => {
  console.error(`responsiveness: stopped after ${MAX_MINUTES} minutes`);
  stop(2);
}, MAX_MINUTES * 60_000).unref();
const conn = connectToServer(server);

const timeout = (ms, what) => new Promise((_, rej) => setTimeout(() => rej(new Error(`timeout: ${what}`)), ms).unref());
async function timed(method, params) {
  const t = performance.now();
  const r = await Promise.race([conn.sendRequest(method, params), timeout(WAIT_MS, method)]);
  return { ms: performance.now() - t, r };
}
const q = (xs, p) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(p * s.length))];
};
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const lensParams = { textDocument: { uri: URI } };
const hoverParams = { textDocument: { uri: URI }, position: { line: 3, character: 14 } }; // on `Genotype(` (NB301)

/** Rounds of codeLens, hover, status until `done()` or `n` rounds; latencies per method. */
async function sample(n, done = () => false) {
  const out = { lens: [], hover: [], status: [] };
  for (let i = 0; i < n && !done(); i++) {
    out.lens.push((await timed('textDocument/codeLens', lensParams)).ms);
    out.hover.push((await timed('textDocument/hover', hoverParams)).ms);
    out.status.push((await timed('dele/status')).ms);
    await sleep(INTERVAL);
  }
  return out;
}

const t0 = performance.now();
await conn.sendRequest('initialize', {
  processId: process.pid,
  rootUri: null,
  capabilities: { workspace: { configuration: true, codeLens: { refreshSupport: true } }, window: { workDoneProgress: true } },
  initializationOptions: { bundledPredictors: path.join(ROOT, 'media/predictors'), storagePath: storage },
});
await conn.sendNotification('initialized', {});
await conn.sendNotification('textDocument/didOpen', { textDocument: { uri: URI, languageId: 'python', version: 1, text: TEXT } });
// Warm-up: predictors loaded, their reference tables complete (the panel's rankings have a benchmark top).
for (let i = 0; i < 600; i++) {
  const r = await conn.sendRequest('dele/rankings', { space: 'nb301' });
  if (r.benchmarkTop.length > 0) break;
  await sleep(100);
}
const lenses = (await timed('textDocument/codeLens', lensParams)).r;
const hover = (await timed('textDocument/hover', hoverParams)).r;
const warmS = (performance.now() - t0) / 1000;

const idle = await sample(SAMPLES);
let searchDone = false;
const ts = performance.now();
const search = conn.sendRequest('dele/search', { space: 'nb301', top: 10, budget: BUDGET, seed: 0 }).then((r) => {
  searchDone = true;
  return { r, ms: performance.now() - ts };
});
const during = await sample(100_000, () => searchDone);
const { r: result, ms: searchMs } = await search;

let commit = 'unknown';
try {
  commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: ROOT, encoding: 'utf8' }).trim();
  if (execFileSync('git', ['status', '--porcelain', '--untracked-files=no'], { cwd: ROOT, encoding: 'utf8' }).trim()) commit += ' (+ uncommitted changes)';
} catch {}
const row = (label, xs) => `  ${label.padEnd(8)} n=${String(xs.length).padStart(4)}  median ${q(xs, 0.5).toFixed(1).padStart(7)} ms  p95 ${q(xs, 0.95).toFixed(1).padStart(7)} ms  max ${Math.max(...xs).toFixed(1).padStart(7)} ms`;
console.log(`command: npm run bench:responsiveness (node bench/responsiveness.mjs ${process.argv.slice(2).join(' ')})`);
console.log(`commit ${commit}, node ${process.version}, ${os.cpus().length} cores (${os.cpus()[0]?.model.trim()}), ${new Date().toISOString()}; 1-min load average ${os.loadavg()[0].toFixed(1)}`);
console.log(`server: ${path.relative(ROOT, SERVER)} --stdio, bundled predictors (media/predictors), temp storage, default settings; warm-up ${warmS.toFixed(1)} s`);
console.log(`document: 3 NB201 cells + 1 DARTS genotype (NB301), ${lenses.length} lenses; hover on the genotype ${hover ? 'answered' : 'EMPTY'}`);
console.log(`rounds of codeLens, hover, status one after the other, ${INTERVAL} ms apart`);
console.log(`idle (${SAMPLES} rounds)`);
for (const k of ['lens', 'hover', 'status']) console.log(row(k, idle[k]));
console.log(`during dele/search nb301 evolution, budget ${BUDGET}, top 10, seed 0 (${(searchMs / 1000).toFixed(1)} s, ${result.evaluated} scored; ${during.lens.length} rounds)`);
for (const k of ['lens', 'hover', 'status']) console.log(row(k, during[k]));
console.log(`best proposal ${result.proposals[0]?.arch.slice(0, 60)}… predicted ${result.proposals[0]?.predicted.toFixed(3)}`);
await conn.sendRequest('shutdown');
stop(0);
