/**
 * Validation of `dele lf --python` (python/dele_lf.py on a user's PyTorch builder) on NB201: the example builder
 * examples/pytorch-nb201/nb201_model.py (NASLib's layout) on a seeded sample of the cells with published CIFAR-10
 * proxies, against the TF.js values of `dele lf --space nb201` for the same cells, batch and seed, and against
 * NAS-Bench-Suite-Zero's published values. Figures only (target: Spearman >= 0.9 per measure vs TF.js).
 * Needs the build (dist/lfWorker.js) and a Python with torch.
 * Run: npm run bench:python-lf [-- --cells 200 --seed 0 --jobs 2 --python /usr/bin/python3]
 * Values are cached in the CLI's LF cache (~/.cache/dele-nas/lf-cache.jsonl): a re-run resumes.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { nb201WithPublishedProxies } from './nb201Published';
import { benchCommit, emitReport, runBench } from './provenance';
import { cacheRoot } from '../src/cli/options';
import { column } from '../src/data/dataset';
import { LfCache } from '../src/lf/cache';
import { imageBatch } from '../src/lf/images';
import { DEFAULT_LF_SETTINGS, lfMeasure } from '../src/lf/measures';
import { type LfJob, runLf } from '../src/lf/pool';
import { DEFAULT_PYTHON_LF_MEASURES, runPythonLf } from '../src/lf/python/runner';
import { kendallTau, spearman } from '../src/predictor/metrics';
import { Rng } from '../src/util/rng';

const arg = (name: string, dflt: string): string => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? (process.argv[i + 1] as string) : dflt;
};
const CELLS = Number(arg('cells', '200'));
const SEED = Number(arg('seed', '0'));
const JOBS = Number(arg('jobs', '2'));
const PYTHON = arg('python', '/usr/bin/python3');
const BUILDER = 'nb201_model:build_model';
const BUILDER_DIR = path.resolve('examples/pytorch-nb201');
const TARGET = 'naslib_c10_val_200ep';
const OUT = path.resolve('bench-results/python-lf-nb201.txt');
const CACHE = path.join(cacheRoot(), 'lf-cache.jsonl');
const WORKER = path.resolve('dist/lfWorker.js');

async function main(): Promise<void> {
  if (!fs.existsSync(WORKER)) throw new Error('run npm run build first (dist/lfWorker.js is missing)');
  const commit = benchCommit();
  const { ds, withProxies } = nb201WithPublishedProxies();
  const picked = new Rng(SEED).shuffle([...withProxies]).slice(0, CELLS);
  const jobs: LfJob[] = picked.map((i) => ({ key: ds.keys[i] as string, arch: ds.archs[i] }));
  const measures = [...DEFAULT_PYTHON_LF_MEASURES];
  const settings = { ...DEFAULT_LF_SETTINGS, seed: SEED };
  const cache = new LfCache(CACHE);
  const log = (s: string): void => void process.stderr.write(`${s}\n`);

  let t0 = performance.now();
  const tf = await runLf(jobs, { space: 'nb201', measures, settings, jobs: JOBS, cache, workerScript: WORKER, onProgress: (p) => log(`[tf.js] ${p.done}/${p.total} ${p.error ?? ''}`) });
  const tfSeconds = (performance.now() - t0) / 1000;
  t0 = performance.now();
  const py = await runPythonLf(jobs, { python: PYTHON, builder: BUILDER, cwd: BUILDER_DIR, space: 'nb201', measures, settings, jobs: JOBS, cache, onProgress: (p) => log(`[python] ${p.done}/${p.total} ${p.error ?? ''}`) });
  const pySeconds = (performance.now() - t0) / 1000;
  for (const f of [...tf.failed, ...py.failed].slice(0, 5)) log(`failed ${f.key}: ${f.message}`);

  const acc = column(ds, TARGET).values;
  const f = (x: number | null, d = 3): string => (x === null || !Number.isFinite(x) ? 'n/a' : x.toFixed(d));
  const rows = measures.map((m) => {
    const pub = column(ds, lfMeasure(m).published as string).values;
    const both = jobs.map((j, k) => ({ py: py.values.get(j.key)?.[m], tf: tf.values.get(j.key)?.[m], pub: pub[picked[k] as number], acc: acc[picked[k] as number] }))
      .filter((r): r is { py: number; tf: number; pub: number; acc: number } => [r.py, r.tf, r.pub, r.acc].every((v) => typeof v === 'number' && Number.isFinite(v)));
    const col = (k: 'py' | 'tf' | 'pub' | 'acc'): number[] => both.map((r) => r[k]);
    return `| ${m} | ${f(spearman(col('py'), col('tf')))} | ${f(spearman(col('py'), col('pub')))} | ${f(spearman(col('tf'), col('pub')))} | ${f(kendallTau(col('py'), col('acc')))} | ${f(kendallTau(col('tf'), col('acc')))} | ${f(kendallTau(col('pub'), col('acc')))} | ${both.length}/${CELLS} |`;
  });
  const perPhase = new Map<string, number[]>();
  for (const s of py.seconds) for (const [e, v] of Object.entries(s)) perPhase.set(e, [...(perPhase.get(e) ?? []), v]);
  const command = `npm run bench:python-lf -- --cells ${CELLS} --seed ${SEED} --jobs ${JOBS} --python ${PYTHON}`;
  const lines = [
    `dele lf --python on NB201 CIFAR-10: ${BUILDER} (examples/pytorch-nb201, NASLib layout) vs the TF.js networks of dele lf --space nb201 and NAS-Bench-Suite-Zero's published values`,
    `command: ${command}`,
    `commit ${commit}; data ${ds.fingerprint} (${ds.source}); ${CELLS} cells drawn with Rng(${SEED}) from the ${withProxies.length} with published proxies; batch ${settings.batch}, seed ${settings.seed}, images ${imageBatch(settings.batch, settings.seed).fingerprint}; ${py.backend ?? 'torch ?'}; node ${process.version}`,
    `accuracy for tau: ${TARGET}; rows use the cells where all three values are finite`,
    '',
    '| measure | Spearman python vs TF.js | Spearman python vs published | Spearman TF.js vs published | tau vs acc (python) | tau (TF.js) | tau (published) | cells |',
    '|---|---|---|---|---|---|---|---|',
    ...rows,
    '',
    `Python: ${py.computed} computed, ${py.cached} cached, ${py.failed.length} failed in ${f(pySeconds, 0)} s with ${JOBS} process(es); TF.js: ${tf.computed} computed, ${tf.cached} cached, ${tf.failed.length} failed in ${f(tfSeconds, 0)} s with ${JOBS} worker(s).`,
    `Python seconds per architecture inside a process (mean, computed ones): ${[...perPhase].map(([e, v]) => `${e} ${f(v.reduce((a, b) => a + b, 0) / v.length, 2)}`).join(', ') || 'n/a (all cached)'}.`,
  ];
  emitReport(lines, OUT);
}

runBench(main);
