#!/usr/bin/env node
// Builds data/tnb101-micro.json.gz and data/tnb101-macro.json.gz (TransNAS-Bench-101, see DATA.md) from
// NAS-Bench-Suite-Zero data: the full-space single-proxy table and NASLib's committed 13-proxy subsets.
// Usage: node scripts/build-tnb101-data.mjs [tnb101_full_space_zc.csv] [zc_transbench101_micro.json] [zc_transbench101_macro.json] [--no-tau]
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { fileURLToPath } from 'node:url';
import { kendallTauB } from './lib/tau.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2).filter((a) => !a.startsWith('--'));
const withTau = !process.argv.includes('--no-tau');
const csvPath = args[0] ?? path.resolve(root, '../shared/data/derived/tnb101_full_space_zc.csv');
const zcPath = {
  micro: args[1] ?? path.resolve(root, '../shared/data/raw/nas-bench-suite-zero-naslib/zc_transbench101_micro.json'),
  macro: args[2] ?? path.resolve(root, '../shared/data/raw/nas-bench-suite-zero-naslib/zc_transbench101_macro.json'),
};

function splitCsvLine(line) {
  const out = [];
  let cur = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i];
    if (quoted) {
      if (ch === '"' && line[i + 1] === '"') { cur += '"'; i++; }
      else if (ch === '"') quoted = false;
      else cur += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ',') { out.push(cur); cur = ''; }
    else cur += ch;
  }
  out.push(cur);
  return out;
}

// Raw value -> number or null. Sentinels: epe_nas's -1e8 (any |v| >= 1e8), NaN, +-inf. 6 significant digits.
const clean = (v) => (typeof v === 'number' && Number.isFinite(v) && Math.abs(v) < 1e8 ? Number(v.toPrecision(6)) : null);
const parseNum = (s) => (s === '' || /^(nan|null|none|na)$/i.test(s) ? NaN : Number(s));
const parseTuple = (s) => {
  const m = s.trim().match(/^\(([\d,\s]*)\)$/);
  if (!m) throw new Error(`bad arch tuple ${s}`);
  return m[1].split(',').map((x) => x.trim()).filter((x) => x !== '').map(Number);
};

// Canonical architecture strings (TransNAS-Bench-101 API names).
const SPACES = {
  micro: {
    space: 'tnb101-micro',
    naslib: 'transbench101_micro',
    tasks: ['class_object', 'class_scene', 'jigsaw', 'room_layout'],
    expected: 4096,
    defaultTarget: 'class_scene',
    // 12 experts, as DELE's NB201 set: one of the near-identical full-space synflow columns, the informative
    // epe_nas ones, fisher, and the 8 NAS-Bench-Suite-Zero proxies of one task (711 archs; masked elsewhere).
    experts: ['synflow_class_scene', 'epe_nas_room_layout', 'epe_nas_class_object', 'fisher_jigsaw',
      ...['jacov', 'nwot', 'flops', 'params', 'snip', 'grad_norm', 'l2_norm', 'grasp'].map((p) => `zc_class_scene_${p}`)],
    // NASLib convert_naslib_to_transbench101_micro: (a,b,c,d,e,f) -> "64-41414-a_bc_def".
    key(t) {
      if (t.length !== 6 || t.some((x) => !Number.isInteger(x) || x < 0 || x > 3)) throw new Error(`bad micro arch (${t})`);
      return `64-41414-${t[0]}_${t[1]}${t[2]}_${t[3]}${t[4]}${t[5]}`;
    },
    sortKey: (s) => parseInt(s.slice(9).replace(/_/g, ''), 4),
    description: 'TransNAS-Bench-101 micro (cell) space: all 4,096 cells, arch "64-41414-a_bc_def" with op codes 0 none, 1 skip_connect, 2 conv1x1, 3 conv3x3 for the edges node1<-0 | node2<-0,1 | node3<-0,1,2; index i = base-4 code of the 6 digits. Targets: task scores (not all accuracies). See DATA.md.',
  },
  macro: {
    space: 'tnb101-macro',
    naslib: 'transbench101_macro',
    tasks: ['autoencoder', 'class_object', 'class_scene', 'jigsaw', 'normal', 'room_layout', 'segmentsemantic'],
    expected: 3256,
    defaultTarget: 'class_object',
    // 12 experts: the distinct full-space synflow and zen columns (epe_nas is ~0 on macro) and the 8
    // NAS-Bench-Suite-Zero proxies of one task (662 archs; masked elsewhere).
    experts: ['synflow_jigsaw', 'synflow_class_scene', 'zen_jigsaw', 'zen_autoencoder',
      ...['nwot', 'flops', 'params', 'jacov', 'snip', 'grad_norm', 'l2_norm', 'grasp'].map((p) => `zc_class_object_${p}`)],
    // NASLib pads macro tuples with zeros to 6 entries; drop them: (2,3,1,4) -> "64-2314-basic".
    key(t) {
      const c = t.filter((x) => x !== 0);
      if (c.length < 4 || c.length > 6 || c.some((x) => !Number.isInteger(x) || x < 1 || x > 4)) throw new Error(`bad macro arch (${t})`);
      return `64-${c.join('')}-basic`;
    },
    description: 'TransNAS-Bench-101 macro (skeleton) space: all 3,256 networks of 4-6 residual modules, arch "64-<codes>-basic", codes 1 plain, 2 channel x2, 3 stride 2 (downsample), 4 both; 1-4 downsampling modules (3, 4) and 1-3 channel-doubling modules (2, 4). Sorted by length, then code string. Targets: task scores (not all accuracies). See DATA.md.',
  },
};

