/**
 * The practitioner's loop (issue 21, part 4), simulated on a benchmark table that plays the cluster: "training" an
 * architecture is looking up its true value. Three ways to spend the same budget of true evaluations:
 *
 * - `deleLoop`: `initial` random architectures labelled; then per round DELE is trained on the labels so far
 *   (`trainOnLabels`: step 1 on the pool's LF columns, from the step-1 store after the first round; step 2 on the
 *   labels) and `proposeBatch` picks the next k (ucb over the experts, labelled ones excluded, the whole space
 *   scored), which are then labelled.
 * - `randomSearch`: distinct random architectures.
 * - `regularisedEvolution`: aging evolution (Real et al. 2019) with true evaluations, one child at a time, the
 *   project's own evolution (src/search) with the oracle as its scorer.
 *
 * All three draw their first architectures from the same seeded stream (`randomArchs`, prefix-stable), so for one
 * seed they start from the same `initial` architectures. Every evaluation is of an architecture not evaluated
 * before in that run. Seeded and silent: the caller prints (bench/loop.ts).
 */
import { column, type Dataset, DataError, makeDataset } from '../data/dataset';
import { trainOnLabels, type Step1Store } from '../predictor/labelled';
import { meanStd } from '../predictor/metrics';
import type { EncoderType } from '../predictor/model';
import type { PresetName } from '../predictor/presets';
import type { OptimConfig } from '../predictor/train';
import { DEFAULT_BETA, proposeBatch } from '../search/batch';
import { searchSpace, seededRandom } from '../search';
import type { SearchSpace } from '../space/types';

/** The benchmark table as the cluster: the true value of an architecture by its canonical key. */
export interface Oracle {
  space: SearchSpace;
  target: string;
  /** The true value; throws a DataError for an architecture the table lacks or has no value for. */
  value(key: string): number;
  /** Best value of the space (for regret). */
  best: number;
  /** Architectures with a value. */
  size: number;
}

export function tableOracle(ds: Dataset, target: string): Oracle {
  const c = column(ds, target);
  if (c.kind !== 'target') throw new DataError(`column "${target}" of ${ds.source} is an LF measure, not a target`);
  const byKey = new Map<string, number>();
  ds.keys.forEach((k, i) => {
    const v = c.values[i]!;
    if (Number.isFinite(v)) byKey.set(k, v);
  });
  if (byKey.size === 0) throw new DataError(`${ds.source} has no value of "${target}"`);
  let best = -Infinity;
  for (const v of byKey.values()) best = Math.max(best, v);
  return {
    space: ds.space,
    target,
    value(key) {
      const v = byKey.get(key);
      if (v === undefined) throw new DataError(`${ds.source} has no "${target}" value for ${key}`);
      return v;
    },
    best,
    size: byKey.size,
  };
}

/** The LF columns of a table only (every target dropped), with its default experts: DELE's pool in the loop. */
export function lfPool(ds: Dataset): Dataset {
  const lf = ds.columns.filter((c) => c.kind === 'lf');
  const pool = makeDataset(ds.source, ds.space, ds.archs, lf);
  return { ...pool, ...(ds.defaultExperts ? { defaultExperts: ds.defaultExperts } : {}), ...(ds.expertSets ? { expertSets: ds.expertSets } : {}) };
}

/** One true evaluation: the architecture's key and its looked-up value. */
export interface Evaluation {
  key: string;
  value: number;
}

export interface LoopRun {
  method: string;
  seed: number;
  /** In the order they were made. */
  evaluations: Evaluation[];
}

/**
 * `n` architectures with distinct keys from the seeded stream `seed`. Prefix-stable on enumerable spaces: the
 * first m of an n-draw are the m-draw, so every method of a seed starts from the same architectures.
 */
export function randomArchs<A>(space: SearchSpace<A>, seed: number, n: number): A[] {
  const random = seededRandom(seed);
  const out: A[] = [];
  const keys = new Set<string>();
  for (let tries = 0; out.length < n && tries < 10; tries++) {
    for (const a of space.sample(random, n - out.length)) {
      const k = space.key(a);
      if (keys.has(k)) continue;
      keys.add(k);
      out.push(a);
    }
  }
  return out;
}

