/**
 * The search bench (figures only): how good are the architectures `dele search` proposes? On NAS-Bench-201
 * (c10_test_200ep) and TransNAS-Bench-101 micro (its bundled predictor's target), with (a) the bundled predictor
 * and (b) DELE trained here on 1% of the train split's ground truth (GATES, cpu preset, model seed s, subset seed
 * s), the top-N proposals of a regularised evolution (budget B predictor calls) and of full enumeration are looked
 * up in the benchmark table: true value of the best and the mean of the N, regret against the best of the space,
 * and the expected best of random architectures given as many true evaluations (N, or labelled + N).
 * Training runs in child processes (--jobs). Run:
 *   npm run bench:search [-- --seeds 3 --budget 1000 --top 10 --jobs 2 --draws 1000 --spaces nb201,tnb101-micro]
 */
import { execFileSync, fork } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { column, type Dataset, findShipped, groundTruthSubset, loadBundled, splitDataset } from '../src/data/dataset';
import { initBackend } from '../src/runtime/backend';
import { meanStd } from '../src/predictor/metrics';
import { Predictor, trainPredictor } from '../src/predictor/predictor';
import type { PresetName } from '../src/predictor/presets';
import { searchSpace, seededRandom } from '../src/search';

const argv = process.argv.slice(2);
const arg = (name: string, dflt: string): string => {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 && argv[i + 1] !== undefined ? (argv[i + 1] as string) : dflt;
};
const SEEDS = Number(arg('seeds', '3'));
const BUDGET = Number(arg('budget', '1000'));
const TOP = Number(arg('top', '10'));
const JOBS = Number(arg('jobs', '2'));
const DRAWS = Number(arg('draws', '1000'));
const SPACES = arg('spaces', 'nb201,tnb101-micro').split(',');
const PRESET = arg('preset', 'cpu') as PresetName;
const RATIO = Number(arg('ratio', '0.01'));
/** Optimiser overrides, for smoke runs only (recorded in the config). */
const EPOCHS = arg('epochs', '');
const PRETRAIN_EPOCHS = arg('pretrain-epochs', '');
const OUT = path.resolve(arg('out', 'bench-results/search'));
/** Targets: NB201's usual one; elsewhere the bundled predictor's. */
const TARGETS: Record<string, string> = { nb201: 'c10_test_200ep' };

interface Task {
  space: string;
  kind: 'bundled' | 'dele';
  /** DELE: model and subset seed; bundled: unused. */
  seed: number;
}

interface Proposed {
  key: string;
  predicted: number;
  score: number;
  true: number;
  labelled: boolean;
}

interface Run {
  space: string;
  target: string;
  predictor: 'bundled' | 'dele';
  predictorSeed?: number;
  /** Architectures whose ground truth the predictor was trained on, and their share of the train split. */
  labelled: number;
  trainRatio: number;
  heldOutTau?: number;
  trainSeconds?: number;
  method: 'enumerate' | 'evolution';
  searchSeed: number;
  budget: number;
  evaluated: number;
  searchSeconds: number;
  top: Proposed[];
  best: number;
  mean: number;
  /** Best true value among the labelled architectures and the proposals. */
  bestKnown: number;
}

const log = (s: string): void => void process.stderr.write(`${s}\n`);

function git(args: string[]): string {
  try {
    return execFileSync('git', args, { stdio: ['ignore', 'pipe', 'ignore'] }).toString().trim();
  } catch {
    return 'unknown';
  }
}

function targetOf(space: string): string {
  const t = TARGETS[space];
  if (t) return t;
  const dir = findShipped(path.join('media', 'predictors', space, 'model.json'));
  if (!dir) throw new Error(`no bundled predictor for ${space}`);
  return (JSON.parse(fs.readFileSync(dir, 'utf8')) as { target: string }).target;
}

/** The indices of the table whose ground truth a predictor was trained on (as trainPredictor chose them). */
function labelledOf(ds: Dataset, p: Predictor): number[] {
  const truth = column(ds, p.meta.target).values;
  if (p.meta.dataset.fingerprint !== ds.fingerprint) throw new Error(`${p.meta.dataset.source}: the predictor was trained on other data than the bundled table`);
  const gt = groundTruthSubset(splitDataset(ds.archs.length, p.meta.splitSeed).train, p.meta.trainRatio, p.meta.subsetSeed).filter((i) => Number.isFinite(truth[i]));
  if (gt.length !== p.meta.dataset.groundTruthSize) throw new Error(`labelled set: ${gt.length} archs, the predictor says ${p.meta.dataset.groundTruthSize}`);
  return gt;
}