const TASKS = {
  class_object: 'object classification (Taskonomy, 100 classes): validation top-1 accuracy (%)',
  class_scene: 'scene classification (Taskonomy, 63 classes): validation top-1 accuracy (%)',
  jigsaw: 'jigsaw puzzle (1,000 permutation classes): validation top-1 accuracy (%)',
  room_layout: 'room layout regression: validation negative L2 (MSE) loss, higher is better (not an accuracy)',
  autoencoder: 'autoencoding (image reconstruction): validation SSIM, 0..1, higher is better (not an accuracy)',
  normal: 'surface normal estimation: validation SSIM, 0..1, higher is better (not an accuracy)',
  segmentsemantic: 'semantic segmentation: validation pixel accuracy (%) (TNB101 valid_acc, not mIoU)',
};
const describeTarget = (task) => `${TASKS[task]}; final epoch, as stored by NAS-Bench-Suite-Zero (val_accuracy)`;
const PROXY = {
  synflow: 'SynFlow', epe_nas: 'EPE-NAS', zen: 'Zen-NAS score', fisher: 'Fisher', flops: 'FLOPs (M)', params: 'parameters (M)',
  grasp: 'GraSP', grad_norm: 'gradient norm', l2_norm: 'L2 norm of the weights', plain: 'plain (gradient x weight sum)',
  nwot: 'NASWOT (relu_logdet)', jacov: 'Jacobian covariance (jacob_cov)', snip: 'SNIP',
};


// ---- read the full-space CSV once
const lines = fs.readFileSync(csvPath, 'utf8').split(/\r?\n/).filter((l) => l.length > 0);
const header = splitCsvLine(lines[0]);
for (const h of ['space', 'task', 'arch', 'val_accuracy']) if (!header.includes(h)) throw new Error(`${csvPath}: missing column ${h}`);
const FULL_PROXIES = ['synflow', 'epe_nas', 'zen', 'fisher'].filter((p) => header.includes(p));
const csvRows = lines.slice(1).map((l, i) => {
  const r = splitCsvLine(l);
  if (r.length !== header.length) throw new Error(`${csvPath}:${i + 2}: ${r.length} fields, expected ${header.length}`);
  return Object.fromEntries(header.map((h, j) => [h, r[j]]));
});

