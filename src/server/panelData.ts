/**
 * What the side panel and the training form ask for: `dele/rankings` (the workspace's architectures best first,
 * the benchmark's top, mean gate weights, the held-out scatter) and `dele/dataInfo` (the columns of a data file).
 */
import * as fs from 'node:fs';
import { Worker } from 'node:worker_threads';
import { ResponseError } from 'vscode-languageserver/node';
import { column, splitDataset, targetNames } from '../data/dataset';
import type { DataInfoParams, DataInfoResult, RankedArch, RankingsResult } from '../protocol/lsp';
import { DEFAULT_SPACE_ID } from '../space/registry';
import type { SearchSpace } from '../space/types';
import type { ServerContext } from './context';
import { dataInfoParamsProblem } from './params';
import type { ArchPrediction, PredictorHost } from './predictorHost';
import { dataInfoOf, type FromWorker, oneLine, type ToWorker, WORKER_HEAP_MB, workerFailure } from './workerProtocol';

/** `dele/dataInfo` reads user data files up to this size (in a worker thread). */
export const MAX_DATA_FILE_MB = 200;

export function rankings(ctx: ServerContext, spaceId?: string): RankingsResult {
  const host = spaceId ? ctx.predictors.forSpace(spaceId) : ctx.predictors.primary;
  const info = host?.info ?? null;
  const space = host?.space;
  const toRanked = (key: string, p: ArchPrediction): RankedArch => ({
    arch: key,
    predicted: p.accuracy,
    percentile: host?.percentile(p.score),
    trueAccuracy: space ? ctx.trueValue(space.id, key)?.value : undefined,
    experts: p.experts,
  });
  const workspace: RankedArch[] = [];
  if (space && host) {
    for (const doc of ctx.documents.all()) {
      const valid = ctx.valid(doc).filter((f) => f.space === space.id);
      const preds = host.predict(valid.map((f) => f.result.arch));
      valid.forEach((f, i) => {
        const p = preds[i];
        if (!p) return;
        workspace.push({
          ...toRanked(f.result.key, p),
          ...(f.name !== undefined ? { name: f.name } : {}),
          location: { uri: doc.uri, range: { start: doc.positionAt(f.start), end: doc.positionAt(f.end) } },
        });
      });
    }
  }
  workspace.sort((a, b) => b.predicted - a.predicted);
  const top = host?.topArchs(20) ?? [];
  const benchmarkTop = space && host ? host.predict(top).map((p, i) => toRanked(space.key(top[i]), p)) : [];
  const { scatter, scatterLabel } = heldOutScatter(ctx, host);
  return { predictor: info, workspace, benchmarkTop, referenceLabel: host?.referenceLabel() ?? '', meanGateWeights: host?.meanGateWeights() ?? [], scatter, scatterLabel };
}

/** Predicted vs true target on 400 held-out architectures of the bundled data the predictor was trained on. */
function heldOutScatter(ctx: ServerContext, host: PredictorHost | undefined): { scatter: RankingsResult['scatter']; scatterLabel: string } {
  const info = host?.info;
  const p = host?.current;
  if (!info || !p) return { scatter: [], scatterLabel: 'no predictor for this space' };
  const b = info.dataSource === `bundled:${info.space}` ? ctx.benchmark(info.space) : undefined;
  if (!b || b.ds.fingerprint !== p.meta.dataset.fingerprint || !targetNames(b.ds).includes(info.target)) {
    return { scatter: [], scatterLabel: `trained on ${info.dataSource}: no held-out scatter (shown for predictors trained on bundled data)` };
  }
  const heldOut = splitDataset(b.ds.archs.length, host.splitSeed).heldOut.slice(0, 400);
  const truth = column(b.ds, info.target).values;
  const sp = host.predict(heldOut.map((i) => b.ds.archs[i]));
  const scatter = heldOut.map((i, j) => ({ predicted: sp[j]?.accuracy ?? NaN, true: truth[i] ?? NaN })).filter((x) => Number.isFinite(x.true));
  return { scatter, scatterLabel: `${scatter.length} held-out ${info.spaceTitle} architectures, target ${info.target}` };
}

/** Throws a readable Error unless `file` is a readable data file of at most MAX_DATA_FILE_MB. */
function checkDataFile(file: string): void {
  let st: fs.Stats;
  try {
    st = fs.statSync(file);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new Error(`cannot read ${file}: ${code === 'ENOENT' ? 'no such file' : code === 'EACCES' ? 'permission denied' : oneLine(e)}`);
  }
  if (!st.isFile()) throw new Error(`cannot read ${file}: not a file`);
  if (st.size > MAX_DATA_FILE_MB * 1024 * 1024) {
    throw new Error(`${file} is ${(st.size / 1024 / 1024).toFixed(0)} MB; data files of at most ${MAX_DATA_FILE_MB} MB can be read here`);
  }
}

/** Columns of a data file: bundled data on this thread (cached), a user's file in a short-lived worker. */
export async function dataInfo(ctx: ServerContext, p: DataInfoParams | null | undefined): Promise<DataInfoResult> {
  try {
    const problem = dataInfoParamsProblem(p, (id) => ctx.spaceById(id));
    if (problem) throw new Error(problem);
    const { data, space: spaceId = DEFAULT_SPACE_ID, join: joined = [] } = p as DataInfoParams;
    const space = ctx.spaceById(spaceId) as SearchSpace;
    for (const f of joined) checkDataFile(f);
    if (joined.length > 0) return await dataInfoInWorker(ctx.workerScript(), data, space, joined);
    if (data === 'bundled') {
      const b = ctx.benchmark(space.id);
      if (!b) throw new Error(`${space.title} has no bundled data; choose a CSV or JSON file`);
      return dataInfoOf(b.ds);
    }
    checkDataFile(data);
    return await dataInfoInWorker(ctx.workerScript(), data, space, []);
  } catch (e) {
    throw new ResponseError(1, (e as Error).message);
  }
}

function dataInfoInWorker(workerScript: string, data: string, space: SearchSpace, join: string[]): Promise<DataInfoResult> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(workerScript, { resourceLimits: { maxOldGenerationSizeMb: WORKER_HEAP_MB } });
    let settled = false;
    const finish = (f: () => void): void => {
      if (settled) return;
      settled = true;
      f();
      void worker.terminate();
    };
    worker.on('message', (m: FromWorker) => {
      if (m.type === 'dataInfo') finish(() => resolve(m.result));
      else if (m.type === 'error') finish(() => reject(new Error(m.message)));
    });
    worker.on('error', (e) => finish(() => reject(new Error(workerFailure(e, `reading ${data}`)))));
    worker.on('exit', (code) => finish(() => reject(new Error(`reading ${data} failed: the data worker exited (${code})`))));
    worker.postMessage({ type: 'dataInfo', data, join, space: space.id, declaration: space.declaration } satisfies ToWorker);
  });
}
