/**
 * Proposing the next batch to train (the "propose" step of predictor-based NAS: propose, train, feed the
 * accuracies back, retrain, propose again). A pool of candidates, the whole space when it is enumerable and within
 * the budget, else what a seeded evolution guided by the ensemble scored, is ranked by an upper confidence bound
 * over DELE's mixture of experts:
 *
 *   ucb = mean + beta * spread
 *
 * - mean: the ensemble's gate-weighted score (what `dele search` ranks by), standardised over the pool;
 * - spread: the gate-weighted standard deviation of the experts' scores, each expert's scores standardised over the
 *   pool first (experts are trained on different LF measures, so their raw scales differ).
 *
 * The experts' disagreement is DELE's own uncertainty: where experts that the gate trusts rank an architecture
 * very differently, its label teaches the predictor most. Both terms are in pool standard deviations, so beta is
 * unitless; beta = 0 is pure exploitation (the predictor's top k), a one-expert predictor has no spread.
 *
 * The batch is chosen greedily in ucb order. Already labelled keys are never candidates, a key is taken once,
 * and with `diverse` (the default) an architecture one edit away (`space.neighbours`) from one already chosen is
 * passed over: a batch of one architecture and its single-edit variants teaches little more than one of them.
 * When passing them over leaves the batch short of k, the passed-over ones fill it, in ucb order.
 * Pure and deterministic for a seed: it sees the space through `SearchSpace` and the predictor as a function.
 */
import type { SearchSpace } from '../space/types';
import { searchSpace } from './index';

/** What the scorer returns per architecture: the shape of `Predictor.predict`'s score and experts. */
export interface EnsembleScore {
  /** The ensemble's score, sum of weight * score over the experts; higher = better. */
  score: number;
  experts: readonly { name: string; weight: number; score: number }[];
}

export interface BatchOptions {
  /** Architectures to propose. */
  k: number;
  /** Exploration weight of the spread; default 1. */
  beta?: number;
  /** Candidates scored at most: the whole space when it has no more, else an evolution scores this many. */
  budget: number;
  seed: number;
  /** Canonical keys already labelled: never proposed. */
  labelled?: ReadonlySet<string>;
  /** Pass over architectures one edit from one already chosen (default true). */
  diverse?: boolean;
  signal?: AbortSignal;
  onProgress?: (p: { evaluated: number; budget: number }) => void;
}

export interface Candidate<A> {
  arch: A;
  key: string;
  ensemble: EnsembleScore;
}

export interface BatchPick<A> {
  arch: A;
  key: string;
  /** The ensemble's raw score (for calibration). */
  score: number;
  /** Standardised ensemble score over the pool. */
  mean: number;
  /** Gate-weighted standard deviation of the standardised expert scores. */
  spread: number;
  ucb: number;
}

export interface BatchResult<A> {
  /** Best ucb first (the diversity fill-up, if any, last). */
  batch: BatchPick<A>[];
  /** Candidates ranked (scored and not labelled). */
  pool: number;
  method: 'enumerate' | 'evolution';
  /** Candidates passed over for being one edit from a chosen one (and not needed to fill the batch). */
  passedOver: number;
  cancelled: boolean;
}

export const DEFAULT_BETA = 1;

function standardiser(values: readonly number[]): (x: number) => number {
  const n = values.length;
  const mu = values.reduce((s, v) => s + v, 0) / Math.max(1, n);
  const sd = Math.sqrt(values.reduce((s, v) => s + (v - mu) ** 2, 0) / Math.max(1, n));
  return sd > 1e-12 && Number.isFinite(sd) ? (x) => (x - mu) / sd : () => 0;
}

/** mean, spread and ucb of every candidate, in the pool's order. */
export function scoreCandidates<A>(pool: readonly Candidate<A>[], beta: number): BatchPick<A>[] {
  const nExperts = Math.max(0, ...pool.map((c) => c.ensemble.experts.length));
  const zMean = standardiser(pool.map((c) => c.ensemble.score));
  const zExpert = Array.from({ length: nExperts }, (_, j) => standardiser(pool.map((c) => c.ensemble.experts[j]?.score ?? 0)));
  return pool.map((c) => {
    const es = c.ensemble.experts;
    const z = es.map((e, j) => (zExpert[j] as (x: number) => number)(e.score));
    const wSum = es.reduce((s, e) => s + e.weight, 0);
    const mix = wSum > 0 ? es.reduce((s, e, j) => s + e.weight * (z[j] as number), 0) / wSum : 0;
    const variance = wSum > 0 ? es.reduce((s, e, j) => s + e.weight * ((z[j] as number) - mix) ** 2, 0) / wSum : 0;
    const spread = Math.sqrt(Math.max(0, variance));
    const mean = zMean(c.ensemble.score);
    return { arch: c.arch, key: c.key, score: c.ensemble.score, mean, spread, ucb: mean + beta * spread };
  });
}

