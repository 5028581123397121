/** `dele bench` (methods x ratios x seeds on bundled data) and `dele bench --report FILE` (re-print a saved run). */
import { DEFAULT_STRUCTURAL_MAX, STRUCTURAL_SET } from '../../data/structural';
import * as fs from 'node:fs';
import { bundledSpaceIds, column, DataError, lfNames, loadBundled, splitDataset } from '../../data/dataset';
import { ABLATION_LIMITS, type AblationFile, ablationReport } from '../../experiment/ablation';
import { type BenchRow, type BenchTask, ratioForCount } from '../../experiment/bench';
import { closedFormFill } from '../../lf/closedForm';
import { LF_SPACES } from '../../lf/registry';
import type { EncoderType } from '../../predictor/model';
import { MAX_EXPERTS, resolveExperts } from '../../predictor/predictor';
import { presetOptim, type PresetName, STEP2_AVERAGE } from '../../predictor/presets';
import type { Method } from '../../predictor/train';
import { initBackend } from '../../runtime/backend';
import { writeFileAtomically } from '../../util/files';
import { type BenchFile, benchHeader, benchReport } from '../format';
import { backendOpt, checkOutputPath, type Command, err, gitCommit, list, loadSpace, num, oneOf, type Opts, pickTarget, UsageError } from '../options';
import { ABLATION_USAGE, cmdAblation } from './ablation';
import { runTasksInWorkers } from './tasks';

/** `dele bench --report FILE`: re-prints the tables of a saved run (--json output, bench or ablation) without training. */
function printSavedReport(file: string): void {
  let b: BenchFile;
  try {
    b = JSON.parse(fs.readFileSync(file, 'utf8')) as BenchFile;
  } catch (e) {
    throw new DataError(`cannot read bench results ${file}: ${(e as Error).message}`);
  }
  if ((b as unknown as { kind?: string })?.kind === 'ablation') {
    const a = b as unknown as AblationFile;
    if (!Array.isArray(a.rows) || !Array.isArray(a.variants)) throw new DataError(`${file} is not a dele bench --ablation --json file`);
    process.stdout.write(`${ablationReport(a)}\n`);
    return;
  }
  if (!Array.isArray(b?.rows) || !Array.isArray(b.ratios) || typeof b.target !== 'string') throw new DataError(`${file} is not a dele bench --json file`);
  if (b.counts !== undefined && (!Array.isArray(b.counts) || b.counts.length !== b.ratios.length)) {
    throw new DataError(`${file}: "counts" must be a list with one count per ratio`);
  }
  process.stdout.write(`${benchHeader(b)}\n${benchReport(b.rows, b.ratios, b.counts)}\n`);
}

