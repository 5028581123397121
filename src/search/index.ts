/**
 * Proposing architectures: the best of a search space under a scorer (a predictor, or anything that ranks).
 * A space small enough for the budget is enumerated and scored whole; a larger one is searched by regularised
 * (aging) evolution, Real et al. 2019, guided by the scorer. Pure: it sees the space through `SearchSpace` and
 * the scorer as a function, so the CLI, the server and the benches share it with any predictor.
 */
import type { Random, SearchSpace } from '../space/types';
import { shuffleInPlace } from '../util/rng';

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

/** One search: the memo of scored architectures, the budget, progress and the two strategies. */
class SearchRun<A> {
  readonly memo = new Map<string, Scored<A>>();
  readonly exclude: ReadonlySet<string>;
  readonly random: () => number;
  readonly population: number;
  readonly tournament: number;
  readonly batch: number;
  private bestScore = -Infinity;
  /** Progress counts against the budget, or in enumeration against the distinct proposable architectures. */
  private shownBudget: number;

  constructor(
    readonly space: SearchSpace<A>,
    private readonly score: (archs: A[]) => number[] | Promise<number[]>,
    readonly o: SearchOptions<A>,
  ) {
    checkInt('top', o.top, 1);
    checkInt('budget', o.budget, 0);
    this.population = o.population ?? DEFAULT_POPULATION;
    this.tournament = o.tournament ?? DEFAULT_TOURNAMENT;
    this.batch = o.batch ?? DEFAULT_BATCH;
    checkInt('population', this.population, 1);
    checkInt('tournament', this.tournament, 1);
    checkInt('batch', this.batch, 1);
    this.exclude = o.exclude ?? new Set<string>();
    this.random = seededRandom(o.seed);
    this.shownBudget = o.budget;
  }

  aborted(): boolean {
    return this.o.signal?.aborted === true;
  }

  /** Scores the archs not seen before (at most what the budget has left), records them, and yields. */
  async evaluate(archs: A[]): Promise<Scored<A>[]> {
    const { memo, o, space } = this;
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
    const scores = await this.score(fresh.map((f) => f.arch));
    if (!Array.isArray(scores) || scores.length !== fresh.length) {
      throw new Error(`search: the scorer returned ${Array.isArray(scores) ? scores.length : typeof scores} scores for ${fresh.length} architectures`);
    }
    const out = fresh.map((f, i): Scored<A> => ({ ...f, score: scores[i] as number, order: memo.size + i }));
    for (const s of out) {
      memo.set(s.key, s);
      if (!this.exclude.has(s.key) && s.score > this.bestScore) this.bestScore = s.score;
    }
    o.onProgress?.({ evaluated: memo.size, budget: this.shownBudget, bestScore: this.bestScore });
    await tick();
    return out;
  }

  finish(method: SearchResult<A>['method']): SearchResult<A> {
    const proposals = [...this.memo.values()]
      .filter((s) => !this.exclude.has(s.key) && !Number.isNaN(s.score))
      .sort((a, b) => b.score - a.score || a.order - b.order)
      .slice(0, this.o.top)
      .map(({ arch, key, score: sc }) => ({ arch, key, score: sc }));
    return { proposals, evaluated: this.memo.size, method, cancelled: this.aborted() };
  }

  /** Every proposable architecture of a space small enough for the budget, each scored once. */
  async enumerate(): Promise<SearchResult<A>> {
    const { space } = this;
    const size = space.size as number;
    const fromIndex = (space.fromIndex as (i: number) => A).bind(space);
    // First the indices worth a score: excluded archs would never be proposed, and where the key merges
    // isomorphic archs one index per key is enough. Yields now and then: a declared space may be 200,000 archs.
    const todo: number[] = [];
    const keys = new Set<string>();
    for (let i = 0; i < size; i++) {
      const k = space.key(fromIndex(i));
      if (!this.exclude.has(k) && !keys.has(k)) {
        keys.add(k);
        todo.push(i);
      }
      if (i % 20_000 === 19_999) {
        await tick();
        if (this.aborted()) return this.finish('enumerate');
      }
    }
    this.shownBudget = todo.length;
    const chunk = Math.max(this.batch, ENUMERATE_CHUNK);
    for (let start = 0; start < todo.length && !this.aborted(); start += chunk) {
      await this.evaluate(todo.slice(start, start + chunk).map(fromIndex));
    }
    return this.finish('enumerate');
  }