function evaluate(oracle: Oracle, archs: readonly unknown[]): Evaluation[] {
  return archs.map((a) => {
    const key = oracle.space.key(a);
    return { key, value: oracle.value(key) };
  });
}

function checkBudget(budget: number): void {
  if (!Number.isInteger(budget) || budget < 1) throw new RangeError(`loop: the budget must be an integer >= 1, got ${budget}`);
}

/** `budget` distinct random architectures, evaluated. */
export function randomSearch(oracle: Oracle, o: { budget: number; seed: number }): LoopRun {
  checkBudget(o.budget);
  return { method: 'random', seed: o.seed, evaluations: evaluate(oracle, randomArchs(oracle.space, o.seed, o.budget)) };
}

export interface EvolutionOptions {
  budget: number;
  seed: number;
  /** Population of the aging evolution (its first members are random architectures). */
  population: number;
  /** Tournament size: the parent is the best of this many random members. */
  tournament: number;
}

/**
 * Regularised (aging) evolution with true evaluations, one child per step: the parent is the best of
 * `tournament` random members of the population, the child a random neighbour (one edit; `space.neighbours`),
 * the oldest member leaves. A child evaluated before is drawn again (a few mutations of the same parent, then a
 * random architecture), so every evaluation is of a new architecture (Real et al. and NASLib count a repeated child
 * as another evaluation instead).
 */
export async function regularisedEvolution(oracle: Oracle, o: EvolutionOptions): Promise<LoopRun> {
  checkBudget(o.budget);
  // A space no larger than the budget would be enumerated, not evolved.
  if (oracle.space.size !== undefined && o.budget >= oracle.space.size) throw new RangeError(`loop: a budget of ${o.budget} covers the whole space (${oracle.space.size})`);
  const evaluations: Evaluation[] = [];
  const r = await searchSpace(
    oracle.space,
    (archs) => {
      const e = evaluate(oracle, archs);
      evaluations.push(...e);
      return e.map((x) => x.value);
    },
    { top: 1, budget: o.budget, seed: o.seed, population: o.population, tournament: o.tournament, batch: 1 },
  );
  if (r.method !== 'evolution') throw new Error(`loop: expected an evolution, the search ran ${r.method}`);
  return { method: 'evolution', seed: o.seed, evaluations };
}

export interface DeleLoopOptions {
  seed: number;
  /** Random architectures labelled before the first round. */
  initial: number;
  rounds: number;
  /** Architectures proposed (and labelled) per round. */
  k: number;
  /** proposeBatch's exploration weight (default DEFAULT_BETA). */
  beta?: number;
  encoder: EncoderType;
  preset: PresetName;
  /** Experts (default: the pool's default experts). */
  experts?: string[];
  optim?: Partial<OptimConfig>;
  jobs?: number;
  /** Keeps step 1 between rounds (it depends on the pool and the seed only). */
  step1?: Step1Store;
  backend?: string;
  expertWorkerScript?: string;
  signal?: AbortSignal;
  onRound?: (r: DeleRound) => void;
}

export interface DeleRound {
  /** 1-based. */
  round: number;
  /** Labels the predictor was trained on. */
  labelled: number;
  step1Cached: boolean;
  step1Seconds: number;
  step2Seconds: number;
  proposeSeconds: number;
  /** The proposed batch, evaluated. */
  batch: Evaluation[];
  /** Best true value found after this round. */
  best: number;
}

export interface DeleLoopRun extends LoopRun {
  rounds: DeleRound[];
  experts: string[];
}

/**
 * The loop: `initial` random architectures labelled, then `rounds` times train DELE on the labels so far and
 * label the k architectures `proposeBatch` picks from the whole space. Stops early when the space runs out of
 * unlabelled architectures.
 */
