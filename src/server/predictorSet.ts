/**
 * One predictor per search space: the `dele.predictorPath` setting, else the predictor last trained in this
 * workspace for that space, else the one bundled with the extension. Only the primary one loads at start-up;
 * a space's predictor loads when a document first holds an architecture of that space. Lenses of a space use its predictor;
 * the panel and the status bar show the primary one (the setting's, else the last trained, else NB201's).
 *
 * Workspace storage: `<storage>/predictors/<space id>/` (`<storage>/predictor/` from versions before spaces
 * is still read). A new predictor is written next to it and swapped in with renames; leftovers of a swap
 * that a crash interrupted are repaired or removed at start-up.
 */
import { repairDirectorySwaps } from '../util/files';
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
  /** `onTableReady`: a loaded predictor's reference table is complete (the panel's gate weights and rankings can show). */
  constructor(private readonly onTableReady: () => void = () => {}) {}

  private readonly hosts = new Map<string, PredictorHost>();
  /** Predictors found but not loaded yet, per space, in order of precedence. */
  private readonly candidates = new Map<string, Candidate[]>();
  private primarySpace = DEFAULT_SPACE_ID;
  /** Load problems of the last loadAll, shown in the status. */
  errors: string[] = [];
  notes: string[] = [];

  static storageDir(storagePath: string, spaceId: string): string {
    return path.join(storagePath, 'predictors', spaceId);
  }

  /**
   * Completes or undoes predictor swaps a crash interrupted, and removes their temporary folders (src/util/files.ts),
   * also those of an interrupted training or copy into the predictor history.
   */
  static repairStorage(storagePath: string): string[] {
    const complete = (dir: string): boolean => fs.existsSync(path.join(dir, 'model.json'));
    const history = path.join(storagePath, 'predictor-history');
    let spaces: string[] = [];
    try {
      spaces = fs.readdirSync(history).map((n) => path.join(history, n));
    } catch {
      // No history yet.
    }
    return [storagePath, path.join(storagePath, 'predictors'), ...spaces].flatMap((parent) => repairDirectorySwaps(parent, complete));
  }

  /** The bundled predictor folders and their spaces (unreadable ones left out: loadAll reports them). */
  static bundled(init: InitOptions): { space: string; dir: string }[] {
    return subdirsWithModel(init.bundledPredictors).flatMap((dir) => {
      try {
        return [{ space: peekSpace(dir), dir }];
      } catch {
        return [];
      }
    });
  }

  /** The bundled predictor folder of a space, if the extension ships one. */
  static bundledDir(init: InitOptions, spaceId: string): string | undefined {
    return PredictorSet.bundled(init).find((b) => b.space === spaceId)?.dir;
  }

  /** The workspace predictor folders start-up would load for a space: `predictors/<space>/` and the pre-spaces `predictor/`. */
  static workspaceDirs(storagePath: string, spaceId: string): string[] {
    const own = PredictorSet.storageDir(storagePath, spaceId);
    const legacy = path.join(storagePath, 'predictor');
    const legacyHolds = ((): boolean => {
      try {
        return peekSpace(legacy) === spaceId;
      } catch {
        return false;
      }
    })();
    return [...(fs.existsSync(path.join(own, 'model.json')) ? [own] : []), ...(legacyHolds ? [legacy] : [])];
  }

  /**
   * Finds every predictor (the setting's, then the workspace's, then the bundled ones; per space the first that
   * loads wins) and loads the primary one. The others load when first asked for (`forSpace`), that is when a
   * document holds an architecture of their space: a workspace of NB201 files never pays for the others.
   */
  loadAll(setting: string, init: InitOptions): void {
    this.dispose();
    this.errors = [];
    this.notes = [];
    this.candidates.clear();
    const found: Candidate[] = [];
    if (setting) found.push({ source: 'setting', dir: setting });
    const trained = init.storagePath
      ? [...subdirsWithModel(path.join(init.storagePath, 'predictors')), ...subdirsWithModel(path.join(init.storagePath, 'predictor'))]
      : [];
    // The most recently trained first, so it becomes the primary predictor.
    const mtime = (d: string): number => fs.statSync(path.join(d, 'model.json')).mtimeMs;
    trained.sort((a, b) => mtime(b) - mtime(a));
    found.push(...trained.map((dir) => ({ source: 'workspace' as const, dir })));
    found.push(...subdirsWithModel(init.bundledPredictors).map((dir) => ({ source: 'bundled' as const, dir })));
    let primary: string | undefined;
    for (const c of found) {
      let space: string;
      try {
        space = peekSpace(c.dir);
      } catch (e) {
        this.errors.push(`cannot read predictor ${c.dir}: ${(e as Error).message}`);
        continue;
      }
      const list = this.candidates.get(space) ?? [];
      if (c.source === 'workspace' && list[0]?.source === 'setting') {
        this.notes.push(`dele.predictorPath is set, so the ${space} predictor trained in this workspace (${c.dir}) is not used`);
      }
      list.push(c);
      this.candidates.set(space, list);
      if (c.source !== 'bundled') primary ??= space;
    }
    this.primarySpace = primary ?? (this.candidates.has(DEFAULT_SPACE_ID) ? DEFAULT_SPACE_ID : ([...this.candidates.keys()][0] ?? DEFAULT_SPACE_ID));
    // The primary predictor loads now (status bar, panel); if none of its candidates loads, the next space's.
    if (!this.forSpace(this.primarySpace)) {
      for (const id of this.candidates.keys()) {
        if (this.forSpace(id)) {
          this.primarySpace = id;
          break;
        }
      }
    }
  }

  /** Loads one predictor for its space, replacing that space's previous one, and makes it the primary. */
  loadOne(source: PredictorInfo['source'], dir: string): PredictorHost {
    const h = new PredictorHost(this.onTableReady);
    h.load(source, dir);
    const space = h.space?.id ?? DEFAULT_SPACE_ID;
    this.hosts.get(space)?.dispose();
    this.hosts.set(space, h);
    this.primarySpace = space;
    return h;
  }

  /** Whether the space has a predictor, loaded or still a candidate (nothing is loaded to answer). */
  has(id: string): boolean {
    return this.hosts.has(id) || (this.candidates.get(id)?.length ?? 0) > 0;
  }

  /** The predictor of a space, loading it on first use (the first candidate that loads; failures are recorded). */
  forSpace(id: string): PredictorHost | undefined {
    const have = this.hosts.get(id);
    if (have) return have;
    const list = this.candidates.get(id);
    while (list && list.length > 0) {
      const c = list.shift() as Candidate;
      const h = new PredictorHost(this.onTableReady);
      try {
        h.load(c.source, c.dir);
      } catch (e) {
        this.errors.push(`cannot load ${c.source} predictor ${c.dir}: ${(e as Error).message}`);
        continue;
      }
      this.hosts.set(id, h);
      return h;
    }
    return undefined;
  }

  get primary(): PredictorHost | undefined {
    return this.forSpace(this.primarySpace);
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
