/**
 * `dele/search`: proposes the best architectures of a space by its predictor (src/search: the space enumerated
 * when the budget covers it, else a seeded regularised evolution), with cancellable work-done progress. One
 * search at a time; the proposals carry the predicted value, the expert weights and, where the space has a
 * table, the benchmark value.
 */
import type { CancellationToken, WorkDoneProgressServerReporter } from 'vscode-languageserver/node';
import { searchSpace } from '../search';
import {
  SEARCH_DEFAULT_BUDGET,
  SEARCH_MAX_BUDGET,
  SEARCH_MAX_TOP,
  type SearchProposal,
  type SearchResponse,
} from '../protocol/lsp';
import type { FoundArch, SearchSpace } from '../space/types';
import type { PredictorHost } from './predictorHost';
import { applyCalibration } from '../predictor/calibration';

const formatValue = (v: number, unit: string): string => `${v.toFixed(unit === '%' || Math.abs(v) >= 10 ? 2 : 4)}${unit}`;

const show = (x: unknown): string => {
  const j = x === undefined ? 'nothing' : (JSON.stringify(x) ?? String(x));
  return j.length > 40 ? `${j.slice(0, 40)}…` : j;
};

/** Progress reports at most this often (ms): a fast enumeration must not flood the client. */
const REPORT_EVERY_MS = 100;

/** What is wrong with `dele/search` params, as one line naming the field, or undefined when they are usable. */
export function searchParamsProblem(p: unknown): string | undefined {
  if (typeof p !== 'object' || p === null || Array.isArray(p)) return `params must be an object, got ${show(p)}`;
  const o = p as Record<string, unknown>;
  const isInt = (x: unknown): x is number => typeof x === 'number' && Number.isSafeInteger(x);
  if (o.space !== undefined && (typeof o.space !== 'string' || o.space === '')) return `space must be a search space id, got ${show(o.space)}`;
  if (!(isInt(o.top) && o.top >= 1 && o.top <= SEARCH_MAX_TOP)) return `top must be an integer from 1 to ${SEARCH_MAX_TOP}, got ${show(o.top)}`;
  if (o.budget !== undefined && !(isInt(o.budget) && o.budget >= 1 && o.budget <= SEARCH_MAX_BUDGET)) {
    return `budget must be an integer from 1 to ${SEARCH_MAX_BUDGET}, got ${show(o.budget)}`;
  }
  if (o.seed !== undefined && !isInt(o.seed)) return `seed must be an integer, got ${show(o.seed)}`;
  if (o.excludeDocument !== undefined && (typeof o.excludeDocument !== 'string' || o.excludeDocument === '')) return `excludeDocument must be a document uri, got ${show(o.excludeDocument)}`;
  if (o.from !== undefined) {
    const f = o.from as Record<string, unknown> | null;
    const pos = f?.position as Record<string, unknown> | undefined;
    const okArch = typeof f === 'object' && f !== null && typeof f.arch === 'string' && f.arch !== '' && f.arch.length <= 100_000;
    const okLoc = typeof f === 'object' && f !== null && typeof f.uri === 'string' && typeof pos === 'object' && pos !== null && isInt(pos.line) && pos.line >= 0 && isInt(pos.character) && pos.character >= 0;
    if (!okArch && !okLoc) return `from must be { arch: "<architecture>" } or { uri, position: { line, character } }, got ${show(o.from)}`;
  }
  return undefined;
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
}

export class SearchHost {
  private running = false;

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
    const cancelSub = token.onCancellationRequested(() => abort.abort());
    let progress: WorkDoneProgressServerReporter | undefined;
    try {
      progress = await createProgress();
      const p = progress;
      p.token.onCancellationRequested(() => abort.abort());
      const { space, host } = job;
      const info = host.info;
      p.begin('DELE: proposing architectures', 0, `${space.title} · top ${job.top}${job.from ? ' · from the architecture at the cursor' : ''}`, true);
      const generation = host.current;
      let last = 0;
      const r = await searchSpace(
        space,
        (archs) => {
          // A predictor replaced during the search (training finished, settings changed) would mix two scales.
          if (host.current !== generation || !host.current) throw new Error('the predictor changed during the search; run it again');
          return host.predict(archs).map((x) => x.score);
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
      const preds = host.predict(r.proposals.map((x) => x.arch));
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
      cancelSub.dispose();
      progress?.done();
      this.running = false;
    }
  }
}
