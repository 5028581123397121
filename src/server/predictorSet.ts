/**
 * One predictor per search space: the `dele.predictorPath` setting, else the predictor last trained in this
 * workspace for that space, else the one bundled with the extension. Lenses of a space use its predictor;
 * the panel and the status bar show the primary one (the setting's, else the last trained, else NB201's).
 *
 * Workspace storage: `<storage>/predictors/<space id>/` (`<storage>/predictor/` from versions before spaces
 * is still read). A new predictor is written next to it and swapped in with renames; leftovers of a swap
 * that a crash interrupted are repaired or removed at start-up.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { DEFAULT_SPACE_ID } from '../space/registry';
import type { InitOptions, PredictorInfo } from '../protocol/lsp';
import { PredictorHost } from './predictorHost';

interface Candidate {
  source: PredictorInfo['source'];
  dir: string;
}

/** The space id recorded in a predictor folder's model.json (NB201 for predictors saved before spaces). */
function peekSpace(dir: string): string {
  const meta = JSON.parse(fs.readFileSync(path.join(dir, 'model.json'), 'utf8')) as { space?: { id?: unknown } };
  const id = meta?.space?.id;
  return typeof id === 'string' ? id : DEFAULT_SPACE_ID;
}

function subdirsWithModel(dir: string): string[] {
  if (!dir) return [];
  if (fs.existsSync(path.join(dir, 'model.json'))) return [dir];
  let names: string[];
  try {
    names = fs.readdirSync(dir).sort();
  } catch {
    return [];
  }
  return names.map((n) => path.join(dir, n)).filter((d) => fs.existsSync(path.join(d, 'model.json')));
}

export class PredictorSet {
  private readonly hosts = new Map<string, PredictorHost>();
  private primarySpace = DEFAULT_SPACE_ID;
  /** Load problems of the last loadAll, shown in the status. */
  errors: string[] = [];
  notes: string[] = [];

  static storageDir(storagePath: string, spaceId: string): string {
    return path.join(storagePath, 'predictors', spaceId);
  }

  /** Completes or undoes predictor swaps a crash interrupted, and removes their temporary folders. */
  static repairStorage(storagePath: string): string[] {
    const done: string[] = [];
    const parents = [storagePath, path.join(storagePath, 'predictors')];
    for (const parent of parents) {
      let names: string[];
      try {
        names = fs.readdirSync(parent);
      } catch {
        continue;
      }
      for (const n of names) {
        const m = /^(.+)\.(old|new)-\d+(?:-\d+)?$/.exec(n);
        if (!m) continue;
        const full = path.join(parent, n);
        const final = path.join(parent, m[1]);
        if (m[2] === 'old' && !fs.existsSync(final) && fs.existsSync(path.join(full, 'model.json'))) {
          fs.renameSync(full, final);
          done.push(`restored ${final} from an interrupted swap`);
        } else {
          fs.rmSync(full, { recursive: true, force: true });
          done.push(`removed ${full}, left by an interrupted training or swap`);
        }
      }
    }
    return done;
  }

  /** (Re)loads every predictor: the setting's, then the workspace's, then the bundled ones, first per space wins. */
  loadAll(setting: string, init: InitOptions): void {
    this.dispose();
    this.errors = [];
    this.notes = [];
    const candidates: Candidate[] = [];
    if (setting) candidates.push({ source: 'setting', dir: setting });
    const trained = init.storagePath
      ? [...subdirsWithModel(path.join(init.storagePath, 'predictors')), ...subdirsWithModel(path.join(init.storagePath, 'predictor'))]
      : [];
    // The most recently trained first, so it becomes the primary predictor.
    const mtime = (d: string): number => fs.statSync(path.join(d, 'model.json')).mtimeMs;
    trained.sort((a, b) => mtime(b) - mtime(a));
    candidates.push(...trained.map((dir) => ({ source: 'workspace' as const, dir })));
    candidates.push(...subdirsWithModel(init.bundledPredictors).map((dir) => ({ source: 'bundled' as const, dir })));
    let primary: string | undefined;
    for (const c of candidates) {
      let space: string;
      try {
        space = peekSpace(c.dir);
      } catch (e) {
        this.errors.push(`cannot read predictor ${c.dir}: ${(e as Error).message}`);
        continue;
      }
      const have = this.hosts.get(space);
      if (have) {
        if (c.source === 'workspace' && have.info?.source === 'setting') {
          this.notes.push(`dele.predictorPath is set, so the ${space} predictor trained in this workspace (${c.dir}) is not used`);
        }
        continue;
      }
      const h = new PredictorHost();
      try {
        h.load(c.source, c.dir);
      } catch (e) {
        this.errors.push(`cannot load ${c.source} predictor ${c.dir}: ${(e as Error).message}`);
        continue;
      }
      this.hosts.set(space, h);
      if (c.source !== 'bundled') primary ??= space;
    }
    this.primarySpace = primary ?? (this.hosts.has(DEFAULT_SPACE_ID) ? DEFAULT_SPACE_ID : ([...this.hosts.keys()][0] ?? DEFAULT_SPACE_ID));
  }

  /** Loads one predictor for its space, replacing that space's previous one, and makes it the primary. */
  loadOne(source: PredictorInfo['source'], dir: string): PredictorHost {
    const h = new PredictorHost();
    h.load(source, dir);
    const space = h.space?.id ?? DEFAULT_SPACE_ID;
    this.hosts.get(space)?.dispose();
    this.hosts.set(space, h);
    this.primarySpace = space;
    return h;
  }

  forSpace(id: string): PredictorHost | undefined {
    return this.hosts.get(id);
  }

  get primary(): PredictorHost | undefined {
    return this.hosts.get(this.primarySpace);
  }

  all(): PredictorHost[] {
    return [...this.hosts.values()];
  }

  infos(): PredictorInfo[] {
    return this.all().flatMap((h) => (h.info ? [h.info] : []));
  }

  async whenTablesReady(): Promise<void> {
    await Promise.all(this.all().map((h) => h.whenTableReady()));
  }

  dispose(): void {
    for (const h of this.hosts.values()) h.dispose();
    this.hosts.clear();
  }
}
