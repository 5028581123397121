#!/usr/bin/env node
// LSP stress figures for the real language server (dist/server.js, a child process over stdio, bundled predictors,
// a temp storage folder): large mixed Python documents (1, 5, 10 MB), a storm of full-document edits with CodeLens
// and hover requests interleaved, and one 5 MB single line. Prints a table; asserts nothing.
// Bounded: fixed counts, every wait has a timeout, and the whole run is killed after --max-minutes (default 8).
//   node bench/stress.mjs [--sizes 1,5,10] [--edits 200] [--edit-kb 100] [--interval 20] [--line-mb 5] [--max-minutes 8]
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
const SIZES_MB = String(arg('sizes', '1,5,10')).split(',').map(Number);
const EDITS = Number(arg('edits', 200));
const EDIT_KB = Number(arg('edit-kb', 100));
const INTERVAL = Number(arg('interval', 20));
const LINE_MB = Number(arg('line-mb', 5));
const MAX_MINUTES = Number(arg('max-minutes', 8));
const WAIT_MS = 120_000; // per awaited server answer
const predictors = path.join(ROOT, 'media/predictors');
const MB = 1024 * 1024;

// ---- documents (seeded) ----
const OPS = ['none', 'skip_connect', 'nor_conv_1x1', 'nor_conv_3x3', 'avg_pool_3x3'];
let seed = 7;
const rand = () => ((seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32);
const pick = (a) => a[Math.floor(rand() * a.length)];
const cell = () => {
  const o = Array.from({ length: 6 }, () => pick(OPS));
  return `|${o[0]}~0|+|${o[1]}~0|${o[2]}~1|+|${o[3]}~0|${o[4]}~1|${o[5]}~2|`;
};
const micro = () => `64-41414-${Math.floor(rand() * 4)}_${Math.floor(rand() * 4)}${Math.floor(rand() * 4)}_${Math.floor(rand() * 4)}${Math.floor(rand() * 4)}${Math.floor(rand() * 4)}`;
const macro = () => `64-${Array.from({ length: 4 + Math.floor(rand() * 3) }, () => 1 + Math.floor(rand() * 4)).join('')}-basic`;
const INVALID = [
  () => `|conv_5x5~0|+|${pick(OPS)}~0|${pick(OPS)}~1|+|${pick(OPS)}~0|${pick(OPS)}~1|${pick(OPS)}~2|`, // unknown op
  () => `|${pick(OPS)}~0|+|${pick(OPS)}~0|+|${pick(OPS)}~0|${pick(OPS)}~1|${pick(OPS)}~2|`, // missing edge
  () => `|${pick(OPS)}~1|+|${pick(OPS)}~0|${pick(OPS)}~1|+|${pick(OPS)}~0|${pick(OPS)}~1|${pick(OPS)}~2|`, // bad input node
  () => `64-41414-4_02_333`, // digit out of range
];
// One block of mixed content: NB201 cells, TransNAS strings, ordinary code, invalid cells (~1 KB, ~17 architectures).
function block(k) {
  return [
    `# block ${k}`,
    'NB201 = [',
    ...Array.from({ length: 8 }, () => `    "${cell()}",`),
    ']',
    `TNB_MICRO = [${Array.from({ length: 4 }, () => `"${micro()}"`).join(', ')}]`,
    `TNB_MACRO = [${Array.from({ length: 3 }, () => `"${macro()}"`).join(', ')}]`,
    `def step_${k}(x, ops=[]):`,
    `    y = [v * 2 for v in x if v is not None]  # ordinary code, ops = [OPS[n](C) for n in genotype]`,
    `    return {"loss": sum(y) / max(1, len(y)), "name": "model-${k}"}`,
    `INVALID = ["${pick(INVALID)()}", "${pick(INVALID)()}"]`,
    '',
  ].join('\n');
}
function mixedDoc(bytes) {
  const parts = [];
  let n = 0;
  for (let k = 0; n < bytes; k++) {
    const b = block(k);
    parts.push(b);
    n += b.length + 1;
  }
  return parts.join('\n');
}
// Worst case for diagnostics: one line of invalid cells and adversarial fragments, no newline.
function singleLine(bytes) {
  const unit = ` "|conv~0|+|none~0|none~1|+|none~0|none~1|none~2|", |a~ 64-4 "|none~0|+|x~0|x~1|"`;
  return `BAD = [${unit.repeat(Math.ceil(bytes / unit.length))}]\n`;
}

// ---- server ----
const storage = fs.mkdtempSync(path.join(os.tmpdir(), 'dele-stress-'));
const server = spawn(process.execPath, [path.join(ROOT, 'dist/server.js'), '--stdio'], { stdio: ['pipe', 'pipe', 'inherit'] });
const killTimer = setTimeout(() => {
  console.error(`stress: stopped after ${MAX_MINUTES} minutes`);
  server.kill('SIGKILL');
  fs.rmSync(storage, { recursive: true, force: true });
  process.exit(2);
}, MAX_MINUTES * 60_000);
const status = (key) => {
  const m = new RegExp(`${key}:\\s+(\\d+) kB`).exec(fs.readFileSync(`/proc/${server.pid}/status`, 'utf8'));
  return m ? Number(m[1]) / 1024 : NaN;
};
const published = new Map(); // uri -> [{ version, count, at }]
const waiters = [];
const conn = connectToServer(server, (c) => {
  c.onNotification('textDocument/publishDiagnostics', (p) => {
    const list = published.get(p.uri) ?? [];
    list.push({ version: p.version, count: p.diagnostics.length, at: performance.now() });
    published.set(p.uri, list);
    for (const w of [...waiters]) w();
  });
  c.onNotification(() => {});
});

const timeout = (ms, what) => new Promise((_, rej) => setTimeout(() => rej(new Error(`timeout: ${what}`)), ms).unref());
const withTimeout = (p, what) => Promise.race([p, timeout(WAIT_MS, what)]);
function diagnosticsFor(uri, version) {
  const hit = () => (published.get(uri) ?? []).find((d) => d.version === version);
  return withTimeout(
    new Promise((res) => {
      const check = () => {
        const d = hit();
        if (d) {
          waiters.splice(waiters.indexOf(check), 1);
          res(d);
        }
      };
      waiters.push(check);
      check();
    }),
    `diagnostics of ${uri} v${version}`,
  );
}
async function timed(method, params) {
  const t = performance.now();
  const r = await withTimeout(conn.sendRequest(method, params), method);
  return { ms: performance.now() - t, r };
}
const q = (xs, p) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(p * s.length))];
};
const f0 = (x) => (Number.isFinite(x) ? x.toFixed(0) : '–');
const f1 = (x) => (Number.isFinite(x) ? x.toFixed(1) : '–');

