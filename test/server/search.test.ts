/**
 * "DELE: Propose Top Architectures…" and the side bar's rankings over LSP: `dele/search` (enumeration or
 * evolution by the space's predictor, progress, cancel, one at a time, readable refusals) and
 * `dele/workspaceArchitectures` (open documents and files on disk, with ranges, best first).
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { after, before } from 'node:test';
import type { SearchResponse, WorkspaceArchitecturesResult } from '../../src/protocol/lsp';
import { nb201Space } from '../../src/space/nb201';
import { describe, it, startSession, type TestSession } from './lspClient';

const CELL_A = '|nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+|skip_connect~0|nor_conv_3x3~1|nor_conv_3x3~2|';
const CELL_B = '|avg_pool_3x3~0|+|skip_connect~0|avg_pool_3x3~1|+|avg_pool_3x3~0|skip_connect~1|skip_connect~2|';
const CELL_C = '|none~0|+|none~0|none~1|+|none~0|none~1|none~2|';
const OPS = "ops: ['nor_conv_1x1', 'skip_connect', 'avg_pool_3x3', 'none', 'nor_conv_1x1', 'skip_connect']";

type Progress = { token: string; value: { kind: string; message?: string; percentage?: number; cancellable?: boolean } };

describe('proposals and workspace rankings', () => {
  let s: TestSession;
  let ws: string;
  let openUri: string;

  before(async () => {
    ws = fs.mkdtempSync(path.join(os.tmpdir(), 'dele-search-'));
    // On disk only: two cells, the second one on line 3.
    fs.writeFileSync(path.join(ws, 'disk.py'), `a = "${CELL_B}"\n\n# the empty cell\nb = "${CELL_C}"\n`);
    // Open, with different text on disk: the open text wins.
    fs.writeFileSync(path.join(ws, 'open.py'), `stale = "${CELL_C}"\n`);
    s = await startSession({}, { workspace: ws });
    openUri = pathToFileURL(path.join(ws, 'open.py')).href;
    await s.setText(openUri, `# candidates\nbest = "${CELL_A}"\n${OPS}\n`);
  });
  after(async () => {
    await s.close();
    fs.rmSync(ws, { recursive: true, force: true });
  });

  const search = (params: unknown): Promise<SearchResponse> => s.client.sendRequest('dele/search', params) as Promise<SearchResponse>;
  const progressOf = (from: number): Progress[] => s.progress.slice(from) as Progress[];

  it('enumerates NB201 and returns distinct proposals with predictions, expert weights and true values, with progress', async () => {
    const before = s.progress.length;
    const r = await search({ top: 10 });
    assert.equal(r.space, 'nb201');
    assert.equal(r.method, 'enumerate');
    assert.equal(r.evaluated, 15_625);
    assert.equal(r.cancelled, false);
    assert.equal(r.proposals.length, 10);
    assert.equal(new Set(r.proposals.map((p) => p.arch)).size, 10, 'distinct');
    for (const [i, p] of r.proposals.entries()) {
      assert.ok(nb201Space.parse(p.arch).ok, p.arch);
      assert.equal(p.text, p.arch, 'no document form: the key, which is NB201 syntax');
      assert.ok(Number.isFinite(p.predicted));
      assert.ok(p.trueAccuracy !== undefined && p.trueAccuracy > 0 && p.trueAccuracy < 100, JSON.stringify(p));
      assert.ok(p.experts.length >= 2 && Math.abs(p.experts.reduce((a, e) => a + e.weight, 0) - 1) < 1e-3, JSON.stringify(p.experts));
      if (i > 0) assert.ok(p.predicted <= (r.proposals[i - 1]?.predicted ?? Infinity), 'best first');
    }
    assert.ok((r.proposals[0]?.percentile ?? 0) >= 99.9, `the best of the space: percentile ${r.proposals[0]?.percentile}`);
    assert.match(r.message, /all 15,625 NAS-Bench-201 architectures ranked/);
    const kinds = progressOf(before).map((p) => p.value.kind);
    assert.equal(kinds[0], 'begin');
    assert.equal(kinds.at(-1), 'end');
    assert.ok(kinds.includes('report'), kinds.join());
    assert.equal(progressOf(before)[0]?.value.cancellable, true);
  });

  it('evolution with a budget is seeded: the same seed gives the same proposals, within the budget', async () => {
    const a = await search({ top: 5, budget: 400, seed: 3 });
    const b = await search({ top: 5, budget: 400, seed: 3 });
    assert.equal(a.method, 'evolution');
    assert.ok(a.evaluated <= 400 && a.evaluated >= 300, String(a.evaluated));
    assert.deepEqual(a.proposals.map((p) => p.arch), b.proposals.map((p) => p.arch));
    assert.match(a.message, /regularised evolution .*budget 400, seed 3/);
  });

  it('from the architecture at the cursor: proposals are written in its form, the document\'s own left out', async () => {
    const r = await search({ top: 5, budget: 300, from: { uri: openUri, position: { line: 2, character: 8 } }, excludeDocument: openUri });
    assert.equal(r.from, '|nor_conv_1x1~0|+|skip_connect~0|avg_pool_3x3~1|+|none~0|nor_conv_1x1~1|skip_connect~2|');
    assert.equal(r.proposals.length, 5);
    for (const p of r.proposals) {
      assert.match(p.text, /^ops: \['\w+', '\w+', '\w+', '\w+', '\w+', '\w+'\]$/, 'the op-list form');
      assert.notEqual(p.arch, CELL_A);
      assert.notEqual(p.arch, r.from);
    }
    // The whole space ranked: the document's conv-heavy cell is among the best 1,000, and left out on request.
    const all = await search({ top: 1000 });
    assert.ok(all.proposals.some((p) => p.arch === CELL_A));
    const without = await search({ top: 1000, excludeDocument: openUri });
    assert.equal(without.evaluated, 15_625 - 2);
    assert.equal(without.proposals.length, 1000);
    assert.ok(!without.proposals.some((p) => p.arch === CELL_A || p.arch === r.from));
  });

  it('cancel (from the progress) returns the best found so far, marked cancelled', async () => {
    const before = s.progress.length;
    const pending = search({ top: 3, budget: 15_000, seed: 1 });
    const report = await s.waitFor(() => progressOf(before).find((p) => p.value.kind === 'report'));
    void s.client.sendNotification('window/workDoneProgress/cancel', { token: report.token });
    const r = await pending;
    assert.equal(r.cancelled, true);
    assert.ok(r.evaluated < 15_000, String(r.evaluated));
    assert.match(r.message, /^cancelled/);
    assert.equal(progressOf(before).at(-1)?.value.kind, 'end');
  });

  it('refuses a second search while one runs, then searches again', async () => {
    const before = s.progress.length;
    const first = search({ top: 3, budget: 15_000, seed: 2 });
    await assert.rejects(search({ top: 3 }), /a search is already running/);
    const report = await s.waitFor(() => progressOf(before).find((p) => p.value.kind === 'report'));
    void s.client.sendNotification('window/workDoneProgress/cancel', { token: report.token });
    assert.equal((await first).cancelled, true);
    assert.equal((await search({ top: 1, budget: 50 })).proposals.length, 1);
  });

  it('answers status, lenses and hovers while a search runs', async () => {
    const before = s.progress.length;
    let searchDone = false;
    const pending = search({ top: 3, budget: 15_000, seed: 5 }).then((r) => {
      searchDone = true;
      return r;
    });
    const report = await s.waitFor(() => progressOf(before).find((p) => p.value.kind === 'report'));
    const status = (await s.client.sendRequest('dele/status')) as { predictor: unknown };
    const lenses = (await s.client.sendRequest('textDocument/codeLens', { textDocument: { uri: openUri } })) as unknown[];
    const hover = await s.client.sendRequest('textDocument/hover', { textDocument: { uri: openUri }, position: { line: 1, character: 12 } });
    assert.equal(searchDone, false, 'the search was still running when the requests were answered');
    assert.ok(status.predictor);
    assert.equal(lenses.length, 2);
    assert.ok(hover);
    void s.client.sendNotification('window/workDoneProgress/cancel', { token: report.token });
    assert.equal((await pending).cancelled, true);
  });

  it('refuses bad params and spaces without a predictor with a readable error', async () => {
    const bad: [unknown, RegExp][] = [
      [null, /params must be an object/],
      [{ top: 0 }, /top must be an integer from 1 to 1000/],
      [{ top: 'ten' }, /top must be/],
      [{ top: 5, budget: 0 }, /budget must be an integer from 1/],
      [{ top: 5, seed: 1.5 }, /seed must be an integer/],
      [{ top: 5, space: 'nope' }, /unknown search space "nope"/],
      [{ top: 5, from: { arch: '|conv~0|' } }, /from: not a valid NAS-Bench-201 architecture/],
      [{ top: 5, from: { uri: openUri, position: { line: 0, character: 0 } } }, /from: no valid architecture at line 1, column 1/],
      [{ top: 5, from: { uri: 'file:///nowhere.py', position: { line: 0, character: 0 } } }, /is not an open document/],
      [{ top: 5, from: 'x' }, /from must be/],
      [{ top: 5, space: 'tnb101-micro' }, /no predictor for TransNAS-Bench-101 micro.*Train Predictor/],
    ];
    for (const [params, msg] of bad) await assert.rejects(search(params), msg, JSON.stringify(params));
  });

  it('lists the workspace architectures across files (open text first), with ranges, best first', async () => {
    const r = (await s.client.sendRequest('dele/workspaceArchitectures', {
      files: [path.join(ws, 'disk.py'), path.join(ws, 'open.py'), path.join(ws, 'missing.py')],
    })) as WorkspaceArchitecturesResult;
    assert.equal(r.truncated, false);
    assert.deepEqual(r.notes, ['1 file could not be read']);
    const diskUri = pathToFileURL(path.join(ws, 'disk.py')).href;
    const got = r.archs.map((a) => ({ uri: a.location.uri, arch: a.arch, line: a.location.range.start.line, ch: a.location.range.start.character, end: a.location.range.end.character }));
    const expected = [
      { uri: openUri, arch: CELL_A, line: 1, ch: 8, end: 8 + CELL_A.length },
      { uri: openUri, arch: '|nor_conv_1x1~0|+|skip_connect~0|avg_pool_3x3~1|+|none~0|nor_conv_1x1~1|skip_connect~2|', line: 2, ch: 0, end: OPS.length },
      { uri: diskUri, arch: CELL_B, line: 0, ch: 5, end: 5 + CELL_B.length },
      { uri: diskUri, arch: CELL_C, line: 3, ch: 5, end: 5 + CELL_C.length },
    ];
    const key = (x: { uri: string; line: number }): string => `${x.uri}:${x.line}`;
    assert.deepEqual([...got].sort((a, b) => key(a).localeCompare(key(b))), [...expected].sort((a, b) => key(a).localeCompare(key(b))));
    for (let i = 1; i < r.archs.length; i++) assert.ok((r.archs[i]?.predicted ?? 0) <= (r.archs[i - 1]?.predicted ?? 0), 'best first');
    const a = r.archs.find((x) => x.arch === CELL_A);
    assert.equal(a?.space, 'nb201');
    assert.equal(a?.spaceTitle, 'NAS-Bench-201');
    assert.ok(a?.trueAccuracy !== undefined && a.experts.length >= 2);
    // The stale disk text of the open file is not listed; a file changed on disk is read again.
    assert.ok(!r.archs.some((x) => x.location.uri === openUri && x.arch === CELL_C));
    fs.writeFileSync(path.join(ws, 'disk.py'), `only = "${CELL_A}"\n`);
    const again = (await s.client.sendRequest('dele/workspaceArchitectures', { files: [path.join(ws, 'disk.py')] })) as WorkspaceArchitecturesResult;
    assert.deepEqual(again.archs.filter((x) => x.location.uri === diskUri).map((x) => x.arch), [CELL_A]);
    assert.equal(again.files, 2);
  });
});
