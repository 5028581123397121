/**
 * LF measures of the user's own PyTorch model: python/dele_lf.py (shipped with the package) run with the user's
 * interpreter, imports their `build_model(arch)` and answers one JSON line per architecture. This side keeps
 * what `dele lf` does with the TF.js networks: cached values first (keyed by the builder and the hash of its
 * source file, so an edited builder recomputes), `jobs` processes one architecture each at a time, every result
 * appended to the cache as it arrives, cancel = kill the processes. A builder that raises for one architecture
 * gives that architecture an error; a missing torch or an unimportable builder is a PythonLfError, once.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as readline from 'node:readline';
import { findShipped } from '../../data/dataset';
import type { LfCache } from '../cache';
import { archSeed } from '../compute';
import { imageBatch } from '../images';
import { lfMeasure, type LfSettings, settingsTag } from '../measures';
import type { LfJob, LfProgress, LfRunResult } from '../pool';

/** The measures dele_lf.py computes (NAS-Bench-Suite-Zero's definitions on the user's network; MeCo, SWAP, ZiCo, AZ-NAS). */
export const PYTHON_LF_MEASURES = ['flops', 'params', 'l2_norm', 'synflow', 'nwot', 'jacov', 'snip', 'grad_norm', 'fisher', 'plain', 'meco', 'swap', 'zico', 'az_expressivity', 'az_progressivity', 'az_trainability'] as const;
/**
 * What runs without --measures: the TF.js default set, and the newer proxies that raised DELE's validation tau
 * beyond a coverage control in a space without tables (npm run bench:lf-newer; docs/benchmarks.md).
 */
export const DEFAULT_PYTHON_LF_MEASURES = ['flops', 'params', 'l2_norm', 'synflow', 'nwot', 'jacov', 'snip', 'grad_norm', 'fisher', 'zico', 'az_trainability'] as const;

export const PYTHON_LF_SCRIPT = path.join('python', 'dele_lf.py');

/** The Python side could not start: no interpreter, no torch, a builder that does not import. One message for the user. */
export class PythonLfError extends Error {}

/** `module.sub:function`, as the CLI and the editor take it. */
export function builderProblem(spec: string): string | undefined {
  return /^[A-Za-z_][\w]*(\.[A-Za-z_][\w]*)*:[A-Za-z_]\w*$/.test(spec) ? undefined : `the builder must be MODULE:FUNCTION (e.g. mypkg.models:build_model), got "${spec}"`;
}

export interface PythonLfOptions {
  /** The interpreter (path or command name). */
  python: string;
  /** MODULE:FUNCTION; FUNCTION(arch string) returns a torch.nn.Module. */
  builder: string;
  /** Folder put on the interpreter's sys.path (the workspace, or the CLI's cwd). */
  cwd: string;
  space: string;
  measures: readonly string[];
  settings: LfSettings;
  /** Python processes (at least 1); torch threads are shared among them. */
  jobs: number;
  cache: LfCache;
  signal?: AbortSignal;
  onProgress?: (p: LfProgress) => void;
  /** dele_lf.py; default the shipped one. */
  script?: string;
}

/** As `dele lf`'s result, with the seconds per phase (build, count, synflow, loss, jacov) of each computed architecture. */
export type PythonLfResult = Omit<LfRunResult, 'seconds'> & { seconds: Record<string, number>[] };

type FromPython =
  | { type: 'ready'; torch: string; builder: string }
  | { type: 'fatal'; message: string }
  | { type: 'result'; id: number; values: Record<string, number | null>; seconds: Record<string, number> }
  | { type: 'error'; id: number; message: string };

/** One dele_lf.py process: its JSON lines as a queue of messages, its end as a message with the exit code. */
class PythonProcess {
  private readonly child: ChildProcess;
  private readonly waiting: ((m: FromPython | { type: 'exit'; code: number | null; stderr: string; spawnError?: string }) => void)[] = [];
  private readonly queued: (FromPython | { type: 'exit'; code: number | null; stderr: string; spawnError?: string })[] = [];
  private stderr = '';

