/**
 * Diagnostics: invalid architectures (errors), lint notes of valid ones, a declared space file's error, and the
 * bounds (at most MAX_DIAGNOSTICS, the first MAX_SCAN_CHARS scanned); published after a debounce per document.
 */
import type { TextDocument } from 'vscode-languageserver-textdocument';
import { type Diagnostic, DiagnosticSeverity } from 'vscode-languageserver/node';
import { SPACE_FILE_RE } from '../space/declared';
import { type ServerContext, uriToPath } from './context';
import { MAX_SCAN_CHARS } from './documentState';

export const MAX_DIAGNOSTICS = 1_000;

const SEVERITY = { error: DiagnosticSeverity.Error, hint: DiagnosticSeverity.Hint, info: DiagnosticSeverity.Information, warning: DiagnosticSeverity.Warning };

export function diagnostics(ctx: ServerContext, doc: TextDocument): Diagnostic[] {
  const out: Diagnostic[] = [];
  const file = uriToPath(doc.uri);
  if (file && SPACE_FILE_RE.test(file)) {
    const st = ctx.spaceFiles.get(file);
    if (st?.error) {
      const start = st.error.start ?? 0;
      const end = Math.max(st.error.end ?? start + 1, start + 1);
      out.push({ range: { start: doc.positionAt(start), end: doc.positionAt(end) }, message: st.error.message, severity: DiagnosticSeverity.Error, source: 'dele' });
    }
  }
  const info = ctx.parseInfo(doc);
  let total = 0;
  for (const f of info.found) {
    const space = ctx.spaceById(f.space);
    const items = f.result.ok
      ? (space?.lint(f.result.arch) ?? []).map((n) => ({ message: n.message, start: f.start, end: f.end, severity: n.severity }))
      : f.result.problems.map((p) => ({ ...p, severity: p.severity ?? ('error' as const) }));
    for (const p of items) {
      total++;
      if (out.length >= MAX_DIAGNOSTICS) continue;
      const message = p.message.length > 500 ? `${p.message.slice(0, 500)}…` : p.message;
      const end = Math.max(p.end, p.start + 1);
      out.push({ range: { start: doc.positionAt(p.start), end: doc.positionAt(end) }, message, severity: SEVERITY[p.severity], source: 'dele' });
    }
  }
  const top = { start: doc.positionAt(0), end: doc.positionAt(0) };
  if (total > MAX_DIAGNOSTICS) {
    out.push({ range: top, message: `DELE: ${total - MAX_DIAGNOSTICS} more problems not shown (at most ${MAX_DIAGNOSTICS} per document)`, severity: DiagnosticSeverity.Information, source: 'dele' });
  }
  if (info.truncated) {
    out.push({ range: top, message: `DELE: only the first ${MAX_SCAN_CHARS.toLocaleString('en-US')} characters of this document are scanned for architectures`, severity: DiagnosticSeverity.Information, source: 'dele' });
  }
  return out;
}

/** Publishes a document's diagnostics `dele.debounceMs` after its last change. */
export class DiagnosticsScheduler {
  private readonly timers = new Map<string, NodeJS.Timeout>();

  constructor(private readonly ctx: ServerContext) {}

  schedule(doc: TextDocument): void {
    clearTimeout(this.timers.get(doc.uri));
    this.timers.set(
      doc.uri,
      setTimeout(() => {
        this.timers.delete(doc.uri);
        const current = this.ctx.documents.get(doc.uri);
        if (current) void this.ctx.connection.sendDiagnostics({ uri: current.uri, version: current.version, diagnostics: diagnostics(this.ctx, current) });
      }, this.ctx.settings().debounceMs),
    );
  }

  /** A closed document: no pending publication, and its diagnostics cleared. */
  closed(uri: string): void {
    clearTimeout(this.timers.get(uri));
    this.timers.delete(uri);
    void this.ctx.connection.sendDiagnostics({ uri, diagnostics: [] });
  }

  dispose(): void {
    for (const t of this.timers.values()) clearTimeout(t);
  }
}
