/**
 * `dele/computeLf`: LF measures for the workspace's architectures or a sample of a space, in worker threads
 * (src/lf/pool.ts) with cancellable work-done progress; values land in the LF cache, which hovers read.
 */
import * as os from 'node:os';
import * as path from 'node:path';
import { type CancellationToken, ErrorCodes, ResponseError, type WorkDoneProgressServerReporter } from 'vscode-languageserver/node';
import { LfCache } from '../lf/cache';
import { archsInText, lfCsv, sampleJobs } from '../lf/jobs';
import { DEFAULT_LF_MEASURES, DEFAULT_LF_SETTINGS, LF_MEASURES, lfMeasure } from '../lf/measures';
import { type LfJob, type LfProgress, runLf } from '../lf/pool';
import { DEFAULT_PYTHON_LF_MEASURES, PYTHON_LF_MEASURES, runPythonLf } from '../lf/python/runner';
import { LF_SPACES, lfSpace } from '../lf/registry';
import { measuresOf } from '../lf/space';
import { type ComputeLfParams, type ComputeLfResult, type SpaceInfo, WORKSPACE_FILE_BYTES, WORKSPACE_MAX_FILES } from '../protocol/lsp';
import { readFilePrefix } from './workspaceArchs';
import type { SearchSpace } from '../space/types';
import { writeFileAtomically } from '../util/files';
import { onCancel, type ServerContext, uriToPath } from './context';
import { computeLfParamsProblem } from './params';

/** Architectures per run (files and bytes per file: the side bar's WORKSPACE_* bounds): work stays bounded. */
export const LF_MAX_ARCHS = 100_000;

export class LfHost {
  private cacheOf?: LfCache;
  private running = false;

  constructor(
    private readonly workerScript: string,
    private readonly cacheFile: () => string | undefined,
  ) {}

  get busy(): boolean {
    return this.running;
  }

  /** The cache, opened on first use (hovers read it; a run appends to the same instance). */
  cache(): LfCache {
    if (!this.cacheOf || this.cacheOf.file !== this.cacheFile()) {
      try {
        this.cacheOf = new LfCache(this.cacheFile());
      } catch {
        this.cacheOf = new LfCache();
      }
    }
    return this.cacheOf;
  }

  /** SpaceInfo.lfMeasures of a space, or undefined when its network cannot be built here. */
  static measuresFor(spaceId: string): SpaceInfo['lfMeasures'] {
    const space = lfSpace(spaceId);
    if (!space) return undefined;
    return measuresOf(space).map((m) => ({ id: m.id, description: m.description, byDefault: (DEFAULT_LF_MEASURES as readonly string[]).includes(m.id) }));
  }

  /** SpaceInfo.pythonLfMeasures: what dele_lf.py computes on the user's PyTorch model, the same for every space. */
  static pythonMeasures(): NonNullable<SpaceInfo['pythonLfMeasures']> {
    return PYTHON_LF_MEASURES.map((id) => ({ id, description: lfMeasure(id).description, byDefault: (DEFAULT_PYTHON_LF_MEASURES as readonly string[]).includes(id) }));
  }

  /** Hover lines: the measures computed for an architecture (any settings), or nothing. */
  hoverLines(spaceId: string, key: string): string[] {
    if (!lfSpace(spaceId)) return [];
    const all = this.cache().all(spaceId, key);
    if (all.size === 0) return [];
    const shown = LF_MEASURES.filter((m) => all.has(m.id)).map((m) => {
      const v = all.get(m.id)?.value;
      return `${m.id} ${v === null || v === undefined ? 'n/a' : Number(v.toPrecision(5))}`;
    });
    return [`Low-fidelity measures computed here: ${shown.join(' · ')}`];
  }

  /** Which architectures a request covers: problems are thrown as Errors with a readable message. */
  jobs(space: SearchSpace, p: ComputeLfParams, openDocs: { path?: string; text: string }[]): LfJob[] {
    if (p.source.kind === 'sample') {
      const n = p.source.count;
      if (!(Number.isInteger(n) && n >= 1 && n <= LF_MAX_ARCHS)) throw new Error(`sample size must be 1 to ${LF_MAX_ARCHS}, got ${n}`);
      return sampleJobs(space, n, p.source.seed ?? 0);
    }
    const texts = [...openDocs];
    const open = new Set(openDocs.map((d) => d.path).filter((x) => x !== undefined));
    for (const f of (p.source.files ?? []).slice(0, WORKSPACE_MAX_FILES)) {
      if (open.has(f)) continue;
      // Unreadable or vanished files are skipped.
      const text = readFilePrefix(f, WORKSPACE_FILE_BYTES);
      if (text !== undefined) texts.push({ path: f, text });
    }
    const seen = new Set<string>();
    const jobs: LfJob[] = [];
    for (const t of texts) {
      for (const j of archsInText(space, t.text).jobs) {
        if (seen.has(j.key) || jobs.length >= LF_MAX_ARCHS) continue;
        seen.add(j.key);
        jobs.push(j);
      }
    }
    return jobs;
  }

