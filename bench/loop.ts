/**
 * The loop bench (issue 21, part 4; figures only): the practitioner's loop simulated with the bundled tables as the
 * cluster. Per space and seed, DELE starts from `initial` random labelled architectures and runs `rounds` rounds of
 * train (trainOnLabels: step 1 on the table's LF columns, once per seed through a step-1 cache; step 2 on the labels
 * so far) and propose (proposeBatch, what `dele propose-batch` runs: k, beta, the whole space scored, labelled ones
 * excluded), the batch "trained" by looking its true values up. Random search and regularised evolution spend the
 * same number of true evaluations. Reported: best true value found and regret against the best of the space after
 * every `k` evaluations, mean (std) over the seeds; a table on stdout and in --out, the plot in --svg, every run in
 * --json. The logic is src/experiment/loop.ts; this file orchestrates and prints. Run:
 *   npm run bench:loop [-- --spaces nb201,tnb101-micro --seeds 5 --initial 10 --rounds 10 --k 10 --betas 1,0
 *                         --evolution 10x3,30x10 --preset cpu --jobs 1 --out bench-results/loop.txt
 *                         --svg docs/loop-bench.svg --json bench-results/loop.json --step1-cache DIR --experts A,B,...]
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { benchCommit, runBench } from './provenance';
import { loadBundled } from '../src/data/dataset';
import { deleLoop, type DeleLoopRun, lfPool, type LoopRun, randomSearch, regularisedEvolution, summariseRuns, tableOracle, type CurvePoint } from '../src/experiment/loop';
import { lineChartSvg, type PlotPanel } from '../src/experiment/loopPlot';
import { Step1Cache } from '../src/experiment/step1Cache';
import type { EncoderType } from '../src/predictor/model';
import type { PresetName } from '../src/predictor/presets';
import { initBackend } from '../src/runtime/backend';
import { writeFileAtomically } from '../src/util/files';

const argv = process.argv.slice(2);
const arg = (name: string, dflt: string): string => {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 && argv[i + 1] !== undefined ? (argv[i + 1] as string) : dflt;
};
const int = (name: string, dflt: string): number => {
  const v = Number(arg(name, dflt));
  if (!Number.isInteger(v) || v < 0) throw new Error(`--${name} must be an integer >= 0, got ${arg(name, dflt)}`);
  return v;
};
const SPACES = arg('spaces', 'nb201,tnb101-micro').split(',');
const SEEDS = int('seeds', '5');
const INITIAL = int('initial', '10');
const ROUNDS = int('rounds', '10');
const K = int('k', '10');
const BETAS = arg('betas', '1').split(',').map(Number);
/**
 * Regularised evolution settings, population x tournament: 10x3 is NAS-Bench-201's own REA baseline
 * (D-X-Y/AutoDL-Projects scripts-search/algos/R-EA.sh), 30x10 NASLib's (naslib/benchmarks/nas_predictors/discrete_config.yaml).
 */
const EVOLUTION = arg('evolution', '10x3,30x10')
  .split(',')
  .map((s) => {
    const [p, t] = s.split('x').map(Number);
    if (!Number.isInteger(p) || !Number.isInteger(t) || p! < 1 || t! < 1 || t! > p!) throw new Error(`--evolution: "${s}" is not POPULATIONxTOURNAMENT (e.g. 10x3)`);
    return { population: p!, tournament: t! };
  });
const PRESET = arg('preset', 'cpu') as PresetName;
const JOBS = int('jobs', '1');
/** Optimiser overrides, for smoke runs only (recorded in the header). */
const EPOCHS = arg('epochs', '');
const PRETRAIN_EPOCHS = arg('pretrain-epochs', '');
const OUT = arg('out', 'bench-results/loop.txt');
const SVG = arg('svg', 'docs/loop-bench.svg');
const JSON_OUT = arg('json', 'bench-results/loop.json');
const STEP1_DIR = arg('step1-cache', '');
/** DELE's experts (LF columns, or a set name such as "paper"); default: each table's default set. */
const EXPERTS = arg('experts', '');
const BUDGET = INITIAL + ROUNDS * K;
const COUNTS = Array.from({ length: ROUNDS + 1 }, (_, r) => INITIAL + r * K);

