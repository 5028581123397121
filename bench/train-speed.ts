/**
 * Training speed (issue #10 part 5): seconds per step-1 epoch (DELE, GATES, 12 experts, the 7,813 archs of the
 * NB201 train split, batch 512) with 1 and N worker threads for the cpu and paper presets, and seconds of step 2
 * at 1% ground truth (78 archs, 200 epochs), next to the PyTorch figures of ../shared/docs/peer-torch/README.md.
 * With --baseline DIR (a source tree of an earlier commit, e.g. `git archive <commit> src | tar -x -C DIR` plus a
 * node_modules link, and a COMMIT file naming it) the same protocol also times that code (with every --jobs
 * setting if it has the parallel trainers, else on 1 thread) and the output says whether its results are bit
 * for bit those of this tree.
 * Every configuration runs in a fresh process, one after the other: W warm-up epochs, then E timed ones.
 * No build needed: under tsx the expert workers load src/predictor/expertWorker.ts.
 * Run: npm run bench:train-speed [-- --presets cpu,paper --jobs 1,2 --epochs 3 --warmup 1 --seed 0
 *      --step2-epochs 200 --baseline DIR --out bench-results/train-speed --pytorch FILE] [--profile: CPU profiles of
 *      the 1-thread runs, summarised by category; a separate run, as sampling slows the code] [--product
 *      auto|fma|exact|tfjs: training's product kernel in this tree, wasmGemm.ts's setTrainingProduct; 1 thread
 *      only, as worker threads choose their own]
 * --pytorch FILE: the JSON lines of bench/peer-torch.sh (the PyTorch yardstick run on this machine in the same
 * session), shown next to ours; without it the table shows the figures measured on 2026-11-29.
 */
import { fork } from 'node:child_process';
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { benchCommit } from './provenance';

const argv = process.argv.slice(2);
const opt = (name: string, dflt: string): string => {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 && argv[i + 1] !== undefined ? argv[i + 1]! : dflt;
};

/** PyTorch 1.13.1 (Debian, OpenBLAS), same model and data, this machine: ../shared/docs/peer-torch/README.md (measured 2026-11-29). */
interface PyTorchFigures {
  source: string;
  step1: Record<'cpu' | 'paper', { oneCore: [number, number]; twoCoresBest: [number, number]; twoCoresBestSetting: string }>;
  step2: { oneCore?: number; twoCores?: number; text: string };
}

const PYTORCH_2026_11_29: PyTorchFigures = {
  source: '../shared/docs/peer-torch/README.md and summary.txt (PyTorch 1.13.1 Debian python3-torch, OpenBLAS; measured 2026-11-29 on this machine; min / median s per step-1 epoch)',
  step1: {
    cpu: { oneCore: [3.3, 3.47], twoCoresBest: [2.92, 2.94], twoCoresBestSetting: 'torch.set_num_threads(2), OPENBLAS_NUM_THREADS=1' },
    paper: { oneCore: [8.59, 9.34], twoCoresBest: [8.07, 8.28], twoCoresBestSetting: '1 OpenMP thread, OPENBLAS_NUM_THREADS=2' },
  },
  step2: { text: '9–13 s (full cpu-preset runs, seeds 0-2, step 2 at 1%: 78 archs, 200 epochs)' },
};

