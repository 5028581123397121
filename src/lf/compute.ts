/**
 * Computes the requested LF measures of one architecture: builds its network, initialises it from a seed fixed
 * by (space, canonical architecture, settings seed), and runs each engine at most once (counts, Float64 synflow,
 * one batch pass shared by nwot and the loss-gradient measures, one by jacov). A value that is NaN or infinite
 * is missing (null), never a sentinel.
 */
import { runBatchMeasures } from './batch';
import { countFlops, countParams, countRelus, l2Norm } from './count';
import type { ImageBatch } from './images';
import { initWeights } from './init';
import { type LfEngine, lfMeasure, type LfSettings } from './measures';
import { type LfSpace, measuresOf } from './space';
import { synflow } from './synflow';

export interface ArchResult {
  /** Measure id -> value (null: not finite). */
  values: Record<string, number | null>;
  /** Seconds spent per engine that ran. */
  seconds: Partial<Record<LfEngine, number>>;
}

/** FNV-1a of (space, key, seed): the weights' seed of one architecture. */
export function archSeed(spaceId: string, key: string, seed: number): number {
  let h = 0x811c9dc5;
  for (const ch of `${spaceId}\n${key}\n${seed}`) {
    h ^= ch.charCodeAt(0);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}

const finite = (v: number | undefined): number | null => (v !== undefined && Number.isFinite(v) ? v : null);

export function computeArch(space: LfSpace, key: string, arch: unknown, measures: readonly string[], settings: LfSettings, batch: () => ImageBatch): ArchResult {
  const engines = new Set(measures.map((m) => lfMeasure(m).engine));
  const values: Record<string, number | null> = {};
  const seconds: Partial<Record<LfEngine, number>> = {};
  const timed = <T>(e: LfEngine, f: () => T): T => {
    const t0 = performance.now();
    try {
      return f();
    } finally {
      seconds[e] = (seconds[e] ?? 0) + (performance.now() - t0) / 1000;
    }
  };
  const offered = new Set(measuresOf(space).map((m) => m.id));
  for (const m of measures) if (!offered.has(m)) throw new Error(`${m} cannot be computed for ${space.id}: it offers ${[...offered].join(', ')}`);
  if (!space.network) {
    const c = timed('count', () => space.counts?.(arch));
    const out: Record<string, number | null> = {};
    for (const m of measures) out[m] = finite(m === 'flops' ? c?.flops : m === 'params' ? c?.params : undefined);
    return { values: out, seconds };
  }
  const net = space.network(arch);
  const needsWeights = [...engines].some((e) => e !== 'count');
  const weights = needsWeights ? initWeights(net, archSeed(space.id, key, settings.seed)) : [];
  if (engines.has('count')) {
    timed('count', () => {
      values.flops = countFlops(net);
      values.params = countParams(net);
      values.relu_count = countRelus(net);
    });
  }
  if (engines.has('init')) values.l2_norm = timed('init', () => l2Norm(net, weights));
  if (engines.has('synflow')) values.synflow = timed('synflow', () => synflow(net, weights));
  const wantsLoss = engines.has('loss');
  if (engines.has('forward') || wantsLoss) {
    const r = timed(wantsLoss ? 'loss' : 'forward', () => runBatchMeasures(net, weights, batch(), { nwot: engines.has('forward'), lossGrads: wantsLoss }));
    Object.assign(values, { nwot: r.nwot, snip: r.snip, grad_norm: r.grad_norm, fisher: r.fisher, plain: r.plain });
  }
  if (engines.has('jacov')) values.jacov = timed('jacov', () => runBatchMeasures(net, weights, batch(), { jacov: true }).jacov ?? null);
  const out: Record<string, number | null> = {};
  for (const m of measures) out[m] = finite(values[m] ?? undefined);
  return { values: out, seconds };
}
