/**
 * The GRAF + LF-columns XGBoost peer of every results table (issue #20 part 7): GRAF-style structural measures
 * (src/space/structural.ts, all of them, unselected: GRAF's recipe) plus the table's LF columns, one XGBoost
 * regressor per labelled subset (bench/peer_graf_xgb.py, Debian's python3-xgboost), on the same split and the same
 * labelled subsets as the table's DELE rows (the project's own subset functions), scored on the held-out split with
 * the project's Kendall's tau (tau-b). Run:
 *   npm run bench:peer -- --table nb201|nb201-ablation|nb201-small|tnb101-micro-class_scene|tnb101-micro-class_object|
 *                                 tnb101-macro-class_object|tnb101-macro-class_scene|nb301|nb101 [--threads N] [--python PATH] [--out FILE]
 * --out defaults to bench-results/peer-graf-<table>.txt. Figures only; the export is unit-tested (test/unit/peer.test.ts).
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { benchCommit } from './provenance';
import { column, type Dataset, lfNames, loadBundled, splitDataset } from '../src/data/dataset';
import { carveValidation, labelledSubset, VALIDATION_SEED } from '../src/experiment/ablation';
import { benchLabelledArchs, ratioForCount } from '../src/experiment/bench';
import { kendallTau, meanStd } from '../src/predictor/metrics';
import { structuralMeasures } from '../src/space/structural';

/** How a table's labelled subsets are drawn: as `dele bench` (first N, or a seeded shuffle) or the ablation protocol. */
type Protocol = { kind: 'bench'; subsetSeeds: boolean } | { kind: 'ablation'; validation: number };

export interface PeerTable {
  id: string;
  /** The docs/benchmarks.md table the rows belong to. */
  title: string;
  space: string;
  target: string;
  protocol: Protocol;
  /** Shares of the training split (ratios) or numbers of labelled archs (counts). */
  sizes: { ratios: number[] } | { counts: number[] };
  seeds: number;
}

const SEEDS_3 = 3;
const SEEDS_5 = 5;
const FIRST_N: Protocol = { kind: 'bench', subsetSeeds: false };
const SEEDED: Protocol = { kind: 'bench', subsetSeeds: true };
const tnb = (space: 'micro' | 'macro', target: string): PeerTable => ({
  id: `tnb101-${space}-${target}`,
  title: `Results on TransNAS-Bench-101, ${space} · ${target}`,
  space: `tnb101-${space}`,
  target,
  protocol: FIRST_N,
  sizes: { ratios: [0.01, 0.05, 0.1] },
  seeds: SEEDS_3,
});

export const PEER_TABLES: readonly PeerTable[] = [
  { id: 'nb201', title: 'Results on NAS-Bench-201 (first N of the training split, seeds 0-2)', space: 'nb201', target: 'c10_test_200ep', protocol: FIRST_N, sizes: { ratios: [0.01, 0.05, 0.1] }, seeds: SEEDS_3 },
  { id: 'nb201-ablation', title: 'Accuracy beyond the paper (validation carve of 2,000; subset i drawn from the other 5,813)', space: 'nb201', target: 'c10_test_200ep', protocol: { kind: 'ablation', validation: 2000 }, sizes: { ratios: [0.01, 0.05] }, seeds: SEEDS_5 },
  { id: 'nb201-small', title: 'NAS-Bench-201 at 8 and 40 labels (subset seeds 0-4)', space: 'nb201', target: 'c10_test_200ep', protocol: SEEDED, sizes: { counts: [8, 40] }, seeds: SEEDS_5 },
  tnb('micro', 'class_scene'),
  tnb('micro', 'class_object'),
  tnb('macro', 'class_object'),
  tnb('macro', 'class_scene'),
  { id: 'nb301', title: 'Results on NAS-Bench-301 (subset seeds 0-4)', space: 'nb301', target: 'val_acc', protocol: SEEDED, sizes: { counts: [10, 25, 50] }, seeds: SEEDS_5 },
  { id: 'nb101', title: 'Results on NAS-Bench-101 (subset seeds 0-4)', space: 'nb101', target: 'val_acc', protocol: SEEDED, sizes: { counts: [10, 25, 50, 72] }, seeds: SEEDS_5 },
];

