/**
 * Host <-> webview messages of the predictor panel. Types only (the webview imports them with `import type`).
 * Handshake: the webview sends `ready`; the host answers with `state`, then forwards `epoch` and `state`
 * updates. Messages sent before `ready` are queued by the host.
 */
import type { ArchLocation, RankingsResult, SearchResponse, StatusResult, TrainingEpoch } from './lsp';

/** The panel's architecture tables (each has a filter box, sortable columns and "Export CSV"). */
export type ExportedTable = 'workspace' | 'benchmark' | 'proposals';
const EXPORTED_TABLES: readonly string[] = ['workspace', 'benchmark', 'proposals'] satisfies ExportedTable[];

export type HostToWebview =
  /** `folders`: the workspace folders' uris, so tables name files relative to them. */
  | { type: 'state'; rankings: RankingsResult; status: StatusResult; epochs: TrainingEpoch[]; folders?: string[] }
  | { type: 'epoch'; epoch: TrainingEpoch }
  | { type: 'trainingStarted' }
  /** The latest "Propose Top Architectures" results (sent after `state`, and when a search finishes). */
  | { type: 'proposals'; result: SearchResponse }
  | { type: 'error'; message: string };

export type WebviewToHost =
  | { type: 'ready' }
  | { type: 'openLocation'; location: ArchLocation }
  | { type: 'refresh' }
  | { type: 'train' }
  /** Show the predictor of another search space (one of status.predictors). */
  | { type: 'selectSpace'; space: string }
  /** Insert proposal `index` of the latest results (`key` must match it) at the cursor of the last active text editor. */
  | { type: 'insertProposal'; index: number; key: string }
  /** "Export CSV" of a table: its header and the cells it shows (after the filter, in its sort order), to save as CSV. */
  | { type: 'exportTable'; table: ExportedTable; header: string[]; rows: string[][] };

const isStrings = (x: unknown): x is string[] => Array.isArray(x) && x.every((s) => typeof s === 'string');

export function isWebviewToHost(m: unknown): m is WebviewToHost {
  if (typeof m !== 'object' || m === null) return false;
  const t = (m as { type?: unknown }).type;
  if (t === 'openLocation') return typeof (m as { location?: unknown }).location === 'object';
  if (t === 'selectSpace') return typeof (m as { space?: unknown }).space === 'string';
  if (t === 'insertProposal') {
    const { index, key } = m as { index?: unknown; key?: unknown };
    return typeof index === 'number' && Number.isInteger(index) && index >= 0 && typeof key === 'string';
  }
  if (t === 'exportTable') {
    const { table, header, rows } = m as { table?: unknown; header?: unknown; rows?: unknown };
    return typeof table === 'string' && EXPORTED_TABLES.includes(table) && isStrings(header) && Array.isArray(rows) && rows.every(isStrings);
  }
  return t === 'ready' || t === 'refresh' || t === 'train';
}