const log = (s: string): void => void process.stderr.write(`${s}\n`);
const deleName = (beta: number): string => (beta === 0 ? 'DELE, beta 0 (exploit)' : `DELE, ucb beta ${beta}`);
const ms = (x: { mean: number; std: number }, digits = 2): string => (Number.isFinite(x.mean) ? `${x.mean.toFixed(digits)} (${x.std.toFixed(digits)})` : '-');

interface SpaceResult {
  space: string;
  title: string;
  target: string;
  fingerprint: string;
  size: number;
  best: number;
  encoder: EncoderType;
  experts: string[];
  methods: { name: string; runs: LoopRun[]; curve: CurvePoint[] }[];
  /** DELE per beta: seconds of step 1 (first round), and mean step 2 and propose seconds per round. */
  timing: { name: string; step1: number[]; step2: number[]; propose: number[] }[];
}

async function runSpace(spaceId: string, step1: Step1Cache, backend: string): Promise<SpaceResult> {
  const ds = loadBundled(spaceId);
  const target = ds.defaultTarget;
  if (!target) throw new Error(`the bundled ${spaceId} table names no default target`);
  const oracle = tableOracle(ds, target);
  const pool = lfPool(ds);
  const encoder = (ds.space.encoders[0] ?? 'gates') as EncoderType;
  const optim: Record<string, number> = {};
  if (EPOCHS) optim.epochs = Number(EPOCHS);
  if (PRETRAIN_EPOCHS) optim.pretrainEpochs = Number(PRETRAIN_EPOCHS);
  const methods: SpaceResult['methods'] = [];
  const timing: SpaceResult['timing'] = [];
  let experts: string[] = [];
  for (const beta of BETAS) {
    const runs: DeleLoopRun[] = [];
    for (let seed = 0; seed < SEEDS; seed++) {
      const t0 = Date.now();
      const run = await deleLoop(pool, oracle, {
        seed,
        initial: INITIAL,
        rounds: ROUNDS,
        k: K,
        beta,
        encoder,
        preset: PRESET,
        jobs: JOBS,
        step1,
        backend,
        ...(Object.keys(optim).length ? { optim } : {}),
        ...(EXPERTS ? { experts: EXPERTS.split(',') } : {}),
        onRound: (r) =>
          log(`[${spaceId} ${deleName(beta)} seed ${seed}] round ${r.round}: ${r.labelled} labels, step 1 ${r.step1Cached ? 'cached' : `${r.step1Seconds.toFixed(0)} s`}, step 2 ${r.step2Seconds.toFixed(1)} s, propose ${r.proposeSeconds.toFixed(1)} s; batch best ${Math.max(...r.batch.map((e) => e.value)).toFixed(2)}, best so far ${r.best.toFixed(2)}`),
      });
      log(`[${spaceId} ${deleName(beta)} seed ${seed}] ${run.evaluations.length} evaluations in ${((Date.now() - t0) / 1000).toFixed(0)} s`);
      experts = run.experts;
      runs.push(run);
    }
    methods.push({ name: deleName(beta), runs, curve: summariseRuns(runs, COUNTS, oracle.best) });
    timing.push({
      name: deleName(beta),
      step1: runs.map((r) => r.rounds.find((x) => !x.step1Cached)?.step1Seconds ?? NaN).filter(Number.isFinite),
      step2: runs.flatMap((r) => r.rounds.map((x) => x.step2Seconds)),
      propose: runs.flatMap((r) => r.rounds.map((x) => x.proposeSeconds)),
    });
  }
  const seeds = Array.from({ length: SEEDS }, (_, s) => s);
  const random = seeds.map((seed) => randomSearch(oracle, { budget: BUDGET, seed }));
  methods.push({ name: 'random search', runs: random, curve: summariseRuns(random, COUNTS, oracle.best) });
  for (const { population, tournament } of EVOLUTION) {
    const evo: LoopRun[] = [];
    for (const seed of seeds) evo.push(await regularisedEvolution(oracle, { budget: BUDGET, seed, population, tournament }));
    methods.push({ name: `evolution P${population} S${tournament}`, runs: evo, curve: summariseRuns(evo, COUNTS, oracle.best) });
  }
  return { space: spaceId, title: ds.space.title, target, fingerprint: ds.fingerprint, size: oracle.size, best: oracle.best, encoder, experts, methods, timing };
}

