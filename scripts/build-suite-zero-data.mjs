#!/usr/bin/env node
// Builds data/nb301.json.gz (DARTS / NAS-Bench-301) and data/nb101.json.gz (NAS-Bench-101) from the
// NAS-Bench-Suite-Zero subsets committed to NASLib's history (zc_nasbench301.json, zc_nasbench101.json), and checks
// whether the NAS-Bench-360 task runs in 9x_all.zip share architectures with them (see DATA.md).
// Usage: node scripts/build-suite-zero-data.mjs [raw folder] [--no-tau]
// The raw folder (default ../shared/data/raw/nas-bench-suite-zero-naslib relative to the repository root) must hold
// zc_nasbench301.json, zc_nasbench101.json and 9x_all.zip. Node built-ins only.
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { fileURLToPath } from 'node:url';
import { kendallTauB } from './lib/tau.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2).filter((a) => !a.startsWith('--'));
const withTau = !process.argv.includes('--no-tau');
const rawDir = args[0] ?? path.resolve(root, '../shared/data/raw/nas-bench-suite-zero-naslib');
const FILES = {
  nb301: path.join(rawDir, 'zc_nasbench301.json'),
  nb101: path.join(rawDir, 'zc_nasbench101.json'),
  x9: path.join(rawDir, '9x_all.zip'),
};

// Raw value -> number or null. Sentinels: NASLib's -1e8 for NaN/inf (any |v| >= 1e8), NaN, +-inf. 6 significant digits.
const clean = (v) => (typeof v === 'number' && Number.isFinite(v) && Math.abs(v) < 1e8 ? Number(v.toPrecision(6)) : null);
// Python's json.dump writes NaN / Infinity; make them null before JSON.parse (none are in the current files).
const readJson = (text) => JSON.parse(text.replace(/(?<![\w"])-?(?:NaN|Infinity)(?![\w"])/g, 'null'));

// ---- minimal zip reader (central directory + stored/deflate entries)
function readZip(file) {
  const buf = fs.readFileSync(file);
  let eocd = -1;
  for (let i = buf.length - 22; i >= Math.max(0, buf.length - 22 - 0xffff); i--) {
    if (buf.readUInt32LE(i) === 0x06054b50) { eocd = i; break; }
  }
  if (eocd < 0) throw new Error(`${file}: no end-of-central-directory record`);
  const count = buf.readUInt16LE(eocd + 10);
  let p = buf.readUInt32LE(eocd + 16);
  const entries = new Map();
  for (let k = 0; k < count; k++) {
    if (buf.readUInt32LE(p) !== 0x02014b50) throw new Error(`${file}: bad central directory entry ${k}`);
    const method = buf.readUInt16LE(p + 10);
    const compSize = buf.readUInt32LE(p + 20);
    const size = buf.readUInt32LE(p + 24);
    const nameLen = buf.readUInt16LE(p + 28);
    const extraLen = buf.readUInt16LE(p + 30);
    const commentLen = buf.readUInt16LE(p + 32);
    const local = buf.readUInt32LE(p + 42);
    const name = buf.toString('utf8', p + 46, p + 46 + nameLen);
    entries.set(name, { method, compSize, size, local });
    p += 46 + nameLen + extraLen + commentLen;
  }
  const read = (name) => {
    const e = entries.get(name);
    if (!e) throw new Error(`${file}: no entry ${name}`);
    if (buf.readUInt32LE(e.local) !== 0x04034b50) throw new Error(`${file}: bad local header for ${name}`);
    const start = e.local + 30 + buf.readUInt16LE(e.local + 26) + buf.readUInt16LE(e.local + 28);
    const data = buf.subarray(start, start + e.compSize);
    const out = e.method === 0 ? data : e.method === 8 ? zlib.inflateRawSync(data) : null;
    if (!out) throw new Error(`${file}: ${name}: compression method ${e.method} not supported`);
    if (out.length !== e.size) throw new Error(`${file}: ${name}: ${out.length} bytes, expected ${e.size}`);
    return out.toString('utf8');
  };
  return { names: [...entries.keys()], read };
}


