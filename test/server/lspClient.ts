/** Runs the real DeleServer in this process over paired streams and talks LSP to it. */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { PassThrough } from 'node:stream';
import * as nodeTest from 'node:test';
import { pathToFileURL } from 'node:url';
import { createMessageConnection, type MessageConnection, StreamMessageReader, StreamMessageWriter } from 'vscode-jsonrpc/node';
import { createConnection } from 'vscode-languageserver/node';
import type { Diagnostic } from 'vscode-languageserver-protocol';
import { DEFAULT_SETTINGS, type DeleSettings, type TrainParams } from '../../src/protocol/lsp';
import { DeleServer } from '../../src/server/server';
import { shuffleInPlace } from '../../src/util/rng';

export const ROOT = path.resolve(__dirname, '../..');
export const TINY_PREDICTOR = path.join(ROOT, 'test/fixtures/predictor-tiny');
/** A training request that finishes in seconds on the bundled NB201 data (tiny preset, two experts). */
export const TINY_TRAINING: TrainParams = {
  data: 'bundled',
  target: 'c10_test_200ep',
  method: 'dele',
  encoder: 'gates',
  trainRatio: 0.02,
  preset: 'tiny',
  experts: ['zc_c10_synflow', 'zc_c10_jacov'],
  pretrainEpochs: 1,
  epochs: 2,
};

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
  /**
   * Gives a document exactly this text (opens it, or replaces its text with the next version) and resolves once
   * the server has published the diagnostics of that version. A test calls it for every document it depends on.
   */
  setText(uri: string, text: string, languageId?: string): Promise<void>;
  /** Changes settings (a no-op when they already hold) and resolves once the server has applied them. */
  updateSettings(patch: Partial<DeleSettings>): Promise<void>;
  /** Makes the server find and load its predictors again (as at start-up), by switching dele.predictorPath away and back. */
  reloadPredictors(): Promise<void>;
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
  /** Make every workspace/configuration request after the first (the start-up one) fail. */
  failLaterConfiguration?: boolean;
}

/**
 * Start-up of the session started last in this process. TF.js backend selection (initBackend) is process-wide and
 * must not run twice at once: two sessions starting together can break the shared engine (an uncaught TypeError
 * in a kernel, crashing the test file). The product runs one server per process, so only tests need this.
 */
let lastStartup: Promise<void> = Promise.resolve();