const tStart = performance.now();
const loadStart = os.loadavg()[0];
await conn.sendRequest('initialize', {
  processId: process.pid,
  rootUri: null,
  capabilities: { workspace: { configuration: true, codeLens: { refreshSupport: true } }, window: { workDoneProgress: true } },
  initializationOptions: { bundledPredictors: predictors, storagePath: storage },
});
await conn.sendNotification('initialized', {});
// Warm up: load the predictor and let the server score all NB201 cells first, so the figures below are not the
// start-up's (bench:codelens measures that).
const warm = 'file:///stress/warm.py';
await conn.sendNotification('textDocument/didOpen', { textDocument: { uri: warm, languageId: 'python', version: 1, text: `A = "${cell()}"\n` } });
await timed('textDocument/codeLens', { textDocument: { uri: warm } });
for (let i = 0; i < 600; i++) {
  const r = await conn.sendRequest('dele/rankings', {});
  if (r.benchmarkTop.length > 0) break;
  await new Promise((res) => setTimeout(res, 100));
}
const warmS = (performance.now() - tStart) / 1000;
await conn.sendNotification('textDocument/didClose', { textDocument: { uri: warm } });

const rows = [];
// ---- large documents, then the single line ----
async function bigDoc(label, uri, text, hoverPos) {
  let version = 1;
  const t = performance.now();
  await conn.sendNotification('textDocument/didOpen', { textDocument: { uri, languageId: 'python', version, text } });
  const d = await diagnosticsFor(uri, version);
  const firstDiag = d.at - t;
  const lens = [];
  let lenses = 0;
  for (let i = 0; i < 5; i++) {
    const { ms, r } = await timed('textDocument/codeLens', { textDocument: { uri } });
    lens.push(ms);
    lenses = r.length;
  }
  const hover = hoverPos ? (await timed('textDocument/hover', { textDocument: { uri }, position: hoverPos })).ms : NaN;
  // An edit (append a line): the next CodeLens re-parses the whole document.
  const t2 = performance.now();
  await conn.sendNotification('textDocument/didChange', { textDocument: { uri, version: ++version }, contentChanges: [{ text: `${text}# edited\n` }] });
  const afterEdit = (await timed('textDocument/codeLens', { textDocument: { uri } })).ms;
  const d2 = await diagnosticsFor(uri, version);
  const editDiag = d2.at - t2;
  await conn.sendNotification('textDocument/didClose', { textDocument: { uri } });
  rows.push({ label, bytes: Buffer.byteLength(text), lines: text.split('\n').length - 1, firstDiag, lensFirst: lens[0], lensMedian: q(lens, 0.5), afterEdit, editDiag, hover, diagnostics: d2.count, lenses, hwm: status('VmHWM') });
}
for (const mb of SIZES_MB) {
  seed = 1000 + mb;
  await bigDoc(`mixed ${mb} MB`, `file:///stress/mixed-${mb}mb.py`, mixedDoc(mb * MB), { line: 2, character: 8 });
}
seed = 99;
await bigDoc(`single line ${LINE_MB} MB`, `file:///stress/line.py`, singleLine(LINE_MB * MB), { line: 0, character: 12 });

