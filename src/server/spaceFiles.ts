/**
 * The search spaces declared in the workspace's space files (`*.space.yaml`, `*.space.yml`, `*.space.json`):
 * found on disk at start-up (bounded walk), re-read on file events, and taken from the editor's text while a
 * space file is open. A broken file keeps its error (shown as a diagnostic on it) and declares nothing.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { SPACE_FILE_RE, SpaceFileError } from '../space/declared';
import { parseSpaceFile } from '../space/registry';
import type { SearchSpace } from '../space/types';

export interface SpaceFileState {
  file: string;
  space?: SearchSpace;
  /** Its `results:` file, absolute (relative paths are read from the space file's folder). */
  results?: { file: string; target?: string };
  error?: { message: string; start?: number; end?: number };
}

const SKIP_DIRS = new Set(['node_modules', '.git', '.venv', 'venv', '__pycache__', 'dist', 'build', '.tox']);
/** Bounds of the start-up walk. */
const MAX_ENTRIES = 20_000;
const MAX_DEPTH = 8;
const MAX_FILE_BYTES = 1_000_000;

export class SpaceFiles {
  private readonly files = new Map<string, SpaceFileState>();
  /** Bumped whenever the set of declared spaces may have changed (documents re-scan then). */
  generation = 0;

  /** Finds space files under the workspace folders (skipping dependency and build folders). */
  discover(roots: string[]): void {
    let seen = 0;
    const walk = (dir: string, depth: number): void => {
      if (depth > MAX_DEPTH || seen > MAX_ENTRIES) return;
      let entries: fs.Dirent[];
      try {
        entries = fs.readdirSync(dir, { withFileTypes: true });
      } catch {
        return;
      }
      for (const e of entries) {
        if (++seen > MAX_ENTRIES) return;
        const p = path.join(dir, e.name);
        if (e.isDirectory() && !SKIP_DIRS.has(e.name) && !e.name.startsWith('.')) walk(p, depth + 1);
        else if (e.isFile() && SPACE_FILE_RE.test(e.name)) this.readFromDisk(p);
      }
    };
    for (const r of roots) walk(r, 0);
  }

  readFromDisk(file: string): void {
    let text: string;
    try {
      if (fs.statSync(file).size > MAX_FILE_BYTES) {
        this.set(file, { file, error: { message: `space file larger than ${MAX_FILE_BYTES} bytes` } });
        return;
      }
      text = fs.readFileSync(file, 'utf8');
    } catch (e) {
      this.remove(file);
      return;
    }
    this.update(file, text);
  }

  /** (Re)reads a space file from its text (disk or an open editor). */
  update(file: string, text: string): SpaceFileState {
    let state: SpaceFileState;
    try {
      const { space, results } = parseSpaceFile(text, path.basename(file));
      const clash = [...this.files.values()].find((s) => s.file !== file && s.space?.id === space.id);
      if (clash) throw new SpaceFileError(`space "${space.id}" is already declared in ${clash.file}`);
      state = { file, space, ...(results ? { results: { ...results, file: path.resolve(path.dirname(file), results.file) } } : {}) };
    } catch (e) {
      const err = e as SpaceFileError;
      state = { file, error: { message: err.message, start: err.start, end: err.end } };
    }
    this.set(file, state);
    return state;
  }

  remove(file: string): void {
    if (this.files.delete(file)) this.generation++;
  }

  private set(file: string, state: SpaceFileState): void {
    this.files.set(file, state);
    this.generation++;
  }

  get(file: string): SpaceFileState | undefined {
    return this.files.get(file);
  }

  spaces(): SearchSpace[] {
    return [...this.files.values()].flatMap((s) => (s.space ? [s.space] : []));
  }

  all(): SpaceFileState[] {
    return [...this.files.values()];
  }

  byId(id: string): SpaceFileState | undefined {
    return [...this.files.values()].find((s) => s.space?.id === id);
  }
}