function build(which) {
  const S = SPACES[which];
  const rows = csvRows.filter((r) => r.space === S.naslib);
  // ---- architectures
  const keySet = new Set(rows.map((r) => S.key(parseTuple(r.arch))));
  const archs = [...keySet];
  if (which === 'micro') {
    archs.sort((a, b) => S.sortKey(a) - S.sortKey(b));
    archs.forEach((a, i) => { if (S.sortKey(a) !== i) throw new Error(`micro: arch ${a} at index ${i}, expected code ${i}`); });
  } else {
    archs.sort((a, b) => a.length - b.length || (a < b ? -1 : a > b ? 1 : 0));
    // Check the macro space constraint and that the data is exactly the constrained space.
    const ok = (codes) => {
      const down = [...codes].filter((c) => c === '3' || c === '4').length;
      const dbl = [...codes].filter((c) => c === '2' || c === '4').length;
      return codes.length >= 4 && codes.length <= 6 && down >= 1 && down <= 4 && dbl >= 1 && dbl <= 3;
    };
    let enumerated = 0;
    for (let len = 4; len <= 6; len++) for (let k = 0; k < 4 ** len; k++) {
      const codes = k.toString(4).padStart(len, '0').split('').map((d) => String(Number(d) + 1)).join('');
      if (ok(codes)) enumerated++;
    }
    const bad = archs.filter((a) => !ok(a.split('-')[1]));
    if (bad.length) throw new Error(`macro: ${bad.length} archs violate the space constraint, e.g. ${bad[0]}`);
    if (enumerated !== S.expected) throw new Error(`macro: constraint enumerates ${enumerated}, expected ${S.expected}`);
    console.log(`${S.space}: all archs satisfy 4-6 modules, 1-4 downsampling (3,4), 1-3 channel-doubling (2,4); the constraint enumerates ${enumerated}`);
  }
  if (archs.length !== S.expected) throw new Error(`${S.space}: ${archs.length} archs, expected ${S.expected}`);
  const index = new Map(archs.map((a, i) => [a, i]));
  const n = archs.length;

  // ---- full-space columns: targets, then <proxy>_<task>
  const full = {}; // name -> values
  const rawVal = {}; // task -> raw (unrounded) val_accuracy per arch, for the cross-check
  for (const r of rows) {
    if (!S.tasks.includes(r.task)) throw new Error(`${S.space}: unexpected task ${r.task}`);
    const i = index.get(S.key(parseTuple(r.arch)));
    const put = (name, raw) => {
      full[name] ??= new Array(n).fill(null);
      if (full[name][i] !== null) throw new Error(`${S.space}: duplicate row for ${name} ${archs[i]}`);
      full[name][i] = clean(raw);
    };
    const va = parseNum(r.val_accuracy);
    (rawVal[r.task] ??= new Array(n).fill(null))[i] = va;
    put(r.task, va);
    for (const p of FULL_PROXIES) if (r[p] !== '') put(`${p}_${r.task}`, parseNum(r[p]));
  }
  const columns = [];
  const dropped = [];
  const nulled = [];
  const add = (name, kind, description, values) => {
    const finite = values.filter((v) => v !== null);
    if (finite.length < 50) { dropped.push(`${name} (${finite.length} finite values)`); return; }
    if (finite.every((v) => v === finite[0])) { dropped.push(`${name} (constant)`); return; }
    const dup = columns.find((o) => values.every((v, i) => v === null || o.values[i] === v));
    if (dup) { dropped.push(`${name} (= ${dup.name} on its ${finite.length} archs)`); return; }
    columns.push({ name, kind, description, values });
  };
  for (const t of S.tasks) {
    if (!full[t] || full[t].some((v) => v === null)) throw new Error(`${S.space}: target ${t} incomplete`);
    add(t, 'target', describeTarget(t), full[t]);
  }
  for (const p of FULL_PROXIES) for (const t of S.tasks) {
    const name = `${p}_${t}`;
    if (!full[name]) continue;
    const present = rows.filter((r) => r.task === t && r[p] !== '').length;
    const missing = full[name].filter((v) => v === null).length;
    if (missing) nulled.push(`${name}: ${missing} of ${present} (sentinel/NaN)`);
    add(name, 'lf', `${PROXY[p]} (${p}) computed with ${t} inputs/loss, whole space (NAS-Bench-Suite-Zero benchmark run${p === 'epe_nas' ? '; its -1e8 sentinel stored as missing' : ''})`, full[name]);
  }
  const fullLf = columns.filter((c) => c.kind === 'lf').map((c) => c.name);

  // ---- NAS-Bench-Suite-Zero subsets: zc_<task>_<proxy>
  const zcText = fs.readFileSync(zcPath[which], 'utf8').replace(/(?<![\w"])-?(?:NaN|Infinity)(?![\w"])/g, 'null');
  const zc = JSON.parse(zcText);
  const mismatches = [];
  for (const task of Object.keys(zc).sort()) {
    const entries = Object.entries(zc[task]);
    const proxies = [...new Set(entries.flatMap(([, e]) => Object.keys(e).filter((k) => e[k] && typeof e[k] === 'object' && 'score' in e[k])))].sort();
    const cols = Object.fromEntries(proxies.map((p) => [p, new Array(n).fill(null)]));
    let shared = 0, mism = 0, maxDiff = 0, higher = 0;
    for (const [k, e] of entries) {
      const i = index.get(S.key(parseTuple(k)));
      if (i === undefined) throw new Error(`${zcPath[which]}: ${task} arch ${k} not in the space`);
      for (const p of proxies) cols[p][i] = clean(e[p]?.score ?? null);
      if (rawVal[task] && typeof e.val_accuracy === 'number') {
        shared++;
        const d = e.val_accuracy - rawVal[task][i];
        if (d !== 0) { mism++; maxDiff = Math.max(maxDiff, Math.abs(d)); if (d > 0) higher++; }
      }
    }
    if (rawVal[task]) mismatches.push(`${task}: ${mism} of ${shared} differ (max |diff| ${maxDiff.toPrecision(4)}, subset higher in ${higher})`);
    for (const p of proxies) {
      add(`zc_${task}_${p}`, 'lf', `${PROXY[p] ?? p} (${p}) on ${task}, NAS-Bench-Suite-Zero subset: only the ${entries.length} archs of zc_transbench101_${which}.json, missing elsewhere`, cols[p]);
    }
  }

  const defaultExperts = S.experts.filter((name) => columns.some((c) => c.name === name));
  if (defaultExperts.length !== S.experts.length) throw new Error(`default experts missing: ${S.experts.filter((n) => !defaultExperts.includes(n))}`);
  const payload = { format: 'dele-nas/benchmark@1', space: S.space, description: S.description, archs, columns, defaultTarget: S.defaultTarget, defaultExperts };
  const out = path.join(root, 'data', `${S.space}.json.gz`);
  fs.writeFileSync(out, zlib.gzipSync(JSON.stringify(payload), { level: 9 }));
  const targets = columns.filter((c) => c.kind === 'target');
  console.log(`wrote ${out}: ${n} archs, ${columns.length} columns (${targets.length} targets, ${columns.length - targets.length} LF, ${defaultExperts.length} default experts), ${(fs.statSync(out).size / 1e6).toFixed(2)} MB`);
  console.log(`  dropped: ${dropped.join(', ') || 'none'}`);
  console.log(`  missing (sentinel) values in full-space LF: ${nulled.join('; ') || 'none'}`);
  console.log(`  val_accuracy, subset JSON vs full-space CSV: ${mismatches.join('; ')}`);
  if (withTau) {
    console.log(`  Kendall tau-b, full-space LF vs target (pairs where both present):`);
    console.log(`  ${'column'.padEnd(26)}${targets.map((t) => t.name.padStart(16)).join('')}`);
    for (const name of fullLf.filter((n) => columns.some((c) => c.name === n))) {
      const lf = columns.find((c) => c.name === name).values;
      console.log(`  ${name.padEnd(26)}${targets.map((t) => kendallTauB(lf, t.values).toFixed(3).padStart(16)).join('')}`);
    }
  }
}

build('micro');
build('macro');