/**
 * The LF columns the peer reads: on NB201 every LF column except the 12-epoch accuracies scored on test sets (a short
 * run on the very test images of the target; the ablation's rule), elsewhere every LF column of the data.
 */
export function peerLfColumns(ds: Dataset): string[] {
  const all = lfNames(ds);
  return ds.space.id === 'nb201' ? all.filter((n) => !/_test_12ep$/.test(n)) : all;
}

export interface PeerFeatures {
  names: string[];
  structural: number;
  /** Row-major archs x names; NaN where an LF value is missing. */
  values: Float64Array;
}

/** Every structural measure of the space (unselected) and then the LF columns, per arch. */
export function peerFeatures(ds: Dataset, lfColumns: readonly string[]): PeerFeatures {
  const measures = structuralMeasures(ds.space, ds.space.opNames);
  const lf = lfColumns.map((n) => column(ds, n).values);
  const d = measures.length + lf.length;
  const values = new Float64Array(ds.archs.length * d);
  ds.features.forEach((f, i) => {
    measures.forEach((m, j) => {
      values[i * d + j] = m.value(f);
    });
    lf.forEach((v, j) => {
      const x = v[i]!;
      values[i * d + measures.length + j] = Number.isFinite(x) ? x : NaN;
    });
  });
  return { names: [...measures.map((m) => m.name), ...lfColumns], structural: measures.length, values };
}

export interface PeerSubset {
  /** The table's column: "1% (78)" or "40". */
  size: string;
  seed: number;
  labelled: number[];
}

const sizeLabel = (ratio: number, labelled: number): string => `${Number((ratio * 100).toFixed(2))}% (${labelled})`;

/** The held-out split and the labelled subsets of the table's DELE rows, drawn with the functions those rows used. */
export function peerSubsets(ds: Dataset, table: PeerTable): { heldOut: number[]; subsets: PeerSubset[] } {
  const truth = column(ds, table.target).values;
  const subsets: PeerSubset[] = [];
  if (table.protocol.kind === 'ablation') {
    if (!('ratios' in table.sizes)) throw new Error(`${table.id}: the ablation protocol takes ratios`);
    const s = carveValidation(ds.archs.length, table.protocol.validation);
    for (const ratio of table.sizes.ratios) {
      for (let seed = 0; seed < table.seeds; seed++) {
        const labelled = labelledSubset(s, ratio, seed).filter((i) => Number.isFinite(truth[i]));
        subsets.push({ size: sizeLabel(ratio, labelled.length), seed, labelled });
      }
    }
    return { heldOut: s.heldOut, subsets };
  }
  const split = splitDataset(ds.archs.length, 0);
  const sizes = 'ratios' in table.sizes ? table.sizes.ratios.map((r) => ({ ratio: r, count: undefined })) : table.sizes.counts.map((c) => ({ ratio: ratioForCount(c, split.train.length), count: c }));
  for (const { ratio, count } of sizes) {
    for (let seed = 0; seed < table.seeds; seed++) {
      const labelled = benchLabelledArchs(split.train, ratio, table.protocol.subsetSeeds ? seed : undefined, truth);
      subsets.push({ size: count === undefined ? sizeLabel(ratio, labelled.length) : String(count), seed, labelled });
    }
  }
  return { heldOut: split.heldOut, subsets };
}

/** What the Python side reads (bench/peer_graf_xgb.py): task.json, features.f64, target.f64. */
export function writePeerTask(dir: string, features: PeerFeatures, truth: ArrayLike<number>, heldOut: number[], subsets: PeerSubset[]): void {
  const rows = truth.length;
  fs.writeFileSync(path.join(dir, 'task.json'), JSON.stringify({ rows, cols: features.names.length, heldOut, subsets: subsets.map((s) => ({ seed: s.seed, labelled: s.labelled })) }));
  fs.writeFileSync(path.join(dir, 'features.f64'), Buffer.from(features.values.buffer, features.values.byteOffset, features.values.byteLength));
  const t = Float64Array.from({ length: rows }, (_, i) => truth[i]!);
  fs.writeFileSync(path.join(dir, 'target.f64'), Buffer.from(t.buffer));
}

const arg = (name: string, dflt: string): string => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? (process.argv[i + 1] as string) : dflt;
};

