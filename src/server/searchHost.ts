/**
 * `dele/search`: proposes the best architectures of a space by its predictor (src/search: the space enumerated
 * when the budget covers it, else a seeded regularised evolution), with cancellable work-done progress. One
 * search at a time; the proposals carry the predicted value, the expert weights and, where the space has a
 * table, the benchmark value. The search's predictor calls run in a worker thread (scoringWorker.ts) unless they
 * are lookups in the host's table of the whole space, so the server keeps answering while a search runs.
 */
import { type CancellationToken, ErrorCodes, ResponseError, type WorkDoneProgressServerReporter } from 'vscode-languageserver/node';
import { searchSpace } from '../search';
import {
  SEARCH_DEFAULT_BUDGET,
  SEARCH_MAX_BUDGET,
  type SearchParams,
  type SearchProposal,
  type SearchResponse,
} from '../protocol/lsp';
import { DEFAULT_SPACE_ID } from '../space/registry';
import { onCancel, type ServerContext, show } from './context';
import { searchParamsProblem } from './params';
import type { FoundArch, SearchSpace } from '../space/types';
import type { ArchPrediction, PredictorHost } from './predictorHost';
import { ScoringWorker } from './scoringWorker';
import { applyCalibration } from '../predictor/calibration';

const formatValue = (v: number, unit: string): string => `${v.toFixed(unit === '%' || Math.abs(v) >= 10 ? 2 : 4)}${unit}`;


/** Progress reports at most this often (ms): a fast enumeration must not flood the client. */
const REPORT_EVERY_MS = 100;

/**
 * Predictions the server's thread makes between two turns of its event loop for a search (the proposals'
 * predictions, ~1 ms each for NB301): lenses, hovers and status are answered in between.
 */
export const SEARCH_SLICE = 8;

const nextTurn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/** `host.predict(archs)`, SEARCH_SLICE at a time with a turn of the event loop between slices. */
async function predictInSlices(host: PredictorHost, archs: unknown[]): Promise<ArchPrediction[]> {
  const out: ArchPrediction[] = [];
  for (let i = 0; i < archs.length; i += SEARCH_SLICE) {
    if (i > 0) await nextTurn();
    out.push(...host.predict(archs.slice(i, i + SEARCH_SLICE)));
  }
  return out;
}

/** The default budget: the whole space when it is enumerable and small (its predictions are a table), else SEARCH_DEFAULT_BUDGET. */
export function defaultBudget(space: SearchSpace): number {
  return space.size !== undefined && space.fromIndex !== undefined && space.size <= SEARCH_MAX_BUDGET ? space.size : SEARCH_DEFAULT_BUDGET;
}

export interface SearchJob {
  /** The space searched: the predictor's (its architectures are what the predictor scores). */
  space: SearchSpace;
  host: PredictorHost;
  top: number;
  budget: number;
  seed: number;
  /** The architecture the search starts from; `found` when it is written in a document (proposals are rendered in its form). */
  from?: { arch: unknown; key: string; found?: FoundArch };
  exclude: Set<string>;
  /** The benchmark value of an architecture, where the space has a table. */
  trueValue: (key: string) => number | undefined;
  /** The server's TF.js backend (a scoring worker uses the same). */
  backend: string;
}

export class SearchHost {
  private running = false;

  /** `workerScript`: trainWorker.js, which scores the architectures of a search off the server's thread. */
  constructor(private readonly workerScript: string) {}

  get busy(): boolean {
    return this.running;
  }

