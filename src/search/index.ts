/**
 * Proposing architectures: the best of a search space under a scorer (a predictor, or anything that ranks).
 * A space small enough for the budget is enumerated and scored whole; a larger one is searched by regularised
 * (aging) evolution, Real et al. 2019, guided by the scorer. Pure: it sees the space through `SearchSpace` and
 * the scorer as a function, so the CLI, the server and the benches share it with any predictor.
 */
import type { Random, SearchSpace } from '../space/types';

export { proposalsCsv, type ProposalRow } from './csv';

export interface SearchOptions<A> {
  /** Proposals to return. */
  top: number;
  /** Maximum distinct architectures scored (predictor calls are counted per architecture). */
  budget: number;
  seed: number;
  /** Evolution starts its population from these (and their neighbours); ignored when the space is enumerated. */
  from?: A[];
  /** Population of the aging evolution, default 50. */
  population?: number;
  /** Tournament size, default 10. */
  tournament?: number;
  /** Children scored per scorer call in evolution, default 32 (enumeration scores max(batch, 256) at a time). */
  batch?: number;
  /** Keys never proposed (e.g. the architectures already in the file); evolution may still score and breed from them. */
  exclude?: Set<string>;
  signal?: AbortSignal;
  /** After every scorer call; `bestScore` is the best proposable score so far (-Infinity before any). */
  onProgress?: (p: { evaluated: number; budget: number; bestScore: number }) => void;
}

/** `score` is what the scorer returned for the architecture (higher = better). */
export interface Proposal<A> {
  arch: A;
  key: string;
  score: number;
}

export interface SearchResult<A> {
  /** Best first; ties keep the order in which the architectures were scored. */
  proposals: Proposal<A>[];
  /** Distinct architectures scored (= the sum of the scorer's batch sizes). */
  evaluated: number;
  method: 'enumerate' | 'evolution';
  /** True when the signal aborted the search; `proposals` are then the best found until then. */
  cancelled: boolean;
}

export const DEFAULT_POPULATION = 50;
export const DEFAULT_TOURNAMENT = 10;
export const DEFAULT_BATCH = 32;
/** Enumeration needs no feedback between calls, so it scores in larger chunks. */
const ENUMERATE_CHUNK = 256;

