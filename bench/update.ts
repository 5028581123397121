/**
 * How long "DELE: Update Predictor from Results" takes (figures only): what the server's update runs
 * (src/predictor/labelled.ts trainOnLabels with a step-1 cache), on a space's bundled table as the pool, with
 * labels drawn from the table's truth. First a cold update (step 1 trained and cached), then updates with more
 * labels from the cache (step 2 and the 3-fold cross-validation only). Prints wall seconds per phase. Run:
 *   npm run bench:update [-- --space nb201 --labels 10,20,50,100 --preset cpu --jobs 2 --seed 0 --cache DIR --out FILE]
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { benchCommit, emitReport, runBench } from './provenance';
import { column, loadBundled } from '../src/data/dataset';
import { lfOnly } from '../src/data/pool';
import { Step1Cache } from '../src/experiment/step1Cache';
import { trainOnLabels } from '../src/predictor/labelled';
import type { PresetName } from '../src/predictor/presets';
import { trainingNumerics } from '../src/predictor/train';
import { initBackend } from '../src/runtime/backend';
import { Rng } from '../src/util/rng';

const argv = process.argv;
const arg = (name: string, dflt: string): string => {
  const i = argv.indexOf(`--${name}`);
  return i > 0 ? (argv[i + 1] as string) : dflt;
};
const SPACE = arg('space', 'nb201');
const LABELS = arg('labels', '10,20,50,100').split(',').map(Number);
const PRESET = arg('preset', 'cpu') as PresetName;
const JOBS = Number(arg('jobs', '2'));
const SEED = Number(arg('seed', '0'));
const OUT = arg('out', '');

async function main(): Promise<void> {
  const commit = benchCommit();
  const backend = await initBackend('auto');
  const table = loadBundled(SPACE);
  const target = table.defaultTarget ?? column(table, table.columns.find((c) => c.kind === 'target')!.name).name;
  const truth = column(table, target).values;
  const pool = lfOnly(table);
  const order = new Rng(SEED).shuffle(Array.from({ length: table.archs.length }, (_, i) => i).filter((i) => Number.isFinite(truth[i])));
  // --cache DIR keeps step 1 between runs (its time is then that of the run that trained it).
  const kept = arg('cache', '');
  const cacheDir = kept || fs.mkdtempSync(path.join(os.tmpdir(), 'dele-update-bench-'));
  const encoder = table.space.encoders[0]!;
  const lines = [
    `command: npm run bench:update -- ${argv.slice(2).join(' ')}`.trimEnd(),
    `commit ${commit}, node ${process.version}, backend ${backend}, training numerics ${trainingNumerics()}, ${os.cpus().length} cores; ${new Date().toISOString()}`,
    `pool: the bundled ${table.space.title} table's LF columns (${pool.archs.length} archs, fingerprint ${pool.fingerprint}), default experts; labels: ${target} of the first N of a seed-${SEED} shuffle`,
    `encoder ${encoder}, preset ${PRESET}, ${JOBS} training job(s), model seed 0; step-1 cache ${kept ? `${kept} (kept)` : 'in a fresh folder'}`,
    '',
    '| update | labels | step 1 | step 2 | 3-fold cross-validation | whole update | cross-validated tau |',
    '|---|---|---|---|---|---|---|',
  ];
  for (const [i, n] of LABELS.entries()) {
    const labels = order.slice(0, n).map((j) => ({ arch: table.archs[j], value: truth[j]! }));
    const t0 = Date.now();
    const r = await trainOnLabels(pool, labels, { method: 'dele', encoder, target: 'acc', preset: PRESET, jobs: JOBS, step1: new Step1Cache(cacheDir) });
    const whole = (Date.now() - t0) / 1000;
    const row = `| ${i === 0 ? 'first (cold)' : 'next'} | ${n} | ${r.step1Cached ? 'cached' : `${r.step1Seconds.toFixed(1)} s`} | ${r.step2Seconds.toFixed(1)} s | ${r.crossValidation ? `${r.crossValidationSeconds.toFixed(1)} s` : '-'} | ${whole.toFixed(1)} s | ${r.crossValidation ? r.crossValidation.kendallTau.toFixed(3) : '- (fewer than 10)'} |`;
    console.error(row);
    lines.push(row);
    r.predictor.dispose();
  }
  if (!kept) fs.rmSync(cacheDir, { recursive: true, force: true });
  emitReport(lines, OUT);
}

runBench(main);
