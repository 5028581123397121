/**
 * Which architectures an LF run covers, and how its results are written: a file's architectures (found the way
 * the editor finds them) or a seeded sample of the space, a deterministic shard of them, and the CSV that
 * `dele train --data lf.csv,truth.csv` joins with ground truth by architecture.
 */
import { Rng } from '../util/rng';
import type { SearchSpace } from '../space/types';
import type { LfJob } from './pool';

/** A file's valid architectures of `space` in document order, each once; `problems` counts the invalid ones. */
export function archsInText(space: SearchSpace, text: string): { jobs: LfJob[]; invalid: number } {
  const seen = new Set<string>();
  const jobs: LfJob[] = [];
  let invalid = 0;
  for (const f of space.scan(text)) {
    if (!f.result.ok) {
      if (f.unscorable !== undefined || f.result.problems.some((p) => (p.severity ?? 'error') === 'error')) invalid++;
      continue;
    }
    if (seen.has(f.result.key)) continue;
    seen.add(f.result.key);
    jobs.push({ key: f.result.key, arch: f.result.arch });
  }
  return { jobs, invalid };
}

/** `n` distinct architectures of the space drawn with `seed`. */
export function sampleJobs(space: SearchSpace, n: number, seed: number): LfJob[] {
  const rng = new Rng(seed);
  const seen = new Set<string>();
  const jobs: LfJob[] = [];
  for (const arch of space.sample(() => rng.next(), n)) {
    const key = space.key(arch);
    if (seen.has(key)) continue;
    seen.add(key);
    jobs.push({ key, arch });
  }
  return jobs;
}

/** Parses `K/N` (0 <= K < N): shard K of N. */
export function parseShard(text: string): { index: number; count: number } {
  const m = /^(\d+)\/(\d+)$/.exec(text.trim());
  const index = Number(m?.[1]);
  const count = Number(m?.[2]);
  if (!m || !(count >= 1 && index < count)) throw new Error(`--shard ${text}: expected K/N with 0 <= K < N, e.g. 0/4 (K is 0-based, like a Kubernetes completion index)`);
  return { index, count };
}

/** FNV-1a of a key: which shard an architecture belongs to does not depend on the list it came in. */
export function shardOfKey(key: string, count: number): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) {
    h ^= key.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h % count;
}

const csvField = (s: string): string => (/[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s);

/** CSV text: an `arch` column (the canonical key, in the space's own syntax), then one column per measure. */
export function lfCsv(jobs: readonly LfJob[], measures: readonly string[], values: Map<string, Record<string, number | null>>): string {
  const lines = [['arch', ...measures].join(',')];
  for (const j of jobs) {
    const row = values.get(j.key) ?? {};
    lines.push([csvField(j.key), ...measures.map((m) => {
      const v = row[m];
      return v === null || v === undefined ? '' : String(v);
    })].join(','));
  }
  return `${lines.join('\n')}\n`;
}
