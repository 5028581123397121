/**
 * Owns the loaded predictor and answers predictions from a cache. After a load it scores a reference set
 * in small chunks between requests, so rank percentiles are known and most lenses become lookups:
 * - an enumerable space of at most DENSE_LIMIT architectures (NB201 15,625, TransNAS-Bench-101 4,096 and
 *   3,256): all of it, in a dense table indexed by the space's enumeration;
 * - any other space: a seeded sample of REFERENCE_SIZE architectures, plus an LRU cache of predictions.
 */
import { applyCalibration } from '../predictor/calibration';
import { Predictor } from '../predictor/predictor';
import { Rng } from '../util/rng';
import { scoreArchs } from '../predictor/train';
import { lfDisplay } from '../data/lfNames';
import type { ExpertShare, PredictorInfo } from '../protocol/lsp';
import type { SearchSpace } from '../space/types';

export interface ArchPrediction {
  accuracy: number;
  score: number;
  experts: ExpertShare[];
}

/** Where a prediction stands in the reference set (see PredictorHost.standing). */
export interface Standing {
  /** 1 = the best score of the reference set. */
  rank: number;
  of: number;
  /** The reference set is the whole space (else a seeded sample). */
  whole: boolean;
  /** The calibrated value equals a rank neighbour's: the value alone cannot order them. */
  tied: boolean;
}

const CHUNK = 512;
export const DENSE_LIMIT = 100_000;
export const REFERENCE_SIZE = 2_000;
const LRU_SIZE = 20_000;
/** Seed of the reference sample of a non-enumerable space (the hover states its size). */
const REFERENCE_SEED = 2024;

interface Scored {
  score: number;
  weights: Float32Array;
  expertScores: Float32Array;
}

export class PredictorHost {
  /** `onTableReady`: called when the reference table of a loaded predictor is complete (percentiles, mean gates). */
  constructor(private readonly onTableReady: () => void = () => {}) {}

  private predictor?: Predictor;
  private infoValue: PredictorInfo | null = null;
  private errorValue?: string;
  /** The reference set: every architecture (dense) or a seeded sample. */
  private reference: unknown[] = [];
  private dense = false;
  private scores?: Float32Array;
  private weights?: Float32Array;
  private expertScores?: Float32Array;
  private filled?: Uint8Array;
  private sortedScores?: Float32Array;
  private readonly lru = new Map<string, Scored>();
  private fillTimer?: NodeJS.Immediate;
  private generation = 0;

  get info(): PredictorInfo | null {
    return this.infoValue;
  }

  get error(): string | undefined {
    return this.errorValue;
  }

  get loaded(): boolean {
    return this.predictor !== undefined;
  }

  /** The loaded predictor's search space. */
  get space(): SearchSpace | undefined {
    return this.predictor?.space;
  }

  get current(): Predictor | undefined {
    return this.predictor;
  }

  /** Loads a predictor; on failure keeps the current one and records the error (shown in status and the log). */
  load(source: PredictorInfo['source'], dir: string): void {
    let next: Predictor;
    try {
      next = Predictor.load(dir);
    } catch (e) {
      this.errorValue = (e as Error).message;
      throw e;
    }
    this.dispose();
    this.errorValue = undefined;
    this.predictor = next;
    const m = next.meta;
    const space = next.space;
    this.dense = space.size !== undefined && space.size <= DENSE_LIMIT && space.fromIndex !== undefined && space.indexOf !== undefined;
    if (!this.dense) {
      const rng = new Rng(REFERENCE_SEED);
      this.reference = space.sample(() => rng.next(), REFERENCE_SIZE);
    }
    const refCount = this.dense ? (space.size as number) : this.reference.length;
    this.infoValue = {
      source,
      path: dir,
      space: space.id,
      spaceTitle: space.title,
      method: m.method,
      encoder: m.model.encoder,
      target: m.target,
      experts: m.model.experts,
      trainRatio: m.trainRatio,
      kendallTau: m.metrics?.kendallTau,
      createdAt: m.createdAt,
      dataSource: m.dataset.source,
      targetUnit: m.calibration.y.length > 0 && m.calibration.y.every((v) => v >= 0 && v <= 100) && Math.max(...m.calibration.y) > 1 ? '%' : '',
      reference: this.dense ? { kind: 'all', size: refCount } : { kind: 'sample', size: refCount, seed: REFERENCE_SEED },
    };
    const k = next.model.numExperts;
    this.scores = new Float32Array(refCount);
    this.weights = new Float32Array(refCount * k);
    this.expertScores = new Float32Array(refCount * k);
    this.filled = new Uint8Array(refCount);
    this.sortedScores = undefined;
    this.lru.clear();
    this.generation++;
    this.scheduleFill(0, this.generation);
  }

