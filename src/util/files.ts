/**
 * Writes that never leave a half-written file where the user's (or the cache's) file was: through a hidden
 * temporary sibling and a rename, which replaces the target in one step on the same file system. A folder
 * cannot be replaced in one rename: `replaceDirectory` takes two, and `repairDirectorySwap` mends a crash
 * between them.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

export function writeFileAtomically(file: string, data: string | Uint8Array): void {
  const tmp = path.join(path.dirname(file), `.${path.basename(file)}.tmp-${process.pid}`);
  fs.writeFileSync(tmp, data);
  fs.renameSync(tmp, file);
}

/** The sibling a new version of `final` is written to before `replaceDirectory` moves it in. */
export function temporarySibling(final: string): string {
  return `${path.resolve(final)}.new-${process.pid}-${Date.now()}`;
}

/**
 * Replaces the folder `final` by the complete folder `tmp` (a sibling, e.g. `temporarySibling(final)`):
 * final -> final.old-PID-TIME, tmp -> final, then the old one is removed. A crash between the two renames
 * leaves no `final` and its previous version as `final.old-*`, which `repairDirectorySwap(final)` restores.
 */
export function replaceDirectory(tmp: string, final: string): void {
  const full = path.resolve(final);
  const old = `${full}.old-${process.pid}-${Date.now()}`;
  if (fs.existsSync(full)) fs.renameSync(full, old);
  fs.renameSync(tmp, full);
  fs.rmSync(old, { recursive: true, force: true });
}

/** `NAME.old-TIME`, `NAME.old-PID-TIME`, `NAME.new-PID-TIME`: the siblings a folder swap leaves. */
const SWAP_SIBLING = /^(.+)\.(old|new)-(\d+)(?:-(\d+))?$/;

function processAlive(pid: number): boolean {
  if (pid === process.pid) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Mends what an interrupted `replaceDirectory(…, final)` (or an interrupted write of its temporary folder) left
 * next to `final`: when `final` is missing, the newest complete `final.old-*` becomes `final` again; every other
 * `final.old-*` and every `final.new-*` of a process that is gone is removed. `complete` says whether a folder
 * holds a whole version (default: any folder). Returns one line per thing it did.
 */
export function repairDirectorySwap(final: string, complete: (dir: string) => boolean = () => true): string[] {
  const full = path.resolve(final);
  const parent = path.dirname(full);
  const base = path.basename(full);
  let names: string[];
  try {
    names = fs.readdirSync(parent);
  } catch {
    return [];
  }
  const siblings = names
    .map((n) => ({ n, m: SWAP_SIBLING.exec(n) }))
    .filter((x): x is { n: string; m: RegExpExecArray } => x.m !== null && x.m[1] === base)
    .map(({ n, m }) => ({ dir: path.join(parent, n), kind: m[2] as 'old' | 'new', pid: m[4] !== undefined ? Number(m[3]) : undefined, time: Number(m[4] ?? m[3]) }))
    .sort((a, b) => b.time - a.time);
  const done: string[] = [];
  for (const s of siblings) {
    if (s.kind === 'new' && s.pid !== undefined && processAlive(s.pid)) continue;
    if (s.kind === 'old' && !fs.existsSync(full) && complete(s.dir)) {
      fs.renameSync(s.dir, full);
      done.push(`restored ${full} from an interrupted swap`);
    } else {
      fs.rmSync(s.dir, { recursive: true, force: true });
      done.push(`removed ${s.dir}, left by an interrupted save or swap`);
    }
  }
  return done;
}

/** `repairDirectorySwap` for every folder in `parent` that a swap left siblings of. */
export function repairDirectorySwaps(parent: string, complete?: (dir: string) => boolean): string[] {
  let names: string[];
  try {
    names = fs.readdirSync(parent);
  } catch {
    return [];
  }
  const finals = new Set(names.flatMap((n) => SWAP_SIBLING.exec(n)?.[1] ?? []));
  return [...finals].flatMap((f) => repairDirectorySwap(path.join(parent, f), complete));
}