const PROXY = {
  flops: 'FLOPs (M, one 32x32 image)', params: 'parameters (M)', synflow: 'SynFlow, ln(score)', nwot: 'NASWOT (relu_logdet)',
  jacov: 'Jacobian covariance (jacob_cov)', snip: 'SNIP', grad_norm: 'gradient norm', fisher: 'Fisher', grasp: 'GraSP',
  plain: 'plain (gradient x weight sum)', l2_norm: 'L2 norm of the weights at init', epe_nas: 'EPE-NAS', zen: 'Zen-NAS score',
};
// Proxies that need no data batch (flops, params, l2_norm: closed form; synflow, zen: constant / random input).
const DATA_FREE = new Set(['flops', 'params', 'l2_norm', 'synflow', 'zen']);
const PROXY_ORDER = ['flops', 'params', 'synflow', 'nwot', 'jacov', 'snip', 'grad_norm', 'fisher', 'grasp', 'plain', 'l2_norm', 'epe_nas', 'zen'];

// Columns: the target, then one LF column per proxy present. Default experts: LF columns with < 20% missing, non-constant.
function finish(S, archs, target, proxyValues, proxySource) {
  const n = archs.length;
  const columns = [{ name: 'val_acc', kind: 'target', description: S.targetDescription, values: target }];
  if (target.some((v) => v === null)) throw new Error(`${S.space}: target has missing values`);
  const missingProxies = PROXY_ORDER.filter((p) => !proxyValues[p]);
  for (const p of PROXY_ORDER) {
    if (!proxyValues[p]) continue;
    const input = DATA_FREE.has(p) ? 'data-free, computed from the network alone' : 'one CIFAR-10 training minibatch per arch';
    columns.push({ name: p, kind: 'lf', description: `${PROXY[p]} (${p}): ${proxySource} (${input})`, values: proxyValues[p] });
  }
  const extra = Object.keys(proxyValues).filter((p) => !PROXY_ORDER.includes(p));
  if (extra.length) throw new Error(`${S.space}: unexpected proxies ${extra}`);
  const stats = columns.map((c) => {
    const finite = c.values.filter((v) => v !== null);
    return { name: c.name, kind: c.kind, missing: n - finite.length, constant: finite.every((v) => v === finite[0]) };
  });
  const defaultExperts = stats.filter((s) => s.kind === 'lf' && s.missing < 0.2 * n && !s.constant).map((s) => s.name);
  const payload = { format: 'dele-nas/benchmark@1', space: S.space, description: S.description, archs, columns, defaultTarget: 'val_acc', defaultExperts };
  const out = path.join(root, 'data', `${S.space}.json.gz`);
  fs.writeFileSync(out, zlib.gzipSync(JSON.stringify(payload), { level: 9 }));
  console.log(`wrote ${path.relative(root, out)}: ${n} archs, ${columns.length} columns (1 target, ${columns.length - 1} LF, ${defaultExperts.length} default experts), ${fs.statSync(out).size} bytes`);
  console.log(`  proxies not in the source: ${missingProxies.join(', ') || 'none'}`);
  console.log(`  missing per column: ${stats.map((s) => `${s.name} ${s.missing}${s.constant ? ' (constant)' : ''}`).join(', ')}`);
  console.log(`  default experts: ${defaultExperts.join(', ')}`);
  const t = target.filter((v) => v !== null);
  console.log(`  val_acc range ${Math.min(...t)} .. ${Math.max(...t)}`);
  if (withTau) {
    const taus = columns.filter((c) => c.kind === 'lf').map((c) => [c.name, kendallTauB(c.values, target)]);
    taus.sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1));
    console.log(`  Kendall tau-b vs val_acc (sorted): ${taus.map(([k, v]) => `${k} ${v.toFixed(3)}`).join(', ')}`);
  }
}