// ---- edit storm: EDITS full-document edits of EDIT_KB KB every INTERVAL ms, CodeLens and hover interleaved ----
seed = 4242;
const docs = Array.from({ length: EDITS + 1 }, () => mixedDoc(EDIT_KB * 1024));
const uri = 'file:///stress/storm.py';
let version = 1;
await conn.sendNotification('textDocument/didOpen', { textDocument: { uri, languageId: 'python', version, text: docs[0] } });
await diagnosticsFor(uri, version);
const lensMs = [];
const hoverMs = [];
const lensCounts = [];
let hoverHits = 0;
const pending = [];
const t0 = performance.now();
let lateMax = 0;
for (let i = 1; i <= EDITS; i++) {
  const due = t0 + i * INTERVAL;
  const wait = due - performance.now();
  if (wait > 0) await new Promise((res) => setTimeout(res, wait));
  lateMax = Math.max(lateMax, performance.now() - due);
  await conn.sendNotification('textDocument/didChange', { textDocument: { uri, version: ++version }, contentChanges: [{ text: docs[i] }] });
  const t = performance.now();
  if (i % 2) {
    pending.push(withTimeout(conn.sendRequest('textDocument/codeLens', { textDocument: { uri } }), 'codeLens').then((r) => {
      lensMs.push(performance.now() - t);
      lensCounts.push(r.length);
    }));
  } else {
    pending.push(withTimeout(conn.sendRequest('textDocument/hover', { textDocument: { uri }, position: { line: 2, character: 8 } }), 'hover').then((r) => {
      hoverMs.push(performance.now() - t);
      if (r) hoverHits++;
    }));
  }
}
const stormS = (performance.now() - t0) / 1000;
await Promise.all(pending);
const storm = await diagnosticsFor(uri, version);
const duringStorm = (published.get(uri) ?? []).filter((d) => d.version > 1 && d.version < version).length;
await conn.sendNotification('textDocument/didClose', { textDocument: { uri } });
const hwm = status('VmHWM');
const rss = status('VmRSS');

