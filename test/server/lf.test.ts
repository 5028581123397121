/**
 * "DELE: Compute Low-Fidelity Measures…" over LSP: the workspace's architectures (open documents and listed
 * files) or a sample, computed in worker threads with cancellable progress, written as a CSV, listed in hovers,
 * and joinable with ground truth for training.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { after, before } from 'node:test';
import type { Hover } from 'vscode-languageserver-protocol';
import { loadBundled } from '../../src/data/dataset';
import type { ComputeLfResult, DataInfoResult, SpaceInfo, StatusResult, TrainResult } from '../../src/protocol/lsp';
import { describe, it, startSession, type TestSession } from './lspClient';

const OPEN_CELL = '|nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+|skip_connect~0|nor_conv_3x3~1|nor_conv_3x3~2|';
const FILE_CELL = '|none~0|+|none~0|none~1|+|none~0|none~1|none~2|';
const torchProbe = spawnSync('/usr/bin/python3', ['-c', 'import torch']);
const NO_TORCH = torchProbe.status === 0 ? undefined : '/usr/bin/python3 -c "import torch" failed: the PyTorch test needs torch';
if (NO_TORCH) process.stdout.write(`# skipping the PyTorch test: ${NO_TORCH}\n`);

describe('LF measures from the editor', () => {
  let s: TestSession;
  let ws: string;
  let uri: string;

  before(async () => {
    ws = fs.mkdtempSync(path.join(os.tmpdir(), 'dele-lf-'));
    fs.writeFileSync(path.join(ws, 'more.py'), `other = "${FILE_CELL}"\n`);
    s = await startSession({}, { workspace: ws });
    uri = pathToFileURL(path.join(ws, 'open.py')).href;
  });
  after(async () => {
    await s.close();
    fs.rmSync(ws, { recursive: true, force: true });
  });

  const hoverText = async (line: number, character: number): Promise<string> => {
    const h = (await s.client.sendRequest('textDocument/hover', { textDocument: { uri }, position: { line, character } })) as Hover | null;
    return JSON.stringify(h?.contents ?? '');
  };

  it('lists the measures of the spaces whose networks it builds', async () => {
    const spaces = (await s.client.sendRequest('dele/spaces')) as SpaceInfo[];
    const by = (id: string): SpaceInfo | undefined => spaces.find((x) => x.id === id);
    assert.ok(by('nb201')?.lfMeasures?.some((m) => m.id === 'jacov' && m.byDefault));
    assert.ok(by('nb301')?.lfMeasures?.some((m) => m.id === 'synflow'));
    assert.deepEqual(by('nb101')?.lfMeasures?.map((m) => m.id), ['flops', 'params'], 'NB101: closed form only');
    assert.equal(by('tnb101-micro')?.lfMeasures, undefined);
    // The user's PyTorch model: every space; of the newer proxies, those that earned it by default (bench:lf-newer);
    // none of them on a built-in network.
    for (const sp of spaces) {
      const py = sp.pythonLfMeasures ?? [];
      const byDefault = (id: string): boolean | undefined => py.find((m) => m.id === id)?.byDefault;
      assert.deepEqual(['jacov', 'zico', 'az_trainability', 'meco', 'swap', 'plain'].map(byDefault), [true, true, true, false, false, false], sp.id);
      assert.match(py.find((m) => m.id === 'zico')?.description ?? '', /ZiCo/);
    }
    assert.ok(!by('nb201')?.lfMeasures?.some((m) => m.id === 'zico' || m.id === 'meco'));
  });

  it('computes the workspace architectures with progress, writes the CSV and lists the values in the hover', async () => {
    await s.setText(uri, `cell = "${OPEN_CELL}"\n`);
    assert.doesNotMatch(await hoverText(0, 10), /Low-fidelity/);
    const out = path.join(ws, 'lf-nb201.csv');
    const before = s.progress.length;
    const r = (await s.client.sendRequest('dele/computeLf', {
      space: 'nb201',
      measures: ['flops', 'params', 'nwot'],
      source: { kind: 'workspace', files: [path.join(ws, 'more.py'), path.join(ws, 'missing.py')] },
      out,
      jobs: 2,
    })) as ComputeLfResult;
    assert.equal(r.status, 'completed', r.message);
    assert.equal(r.archs, 2);
    assert.equal(r.computed, 2);
    const lines = fs.readFileSync(out, 'utf8').trim().split('\n');
    assert.equal(lines[0], 'arch,flops,params,nwot');
    assert.ok(lines[1]?.startsWith(`${OPEN_CELL},`) && lines[2]?.startsWith(`${FILE_CELL},7.943872,0.073306,`), lines.join('\n'));
    const kinds = s.progress.slice(before).map((p) => (p as { value: { kind: string } }).value.kind);
    assert.deepEqual([kinds[0], kinds.at(-1)], ['begin', 'end']);
    assert.ok(kinds.includes('report'));
    assert.match(await hoverText(0, 10), /Low-fidelity measures computed here: flops 187\.04 · params 1\.2885 · nwot \d+/);
  });

  it('the CSV joins a ground-truth file for training (data info sees both)', async () => {
    // Its own CSV in the form dele/computeLf writes (the test above checks that form): no test depends on another's files.
    const lf = path.join(ws, 'lf-join.csv');
    fs.writeFileSync(lf, `arch,flops,params,nwot\n${OPEN_CELL},187.04,1.2885,2000\n${FILE_CELL},7.943872,0.073306,1500\n`);
    const truth = path.join(ws, 'truth.csv');
    fs.writeFileSync(truth, `arch,val_acc\n"${OPEN_CELL}",94.1\n"${FILE_CELL}",10\n`);
    const info = (await s.client.sendRequest('dele/dataInfo', { data: truth, space: 'nb201', join: [lf] })) as DataInfoResult;
    assert.equal(info.archCount, 2);
    assert.deepEqual(info.targets, ['val_acc']);
    assert.deepEqual(info.lfs, ['flops', 'params', 'nwot']);
    await assert.rejects(s.client.sendRequest('dele/dataInfo', { data: truth, space: 'nb201', join: [path.join(ws, 'nope.csv')] }), /no such file/);
  });

  it('training joins the computed measures with a ground-truth file and uses them as experts', async () => {
    const out = path.join(ws, 'lf-sample.csv');
    const r = (await s.client.sendRequest('dele/computeLf', { space: 'nb201', measures: ['flops', 'params'], source: { kind: 'sample', count: 24, seed: 2 }, out })) as ComputeLfResult;
    assert.equal(r.status, 'completed', r.message);
    const bench = loadBundled('nb201');
    const acc = bench.columns.find((c) => c.name === 'c10_test_200ep')?.values;
    const rows = fs.readFileSync(out, 'utf8').trim().split('\n').slice(1).map((l) => l.split(',')[0] as string);
    const truth = path.join(ws, 'truth-sample.csv');
    fs.writeFileSync(truth, `arch,val_acc\n${rows.map((a) => `${a},${acc?.[bench.keys.indexOf(a)]}`).join('\n')}\n`);
    const t = (await s.client.sendRequest('dele/train', { data: truth, join: [out], target: 'val_acc', method: 'dele', encoder: 'gates', trainRatio: 1, experts: ['flops', 'params'], preset: 'tiny', pretrainEpochs: 1, epochs: 2 })) as TrainResult;
    assert.equal(t.status, 'completed', t.message);
    // Measured on other data than the active predictor: not comparable, so proposed; dele/usePredictor confirms.
    assert.equal(t.history?.comparison.verdict, 'incomparable', t.history?.comparison.text);
    await s.client.sendRequest('dele/usePredictor', { space: 'nb201', entry: t.history?.entry });
    const st = (await s.client.sendRequest('dele/status')) as StatusResult;
    assert.deepEqual(st.predictor?.experts, ['flops', 'params']);
    assert.match(st.predictor?.dataSource ?? '', /truth-sample\.csv\+.*lf-sample\.csv/);
  });

  it('cancel stops the workers, keeps what finished in the cache and writes no CSV', async () => {
    const out = path.join(ws, 'cancelled.csv');
    const before = s.progress.length;
    const pending = s.client.sendRequest('dele/computeLf', { space: 'nb201', measures: ['jacov'], source: { kind: 'sample', count: 40, seed: 9 }, out, jobs: 1 }) as Promise<ComputeLfResult>;
    const begin = await s.waitFor(() => s.progress.slice(before).find((p) => (p as { value: { kind: string } }).value.kind === 'report') as { token: string } | undefined);
    void s.client.sendNotification('window/workDoneProgress/cancel', { token: begin.token });
    const r = await pending;
    assert.equal(r.status, 'cancelled', r.message);
    assert.ok(r.computed >= 1 && r.computed < 40, r.message);
    assert.ok(!fs.existsSync(out));
    // Running again resumes: what finished comes from the cache.
    const again = (await s.client.sendRequest('dele/computeLf', { space: 'nb201', measures: ['jacov'], source: { kind: 'sample', count: r.computed, seed: 9 }, out, jobs: 1 })) as ComputeLfResult;
    assert.equal(again.status, 'completed', again.message);
    assert.ok(again.cached >= 1, again.message);
  });

  it('refuses bad requests with a readable error and starts nothing', async () => {
    const out = path.join(ws, 'x.csv');
    const bad: [unknown, RegExp][] = [
      [{ space: 'tnb101-micro', source: { kind: 'sample', count: 2 }, out }, /can be computed for nb201, nb301, nb101/],
      [{ space: 'nb201', source: { kind: 'sample', count: 2 }, out: 'relative.csv' }, /absolute path/],
      [{ space: 'nb201', measures: ['flops', 'zen'], source: { kind: 'sample', count: 2 }, out }, /measures must be/],
      [{ space: 'nb201', source: { kind: 'sample', count: 0 }, out }, /sample size/],
      [{ space: 'nb201', source: { kind: 'sample', count: 2 }, out, jobs: 0 }, /jobs must be/],
      [{ space: 'nb201', out }, /source must be \{ kind: "workspace"/],
      [{ space: 'nb201', source: { kind: 'workspace', files: 'archs.py' }, out }, /source must be .* got \{"kind":"workspace","files":"archs.py"\}/],
      [{ space: 'nb201', source: { kind: 'workspace', files: ['relative.py'] }, out }, /source must be/],
    ];
    for (const [params, msg] of bad) await assert.rejects(s.client.sendRequest('dele/computeLf', params), msg);
    assert.ok(!fs.existsSync(out));
  });

  it('refuses a PyTorch request whose builder is not MODULE:FUNCTION', async () => {
    const out = path.join(ws, 'x.csv');
    await assert.rejects(s.client.sendRequest('dele/computeLf', { space: 'tnb101-micro', source: { kind: 'sample', count: 2 }, out, python: { builder: 'model.py', interpreter: 'python3' } }), /builder must be MODULE:FUNCTION .*got "model\.py"/);
    await assert.rejects(s.client.sendRequest('dele/computeLf', { space: 'tnb101-micro', source: { kind: 'sample', count: 2 }, out, python: { builder: 'm:f', interpreter: 'python3' }, measures: ['relu_count'] }), /measures must be distinct ids among flops, params, l2_norm/);
    assert.ok(!fs.existsSync(out));
  });

  it('a PyTorch request with an interpreter without torch fails with the install hint and writes nothing', { skip: spawnSync('python3', ['--version']).status === 0 ? false : 'no python3 on PATH' }, async () => {
    const python = path.join(ws, 'python-without-site');
    fs.writeFileSync(python, '#!/bin/sh\nexec python3 -S "$@"\n', { mode: 0o755 });
    const out = path.join(ws, 'no-torch.csv');
    const r = (await s.client.sendRequest('dele/computeLf', { space: 'tnb101-micro', source: { kind: 'sample', count: 2 }, out, python: { builder: 'model:build', interpreter: python, cwd: ws } })) as ComputeLfResult;
    assert.equal(r.status, 'failed');
    assert.match(r.message, /PyTorch is not installed .*pip install torch.*apt-get install python3-torch/);
    assert.ok(!fs.existsSync(out));
  });

  it('computes a space without a built-in network on the user\'s PyTorch model', { skip: NO_TORCH ?? false }, async () => {
    fs.writeFileSync(path.join(ws, 'any_space_model.py'), 'from torch import nn\ndef build(arch):\n    w = 4 + len(arch) % 5\n    return nn.Sequential(nn.Conv2d(3, w, 3, padding=1), nn.ReLU(), nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(w, 10))\n');
    const out = path.join(ws, 'lf-tnb-python.csv');
    const r = (await s.client.sendRequest('dele/computeLf', { space: 'tnb101-micro', measures: ['params', 'snip'], source: { kind: 'sample', count: 3, seed: 1 }, out, python: { builder: 'any_space_model:build', interpreter: '/usr/bin/python3', cwd: ws } })) as ComputeLfResult;
    assert.equal(r.status, 'completed', r.message);
    assert.equal(r.computed, 3);
    const lines = fs.readFileSync(out, 'utf8').trim().split('\n');
    assert.equal(lines[0], 'arch,params,snip');
    assert.equal(lines.length, 4);
    for (const l of lines.slice(1)) assert.match(l, /^[^,]+,0\.000\d+,\d/);
  });
});