/** The PyTorch figures of a bench/peer-torch.sh run (labels cpu-1core, cpu-2core-best, paper-..., step2-1core, step2-2core). */
function readPyTorch(file: string): PyTorchFigures {
  const runs = new Map<string, { min?: number; median?: number; step2_s?: number; torch?: string }>();
  for (const line of fs.readFileSync(file, 'utf8').split('\n')) if (line.trim()) {
    const r = JSON.parse(line) as { label: string; min?: number; median?: number; step2_s?: number; torch?: string };
    runs.set(r.label, r);
  }
  const pair = (label: string): [number, number] => {
    const r = runs.get(label);
    if (r?.min === undefined || r.median === undefined) throw new Error(`${file}: no timing run labelled ${label}`);
    return [r.min, r.median];
  };
  return {
    source: `${path.relative(process.cwd(), file)} (bench/peer-torch.sh: ../shared/docs/peer-torch/dele_torch.py, PyTorch ${runs.get('cpu-1core')?.torch ?? '?'} Debian python3-torch + libopenblas0-pthread, run on this machine in the same session; 1 warm-up + 3 timed epochs, min / median s per step-1 epoch)`,
    step1: {
      cpu: { oneCore: pair('cpu-1core'), twoCoresBest: pair('cpu-2core-best'), twoCoresBestSetting: 'torch.set_num_threads(2), OPENBLAS_NUM_THREADS=1' },
      paper: { oneCore: pair('paper-1core'), twoCoresBest: pair('paper-2core-best'), twoCoresBestSetting: '1 OpenMP thread, OPENBLAS_NUM_THREADS=2' },
    },
    step2: { ...(runs.get('step2-1core')?.step2_s !== undefined ? { oneCore: runs.get('step2-1core')!.step2_s } : {}), ...(runs.get('step2-2core')?.step2_s !== undefined ? { twoCores: runs.get('step2-2core')!.step2_s } : {}), text: 'full cpu-preset run, step 2 at 1%: 78 archs, 200 epochs' },
  };
}

interface RunSpec {
  impl: 'current' | 'baseline';
  root: string;
  kind: 'step1' | 'step2';
  preset: 'cpu' | 'paper';
  jobs: number;
  epochs: number;
  seed: number;
  /** --product: training's product kernel in the current tree (setTrainingProduct; default auto). */
  product?: string;
}

interface RunResult extends RunSpec {
  epochSeconds: number[];
  losses: number[];
  /** sha256 over all weights after the run. */
  weights: string;
  /** trainingNumerics() of the tree (which product kernel trained), where it has one. */
  numerics?: string;
  totalSeconds: number;
  peakRssMb: number;
}

