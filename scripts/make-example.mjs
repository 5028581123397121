#!/usr/bin/env node
// Builds examples/sequence-space/cells.csv from the bundled TransNAS-Bench-101 micro table: every cell written
// as a sequence of 6 op names (the declared space examples/sequence-space/cells.space.yaml), its class_scene
// score as `acc`, and three LF columns: params and flops (NAS-Bench-Suite-Zero, 711 cells; empty elsewhere)
// and synflow (all cells). Real data in a user's format, for the README walk-through of a declared space.
// Usage: node scripts/make-example.mjs
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const data = JSON.parse(zlib.gunzipSync(fs.readFileSync(path.join(root, 'data/tnb101-micro.json.gz'))).toString('utf8'));
const col = (name) => {
  const c = data.columns.find((x) => x.name === name);
  if (!c) throw new Error(`no column ${name}`);
  return c.values;
};
const NAMES = ['none', 'skip', 'conv1x1', 'conv3x3'];
const acc = col('class_scene');
const params = col('zc_class_scene_params');
const flops = col('zc_class_scene_flops');
const synflow = col('synflow_class_scene');
const cell = (v) => (v === null || v === undefined ? '' : String(v));
const rows = ['arch,acc,params,flops,synflow'];
data.archs.forEach((key, i) => {
  const digits = key.slice('64-41414-'.length).replace(/_/g, '');
  rows.push([[...digits].map((d) => NAMES[Number(d)]).join('-'), cell(acc[i]), cell(params[i]), cell(flops[i]), cell(synflow[i])].join(','));
});
const out = path.join(root, 'examples/sequence-space/cells.csv');
fs.writeFileSync(out, `${rows.join('\n')}\n`);
console.log(`wrote ${out}: ${rows.length - 1} rows`);

// The same cells with ground truth only (arch,acc): what a practitioner without any LF table has. DELE trains on it
// with structural experts, or with the cost tables of cells-costs.space.yaml (README, "Your own search space").
const bare = rows.map((r) => r.split(',').slice(0, 2).join(','));
const outBare = path.join(root, 'examples/sequence-space/cells-acc.csv');
fs.writeFileSync(outBare, `${bare.join('\n')}\n`);
console.log(`wrote ${outBare}: ${bare.length - 1} rows`);