// ---------------------------------------------------------------- NAS-Bench-301 (DARTS)
const NB301_OPS = ['max_pool_3x3', 'avg_pool_3x3', 'skip_connect', 'sep_conv_3x3', 'sep_conv_5x5', 'dil_conv_3x3', 'dil_conv_5x5'];
// NASLib compact form: [[(in, op) x 8], [(in, op) x 8]] (normal, reduce), Python literal text.
const nb301Text = (cells) => `[${cells.map((c) => `[${c.map(([a, b]) => `(${a}, ${b})`).join(', ')}]`).join(', ')}]`;
function parseNb301(s) {
  // Accepts list or tuple brackets (the 9x files use tuples); returns [[[in, op] x 8] x 2].
  const pairs = [...s.matchAll(/\((\d+),\s*(\d+)\)/g)].map((m) => [Number(m[1]), Number(m[2])]);
  if (pairs.length !== 16) throw new Error(`nb301: ${pairs.length} (in, op) pairs in ${s}`);
  const cells = [pairs.slice(0, 8), pairs.slice(8)];
  for (const cell of cells) {
    cell.forEach(([inNode, op], e) => {
      const node = Math.floor(e / 2) + 2; // pairs 2k, 2k+1 feed intermediate node k+2
      if (!Number.isInteger(op) || op < 0 || op >= NB301_OPS.length) throw new Error(`nb301: op ${op} out of range in ${s}`);
      if (!(inNode >= 0 && inNode < node)) throw new Error(`nb301: node ${node} reads from node ${inNode} in ${s}`);
    });
  }
  return cells;
}
// Same genotype up to the order of each node's two inputs.
const nb301Canon = (cells) => JSON.stringify(cells.map((c) => [0, 1, 2, 3].map((k) => [c[2 * k], c[2 * k + 1]].map(String).sort())));

