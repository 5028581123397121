/**
 * The predictor history of a workspace: every predictor trained here is kept, per space, in
 * `<storage>/predictor-history/<space id>/<entry id>/` (a complete predictor folder, moved in with one rename, so
 * an entry is never half-written). The active workspace predictor stays `<storage>/predictors/<space id>/` (what
 * PredictorSet loads at start-up): choosing an entry copies it there with a folder swap, choosing the bundled one
 * removes it. Nothing here needs TF.js: entries are described from their model.json.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { PredictorComparison, PredictorHistoryEntry, PredictorMetric } from '../protocol/lsp';
import { DEFAULT_SPACE_ID } from '../space/registry';
import { replaceDirectory, temporarySibling } from '../util/files';

/** The model.json fields the history reads (a subset of PredictorMeta). */
export interface SavedPredictorMeta {
  space?: { id?: string };
  method: string;
  target: string;
  trainRatio: number;
  splitSeed?: number;
  model: { encoder: string; experts: string[] };
  dataset: { source: string; fingerprint: string; groundTruthSize: number };
  metrics?: { n: number; kendallTau: number };
  /** Trained on a results file's labels: cross-validated on them (there is no held-out split). */
  crossValidation?: { folds: number; n: number; kendallTau: number };
  labels?: { source: string; count: number };
  createdAt: string;
}

export function readSavedMeta(dir: string): SavedPredictorMeta {
  return JSON.parse(fs.readFileSync(path.join(dir, 'model.json'), 'utf8')) as SavedPredictorMeta;
}

export const spaceOfMeta = (meta: SavedPredictorMeta): string => (typeof meta.space?.id === 'string' ? meta.space.id : DEFAULT_SPACE_ID);

/** The held-out metric a predictor recorded at training time, with the split it was measured on. */
export function metricOf(meta: SavedPredictorMeta): PredictorMetric {
  const heldOutSplit = `${meta.dataset.fingerprint}/${meta.splitSeed ?? 0}/${meta.target}`;
  const cv = meta.crossValidation;
  // Each cross-validation is on its own labels: comparable with no other predictor's metric.
  if (cv && Number.isFinite(cv.kendallTau)) return { kendallTau: cv.kendallTau, heldOutSize: cv.n, heldOutSplit: `cv${cv.folds}:${meta.dataset.fingerprint}`, crossValidated: true };
  if (meta.labels) return { heldOutSize: 0, heldOutSplit: `labels:${meta.dataset.fingerprint}`, missing: `no metric: ${meta.labels.count} labels are too few to cross-validate` };
  const m = meta.metrics;
  if (!m) return { heldOutSize: 0, heldOutSplit, missing: 'no held-out metric recorded' };
  if (m.n < 2 || !Number.isFinite(m.kendallTau)) {
    return { heldOutSize: m.n, heldOutSplit, missing: `no held-out metric: the held-out split has ${m.n} architecture${m.n === 1 ? '' : 's'} with "${meta.target}"` };
  }
  return { kendallTau: m.kendallTau, heldOutSize: m.n, heldOutSplit };
}

const tau = (m: PredictorMetric): string => (m.kendallTau === undefined ? (m.missing ?? 'no held-out metric') : `${m.crossValidated ? 'cross-validated' : 'held-out'} τ ${m.kendallTau.toFixed(3)}`);

/**
 * Compares like with like: the held-out Kendall's tau of two predictors measured on the same held-out split
 * (same data, split seed and target). Anything else is 'incomparable'; no active predictor is 'none'.
 */
export function compareMetrics(next: PredictorMetric, current: PredictorMetric | undefined, currentLabel: string): PredictorComparison {
  if (!current) return { verdict: 'none', text: `${tau(next)}; no predictor was active for this space` };
  const text = `${tau(next)} vs ${tau(current)} of ${currentLabel}`;
  if (next.kendallTau === undefined || current.kendallTau === undefined) return { verdict: 'incomparable', text: `${text}: not comparable` };
  if (next.heldOutSplit !== current.heldOutSplit) return { verdict: 'incomparable', text: `${text}, measured on different held-out data: not comparable` };
  if (next.kendallTau > current.kendallTau) return { verdict: 'better', text };
  if (next.kendallTau === current.kendallTau) return { verdict: 'notWorse', text };
  return { verdict: 'worse', text };
}