  /** How hovers name the reference set, e.g. "the 15,625 NAS-Bench-201 architectures". */
  referenceLabel(): string {
    const r = this.infoValue?.reference;
    const title = this.infoValue?.spaceTitle ?? '';
    if (!r) return '';
    return r.kind === 'all'
      ? `all ${r.size.toLocaleString('en-US')} ${title} architectures`
      : `a seeded sample of ${r.size.toLocaleString('en-US')} ${title} architectures (seed ${r.seed})`;
  }

  private archAt(i: number): unknown {
    return this.dense ? (this.predictor as Predictor).space.fromIndex?.(i) : this.reference[i];
  }

  /** True once every architecture of the reference set has been scored. */
  get tableReady(): boolean {
    return this.sortedScores !== undefined;
  }

  /** Resolves when the table is complete (for tests and the panel). */
  async whenTableReady(): Promise<void> {
    while (this.predictor && !this.tableReady) await new Promise((r) => setTimeout(r, 20));
  }

  private scheduleFill(from: number, gen: number): void {
    this.fillTimer = setImmediate(() => {
      if (gen !== this.generation || !this.predictor) return;
      const n = (this.scores as Float32Array).length;
      const idx = Array.from({ length: Math.min(CHUNK, n - from) }, (_, i) => from + i);
      this.fillTable(idx);
      const next = from + CHUNK;
      if (next < n) this.scheduleFill(next, gen);
      else {
        this.sortedScores = Float32Array.from(this.scores as Float32Array).sort();
        this.onTableReady();
      }
    });
  }

  private fillTable(idx: number[]): void {
    const p = this.predictor as Predictor;
    const k = p.model.numExperts;
    const out = scoreArchs(p.model, idx.map((i) => p.space.features(this.archAt(i))));
    idx.forEach((c, i) => {
      (this.scores as Float32Array)[c] = out.scores[i]!;
      (this.weights as Float32Array).set(out.weights.subarray(i * k, (i + 1) * k), c * k);
      (this.expertScores as Float32Array).set(out.expertScores.subarray(i * k, (i + 1) * k), c * k);
      (this.filled as Uint8Array)[c] = 1;
    });
  }

  private fromTable(i: number): Scored {
    const k = (this.predictor as Predictor).model.numExperts;
    return {
      score: (this.scores as Float32Array)[i]!,
      weights: (this.weights as Float32Array).subarray(i * k, (i + 1) * k),
      expertScores: (this.expertScores as Float32Array).subarray(i * k, (i + 1) * k),
    };
  }