export async function deleLoop(pool: Dataset, oracle: Oracle, o: DeleLoopOptions): Promise<DeleLoopRun> {
  if (pool.space.id !== oracle.space.id) throw new DataError(`the pool is of space ${pool.space.id}, the oracle of ${oracle.space.id}`);
  if (!Number.isInteger(o.initial) || o.initial < 2) throw new RangeError(`loop: initial must be an integer >= 2, got ${o.initial}`);
  if (!Number.isInteger(o.rounds) || o.rounds < 0) throw new RangeError(`loop: rounds must be an integer >= 0, got ${o.rounds}`);
  const space = oracle.space;
  const beta = o.beta ?? DEFAULT_BETA;
  const archOf = new Map<string, unknown>();
  const label = (archs: readonly unknown[]): Evaluation[] => {
    const e = evaluate(oracle, archs);
    archs.forEach((a, i) => archOf.set(e[i]!.key, a));
    return e;
  };
  const evaluations = label(randomArchs(space, o.seed, o.initial));
  const rounds: DeleRound[] = [];
  let experts: string[] = [];
  for (let round = 1; round <= o.rounds && !o.signal?.aborted; round++) {
    const labels = evaluations.map((e) => ({ arch: archOf.get(e.key), value: e.value }));
    const trained = await trainOnLabels(pool, labels, {
      method: 'dele',
      encoder: o.encoder,
      target: oracle.target,
      preset: o.preset,
      seed: o.seed,
      jobs: o.jobs ?? 1,
      folds: 0,
      ...(o.experts ? { experts: o.experts } : {}),
      ...(o.optim ? { optim: o.optim } : {}),
      ...(o.step1 ? { step1: o.step1 } : {}),
      ...(o.backend ? { backend: o.backend } : {}),
      ...(o.expertWorkerScript ? { expertWorkerScript: o.expertWorkerScript } : {}),
      labelsSource: `${oracle.target} looked up`,
    });
    experts = trained.experts.map((e) => e.name);
    const t = Date.now();
    let proposed;
    try {
      const p = trained.predictor;
      proposed = await proposeBatch(space, (archs) => p.predict(archs), { k: o.k, beta, budget: oracle.size, seed: o.seed, labelled: new Set(evaluations.map((e) => e.key)), signal: o.signal });
    } finally {
      trained.predictor.dispose();
    }
    const batch = label(proposed.batch.map((b) => b.arch));
    evaluations.push(...batch);
    const r: DeleRound = {
      round,
      labelled: trained.labelled,
      step1Cached: trained.step1Cached,
      step1Seconds: trained.step1Seconds,
      step2Seconds: trained.step2Seconds,
      proposeSeconds: (Date.now() - t) / 1000,
      batch,
      best: Math.max(...evaluations.map((e) => e.value)),
    };
    rounds.push(r);
    o.onRound?.(r);
    if (batch.length < o.k) break;
  }
  return { method: beta === 0 ? 'dele-beta0' : 'dele', seed: o.seed, evaluations, rounds, experts };
}

/** Best value among the first n evaluations, for each n in `counts` (NaN where the run made fewer). */
export function bestSoFar(run: LoopRun, counts: readonly number[]): number[] {
  const prefix: number[] = [];
  let best = -Infinity;
  for (const e of run.evaluations) prefix.push((best = Math.max(best, e.value)));
  return counts.map((n) => (n >= 1 && n <= prefix.length ? prefix[n - 1]! : NaN));
}

export interface CurvePoint {
  evaluations: number;
  best: { mean: number; std: number };
  regret: { mean: number; std: number };
  /** Runs that reached this many evaluations. */
  runs: number;
}

/** Mean and std over the runs (seeds) of the best value so far and of the regret (space best - best so far). */
export function summariseRuns(runs: readonly LoopRun[], counts: readonly number[], spaceBest: number): CurvePoint[] {
  const curves = runs.map((r) => bestSoFar(r, counts));
  return counts.map((n, j) => {
    const bests = curves.map((c) => c[j]!).filter(Number.isFinite);
    return { evaluations: n, best: meanStd(bests), regret: meanStd(bests.map((b) => spaceBest - b)), runs: bests.length };
  });
}
