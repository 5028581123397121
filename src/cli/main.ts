/**
 * `dele` command line: train, eval, predict, rank, bench, info. Results on stdout (tables or JSON),
 * progress and logs on stderr.
 */
import { fork } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { execFileSync } from 'node:child_process';
import { parse as parseYaml } from 'yaml';
import {
  bundledDataSpace,
  bundledSpaceIds,
  column,
  type Dataset,
  DataError,
  findShipped,
  importDataFile,
  joinDatasets,
  lfNames,
  loadBundled,
  splitDataset,
  targetNames,
} from '../data/dataset';
import { writeFileAtomically } from '../util/files';
import { parseSpaceFile, SPACE_FILE_RE, SpaceFileError } from '../space/declared';
import { BUILTIN_SPACES, builtinSpace, DEFAULT_SPACE_ID, UnknownSpaceError } from '../space/registry';
import { ArchParseError, parseOrThrow, type SearchSpace } from '../space/types';
import { type BackendChoice, initBackend } from '../runtime/backend';
import { type BenchRow, type BenchTask, runBenchTask } from '../experiment/bench';
import { type AblationFile, type AblationRow, ablationReport, type AblationTask, carveValidation, parseAblationSpec, planAblation, resolveVariants, runAblationTask } from '../experiment/ablation';
import { Step1Cache } from '../experiment/step1Cache';
import { applyCalibration } from '../predictor/calibration';
import { evaluate, evaluateCalibrated, meanStd } from '../predictor/metrics';
import type { EncoderType } from '../predictor/model';
import { Predictor, PredictorFileError, resolveExperts, trainPredictor } from '../predictor/predictor';
import type { PresetName } from '../predictor/presets';
import { type Method, TrainingCancelled, trainingNumerics } from '../predictor/train';
import { proposalsCsv, type ProposalRow, searchSpace } from '../search';
import { LfCache } from '../lf/cache';
import { archsInText, lfCsv, parseShard, sampleJobs, shardOfKey } from '../lf/jobs';
import { DEFAULT_LF_MEASURES, DEFAULT_LF_SETTINGS, LF_MEASURES, type LfEngine } from '../lf/measures';
import { runLf } from '../lf/pool';
import { defaultTrainingJobs } from '../predictor/parallel';
import { LF_SPACES, lfSpace } from '../lf/registry';
import { measuresOf } from '../lf/space';

const USAGE = `dele: DELE accuracy predictor for NAS

Usage:
  dele train   [--space ID|FILE] [--data bundled|FILE] [--target COL] [--method dele|single|vanilla] [--lf A,B,..|paper]
               [--ratio 0.01] [--encoder gates|lstm] [--preset cpu|paper|tiny] [--epochs N]
               [--pretrain-epochs N] [--seed N] [--split-seed N] [--subset-seed N] [--jobs N] --out DIR
               (--lf paper: DELE's NB201 expert set, the default before the ablation; the default is the set it
               chose on a validation split, see README. --subset-seed N: the ground-truth archs are a seeded
               shuffle's first N of the train split;
               default: the first N. --jobs N: worker threads for both steps (step 1: the experts on LF;
               step 2: the networks on ground truth); default all cores but one, at least 1; the result is
               the same bit for bit with any N)
  dele eval    --model DIR | --space ID [--data bundled|FILE]
  dele predict --model DIR | --space ID [ARCH ...]   (arch strings as arguments, or one per line on stdin;
               --space alone uses the predictor bundled for that space)
  dele rank    --model DIR | --space ID [--data bundled|FILE] [--top N]
  dele search  --model DIR | --space ID [--top 10] [--budget 2000] [--from ARCH ...] [--seed 0] [--csv FILE]
               (proposes the architectures the predictor rates best: the whole space is scored when it has at
               most --budget architectures, else a regularised evolution, seeded, scores --budget of them; --from
               starts it from an architecture and its neighbours. JSON on stdout as rank: predicted accuracy, true
               value where the bundled table has the architecture, top-3 gate weights. Ctrl-C stops the search and
               prints the best found so far)
  dele bench   [--space ID] [--target COL] [--encoder gates,lstm] [--ratios 0.01,0.05,0.1 | --counts 10,25,50] [--seeds N]
               [--preset cpu|paper|tiny]
               [--methods vanilla,single,dele] [--jobs N] [--json FILE] [--epochs N] [--pretrain-epochs N] [--subset-seeds]
               (--subset-seeds: seed i also labels subset i, so seeds vary the labelled archs too; default: the
               first N of the train split for every seed)
  dele bench   --ablation FILE [--jobs N] [--threads N] [--json OUT] [--step1-cache DIR | --no-cache]
               (design choices compared under a validation protocol: FILE (YAML or JSON) lists variants (expert
               set, preset, optimiser settings, step-2 lr, seed ensemble); seed i = model seed i and labelled
               subset i; validation split carved from the training split; held-out scored only for the report;
               step 1 is cached under ~/.cache/dele-nas/step1 unless --no-cache; --threads: step-1 worker
               threads per task (same results); with --json, Ctrl-C prints the finished part and the same
               command resumes. Examples: bench/ablation-nb201-gates.yaml, bench/ablation-nb201-lstm.yaml)
  dele bench   --report FILE                (re-print the tables of a saved --json run, bench or ablation)
  dele lf      --space nb201|nb301|nb101 [--measures A,B,..] (--archs FILE | --sample N [--seed S]) [--jobs N]
               [--shard K/N] [--batch 64] [--cache FILE | --no-cache] --out lf.csv
               (low-fidelity measures computed here, NAS-Bench-Suite-Zero's definitions; measures:
               ${LF_MEASURES.map((m) => m.id).join(', ')}; default ${DEFAULT_LF_MEASURES.join(',')}; nb101: flops, params.
               --archs: every architecture found in a file (any format the editor reads); --shard K/N: the
               architectures whose key hashes to K (0-based) of N, for job arrays; results are cached, so a re-run
               resumes. Train on them: dele train --data lf.csv,truth.csv)
  dele info    [--space ID|FILE] [--data bundled|FILE]   (columns: targets and LF measures)
  dele spaces                                (the built-in search spaces)

Spaces (--space): ${BUILTIN_SPACES.map((x) => x.id).join(', ')} (default ${DEFAULT_SPACE_ID}), or a space file (*.space.yaml / *.space.json)
declaring your own; bundled data exists for the built-in spaces. A predictor knows its space: eval, predict and
rank need no --space.
Common: --backend auto|wasm|cpu|tensorflow (default auto: tfjs-node if installed, else wasm).
Data files: CSV with a header (arch column + numeric columns) or a JSON array of objects; see README.md.`;