function buildNb301() {
  const S = {
    space: 'nb301',
    description: 'NAS-Bench-301 (DARTS space, CIFAR-10): the 725 architectures of NAS-Bench-Suite-Zero\'s committed subset (zc_nasbench301.json), in NASLib idx order. Arch: NASLib compact form [[(in_node, op) x 8 normal], [(in_node, op) x 8 reduce]], pairs 2k, 2k+1 feed node k+2 (inputs 0, 1 = previous cells), ops 0 max_pool_3x3, 1 avg_pool_3x3, 2 skip_connect, 3 sep_conv_3x3, 4 sep_conv_5x5, 5 dil_conv_3x3, 6 dil_conv_5x5. Target: surrogate-predicted accuracy. See DATA.md.',
    targetDescription: 'NAS-Bench-301 surrogate-predicted validation accuracy on CIFAR-10 (%): the NB301 surrogate model\'s prediction for the genotype, not a training run; as used by NAS-Bench-Suite-Zero (val_accuracy of zc_nasbench301.json)',
  };
  const data = readJson(fs.readFileSync(FILES.nb301, 'utf8'));
  if (Object.keys(data).join() !== 'cifar10') throw new Error(`nb301: expected only cifar10, got ${Object.keys(data)}`);
  const rows = Object.entries(data.cifar10).map(([key, e]) => {
    if (e.arch !== undefined && e.arch !== key) throw new Error(`nb301: arch field ${e.arch} differs from key ${key}`);
    const cells = parseNb301(key);
    if (nb301Text(cells) !== key) throw new Error(`nb301: key is not in canonical text form: ${key}`);
    return { key, cells, idx: Number(e.idx), e };
  });
  rows.sort((a, b) => a.idx - b.idx);
  rows.forEach((r, i) => { if (r.idx !== i) throw new Error(`nb301: idx ${r.idx} at position ${i} (expected 0..${rows.length - 1})`); });
  const keys = new Set(rows.map((r) => r.key));
  if (keys.size !== rows.length) throw new Error('nb301: duplicate keys');
  const canon = new Map(rows.map((r) => [nb301Canon(r.cells), r.key]));
  let sameInput = 0, sameInputNodes = 0;
  for (const r of rows) {
    let k = 0;
    for (const c of r.cells) for (let j = 0; j < 4; j++) if (c[2 * j][0] === c[2 * j + 1][0]) k++;
    if (k) sameInput++;
    sameInputNodes += k;
  }
  console.log(`nb301: ${rows.length} archs, all valid (8 (in_node, op) pairs per cell, in_node < k+2, op 0..6); idx 0..${rows.length - 1}`);
  console.log(`  ${sameInput} archs have a node whose two inputs are the same node (${sameInputNodes} such nodes in all); kept`);
  console.log(`  duplicates up to the order of a node's two inputs: ${rows.length - canon.size}`);

  const n = rows.length;
  const proxies = [...new Set(rows.flatMap((r) => Object.keys(r.e).filter((k) => r.e[k] && typeof r.e[k] === 'object' && 'score' in r.e[k])))];
  const proxyValues = {};
  for (const p of proxies) proxyValues[p] = rows.map((r) => clean(r.e[p]?.score ?? null));
  const target = rows.map((r) => clean(r.e.val_accuracy));
  finish(S, rows.map((r) => r.key), target, proxyValues,
    'NAS-Bench-Suite-Zero value for the CIFAR-10 network, committed subset zc_nasbench301.json');

  // ---- NAS-Bench-360 tasks (9x_all.zip): do their NB301 archs overlap the 725?
  const zip = readZip(FILES.x9);
  const spaces = [...new Set(zip.names.map((nm) => nm.match(/benchmark--([^-]+)--/)?.[1]).filter(Boolean))].sort();
  console.log(`  9x_all.zip spaces: ${spaces.join(', ')}`);
  const byTask = {};
  for (const name of zip.names.filter((nm) => /--nasbench301--/.test(nm)).sort()) {
    const task = name.match(/--nasbench301--([^-]+)--/)[1];
    const list = readJson(zip.read(name));
    const ks = list.map((x) => nb301Text(parseNb301(x.arch)));
    (byTask[task] ??= new Set());
    for (const k of ks) byTask[task].add(k);
  }
  const all = new Set(Object.values(byTask).flatMap((s) => [...s]));
  for (const [task, set] of Object.entries(byTask)) {
    const exact = [...set].filter((k) => keys.has(k)).length;
    const upToOrder = [...set].filter((k) => canon.has(nb301Canon(parseNb301(k)))).length;
    console.log(`  9x ${task}: ${set.size} distinct archs, ${exact} in the 725 (${upToOrder} up to input order)`);
  }
  console.log(`  9x: ${all.size} distinct NB301 archs over all proxies and tasks`);
}

// ---------------------------------------------------------------- NAS-Bench-101
const NB101_OPS = ['input', 'output', 'maxpool3x3', 'conv1x1-bn-relu', 'conv3x3-bn-relu'];
// NAS-Bench-101's ModelSpec pruning: keep the vertices on a path input -> output, drop the rest with their edges.
function pruneNb101(matrix, ops) {
  const V = ops.length;
  const fromIn = new Set([0]);
  for (let i = 0; i < V; i++) if (fromIn.has(i)) for (let j = i + 1; j < V; j++) if (matrix[i][j]) fromIn.add(j);
  const toOut = new Set([V - 1]);
  for (let j = V - 1; j >= 0; j--) if (toOut.has(j)) for (let i = 0; i < j; i++) if (matrix[i][j]) toOut.add(i);
  const keep = [...Array(V).keys()].filter((v) => fromIn.has(v) && toOut.has(v));
  if (!keep.includes(0) || !keep.includes(V - 1)) return null; // input not connected to output: invalid spec
  return { matrix: keep.map((i) => keep.map((j) => matrix[i][j])), ops: keep.map((v) => ops[v]) };
}
const nb101Text = ({ matrix, ops }) =>
  `ModelSpec(matrix=[${matrix.map((r) => `[${r.join(', ')}]`).join(', ')}], ops=[${ops.map((o) => `'${o}'`).join(', ')}])`;