  async compute(space: SearchSpace, p: ComputeLfParams, jobs: LfJob[], progress: WorkDoneProgressServerReporter, token: CancellationToken): Promise<ComputeLfResult> {
    const measures = p.measures ?? LfHost.offered(space.id, p).filter((m) => (p.python ? (DEFAULT_PYTHON_LF_MEASURES as readonly string[]) : (DEFAULT_LF_MEASURES as readonly string[])).includes(m));
    const none = { archs: jobs.length, computed: 0, cached: 0, failed: 0 };
    if (this.running) return { status: 'failed', message: 'LF measures are already being computed', ...none };
    if (jobs.length === 0) return { status: 'failed', message: `no ${space.title} architecture found${p.source.kind === 'workspace' ? ' in the workspace' : ''}`, ...none };
    this.running = true;
    const abort = new AbortController();
    onCancel(token, () => abort.abort());
    progress.token.onCancellationRequested(() => abort.abort());
    const t0 = Date.now();
    try {
      const common = {
        space: space.id,
        measures,
        settings: DEFAULT_LF_SETTINGS,
        cache: this.cache(),
        signal: abort.signal,
        onProgress: (x: LfProgress) => progress.report(Math.floor((100 * x.done) / x.total), `${x.done}/${x.total} architectures${x.cached ? ` (${x.cached} cached)` : ''}`),
      };
      const r = p.python
        ? await runPythonLf(jobs, { ...common, jobs: p.jobs ?? 1, python: p.python.interpreter, builder: p.python.builder, cwd: p.python.cwd ?? path.dirname(p.out) })
        : await runLf(jobs, { ...common, jobs: p.jobs ?? Math.max(1, os.availableParallelism() - 1), workerScript: this.workerScript });
      const counts = { archs: jobs.length, computed: r.computed, cached: r.cached, failed: r.failed.length };
      if (r.cancelled) return { status: 'cancelled', message: `cancelled after ${r.computed} of ${jobs.length} architectures; they are cached, so running again resumes`, ...counts };
      writeFileAtomically(p.out, lfCsv(jobs, measures, r.values));
      const failed = r.failed.length > 0 ? `; ${r.failed.length} failed (${r.failed[0]?.message})` : '';
      return { status: 'completed', message: `${jobs.length} architectures (${r.computed} computed, ${r.cached} cached) in ${((Date.now() - t0) / 1000).toFixed(0)} s${failed}`, ...counts, out: p.out };
    } catch (e) {
      return { status: 'failed', message: (e as Error).message, ...none };
    } finally {
      this.running = false;
      progress.done();
    }
  }

  /** The measures a request can ask for: the built-in network's, or with `python` every measure of dele_lf.py. */
  static offered(spaceId: string, p: { python?: unknown }): string[] {
    if (p.python !== undefined) return [...PYTHON_LF_MEASURES];
    return LfHost.measuresFor(spaceId)?.map((m) => m.id) ?? [];
  }
}

/** `dele/computeLf`: params checked (readable refusals, params.ts), then the run with work-done progress. */
export async function computeLfRequest(ctx: ServerContext, p: ComputeLfParams, token: CancellationToken): Promise<ComputeLfResult> {
  await ctx.ready;
  // With `python` every space has measures (the user's network); without, the spaces whose networks are built here.
  const python = typeof p === 'object' && p !== null && (p as { python?: unknown }).python !== undefined;
  const offered = (id: unknown): string[] | undefined => {
    if (typeof id !== 'string' || !ctx.spaceById(id)) return undefined;
    return python || LfHost.measuresFor(id) ? LfHost.offered(id, p) : undefined;
  };
  const problem = computeLfParamsProblem(p, offered, python ? ['any built-in or declared (*.space.yaml) space'] : LF_SPACES.map((x) => x.id));
  if (problem) throw new ResponseError(ErrorCodes.InvalidParams, problem);
  const space = ctx.spaceById(p.space) as SearchSpace;
  let jobs;
  try {
    const docs = ctx.documents.all().map((d) => ({ path: uriToPath(d.uri), text: d.getText() }));
    jobs = ctx.lf.jobs(space, p, docs);
  } catch (e) {
    throw new ResponseError(ErrorCodes.InvalidParams, (e as Error).message);
  }
  const progress = await ctx.connection.window.createWorkDoneProgress();
  progress.begin('DELE: computing low-fidelity measures', 0, `${space.title} · ${jobs.length} architectures`, true);
  const r = await ctx.lf.compute(space, p, jobs, progress, token);
  if (r.status === 'failed') ctx.connection.console.error(`DELE LF measures failed: ${r.message}`);
  return r;
}