function spaceTable(r: SpaceResult): string[] {
  const lines = [
    `${r.title} (${r.space}), target ${r.target}; bundled table fingerprint ${r.fingerprint}, ${r.size} architectures; best of the space ${r.best.toFixed(2)}`,
    `DELE: encoder ${r.encoder}, experts (${EXPERTS ? '--experts' : "the table's default set"}, ${r.experts.length}): ${r.experts.join(', ')}`,
    '',
    `Best ${r.target} found after n true evaluations, mean (std) over ${SEEDS} seeds`,
    `| n | ${r.methods.map((m) => m.name).join(' | ')} |`,
    `|---|${r.methods.map(() => '---|').join('')}`,
    ...COUNTS.map((n, j) => `| ${n} | ${r.methods.map((m) => ms(m.curve[j]!.best)).join(' | ')} |`),
    '',
    `Regret (best of the space - best found) after n true evaluations, mean (std) over ${SEEDS} seeds`,
    `| n | ${r.methods.map((m) => m.name).join(' | ')} |`,
    `|---|${r.methods.map(() => '---|').join('')}`,
    ...COUNTS.map((n, j) => `| ${n} | ${r.methods.map((m) => ms(m.curve[j]!.regret)).join(' | ')} |`),
    '',
  ];
  const found = r.methods.map((m) => `${m.name} ${m.runs.filter((x) => Math.max(...x.evaluations.map((e) => e.value)) >= r.best).length}/${m.runs.length}`);
  lines.push(`Runs that found the best architecture of the space within ${BUDGET} evaluations: ${found.join('; ')}`);
  for (const t of r.timing) {
    const mean = (v: number[]): string => (v.length ? (v.reduce((a, b) => a + b, 0) / v.length).toFixed(1) : '-');
    lines.push(`${t.name} seconds: step 1 ${mean(t.step1)} per seed (once; later rounds from the cache), step 2 ${mean(t.step2)} and propose ${mean(t.propose)} per round`);
  }
  lines.push('');
  return lines;
}

function plot(results: SpaceResult[], commit: string): string {
  const panels: PlotPanel[] = results.map((r) => ({
    title: `${r.title}: ${r.target}`,
    xLabel: 'true evaluations (architectures trained)',
    yLabel: `best ${r.target} found (%)`,
    series: r.methods.map((m) => ({ label: m.name, points: m.curve.map((p) => ({ x: p.evaluations, mean: p.best.mean, std: p.best.std })) })),
    reference: { label: `best of the space ${r.best.toFixed(2)}`, value: r.best },
  }));
  return lineChartSvg(panels, `mean ± std over ${SEEDS} seeds (0-${SEEDS - 1}); ${INITIAL} random to start, then ${ROUNDS} rounds of ${K}; commit ${commit}`);
}