  constructor(python: string, args: string[], env: NodeJS.ProcessEnv) {
    this.child = spawn(python, args, { stdio: ['pipe', 'pipe', 'pipe'], env });
    const lines = readline.createInterface({ input: this.child.stdout as NodeJS.ReadableStream });
    lines.on('line', (text) => {
      let m: FromPython;
      try {
        m = JSON.parse(text) as FromPython;
      } catch {
        this.stderr += `${text}\n`; // a print() in the user's builder: not ours, kept for error messages
        return;
      }
      this.push(m);
    });
    this.child.stderr?.on('data', (b: Buffer) => {
      this.stderr = (this.stderr + b.toString()).slice(-4000);
    });
    let spawnError: string | undefined;
    this.child.on('error', (e) => {
      spawnError = e.message;
    });
    this.child.stdin?.on('error', () => {}); // a process that died: its exit says why
    this.child.on('close', (code) => this.push({ type: 'exit', code, stderr: this.stderr, ...(spawnError !== undefined ? { spawnError } : {}) }));
  }

  next(): Promise<FromPython | { type: 'exit'; code: number | null; stderr: string; spawnError?: string }> {
    const m = this.queued.shift();
    if (m) return Promise.resolve(m);
    return new Promise((resolve) => this.waiting.push(resolve));
  }

  send(x: unknown): void {
    this.child.stdin?.write(`${JSON.stringify(x)}\n`);
  }

  end(): void {
    this.child.stdin?.end();
  }

  kill(): void {
    this.child.kill('SIGKILL');
  }

  private push(m: FromPython | { type: 'exit'; code: number | null; stderr: string; spawnError?: string }): void {
    const w = this.waiting.shift();
    if (w) w(m);
    else this.queued.push(m);
  }
}

/** The float32 NHWC batch then int32 labels, as dele_lf.py reads them, in a temp folder. */
function writeBatch(settings: LfSettings): { dir: string; file: string; count: number; fingerprint: string } {
  const b = imageBatch(settings.batch, settings.seed);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dele-pylf-'));
  const file = path.join(dir, 'batch.bin');
  fs.writeFileSync(file, Buffer.concat([Buffer.from(b.images.buffer, b.images.byteOffset, b.images.byteLength), Buffer.from(b.labels.buffer, b.labels.byteOffset, b.labels.byteLength)]));
  return { dir, file, count: b.n, fingerprint: b.fingerprint };
}

const exitMessage = (o: PythonLfOptions, e: { code: number | null; stderr: string; spawnError?: string }): string => {
  if (e.spawnError !== undefined) return `cannot run the Python interpreter "${o.python}" (${e.spawnError}); set dele.pythonPath in the editor, or --python-path / DELE_PYTHON for dele lf`;
  const tail = e.stderr.trim().split('\n').slice(-6).join('\n');
  return `${o.python} ${PYTHON_LF_SCRIPT} exited with code ${e.code}${tail ? `: ${tail}` : ''}`;
};

/** Starts a process and waits for its ready line; a fatal line or an early exit is a PythonLfError. */
async function startProcess(o: PythonLfOptions, script: string, batch: { file: string; count: number }, threads: number): Promise<{ p: PythonProcess; ready: { torch: string; builder: string } }> {
  const args = [script, '--builder', o.builder, '--images', batch.file, '--count', String(batch.count), '--cwd', o.cwd, '--threads', String(threads)];
  const p = new PythonProcess(o.python, args, { ...process.env, PYTHONUNBUFFERED: '1', PYTHONDONTWRITEBYTECODE: '1' });
  const m = await p.next();
  if (m.type === 'ready') return { p, ready: m };
  p.kill();
  if (m.type === 'fatal') throw new PythonLfError(m.message);
  if (m.type === 'exit') throw new PythonLfError(exitMessage(o, m));
  throw new PythonLfError(`${PYTHON_LF_SCRIPT} answered before it was ready: ${JSON.stringify(m)}`);
}