/** One configuration, in this (child) process. */
async function runOne(spec: RunSpec): Promise<RunResult> {
  const src = path.join(spec.root, 'src');
  const { initBackend } = await import(path.join(src, 'runtime/backend'));
  const { column, groundTruthSubset, loadBundled, splitDataset } = await import(path.join(src, 'data/dataset'));
  const { resolveExperts } = await import(path.join(src, 'predictor/predictor'));
  const { modelBase, PRESETS } = await import(path.join(src, 'predictor/presets'));
  const { Adam } = await import(path.join(src, 'predictor/adam'));
  const { EnsembleModel } = await import(path.join(src, 'predictor/model'));
  const { Rng } = await import(path.join(src, 'util/rng'));
  const train = await import(path.join(src, 'predictor/train'));
  await initBackend('wasm');
  if (spec.product && spec.impl === 'current') {
    const { setTrainingProduct } = await import(path.join(src, 'runtime/wasmGemm'));
    setTrainingProduct(spec.product);
  }
  const ds = loadBundled('nb201');
  // DELE's 12-expert set (the default before the ablation; older checkouts given as --baseline have no named sets).
  const experts: string[] = resolveExperts(ds, 'dele', ds.expertSets?.paper ? ['paper'] : undefined);
  const preset = PRESETS[spec.preset];
  const cfg = train.modelConfigFor(modelBase(preset, 'gates', ds.space.encoderInput), 'dele', experts);
  const model = new EnsembleModel(cfg, spec.seed);
  const opt = new Adam({ lr: preset.optim.lr });
  const split = splitDataset(ds.archs.length, 0);
  const stamps: number[] = [];
  const losses: number[] = [];
  const t0 = performance.now();
  let last = t0;
  const onEpoch = (e: { loss: number }): void => {
    const now = performance.now();
    stamps.push((now - last) / 1000);
    losses.push(e.loss);
    last = now;
  };
  // Trees since this bench existed have the parallel trainers; older ones (7f30f29) train on one thread.
  const parallel = fs.existsSync(path.join(src, 'predictor/parallel.ts'));
  if (spec.kind === 'step1') {
    const optim = { ...preset.optim, pretrainEpochs: spec.epochs };
    const lf = experts.map((n) => column(ds, n).values);
    const rng = new Rng(spec.seed);
    if (parallel) {
      const { pretrainExpertsParallel } = await import(path.join(src, 'predictor/parallel'));
      await pretrainExpertsParallel(model, opt, ds.features, split.train, lf, optim, rng, { onEpoch }, { jobs: spec.jobs });
    } else await train.pretrainExperts(model, opt, ds.features, split.train, lf, optim, rng, { onEpoch });
  } else {
    const truth = column(ds, 'c10_test_200ep').values;
    const gt = groundTruthSubset(split.train, 0.01).filter((i: number) => Number.isFinite(truth[i]));
    const optim = { ...preset.optim, epochs: spec.epochs };
    if (parallel) {
      const { trainOnTruthParallel } = await import(path.join(src, 'predictor/parallel'));
      await trainOnTruthParallel(model, opt, ds.features, gt, truth, optim, new Rng(spec.seed), { onEpoch }, { jobs: spec.jobs });
    } else await train.trainOnTruth(model, opt, ds.features, gt, truth, optim, new Rng(spec.seed), { onEpoch });
  }
  const h = crypto.createHash('sha256');
  for (const [name, v] of model.params.vars as Map<string, { dataSync(): Float32Array }>) {
    h.update(name);
    h.update(Buffer.from(v.dataSync().slice().buffer));
  }
  const numerics = typeof train.trainingNumerics === 'function' ? (train.trainingNumerics as () => string)() : undefined;
  return { ...spec, epochSeconds: stamps, losses, weights: h.digest('hex'), ...(numerics ? { numerics } : {}), totalSeconds: (performance.now() - t0) / 1000, peakRssMb: process.resourceUsage().maxRSS / 1024 };
}

/** Self time of a V8 .cpuprofile by category (wasm kernels, TF.js engine JS, our JS, GC) and its top functions. */
function summarizeProfile(file: string): string {
  const p = JSON.parse(fs.readFileSync(file, 'utf8')) as { nodes: { id: number; callFrame: { functionName: string; url: string; lineNumber: number } }[]; samples: number[]; timeDeltas: number[] };
  const dt = new Map<number, number>();
  p.samples.forEach((id, i) => dt.set(id, (dt.get(id) ?? 0) + (p.timeDeltas[i] ?? 0)));
  const byCat = new Map<string, number>();
  const byFn = new Map<string, number>();
  let total = 0;
  for (const n of p.nodes) {
    const t = (dt.get(n.id) ?? 0) / 1e6;
    total += t;
    const { functionName: fn, url } = n.callFrame;
    const cat = fn.startsWith('wasm-function') || url.startsWith('wasm://') ? 'wasm kernels (products, elementwise)'
      : fn === '(garbage collector)' ? 'GC'
      : fn === '(idle)' || fn === '(program)' ? fn
      : url.includes('tfjs-core') ? 'tfjs-core JS (op dispatch, tape, gradients)'
      : url.includes('tfjs-backend-wasm') ? 'tfjs-backend-wasm JS (kernel glue, malloc)'
      : url.includes('src/predictor/adam') ? 'Adam (JS)'
      : url.includes('src/predictor/loss') ? 'pair sampling, hinge (JS)'
      : url.includes('src/predictor/') ? 'dele-nas predictor JS (one-hot products, bias sums, model)'
      : 'other JS (module loading, data, ...)';
    byCat.set(cat, (byCat.get(cat) ?? 0) + t);
    const name = `${fn || '(anonymous)'} ${url.replace(/.*node_modules\//, '').replace(/.*\/src\//, 'src/')}`;
    byFn.set(name, (byFn.get(name) ?? 0) + t);
  }
  const rows = (m: Map<string, number>, n: number): string[] => [...m].sort((a, b) => b[1] - a[1]).slice(0, n).map(([k, v]) => `  ${v.toFixed(2).padStart(7)} s ${((100 * v) / total).toFixed(1).padStart(5)}%  ${k}`);
  return [`sampled ${total.toFixed(2)} s`, ...rows(byCat, 12), ' top functions (self time):', ...rows(byFn, 8)].join('\n');
}

