/**
 * Validation of the locally computed LF measures against NAS-Bench-Suite-Zero (figures only, no assertions):
 * NB201 cells stratified by flops decile among the 9,445 with published CIFAR-10 proxies; per measure, the
 * Spearman correlation with the published value, Kendall's tau against accuracy next to the published proxy's
 * tau (same cells, and all 9,445), seconds per architecture per engine with 1 and N workers, and peak RSS.
 * Needs the build (dist/lfWorker.js). Run: npm run bench:lf [-- --cells 200 --jobs 2 --timing-cells 8 --seed 0]
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { nb201WithPublishedProxies } from './nb201Published';
import { benchCommit } from './provenance';
import { column } from '../src/data/dataset';
import { LfCache } from '../src/lf/cache';
import { imageBatch } from '../src/lf/images';
import { DEFAULT_LF_SETTINGS, LF_MEASURES, type LfEngine } from '../src/lf/measures';
import { type LfJob, runLf } from '../src/lf/pool';
import { kendallTau, spearman } from '../src/predictor/metrics';
import { Rng } from '../src/util/rng';

const arg = (name: string, dflt: number): number => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : dflt;
};
const CELLS = arg('cells', 200);
const JOBS = arg('jobs', 2);
const TIMING = arg('timing-cells', 20);
const SEED = arg('seed', 0);
const TARGET = 'naslib_c10_val_200ep';
const OUT = path.resolve('bench-results/lf-validation');
const WORKER = path.resolve('dist/lfWorker.js');


async function main(): Promise<void> {
  if (!fs.existsSync(WORKER)) throw new Error('run npm run build first (dist/lfWorker.js is missing)');
  const commit = benchCommit();
  const { ds, flops, withProxies } = nb201WithPublishedProxies();
  // Stratified by flops decile: CELLS/10 from each tenth of the published cells sorted by flops.
  const sorted = [...withProxies].sort((a, b) => (flops[a] as number) - (flops[b] as number) || a - b);
  const rng = new Rng(SEED + 7);
  const picked: number[] = [];
  for (let d = 0; d < 10; d++) {
    const decile = sorted.slice(Math.floor((d * sorted.length) / 10), Math.floor(((d + 1) * sorted.length) / 10));
    const take = Math.round(((d + 1) * CELLS) / 10) - Math.round((d * CELLS) / 10);
    const chosen = new Set<number>();
    while (chosen.size < take) chosen.add(decile[Math.floor(rng.next() * decile.length)] as number);
    picked.push(...chosen);
  }
  const jobs: LfJob[] = picked.map((i) => ({ key: ds.keys[i] as string, arch: ds.archs[i] }));
  const measures = LF_MEASURES.map((m) => m.id);
  const settings = { ...DEFAULT_LF_SETTINGS, seed: SEED };
  const log = (s: string): void => void process.stderr.write(`${s}\n`);

  // Cost: a flops-stratified subset of TIMING cells with 1 worker and with JOBS workers, then every cell with JOBS
  // workers (memory caches: nothing is reused between runs).
  const timingJobs = Array.from({ length: TIMING }, (_, k) => jobs[Math.floor((k * jobs.length) / TIMING)] as LfJob);
  const timing = async (subset: LfJob[], workers: number): Promise<{ wall: number; perEngine: Partial<Record<LfEngine, number>>; values: Map<string, Record<string, number | null>> }> => {
    const t0 = performance.now();
    const r = await runLf(subset, { space: 'nb201', measures, settings, jobs: workers, cache: new LfCache(), workerScript: WORKER, onProgress: (p) => log(`[${workers} worker(s)] ${p.done}/${p.total} ${p.error ?? ''}`) });
    if (r.failed.length > 0) log(`failed: ${JSON.stringify(r.failed.slice(0, 3))}`);
    const perEngine: Partial<Record<LfEngine, number>> = {};
    for (const s of r.seconds) for (const [e, v] of Object.entries(s)) perEngine[e as LfEngine] = (perEngine[e as LfEngine] ?? 0) + v / r.seconds.length;
    return { wall: (performance.now() - t0) / 1000, perEngine, values: r.values };
  };
  const one = await timing(timingJobs, 1);
  const two = await timing(timingJobs, JOBS);
  const all = await timing(jobs, JOBS);
  const peakRssMb = process.resourceUsage().maxRSS / 1024;

  const acc = column(ds, TARGET).values;
  const accOf = picked.map((i) => acc[i] as number);
  const rows = LF_MEASURES.map((m) => {
    const ours = jobs.map((j) => all.values.get(j.key)?.[m.id] ?? NaN);
    const ok = ours.map((v, k) => (Number.isFinite(v) ? k : -1)).filter((k) => k >= 0);
    const pub = m.published ? column(ds, m.published).values : undefined;
    const pubHere = pub ? ok.map((k) => pub[picked[k] as number] as number) : [];
    const oursOk = ok.map((k) => ours[k] as number);
    const accOk = ok.map((k) => accOf[k] as number);
    const all9445 = pub ? withProxies.filter((i) => Number.isFinite(pub[i]) && Number.isFinite(acc[i])) : [];
    return {
      measure: m.id,
      engine: m.engine,
      published: m.published ?? null,
      finite: ok.length,
      spearmanVsPublished: pub ? spearman(oursOk, pubHere) : null,
      tauOurs: kendallTau(oursOk, accOk),
      tauPublishedSameCells: pub ? kendallTau(pubHere, accOk) : null,
      tauPublishedAll: pub ? kendallTau(all9445.map((i) => pub[i] as number), all9445.map((i) => acc[i] as number)) : null,
      range: oursOk.length ? [Math.min(...oursOk), Math.max(...oursOk)] : null,
    };
  });
  const config = {
    command: `npm run bench:lf -- --cells ${CELLS} --jobs ${JOBS} --timing-cells ${TIMING} --seed ${SEED}`,
    commit,
    data: { source: ds.source, fingerprint: ds.fingerprint, cellsWithProxies: withProxies.length, target: TARGET },
    cells: CELLS,
    sampleSeed: SEED + 7,
    settings,
    imagesFingerprint: imageBatch(settings.batch, settings.seed).fingerprint,
    jobs: JOBS,
    node: process.version,
    date: new Date().toISOString(),
  };
  const f = (x: number | null, d = 3): string => (x === null || !Number.isFinite(x) ? 'n/a' : x.toFixed(d));
  const lines = [
    `LF validation, NB201 CIFAR-10, ${CELLS} cells stratified by flops decile (${config.command}; commit ${commit}; data ${ds.fingerprint}; batch ${settings.batch}, seed ${settings.seed}, images ${config.imagesFingerprint})`,
    '',
    '| measure | Spearman vs published | tau vs accuracy (ours) | tau (published, same cells) | tau (published, 9,445) | finite |',
    '|---|---|---|---|---|---|',
    ...rows.map((r) => `| ${r.measure} | ${f(r.spearmanVsPublished)} | ${f(r.tauOurs)} | ${f(r.tauPublishedSameCells)} | ${f(r.tauPublishedAll)} | ${r.finite}/${CELLS} |`),
    '',
    `Wall seconds per architecture, every measure, on ${TIMING} cells spread over the flops range: ${f(one.wall / TIMING, 2)} s with 1 worker, ${f(two.wall / TIMING, 2)} s with ${JOBS} workers (${f(one.wall / two.wall, 2)}x); all ${CELLS} cells with ${JOBS} workers: ${f(all.wall / CELLS, 2)} s.`,
    `Seconds per architecture per engine inside a worker (mean), 1 worker: ${Object.entries(one.perEngine).map(([e, v]) => `${e} ${f(v, 2)}`).join(', ')}; ${JOBS} workers: ${Object.entries(two.perEngine).map(([e, v]) => `${e} ${f(v, 2)}`).join(', ')} (engines: count = flops, params, relu_count; init = l2_norm; loss = nwot + snip, grad_norm, fisher, plain from one forward and one backward; jacov = one more backward).`,
    `Peak RSS of the process (all workers): ${peakRssMb.toFixed(0)} MB.`,
  ];
  fs.mkdirSync(path.dirname(OUT), { recursive: true });
  fs.writeFileSync(
    `${OUT}.json`,
    JSON.stringify(
      {
        config,
        rows,
        cost: {
          timingCells: timingJobs.map((j) => j.key),
          oneWorker: { wallSeconds: one.wall, perEngine: one.perEngine },
          workers: { jobs: JOBS, wallSeconds: two.wall, perEngine: two.perEngine },
          allCells: { jobs: JOBS, cells: CELLS, wallSeconds: all.wall, perEngine: all.perEngine },
          peakRssMb,
        },
        values: Object.fromEntries(all.values),
      },
      null,
      1,
    ),
  );
  fs.writeFileSync(`${OUT}.txt`, `${lines.join('\n')}\n`);
  process.stdout.write(`${lines.join('\n')}\n`);
}

main().catch((e) => {
  process.stderr.write(`${(e as Error).stack ?? e}\n`);
  process.exit(1);
});
