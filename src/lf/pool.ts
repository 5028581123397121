/**
 * Runs LF measures over many architectures: cached values first, the rest in `jobs` worker threads (one
 * architecture each at a time), every result appended to the cache as it arrives, so a cancelled or killed run
 * resumes for free. Cancel with the AbortSignal: workers are terminated at once, finished results are kept.
 */
import { Worker } from 'node:worker_threads';
import type { LfCache } from './cache';
import type { ArchResult } from './compute';
import { imageBatch } from './images';
import { type LfEngine, lfMeasure, type LfSettings, settingsTag } from './measures';
import type { FromLfWorker, ToLfWorker } from './workerProtocol';

export interface LfJob {
  /** Canonical key of the architecture in its space. */
  key: string;
  arch: unknown;
}

export interface LfProgress {
  done: number;
  total: number;
  /** Architectures answered from the cache so far. */
  cached: number;
  key: string;
  /** Set when this architecture failed (its values are then missing). */
  error?: string;
}

export interface LfRunOptions {
  space: string;
  measures: readonly string[];
  settings: LfSettings;
  /** Worker threads (at least 1). */
  jobs: number;
  cache: LfCache;
  /** Path of the bundled lfWorker.js. */
  workerScript: string;
  backend?: string;
  signal?: AbortSignal;
  onProgress?: (p: LfProgress) => void;
  /** Heap cap of each worker's JS heap (the wasm heap is separate). */
  workerHeapMb?: number;
}

export interface LfRunResult {
  /** Key -> measure -> value (null: missing). Every job has an entry, also failed or cancelled ones (all null). */
  values: Map<string, Record<string, number | null>>;
  computed: number;
  cached: number;
  failed: { key: string; message: string }[];
  cancelled: boolean;
  /** Seconds per engine of every architecture computed in this run (for cost figures). */
  seconds: Partial<Record<LfEngine, number>>[];
  backend?: string;
}

export async function runLf(jobs: readonly LfJob[], o: LfRunOptions): Promise<LfRunResult> {
  const fingerprint = imageBatch(o.settings.batch, o.settings.seed).fingerprint;
  const tags = new Map(o.measures.map((m) => [m, settingsTag(lfMeasure(m), o.settings, fingerprint)]));
  const result: LfRunResult = { values: new Map(), computed: 0, cached: 0, failed: [], cancelled: false, seconds: [] };
  const todo: { job: LfJob; missing: string[] }[] = [];
  let done = 0;
  const unique = [...new Map(jobs.map((j) => [j.key, j])).values()];
  for (const job of unique) {
    const row: Record<string, number | null> = {};
    const missing: string[] = [];
    for (const m of o.measures) {
      const v = o.cache.get(o.space, job.key, m, tags.get(m) as string);
      if (v === undefined) missing.push(m);
      row[m] = v ?? null;
    }
    result.values.set(job.key, row);
    if (missing.length > 0) todo.push({ job, missing });
    else {
      result.cached++;
      o.onProgress?.({ done: ++done, total: unique.length, cached: result.cached, key: job.key });
    }
  }
  if (todo.length === 0 || o.signal?.aborted) {
    result.cancelled = o.signal?.aborted === true && todo.length > 0;
    return result;
  }

  const workers: Worker[] = [];
  let next = 0;
  let finish: () => void = () => {};
  let fail: (e: Error) => void = () => {};
  const finished = new Promise<void>((resolve, reject) => {
    finish = resolve;
    fail = reject;
  });
  let running = 0;
  const onAbort = (): void => {
    result.cancelled = true;
    for (const w of workers) void w.terminate();
    finish();
  };
  o.signal?.addEventListener('abort', onAbort, { once: true });

  const record = (item: { job: LfJob; missing: string[] }, r: ArchResult | undefined, error?: string): void => {
    const row = result.values.get(item.job.key) as Record<string, number | null>;
    if (r) {
      const entry: Record<string, [string, number | null]> = {};
      for (const m of item.missing) {
        const v = r.values[m] ?? null;
        row[m] = v;
        entry[m] = [tags.get(m) as string, v];
      }
      o.cache.put(o.space, item.job.key, entry);
      result.computed++;
      result.seconds.push(r.seconds);
    } else result.failed.push({ key: item.job.key, message: error ?? 'failed' });
    o.onProgress?.({ done: ++done, total: unique.length, cached: result.cached, key: item.job.key, ...(error !== undefined ? { error } : {}) });
  };

  const start = (): void => {
    const w = new Worker(o.workerScript, { resourceLimits: { maxOldGenerationSizeMb: o.workerHeapMb ?? 2048 } });
    workers.push(w);
    running++;
    let current: { job: LfJob; missing: string[] } | undefined;
    let ready = false;
    const feed = (): void => {
      if (result.cancelled) return;
      current = todo[next++];
      if (!current) {
        void w.terminate();
        return;
      }
      w.postMessage({ type: 'task', id: next, space: o.space, key: current.job.key, arch: current.job.arch, measures: current.missing } satisfies ToLfWorker);
    };
    w.on('message', (m: FromLfWorker) => {
      if (m.type === 'ready') {
        ready = true;
        result.backend = m.backend;
        feed();
      } else {
        if (current) record(current, m.type === 'result' ? m.result : undefined, m.type === 'error' ? m.message : undefined);
        current = undefined;
        feed();
      }
    });
    w.on('error', (e) => {
      if (!ready) {
        // A worker that cannot even start (no script, no backend) would fail the same way again.
        result.cancelled = true;
        for (const other of workers) void other.terminate();
        fail(new Error(`LF worker failed to start: ${e.message}`));
        return;
      }
      // A crashed worker (out of memory in wasm, a bug): its architecture fails, a fresh worker takes over.
      if (current) record(current, undefined, e.message);
      current = undefined;
    });
    w.on('exit', () => {
      running--;
      if (!result.cancelled && next < todo.length) start();
      else if (running === 0) finish();
    });
    w.postMessage({ type: 'init', settings: o.settings, backend: o.backend ?? 'auto' } satisfies ToLfWorker);
  };
  for (let i = 0; i < Math.max(1, Math.min(o.jobs, todo.length)); i++) start();
  try {
    await finished;
  } finally {
    o.signal?.removeEventListener('abort', onAbort);
  }
  return result;
}
