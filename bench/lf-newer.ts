/**
 * Do the newer zero-cost proxies (MeCo, SWAP, ZiCo; python/dele_lf.py) earn a place among DELE's experts? NB201 as a
 * space without tables, as `npm run bench:lf-coldstart` sets it up: 1,000 cells sampled from the training split carry
 * LF values (NAS-Bench-Suite-Zero's published values of the nine default measures, and the newer proxies computed
 * here on examples/pytorch-nb201's PyTorch network), 78 of them carry ground truth. Each variant adds one proxy to
 * the nine; variants are compared on validation tau (the training-split cells outside the sample, never labelled);
 * held-out tau (the whole held-out split) is reported once per variant. Needs Python with torch. Run:
 *   npm run bench:lf-newer [-- --sample 1000 --labels 78 --seeds 5 --jobs 2 --python /usr/bin/python3]
 * (--variants A,B: only the variants whose names contain one of these, with the nine as the reference; --chosen A,B:
 * one more variant, the nine and these measures)
 */
import * as path from 'node:path';
import { coldStartLabelled, coldStartSample, COLD_START_SAMPLE_SEED } from './coldStartSample';
import { benchCommit, emitReport, runBench } from './provenance';
import { column, type Column, loadBundled, makeDataset, splitDataset } from '../src/data/dataset';
import { LfCache } from '../src/lf/cache';
import { imageBatch } from '../src/lf/images';
import { DEFAULT_LF_MEASURES, DEFAULT_LF_SETTINGS, lfMeasure } from '../src/lf/measures';
import { runPythonLf } from '../src/lf/python/runner';
import { kendallTau, meanStd } from '../src/predictor/metrics';
import { trainPredictor } from '../src/predictor/predictor';
import { initBackend } from '../src/runtime/backend';
import { writeFileAtomically } from '../src/util/files';

const argv = process.argv;
const arg = (name: string, dflt: string): string => {
  const i = argv.indexOf(`--${name}`);
  return i > 0 ? (argv[i + 1] as string) : dflt;
};
const SAMPLE = Number(arg('sample', '1000'));
const LABELS = Number(arg('labels', '78'));
const SEEDS = Number(arg('seeds', '5'));
const JOBS = Number(arg('jobs', '2'));
const PYTHON = arg('python', process.env.DELE_PYTHON ?? 'python3');
const NEWER = arg('measures', 'meco,swap,zico').split(',');
const CACHE = path.resolve(arg('cache', '.cache/lf-newer.jsonl'));
const OUT = path.resolve(arg('out', 'bench-results/lf-newer'));
const BUILDER = 'nb201_model:build_model';
const BUILDER_DIR = path.resolve('examples/pytorch-nb201');

/** SWAP's regularised form: the count times exp(-(params_K - mu)^2 / sigma), mu and sigma the sample's mean and variance of params in thousands. */
function regularisedSwap(swap: Float64Array, paramsM: Float64Array, cells: readonly number[]): { values: Float64Array; mu: number; sigma: number } {
  const k = cells.map((i) => (paramsM[i] as number) * 1e3);
  const mu = k.reduce((a, b) => a + b, 0) / k.length;
  const sigma = k.reduce((a, b) => a + (b - mu) ** 2, 0) / k.length;
  const values = new Float64Array(swap.length).fill(NaN);
  for (const i of cells) values[i] = (swap[i] as number) * Math.exp(-(((paramsM[i] as number) * 1e3 - mu) ** 2) / sigma);
  return { values, mu, sigma };
}