/** Exit code: 0, or 130 when an ablation was interrupted (its finished part is printed). */
async function cmdBench(o: Opts): Promise<number> {
  if (o.report) {
    printSavedReport(o.report);
    return 0;
  }
  if (o.json !== undefined) checkOutputPath(o.json, 'json', 'file');
  if (o.ablation !== undefined) return await cmdAblation(o, o.ablation);
  const t0 = Date.now();
  // The commit of the code that runs: taken before the run (the tree may change during a long bench).
  const commit = gitCommit();
  const space = loadSpace(o);
  if (!bundledSpaceIds().includes(space.id)) throw new UsageError(`bench runs on bundled data; spaces with bundled data: ${bundledSpaceIds().join(', ')}`);
  const ds = loadBundled(space.id);
  const encoders = (list(o.encoder) ?? [...space.encoders]).map((e) => oneOf<EncoderType>(e, 'encoder', space.encoders, space.encoders[0] ?? 'gates'));
  const trainSize = splitDataset(ds.archs.length, 0).train.length;
  if (o.counts !== undefined && o.ratios !== undefined) throw new UsageError('give either --ratios or --counts, not both');
  const counts = list(o.counts)?.map((c) => {
    const x = num(c, 'counts', 0, Number.isInteger);
    if (x < 2 || x > trainSize) throw new UsageError(`--counts ${c}: the ground truth is 2 to ${trainSize} archs (the train split of ${space.id}'s ${ds.archs.length})`);
    return x;
  });
  if (counts && new Set(counts).size !== counts.length) throw new UsageError(`--counts ${o.counts}: each count once`);
  // A count c is the ratio whose floor(ratio * train size) is c (groundTruthSubset); the whole train split is 1.
  const ratios = counts ? counts.map((c) => ratioForCount(c, trainSize)) : (list(o.ratios) ?? ['0.01', '0.05', '0.1']).map((r) => num(r, 'ratios', 0, (x) => x > 0 && x <= 1));
  const seeds = num(o.seeds, 'seeds', 3, (x) => Number.isInteger(x) && x > 0);
  const subsetSeeds = o['subset-seeds'] === true;
  const preset = oneOf<PresetName>(o.preset, 'preset', ['cpu', 'paper', 'tiny'], 'cpu');
  const methods = (list(o.methods) ?? ['vanilla', 'single', 'dele']).map((m) => oneOf<Method>(m, 'methods', ['vanilla', 'single', 'dele'], 'dele'));
  const jobs = num(o.jobs, 'jobs', 2, (x) => Number.isInteger(x) && x > 0);
  const backend = await initBackend(backendOpt(o));
  const target = pickTarget(o, ds);
  const optim: Record<string, number> = {};
  if (o.epochs !== undefined) optim.epochs = num(o.epochs, 'epochs', 0, Number.isInteger);
  if (o['pretrain-epochs'] !== undefined) optim.pretrainEpochs = num(o['pretrain-epochs'], 'pretrain-epochs', 0, Number.isInteger);
  if (o['finetune-lr'] !== undefined) optim.finetuneLr = num(o['finetune-lr'], 'finetune-lr', 0, (x) => x > 0 && x < 1);
  if (o['step2-average'] !== undefined) optim.finetuneAverage = num(o['step2-average'], 'step2-average', 0, (x) => x >= 0 && x <= 1);
  const gatePrior = o['gate-prior'] === undefined ? undefined : num(o['gate-prior'], 'gate-prior', 0, (x) => x > 0);
  const step1Sample = o['step1-sample'] === undefined ? undefined : num(o['step1-sample'], 'step1-sample', 0, (x) => Number.isInteger(x) && x >= 0 && x <= 100_000);
  const step1SampleCounts = o['sample-counts'] === true;
  if (step1SampleCounts && !step1Sample) throw new UsageError('--sample-counts fills the architectures of --step1-sample N: give both');
  if (step1SampleCounts && !closedFormFill(space.id, lfNames(ds))) throw new UsageError(`--sample-counts: ${space.id}'s data has no flops or params column that dele-nas computes (it does for ${LF_SPACES.map((x) => x.id).join(', ')})`);
  const ensemble = o.ensemble === undefined ? undefined : num(o.ensemble, 'ensemble', 1, (x) => Number.isInteger(x) && x >= 1 && x <= ABLATION_LIMITS.ensemble);
  if (ensemble !== undefined && ensemble > 1 && !methods.includes('dele')) throw new UsageError('--ensemble repeats DELE\'s step 2: give --methods with dele');
  const structuralMax = o['structural-max'] === undefined ? undefined : num(o['structural-max'], 'structural-max', DEFAULT_STRUCTURAL_MAX, (x) => Number.isInteger(x) && x >= 1 && x <= MAX_EXPERTS);
  const lf = list(o.lf);
  if (structuralMax !== undefined && lf?.includes(STRUCTURAL_SET) !== true) throw new UsageError('--structural-max sets how many structural experts --lf structural chooses: give --lf with structural');
  if (structuralMax !== undefined && !methods.includes('dele')) throw new UsageError("--structural-max caps DELE's structural experts: give --methods with dele");
  // Opt-in here (an ablation caches by default): runs that differ only in DELE's step 2 share step 1.
  if (o['step1-cache'] !== undefined) checkOutputPath(o['step1-cache'], 'step1-cache', 'folder');
  const step1CacheDir = o['step1-cache'];
  const tasks: BenchTask[] = [];
  for (const encoder of encoders) {
    for (let seed = 0; seed < seeds; seed++) {
      tasks.push({ space: space.id, encoder, seed, ...(subsetSeeds ? { subsetSeed: seed } : {}), ratios, target, preset, experts: lf, optim, methods, ...(gatePrior ? { gatePrior } : {}), ...(step1Sample ? { step1Sample } : {}), ...(step1SampleCounts ? { step1SampleCounts } : {}), ...(ensemble && ensemble > 1 ? { ensemble } : {}), ...(step1CacheDir ? { step1CacheDir } : {}), ...(structuralMax !== undefined ? { structuralMax } : {}) });
    }
  }
  if (column(ds, target).kind !== 'target') throw new DataError(`column "${target}" is an LF measure, not a target`);
  // Structural experts are chosen in each task (per seed, on its labels): the header names the set, after the LF
  // columns named next to it (`--lf structural,flops,params`).
  const named = lf?.filter((n) => n !== STRUCTURAL_SET);
  const withStructural = lf?.includes(STRUCTURAL_SET) === true;
  const experts = withStructural ? [...(named && named.length > 0 ? resolveExperts(ds, 'dele', named) : []), STRUCTURAL_SET] : resolveExperts(ds, 'dele', lf);
  err(`bench: ${tasks.length} tasks (${encoders.join(', ')} x ${seeds} seeds${subsetSeeds ? ', subset seed = seed' : ''}), ${jobs} parallel jobs, backend ${backend}, preset ${preset}`);
  const { rows, peakKb } = await runTasksInWorkers<BenchTask, BenchRow>('__bench-task', tasks, (t) => `${t.encoder} seed ${t.seed}`, jobs, backend);
  const wall = (Date.now() - t0) / 1000;
  const peakMb = Math.max(peakKb, process.resourceUsage().maxRSS) / 1024;
  // What ran where no option overrode it: the preset's settings on this space.
  const defaults = presetOptim(preset, space);
  const result: BenchFile = {
    space: space.id,
    fingerprint: ds.fingerprint,
    commit,
    command: `dele ${process.argv.slice(2).join(' ')}`,
    experts,
    optim,
    methods,
    encoders,
    target,
    preset,
    seeds,
    subsetSeeds,
    ...(gatePrior ? { gatePrior } : {}),
    ...(step1Sample ? { step1Sample } : {}),
    ...(step1SampleCounts ? { step1SampleCounts } : {}),
    ...(ensemble && ensemble > 1 ? { ensemble } : {}),
    ...(structuralMax !== undefined ? { structuralMax } : {}),
    step1Epochs: optim.pretrainEpochs ?? defaults.pretrainEpochs,
    step2Average: optim.finetuneAverage ?? defaults.finetuneAverage ?? 0,
    ratios,
    ...(counts ? { counts } : {}),
    archs: ds.archs.length,
    backend,
    jobs,
    wallSeconds: wall,
    peakRssMb: peakMb,
    rows,
  };
  process.stdout.write(`${benchHeader(result)}\n${benchReport(rows, ratios, counts)}\n`);
  if (o.json) writeFileAtomically(o.json, JSON.stringify(result, null, 1));
  return 0;
}