/** Child: one predictor (bundled, or trained here), its searches, the proposals' true values. */
async function runTask(task: Task): Promise<Run[]> {
  const backend = await initBackend('auto');
  const ds = loadBundled(task.space);
  const target = targetOf(task.space);
  const truth = column(ds, target).values;
  const index = new Map(ds.keys.map((k, i) => [k, i]));
  let p: Predictor;
  let trainSeconds: number | undefined;
  let heldOutTau: number | undefined;
  if (task.kind === 'bundled') {
    p = Predictor.load(path.dirname(findShipped(path.join('media', 'predictors', task.space, 'model.json')) as string));
    if (p.meta.target !== target) throw new Error(`the bundled ${task.space} predictor's target is ${p.meta.target}, not ${target}`);
  } else {
    const optim: Record<string, number> = {};
    if (EPOCHS) optim.epochs = Number(EPOCHS);
    if (PRETRAIN_EPOCHS) optim.pretrainEpochs = Number(PRETRAIN_EPOCHS);
    const t0 = Date.now();
    log(`[${task.space} dele seed ${task.seed}] training (${backend}, preset ${PRESET}, ratio ${RATIO})`);
    // DELE's expert set, as when the README's figures were made (the NB201 default changed after the ablation).
    const r = await trainPredictor(ds, { method: 'dele', encoder: 'gates', target, trainRatio: RATIO, ...(ds.expertSets?.paper ? { experts: ['paper'] } : {}), preset: PRESET, seed: task.seed, subsetSeed: task.seed, optim, backend });
    p = r.predictor;
    trainSeconds = (Date.now() - t0) / 1000;
    heldOutTau = r.metrics.kendallTau;
    log(`[${task.space} dele seed ${task.seed}] trained in ${trainSeconds.toFixed(0)} s, held-out tau ${heldOutTau.toFixed(4)}`);
  }
  const labelled = labelledOf(ds, p);
  const labelledKeys = new Set(labelled.map((i) => ds.keys[i] as string));
  const labelledBest = Math.max(...labelled.map((i) => truth[i] as number));
  const size = ds.space.size as number;
  const searches: { method: 'enumerate' | 'evolution'; budget: number; seed: number }[] = [];
  const searchSeeds = task.kind === 'bundled' ? Array.from({ length: SEEDS }, (_, s) => s) : [task.seed];
  for (const seed of searchSeeds) searches.push({ method: 'evolution', budget: BUDGET, seed });
  searches.push({ method: 'enumerate', budget: size, seed: 0 });
  const runs: Run[] = [];
  for (const s of searches) {
    const t0 = Date.now();
    const r = await searchSpace(ds.space, (archs) => Array.from(p.scores(archs)), { top: TOP, budget: s.budget, seed: s.seed });
    if (r.method !== s.method) throw new Error(`expected ${s.method}, ran ${r.method}`);
    const preds = p.predict(r.proposals.map((x) => x.arch));
    const top = r.proposals.map((x, i): Proposed => {
      const j = index.get(x.key);
      if (j === undefined) throw new Error(`${x.key} is not in the ${task.space} table`);
      return { key: x.key, score: x.score, predicted: (preds[i] as { accuracy: number }).accuracy, true: truth[j] as number, labelled: labelledKeys.has(x.key) };
    });
    const trues = top.map((x) => x.true);
    runs.push({
      space: task.space,
      target,
      predictor: task.kind,
      ...(task.kind === 'dele' ? { predictorSeed: task.seed, heldOutTau, trainSeconds } : {}),
      labelled: labelled.length,
      trainRatio: p.meta.trainRatio,
      method: r.method,
      searchSeed: s.seed,
      budget: s.budget,
      evaluated: r.evaluated,
      searchSeconds: (Date.now() - t0) / 1000,
      top,
      best: Math.max(...trues),
      mean: trues.reduce((a, b) => a + b, 0) / trues.length,
      bestKnown: Math.max(labelledBest, ...trues),
    });
  }
  p.dispose();
  return runs;
}