  /**
   * Runs one search. Call only when not `busy`: the slot is claimed before the first await, so a second request
   * right after this one is refused by its caller.
   */
  async run(job: SearchJob, createProgress: () => Promise<WorkDoneProgressServerReporter>, token: CancellationToken): Promise<SearchResponse> {
    if (this.running) throw new Error('a search is already running');
    this.running = true;
    const abort = new AbortController();
    const cancelSub = onCancel(token, () => abort.abort());
    let progress: WorkDoneProgressServerReporter | undefined;
    let worker: ScoringWorker | undefined;
    try {
      progress = await createProgress();
      const p = progress;
      p.token.onCancellationRequested(() => abort.abort());
      const { space, host } = job;
      const info = host.info;
      p.begin('DELE: proposing architectures', 0, `${space.title} · top ${job.top}${job.from ? ' · from the architecture at the cursor' : ''}`, true);
      const generation = host.current;
      let last = 0;
      // Where the host's table holds the whole space, predictions are lookups; else a worker makes them.
      const lookups = info?.reference.kind === 'all' && host.tableReady;
      worker = lookups || !info ? undefined : new ScoringWorker(this.workerScript, info.path, job.backend);
      const scorer = worker;
      const r = await searchSpace(
        space,
        (archs) => {
          // A predictor replaced during the search (training finished, settings changed) would mix two scales.
          if (host.current !== generation || !host.current) throw new Error('the predictor changed during the search; run it again');
          return scorer ? scorer.score(archs) : host.predict(archs).map((x) => x.score);
        },
        {
          top: job.top,
          budget: job.budget,
          seed: job.seed,
          exclude: job.exclude,
          signal: abort.signal,
          ...(job.from ? { from: [job.from.arch] } : {}),
          onProgress: (x) => {
            const now = Date.now();
            if (now - last < REPORT_EVERY_MS && x.evaluated < x.budget) return;
            last = now;
            const cal = host.current?.meta.calibration;
            const best = Number.isFinite(x.bestScore) && cal ? ` · best predicted ${formatValue(applyCalibration(cal, x.bestScore), info?.targetUnit ?? '')}` : '';
            p.report(Math.min(100, Math.floor((100 * x.evaluated) / Math.max(1, x.budget))), `${x.evaluated.toLocaleString('en-US')} / ${x.budget.toLocaleString('en-US')} architectures scored${best}`);
          },
        },
      );
      void worker?.dispose();
      const preds = await predictInSlices(host, r.proposals.map((x) => x.arch));
      const render = job.from?.found && space.render ? space.render.bind(space) : undefined;
      const proposals: SearchProposal[] = r.proposals.flatMap((x, i): SearchProposal[] => {
        const pr = preds[i];
        if (!pr) return [];
        const text = (render && job.from?.found ? render(x.arch, job.from.found) : undefined) ?? x.key;
        return [{ arch: x.key, text, predicted: pr.accuracy, percentile: host.percentile(pr.score), trueAccuracy: job.trueValue(x.key), experts: pr.experts }];
      });
      const how =
        r.method === 'enumerate'
          ? `all ${r.evaluated.toLocaleString('en-US')} ${space.title} architectures ranked`
          : `regularised evolution over ${space.title}: ${r.evaluated.toLocaleString('en-US')} architectures scored (budget ${job.budget.toLocaleString('en-US')}, seed ${job.seed})`;
      const started = job.from && r.method === 'enumerate' ? ' (the whole space was ranked, so the start only sets the form of the proposals)' : '';
      const excluded = job.exclude.size > 0 ? `; ${job.exclude.size} architecture${job.exclude.size === 1 ? '' : 's'} of the document left out` : '';
      return {
        space: space.id,
        spaceTitle: space.title,
        unit: info?.targetUnit ?? '',
        target: info?.target ?? '',
        proposals,
        evaluated: r.evaluated,
        method: r.method,
        cancelled: r.cancelled,
        ...(job.from ? { from: job.from.key } : {}),
        message: `${r.cancelled ? 'cancelled: best of what was scored, ' : ''}${how}${started}${excluded}`,
      };
    } finally {
      void worker?.dispose();
      cancelSub.dispose();
      progress?.done();
      this.running = false;
    }
  }
}