// Canonical form up to isomorphism: input first, output last, every order of the inner vertices; smallest text.
function permutations(a) {
  if (a.length <= 1) return [a];
  return a.flatMap((x, i) => permutations([...a.slice(0, i), ...a.slice(i + 1)]).map((p) => [x, ...p]));
}
function nb101Canon({ matrix, ops }) {
  const V = ops.length;
  const inner = [...Array(V).keys()].slice(1, V - 1);
  let best = null;
  for (const p of permutations(inner)) {
    const order = [0, ...p, V - 1];
    const s = `${order.map((v) => ops[v]).join(',')}|${order.map((i) => order.map((j) => matrix[i][j]).join('')).join('/')}`;
    if (best === null || s < best) best = s;
  }
  return best;
}

function buildNb101() {
  const data = readJson(fs.readFileSync(FILES.nb101, 'utf8'));
  const entries = Object.entries(data?.nasbench101?.cifar10 ?? {});
  if (Object.keys(data).join() !== 'nasbench101' || Object.keys(data.nasbench101).join() !== 'cifar10') throw new Error('nb101: unexpected layout');
  let zeroRowCol = 0, extraneous = 0, rawEdgesOver9 = 0;
  const groups = new Map(); // canonical form -> { spec, entries: [] }
  const textForms = new Set();
  for (const [key, e] of entries) {
    const t = key.match(/^\(([\d,\s]+)\)$/)?.[1].split(',').map((x) => Number(x.trim()));
    if (!t || t.length !== 56 || t.some((x) => !Number.isInteger(x))) throw new Error(`nb101: bad key ${key}`);
    const matrix = [...Array(7).keys()].map((i) => t.slice(7 * i, 7 * i + 7));
    const codes = t.slice(49);
    if (codes[0] !== 0 || codes[6] !== 1 || codes.slice(1, 6).some((c) => c < 2 || c > 4)) throw new Error(`nb101: bad op codes (${codes}) in ${key}`);
    if (matrix.some((r, i) => r.some((x, j) => (x !== 0 && x !== 1) || (x === 1 && j <= i)))) throw new Error(`nb101: matrix not 0/1 strictly upper triangular: ${key}`);
    const ops = codes.map((c) => NB101_OPS[c]);
    // Inner vertices with an all-zero row or column (what padding of a smaller spec would look like).
    if ([1, 2, 3, 4, 5].some((v) => matrix[v].every((x) => x === 0) || matrix.every((r) => r[v] === 0))) zeroRowCol++;
    if (t.slice(0, 49).reduce((a, b) => a + b, 0) > 9) rawEdgesOver9++;
    const spec = pruneNb101(matrix, ops);
    if (!spec) throw new Error(`nb101: input not connected to output: ${key}`);
    if (spec.ops.length < 7) extraneous++;
    const edges = spec.matrix.flat().reduce((a, b) => a + b, 0);
    if (edges > 9 || spec.ops[0] !== 'input' || spec.ops[spec.ops.length - 1] !== 'output' || spec.ops.slice(1, -1).some((o) => o === 'input' || o === 'output')) {
      throw new Error(`nb101: pruned spec invalid (${edges} edges): ${nb101Text(spec)}`);
    }
    textForms.add(nb101Text(spec));
    const c = nb101Canon(spec);
    if (!groups.has(c)) groups.set(c, { spec, entries: [], texts: new Set() });
    groups.get(c).entries.push(e);
    groups.get(c).texts.add(nb101Text(spec));
  }
  const vertexDist = {};
  const vertexDistUnique = {};
  for (const g of groups.values()) {
    vertexDistUnique[g.spec.ops.length] = (vertexDistUnique[g.spec.ops.length] ?? 0) + 1;
    vertexDist[g.spec.ops.length] = (vertexDist[g.spec.ops.length] ?? 0) + g.entries.length;
  }
  const dupRows = [...groups.values()].filter((g) => g.entries.length > 1);
  const biggest = [...groups.values()].sort((a, b) => b.entries.length - a.entries.length)[0];
  console.log(`nb101: ${entries.length} keys, all with 7 op codes (input first, output last) and a strictly upper-triangular 0/1 7x7 matrix`);
  console.log(`  keys are NASLib's unpruned random samples: ${zeroRowCol} have an inner vertex with an all-zero row or column, ${extraneous} have vertices off every input->output path, ${rawEdgesOver9} have > 9 edges before pruning`);
  console.log(`  after NAS-Bench-101's pruning: all valid (upper triangular, input first, output last, <= 9 edges); vertex counts over the ${entries.length} keys: ${JSON.stringify(vertexDist)}`);
  console.log(`  distinct pruned specs: ${textForms.size} as text, ${groups.size} up to isomorphism; ${dupRows.length} specs occur more than once (${entries.length - groups.size} extra keys; largest: ${biggest.entries.length}x ${nb101Text(biggest.spec)})`);
  console.log(`  vertex counts over the ${groups.size} distinct archs: ${JSON.stringify(vertexDistUnique)}`);
  // Flops and params are analytic: equal within every duplicate group if the network was built from the pruned spec.
  const isoGroups = dupRows.filter((g) => g.texts.size > 1);
  console.log(`  ${isoGroups.length} groups join differently numbered (isomorphic) specs`);
  for (const p of ['flops', 'params']) {
    const bad = dupRows.filter((g) => new Set(g.entries.map((x) => x[p])).size > 1);
    const rel = Math.max(0, ...bad.map((g) => { const v = g.entries.map((x) => x[p]); return (Math.max(...v) - Math.min(...v)) / Math.min(...v); }));
    console.log(`  ${p} differs within ${bad.length} of ${dupRows.length} duplicate groups (${bad.filter((g) => g.texts.size > 1).length} of them isomorphic joins; max relative spread ${(100 * rel).toFixed(2)}%)`);
  }
  const nVals = dupRows.map((g) => new Set(g.entries.map((x) => x.val_accuracy)).size);
  console.log(`  distinct val_accuracy values within duplicate groups: max ${Math.max(...nVals)} (NB101 has 3 runs per cell at 108 epochs; a query returns one at random)`);

  const S = {
    space: 'nb101',
    description: `NAS-Bench-101 (CIFAR-10): the ${groups.size} distinct cells among the 500 keys of NAS-Bench-Suite-Zero's committed subset (zc_nasbench101.json), in order of first occurrence. Arch: NAS-Bench-101 ModelSpec text, pruned as NAS-Bench-101 does (only vertices on an input->output path; 2-7 vertices, <= 9 edges). Values of cells sampled more than once are means over the samples. See DATA.md.`,
    targetDescription: 'NAS-Bench-101 validation accuracy on CIFAR-10 (%, 108 epochs), as used by NAS-Bench-Suite-Zero (val_accuracy of zc_nasbench101.json: NASLib returns one of NB101\'s 3 training runs at random per query, x100); for cells sampled more than once, the mean of the draws',
  };
  const list = [...groups.values()];
  const mean = (xs) => {
    const v = xs.map(clean).filter((x) => x !== null);
    return v.length ? clean(v.reduce((a, b) => a + b, 0) / v.length) : null;
  };
  const proxies = [...new Set(entries.flatMap(([, e]) => Object.keys(e)))].filter((k) => k !== 'val_accuracy');
  const proxyValues = {};
  for (const p of proxies) proxyValues[p] = list.map((g) => mean(g.entries.map((x) => (typeof x[p] === 'number' ? x[p] : x[p]?.score ?? null))));
  const target = list.map((g) => mean(g.entries.map((x) => x.val_accuracy)));
  finish(S, list.map((g) => nb101Text(g.spec)), target, proxyValues,
    'NAS-Bench-Suite-Zero value for the CIFAR-10 network, committed subset zc_nasbench101.json, mean over duplicate samples of a cell');
  const zip = readZip(FILES.x9);
  const has101 = zip.names.filter((nm) => /nasbench101/.test(nm)).length;
  console.log(`  9x_all.zip files for nasbench101: ${has101}`);
}

buildNb301();
buildNb101();