function runTable(table: PeerTable): string {
  const commit = benchCommit();
  const threads = Number(arg('threads', '1'));
  const python = arg('python', '/usr/bin/python3');
  const ds = loadBundled(table.space);
  const truth = column(ds, table.target).values;
  const lf = peerLfColumns(ds);
  const features = peerFeatures(ds, lf);
  const { heldOut, subsets } = peerSubsets(ds, table);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dele-peer-'));
  const t0 = Date.now();
  try {
    writePeerTask(dir, features, truth, heldOut, subsets);
    execFileSync(python, [path.join(__dirname, 'peer_graf_xgb.py'), dir, '--threads', String(threads)], { stdio: ['ignore', 'inherit', 'inherit'] });
    const raw = fs.readFileSync(path.join(dir, 'predictions.f64'));
    const predictions = new Float64Array(raw.buffer, raw.byteOffset, raw.byteLength / 8);
    const model = JSON.parse(fs.readFileSync(path.join(dir, 'model.json'), 'utf8')) as { xgboost: string; numpy: string; settings: Record<string, unknown>; sameAs: Record<string, number> };
    const heldOutTruth = heldOut.map((i) => truth[i]!);
    const taus = subsets.map((_, k) => kendallTau(predictions.subarray(k * heldOut.length, (k + 1) * heldOut.length), heldOutTruth));
    const protocol =
      table.protocol.kind === 'ablation'
        ? `ablation protocol: validation carve of ${table.protocol.validation} (seed 0x${VALIDATION_SEED.toString(16)}, never labelled), seed i labels labelledSubset(carve, ratio, i)`
        : table.protocol.subsetSeeds
          ? 'dele bench --subset-seeds: seed i labels groundTruthSubset(train, ratio, i)'
          : 'dele bench: the first N of the training split for every seed (seeds vary the XGBoost seed only)';
    const lines = [
      `GRAF + LF columns with XGBoost, peer of: ${table.title}`,
      `command: npm run bench:peer -- ${process.argv.slice(2).join(' ')}`.trimEnd(),
      `commit ${commit}, node ${process.version}, xgboost ${model.xgboost}, numpy ${model.numpy}, ${threads} thread(s); ${new Date().toISOString()}; ${((Date.now() - t0) / 60000).toFixed(1)} min`,
      `space ${ds.space.id} (bundled data, fingerprint ${ds.fingerprint}), target ${table.target}; split seed 0: ${ds.archs.length - heldOut.length} train / ${heldOut.length} held-out archs`,
      `labelled subsets: ${protocol}; seeds 0-${table.seeds - 1} (XGBoost random_state = seed)`,
      `features (${features.names.length}): ${features.structural} structural measures (src/space/structural.ts structuralMeasures, all of them) + ${lf.length} LF columns: ${lf.join(', ')}`,
      `model: XGBRegressor ${JSON.stringify(model.settings)}`,
      '',
      ...subsets.map((s, k) => {
        const same = model.sameAs[String(k)];
        const reused = same === undefined ? '' : ` (the labels of seed ${subsets[same]!.seed}: XGBoost draws no random numbers without row or column sampling, so the same fit)`;
        return `${s.size} labels (${s.labelled.length} archs), seed ${s.seed}: held-out Kendall tau ${taus[k]!.toFixed(4)}${reused}`;
      }),
      '',
      '| labels | GRAF + LF, XGBoost: held-out tau, mean (std) | runs |',
      '|---|---|---|',
    ];
    for (const size of [...new Set(subsets.map((s) => s.size))]) {
      const v = subsets.flatMap((s, k) => (s.size === size ? [taus[k]!] : []));
      const m = meanStd(v);
      lines.push(`| ${size} | ${m.mean.toFixed(4)} (${m.std.toFixed(4)}) | ${v.length} |`);
    }
    return `${lines.join('\n')}\n`;
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

function main(): void {
  const id = arg('table', '');
  const table = PEER_TABLES.find((t) => t.id === id);
  if (!table) {
    console.error(`--table: one of ${PEER_TABLES.map((t) => t.id).join(', ')}`);
    process.exit(2);
  }
  const text = runTable(table);
  process.stdout.write(text);
  fs.writeFileSync(arg('out', path.join('bench-results', `peer-graf-${table.id}.txt`)), text);
}

if (require.main === module) main();