async function main(): Promise<void> {
  const t0 = Date.now();
  const commit = benchCommit();
  const backend = await initBackend('auto');
  const cacheDir = STEP1_DIR || fs.mkdtempSync(path.join(os.tmpdir(), 'dele-loop-step1-'));
  // A kept cache (--step1-cache) may hold step 1 of an earlier run: the header says so, as the wall time then omits it.
  const cachedAtStart = STEP1_DIR && fs.existsSync(STEP1_DIR) ? fs.readdirSync(STEP1_DIR).filter((f) => f.endsWith('.step1')).length : 0;
  const step1 = new Step1Cache(cacheDir);
  const results: SpaceResult[] = [];
  try {
    for (const s of SPACES) results.push(await runSpace(s, step1, backend));
  } finally {
    if (!STEP1_DIR) fs.rmSync(cacheDir, { recursive: true, force: true });
  }
  const minutes = (Date.now() - t0) / 60000;
  const header = [
    `Loop bench (issue 21, part 4): the practitioner's loop with the bundled tables as the cluster`,
    `command: npm run bench:loop -- ${argv.join(' ')}`.trimEnd(),
    `commit ${commit}, node ${process.version}, backend ${backend}, ${os.cpus().length} cores; ${new Date().toISOString()}; wall time ${minutes.toFixed(1)} min` +
      (cachedAtStart ? ` (${cachedAtStart} step-1 result${cachedAtStart === 1 ? '' : 's'} came from an earlier run's cache ${STEP1_DIR}: their time is not in the wall time)` : ''),
    `seeds 0-${SEEDS - 1}; budget ${BUDGET} true evaluations = ${INITIAL} random + ${ROUNDS} rounds x k ${K}`,
    `DELE: per round trainOnLabels (method dele, preset ${PRESET}${EPOCHS || PRETRAIN_EPOCHS ? `, optim overrides epochs ${EPOCHS || '-'} pretrainEpochs ${PRETRAIN_EPOCHS || '-'}` : ''}, model seed = loop seed, ${JOBS} training job${JOBS === 1 ? '' : 's'}, no cross-validation;`,
    `  pool = the bundled table's LF columns, every target column dropped; labels = the target's true values looked up; step 1 once per seed via a step-1 cache),`,
    `  then proposeBatch (dele propose-batch: k ${K}, beta ${BETAS.join(' and ')}, the whole space scored, labelled architectures excluded, diverse batch); the labels' target is the reported target`,
    `random search: ${BUDGET} distinct random architectures. Regularised evolution (Real et al. 2019), population P, tournament S: ${EVOLUTION.map((e) => `P${e.population} S${e.tournament}`).join(', ')}`,
    `  (P10 S3: NAS-Bench-201's REA baseline, AutoDL-Projects scripts-search/algos/R-EA.sh; P30 S10: NASLib's, naslib/benchmarks/nas_predictors/discrete_config.yaml);`,
    `  one child per step = a random single edit (space.neighbours) of the tournament winner, the oldest member leaves; a child already evaluated is redrawn,`,
    `  so all ${BUDGET} evaluations are distinct architectures (Real et al. and NASLib would count a repeat as another evaluation).`,
    `Every method of a seed starts from the same ${INITIAL} random architectures (an evolution's first population starts with them).`,
    '',
  ];
  const text = `${[...header, ...results.flatMap(spaceTable)].join('\n')}`;
  process.stdout.write(text);
  const runs = (r: SpaceResult) => r.methods.map((m) => ({ method: m.name, curve: m.curve, runs: m.runs.map((x) => ({ seed: x.seed, keys: x.evaluations.map((e) => e.key), values: x.evaluations.map((e) => e.value) })) }));
  const json = { commit, backend, wallMinutes: minutes, experts: EXPERTS || 'default', seeds: SEEDS, initial: INITIAL, rounds: ROUNDS, k: K, betas: BETAS, evolution: EVOLUTION, preset: PRESET, results: results.map((r) => ({ ...r, methods: runs(r) })) };
  for (const [file, body] of [
    [OUT, text],
    [SVG, plot(results, commit)],
    [JSON_OUT, `${JSON.stringify(json)}\n`],
  ] as const) {
    if (!file) continue;
    fs.mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
    writeFileAtomically(file, body);
    log(`wrote ${file}`);
  }
}

runBench(main);
