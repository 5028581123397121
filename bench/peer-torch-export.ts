/**
 * Writes the NB201 data for the PyTorch yardstick (../shared/docs/peer-torch/dele_torch.py): op codes, the
 * train / held-out split of dele-nas (split seed 0), DELE's 12 LF columns (the `paper` set) and every column.
 * Run: node --import tsx bench/peer-torch-export.ts OUT.json (bench/peer-torch.sh does).
 */
import * as fs from 'node:fs';
import { loadBundledNb201, splitDataset } from '../src/data/dataset';
import { PAPER_NB201_EXPERTS } from '../src/space/nb201/benchmark';

const out = process.argv[2];
if (!out) throw new Error('usage: peer-torch-export.ts OUT.json');
const ds = loadBundledNb201();
const split = splitDataset(ds.archs.length, 0);
fs.writeFileSync(
  out,
  JSON.stringify({
    codes: ds.archs.map((a) => (Array.isArray(a) ? a.join('') : String(a))),
    train: split.train,
    valid: split.heldOut,
    experts: PAPER_NB201_EXPERTS,
    columns: Object.fromEntries(ds.columns.map((c) => [c.name, Array.from(c.values, (v) => (Number.isFinite(v) ? v : null))])),
    archs: ds.archs.length,
    fingerprint: ds.fingerprint,
  }),
);