  /** Predictions for valid architectures of the predictor's space; scores the ones not cached in one batch. */
  predict(archs: readonly unknown[]): ArchPrediction[] {
    const p = this.predictor;
    if (!p) return [];
    const k = p.model.numExperts;
    let scored: Scored[];
    if (this.dense) {
      const codes = archs.map((a) => (p.space.indexOf as (a: unknown) => number)(a));
      const missing = [...new Set(codes.filter((c) => !(this.filled as Uint8Array)[c]))];
      if (missing.length > 0) this.fillTable(missing);
      scored = codes.map((c) => this.fromTable(c));
    } else {
      const keys = archs.map((a) => p.space.key(a));
      const todo = new Map<string, unknown>();
      keys.forEach((key, i) => {
        if (!this.lru.has(key)) todo.set(key, archs[i]);
      });
      if (todo.size > 0) {
        const list = [...todo];
        const out = scoreArchs(p.model, list.map(([, a]) => p.space.features(a)));
        list.forEach(([key], i) => {
          this.lru.set(key, { score: out.scores[i]!, weights: out.weights.slice(i * k, (i + 1) * k), expertScores: out.expertScores.slice(i * k, (i + 1) * k) });
        });
        for (const key of this.lru.keys()) {
          if (this.lru.size <= LRU_SIZE) break;
          this.lru.delete(key);
        }
      }
      scored = keys.map((key) => {
        const s = this.lru.get(key) as Scored;
        // Refresh recency.
        this.lru.delete(key);
        this.lru.set(key, s);
        return s;
      });
    }
    return scored.map((s) => ({
      score: s.score,
      accuracy: applyCalibration(p.meta.calibration, s.score),
      experts: p.experts.map((name, j) => ({ name, weight: s.weights[j]!, score: s.expertScores[j]!, display: lfDisplay(name) })),
    }));
  }

  /** Percentile (0-100, 100 = best) of a score in the reference set; undefined until the table is ready. */
  percentile(score: number): number | undefined {
    const s = this.sortedScores;
    if (!s) return undefined;
    let lo = 0;
    let hi = s.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (s[mid]! < score) lo = mid + 1;
      else hi = mid;
    }
    return (100 * lo) / s.length;
  }

  /**
   * Rank of a score in the reference set (1 + the reference scores above it), and whether its calibrated value
   * ties with the next better or worse reference score's (isotonic calibration is flat in places: the top NB201
   * cells all read 93.84%); undefined until the table is ready.
   */
  standing(score: number): Standing | undefined {
    const s = this.sortedScores;
    const p = this.predictor;
    if (!s || !p || s.length === 0) return undefined;
    let lo = 0;
    let hi = s.length;
    // First index with a score above `score`.
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (s[mid]! <= score) lo = mid + 1;
      else hi = mid;
    }
    const value = applyCalibration(p.meta.calibration, score);
    const same = (i: number): boolean => i >= 0 && i < s.length && s[i] !== score && applyCalibration(p.meta.calibration, s[i]!) === value;
    // The neighbours: the first reference score above, and the last one below (equal scores are the same architecture's or a copy's).
    let below = lo - 1;
    while (below >= 0 && s[below] === score) below--;
    return { rank: s.length - lo + 1, of: s.length, whole: this.dense, tied: same(lo) || same(below) };
  }

  /** The best-scored architectures of the reference set (table must be ready). */
  topArchs(n: number): unknown[] {
    const s = this.scores;
    if (!s || !this.tableReady) return [];
    return Array.from(s.keys())
      .sort((a, b) => s[b]! - s[a]!)
      .slice(0, n)
      .map((i) => this.archAt(i));
  }

  meanGateWeights(): { name: string; weight: number; display: ReturnType<typeof lfDisplay> }[] {
    const p = this.predictor;
    if (!p || !this.tableReady) return [];
    const k = p.model.numExperts;
    const w = this.weights as Float32Array;
    const n = (this.scores as Float32Array).length;
    return p.experts.map((name, j) => {
      let sum = 0;
      for (let c = 0; c < n; c++) sum += w[c * k + j]!;
      return { name, weight: sum / n, display: lfDisplay(name) };
    });
  }

  get splitSeed(): number {
    return this.predictor?.meta.splitSeed ?? 0;
  }

  dispose(): void {
    if (this.fillTimer) clearImmediate(this.fillTimer);
    this.generation++;
    this.predictor?.dispose();
    this.predictor = undefined;
    this.infoValue = null;
    this.reference = [];
    this.lru.clear();
  }
}