export async function startSession(settings: Partial<DeleSettings> = {}, options: SessionOptions = {}): Promise<TestSession> {
  const previous = lastStartup;
  let started!: () => void;
  lastStartup = new Promise((resolve) => (started = resolve));
  await previous;
  const up = new PassThrough();
  const down = new PassThrough();
  const server = new DeleServer({ workerScript: path.join(ROOT, 'dist/trainWorker.js') });
  server.listen(createConnection(new StreamMessageReader(up), new StreamMessageWriter(down)));
  const client = createMessageConnection(new StreamMessageReader(down), new StreamMessageWriter(up));
  const storage = fs.mkdtempSync(path.join(os.tmpdir(), 'dele-srv-'));
  // Per document: the version and text last sent; the version of the diagnostics last published.
  const docs = new Map<string, { version: number; text: string }>();
  const published = new Map<string, number | undefined>();
  let configAnswers = 0;
  // configAnswers at the latest workspace/codeLens/refresh: the server refreshes lenses after applying settings.
  let refreshedAfterConfig = 0;
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
      docs.set(uri, { version: 1, text });
      void client.sendNotification('textDocument/didOpen', { textDocument: { uri, languageId, version: 1, text } });
    },
    change(uri, version, text) {
      docs.set(uri, { version, text });
      void client.sendNotification('textDocument/didChange', { textDocument: { uri, version }, contentChanges: [{ text }] });
    },
    async setText(uri, text, languageId) {
      const doc = docs.get(uri);
      if (!doc) s.open(uri, text, languageId);
      else if (doc.text !== text) s.change(uri, doc.version + 1, text);
      const version = docs.get(uri)?.version;
      await s.waitFor(() => published.has(uri) && published.get(uri) === version);
    },
    async updateSettings(patch) {
      const next = { ...s.settings, ...patch };
      if (JSON.stringify(next) === JSON.stringify(s.settings)) return;
      const answered = configAnswers;
      s.settings = next;
      await client.sendNotification('workspace/didChangeConfiguration', { settings: null });
      await s.waitFor(() => refreshedAfterConfig > answered);
    },
    async reloadPredictors() {
      const setting = s.settings.predictorPath;
      await s.updateSettings({ predictorPath: setting === TINY_PREDICTOR ? '' : TINY_PREDICTOR });
      await s.updateSettings({ predictorPath: setting });
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
    const n = configRequests++;
    if ((n === 0 && options.failFirstConfiguration) || (n > 0 && options.failLaterConfiguration)) throw new Error('configuration unavailable');
    configAnswers++;
    return p.items.map(() => s.settings);
  });
  client.onRequest('window/workDoneProgress/create', () => null);
  client.onRequest('workspace/codeLens/refresh', () => {
    s.refreshes++;
    refreshedAfterConfig = configAnswers;
    return null;
  });
  client.onNotification('textDocument/publishDiagnostics', (p: { uri: string; version?: number; diagnostics: Diagnostic[] }) => {
    s.diagnostics.set(p.uri, p.diagnostics);
    published.set(p.uri, p.version);
  });
  client.onNotification('$/progress', (p: unknown) => s.progress.push(p));
  client.onNotification((method: string, params: unknown) => {
    s.notifications.push({ method, params });
  });
  client.listen();
  try {
    await client.sendRequest('initialize', {
      processId: null,
      rootUri: options.workspace ? pathToFileURL(options.workspace).href : null,
      workspaceFolders: options.workspace ? [{ uri: pathToFileURL(options.workspace).href, name: 'ws' }] : null,
      capabilities: { workspace: { configuration: true, codeLens: { refreshSupport: true } }, window: { workDoneProgress: true } },
      initializationOptions: { bundledPredictors: options.bundledPredictors ?? TINY_PREDICTOR, storagePath: storage },
    });
    await client.sendNotification('initialized', {});
  } catch (e) {
    started();
    throw e;
  }
  // Requests wait for the server's start-up: the next session starts once this one has answered (or closed).
  client.sendRequest('dele/status').then(started, started);
  return s;
}

/**
 * `describe` and `it` for the server suites. DELE_TEST_ORDER (set by scripts/test-server-isolated.mjs, which
 * `npm run test:server` runs) changes the order in which the tests of each suite are registered, and so run:
 * `reverse`, or `shuffle` with the seed DELE_TEST_SEED (a seeded permutation per suite). A test that leans on state
 * an earlier test left behind fails there. Hooks are untouched.
 */
const ORDER = process.env.DELE_TEST_ORDER ?? 'declared';
const SEED = Number(process.env.DELE_TEST_SEED ?? 0) >>> 0;
let deferred: (() => void)[] | undefined;
type TestBody = (t: nodeTest.TestContext) => void | Promise<void>;

/** The registrations of one suite in the order DELE_TEST_ORDER asks for. */
function ordered<T>(xs: T[], suite: string): T[] {
  if (ORDER === 'reverse') return [...xs].reverse();
  if (ORDER !== 'shuffle') return xs;
  // mulberry32 seeded by the seed and the suite's name, so each suite gets its own permutation.
  let h = SEED ^ 0x9e3779b9;
  for (const c of suite) h = Math.imul(h ^ c.charCodeAt(0), 0x85ebca6b) >>> 0;
  const random = (): number => {
    h = (h + 0x6d2b79f5) >>> 0;
    let t = h;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return shuffleInPlace([...xs], random);
}

export function describe(name: string, fn: () => void): void {
  void nodeTest.describe(name, () => {
    if (ORDER === 'declared') return fn();
    const outer = deferred;
    deferred = [];
    try {
      fn();
    } finally {
      const mine = deferred;
      deferred = outer;
      for (const register of ordered(mine, name)) register();
    }
  });
}

export function it(name: string, fn: TestBody): void;
export function it(name: string, options: nodeTest.TestOptions, fn: TestBody): void;
export function it(name: string, a: TestBody | nodeTest.TestOptions, b?: TestBody): void {
  const register = (): void => void (b ? nodeTest.it(name, a as nodeTest.TestOptions, b) : nodeTest.it(name, a as TestBody));
  if (deferred) deferred.push(register);
  else register();
}
