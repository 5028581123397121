/** `dele lf`: low-fidelity measures computed here (NAS-Bench-Suite-Zero's definitions), written as a CSV. */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { DataError } from '../../data/dataset';
import { LfCache } from '../../lf/cache';
import { archsInText, lfCsv, parseShard, sampleJobs, shardOfKey } from '../../lf/jobs';
import { DEFAULT_LF_MEASURES, DEFAULT_LF_SETTINGS, LF_MEASURES } from '../../lf/measures';
import { type LfJob, type LfProgress, type LfRunResult, runLf } from '../../lf/pool';
import { builderProblem, DEFAULT_PYTHON_LF_MEASURES, PYTHON_LF_MEASURES, PythonLfError, type PythonLfResult, runPythonLf } from '../../lf/python/runner';
import { LF_SPACES, lfSpace } from '../../lf/registry';
import { measuresOf } from '../../lf/space';
import type { SearchSpace } from '../../space/types';
import { writeFileAtomically } from '../../util/files';
import { backendOpt, cacheRoot, checkOutputPath, type Command, err, list, loadSpace, num, type Opts, UsageError } from '../options';

/** The CLI's LF cache: --cache FILE, else <cacheRoot>/lf-cache.jsonl. */
function lfCachePath(o: Opts): string | undefined {
  if (o['no-cache']) return undefined;
  if (o.cache !== undefined) return o.cache;
  return path.join(cacheRoot(), 'lf-cache.jsonl');
}

/** --archs FILE or --sample N, then --shard K/N: the architectures a run covers. */
function lfJobs(o: Opts, space: SearchSpace, seed: number): LfJob[] {
  if ((o.archs === undefined) === (o.sample === undefined)) throw new UsageError('lf needs either --archs FILE or --sample N');
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
  return jobs;
}

/** --measures against what is offered: unknown, unoffered or repeated ids are usage errors. */
function lfMeasures(o: Opts, offered: readonly string[], byDefault: readonly string[], why: string | ((measure: string) => string)): string[] {
  const measures = list(o.measures) ?? byDefault.filter((m) => offered.includes(m));
  for (const m of measures) {
    if (!LF_MEASURES.some((x) => x.id === m)) throw new UsageError(`--measures: unknown measure "${m}"; known: ${LF_MEASURES.map((x) => x.id).join(', ')}`);
    if (!offered.includes(m)) throw new UsageError(`--measures: ${m} ${typeof why === 'string' ? why : why(m)}; offered: ${offered.join(', ')}`);
  }
  if (new Set(measures).size !== measures.length) throw new UsageError('--measures: each measure once');
  return measures;
}