function runChild(spec: RunSpec, profileDir?: string): Promise<RunResult & { profile?: string }> {
  return new Promise((resolve, reject) => {
    const prof = profileDir ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] : [];
    const child = fork(__filename, ['--child', JSON.stringify(spec)], { execArgv: [...prof, '--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    let result: RunResult | undefined;
    child.on('message', (m) => (result = m as RunResult));
    child.on('exit', (code) => {
      if (!result) return reject(new Error(`${JSON.stringify(spec)}: exit ${code}`));
      const file = profileDir && fs.readdirSync(profileDir).find((f) => f.endsWith('.cpuprofile'));
      resolve(file ? { ...result, profile: summarizeProfile(path.join(profileDir, file)) } : result);
    });
  });
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};
const f = (x: number | undefined, d = 2): string => (x === undefined || !Number.isFinite(x) ? '–' : x.toFixed(d));

async function main(): Promise<void> {
  const presets = opt('presets', 'cpu,paper').split(',') as ('cpu' | 'paper')[];
  const jobsList = opt('jobs', '1,2').split(',').map(Number);
  const epochs = Number(opt('epochs', '3'));
  const warmup = Number(opt('warmup', '1'));
  const seed = Number(opt('seed', '0'));
  const step2Epochs = Number(opt('step2-epochs', '200'));
  const product = argv.includes('--product') ? opt('product', 'auto') : undefined;
  if (product && !['auto', 'fma', 'exact', 'tfjs'].includes(product)) throw new Error(`--product ${product}: auto, fma, exact or tfjs`);
  if (product && jobsList.some((j) => j > 1)) throw new Error('--product applies to this thread only: use it with --jobs 1');
  const baseline = argv.includes('--baseline') ? path.resolve(opt('baseline', '')) : undefined;
  const out = path.resolve(opt('out', 'bench-results/train-speed'));
  // --profile: the 1-thread runs also write a V8 CPU profile, summarised in the output (slower: sampling overhead).
  const profile = argv.includes('--profile');
  if (argv.includes('--pytorch') && !opt('pytorch', '')) throw new Error('--pytorch needs a file (the JSON lines of bench/peer-torch.sh)');
  const PYTORCH = argv.includes('--pytorch') ? readPyTorch(path.resolve(opt('pytorch', ''))) : PYTORCH_2026_11_29;
  const root = path.resolve(__dirname, '..');
  const log = (s: string): void => void process.stderr.write(`${s}\n`);
  const commit = benchCommit();
  const baselineCommit = baseline && fs.existsSync(path.join(baseline, 'COMMIT')) ? fs.readFileSync(path.join(baseline, 'COMMIT'), 'utf8').trim() : undefined;
  const { loadBundled } = await import('../src/data/dataset');
  const fingerprint = loadBundled('nb201').fingerprint;
  const load0 = os.loadavg();
  const t0 = Date.now();

  // A baseline with the parallel trainers runs every --jobs setting too; an older one runs on one thread.
  const baselineJobs = baseline ? (fs.existsSync(path.join(baseline, 'src/predictor/parallel.ts')) ? jobsList : [1]) : [];
  const specs: RunSpec[] = [];
  for (const preset of presets) {
    for (const jobs of baselineJobs) specs.push({ impl: 'baseline', root: baseline!, kind: 'step1', preset, jobs, epochs: warmup + epochs, seed });
    for (const jobs of jobsList) specs.push({ impl: 'current', root, kind: 'step1', preset, jobs, epochs: warmup + epochs, seed, ...(product ? { product } : {}) });
  }
  if (step2Epochs > 0) {
    for (const jobs of baselineJobs) specs.push({ impl: 'baseline', root: baseline!, kind: 'step2', preset: 'cpu', jobs, epochs: step2Epochs, seed });
    for (const jobs of jobsList) specs.push({ impl: 'current', root, kind: 'step2', preset: 'cpu', jobs, epochs: step2Epochs, seed, ...(product ? { product } : {}) });
  }
  const results: (RunResult & { profile?: string })[] = [];
  for (const s of specs) {
    log(`${s.impl} ${s.kind} ${s.preset} jobs ${s.jobs} (${s.epochs} epochs)...`);
    const r = await runChild(s, profile && s.jobs === 1 ? fs.mkdtempSync(path.join(os.tmpdir(), 'dele-prof-')) : undefined);
    log(`  epochs ${r.epochSeconds.map((x) => x.toFixed(2)).join(' ')} s; total ${r.totalSeconds.toFixed(1)} s`);
    results.push(r);
  }

  const find = (impl: string, kind: string, preset: string, jobs: number): RunResult | undefined => results.find((r) => r.impl === impl && r.kind === kind && r.preset === preset && r.jobs === jobs);
  const timed = (r?: RunResult): number[] => (r ? r.epochSeconds.slice(warmup) : []);
  const same = (a?: RunResult, b?: RunResult): string => (!a || !b ? 'n/a' : a.weights === b.weights && JSON.stringify(a.losses) === JSON.stringify(b.losses) ? 'yes' : 'NO');
  const lines: string[] = [];
  lines.push('DELE training speed: step 1 (GATES, 12 experts, 7,813 NB201 train archs, batch 512) and step 2 at 1% (78 archs, 200 epochs)');
  lines.push(`commit ${commit}; data nb201 bundled, fingerprint ${fingerprint}; seed ${seed}; ${warmup} warm-up + ${epochs} timed epochs per step-1 run, each configuration in a fresh process, one after another`);
  lines.push(`node ${process.version}; @tensorflow/tfjs-backend-wasm 4.22 (SIMD, single-threaded under Node; N workers = N threads, each its own wasm instance); ${os.cpus()[0]?.model ?? '?'} x${os.availableParallelism()}; load average at start ${load0.map((x) => x.toFixed(2)).join(' ')}, at end ${os.loadavg().map((x) => x.toFixed(2)).join(' ')}`);
  if (baseline) lines.push(`baseline: ${baselineCommit ?? baseline} (the code before this change${baselineJobs.length === 1 ? '; 1 thread, as it cannot use more' : `; ${baselineJobs.join(' and ')} threads as now`})`);
  const kernels = [...new Set(results.filter((r) => r.impl === 'current').map((r) => r.numerics ?? '?'))].join(', ');
  lines.push(`training numerics now: ${kernels} (TRAINING_NUMERICS and the product kernel: fma = wasm relaxed-SIMD fused multiply-add, exact = tf.matMul's rounding)`);
  lines.push(`command: npm run bench:train-speed -- ${argv.join(' ')}`);
  lines.push('');
  lines.push('Seconds per step-1 epoch, min / median of the timed epochs (per-core figure = wall x workers; now / PyTorch = ratio of medians, wall time):');
  lines.push('| preset | setting | before | now | now, per core | PyTorch 1.13 (min / median) | now / PyTorch | bit-identical to 1 thread |');
  lines.push('|---|---|---|---|---|---|---|---|');
  for (const preset of presets) {
    for (const jobs of jobsList) {
      const r = find('current', 'step1', preset, jobs);
      const t = timed(r);
      const torch = jobs === 1 ? PYTORCH.step1[preset].oneCore : PYTORCH.step1[preset].twoCoresBest;
      const setting = jobs === 1 ? '1 core' : `${jobs} cores, one run`;
      const own = timed(find('baseline', 'step1', preset, jobs));
      const base = own.length ? own : timed(find('baseline', 'step1', preset, 1));
      const before = own.length ? `${f(Math.min(...base))} / ${f(median(base))}` : base.length ? `${f(Math.min(...base))} / ${f(median(base))} (cannot use a 2nd core)` : '–';
      lines.push(
        `| ${preset} | ${setting} | ${base.length ? before : '–'} | ${f(Math.min(...t))} / ${f(median(t))} | ${f(median(t) * jobs)} | ${torch[0].toFixed(2)} / ${torch[1].toFixed(2)}${jobs > 1 ? ` (best 2-core setting: ${PYTORCH.step1[preset].twoCoresBestSetting})` : ''} | ${f(median(t) / torch[1])} | ${jobs === 1 ? (baseline ? `vs before: ${same(find('baseline', 'step1', preset, 1), r)}` : '–') : same(find('current', 'step1', preset, 1), r)} |`,
      );
    }
  }
  const s1 = find('current', 'step2', 'cpu', 1);
  if (s1) {
    lines.push('');
    lines.push(`Step 2 at 1% (cpu preset, 78 archs, ${step2Epochs} epochs; seconds from the start of step 2 to its end, worker start-up included):`);
    lines.push('| setting | before | now | PyTorch 1.13 | bit-identical |');
    lines.push('|---|---|---|---|---|');
    const torch2 = (jobs: number): string => {
      const t = jobs === 1 ? PYTORCH.step2.oneCore : PYTORCH.step2.twoCores;
      return t === undefined ? PYTORCH.step2.text : `${f(t, 1)} (${jobs === 1 ? '1 thread' : '2 threads'}; ${PYTORCH.step2.text})`;
    };
    for (const jobs of jobsList) {
      const r = find('current', 'step2', 'cpu', jobs);
      if (!r) continue;
      const s2b = find('baseline', 'step2', 'cpu', jobs) ?? find('baseline', 'step2', 'cpu', 1);
      const ident = jobs === 1 ? (s2b ? `vs before: ${same(s2b, r)}` : '–') : `vs 1 thread: ${same(s1, r)}`;
      lines.push(`| ${jobs === 1 ? '1 core' : `${jobs} cores (${jobs} workers)`} | ${s2b ? f(s2b.totalSeconds, 1) : '–'} | ${f(r.totalSeconds, 1)} | ${torch2(jobs)} | ${ident} |`);
    }
  }
  for (const r of results.filter((x) => x.profile)) {
    lines.push('');
    lines.push(`CPU profile, ${r.impl} ${r.kind} ${r.preset}, 1 thread, ${r.epochs} epochs (whole process, start-up included):`);
    lines.push(r.profile!);
  }
  lines.push('');
  lines.push(`PyTorch figures: ${PYTORCH.source}.`);
  lines.push(`wall time of the bench ${((Date.now() - t0) / 60000).toFixed(1)} min`);
  const text = lines.join('\n');
  fs.mkdirSync(path.dirname(out), { recursive: true });
  fs.writeFileSync(`${out}.txt`, `${text}\n`);
  fs.writeFileSync(`${out}.json`, JSON.stringify({ commit, baseline: baselineCommit ?? baseline, fingerprint, seed, warmup, epochs, step2Epochs, presets, jobs: jobsList, command: `npm run bench:train-speed -- ${argv.join(' ')}`, node: process.version, cpus: os.availableParallelism(), loadavgStart: load0, loadavgEnd: os.loadavg(), pytorch: PYTORCH, results }, null, 1));
  process.stdout.write(`${text}\n`);
}

if (argv[0] === '--child') {
  runOne(JSON.parse(argv[1]!) as RunSpec)
    .then((r) => process.send?.(r, () => process.exit(0)))
    .catch((e: Error) => {
      console.error(e.stack ?? e.message);
      process.exit(1);
    });
} else {
  main().catch((e: Error) => {
    console.error(e.stack ?? e.message);
    process.exit(1);
  });
}
