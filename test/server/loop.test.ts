import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { after, before } from 'node:test';
import type { CodeLens } from 'vscode-languageserver-protocol';
import { column, loadBundled } from '../../src/data/dataset';
import type { ProposeBatchResult, ResultsSummary, StatusResult, TrainResult } from '../../src/protocol/lsp';
import { describe, it, startSession, type TestSession } from './lspClient';

const URI = 'file:///ws/loop.py';
const CELL = '|nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+|skip_connect~0|nor_conv_3x3~1|nor_conv_3x3~2|';
const FAST = { space: 'nb201', preset: 'tiny', pretrainEpochs: 1, epochs: 10 };

describe('the practitioner’s loop: results file -> Update Predictor -> next batch', () => {
  let s: TestSession;
  let workspace: string;
  let resultsFile: string;
  /** Benchmark cells and their CIFAR-10 accuracy, as a cluster would report them. */
  let truth: { arch: string; acc: number }[];
  before(async () => {
    workspace = fs.mkdtempSync(path.join(os.tmpdir(), 'dele-loop-'));
    resultsFile = path.join(workspace, 'runs', 'nb201.csv');
    s = await startSession({ resultsFiles: { nb201: { file: 'runs/nb201.csv' } } }, { workspace });
    await s.setText(URI, `A = "${CELL}"\n`);
    const ds = loadBundled('nb201');
    const acc = column(ds, 'c10_test_200ep').values;
    truth = Array.from({ length: 40 }, (_, j) => ({ arch: ds.keys[j * 331 + 5]!, acc: acc[j * 331 + 5]! }));
  });
  after(async () => {
    await s.close();
    fs.rmSync(workspace, { recursive: true, force: true });
  });

  const rows = (from: number, to: number): string => truth.slice(from, to).map((t) => `${t.arch},${t.acc}\n`).join('');
  const fresh = (): void => {
    for (const d of ['labels', 'predictors', 'predictor-history']) fs.rmSync(path.join(s.storage, d), { recursive: true, force: true });
    fs.rmSync(path.dirname(resultsFile), { recursive: true, force: true });
  };
  const results = async (): Promise<ResultsSummary> => ((await s.client.sendRequest('dele/results')) as ResultsSummary[])[0]!;
  const lensTitle = async (): Promise<string> => ((await s.client.sendRequest('textDocument/codeLens', { textDocument: { uri: URI } })) as CodeLens[])[0]?.command?.title ?? '';

  it('bad rows get diagnostics at their line; the good rows are labels; the file being watched, an append is seen', async () => {
    fresh();
    assert.match((await results()).error ?? '', /does not exist yet/);
    fs.mkdirSync(path.dirname(resultsFile), { recursive: true });
    fs.writeFileSync(resultsFile, `arch,acc\n${rows(0, 3)}|nor_conv_3x3~0|+|bogus~0|,90\n${truth[3]!.arch},n/a%\n`);
    const r = await results();
    assert.deepEqual([r.labelled, r.problems, r.target, r.kept], [3, 2, 'acc', 0]);
    const uri = pathToFileURL(resultsFile).href;
    const diags = await s.waitFor(() => s.diagnostics.get(uri));
    assert.deepEqual(
      diags.map((d) => [d.range.start.line, d.severity]),
      [
        [4, 1],
        [5, 1],
      ],
    );
    assert.match(diags[1]!.message, /"acc" is "n\/a%", not a decimal number; this row is not used as a label/);
    // The jobs append: the watcher reads the file again and tells the client.
    const seen = s.notifications.length;
    fs.appendFileSync(resultsFile, rows(4, 6));
    await s.waitFor(() => s.notifications.slice(seen).find((n) => n.method === 'dele/resultsChanged' && (n.params as { results: ResultsSummary[] }).results[0]?.labelled === 5), 10_000);
  });

  it('a results file rewritten or emptied loses no label already read', async () => {
    fresh();
    fs.mkdirSync(path.dirname(resultsFile), { recursive: true });
    fs.writeFileSync(resultsFile, `arch,acc\n${rows(0, 8)}`);
    assert.equal((await results()).labelled, 8);
    fs.writeFileSync(resultsFile, `arch,acc\n${truth[0]!.arch},50\n${rows(8, 10)}`);
    const r = await results();
    assert.deepEqual([r.labelled, r.kept], [10, 7]);
    fs.writeFileSync(resultsFile, '');
    assert.deepEqual([(await results()).labelled], [10]);
  });

  it('a declared space names its results file in the space file (results:, relative to it); the setting names the others', async () => {
    const spaceFile = path.join(workspace, 'spaces', 'pair.space.yaml');
    fs.mkdirSync(path.dirname(spaceFile), { recursive: true });
    fs.mkdirSync(path.join(workspace, 'spaces', 'runs'), { recursive: true });
    fs.writeFileSync(path.join(workspace, 'spaces', 'runs', 'pair.jsonl'), '{"arch": "a-b", "top1": 50.5}\n{"arch": "b-b", "top1": 61}\n{"arch": "c-b", "top1": 1}\n');
    await s.setText(pathToFileURL(spaceFile).href, 'name: pair\nkind: sequence\npositions: 2\nchoices: [a, b]\nresults: { file: runs/pair.jsonl }\n', 'yaml');
    const all = (await s.client.sendRequest('dele/results')) as ResultsSummary[];
    const pair = all.find((r) => r.space === 'pair');
    assert.deepEqual(
      pair && [pair.file, pair.target, pair.labelled, pair.problems],
      [path.join(workspace, 'spaces', 'runs', 'pair.jsonl'), 'top1', 2, 1],
    );
    assert.ok(all.some((r) => r.space === 'nb201'));
  });

  it('Update Predictor trains on the labels (step 1 once, then from the cache), lenses change, the next batch excludes labelled cells', async () => {
    fresh();
    fs.mkdirSync(path.dirname(resultsFile), { recursive: true });
    await assert.rejects(s.client.sendRequest('dele/updatePredictor', FAST), /holds 0 labelled architectures; an update needs at least 2/);
    fs.writeFileSync(resultsFile, `arch,acc\n${rows(0, 12)}`);
    const before = await lensTitle();
    const first = (await s.client.sendRequest('dele/updatePredictor', FAST)) as TrainResult;
    assert.equal(first.status, 'completed', first.message);
    assert.equal(first.update?.labelled, 12);
    assert.equal(first.update?.step1Cached, false);
    assert.match(first.update?.pool ?? '', /bundled NAS-Bench-201 table/);
    assert.ok(first.update?.crossValidatedTau !== undefined, 'cross-validated on 12 labels');
    assert.equal(first.history?.replaced, true, first.history?.comparison.text);
    assert.match(first.message, /^updated from 12 labels: step 1 on .* in \d+ s, step 2 in [\d.]+ s; 3-fold cross-validated τ -?\d\.\d{3} \(\d+ s\)$/);
    const status = (await s.client.sendRequest('dele/status')) as StatusResult;
    assert.equal(status.predictors.find((p) => p.space === 'nb201')?.source, 'workspace');
    // The lens of the cell in the open document now shows the updated predictor's value.
    let after = await lensTitle();
    for (let i = 0; i < 100 && after === before; i++) {
      await new Promise((r) => setTimeout(r, 50));
      after = await lensTitle();
    }
    assert.match(before, /^pred \d/);
    assert.match(after, /^pred \d/);
    assert.notEqual(after, before);

    fs.appendFileSync(resultsFile, rows(12, 17));
    const second = (await s.client.sendRequest('dele/updatePredictor', FAST)) as TrainResult;
    assert.equal(second.status, 'completed', second.message);
    assert.deepEqual([second.update?.labelled, second.update?.step1Cached], [17, true]);
    assert.match(second.message, /step 1 from the cache/);

    const batch = (await s.client.sendRequest('dele/proposeBatch', { space: 'nb201', k: 5 })) as ProposeBatchResult;
    assert.equal(batch.batch.length, 5);
    assert.equal(batch.excluded, 17);
    assert.equal(batch.method, 'enumerate');
    const labelled = new Set(truth.slice(0, 17).map((t) => t.arch));
    for (const b of batch.batch) assert.ok(!labelled.has(b.arch), `${b.arch} is labelled`);
    // Labelling the batch moves the next one on.
    fs.appendFileSync(resultsFile, batch.batch.map((b) => `${b.arch},90\n`).join(''));
    const next = (await s.client.sendRequest('dele/proposeBatch', { space: 'nb201', k: 5 })) as ProposeBatchResult;
    assert.equal(next.excluded, 22);
    for (const b of next.batch) assert.ok(!batch.batch.some((x) => x.arch === b.arch));
  });
});
