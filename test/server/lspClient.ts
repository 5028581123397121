/** Runs the real DeleServer in this process over paired streams and talks LSP to it. */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { PassThrough } from 'node:stream';
import { pathToFileURL } from 'node:url';
import { createMessageConnection, type MessageConnection, StreamMessageReader, StreamMessageWriter } from 'vscode-jsonrpc/node';
import { createConnection } from 'vscode-languageserver/node';
import type { Diagnostic } from 'vscode-languageserver-protocol';
import { DEFAULT_SETTINGS, type DeleSettings } from '../../src/protocol/lsp';
import { DeleServer } from '../../src/server/server';

export const ROOT = path.resolve(__dirname, '../..');
export const TINY_PREDICTOR = path.join(ROOT, 'test/fixtures/predictor-tiny');

export interface TestSession {
  client: MessageConnection;
  server: DeleServer;
  storage: string;
  settings: DeleSettings;
  diagnostics: Map<string, Diagnostic[]>;
  refreshes: number;
  progress: unknown[];
  notifications: { method: string; params: unknown }[];
  open(uri: string, text: string, languageId?: string): void;
  change(uri: string, version: number, text: string): void;
  waitFor<T>(what: () => T | undefined, timeoutMs?: number): Promise<T>;
  close(): Promise<void>;
}

export interface SessionOptions {
  /** Folder of bundled predictors (one predictor folder, or one subfolder per space); default the tiny NB201 one. */
  bundledPredictors?: string;
  /** Workspace folder (space files are discovered in it). */
  workspace?: string;
  /** Make the first workspace/configuration request fail, as a flaky client might. */
  failFirstConfiguration?: boolean;
}

export async function startSession(settings: Partial<DeleSettings> = {}, options: SessionOptions = {}): Promise<TestSession> {
  const up = new PassThrough();
  const down = new PassThrough();
  const server = new DeleServer({ workerScript: path.join(ROOT, 'dist/trainWorker.js') });
  server.listen(createConnection(new StreamMessageReader(up), new StreamMessageWriter(down)));
  const client = createMessageConnection(new StreamMessageReader(down), new StreamMessageWriter(up));
  const storage = fs.mkdtempSync(path.join(os.tmpdir(), 'dele-srv-'));
  const s: TestSession = {
    client,
    server,
    storage,
    settings: { ...DEFAULT_SETTINGS, debounceMs: 10, ...settings },
    diagnostics: new Map(),
    refreshes: 0,
    progress: [],
    notifications: [],
    open(uri, text, languageId = 'python') {
      void client.sendNotification('textDocument/didOpen', { textDocument: { uri, languageId, version: 1, text } });
    },
    change(uri, version, text) {
      void client.sendNotification('textDocument/didChange', { textDocument: { uri, version }, contentChanges: [{ text }] });
    },
    async waitFor(what, timeoutMs = 60_000) {
      const t = Date.now();
      for (;;) {
        const v = what();
        if (v !== undefined && v !== false) return v;
        if (Date.now() - t > timeoutMs) throw new Error('timed out waiting');
        await new Promise((r) => setTimeout(r, 20));
      }
    },
    async close() {
      await client.sendRequest('shutdown');
      client.dispose();
      fs.rmSync(storage, { recursive: true, force: true });
    },
  };
  let configRequests = 0;
  client.onRequest('workspace/configuration', (p: { items: unknown[] }) => {
    if (configRequests++ === 0 && options.failFirstConfiguration) throw new Error('configuration unavailable');
    return p.items.map(() => s.settings);
  });
  client.onRequest('window/workDoneProgress/create', () => null);
  client.onRequest('workspace/codeLens/refresh', () => {
    s.refreshes++;
    return null;
  });
  client.onNotification('textDocument/publishDiagnostics', (p: { uri: string; diagnostics: Diagnostic[] }) => s.diagnostics.set(p.uri, p.diagnostics));
  client.onNotification('$/progress', (p: unknown) => s.progress.push(p));
  client.onNotification((method: string, params: unknown) => {
    s.notifications.push({ method, params });
  });
  client.listen();
  await client.sendRequest('initialize', {
    processId: null,
    rootUri: options.workspace ? pathToFileURL(options.workspace).href : null,
    workspaceFolders: options.workspace ? [{ uri: pathToFileURL(options.workspace).href, name: 'ws' }] : null,
    capabilities: { workspace: { configuration: true, codeLens: { refreshSupport: true } }, window: { workDoneProgress: true } },
    initializationOptions: { bundledPredictors: options.bundledPredictors ?? TINY_PREDICTOR, storagePath: storage },
  });
  await client.sendNotification('initialized', {});
  return s;
}