// ---- report ----
let commit = '?';
try {
  commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: ROOT, encoding: 'utf8' }).trim();
  if (execFileSync('git', ['status', '--porcelain', '--', 'src', 'webview', 'bench'], { cwd: ROOT, encoding: 'utf8' }).trim()) commit += ' (+ uncommitted changes)';
} catch {}
const out = [];
out.push(`command: npm run bench:stress (node bench/stress.mjs ${process.argv.slice(2).join(' ')})`.trimEnd());
out.push(`commit ${commit}, node ${process.version}, ${os.cpus().length} cores (${os.cpus()[0]?.model ?? '?'}), ${os.platform()} ${os.release()}, ${new Date().toISOString()}`);
out.push(`server: dist/server.js --stdio, bundled predictors (media/predictors), temp storage, default settings (debounce 250 ms); warm-up (start, predictor load, all NB201 cells scored) ${warmS.toFixed(1)} s`);
out.push(`mixed documents: blocks of 8 NB201 cells, 4 TNB101 micro + 3 macro strings, ordinary Python, 2 invalid cells (~17 architectures per KB); server limits: 2,000,000 chars scanned, 5,000 architectures, 1,000 diagnostics`);
out.push('');
out.push('large documents (first diagnostics: from didOpen, includes the 250 ms debounce; CodeLens: 5 requests on the parsed document, then one right after an edit that forces a re-parse)');
const head = ['document', 'bytes', 'lines', 'first diag ms', 'lens 1st ms', 'lens med ms', 'lens after edit ms', 'diag after edit ms', 'hover ms', 'diagnostics', 'lenses', 'VmHWM MB'];
const table = [head, ...rows.map((r) => [r.label, r.bytes.toLocaleString('en-US'), String(r.lines), f0(r.firstDiag), f1(r.lensFirst), f1(r.lensMedian), f1(r.afterEdit), f0(r.editDiag), f1(r.hover), String(r.diagnostics), String(r.lenses), f0(r.hwm)])];
const widths = head.map((_, c) => Math.max(...table.map((row) => row[c].length)));
for (const row of table) out.push(row.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  '));
out.push('');
out.push(`edit storm: ${EDITS} full-document edits of ${docs[1].length.toLocaleString('en-US')} chars every ${INTERVAL} ms (took ${stormS.toFixed(1)} s, max client lateness ${lateMax.toFixed(0)} ms), a CodeLens (odd edits) or hover (even edits) request after each, not awaited`);
// In send order (the arrays fill in answer order, which is the same: the server answers in order).
const part = (xs, a, b) => xs.slice(a, b);
out.push(`  codeLens  n=${lensMs.length}  median ${f1(q(lensMs, 0.5))} ms  p95 ${f1(q(lensMs, 0.95))} ms  max ${f1(Math.max(...lensMs))} ms  (median of the first 10: ${f1(q(part(lensMs, 0, 10), 0.5))} ms, last 10: ${f1(q(part(lensMs, -10), 0.5))} ms; lenses per answer ${Math.min(...lensCounts)}-${Math.max(...lensCounts)})`);
out.push(`  hover     n=${hoverMs.length}  median ${f1(q(hoverMs, 0.5))} ms  p95 ${f1(q(hoverMs, 0.95))} ms  max ${f1(Math.max(...hoverMs))} ms  (median of the first 10: ${f1(q(part(hoverMs, 0, 10), 0.5))} ms, last 10: ${f1(q(part(hoverMs, -10), 0.5))} ms; ${hoverHits}/${hoverMs.length} with content)`);
out.push(`  diagnostics published during the storm: ${duringStorm}; after it: ${storm.count} for the last version (${(storm.at - t0 - stormS * 1000).toFixed(0)} ms after the last edit was sent)`);
out.push('');
out.push(`server peak RSS (VmHWM) at the end: ${f0(hwm)} MB; VmRSS at the end: ${f0(rss)} MB; total run ${((performance.now() - tStart) / 1000).toFixed(0)} s; 1-min load average ${loadStart.toFixed(1)} at the start, ${os.loadavg()[0].toFixed(1)} at the end`);
console.log(out.join('\n'));

await conn.sendRequest('shutdown');
conn.dispose();
server.kill();
clearTimeout(killTimer);
fs.rmSync(storage, { recursive: true, force: true });