class UsageError extends Error {}

const OPTIONS = {
  space: { type: 'string' },
  data: { type: 'string' },
  target: { type: 'string' },
  method: { type: 'string' },
  lf: { type: 'string' },
  ratio: { type: 'string' },
  ratios: { type: 'string' },
  counts: { type: 'string' },
  encoder: { type: 'string' },
  preset: { type: 'string' },
  epochs: { type: 'string' },
  'pretrain-epochs': { type: 'string' },
  seed: { type: 'string' },
  seeds: { type: 'string' },
  'split-seed': { type: 'string' },
  'subset-seed': { type: 'string' },
  'subset-seeds': { type: 'boolean' },
  out: { type: 'string' },
  model: { type: 'string' },
  top: { type: 'string' },
  budget: { type: 'string' },
  from: { type: 'string', multiple: true },
  csv: { type: 'string' },
  jobs: { type: 'string' },
  json: { type: 'string' },
  report: { type: 'string' },
  methods: { type: 'string' },
  backend: { type: 'string' },
  'arch-column': { type: 'string' },
  measures: { type: 'string' },
  archs: { type: 'string' },
  sample: { type: 'string' },
  shard: { type: 'string' },
  batch: { type: 'string' },
  cache: { type: 'string' },
  'no-cache': { type: 'boolean' },
  ablation: { type: 'string' },
  'step1-cache': { type: 'string' },
  threads: { type: 'string' },
  targets: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

type Opts = ReturnType<typeof parseArgs<{ options: typeof OPTIONS; allowPositionals: true }>>['values'];

function num(v: string | undefined, name: string, dflt: number, check: (x: number) => boolean = Number.isFinite): number {
  if (v === undefined) return dflt;
  const x = Number(v);
  if (!check(x)) throw new UsageError(`--${name} ${v}: not a valid value`);
  return x;
}

function oneOf<T extends string>(v: string | undefined, name: string, allowed: readonly T[], dflt: T): T {
  if (v === undefined) return dflt;
  if (!(allowed as readonly string[]).includes(v)) throw new UsageError(`--${name} must be one of ${allowed.join(', ')}, got "${v}"`);
  return v as T;
}

function list(v: string | undefined): string[] | undefined {
  return v === undefined ? undefined : v.split(',').map((s) => s.trim()).filter(Boolean);
}

function backendOpt(o: Opts): BackendChoice {
  return oneOf<BackendChoice>(o.backend, 'backend', ['auto', 'wasm', 'cpu', 'tensorflow'], 'auto');
}

/** --space: a built-in id or a space file; default NAS-Bench-201 (or `fallback`, e.g. a predictor's space). */
function loadSpace(o: Opts, fallback?: SearchSpace): SearchSpace {
  if (o.space === undefined) return fallback ?? (builtinSpace(DEFAULT_SPACE_ID) as SearchSpace);
  const b = builtinSpace(o.space);
  if (b) return b;
  if (SPACE_FILE_RE.test(o.space) || fs.existsSync(o.space)) {
    let text: string;
    try {
      text = fs.readFileSync(o.space, 'utf8');
    } catch (e) {
      throw new DataError(`cannot read space file ${o.space}: ${(e as Error).message}`);
    }
    return parseSpaceFile(text, o.space).space;
  }
  throw new UnknownSpaceError(o.space);
}

function loadData(o: Opts, fallback?: SearchSpace): Dataset {
  const space = loadSpace(o, fallback);
  const bundled = bundledDataSpace(o.data, space.id);
  if (bundled !== undefined) {
    if (bundled !== space.id) throw new UsageError(`--data bundled:${bundled} does not match --space ${space.id}`);
    return loadBundled(space.id);
  }
  const data = o.data as string;
  // Several files (a, b, …) join by architecture: `dele lf` output (or its shards) with a ground-truth file.
  const files = fs.existsSync(data) ? [data] : (list(data) ?? []);
  return joinDatasets(files.map((f) => importDataFile(f, { space, archColumn: o['arch-column'], targets: list(o.targets) })));
}

/** The target to train on: --target, else the data's default, else its first target column. */
function pickTarget(o: Opts, ds: Dataset): string {
  const target = o.target ?? ds.defaultTarget ?? targetNames(ds)[0];
  if (!target) throw new DataError(`${ds.source} has no target column; name one with --targets`);
  return target;
}

const err = (msg: string): void => {
  process.stderr.write(`${msg}\n`);
};

function fmt(x: number, d = 4): string {
  return Number.isFinite(x) ? x.toFixed(d) : 'n/a';
}

function metricsTable(m: ReturnType<typeof evaluate>): string {
  return [
    `held-out archs   ${m.n}`,
    `Kendall's tau    ${fmt(m.kendallTau)}`,
    `Spearman         ${fmt(m.spearman)}`,
    `P@top1%          ${fmt(m.precisionAt1)}`,
    `P@top5%          ${fmt(m.precisionAt5)}`,
    `P@top10%         ${fmt(m.precisionAt10)}`,
    `MAE (calibrated) ${fmt(m.mae, 3)}`,
  ].join('\n');
}

/** Fails before any training when --out cannot become a predictor folder. */
function checkOut(out: string): void {
  const full = path.resolve(out);
  if (fs.existsSync(full)) {
    if (!fs.statSync(full).isDirectory()) throw new UsageError(`--out ${out} exists and is not a folder`);
    const entries = fs.readdirSync(full);
    if (entries.length > 0 && !entries.includes('model.json')) throw new UsageError(`--out ${out} is a folder with other files in it, not a predictor; choose an empty or new folder`);
  }
  const parent = path.dirname(full);
  try {
    fs.mkdirSync(parent, { recursive: true });
    fs.accessSync(parent, fs.constants.W_OK);
  } catch (e) {
    throw new DataError(`cannot write to ${parent}: ${(e as Error).message}`);
  }
}

async function cmdTrain(o: Opts): Promise<void> {
  if (!o.out) throw new UsageError('train needs --out DIR');
  checkOut(o.out);
  const ds = loadData(o);
  const backend = await initBackend(backendOpt(o));
  const method = oneOf<Method>(o.method, 'method', ['dele', 'single', 'vanilla'], 'dele');
  const encoder = oneOf<EncoderType>(o.encoder, 'encoder', ['gates', 'lstm'], ds.space.encoders[0] ?? 'gates');
  const preset = oneOf<PresetName>(o.preset, 'preset', ['cpu', 'paper', 'tiny'], 'cpu');
  const target = pickTarget(o, ds);
  const ratio = num(o.ratio, 'ratio', 0.01, (x) => x > 0 && x <= 1);
  const jobs = num(o.jobs, 'jobs', defaultTrainingJobs(), (x) => Number.isInteger(x) && x >= 1 && x <= 64);
  err(`backend ${backend}; space ${ds.space.id}; data ${ds.source} (${ds.archs.length} archs); ${method} ${encoder} preset ${preset}; target ${target}; ratio ${ratio}; ${jobs} training worker${jobs === 1 ? '' : 's'}`);
  const ac = new AbortController();
  process.once('SIGINT', () => {
    err('cancelling...');
    ac.abort();
  });
  const optim: Record<string, number> = {};
  if (o.epochs !== undefined) optim.epochs = num(o.epochs, 'epochs', 0, (x) => Number.isInteger(x) && x >= 0);
  if (o['pretrain-epochs'] !== undefined) optim.pretrainEpochs = num(o['pretrain-epochs'], 'pretrain-epochs', 0, (x) => Number.isInteger(x) && x >= 0);
  const t = Date.now();
  const r = await trainPredictor(
    ds,
    {
      method,
      encoder,
      target,
      trainRatio: ratio,
      experts: list(o.lf),
      preset,
      seed: num(o.seed, 'seed', 0, Number.isInteger),
      splitSeed: num(o['split-seed'], 'split-seed', 0, Number.isInteger),
      subsetSeed: o['subset-seed'] === undefined ? undefined : num(o['subset-seed'], 'subset-seed', 0, (x) => Number.isInteger(x) && x >= 0),
      optim,
      backend,
      jobs,
    },
    {
      signal: ac.signal,
      onEpoch: (e) => {
        if (e.epoch % 10 === 0 || e.epoch === e.epochs) err(`[${e.phase}] epoch ${e.epoch}/${e.epochs} loss ${fmt(e.loss)} (${((Date.now() - t) / 1000).toFixed(0)}s)`);
      },
    },
  );
  try {
    r.predictor.saveAtomically(o.out);
  } catch (e) {
    r.predictor.dispose();
    throw new DataError(`cannot save the predictor to ${o.out}: ${(e as Error).message}; nothing there was changed`);
  }
  err(`saved ${path.resolve(o.out)} (${r.predictor.meta.trainSeconds.toFixed(1)}s)`);
  process.stdout.write(`${metricsTable(r.metrics)}\n`);
  r.predictor.dispose();
}

/** --model DIR, or with only --space ID the predictor bundled for that space (media/predictors/ID). */
function loadPredictor(o: Opts): Predictor {
  if (o.model) return Predictor.load(o.model);
  if (o.space !== undefined && builtinSpace(o.space)) {
    const dir = bundledPredictorDir(o.space);
    if (dir) return Predictor.load(dir);
    throw new UsageError(`no predictor is bundled for space ${o.space}: train one (dele train --space ${o.space} --out DIR) and pass --model DIR`);
  }
  throw new UsageError('needs --model DIR (or --space ID to use the predictor bundled for a built-in space)');
}

function bundledPredictorDir(spaceId: string): string | undefined {
  const model = findShipped(path.join('media', 'predictors', spaceId, 'model.json'));
  return model === undefined ? undefined : path.dirname(model);
}

/** Data for a loaded predictor: --data, else the data it was trained on when that is bundled. */
function dataFor(o: Opts, p: Predictor): Dataset {
  // --space alone names the bundled predictor of that space; with --model the predictor knows its space.
  if (o.space !== undefined && (o.model !== undefined || o.space !== p.space.id)) throw new UsageError('a predictor knows its space: drop --space');
  const src = p.meta.dataset.source;
  const data = o.data ?? (bundledDataSpace(src) !== undefined || fs.existsSync(src) ? src : undefined);
  if (data === undefined) throw new UsageError(`the predictor was trained on ${src}, which is not here: name the data with --data FILE`);
  return loadData({ ...o, data }, p.space);
}

async function cmdEval(o: Opts): Promise<void> {
  await initBackend(backendOpt(o));
  const p = loadPredictor(o);
  const ds = dataFor(o, p);
  const truth = column(ds, p.meta.target).values;
  // Same data as training: its held-out split. Other data: every arch.
  const idx = ds.fingerprint === p.meta.dataset.fingerprint ? splitDataset(ds.archs.length, p.meta.splitSeed).heldOut : ds.archs.map((_, i) => i);
  const s = p.scores(idx.map((i) => ds.archs[i]));
  const m = evaluateCalibrated(s, p.meta.calibration, idx.map((i) => truth[i]!));
  process.stdout.write(`${ds.fingerprint === p.meta.dataset.fingerprint ? 'held-out split' : 'all archs'} of ${ds.source}, target ${p.meta.target}\n${metricsTable(m)}\n`);
  p.dispose();
}

async function readStdinLines(): Promise<string[]> {
  if (process.stdin.isTTY) return [];
  const chunks: Buffer[] = [];
  for await (const c of process.stdin) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8').split(/\r?\n/).map((l) => l.trim()).filter(Boolean);
}

async function cmdPredict(o: Opts, positionals: string[]): Promise<void> {
  await initBackend(backendOpt(o));
  const inputs = positionals.length > 0 ? positionals : await readStdinLines();
  if (inputs.length === 0) throw new UsageError('predict needs architecture strings (arguments or stdin)');
  const p = loadPredictor(o);
  if (o.space !== undefined && o.space !== p.space.id) {
    p.dispose();
    throw new UsageError(`the predictor is for space ${p.space.id}, not ${o.space}`);
  }
  let archs: unknown[];
  try {
    archs = inputs.map((s) => parseOrThrow(p.space, s));
  } catch (e) {
    p.dispose();
    throw e;
  }
  const preds = p.predict(archs);
  process.stdout.write(`${JSON.stringify(preds.map((x) => ({ ...x, experts: [...x.experts].sort((a, b) => b.weight - a.weight) })), null, 1)}\n`);
  p.dispose();
}

async function cmdRank(o: Opts): Promise<void> {
  await initBackend(backendOpt(o));
  const p = loadPredictor(o);
  const ds = dataFor(o, p);
  const s = p.scores(ds.archs);
  const top = num(o.top, 'top', 20, (x) => Number.isInteger(x) && x > 0);
  const truthCol = ds.columns.find((c) => c.name === p.meta.target);
  const order = Array.from(s.keys()).sort((a, b) => s[b]! - s[a]!).slice(0, top);
  const rows = order.map((i, r) => ({
    rank: r + 1,
    arch: ds.keys[i],
    predicted: Number(applyCalibration(p.meta.calibration, s[i]!).toFixed(3)),
    ...(truthCol ? { true: truthCol.values[i] } : {}),
  }));
  process.stdout.write(`${JSON.stringify(rows, null, 1)}\n`);
  p.dispose();
}

/** The bundled table's value of `target` per key, when the space ships one with that column. */
function bundledTruth(spaceId: string, target: string): Map<string, number> | undefined {
  if (!bundledSpaceIds().includes(spaceId)) return undefined;
  const ds = loadBundled(spaceId);
  const col = ds.columns.find((c) => c.name === target);
  if (!col) return undefined;
  const m = new Map<string, number>();
  ds.keys.forEach((k, i) => {
    const v = col.values[i];
    if (v !== undefined && Number.isFinite(v)) m.set(k, v);
  });
  return m;
}

async function cmdSearch(o: Opts): Promise<number> {
  const top = num(o.top, 'top', 10, (x) => Number.isInteger(x) && x > 0);
  const budget = num(o.budget, 'budget', 2000, (x) => Number.isInteger(x) && x > 0 && x <= 10_000_000);
  const seed = num(o.seed, 'seed', 0, Number.isInteger);
  await initBackend(backendOpt(o));
  const p = loadPredictor(o);
  try {
    if (o.space !== undefined && o.space !== p.space.id) throw new UsageError(`the predictor is for space ${p.space.id}, not ${o.space}`);
    const space = p.space;
    const from = (o.from ?? []).map((t) => {
      try {
        return parseOrThrow(space, t);
      } catch (e) {
        throw ArchParseError.is(e) ? new DataError(`--from: ${e.message} (${space.id} syntax: ${space.syntax})`) : e;
      }
    });
    const truth = bundledTruth(space.id, p.meta.target);
    const ac = new AbortController();
    const onSigint = (): void => {
      err('search: stopping; printing the best found so far');
      ac.abort();
    };
    process.once('SIGINT', onSigint);
    const t0 = Date.now();
    let shown = 0;
    err(`search: ${space.id} (${space.size !== undefined ? `${space.size.toLocaleString('en-US')} architectures` : (space.sizeText ?? 'size unknown')}), predictor target ${p.meta.target}, budget ${budget}, seed ${seed}${from.length ? `, from ${from.length} architecture(s)` : ''}`);
    const r = await searchSpace(space, (archs) => Array.from(p.scores(archs)), {
      top,
      budget,
      seed,
      from,
      signal: ac.signal,
      onProgress: (pr) => {
        // About ten lines per search.
        if (pr.evaluated < pr.budget && pr.evaluated < shown + pr.budget / 10) return;
        shown = pr.evaluated;
        err(`search: ${pr.evaluated}/${pr.budget} scored, best predicted ${fmt(applyCalibration(p.meta.calibration, pr.bestScore), 2)} (${((Date.now() - t0) / 1000).toFixed(1)} s)`);
      },
    }).finally(() => process.off('SIGINT', onSigint));
    const preds = p.predict(r.proposals.map((x) => x.arch));
    const rows: ProposalRow[] = preds.map((x, i) => {
      const t = truth?.get(x.arch);
      return {
        rank: i + 1,
        arch: x.arch,
        predicted: Number(x.accuracy.toFixed(3)),
        score: Number(x.score.toFixed(6)),
        ...(t !== undefined ? { true: t } : {}),
        experts: [...x.experts]
          .sort((a, b) => b.weight - a.weight)
          .slice(0, 3)
          .map((e) => ({ name: e.name, weight: Number(e.weight.toFixed(4)) })),
      };
    });
    err(
      `search: ${r.method === 'enumerate' ? 'enumerated' : 'evolution scored'} ${r.evaluated} architectures in ${((Date.now() - t0) / 1000).toFixed(1)} s${r.cancelled ? ' (interrupted)' : ''}` +
        (truth ? `; true values: ${p.meta.target} from the bundled table` : `; no bundled table of ${p.meta.target} for ${space.id}: no true values`),
    );
    if (o.csv) {
      fs.writeFileSync(o.csv, proposalsCsv(rows, 3));
      err(`search: wrote ${o.csv}`);
    }
    process.stdout.write(`${JSON.stringify(rows, null, 1)}\n`);
    return r.cancelled ? 130 : 0;
  } finally {
    p.dispose();
  }
}

function cmdSpaces(): void {
  const bundled = bundledSpaceIds();
  const lines = BUILTIN_SPACES.map(
    (x) => `${x.id.padEnd(14)} ${x.title}: ${x.size?.toLocaleString('en-US') ?? x.sizeText ?? '?'} architectures; encoders ${x.encoders.join(', ')}${bundled.includes(x.id) ? '; bundled data' : ''}\n${''.padEnd(15)}${x.syntax}`,
  );
  lines.push('', 'Declare your own space in a *.space.yaml file and pass it as --space FILE (README.md).');
  process.stdout.write(`${lines.join('\n')}\n`);
}

function cmdInfo(o: Opts): void {
  const ds = loadData(o);
  const lines = [`${ds.source}: ${ds.space.title} (${ds.space.id}), ${ds.archs.length} archs, fingerprint ${ds.fingerprint}`];
  if (ds.defaultTarget) lines.push(`default target: ${ds.defaultTarget}`);
  if (ds.defaultExperts) lines.push(`default experts: ${ds.defaultExperts.join(', ')}`);
  lines.push('targets:');
  for (const n of targetNames(ds)) lines.push(`  ${n.padEnd(30)} ${column(ds, n).description}`);
  lines.push('LF measures:');
  for (const n of lfNames(ds)) {
    const c = column(ds, n);
    const missing = c.values.filter((v) => !Number.isFinite(v)).length;
    lines.push(`  ${n.padEnd(30)} ${missing ? `(${missing} missing) ` : ''}${c.description}`);
  }
  process.stdout.write(`${lines.join('\n')}\n`);
}

/**
 * Runs tasks in parallel child processes (this script with an internal command that prints
 * {"rows": [...], "maxRssKb": N}); returns all rows and the largest child peak RSS (kB). `onDone` sees each
 * finished task; when `signal` aborts, the running children are stopped, no task starts, and the rows of the
 * tasks that finished are returned with `interrupted` set.
 */
async function runTasksInWorkers<T, R>(
  command: '__bench-task' | '__ablation-task',
  tasks: T[],
  describe: (t: T) => string,
  jobs: number,
  backend: string,
  hooks: { onDone?: (task: T, rows: R[]) => void; signal?: AbortSignal } = {},
): Promise<{ rows: R[]; peakKb: number; interrupted: boolean }> {
  const rows: R[] = [];
  let next = 0;
  let peakKb = 0;
  const script = process.argv[1];
  if (script === undefined) throw new Error('cannot run bench tasks: no script path in process.argv');
  const worker = async (): Promise<void> => {
    while (next < tasks.length && !hooks.signal?.aborted) {
      const task = tasks[next++]!;
      const out = await new Promise<{ rows: R[]; maxRssKb: number } | undefined>((resolve, reject) => {
        const child = fork(script, [command, JSON.stringify(task), '--backend', backend], { stdio: ['ignore', 'pipe', 'inherit', 'ipc'] });
        const stop = (): void => void child.kill('SIGTERM');
        hooks.signal?.addEventListener('abort', stop);
        let stdout = '';
        child.stdout?.on('data', (d: Buffer) => (stdout += d.toString()));
        child.on('error', reject);
        child.on('exit', (code) => {
          hooks.signal?.removeEventListener('abort', stop);
          if (hooks.signal?.aborted) resolve(undefined);
          else if (code !== 0) reject(new Error(`bench task ${describe(task)} exited with ${code}`));
          else resolve(JSON.parse(stdout));
        });
      });
      if (!out) return;
      peakKb = Math.max(peakKb, out.maxRssKb);
      rows.push(...out.rows);
      hooks.onDone?.(task, out.rows);
    }
  };
  await Promise.all(Array.from({ length: Math.min(jobs, tasks.length) }, worker));
  return { rows, peakKb, interrupted: hooks.signal?.aborted === true };
}

async function cmdBenchTask(o: Opts, positionals: string[]): Promise<void> {
  await initBackend(backendOpt(o));
  const json = positionals[0];
  if (json === undefined) throw new UsageError('__bench-task needs a task (JSON) argument');
  const task = JSON.parse(json) as BenchTask;
  const rows = await runBenchTask(loadBundled(task.space ?? DEFAULT_SPACE_ID), task, err);
  process.stdout.write(JSON.stringify({ rows, maxRssKb: process.resourceUsage().maxRSS }));
}

async function cmdAblationTask(o: Opts, positionals: string[]): Promise<void> {
  await initBackend(backendOpt(o));
  const json = positionals[0];
  if (json === undefined) throw new UsageError('__ablation-task needs a task (JSON) argument');
  const task = JSON.parse(json) as AblationTask;
  const cache = task.step1CacheDir ? new Step1Cache(task.step1CacheDir) : undefined;
  const rows = await runAblationTask(loadBundled(task.space), task, cache, err);
  process.stdout.write(JSON.stringify({ rows, maxRssKb: process.resourceUsage().maxRSS }));
}

/** `dele bench --ablation FILE`: variants under the validation protocol (src/experiment/ablation.ts). */
async function cmdAblation(o: Opts, file: string): Promise<number> {
  const t0 = Date.now();
  const commit = gitCommit();
  let raw: unknown;
  try {
    raw = parseYaml(fs.readFileSync(file, 'utf8'));
  } catch (e) {
    throw new DataError(`cannot read ablation file ${file}: ${(e as Error).message}`);
  }
  const spec = parseAblationSpec(raw);
  const space = builtinSpace(spec.space);
  if (!space || !bundledSpaceIds().includes(space.id)) throw new DataError(`ablation file: space must be one with bundled data: ${bundledSpaceIds().join(', ')}`);
  const ds = loadBundled(space.id);
  const target = spec.target ?? ds.defaultTarget ?? targetNames(ds)[0];
  if (target === undefined || !targetNames(ds).includes(target)) throw new DataError(`ablation file: target "${spec.target}" is not a target column of ${space.id} (${targetNames(ds).join(', ')})`);
  const variants = resolveVariants(ds, spec, target);
  const jobs = num(o.jobs, 'jobs', 2, (x) => Number.isInteger(x) && x > 0);
  const backend = await initBackend(backendOpt(o));
  const numerics = trainingNumerics();
  const cacheDir = o['no-cache'] ? undefined : (o['step1-cache'] ?? path.join(cacheRoot(), 'step1'));
  const threads = num(o.threads, 'threads', 1, (x) => Number.isInteger(x) && x > 0);
  const tasks = planAblation(spec, ds, target, variants, cacheDir, threads);
  // With --json, every finished task is appended to a checkpoint next to it; a re-run of the same command
  // (after Ctrl-C or a crash) takes those tasks from there. It is removed once the table is complete.
  const checkpoint = o.json ? `${o.json}.partial.jsonl` : undefined;
  const done = new Map<string, AblationRow[]>();
  if (checkpoint && fs.existsSync(checkpoint)) {
    for (const line of fs.readFileSync(checkpoint, 'utf8').split('\n')) {
      try {
        const c = JSON.parse(line) as { task: string; rows: AblationRow[]; numerics?: number | string };
        // A task finished by an implementation with other training rounding runs again (TRAINING_NUMERICS).
        if (typeof c.task === 'string' && Array.isArray(c.rows) && c.numerics === numerics) done.set(c.task, c.rows);
      } catch {
        // a torn last line: that task runs again
      }
    }
  }
  const todo = tasks.filter((t) => !done.has(JSON.stringify(t)));
  const fromCheckpoint = tasks.flatMap((t) => done.get(JSON.stringify(t)) ?? []);
  err(`ablation: ${variants.length} variants, ${tasks.length} tasks (step-1 groups x ${spec.seeds} seeds)${todo.length < tasks.length ? `, ${tasks.length - todo.length} from ${checkpoint}` : ''}, ${jobs} parallel jobs, backend ${backend}${cacheDir ? `, step-1 cache ${cacheDir}` : ''}`);
  const abort = new AbortController();
  const onSigint = (): void => {
    err('ablation: interrupted; stopping the running tasks and printing the table of those that finished');
    abort.abort();
  };
  process.once('SIGINT', onSigint);
  const run = await runTasksInWorkers<AblationTask, AblationRow>('__ablation-task', todo, (t) => `${t.variants.map((v) => v.name).join('+')} seed ${t.seed}`, jobs, backend, {
    signal: abort.signal,
    onDone: (task, taskRows) => {
      if (checkpoint) fs.appendFileSync(checkpoint, `${JSON.stringify({ task: JSON.stringify(task), rows: taskRows, numerics })}\n`);
    },
  }).finally(() => process.off('SIGINT', onSigint));
  const rows = [...fromCheckpoint, ...run.rows];
  const s = carveValidation(ds.archs.length, spec.validation);
  const result: AblationFile = {
    kind: 'ablation',
    space: space.id,
    spaceTitle: space.title,
    fingerprint: ds.fingerprint,
    target,
    commit,
    command: `dele ${process.argv.slice(2).join(' ')}`,
    backend,
    jobs,
    seeds: spec.seeds,
    validation: spec.validation,
    trainSize: s.train.length,
    heldOutSize: s.heldOut.length,
    wallSeconds: (Date.now() - t0) / 1000,
    ...(run.interrupted ? { partial: true } : {}),
    variants,
    rows,
  };
  if (run.interrupted) {
    process.stdout.write(`${ablationReport(result)}\n`);
    err(`ablation: interrupted; the table above covers the finished tasks only${checkpoint ? `; re-run the same command to finish the rest (${checkpoint} keeps what finished)` : ''}`);
    return 130;
  }
  if (o.json) writeFileAtomically(o.json, JSON.stringify(result, null, 1));
  if (checkpoint) fs.rmSync(checkpoint, { force: true });
  process.stdout.write(`${ablationReport(result)}\n`);
  return 0;
}

const METHOD_LABEL: Record<Method, string> = { vanilla: 'vanilla', single: 'best single LF', dele: 'DELE' };

/** `counts`: the ground truth was given as numbers of archs (--counts); columns are labelled with them. */
export function benchReport(rows: BenchRow[], ratios: number[], counts?: number[]): string {
  const label = (ratio: number, i: number): string => {
    const count = counts?.[i];
    return count !== undefined ? `${count} archs` : `${(ratio * 100).toString()}%`;
  };
  const out: string[] = [];
  const encoders = [...new Set(rows.map((r) => r.encoder))];
  const methods = (['vanilla', 'single', 'dele'] as Method[]).filter((m) => rows.some((r) => r.method === m));
  const cell = (vals: number[]): string => {
    const { mean, std } = meanStd(vals);
    return `${fmt(mean)} (${fmt(std)})`;
  };
  const table = (title: string, pick: (r: BenchRow) => number): void => {
    out.push(`\n${title}`);
    out.push(`${'encoder'.padEnd(8)} ${'method'.padEnd(15)} ${ratios.map((ratio, i) => label(ratio, i).padEnd(17)).join(' ')}`);
    for (const e of encoders) {
      for (const m of methods) {
        const cells = ratios.map((ratio) => cell(rows.filter((r) => r.encoder === e && r.method === m && r.ratio === ratio).map(pick)).padEnd(17));
        out.push(`${e.toUpperCase().padEnd(8)} ${METHOD_LABEL[m].padEnd(15)} ${cells.join(' ')}`);
      }
    }
  };
  table("Kendall's tau, mean (std) over seeds", (r) => r.metrics.kendallTau);
  table('Precision@top5%', (r) => r.metrics.precisionAt5);
  table('Precision@top10%', (r) => r.metrics.precisionAt10);
  out.push('\nWall time per run, mean seconds (step-2 training; step 1 shared by all ratios of a seed)');
  for (const e of encoders) {
    for (const m of methods) {
      const rs = rows.filter((r) => r.encoder === e && r.method === m);
      const pre = meanStd([...new Map(rs.map((r) => [`${r.seed}:${r.lf}`, r.pretrainSeconds])).values()]).mean;
      out.push(
        `${e.toUpperCase().padEnd(8)} ${METHOD_LABEL[m].padEnd(15)} step1 ${fmt(pre, 1).padStart(7)}s   step2 ${ratios.map((ratio, i) => `${label(ratio, i)}: ${fmt(meanStd(rs.filter((r) => r.ratio === ratio).map((r) => r.trainSeconds)).mean, 1)}s`).join('  ')}`,
      );
    }
  }
  const single = rows.filter((r) => r.method === 'single');
  if (single.length) {
    const counts = new Map<string, number>();
    for (const r of single) counts.set(`${r.encoder.toUpperCase()} ${r.lf}`, (counts.get(`${r.encoder.toUpperCase()} ${r.lf}`) ?? 0) + 1);
    out.push(`\nSingle-LF choice (best Kendall's tau with the target on the ground-truth subset), runs: ${[...counts].map(([k, n]) => `${k} x${n}`).join(', ')}`);
  }
  return out.join('\n');
}

interface BenchFile {
  /** Absent in files written before spaces existed: nb201. */
  space?: string;
  fingerprint?: string;
  commit?: string;
  command?: string;
  experts?: string[];
  optim?: Record<string, number>;
  methods?: string[];
  encoders?: string[];
  target: string;
  preset: string;
  seeds: number;
  /** True: seed i used subset seed i (groundTruthSubset); absent or false: the first N of the train split for every seed. */
  subsetSeeds?: boolean;
  ratios: number[];
  /** Set when the ground truth was given as counts of archs (--counts); ratios are then derived from them. */
  counts?: number[];
  /** Architectures in the bundled data (absent in older files: the space's size). */
  archs?: number;
  backend: string;
  jobs?: number;
  wallSeconds: number;
  peakRssMb: number;
  rows: BenchRow[];
}

function benchHeader(b: BenchFile): string {
  const space = builtinSpace(b.space ?? DEFAULT_SPACE_ID);
  const n = b.archs ?? space?.size ?? 0;
  const split = splitDataset(n, 0);
  const lines = [
    `DELE benchmark on ${space?.title ?? b.space} (bundled data${b.fingerprint ? `, fingerprint ${b.fingerprint}` : ''}), target ${b.target}`,
    `train split ${split.train.length} archs (all LF values used in step 1), held-out split ${split.heldOut.length} archs; ${b.counts ? 'ground truth = that many archs of the train split' : 'ratios = share of the train split with ground truth'}`,
    `preset ${b.preset}, seeds 0..${b.seeds - 1}, backend ${b.backend}${b.jobs ? `, ${b.jobs} jobs` : ''}; wall time ${(b.wallSeconds / 60).toFixed(1)} min; peak RSS of one worker ${b.peakRssMb.toFixed(0)} MB`,
  ];
  lines.push(
    b.subsetSeeds
      ? 'ground-truth subsets: seed i uses subset seed i (a seeded shuffle of the train split), so the std covers which archs are labelled'
      : 'ground-truth subsets: the first N of the train split for every seed (seeds vary initialisation only)',
  );
  if (b.experts) lines.push(`experts (${b.experts.length}): ${b.experts.join(', ')}`);
  if (b.optim && Object.keys(b.optim).length > 0) lines.push(`optimiser overrides: ${JSON.stringify(b.optim)}`);
  if (b.commit || b.command) lines.push(`commit ${b.commit ?? 'unknown'}; command: ${b.command ?? 'unknown'}`);
  return lines.join('\n');
}

function gitCommit(): string | undefined {
  try {
    const head = execFileSync('git', ['rev-parse', '--short=12', 'HEAD'], { cwd: __dirname, stdio: ['ignore', 'pipe', 'ignore'] }).toString().trim();
    const dirty = execFileSync('git', ['status', '--porcelain', '--untracked-files=no'], { cwd: __dirname, stdio: ['ignore', 'pipe', 'ignore'] }).toString().trim();
    return dirty ? `${head}+uncommitted` : head;
  } catch {
    return undefined;
  }
}

/** Exit code: 0, or 130 when an ablation was interrupted (its finished part is printed). */
async function cmdBench(o: Opts): Promise<number> {
  if (o.report) {
    // Re-print the report of a saved run (--json output) without training.
    let b: BenchFile;
    try {
      b = JSON.parse(fs.readFileSync(o.report, 'utf8')) as BenchFile;
    } catch (e) {
      throw new DataError(`cannot read bench results ${o.report}: ${(e as Error).message}`);
    }
    if ((b as unknown as { kind?: string })?.kind === 'ablation') {
      const a = b as unknown as AblationFile;
      if (!Array.isArray(a.rows) || !Array.isArray(a.variants)) throw new DataError(`${o.report} is not a dele bench --ablation --json file`);
      process.stdout.write(`${ablationReport(a)}\n`);
      return 0;
    }
    if (!Array.isArray(b?.rows) || !Array.isArray(b.ratios) || typeof b.target !== 'string') throw new DataError(`${o.report} is not a dele bench --json file`);
    if (b.counts !== undefined && (!Array.isArray(b.counts) || b.counts.length !== b.ratios.length)) {
      throw new DataError(`${o.report}: "counts" must be a list with one count per ratio`);
    }
    process.stdout.write(`${benchHeader(b)}\n${benchReport(b.rows, b.ratios, b.counts)}\n`);
    return 0;
  }
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
  const ratios = counts ? counts.map((c) => Math.min(1, (c + 0.5) / trainSize)) : (list(o.ratios) ?? ['0.01', '0.05', '0.1']).map((r) => num(r, 'ratios', 0, (x) => x > 0 && x <= 1));
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
  const tasks: BenchTask[] = [];
  for (const encoder of encoders) for (let seed = 0; seed < seeds; seed++) tasks.push({ space: space.id, encoder, seed, ...(subsetSeeds ? { subsetSeed: seed } : {}), ratios, target, preset, experts: list(o.lf), optim, methods });
  if (column(ds, target).kind !== 'target') throw new DataError(`column "${target}" is an LF measure, not a target`);
  const experts = resolveExperts(ds, 'dele', list(o.lf));
  err(`bench: ${tasks.length} tasks (${encoders.join(', ')} x ${seeds} seeds${subsetSeeds ? ', subset seed = seed' : ''}), ${jobs} parallel jobs, backend ${backend}, preset ${preset}`);
  const { rows, peakKb } = await runTasksInWorkers<BenchTask, BenchRow>('__bench-task', tasks, (t) => `${t.encoder} seed ${t.seed}`, jobs, backend);
  const wall = (Date.now() - t0) / 1000;
  const peakMb = Math.max(peakKb, process.resourceUsage().maxRSS) / 1024;
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

/** Where the CLI's caches live: $XDG_CACHE_HOME/dele-nas, or ~/.cache/dele-nas. */
function cacheRoot(): string {
  return path.join(process.env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache'), 'dele-nas');
}

/** The CLI's LF cache: --cache FILE, else <cacheRoot>/lf-cache.jsonl. */
function lfCachePath(o: Opts): string | undefined {
  if (o['no-cache']) return undefined;
  if (o.cache !== undefined) return o.cache;
  return path.join(cacheRoot(), 'lf-cache.jsonl');
}

/** Exit code: 0, 1 when some architectures failed, 130 when interrupted. */
async function cmdLf(o: Opts): Promise<number> {
  if (!o.out) throw new UsageError('lf needs --out FILE (a CSV)');
  const space = loadSpace(o);
  const lf = lfSpace(space.id);
  if (!lf) throw new UsageError(`dele lf computes measures for ${LF_SPACES.map((x) => x.id).join(', ')}; ${space.id} has no network here (its bundled data holds published LF values: dele info --space ${space.id})`);
  const offered = measuresOf(lf).map((m) => m.id);
  const measures = list(o.measures) ?? DEFAULT_LF_MEASURES.filter((m) => offered.includes(m));
  for (const m of measures) {
    if (!LF_MEASURES.some((x) => x.id === m)) throw new UsageError(`--measures: unknown measure "${m}"; known: ${LF_MEASURES.map((x) => x.id).join(', ')}`);
    if (!offered.includes(m)) throw new UsageError(`--measures: ${m} needs the network of ${space.id}, which is known only in closed form; ${space.id} offers ${offered.join(', ')}`);
  }
  if (new Set(measures).size !== measures.length) throw new UsageError('--measures: each measure once');
  if ((o.archs === undefined) === (o.sample === undefined)) throw new UsageError('lf needs either --archs FILE or --sample N');
  const seed = num(o.seed, 'seed', DEFAULT_LF_SETTINGS.seed, (x) => Number.isInteger(x) && x >= 0);
  const settings = { batch: num(o.batch, 'batch', DEFAULT_LF_SETTINGS.batch, (x) => Number.isInteger(x) && x >= 2 && x <= 256), seed };
  let jobs;
  if (o.archs !== undefined) {
    let text: string;
    try {
      text = fs.readFileSync(o.archs, 'utf8');
    } catch (e) {
      throw new DataError(`cannot read ${o.archs}: ${(e as Error).message}`);
    }
    const found = archsInText(space, text);
    if (found.invalid > 0) err(`${o.archs}: skipped ${found.invalid} invalid ${space.id} architecture(s) (open the file in VS Code to see why)`);
    if (found.jobs.length === 0) throw new DataError(`${o.archs}: no ${space.title} architecture found`);
    jobs = found.jobs;
  } else {
    jobs = sampleJobs(space, num(o.sample, 'sample', 0, (x) => Number.isInteger(x) && x >= 1 && x <= 1_000_000), seed);
  }
  if (o.shard !== undefined) {
    let shard;
    try {
      shard = parseShard(o.shard);
    } catch (e) {
      throw new UsageError((e as Error).message);
    }
    const all = jobs.length;
    jobs = jobs.filter((j) => shardOfKey(j.key, shard.count) === shard.index);
    err(`shard ${shard.index}/${shard.count}: ${jobs.length} of ${all} architectures`);
  }
  const cacheFile = lfCachePath(o);
  const cache = new LfCache(cacheFile);
  const workerCount = num(o.jobs, 'jobs', os.availableParallelism(), (x) => Number.isInteger(x) && x >= 1 && x <= 64);
  const abort = new AbortController();
  const onSigint = (): void => abort.abort();
  process.once('SIGINT', onSigint);
  const t0 = Date.now();
  err(`dele lf: ${jobs.length} ${space.id} architectures, measures ${measures.join(',')}, ${workerCount} worker(s), batch ${settings.batch}, seed ${seed}${cacheFile ? `, cache ${cacheFile}` : ''}`);
  const r = await runLf(jobs, {
    space: space.id,
    measures,
    settings,
    jobs: workerCount,
    cache,
    workerScript: path.join(__dirname, 'lfWorker.js'),
    backend: backendOpt(o),
    signal: abort.signal,
    onProgress: (p) => err(`[${p.done}/${p.total}] ${p.key}${p.error !== undefined ? `: failed: ${p.error}` : ''} (${((Date.now() - t0) / 1000).toFixed(1)} s)`),
  }).finally(() => process.off('SIGINT', onSigint));
  if (r.cancelled) {
    err(`dele lf: interrupted; ${r.computed} architecture(s) computed and cached, ${o.out} not written. Run the same command again to resume.`);
    return 130;
  }
  writeFileAtomically(o.out, lfCsv(jobs, measures, r.values));
  const perEngine = new Map<LfEngine, number[]>();
  for (const s of r.seconds) for (const [e, v] of Object.entries(s)) perEngine.set(e as LfEngine, [...(perEngine.get(e as LfEngine) ?? []), v]);
  const cost = [...perEngine].map(([e, v]) => `${e} ${(v.reduce((a, b) => a + b, 0) / v.length).toFixed(2)} s`).join(', ');
  err(`dele lf: wrote ${o.out} (${jobs.length} architectures: ${r.computed} computed, ${r.cached} from the cache, ${r.failed.length} failed) in ${((Date.now() - t0) / 1000).toFixed(1)} s${r.backend ? ` on ${r.backend}` : ''}${cost ? `; per architecture: ${cost}` : ''}`);
  for (const f of r.failed.slice(0, 5)) err(`  failed ${f.key}: ${f.message}`);
  return r.failed.length > 0 ? 1 : 0;
}

export async function main(argv: string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({ args: argv, options: OPTIONS, allowPositionals: true, strict: true });
  } catch (e) {
    err(`${(e as Error).message}\n\n${USAGE}`);
    return 2;
  }
  const [cmd, ...rest] = parsed.positionals;
  const o = parsed.values;
  if (o.help || !cmd) {
    process.stdout.write(`${USAGE}\n`);
    return cmd || o.help ? 0 : 2;
  }
  try {
    switch (cmd) {
      case 'train':
        await cmdTrain(o);
        break;
      case 'eval':
        await cmdEval(o);
        break;
      case 'predict':
        await cmdPredict(o, rest);
        break;
      case 'rank':
        await cmdRank(o);
        break;
      case 'search':
        // 130 when Ctrl-C stopped it (the best found so far is printed).
        return await cmdSearch(o);
      case 'bench':
        return await cmdBench(o);
      case 'lf':
        return await cmdLf(o);
      case 'info':
        cmdInfo(o);
        break;
      case 'spaces':
        cmdSpaces();
        break;
      case '__bench-task':
        await cmdBenchTask(o, rest);
        break;
      case '__ablation-task':
        await cmdAblationTask(o, rest);
        break;
      default:
        throw new UsageError(`unknown command "${cmd}"`);
    }
    return 0;
  } catch (e) {
    if (e instanceof UsageError) {
      err(`dele: ${e.message}\n\n${USAGE}`);
      return 2;
    }
    if (DataError.is(e) || ArchParseError.is(e) || PredictorFileError.is(e) || SpaceFileError.is(e) || e instanceof UnknownSpaceError) {
      err(`dele: ${e.message}`);
      return 1;
    }
    if (TrainingCancelled.is(e)) {
      err('dele: training cancelled; nothing was saved');
      return 130;
    }
    throw e;
  }
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (e) => {
      err(`dele: internal error: ${(e as Error).stack ?? e}`);
      process.exit(70);
    },
  );
}
