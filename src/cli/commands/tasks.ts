/**
 * The bench's child processes: `dele __bench-task JSON` and `dele __ablation-task JSON` run one task and print
 * {"rows": [...], "maxRssKb": N}; `runTasksInWorkers` forks them in parallel.
 */
import { fork } from 'node:child_process';
import { lfNames, loadBundled } from '../../data/dataset';
import { type AblationTask, runAblationTask } from '../../experiment/ablation';
import { type BenchTask, runBenchTask } from '../../experiment/bench';
import { Step1Cache } from '../../experiment/step1Cache';
import { closedFormFill } from '../../lf/closedForm';
import { initBackend } from '../../runtime/backend';
import { DEFAULT_SPACE_ID } from '../../space/registry';
import { backendOpt, type Command, err, type Opts, UsageError } from '../options';

export /**
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

/**
 * A task's child process ends with its parent: a bench stopped by a signal the parent cannot catch (SIGKILL, or
 * SIGTERM, which only the ablation handles) closes the IPC channel, and the child would otherwise train on.
 */
function exitWithParent(): void {
  if (process.connected) process.once('disconnect', () => process.exit(143));
}

async function cmdBenchTask(o: Opts, positionals: string[]): Promise<number> {
  exitWithParent();
  await initBackend(backendOpt(o));
  const json = positionals[0];
  if (json === undefined) throw new UsageError('__bench-task needs a task (JSON) argument');
  const task = JSON.parse(json) as BenchTask;
  const ds = loadBundled(task.space ?? DEFAULT_SPACE_ID);
  const rows = await runBenchTask(ds, task, err, closedFormFill(ds.space.id, lfNames(ds)), task.step1CacheDir ? new Step1Cache(task.step1CacheDir) : undefined);
  process.stdout.write(JSON.stringify({ rows, maxRssKb: process.resourceUsage().maxRSS }));
  return 0;
}

async function cmdAblationTask(o: Opts, positionals: string[]): Promise<number> {
  exitWithParent();
  await initBackend(backendOpt(o));
  const json = positionals[0];
  if (json === undefined) throw new UsageError('__ablation-task needs a task (JSON) argument');
  const task = JSON.parse(json) as AblationTask;
  const cache = task.step1CacheDir ? new Step1Cache(task.step1CacheDir) : undefined;
  const rows = await runAblationTask(loadBundled(task.space), task, cache, err);
  process.stdout.write(JSON.stringify({ rows, maxRssKb: process.resourceUsage().maxRSS }));
  return 0;
}

export const benchTaskCommand: Command = {
  name: '__bench-task',
  usage: '  dele __bench-task TASK-JSON   (internal: one task of dele bench)',
  hidden: true,
  run: (o, positionals) => cmdBenchTask(o, positionals),
};

export const ablationTaskCommand: Command = {
  name: '__ablation-task',
  usage: '  dele __ablation-task TASK-JSON   (internal: one task of dele bench --ablation)',
  hidden: true,
  run: (o, positionals) => cmdAblationTask(o, positionals),
};