/** Expected best true value of k distinct random architectures: `draws` seeded draws, and the exact value. */
function randomBest(values: number[], k: number, draws: number, seed: number): { k: number; mc: number; exact: number } {
  const n = values.length;
  const random = seededRandom(seed);
  const idx = Array.from({ length: n }, (_, i) => i);
  let sum = 0;
  for (let d = 0; d < draws; d++) {
    let best = -Infinity;
    for (let i = 0; i < k; i++) {
      const j = i + Math.floor(random() * (n - i));
      const t = idx[i] as number;
      idx[i] = idx[j] as number;
      idx[j] = t;
      best = Math.max(best, values[idx[i] as number] as number);
    }
    sum += best;
  }
  // Exact: sorted ascending, P(the max is the j-th smallest, 1-based) = C(j-1, k-1) / C(n, k).
  const sorted = [...values].sort((a, b) => a - b);
  let p = k / n;
  let exact = 0;
  for (let j = n; j >= k; j--) {
    exact += p * (sorted[j - 1] as number);
    p *= (j - k) / (j - 1);
  }
  return { k, mc: sum / draws, exact };
}

function runChild(task: Task): Promise<Run[]> {
  return new Promise((resolve, reject) => {
    const child = fork(__filename, ['--task', JSON.stringify(task), ...argv], { stdio: ['ignore', 'pipe', 'inherit', 'ipc'] });
    let out = '';
    child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
    child.on('error', reject);
    child.on('exit', (code) => (code === 0 ? resolve(JSON.parse(out) as Run[]) : reject(new Error(`task ${JSON.stringify(task)} exited with ${code}`))));
  });
}

const f2 = (x: number): string => x.toFixed(2);
const cell = (xs: number[]): string => {
  const { mean, std } = meanStd(xs);
  return xs.length > 1 ? `${f2(mean)} (${f2(std)})` : f2(mean);
};