async function main(): Promise<void> {
  const commit = benchCommit();
  const log = (s: string): void => void process.stderr.write(`${s}\n`);
  const full = loadBundled('nb201');
  const TARGET = full.defaultTarget ?? 'c10_test_200ep';
  const n = full.archs.length;
  const split = splitDataset(n, 0);
  const sampled = coldStartSample(split.train, SAMPLE);
  const inSample = new Set(sampled);
  const validation = split.train.filter((i) => !inSample.has(i));
  const settings = DEFAULT_LF_SETTINGS;
  const t0 = performance.now();
  const r = await runPythonLf(sampled.map((i) => ({ key: full.keys[i] as string, arch: full.archs[i] })), {
    python: PYTHON,
    builder: BUILDER,
    cwd: BUILDER_DIR,
    space: 'nb201',
    measures: [...NEWER, 'params'], // params (computed here: the published column misses cells) for swap_reg
    settings,
    jobs: JOBS,
    cache: new LfCache(CACHE),
    onProgress: (p) => {
      if (p.done % 50 === 0 || p.done === p.total) log(`LF ${p.done}/${p.total} (${p.cached} cached) ${((performance.now() - t0) / 1000).toFixed(0)} s`);
    },
  });
  const lfSeconds = (performance.now() - t0) / 1000;
  if (r.failed.length > 0) throw new Error(`${r.failed.length} cells failed, e.g. ${r.failed[0]?.key}: ${r.failed[0]?.message}`);
  const truth = column(full, TARGET).values;
  const onSample = (values: (i: number) => number): Float64Array => {
    const v = new Float64Array(n).fill(NaN);
    for (const i of sampled) v[i] = values(i);
    return v;
  };
  const lf = (name: string, values: Float64Array): Column => ({ name, kind: 'lf', description: '', values });
  const base = DEFAULT_LF_MEASURES.map((m) => lf(`published_${m}`, onSample((i) => column(full, lfMeasure(m).published as string).values[i] as number)));
  const newer = NEWER.map((m) => lf(m, onSample((i) => r.values.get(full.keys[i] as string)?.[m] ?? NaN)));
  const params = lf('params_here', onSample((i) => r.values.get(full.keys[i] as string)?.params ?? NaN));
  const swap = newer.find((c) => c.name === 'swap');
  const reg = swap ? regularisedSwap(swap.values, params.values, sampled) : undefined;
  if (reg) newer.push(lf('swap_reg', reg.values));

  // Each measure alone: Kendall's tau against the target over the sampled cells.
  const alone = [...base, ...newer].map((c) => ({ name: c.name, tau: kendallTau(sampled.map((i) => c.values[i] as number), sampled.map((i) => truth[i] as number)) }));

  const backend = await initBackend('auto');
  const variants = [{ name: 'nine published measures', experts: base.map((c) => c.name) }, ...newer.map((c) => ({ name: `nine + ${c.name}`, experts: [...base.map((b) => b.name), c.name] }))];
  if (newer.length > 1) variants.push({ name: `nine + ${NEWER.join(' + ')}`, experts: [...base.map((b) => b.name), ...NEWER] });
  // Control: the published columns miss the cells NB201's published tables lack (about 40%), the measures computed
  // here do not; one more expert on every sampled cell that carries no new information (params, a closed form the
  // nine already hold) says how much of a gain is coverage.
  variants.push({ name: 'nine + params computed here (control)', experts: [...base.map((b) => b.name), params.name] });
  const chosen = arg('chosen', '').split(',').filter((m) => m !== '');
  if (chosen.length > 0) variants.push({ name: `nine + ${chosen.join(' + ')} (chosen)`, experts: [...base.map((b) => b.name), ...chosen] });
  const only = arg('variants', '');
  if (only) variants.splice(0, variants.length, ...variants.filter((v, k) => k === 0 || only.split(',').some((o) => v.name.includes(o))));
  const rows: { variant: string; seed: number; validation: number; heldOut: number; seconds: number }[] = [];
  const valArchs = validation.map((i) => full.archs[i]);
  const valTruth = validation.map((i) => truth[i] as number);
  for (let seed = 0; seed < SEEDS; seed++) {
    const labelled = coldStartLabelled(sampled, LABELS, seed);
    const t = new Float64Array(n).fill(NaN);
    for (const i of split.heldOut) t[i] = truth[i] as number;
    for (const i of labelled) t[i] = truth[i] as number;
    const ds = makeDataset(`newer-seed${seed}`, full.space, full.archs, [{ name: TARGET, kind: 'target', description: '', values: t }, ...base, ...newer, params]);
    for (const v of variants) {
      const s0 = performance.now();
      const res = await trainPredictor(ds, { method: 'dele', encoder: 'gates', target: TARGET, trainRatio: 1, experts: v.experts, preset: 'cpu', seed, backend });
      const val = kendallTau(Array.from(res.predictor.scores(valArchs)), valTruth);
      res.predictor.dispose();
      rows.push({ variant: v.name, seed, validation: val, heldOut: res.metrics.kendallTau, seconds: (performance.now() - s0) / 1000 });
      log(`seed ${seed} ${v.name}: validation ${val.toFixed(4)} held-out ${res.metrics.kendallTau.toFixed(4)} (${((performance.now() - s0) / 1000).toFixed(0)} s)`);
    }
  }
  const command = `npm run bench:lf-newer -- --sample ${SAMPLE} --labels ${LABELS} --seeds ${SEEDS} --jobs ${JOBS} --measures ${NEWER.join(',')}${arg('variants', '') ? ` --variants ${arg('variants', '')}` : ''}${chosen.length > 0 ? ` --chosen ${chosen.join(',')}` : ''}`;
  const config = {
    command,
    commit,
    data: { source: full.source, fingerprint: full.fingerprint, target: TARGET, splitSeed: 0, heldOut: split.heldOut.length, validation: validation.length },
    sample: sampled.length,
    sampleSeed: COLD_START_SAMPLE_SEED,
    labels: LABELS,
    labelSeeds: Array.from({ length: SEEDS }, (_, s) => 1000 + s),
    modelSeeds: Array.from({ length: SEEDS }, (_, s) => s),
    lfSettings: settings,
    imagesFingerprint: imageBatch(settings.batch, settings.seed).fingerprint,
    builder: `${path.relative(process.cwd(), BUILDER_DIR)}/${BUILDER}`,
    torch: r.backend,
    swapRegularisation: reg ? { mu: reg.mu, sigma: reg.sigma, unit: 'thousands of parameters' } : undefined,
    encoder: 'gates',
    preset: 'cpu',
    backend,
    lf: { computed: r.computed, cached: r.cached, seconds: lfSeconds, secondsPerCell: r.seconds.length ? r.seconds.reduce((a, s) => a + Object.values(s).reduce((x, y) => x + y, 0), 0) / r.seconds.length : undefined },
    date: new Date().toISOString(),
  };
  const baseVal = rows.filter((x) => x.variant === variants[0]?.name);
  const baseMean = meanStd(baseVal.map((x) => x.validation)).mean;
  const table = variants.map((v) => {
    const mine = rows.filter((x) => x.variant === v.name);
    const val = meanStd(mine.map((x) => x.validation));
    const held = meanStd(mine.map((x) => x.heldOut));
    const wins = mine.filter((x) => x.validation > (baseVal.find((b) => b.seed === x.seed)?.validation ?? Infinity)).length;
    const gain = v === variants[0] ? '' : `${val.mean - baseMean >= 0 ? '+' : ''}${(val.mean - baseMean).toFixed(4)} (${wins}/${mine.length} seeds)`;
    return `| ${v.name} | ${val.mean.toFixed(4)} ± ${val.std.toFixed(4)} | ${gain} | ${held.mean.toFixed(4)} ± ${held.std.toFixed(4)} |`;
  });
  const lines = [
    `Newer proxies as DELE experts, NB201 without tables (${command}; commit ${commit}; data ${full.fingerprint}; ${r.backend}): ${sampled.length} cells sampled from the training split carry LF, ${LABELS} of them ground truth (${TARGET}); GATES cpu preset; validation tau on the ${validation.length} training-split cells outside the sample, held-out tau on all ${split.heldOut.length} held-out cells; ${SEEDS} seeds (model seed s, labelled cells drawn with seed 1000+s).`,
    '',
    '| experts | validation tau (mean ± std) | vs the nine (seeds above) | held-out tau |',
    '|---|---|---|---|',
    ...table,
    '',
    `Each measure alone, Kendall's tau against ${TARGET} over the ${sampled.length} sampled cells: ${alone.map((a) => `${a.name} ${a.tau.toFixed(3)}`).join(', ')}.`,
    ...(reg ? [`swap_reg: swap x exp(-(params_K - ${reg.mu.toFixed(1)})^2 / ${reg.sigma.toFixed(0)}) (mu, sigma: the sample's mean and variance of params in thousands).`] : []),
  ];
  writeFileAtomically(`${OUT}.json`, JSON.stringify({ config, alone, rows }, null, 1));
  emitReport(lines, `${OUT}.txt`);
}

runBench(main);
