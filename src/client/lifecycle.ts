/**
 * The extension host's decisions about the language server, without the editor: whether a document is reason to
 * start it, when a crashing one is restarted, and what the status bar says. Imports no `vscode` (unit-tested in
 * test/unit/client.test.ts); extension.ts applies them.
 */
import type { StatusResult } from '../protocol/lsp';
import { ARCH_TRIGGER_PATTERNS } from '../space/triggers';

/** The languages the server serves (its document selector, for the file and untitled schemes). */
export const LANGUAGES: readonly string[] = ['python', 'json', 'jsonc', 'yaml', 'dele-arch'];
const TRIGGERS = ARCH_TRIGGER_PATTERNS.map((p) => new RegExp(p));
/** Documents larger than this are not looked at before the server runs (the server bounds its own work). */
export const MAX_TRIGGER_CHARS = 2_000_000;

/** Might this document hold an architecture of a built-in space? (The server's scanners decide.) `text` is read only if needed. */
export function mayHoldArchitecture(doc: { languageId: string; scheme: string; text: () => string }): boolean {
  if (doc.languageId === 'dele-arch') return true;
  if (!LANGUAGES.includes(doc.languageId) || (doc.scheme !== 'file' && doc.scheme !== 'untitled')) return false;
  const text = doc.text();
  return text.length <= MAX_TRIGGER_CHARS && TRIGGERS.some((r) => r.test(text));
}

/** A crashed server is restarted at most this many times within CRASH_WINDOW_MS; the next crash stops it. */
export const MAX_RESTARTS = 4;
export const CRASH_WINDOW_MS = 3 * 60_000;

/** The crashes of the last CRASH_WINDOW_MS, and whether the latest one still earns a restart. */
export class CrashWindow {
  private readonly crashes: number[] = [];

  /** Records a crash at time `t` (ms); returns the crashes in the window and what to do, with the message to log. */
  crashed(t: number): { count: number; restart: boolean; message: string } {
    this.crashes.push(t);
    while (this.crashes.length > 0 && t - this.crashes[0]! > CRASH_WINDOW_MS) this.crashes.shift();
    const n = this.crashes.length;
    const minutes = CRASH_WINDOW_MS / 60_000;
    if (n <= MAX_RESTARTS) return { count: n, restart: true, message: `the DELE language server stopped unexpectedly (${n} time${n === 1 ? '' : 's'} in ${minutes} minutes); restarting it` };
    return {
      count: n,
      restart: false,
      message: `DELE language server crashed ${n} times in ${minutes} minutes; it will not be restarted. Run "DELE: Restart Language Server" to try again (the DELE output channel has the details).`,
    };
  }
}

/** A connection error: logged; the fourth in a row shuts the client down with this message. */
export function connectionError(error: Error, count: number | undefined): { log: string; shutdown?: string } {
  const log = `language server connection error${count ? ` (${count} in a row)` : ''}: ${error.message}`;
  if ((count ?? 1) <= 3) return { log };
  return { log, shutdown: 'DELE: the connection to the language server keeps failing; run "DELE: Restart Language Server" to try again.' };
}

/** The status bar item's text and tooltip for a server status. */
export function statusBar(s: StatusResult): { text: string; tooltip: string } {
  const p = s.predictor;
  const text = s.training ? '$(sync~spin) DELE training' : !p ? '$(beaker) DELE $(warning)' : `$(beaker) DELE ${p.space} τ ${p.kendallTau?.toFixed(2) ?? '?'} · ${s.backend}`;
  const tooltip = p
    ? `DELE predictor (${p.source}): ${p.spaceTitle} · ${p.method} · ${p.encoder} · ${p.experts.length} experts · target ${p.target} · ${(p.trainRatio * 100).toFixed(0)}% ground truth · held-out Kendall's τ ${p.kendallTau?.toFixed(4) ?? 'n/a'} · backend ${s.backend}${s.note ? `\n${s.note}` : ''}`
    : `DELE: no predictor loaded${s.error ? `: ${s.error}` : ''}`;
  return { text, tooltip };
}