  /** A child: a random neighbour of the parent (one edit), or a fresh sample where the space has no neighbours. */
  mutate(parent: A): A | undefined {
    const ns = this.space.neighbours?.(parent) ?? [];
    if (ns.length > 0) return ns[Math.floor(this.random() * ns.length)]?.arch;
    return this.space.sample(this.random, 1)[0];
  }

  /** Initial population: `from`, then their neighbours (shuffled), then seeded samples of the space. */
  initialPopulation(): A[] {
    const { space, population, random } = this;
    const initial: A[] = [];
    const initialKeys = new Set<string>();
    const add = (a: A | undefined): void => {
      if (a === undefined || initial.length >= population) return;
      const k = space.key(a);
      if (initialKeys.has(k)) return;
      initialKeys.add(k);
      initial.push(a);
    };
    for (const a of this.o.from ?? []) add(a);
    const around = (this.o.from ?? []).flatMap((a) => space.neighbours?.(a).map((n) => n.arch) ?? []);
    shuffleInPlace(around, random);
    for (const a of around) add(a);
    for (let tries = 0; initial.length < population && tries < 5; tries++) for (const a of space.sample(random, population - initial.length)) add(a);
    return initial;
  }

  /** Aging evolution: the population is a queue, children join at the back and the oldest leaves. */
  async evolve(): Promise<SearchResult<A>> {
    const { memo, o, batch, population } = this;
    const initial = this.initialPopulation();
    const pop: Scored<A>[] = [];
    for (let i = 0; i < initial.length && !this.aborted() && memo.size < o.budget; i += batch) {
      pop.push(...(await this.evaluate(initial.slice(i, i + batch))));
    }
    if (pop.length === 0) return this.finish('evolution');
    // Child slots that found no unseen architecture, in a row; past this the space is exhausted: stop.
    const stale = { count: 0, limit: 20 * Math.max(population, batch) };
    while (memo.size < o.budget && !this.aborted() && stale.count < stale.limit) {
      const children = this.children(pop, Math.min(batch, o.budget - memo.size), stale);
      for (const s of await this.evaluate(children)) age(pop, s, population);
    }
    return this.finish('evolution');
  }

  /** Up to `want` unseen children of tournament-selected parents; counts slots that found none in `stale`. */
  private children(pop: Scored<A>[], want: number, stale: { count: number; limit: number }): A[] {
    const { space, memo } = this;
    const children: A[] = [];
    const pending = new Set<string>();
    const unseen = (a: A | undefined): a is A => a !== undefined && !memo.has(space.key(a)) && !pending.has(space.key(a));
    while (children.length < want && stale.count < stale.limit) {
      const parent = select(pop, this.tournament, this.random);
      // A few tries for an unseen child; around a converged population every neighbour may be scored already,
      // and then a fresh sample of the space explores instead.
      let child: A | undefined;
      for (let t = 0; t < 10 && !unseen(child); t++) child = this.mutate(parent.arch);
      for (let t = 0; t < 10 && !unseen(child); t++) child = space.sample(this.random, 1)[0];
      if (!unseen(child)) {
        stale.count++;
        continue;
      }
      stale.count = 0;
      pending.add(space.key(child));
      children.push(child);
    }
    return children;
  }
}

export async function searchSpace<A>(space: SearchSpace<A>, score: (archs: A[]) => number[] | Promise<number[]>, o: SearchOptions<A>): Promise<SearchResult<A>> {
  const run = new SearchRun(space, score, o);
  const enumerable = space.size !== undefined && space.fromIndex !== undefined && space.size <= o.budget;
  return enumerable ? run.enumerate() : run.evolve();
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


