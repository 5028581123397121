/**
 * Owns the loaded predictor and answers predictions from a cache. After a load it scores all 15,625
 * NB201 cells in small chunks between requests, so CodeLens and hover become table lookups and rank
 * percentiles are known.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { type Nb201Arch, NB201_SPACE_SIZE, nb201Code, nb201FromCode } from '../arch/nb201';
import { applyCalibration } from '../predictor/calibration';
import { Predictor } from '../predictor/predictor';
import { scoreArchs } from '../predictor/train';
import type { InitOptions, PredictorInfo } from '../protocol/lsp';

export interface ArchPrediction {
  accuracy: number;
  score: number;
  experts: { name: string; weight: number; score: number }[];
}

const CHUNK = 512;

export class PredictorHost {
  private predictor?: Predictor;
  private infoValue: PredictorInfo | null = null;
  private errorValue?: string;
  private scores?: Float32Array;
  private weights?: Float32Array;
  private expertScores?: Float32Array;
  private filled?: Uint8Array;
  private sortedScores?: Float32Array;
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

  /** The directory to load: the setting, else the workspace-trained predictor, else the bundled one. */
  static resolvePath(setting: string, init: InitOptions): { source: PredictorInfo['source']; path: string } {
    if (setting) return { source: 'setting', path: setting };
    const trained = path.join(init.storagePath, 'predictor');
    if (fs.existsSync(path.join(trained, 'model.json'))) return { source: 'workspace', path: trained };
    return { source: 'bundled', path: init.bundledPredictor };
  }

  /** Loads a predictor; on failure keeps none and records the error (shown in status and the log). */
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
    this.infoValue = {
      source,
      path: dir,
      method: m.method,
      encoder: m.model.encoder,
      target: m.target,
      experts: m.model.experts,
      trainRatio: m.trainRatio,
      kendallTau: m.metrics?.kendallTau,
      createdAt: m.createdAt,
    };
    const k = next.model.numExperts;
    this.scores = new Float32Array(NB201_SPACE_SIZE);
    this.weights = new Float32Array(NB201_SPACE_SIZE * k);
    this.expertScores = new Float32Array(NB201_SPACE_SIZE * k);
    this.filled = new Uint8Array(NB201_SPACE_SIZE);
    this.sortedScores = undefined;
    this.generation++;
    this.scheduleFill(0, this.generation);
  }

  /** True once every NB201 cell has been scored. */
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
      const all = enumerateChunk(from, CHUNK);
      this.fill(all.map((_, i) => from + i), all);
      const next = from + CHUNK;
      if (next < NB201_SPACE_SIZE) this.scheduleFill(next, gen);
      else this.sortedScores = Float32Array.from(this.scores as Float32Array).sort();
    });
  }

  private fill(codes: number[], archs: Nb201Arch[]): void {
    const p = this.predictor as Predictor;
    const k = p.model.numExperts;
    const out = scoreArchs(p.model, archs);
    codes.forEach((c, i) => {
      (this.scores as Float32Array)[c] = out.scores[i];
      (this.weights as Float32Array).set(out.weights.subarray(i * k, (i + 1) * k), c * k);
      (this.expertScores as Float32Array).set(out.expertScores.subarray(i * k, (i + 1) * k), c * k);
      (this.filled as Uint8Array)[c] = 1;
    });
  }

  /** Predictions for valid cells; computes the ones not yet in the table in one batch. */
  predict(archs: readonly Nb201Arch[]): ArchPrediction[] {
    const p = this.predictor;
    if (!p) return [];
    const codes = archs.map(nb201Code);
    const missing = [...new Set(codes.filter((c) => !(this.filled as Uint8Array)[c]))];
    if (missing.length > 0) this.fill(missing, missing.map(nb201FromCode));
    const k = p.model.numExperts;
    return codes.map((c) => {
      const s = (this.scores as Float32Array)[c];
      return {
        score: s,
        accuracy: applyCalibration(p.meta.calibration, s),
        experts: p.experts.map((name, j) => ({
          name,
          weight: (this.weights as Float32Array)[c * k + j],
          score: (this.expertScores as Float32Array)[c * k + j],
        })),
      };
    });
  }

  /** Percentile (0-100, 100 = best) of a score among all NB201 cells; undefined until the table is ready. */
  percentile(score: number): number | undefined {
    const s = this.sortedScores;
    if (!s) return undefined;
    let lo = 0;
    let hi = s.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (s[mid] < score) lo = mid + 1;
      else hi = mid;
    }
    return (100 * lo) / s.length;
  }

  /** Codes of the best-scored cells (table must be ready). */
  topCodes(n: number): number[] {
    const s = this.scores;
    if (!s || !this.tableReady) return [];
    return Array.from(s.keys())
      .sort((a, b) => s[b] - s[a])
      .slice(0, n);
  }

  meanGateWeights(): { name: string; weight: number }[] {
    const p = this.predictor;
    if (!p || !this.tableReady) return [];
    const k = p.model.numExperts;
    const w = this.weights as Float32Array;
    return p.experts.map((name, j) => {
      let sum = 0;
      for (let c = 0; c < NB201_SPACE_SIZE; c++) sum += w[c * k + j];
      return { name, weight: sum / NB201_SPACE_SIZE };
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
  }
}

function enumerateChunk(from: number, n: number): Nb201Arch[] {
  return Array.from({ length: Math.min(n, NB201_SPACE_SIZE - from) }, (_, i) => nb201FromCode(from + i));
}
