/**
 * Which predictor of a space's history is active: a completed training joins the history and replaces the active
 * predictor only when its held-out metric is at least as good on the same held-out split (else the server
 * proposes it and the client asks: `TrainingOutcome.ask`); `dele/usePredictor` confirms such a proposal or rolls
 * back to any entry, the bundled one included; `dele/predictorHistory` lists the entries.
 */
import * as fs from 'node:fs';
import { ErrorCodes, ResponseError } from 'vscode-languageserver/node';
import { Predictor } from '../predictor/predictor';
import {
  PredictorChangedNotification,
  type PredictorHistoryEntry,
  type PredictorHistoryParams,
  type PredictorHistoryResult,
  type TrainingOutcome,
  type UsePredictorParams,
  type UsePredictorResult,
} from '../protocol/lsp';
import type { ServerContext } from './context';
import { compareMetrics, describeEntry, metricOf, PredictorHistory, readSavedMeta, type StoredEntry } from './predictorHistory';
import { PredictorSet } from './predictorSet';

const date = (iso: string): string => iso.slice(0, 16).replace('T', ' ');

export class PredictorChoice {
  constructor(private readonly ctx: ServerContext) {}

  private history(): PredictorHistory {
    const storagePath = this.ctx.init().storagePath;
    if (!storagePath) throw new ResponseError(3, 'no workspace storage: there is no predictor history');
    return new PredictorHistory(storagePath);
  }

  /** Where a training of `spaceId` writes its predictor (moved into the history by `adoptTrained`). */
  incomingDir(spaceId: string): string {
    return this.history().incomingDir(spaceId);
  }

  /** The active predictor of a space as the history sees it: its folder, source and label; undefined: none. */
  private active(spaceId: string): { dir: string; source: string; label: string; createdAt: string } | undefined {
    const info = this.ctx.predictors.forSpace(spaceId)?.info;
    if (!info) return undefined;
    const label = info.source === 'bundled' ? 'the bundled predictor' : info.source === 'setting' ? 'the dele.predictorPath predictor' : `the active predictor (trained ${date(info.createdAt)})`;
    return { dir: info.path, source: info.source, label, createdAt: info.createdAt };
  }

  /**
   * A completed, load-checked training in `dir` (an `incomingDir`): kept in the history, and made active when it is
   * at least as good as the active predictor on the same held-out split, or when the space had none; an `update`
   * (trained on the results file's labels) also when the two cannot be compared.
   */
  adoptTrained(spaceId: string, dir: string, update = false): TrainingOutcome & { path: string } {
    const history = this.history();
    const entryId = history.add(spaceId, dir);
    const entry = history.entry(spaceId, entryId) as StoredEntry;
    const active = this.active(spaceId);
    let current;
    try {
      current = active ? metricOf(readSavedMeta(active.dir)) : undefined;
    } catch {
      current = undefined;
    }
    const comparison = compareMetrics(metricOf(entry.meta), current, active?.label ?? '');
    // The comparison with an unreadable active predictor is not a comparison: ask.
    if (active && !current) comparison.verdict = 'incomparable';
    const base = { space: spaceId, entry: entryId, comparison };
    if (active?.source === 'setting') return { ...base, replaced: false, ask: false, path: entry.dir };
    // An update from the results file was asked for: only a measurably worse one waits for the user.
    if (comparison.verdict === 'worse' || (comparison.verdict === 'incomparable' && !update)) return { ...base, replaced: false, ask: true, path: entry.dir };
    return { ...base, replaced: true, ask: false, path: this.makeActive(spaceId, entry) };
  }

  /** Copies an entry to the space's workspace predictor folder (what start-up loads) and loads it. */
  private makeActive(spaceId: string, entry: StoredEntry): string {
    const storagePath = this.ctx.init().storagePath;
    const history = this.history();
    // A workspace predictor trained before the history existed joins it before it is replaced.
    history.preserve(spaceId, PredictorSet.workspaceDirs(storagePath, spaceId));
    const final = PredictorSet.storageDir(storagePath, spaceId);
    history.install(entry, final);
    this.ctx.predictors.loadOne('workspace', final);
    return final;
  }

  list(params: PredictorHistoryParams): PredictorHistoryResult {
    const ctx = this.ctx;
    const init = ctx.init();
    const history = init.storagePath ? new PredictorHistory(init.storagePath) : undefined;
    const bundledSpaces = PredictorSet.bundled(init).map((b) => b.space);
    const ids = params.space ? [params.space] : [...new Set([...(history?.spaces() ?? []), ...bundledSpaces])];
    let settingNote: string | undefined;
    const spaces = ids.map((id) => {
      const active = this.active(id);
      if (active?.source === 'setting') settingNote = `dele.predictorPath is set: it is the ${id} predictor, whatever is chosen here`;
      const entries: PredictorHistoryEntry[] = (history?.entries(id) ?? []).map((e) =>
        describeEntry(e.id, 'trained', e.meta, active?.source === 'workspace' && active.createdAt === e.meta.createdAt),
      );
      const bundled = PredictorSet.bundledDir(init, id);
      if (bundled) {
        try {
          entries.push(describeEntry('bundled', 'bundled', readSavedMeta(bundled), active?.source === 'bundled'));
        } catch (e) {
          ctx.connection.console.error(`DELE server: cannot read the bundled predictor ${bundled}: ${(e as Error).message}`);
        }
      }
      return { space: id, spaceTitle: ctx.spaceById(id)?.title ?? id, entries };
    });
    return { spaces: spaces.filter((x) => x.entries.length > 0), ...(settingNote ? { settingNote } : {}) };
  }

  /** `dele/usePredictor`: the entry becomes the space's active predictor, now and after a restart. */
  use(params: UsePredictorParams): UsePredictorResult {
    const ctx = this.ctx;
    const init = ctx.init();
    if (typeof params?.space !== 'string' || typeof params.entry !== 'string') throw new ResponseError(ErrorCodes.InvalidParams, 'dele/usePredictor needs a space and an entry');
    const { space, entry: id } = params;
    if (this.active(space)?.source === 'setting') throw new ResponseError(5, `dele.predictorPath is set for ${space}: clear the setting to choose a predictor from the history`);
    let message: string;
    if (id === 'bundled') {
      const dir = PredictorSet.bundledDir(init, space);
      if (!dir) throw new ResponseError(ErrorCodes.InvalidParams, `no bundled predictor for ${space}`);
      if (init.storagePath) {
        const workspace = PredictorSet.workspaceDirs(init.storagePath, space);
        // Nothing is lost: the workspace predictors stay in the history.
        this.history().preserve(space, workspace);
        for (const d of workspace) fs.rmSync(d, { recursive: true, force: true });
      }
      ctx.predictors.loadOne('bundled', dir);
      message = `the bundled ${space} predictor is active again`;
    } else {
      const entry = init.storagePath ? this.history().entry(space, id) : undefined;
      if (!entry) throw new ResponseError(ErrorCodes.InvalidParams, `no predictor "${id}" in the ${space} history`);
      // Check that it loads before anything on disk changes.
      Predictor.load(entry.dir).dispose();
      this.makeActive(space, entry);
      message = `the ${space} predictor trained ${date(entry.meta.createdAt)} is active`;
    }
    void ctx.refreshLenses();
    const status = ctx.status();
    void ctx.connection.sendNotification(PredictorChangedNotification, status);
    ctx.connection.console.info(`DELE server: ${message}`);
    return { status, message };
  }
}