/** mulberry32: a small seeded PRNG, so a search is reproducible from its seed. */
export function seededRandom(seed: number): Random {
  let s = (Math.imul(seed | 0, 0x9e3779b1) ^ 0x2545f491) >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Lets a server answer other requests (and a cancel) between scorer calls. */
const tick = (): Promise<void> => new Promise((resolve) => (typeof setImmediate === 'function' ? setImmediate(resolve) : setTimeout(resolve, 0)));

/** NaN ranks below everything. */
const rankable = (x: number): number => (Number.isNaN(x) ? -Infinity : x);

interface Scored<A> {
  arch: A;
  key: string;
  score: number;
  /** Order of scoring, for ties. */
  order: number;
}

function checkInt(name: string, v: number, min: number): void {
  if (!Number.isInteger(v) || v < min) throw new RangeError(`search: ${name} must be an integer >= ${min}, got ${v}`);
}

export async function searchSpace<A>(space: SearchSpace<A>, score: (archs: A[]) => number[] | Promise<number[]>, o: SearchOptions<A>): Promise<SearchResult<A>> {
  checkInt('top', o.top, 1);
  checkInt('budget', o.budget, 0);
  const population = o.population ?? DEFAULT_POPULATION;
  const tournament = o.tournament ?? DEFAULT_TOURNAMENT;
  const batch = o.batch ?? DEFAULT_BATCH;
  checkInt('population', population, 1);
  checkInt('tournament', tournament, 1);
  checkInt('batch', batch, 1);
  const exclude = o.exclude ?? new Set<string>();
  const random = seededRandom(o.seed);
  const memo = new Map<string, Scored<A>>();
  let bestScore = -Infinity;
  const enumerate = space.size !== undefined && space.fromIndex !== undefined && space.size <= o.budget;
  // Progress counts against the budget, or in enumeration against the distinct proposable architectures.
  let shownBudget = o.budget;
  const aborted = (): boolean => o.signal?.aborted === true;

  /** Scores the archs not seen before (at most what the budget has left), records them, and yields. */
  const evaluate = async (archs: A[]): Promise<Scored<A>[]> => {
    const fresh: { arch: A; key: string }[] = [];
    const inBatch = new Set<string>();
    for (const arch of archs) {
      if (memo.size + fresh.length >= o.budget) break;
      const key = space.key(arch);
      if (memo.has(key) || inBatch.has(key)) continue;
      inBatch.add(key);
      fresh.push({ arch, key });
    }
    if (fresh.length === 0) return [];
    const scores = await score(fresh.map((f) => f.arch));
    if (!Array.isArray(scores) || scores.length !== fresh.length) {
      throw new Error(`search: the scorer returned ${Array.isArray(scores) ? scores.length : typeof scores} scores for ${fresh.length} architectures`);
    }
    const out = fresh.map((f, i): Scored<A> => ({ ...f, score: scores[i] as number, order: memo.size + i }));
    for (const s of out) {
      memo.set(s.key, s);
      if (!exclude.has(s.key) && s.score > bestScore) bestScore = s.score;
    }
    o.onProgress?.({ evaluated: memo.size, budget: shownBudget, bestScore });
    await tick();
    return out;
  };

  const finish = (method: SearchResult<A>['method']): SearchResult<A> => {
    const proposals = [...memo.values()]
      .filter((s) => !exclude.has(s.key) && !Number.isNaN(s.score))
      .sort((a, b) => b.score - a.score || a.order - b.order)
      .slice(0, o.top)
      .map(({ arch, key, score: sc }) => ({ arch, key, score: sc }));
    return { proposals, evaluated: memo.size, method, cancelled: aborted() };
  };

  if (enumerate) {
    const size = space.size as number;
    const fromIndex = (space.fromIndex as (i: number) => A).bind(space);
    // First the indices worth a score: excluded archs would never be proposed, and where the key merges
    // isomorphic archs one index per key is enough. Yields now and then: a declared space may be 200,000 archs.
    const todo: number[] = [];
    const keys = new Set<string>();
    for (let i = 0; i < size; i++) {
      const k = space.key(fromIndex(i));
      if (!exclude.has(k) && !keys.has(k)) {
        keys.add(k);
        todo.push(i);
      }
      if (i % 20_000 === 19_999) {
        await tick();
        if (aborted()) return finish('enumerate');
      }
    }
    shownBudget = todo.length;
    const chunk = Math.max(batch, ENUMERATE_CHUNK);
    for (let start = 0; start < todo.length && !aborted(); start += chunk) {
      await evaluate(todo.slice(start, start + chunk).map(fromIndex));
    }
    return finish('enumerate');
  }

  // A child: a random neighbour of the parent (one edit), or a fresh sample where the space has no neighbours.
  const mutate = (parent: A): A | undefined => {
    const ns = space.neighbours?.(parent) ?? [];
    if (ns.length > 0) return ns[Math.floor(random() * ns.length)]?.arch;
    return space.sample(random, 1)[0];
  };

  // Initial population: `from`, then their neighbours (shuffled), then seeded samples of the space.
  const initial: A[] = [];
  const initialKeys = new Set<string>();
  const add = (a: A | undefined): void => {
    if (a === undefined || initial.length >= population) return;
    const k = space.key(a);
    if (initialKeys.has(k)) return;
    initialKeys.add(k);
    initial.push(a);
  };
  for (const a of o.from ?? []) add(a);
  const around = (o.from ?? []).flatMap((a) => space.neighbours?.(a).map((n) => n.arch) ?? []);
  shuffle(around, random);
  for (const a of around) add(a);
  for (let tries = 0; initial.length < population && tries < 5; tries++) for (const a of space.sample(random, population - initial.length)) add(a);

  // The population is a queue: children join at the back, the oldest leaves (aging).
  const pop: Scored<A>[] = [];
  for (let i = 0; i < initial.length && !aborted() && memo.size < o.budget; i += batch) {
    pop.push(...(await evaluate(initial.slice(i, i + batch))));
  }
  if (pop.length === 0) return finish('evolution');

  // Child slots that found no unseen architecture, in a row; past this the space is exhausted: stop.
  let stale = 0;
  const staleLimit = 20 * Math.max(population, batch);
  const unseen = (a: A | undefined, pending: Set<string>): a is A => a !== undefined && !memo.has(space.key(a)) && !pending.has(space.key(a));
  while (memo.size < o.budget && !aborted() && stale < staleLimit) {
    const want = Math.min(batch, o.budget - memo.size);
    const children: A[] = [];
    const pending = new Set<string>();
    while (children.length < want && stale < staleLimit) {
      const parent = select(pop, tournament, random);
      // A few tries for an unseen child; around a converged population every neighbour may be scored already,
      // and then a fresh sample of the space explores instead.
      let child: A | undefined;
      for (let t = 0; t < 10 && !unseen(child, pending); t++) child = mutate(parent.arch);
      for (let t = 0; t < 10 && !unseen(child, pending); t++) child = space.sample(random, 1)[0];
      if (!unseen(child, pending)) {
        stale++;
        continue;
      }
      stale = 0;
      pending.add(space.key(child));
      children.push(child);
    }
    for (const s of await evaluate(children)) age(pop, s, population);
  }
  return finish('evolution');
}

function age<A>(pop: Scored<A>[], s: Scored<A>, population: number): void {
  pop.push(s);
  if (pop.length > population) pop.shift();
}

/** The best of `k` members drawn without replacement (all of them when the population is smaller). */
function select<A>(pop: Scored<A>[], k: number, random: Random): Scored<A> {
  const idx = pop.map((_, i) => i);
  const n = Math.min(k, pop.length);
  let best: Scored<A> | undefined;
  for (let i = 0; i < n; i++) {
    const j = i + Math.floor(random() * (idx.length - i));
    const t = idx[i] as number;
    idx[i] = idx[j] as number;
    idx[j] = t;
    const m = pop[idx[i] as number] as Scored<A>;
    if (best === undefined || rankable(m.score) > rankable(best.score)) best = m;
  }
  return best as Scored<A>;
}

function shuffle<T>(xs: T[], random: Random): void {
  for (let i = xs.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    const t = xs[i] as T;
    xs[i] = xs[j] as T;
    xs[j] = t;
  }
}