export async function runPythonLf(jobs: readonly LfJob[], o: PythonLfOptions): Promise<PythonLfResult> {
  const script = o.script ?? findShipped(PYTHON_LF_SCRIPT);
  if (script === undefined) throw new PythonLfError(`${PYTHON_LF_SCRIPT} is not installed next to dele`);
  const problem = builderProblem(o.builder);
  if (problem) throw new PythonLfError(problem);
  const result: PythonLfResult = { values: new Map(), computed: 0, cached: 0, failed: [], cancelled: false, seconds: [] };
  const unique = [...new Map(jobs.map((j) => [j.key, j])).values()];
  const batch = writeBatch(o.settings);
  const threads = Math.max(1, Math.floor(os.availableParallelism() / Math.max(1, o.jobs)));
  const processes: PythonProcess[] = [];
  const onAbort = (): void => {
    result.cancelled = true;
    for (const p of processes) p.kill();
  };
  o.signal?.addEventListener('abort', onAbort, { once: true });
  try {
    if (o.signal?.aborted) {
      result.cancelled = true;
      return result;
    }
    const first = await startProcess(o, script, batch, threads);
    processes.push(first.p);
    result.backend = `torch ${first.ready.torch}`;
    // The user's model is part of the space: values are cached per builder and per version of its source file.
    const cacheSpace = `${o.space} python:${o.builder}@${first.ready.builder}`;
    const tags = new Map(o.measures.map((m) => [m, `py ${settingsTag(lfMeasure(m), o.settings, batch.fingerprint)}`]));
    const todo: { job: LfJob; missing: string[] }[] = [];
    let done = 0;
    for (const job of unique) {
      const row: Record<string, number | null> = {};
      const missing = o.measures.filter((m) => o.cache.get(cacheSpace, job.key, m, tags.get(m) as string) === undefined);
      for (const m of o.measures) row[m] = o.cache.get(cacheSpace, job.key, m, tags.get(m) as string) ?? null;
      result.values.set(job.key, row);
      if (missing.length > 0) todo.push({ job, missing });
      else {
        result.cached++;
        o.onProgress?.({ done: ++done, total: unique.length, cached: result.cached, key: job.key });
      }
    }
    let next = 0;
    const record = (item: { job: LfJob; missing: string[] }, values: Record<string, number | null> | undefined, seconds: Record<string, number>, error?: string): void => {
      const row = result.values.get(item.job.key) as Record<string, number | null>;
      if (values) {
        const entry: Record<string, [string, number | null]> = {};
        for (const m of item.missing) {
          row[m] = values[m] ?? null;
          entry[m] = [tags.get(m) as string, row[m]];
        }
        o.cache.put(cacheSpace, item.job.key, entry);
        result.computed++;
        result.seconds.push(seconds);
      } else result.failed.push({ key: item.job.key, message: error ?? 'failed' });
      o.onProgress?.({ done: ++done, total: unique.length, cached: result.cached, key: item.job.key, ...(error !== undefined ? { error } : {}) });
    };
    // One loop per process: take the next architecture, wait for its line; a crashed process fails its
    // architecture and a fresh process takes over.
    const drive = async (p: PythonProcess): Promise<void> => {
      for (;;) {
        if (result.cancelled) return;
        const item = todo[next++];
        if (!item) {
          p.end();
          return;
        }
        p.send({ id: next, arch: item.job.key, measures: item.missing, seed: archSeed(o.space, item.job.key, o.settings.seed) });
        const m = await p.next();
        if (result.cancelled) return;
        if (m.type === 'result') record(item, m.values, m.seconds);
        else if (m.type === 'error') record(item, undefined, {}, m.message);
        else {
          record(item, undefined, {}, m.type === 'exit' ? exitMessage(o, m) : 'unexpected answer');
          if (next >= todo.length) return;
          const fresh = await startProcess(o, script, batch, threads);
          processes.push(fresh.p);
          p = fresh.p;
        }
      }
    };
    const loops = [drive(first.p)];
    for (let i = 1; i < Math.min(o.jobs, todo.length); i++) {
      const extra = await startProcess(o, script, batch, threads);
      processes.push(extra.p);
      loops.push(drive(extra.p));
    }
    await Promise.all(loops);
    if (result.cancelled) result.cancelled = todo.length > result.computed + result.failed.length;
    return result;
  } catch (e) {
    if (result.cancelled) return result;
    throw e;
  } finally {
    o.signal?.removeEventListener('abort', onAbort);
    for (const p of processes) p.end();
    fs.rmSync(batch.dir, { recursive: true, force: true });
  }
}