/** History folder names: the predictor's creation time, e.g. 2026-12-06T20-44-00-123Z (a suffix if taken). */
const ENTRY_NAME = /^\d{4}-\d\d-\d\dT\d\d-\d\d-\d\d-\d{3}Z(-\d+)?$/;
export const entryName = (createdAt: string): string => createdAt.replace(/[:.]/g, '-');

export function describeEntry(id: string, kind: PredictorHistoryEntry['kind'], meta: SavedPredictorMeta, active: boolean): PredictorHistoryEntry {
  return {
    id,
    kind,
    space: spaceOfMeta(meta),
    active,
    target: meta.target,
    method: meta.method,
    encoder: meta.model.encoder,
    trainRatio: meta.trainRatio,
    groundTruthSize: meta.dataset.groundTruthSize,
    dataSource: meta.dataset.source,
    experts: meta.model.experts,
    createdAt: meta.createdAt,
    metric: metricOf(meta),
  };
}

export interface StoredEntry {
  id: string;
  dir: string;
  meta: SavedPredictorMeta;
}

export class PredictorHistory {
  constructor(private readonly storagePath: string) {}

  static root(storagePath: string, spaceId: string): string {
    return path.join(storagePath, 'predictor-history', spaceId);
  }

  private root(spaceId: string): string {
    return PredictorHistory.root(this.storagePath, spaceId);
  }

  /** Where a training writes its predictor before `add` moves it in (a swap sibling: start-up repair removes leftovers). */
  incomingDir(spaceId: string): string {
    const dir = temporarySibling(path.join(this.root(spaceId), 'incoming'));
    fs.mkdirSync(path.dirname(dir), { recursive: true });
    return dir;
  }

  /** Moves a complete predictor folder (on the same file system) into the space's history; returns its entry id. */
  add(spaceId: string, dir: string): string {
    const meta = readSavedMeta(dir);
    const base = entryName(meta.createdAt);
    let id = base;
    for (let i = 2; fs.existsSync(path.join(this.root(spaceId), id)); i++) id = `${base}-${i}`;
    fs.mkdirSync(this.root(spaceId), { recursive: true });
    fs.renameSync(dir, path.join(this.root(spaceId), id));
    return id;
  }

  /** The space's entries, newest first; unreadable folders are left out (and named in `problems`). */
  entries(spaceId: string, problems: string[] = []): StoredEntry[] {
    let names: string[];
    try {
      names = fs.readdirSync(this.root(spaceId)).filter((n) => ENTRY_NAME.test(n));
    } catch {
      return [];
    }
    const out: StoredEntry[] = [];
    for (const id of names) {
      const dir = path.join(this.root(spaceId), id);
      try {
        out.push({ id, dir, meta: readSavedMeta(dir) });
      } catch (e) {
        problems.push(`cannot read history entry ${dir}: ${(e as Error).message}`);
      }
    }
    return out.sort((a, b) => b.meta.createdAt.localeCompare(a.meta.createdAt) || b.id.localeCompare(a.id));
  }

  /** Spaces with a history folder. */
  spaces(): string[] {
    try {
      return fs.readdirSync(path.join(this.storagePath, 'predictor-history')).filter((n) => !n.includes('.'));
    } catch {
      return [];
    }
  }

  entry(spaceId: string, id: string): StoredEntry | undefined {
    return ENTRY_NAME.test(id) ? this.entries(spaceId).find((e) => e.id === id) : undefined;
  }

  /** Copies workspace predictors that the history does not hold yet (trained before it existed) into it. */
  preserve(spaceId: string, dirs: string[]): void {
    for (const dir of dirs) {
      const meta = readSavedMeta(dir);
      const held = this.entries(spaceId).some((e) => e.meta.createdAt === meta.createdAt);
      if (held) continue;
      const tmp = this.incomingDir(spaceId);
      fs.cpSync(dir, tmp, { recursive: true });
      this.add(spaceId, tmp);
    }
  }

  /** Makes an entry the workspace's predictor for its space (`final`, what start-up loads): a copy, swapped in. */
  install(entry: StoredEntry, final: string): void {
    const tmp = temporarySibling(final);
    fs.mkdirSync(path.dirname(tmp), { recursive: true });
    fs.cpSync(entry.dir, tmp, { recursive: true });
    replaceDirectory(tmp, final);
  }
}