export const benchCommand: Command = {
  name: 'bench',
  usage: [`  dele bench   [--space ID] [--target COL] [--encoder gates,lstm] [--ratios 0.01,0.05,0.1 | --counts 10,25,50] [--seeds N]
               [--preset cpu|paper|tiny] [--lf A,B,..|structural|structural,A,B,..]
               [--methods vanilla,single,dele] [--jobs N] [--json FILE] [--epochs N] [--pretrain-epochs N] [--subset-seeds]
               [--finetune-lr X] [--gate-prior T] [--step1-sample N [--sample-counts]] [--ensemble N] [--step1-cache DIR]
               [--structural-max N] [--step2-average F]
               (--subset-seeds: seed i also labels subset i, so seeds vary the labelled archs too; default: the
               first N of the train split for every seed. --lf: DELE's experts (default: the data's default set);
               structural adds up to ${DEFAULT_STRUCTURAL_MAX} structural measures chosen per seed on the fewest labels of the run, which every
               count has (a run per count chooses on that count's own, as dele train does); --structural-max N: at most N of them
               (default ${DEFAULT_STRUCTURAL_MAX}). --finetune-lr X: DELE's
               step-2 learning rate (default 3e-4 with at most 200 labels, else 1e-3, the paper's). --step2-average F:
               training on ground truth ends on the average of its weights over its last fraction F of epochs (default
               ${STEP2_AVERAGE} under the cpu preset; 0: the last epoch's). --gate-prior T: before
               step 2, DELE's gate leans on the experts that rank the labels best, logits tau_k / T. --step1-sample N: step 1 also trains on N architectures sampled
               from the space, seed i's own draw; they have no LF value, so only structural experts learn from them, and with
               --sample-counts also flops and params, computed for each in closed form. --ensemble N: DELE's step 2 N times
               from the one step 1 with N seeds, scores standardised on the labels and averaged; member 0 is the plain run.
               --step1-cache DIR: DELE's step 1 is read from and saved to DIR, so runs that differ in step 2 only train it once.
               Every row also reports Kendall's tau on the train split's unlabelled archs, a criterion to choose settings by)`, ABLATION_USAGE, `  dele bench   --report FILE                (re-print the tables of a saved --json run, bench or ablation)`].join('\n'),
  run: (o) => cmdBench(o),
};
