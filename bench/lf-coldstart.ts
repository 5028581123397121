/**
 * The cold-start proof (figures only): NB201 (or NB301, --space nb301) treated as a space without tables. Sample cells from the training
 * split, compute their LF measures here (dele lf's engines), label a few of them with ground truth, train DELE on
 * the local LF, and score the whole held-out split. Next to it, with the same labelled cells and seeds: vanilla
 * (ground truth only) and DELE on NAS-Bench-Suite-Zero's published values of the same measures for the same
 * sampled cells. Seeds vary the model and which sampled cells carry ground truth.
 * Needs the build (dist/lfWorker.js). Run:
 *   npm run bench:lf-coldstart [-- --sample 1000 --labels 78 --seeds 3 --measures flops,params,... --jobs 2]
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { coldStartLabelled, coldStartSample } from './coldStartSample';
import { benchCommit, emitReport, runBench } from './provenance';
import { column, type Column, loadBundled, makeDataset, splitDataset } from '../src/data/dataset';
import { LfCache } from '../src/lf/cache';
import { imageBatch } from '../src/lf/images';
import { DEFAULT_LF_MEASURES, DEFAULT_LF_SETTINGS, lfMeasure } from '../src/lf/measures';
import { runLf } from '../src/lf/pool';
import { initBackend } from '../src/runtime/backend';
import { meanStd } from '../src/predictor/metrics';
import { trainPredictor } from '../src/predictor/predictor';
import type { Method } from '../src/predictor/train';

const argv = process.argv;
const arg = (name: string, dflt: string): string => {
  const i = argv.indexOf(`--${name}`);
  return i > 0 ? (argv[i + 1] as string) : dflt;
};
const SPACE = arg('space', 'nb201');
const SAMPLE = Number(arg('sample', '1000'));
const LABELS = Number(arg('labels', '78'));
const SEEDS = Number(arg('seeds', '3'));
const JOBS = Number(arg('jobs', '2'));
const MEASURES = arg('measures', DEFAULT_LF_MEASURES.join(',')).split(',');
const CACHE = path.resolve(arg('cache', '.cache/lf-bench.jsonl'));
const OUT = path.resolve(arg('out', SPACE === 'nb201' ? 'bench-results/lf-coldstart' : `bench-results/lf-coldstart-${SPACE}`));


async function main(): Promise<void> {
  const commit = benchCommit();
  const log = (s: string): void => void process.stderr.write(`${s}\n`);
  const full = loadBundled(SPACE);
  const TARGET = full.defaultTarget ?? 'c10_test_200ep';
  const n = full.archs.length;
  const split = splitDataset(n, 0);
  const sampled = coldStartSample(split.train, SAMPLE);
  const settings = DEFAULT_LF_SETTINGS;
  const t0 = performance.now();
  const r = await runLf(sampled.map((i) => ({ key: full.keys[i] as string, arch: full.archs[i] })), {
    space: SPACE,
    measures: MEASURES,
    settings,
    jobs: JOBS,
    cache: new LfCache(CACHE),
    workerScript: path.resolve('dist/lfWorker.js'),
    onProgress: (p) => {
      if (p.done % 25 === 0 || p.done === p.total) log(`LF ${p.done}/${p.total} (${p.cached} cached) ${((performance.now() - t0) / 1000).toFixed(0)} s`);
    },
  });
  const lfSeconds = (performance.now() - t0) / 1000;
  if (r.cancelled) throw new Error('cancelled');

  const truth = column(full, TARGET).values;
  // Columns over the whole space: LF only on the sampled cells, ground truth on the labelled ones and the held-out split.
  const lfCols = (published: boolean): Column[] =>
    MEASURES.map((m): Column | undefined => {
      const values = new Float64Array(n).fill(NaN);
      // The published value: the bundled column named like the measure (NB301, NB101), else NB201's zc_c10_ column.
      const pub = !published ? undefined : full.columns.some((c) => c.name === m && c.kind === 'lf') ? m : lfMeasure(m).published;
      if (published && !pub) return undefined;
      for (const i of sampled) values[i] = pub ? (column(full, pub).values[i] as number) : (r.values.get(full.keys[i] as string)?.[m] ?? NaN);
      return { name: published ? `published_${m}` : `local_${m}`, kind: 'lf', description: '', values };
    }).filter((c): c is Column => c !== undefined);
  const local = lfCols(false);
  const published = lfCols(true);
  const backend = await initBackend('auto');
  const rows: { variant: string; seed: number; tau: number; seconds: number }[] = [];
  for (let seed = 0; seed < SEEDS; seed++) {
    const labelled = coldStartLabelled(sampled, LABELS, seed);
    const t = new Float64Array(n).fill(NaN);
    for (const i of split.heldOut) t[i] = truth[i] as number;
    for (const i of labelled) t[i] = truth[i] as number;
    const target: Column = { name: TARGET, kind: 'target', description: '', values: t };
    const ds = makeDataset(`coldstart-seed${seed}`, full.space, full.archs, [target, ...local, ...published]);
    const variants: { variant: string; method: Method; experts?: string[] }[] = [
      { variant: 'vanilla (ground truth only)', method: 'vanilla' },
      { variant: 'DELE, LF computed here', method: 'dele', experts: local.map((c) => c.name) },
      { variant: 'DELE, published LF (same cells, same measures)', method: 'dele', experts: published.map((c) => c.name) },
    ];
    for (const v of variants) {
      const s0 = performance.now();
      const res = await trainPredictor(ds, { method: v.method, encoder: 'gates', target: TARGET, trainRatio: 1, experts: v.experts, preset: 'cpu', seed, backend });
      res.predictor.dispose();
      rows.push({ variant: v.variant, seed, tau: res.metrics.kendallTau, seconds: (performance.now() - s0) / 1000 });
      log(`seed ${seed} ${v.variant}: tau ${res.metrics.kendallTau.toFixed(4)} (${((performance.now() - s0) / 1000).toFixed(0)} s)`);
    }
  }
  const config = {
    command: `npm run bench:lf-coldstart -- --space ${SPACE} --sample ${SAMPLE} --labels ${LABELS} --seeds ${SEEDS} --measures ${MEASURES.join(',')} --jobs ${JOBS}`,
    commit,
    data: { source: full.source, fingerprint: full.fingerprint, target: TARGET, splitSeed: 0, heldOut: split.heldOut.length },
    space: SPACE,
    sample: sampled.length,
    sampleSeed: 4242,
    labels: LABELS,
    labelSeeds: Array.from({ length: SEEDS }, (_, s) => 1000 + s),
    modelSeeds: Array.from({ length: SEEDS }, (_, s) => s),
    lfSettings: settings,
    imagesFingerprint: imageBatch(settings.batch, settings.seed).fingerprint,
    encoder: 'gates',
    preset: 'cpu',
    backend,
    lf: { computed: r.computed, cached: r.cached, failed: r.failed.length, seconds: lfSeconds },
    date: new Date().toISOString(),
  };
  const byVariant = [...new Set(rows.map((x) => x.variant))].map((v) => {
    const taus = rows.filter((x) => x.variant === v).map((x) => x.tau);
    const { mean, std } = meanStd(taus);
    return `| ${v} | ${mean.toFixed(4)} ± ${std.toFixed(4)} | ${taus.map((x) => x.toFixed(4)).join(', ')} |`;
  });
  const lines = [
    `Cold start on ${full.space.title} (${config.command}; commit ${commit}; data ${full.fingerprint}): ${sampled.length} architectures sampled from the training split, LF computed here for them (${MEASURES.join(', ')}), ground truth (${TARGET}) for ${LABELS} of them, GATES cpu preset, held-out Kendall's tau on all ${split.heldOut.length} held-out architectures, ${SEEDS} seeds (model seed s, labelled cells drawn with seed 1000+s).`,
    '',
    '| predictor | held-out tau (mean ± std) | per seed |',
    '|---|---|---|',
    ...byVariant,
  ];
  fs.mkdirSync(path.dirname(OUT), { recursive: true });
  fs.writeFileSync(`${OUT}.json`, JSON.stringify({ config, rows }, null, 1));
  emitReport(lines, `${OUT}.txt`);
}

runBench(main);
