/** `dele bench --ablation FILE`: design choices compared under the validation protocol (src/experiment/ablation.ts). */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { bundledSpaceIds, DataError, loadBundled, targetNames } from '../../data/dataset';
import { type AblationFile, type AblationRow, ablationReport, type AblationTask, carveValidation, parseAblationSpec, planAblation, resolveVariants } from '../../experiment/ablation';
import { trainingNumerics } from '../../predictor/train';
import { initBackend } from '../../runtime/backend';
import { builtinSpace } from '../../space/registry';
import { writeFileAtomically } from '../../util/files';
import { backendOpt, cacheRoot, checkOutputPath, err, gitCommit, num, type Opts } from '../options';
import { runTasksInWorkers } from './tasks';

export const ABLATION_USAGE = `  dele bench   --ablation FILE [--jobs N] [--threads N] [--json OUT] [--step1-cache DIR | --no-cache]
               (design choices compared under a validation protocol: FILE (YAML or JSON) lists variants (expert
               set, preset, optimiser settings, step-2 lr, seed ensemble); seed i = model seed i and labelled
               subset i; validation split carved from the training split; held-out scored only for the report;
               step 1 is cached under ~/.cache/dele-nas/step1 unless --no-cache; --threads: step-1 worker
               threads per task (same results); with --json, Ctrl-C prints the finished part and the same
               command resumes. Examples: bench/ablation-nb201-gates.yaml, bench/ablation-nb201-lstm.yaml)`;

export /** `dele bench --ablation FILE`: variants under the validation protocol (src/experiment/ablation.ts). */
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
  if (!o['no-cache'] && o['step1-cache'] !== undefined) checkOutputPath(o['step1-cache'], 'step1-cache', 'folder');
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