/** Exit code: 0, 1 when some architectures failed, 2 when the Python side cannot start, 130 when interrupted. */
async function cmdLf(o: Opts): Promise<number> {
  if (!o.out) throw new UsageError('lf needs --out FILE (a CSV)');
  checkOutputPath(o.out, 'out', 'file');
  if (o.cache !== undefined && !o['no-cache']) checkOutputPath(o.cache, 'cache', 'file');
  const space = loadSpace(o);
  const python = o.python;
  if (python === undefined && o['python-path'] !== undefined) throw new UsageError('--python-path goes with --python MODULE:FUNCTION');
  const builderError = python !== undefined ? builderProblem(python) : undefined;
  if (builderError) throw new UsageError(`--python: ${builderError}`);
  const lf = lfSpace(space.id);
  if (!lf && python === undefined) throw new UsageError(`dele lf computes measures for ${LF_SPACES.map((x) => x.id).join(', ')}; ${space.id} has no network here (its bundled data holds published LF values: dele info --space ${space.id}). For your own PyTorch model: --python MODULE:FUNCTION`);
  const measures = python !== undefined
    ? lfMeasures(o, PYTHON_LF_MEASURES, DEFAULT_PYTHON_LF_MEASURES, 'is not computed on a PyTorch model here')
    : lfMeasures(o, measuresOf(lf as NonNullable<typeof lf>).map((m) => m.id), DEFAULT_LF_MEASURES, (m) =>
        LF_MEASURES.find((x) => x.id === m)?.torchOnly ? 'is computed on a PyTorch model only (--python MODULE:FUNCTION)' : `needs the network of ${space.id}, which is known only in closed form`);
  const seed = num(o.seed, 'seed', DEFAULT_LF_SETTINGS.seed, (x) => Number.isInteger(x) && x >= 0);
  const settings = { batch: num(o.batch, 'batch', DEFAULT_LF_SETTINGS.batch, (x) => Number.isInteger(x) && x >= 2 && x <= 256), seed };
  const jobs = lfJobs(o, space, seed);
  const cacheFile = lfCachePath(o);
  const cache = new LfCache(cacheFile);
  const workerCount = num(o.jobs, 'jobs', python !== undefined ? 1 : os.availableParallelism(), (x) => Number.isInteger(x) && x >= 1 && x <= 64);
  const abort = new AbortController();
  const onSigint = (): void => abort.abort();
  process.once('SIGINT', onSigint);
  const t0 = Date.now();
  const interpreter = o['python-path'] ?? process.env.DELE_PYTHON ?? 'python3';
  const engine = python !== undefined ? `${python} with ${interpreter}, ${workerCount} process(es)` : `${workerCount} worker(s)`;
  err(`dele lf: ${jobs.length} ${space.id} architectures, measures ${measures.join(',')}, ${engine}, batch ${settings.batch}, seed ${seed}${cacheFile ? `, cache ${cacheFile}` : ''}`);
  const common = {
    space: space.id,
    measures,
    settings,
    jobs: workerCount,
    cache,
    signal: abort.signal,
    onProgress: (p: LfProgress) => err(`[${p.done}/${p.total}] ${p.key}${p.error !== undefined ? `: failed: ${p.error}` : ''} (${((Date.now() - t0) / 1000).toFixed(1)} s)`),
  };
  let r: LfRunResult | PythonLfResult;
  try {
    r = python !== undefined
      ? await runPythonLf(jobs, { ...common, python: interpreter, builder: python, cwd: process.cwd() })
      : await runLf(jobs, { ...common, workerScript: path.join(__dirname, 'lfWorker.js'), backend: backendOpt(o) });
  } catch (e) {
    if (!(e instanceof PythonLfError)) throw e;
    err(`dele lf: ${e.message}`);
    return 2;
  } finally {
    process.off('SIGINT', onSigint);
  }
  if (r.cancelled) {
    err(`dele lf: interrupted; ${r.computed} architecture(s) computed and cached, ${o.out} not written. Run the same command again to resume.`);
    return 130;
  }
  writeFileAtomically(o.out, lfCsv(jobs, measures, r.values));
  const perPhase = new Map<string, number[]>();
  for (const s of r.seconds) for (const [e, v] of Object.entries(s)) perPhase.set(e, [...(perPhase.get(e) ?? []), v]);
  const cost = [...perPhase].map(([e, v]) => `${e} ${(v.reduce((a, b) => a + b, 0) / v.length).toFixed(2)} s`).join(', ');
  err(`dele lf: wrote ${o.out} (${jobs.length} architectures: ${r.computed} computed, ${r.cached} from the cache, ${r.failed.length} failed) in ${((Date.now() - t0) / 1000).toFixed(1)} s${r.backend ? ` on ${r.backend}` : ''}${cost ? `; per architecture: ${cost}` : ''}`);
  for (const f of r.failed.slice(0, 5)) err(`  failed ${f.key}: ${f.message}`);
  return r.failed.length > 0 ? 1 : 0;
}

export const lfCommand: Command = {
  name: 'lf',
  usage: `  dele lf      --space nb201|nb301|nb101|SPACE.yaml [--python MODULE:FUNCTION [--python-path PY]] [--measures A,B,..]
               (--archs FILE | --sample N [--seed S]) [--jobs N] [--shard K/N] [--batch 64] [--cache FILE | --no-cache] --out lf.csv
               (low-fidelity measures computed here, NAS-Bench-Suite-Zero's definitions; measures:
               ${LF_MEASURES.filter((m) => !m.torchOnly).map((m) => m.id).join(', ')}; default ${DEFAULT_LF_MEASURES.join(',')}; nb101: flops, params.
               --archs: every architecture found in a file (any format the editor reads); --shard K/N: the
               architectures whose key hashes to K (0-based) of N, for job arrays; results are cached, so a re-run
               resumes. Train on them: dele train --data lf.csv,truth.csv.
               --python: the measures of YOUR PyTorch model, any space: FUNCTION(arch string) returns a torch.nn.Module;
               MODULE is imported from the current folder; interpreter --python-path, else $DELE_PYTHON, else python3;
               measures ${PYTHON_LF_MEASURES.join(', ')}; needs torch (exit code 2 without it))`,
  run: (o) => cmdLf(o),
};