/** Where a search starts, from `from: { uri, position }`: the valid architecture there (its space, if not given). */
function startInDocument(ctx: ServerContext, from: { uri: string; position: { line: number; character: number } }, spaceId: string | undefined): NonNullable<SearchJob['from']> & { space: string } {
  const doc = ctx.documents.get(from.uri);
  if (!doc) throw new ResponseError(ErrorCodes.InvalidParams, `from: ${show(from.uri)} is not an open document`);
  const at = doc.offsetAt(from.position);
  const f = ctx.valid(doc).find((x) => at >= x.start && at <= x.end && (spaceId === undefined || x.space === spaceId));
  if (!f) throw new ResponseError(ErrorCodes.InvalidParams, `from: no valid architecture${spaceId ? ` of ${spaceId}` : ''} at line ${from.position.line + 1}, column ${from.position.character + 1}`);
  return { arch: f.result.arch, key: f.result.key, found: f, space: f.space };
}

/** The search a `dele/search` request asks for; refusals are ResponseErrors naming the field. */
function searchJob(ctx: ServerContext, p: SearchParams): SearchJob {
  let from: SearchJob['from'];
  let spaceId = p.space;
  if (p.from && 'uri' in p.from) {
    const start = startInDocument(ctx, p.from, spaceId);
    spaceId = start.space;
    from = { arch: start.arch, key: start.key, found: start.found };
  }
  spaceId ??= ctx.predictors.primary?.space?.id ?? DEFAULT_SPACE_ID;
  const space = ctx.spaceById(spaceId);
  if (!space) throw new ResponseError(ErrorCodes.InvalidParams, `space: unknown search space ${show(spaceId)}`);
  const host = ctx.hostFor(space.id);
  if (host === 'stale') throw new ResponseError(4, `the ${space.title} predictor was trained on an earlier declaration of this space: retrain it with DELE: Train Predictor… before searching`);
  const searched = host?.space;
  if (!host || !searched) throw new ResponseError(4, `no predictor for ${space.title}: train one with DELE: Train Predictor… (or set dele.predictorPath) to search it`);
  if (p.from && 'arch' in p.from) {
    const r = searched.parse(p.from.arch);
    if (!r.ok) throw new ResponseError(ErrorCodes.InvalidParams, `from: not a valid ${space.title} architecture: ${r.problems[0]?.message ?? 'parse error'}`);
    from = { arch: r.arch, key: r.key };
  }
  const exclude = new Set<string>();
  if (p.excludeDocument !== undefined) {
    const doc = ctx.documents.get(p.excludeDocument);
    if (!doc) throw new ResponseError(ErrorCodes.InvalidParams, `excludeDocument: ${show(p.excludeDocument)} is not an open document`);
    for (const f of ctx.valid(doc)) if (f.space === space.id) exclude.add(f.result.key);
  }
  const trueValue = (key: string): number | undefined => ctx.trueValue(space.id, key)?.value;
  return { space: searched, host, top: p.top, budget: p.budget ?? defaultBudget(searched), seed: p.seed ?? 0, exclude, trueValue, backend: ctx.status().backend, ...(from ? { from } : {}) };
}

/** `dele/search`: params and the space's predictor are checked before anything starts; one search at a time. */
export async function searchRequest(ctx: ServerContext, searcher: SearchHost, p: SearchParams, token: CancellationToken): Promise<SearchResponse> {
  await ctx.ready;
  const problem = searchParamsProblem(p);
  if (problem) throw new ResponseError(ErrorCodes.InvalidParams, `invalid search parameters: ${problem}`);
  if (searcher.busy) throw new ResponseError(2, 'a search is already running: cancel it or wait for it to finish');
  const job = searchJob(ctx, p);
  try {
    return await searcher.run(job, () => ctx.connection.window.createWorkDoneProgress(), token);
  } catch (e) {
    ctx.connection.console.error(`DELE search failed: ${(e as Error).stack ?? (e as Error).message}`);
    throw new ResponseError(1, `search failed: ${(e as Error).message}`);
  }
}