/**
 * The batch from a pool: ucb order (ties: pool order), labelled and repeated keys skipped, and with `diverse`
 * no two picks one edit apart unless the batch would otherwise stay short.
 */
export function chooseBatch<A>(
  space: Pick<SearchSpace<A>, 'key' | 'neighbours'>,
  pool: readonly Candidate<A>[],
  o: Pick<BatchOptions, 'k' | 'beta' | 'labelled' | 'diverse'>,
): { batch: BatchPick<A>[]; passedOver: number } {
  if (!Number.isInteger(o.k) || o.k < 1) throw new RangeError(`propose batch: k must be an integer >= 1, got ${o.k}`);
  const beta = o.beta ?? DEFAULT_BETA;
  if (!Number.isFinite(beta) || beta < 0) throw new RangeError(`propose batch: beta must be a number >= 0, got ${beta}`);
  const labelled = o.labelled ?? new Set<string>();
  const usable = pool.filter((c) => !labelled.has(c.key) && Number.isFinite(c.ensemble.score));
  const ranked = scoreCandidates(usable, beta)
    .map((p, i) => ({ p, i }))
    .sort((a, b) => b.p.ucb - a.p.ucb || a.i - b.i)
    .map((x) => x.p);
  const chosen = new Set<string>();
  const near = new Set<string>();
  const batch: BatchPick<A>[] = [];
  const passed: BatchPick<A>[] = [];
  for (const p of ranked) {
    if (batch.length >= o.k) break;
    if (chosen.has(p.key)) continue;
    if (o.diverse !== false && near.has(p.key)) {
      passed.push(p);
      continue;
    }
    chosen.add(p.key);
    batch.push(p);
    if (o.diverse !== false) for (const n of space.neighbours?.(p.arch) ?? []) near.add(space.key(n.arch));
  }
  let used = 0;
  for (const p of passed) {
    if (batch.length >= o.k) break;
    if (chosen.has(p.key)) continue;
    chosen.add(p.key);
    batch.push(p);
    used++;
  }
  return { batch, passedOver: passed.length - used };
}

/**
 * Scores a pool (the whole space when it has at most `budget` architectures, else a seeded evolution guided by
 * the ensemble score, every architecture it scored being a candidate) and chooses the batch from it.
 */
export async function proposeBatch<A>(
  space: SearchSpace<A>,
  scorer: (archs: A[]) => EnsembleScore[] | Promise<EnsembleScore[]>,
  o: BatchOptions,
): Promise<BatchResult<A>> {
  if (!Number.isInteger(o.k) || o.k < 1) throw new RangeError(`propose batch: k must be an integer >= 1, got ${o.k}`);
  const details = new Map<string, EnsembleScore>();
  const labelled = o.labelled ?? new Set<string>();
  const r = await searchSpace(
    space,
    async (archs) => {
      const out = await scorer(archs);
      if (!Array.isArray(out) || out.length !== archs.length) throw new Error(`propose batch: the scorer returned ${Array.isArray(out) ? out.length : typeof out} results for ${archs.length} architectures`);
      archs.forEach((a, i) => details.set(space.key(a), out[i] as EnsembleScore));
      return out.map((x) => x.score);
    },
    // Every scored, unlabelled architecture is a candidate: `top` as large as the budget keeps them all.
    { top: Math.max(1, o.budget), budget: o.budget, seed: o.seed, exclude: new Set(labelled), signal: o.signal, onProgress: o.onProgress },
  );
  const pool: Candidate<A>[] = r.proposals.flatMap((p) => {
    const ensemble = details.get(p.key);
    return ensemble ? [{ arch: p.arch, key: p.key, ensemble }] : [];
  });
  // Pool order by key, so the ranking of ties does not depend on the order in which the search scored them.
  pool.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  const { batch, passedOver } = chooseBatch(space, pool, { ...o, labelled });
  return { batch, pool: pool.length, method: r.method, passedOver, cancelled: r.cancelled };
}
