/**
 * The LF cache: one JSON line per computed architecture, keyed by space, canonical architecture, measure and the
 * settings that measure depends on (measures.ts `settingsTag`). Appending whole lines means an interrupted run
 * loses at most the architecture in flight and a re-run resumes where it stopped; a torn last line is skipped
 * when read and closed before the next append, so nothing already cached is ever lost. Several processes may
 * append to one file (shards on one machine, the editor and the CLI).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

interface CacheLine {
  s: string;
  k: string;
  /** measure -> [settings tag, value or null] */
  r: Record<string, [string, number | null]>;
}

const id = (space: string, key: string, measure: string, tag: string): string => `${space}\u0000${key}\u0000${measure}\u0000${tag}`;

export class LfCache {
  private readonly values = new Map<string, number | null>();
  private size = 0;

  /** `file` undefined: a cache in memory only. */
  constructor(readonly file?: string) {
    if (file !== undefined && fs.existsSync(file)) this.load(file);
  }

  /** Cached value: a number, null (computed, not finite) or undefined (not computed with these settings). */
  get(space: string, key: string, measure: string, tag: string): number | null | undefined {
    return this.values.get(id(space, key, measure, tag));
  }

  /** Every cached measure of an architecture, whatever the settings (the last one read wins), for hovers. */
  all(space: string, key: string): Map<string, { tag: string; value: number | null }> {
    const out = new Map<string, { tag: string; value: number | null }>();
    const prefix = `${space}\u0000${key}\u0000`;
    for (const [k, v] of this.values) {
      if (!k.startsWith(prefix)) continue;
      const [measure, tag] = k.slice(prefix.length).split('\u0000');
      if (measure !== undefined && tag !== undefined) out.set(measure, { tag, value: v });
    }
    return out;
  }

  get entries(): number {
    return this.size;
  }

  put(space: string, key: string, r: Record<string, [string, number | null]>): void {
    for (const [m, [tag, v]] of Object.entries(r)) this.set(id(space, key, m, tag), v);
    if (this.file === undefined) return;
    fs.mkdirSync(path.dirname(this.file), { recursive: true });
    const line = JSON.stringify({ s: space, k: key, r } satisfies CacheLine);
    // A torn last line (a process killed mid-write) must not swallow this one.
    let prefix = '';
    try {
      const st = fs.statSync(this.file);
      if (st.size > 0) {
        const fd = fs.openSync(this.file, 'r');
        const b = Buffer.alloc(1);
        fs.readSync(fd, b, 0, 1, st.size - 1);
        fs.closeSync(fd);
        if (b[0] !== 0x0a) prefix = '\n';
      }
    } catch {
      // no file yet
    }
    fs.appendFileSync(this.file, `${prefix}${line}\n`);
  }

  private set(k: string, v: number | null): void {
    if (!this.values.has(k)) this.size++;
    this.values.set(k, v);
  }

  private load(file: string): void {
    for (const text of fs.readFileSync(file, 'utf8').split('\n')) {
      if (text.trim() === '') continue;
      let line: CacheLine;
      try {
        line = JSON.parse(text) as CacheLine;
      } catch {
        continue; // a torn line
      }
      if (typeof line?.s !== 'string' || typeof line.k !== 'string' || typeof line.r !== 'object' || line.r === null) continue;
      for (const [m, entry] of Object.entries(line.r)) {
        if (!Array.isArray(entry) || typeof entry[0] !== 'string' || !(entry[1] === null || typeof entry[1] === 'number')) continue;
        this.set(id(line.s, line.k, m, entry[0]), entry[1]);
      }
    }
  }
}
