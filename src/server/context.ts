/**
 * What the language server's features share: the connection, the open documents and their parsed
 * architectures, the predictors, the declared spaces, the benchmark tables and the settings. `server.ts` owns
 * it and wires the features (lenses, hovers, diagnostics, code actions, training, panel data, search, LF) to it.
 */
import { fileURLToPath } from 'node:url';
import type { TextDocument } from 'vscode-languageserver-textdocument';
import type { CancellationToken, Connection, Disposable, TextDocuments } from 'vscode-languageserver/node';
import type { DeleSettings, InitOptions, StatusResult } from '../protocol/lsp';
import type { FoundArch, SearchSpace } from '../space/types';
import type { BenchmarkTable } from './benchmarks';
import type { ParsedDoc, ValidFound } from './documentState';
import type { LfHost } from './lfHost';
import type { PredictorHost } from './predictorHost';
import type { PredictorSet } from './predictorSet';
import type { SpaceFiles } from './spaceFiles';

export interface ServerContext {
  readonly connection: Connection;
  readonly documents: TextDocuments<TextDocument>;
  readonly predictors: PredictorSet;
  readonly spaceFiles: SpaceFiles;
  readonly lf: LfHost;
  /** Settles when start-up (backend, settings, predictor) is done; handlers wait for it. */
  readonly ready: Promise<void>;
  settings(): DeleSettings;
  init(): InitOptions;
  /** Path of the bundled trainWorker.js (training and reading data files). */
  workerScript(): string;
  spaceById(id: string): SearchSpace | undefined;
  /**
   * The predictor for a space's architectures, 'stale' when a declared space's file changed after its predictor
   * was trained (the architectures as parsed now may not mean what the predictor learned), or undefined.
   */
  hostFor(spaceId: string): PredictorHost | 'stale' | undefined;
  /** The bundled table of a built-in space (cached), or undefined when the space has none. */
  benchmark(spaceId: string): BenchmarkTable | undefined;
  /** The benchmark value of an architecture: the predictor's target where that is a column, else the setting, else the data's default. */
  trueValue(spaceId: string, key: string): { target: string; value: number } | undefined;
  parseInfo(doc: TextDocument): ParsedDoc;
  parse(doc: TextDocument): FoundArch[];
  valid(doc: TextDocument): ValidFound[];
  status(): StatusResult;
  refreshLenses(): Promise<void>;
}

export function uriToPath(uri: string): string | undefined {
  try {
    return uri.startsWith('file:') ? fileURLToPath(uri) : undefined;
  } catch {
    return undefined;
  }
}

/** A value in an error message: JSON, at most 40 characters. */
export const show = (x: unknown): string => {
  const j = x === undefined ? 'nothing' : (JSON.stringify(x) ?? String(x));
  return j.length > 40 ? `${j.slice(0, 40)}…` : j;
};

/**
 * Calls `f` when a request is cancelled, or at once when it already is: a request cancelled before its handler
 * subscribed carries vscode-jsonrpc's CancellationToken.Cancelled, whose event never fires.
 */
export function onCancel(token: CancellationToken, f: () => void): Disposable {
  if (token.isCancellationRequested) {
    f();
    return { dispose: () => {} };
  }
  return token.onCancellationRequested(f);
}