async function main(): Promise<void> {
  const t0 = Date.now();
  const commit = git(['rev-parse', '--short=12', 'HEAD']) + (git(['status', '--porcelain', '--untracked-files=no']) ? '+dirty' : '');
  const tasks: Task[] = [];
  // Longest first: DELE training on the larger space.
  for (const space of SPACES) for (let s = 0; s < SEEDS; s++) tasks.push({ space, kind: 'dele', seed: s });
  for (const space of SPACES) tasks.push({ space, kind: 'bundled', seed: 0 });
  const runs: Run[] = [];
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < tasks.length) {
      const task = tasks[next++] as Task;
      runs.push(...(await runChild(task)));
      log(`done: ${task.space} ${task.kind}${task.kind === 'dele' ? ` seed ${task.seed}` : ''} (${((Date.now() - t0) / 60000).toFixed(1)} min)`);
    }
  };
  await Promise.all(Array.from({ length: Math.min(JOBS, tasks.length) }, worker));

  const command = `npm run bench:search -- ${argv.join(' ')}`.trim();
  const lines: string[] = [];
  const spaces = SPACES.map((space) => {
    const ds = loadBundled(space);
    const target = targetOf(space);
    const values = Array.from(column(ds, target).values).filter(Number.isFinite);
    const best = Math.max(...values);
    const labelledCounts = [...new Set(runs.filter((r) => r.space === space).map((r) => r.labelled))].sort((a, b) => a - b);
    const baselines = [TOP, ...labelledCounts.map((l) => l + TOP)].map((k, i) => randomBest(values, k, DRAWS, 1000 + i));
    return { space, title: ds.space.title, target, fingerprint: ds.fingerprint, archs: ds.archs.length, tableArchs: values.length, best, baselines };
  });
  lines.push(
    `Search bench (${command}; commit ${commit}; ${((Date.now() - t0) / 60000).toFixed(1)} min, ${JOBS} jobs).`,
    `dele search's top-${TOP} proposals looked up in the benchmark table: "best" = true value of the best of the ${TOP}, "mean" = mean true value of the ${TOP}, regret = best of the space - best of the ${TOP};`,
    `"known" = best true value among the predictor's labelled architectures and the ${TOP} proposals (labelled + ${TOP} true evaluations); "lab@${TOP}" = proposals the predictor was trained on.`,
    `Predictors: bundled = media/predictors/<space> (DELE GATES; step 1 on the LF values of the train split, half the table; ground truth for the share of the train split shown), evolution with search seeds 0..${SEEDS - 1};`,
    `DELE 1% = trained here, DELE GATES preset ${PRESET}, ground truth for ${RATIO * 100}% of the train split (model seed s = subset seed s = search seed s, s = 0..${SEEDS - 1}${EPOCHS || PRETRAIN_EPOCHS ? `; optimiser overrides epochs=${EPOCHS || '-'} pretrainEpochs=${PRETRAIN_EPOCHS || '-'}` : ''}).`,
    `Evolution: regularised (aging) evolution, population 50, tournament 10, batch 32, budget ${BUDGET} predictor-scored architectures; enumerate: every architecture scored. Mean (std) over seeds.`,
    `Random: expected best true value of k distinct random architectures of the table, mean of ${DRAWS} seeded draws (exact expectation in the JSON).`,
    '',
  );
  for (const sp of spaces) {
    lines.push(`${sp.title}, target ${sp.target} (data fingerprint ${sp.fingerprint}; ${sp.tableArchs} architectures with a value); best of the space ${f2(sp.best)}`);
    lines.push(`${'predictor'.padEnd(26)} ${'search'.padEnd(17)} ${'best'.padEnd(13)} ${'mean'.padEnd(13)} ${'regret'.padEnd(13)} ${'known'.padEnd(13)} lab@${TOP}`);
    for (const kind of ['bundled', 'dele'] as const) {
      for (const method of ['evolution', 'enumerate'] as const) {
        const rs = runs.filter((r) => r.space === sp.space && r.predictor === kind && r.method === method);
        if (rs.length === 0) continue;
        const first = rs[0] as Run;
        const name = `${kind === 'bundled' ? 'bundled' : 'DELE'} ${first.trainRatio * 100}% (${first.labelled} labels)`;
        const search = method === 'evolution' ? `evolution ${BUDGET}` : `enumerate ${(rs[0] as Run).evaluated}`;
        lines.push(
          `${name.padEnd(26)} ${search.padEnd(17)} ${cell(rs.map((r) => r.best)).padEnd(13)} ${cell(rs.map((r) => r.mean)).padEnd(13)} ${cell(rs.map((r) => sp.best - r.best)).padEnd(13)} ${cell(rs.map((r) => r.bestKnown)).padEnd(13)} ${cell(rs.map((r) => r.top.filter((x) => x.labelled).length))}`,
        );
      }
    }
    lines.push(`random: ${sp.baselines.map((b) => `best of ${b.k} ${f2(b.mc)} (regret ${f2(sp.best - b.mc)})`).join('; ')}`);
    const tau = runs.filter((r) => r.space === sp.space && r.predictor === 'dele' && r.method === 'enumerate');
    if (tau.length) {
      const t = meanStd(tau.map((r) => r.heldOutTau ?? NaN));
      lines.push(`DELE ${RATIO * 100}% predictors: held-out Kendall's tau ${t.mean.toFixed(4)} (${t.std.toFixed(4)}); training ${cell(tau.map((r) => r.trainSeconds ?? NaN))} s per seed`);
    }
    lines.push('');
  }
  const config = {
    command,
    commit,
    seeds: SEEDS,
    budget: BUDGET,
    top: TOP,
    jobs: JOBS,
    draws: DRAWS,
    preset: PRESET,
    ratio: RATIO,
    optim: { epochs: EPOCHS || undefined, pretrainEpochs: PRETRAIN_EPOCHS || undefined },
    search: { population: 50, tournament: 10, batch: 32 },
    backend: await initBackend('auto'),
    wallSeconds: (Date.now() - t0) / 1000,
    spaces: spaces.map(({ space, target, fingerprint, archs, tableArchs, best }) => ({ space, target, fingerprint, archs, tableArchs, best })),
  };
  fs.mkdirSync(path.dirname(OUT), { recursive: true });
  fs.writeFileSync(`${OUT}.json`, JSON.stringify({ config, baselines: spaces.map((s) => ({ space: s.space, random: s.baselines })), runs }, null, 1));
  fs.writeFileSync(`${OUT}.txt`, `${lines.join('\n')}\n`);
  process.stdout.write(`${lines.join('\n')}\n`);
}

const taskArg = argv.indexOf('--task');
if (taskArg >= 0) {
  runTask(JSON.parse(argv[taskArg + 1] as string) as Task).then(
    (runs) => process.stdout.write(JSON.stringify(runs)),
    (e) => {
      log(`search bench task failed: ${(e as Error).stack ?? e}`);
      process.exit(1);
    },
  );
} else {
  main().catch((e) => {
    log(`search bench failed: ${(e as Error).stack ?? e}`);
    process.exit(1);
  });
}
