/**
 * What every `dele` command shares: the option table, the usage error, value parsing, and loading the space,
 * the data and the predictor that options name.
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { parseArgs } from 'node:util';
import { bundledDataSpace, type Dataset, DataError, findShipped, importDataFile, joinDatasets, loadBundled, targetNames } from '../data/dataset';
import { Predictor } from '../predictor/predictor';
import type { BackendChoice } from '../runtime/backend';
import { parseDecimal } from '../util/decimal';
import { SPACE_FILE_RE } from '../space/declared';
import { builtinSpace, DEFAULT_SPACE_ID, parseSpaceFile, UnknownSpaceError } from '../space/registry';
import type { SearchSpace } from '../space/types';
import { repairDirectorySwap } from '../util/files';

/** A wrong command line: printed with the usage of the command (exit code 2). */
export class UsageError extends Error {}

/** An output path that cannot be written (exit code 2, like a usage error, but the message alone says it all). */
export class OutputPathError extends Error {}

export const OPTIONS = {
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
  'finetune-lr': { type: 'string' },
  'step2-average': { type: 'string' },
  seed: { type: 'string' },
  seeds: { type: 'string' },
  'split-seed': { type: 'string' },
  'subset-seed': { type: 'string' },
  'subset-seeds': { type: 'boolean' },
  'gate-prior': { type: 'string' },
  'step1-sample': { type: 'string' },
  'sample-counts': { type: 'boolean' },
  'structural-max': { type: 'string' },
  ensemble: { type: 'string' },
  out: { type: 'string' },
  model: { type: 'string' },
  top: { type: 'string' },
  k: { type: 'string' },
  beta: { type: 'string' },
  labelled: { type: 'string' },
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
  python: { type: 'string' },
  'python-path': { type: 'string' },
  ablation: { type: 'string' },
  'step1-cache': { type: 'string' },
  threads: { type: 'string' },
  targets: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

export type Opts = ReturnType<typeof parseArgs<{ options: typeof OPTIONS; allowPositionals: true }>>['values'];

/** One `dele` command: its usage text (part of `dele --help`) and what it runs; `run` returns the exit code. */
export interface Command {
  name: string;
  usage: string;
  /** Internal commands (the bench's child processes) are not in `dele --help`. */
  hidden?: boolean;
  run(o: Opts, positionals: string[]): Promise<number>;
}

export const err = (msg: string): void => {
  process.stderr.write(`${msg}\n`);
};

export function num(v: string | undefined, name: string, dflt: number, check: (x: number) => boolean = Number.isFinite): number {
  if (v === undefined) return dflt;
  // Decimal only: Number() would read 0x10, 0b1, 0o7 and '' (as 0).
  const x = parseDecimal(v);
  if (!check(x)) throw new UsageError(`--${name} ${v}: not a valid value`);
  return x;
}

export function oneOf<T extends string>(v: string | undefined, name: string, allowed: readonly T[], dflt: T): T {
  if (v === undefined) return dflt;
  if (!(allowed as readonly string[]).includes(v)) throw new UsageError(`--${name} must be one of ${allowed.join(', ')}, got "${v}"`);
  return v as T;
}

export function list(v: string | undefined): string[] | undefined {
  return v === undefined ? undefined : v.split(',').map((s) => s.trim()).filter(Boolean);
}

export function backendOpt(o: Opts): BackendChoice {
  return oneOf<BackendChoice>(o.backend, 'backend', ['auto', 'wasm', 'cpu', 'tensorflow'], 'auto');
}

/** --space: a built-in id or a space file; default NAS-Bench-201 (or `fallback`, e.g. a predictor's space). */
export function loadSpace(o: Opts, fallback?: SearchSpace): SearchSpace {
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

export function loadData(o: Opts, fallback?: SearchSpace): Dataset {
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
export function pickTarget(o: Opts, ds: Dataset): string {
  const target = o.target ?? ds.defaultTarget ?? targetNames(ds)[0];
  if (!target) throw new DataError(`${ds.source} has no target column; name one with --targets`);
  return target;
}

function bundledPredictorDir(spaceId: string): string | undefined {
  const model = findShipped(path.join('media', 'predictors', spaceId, 'model.json'));
  return model === undefined ? undefined : path.dirname(model);
}

/**
 * Mends a predictor folder a crash left between the two renames of a save (Predictor.saveAtomically): restores
 * the previous version when `dir` is missing, removes the leftovers when it is whole; says what it did.
 */
export function repairPredictorFolder(dir: string): void {
  for (const line of repairDirectorySwap(dir, (d) => fs.existsSync(path.join(d, 'model.json')))) err(`dele: ${line}`);
}

/** --model DIR (mended first if a save was interrupted), or with only --space ID the predictor bundled for that space. */
export function loadPredictor(o: Opts): Predictor {
  if (o.model) {
    repairPredictorFolder(o.model);
    return Predictor.load(o.model);
  }
  if (o.space !== undefined && builtinSpace(o.space)) {
    const dir = bundledPredictorDir(o.space);
    if (dir) return Predictor.load(dir);
    throw new UsageError(`no predictor is bundled for space ${o.space}: train one (dele train --space ${o.space} --out DIR) and pass --model DIR`);
  }
  throw new UsageError('needs --model DIR (or --space ID to use the predictor bundled for a built-in space)');
}

/** Data for a loaded predictor: --data, else the data it was trained on when that is bundled. */
export function dataFor(o: Opts, p: Predictor): Dataset {
  // --space alone names the bundled predictor of that space; with --model the predictor knows its space.
  if (o.space !== undefined && (o.model !== undefined || o.space !== p.space.id)) throw new UsageError('a predictor knows its space: drop --space');
  const src = p.meta.dataset.source;
  const data = o.data ?? (bundledDataSpace(src) !== undefined || fs.existsSync(src) ? src : undefined);
  if (data === undefined) throw new UsageError(`the predictor was trained on ${src}, which is not here: name the data with --data FILE`);
  return loadData({ ...o, data }, p.space);
}

/** Where the CLI's caches live: $XDG_CACHE_HOME/dele-nas, or ~/.cache/dele-nas. */
export function cacheRoot(): string {
  return path.join(process.env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache'), 'dele-nas');
}

/** The commit of the running code (with "+uncommitted" when the tree differs), for the bench files. */
export function gitCommit(): string | undefined {
  try {
    const head = execFileSync('git', ['rev-parse', '--short=12', 'HEAD'], { cwd: __dirname, stdio: ['ignore', 'pipe', 'ignore'] }).toString().trim();
    const dirty = execFileSync('git', ['status', '--porcelain', '--untracked-files=no'], { cwd: __dirname, stdio: ['ignore', 'pipe', 'ignore'] }).toString().trim();
    return dirty ? `${head}+uncommitted` : head;
  } catch {
    return undefined;
  }
}

/** Reads the lines of stdin (none when it is a terminal). */
export async function readStdinLines(): Promise<string[]> {
  if (process.stdin.isTTY) return [];
  const chunks: Buffer[] = [];
  for await (const c of process.stdin) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8').split(/\r?\n/).map((l) => l.trim()).filter(Boolean);
}

/**
 * Fails before any work when `target` (the value of --`option`) cannot be written: it must not exist as anything
 * but a `kind` (a regular file or a folder), and its nearest existing ancestor must be a folder where a file can
 * be created (a probe file is created and removed: /proc, a read-only mount or a missing permission fail here,
 * not after an hour of training). Missing parent folders are then created.
 */
export function checkOutputPath(target: string, option: string, kind: 'file' | 'folder'): void {
  const full = path.resolve(target);
  const what = `--${option} ${target}`;
  let st: fs.Stats | undefined;
  try {
    st = fs.statSync(full);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code !== 'ENOENT' && code !== 'ENOTDIR') throw new OutputPathError(`${what}: ${(e as Error).message}`);
  }
  if (st && kind === 'file' && !st.isFile()) throw new OutputPathError(`${what} exists and is not a regular file`);
  if (st && kind === 'folder' && !st.isDirectory()) throw new OutputPathError(`${what} exists and is not a folder`);
  let dir = path.dirname(full);
  while (!fs.existsSync(dir) && path.dirname(dir) !== dir) dir = path.dirname(dir);
  if (!fs.statSync(dir).isDirectory()) throw new OutputPathError(`${what}: ${dir} is not a folder`);
  const probe = path.join(dir, `.dele-probe-${process.pid}-${Date.now()}`);
  try {
    fs.writeFileSync(probe, '');
    fs.rmSync(probe, { force: true });
    fs.mkdirSync(path.dirname(full), { recursive: true });
  } catch (e) {
    throw new OutputPathError(`${what}: cannot write in ${dir} (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
}
