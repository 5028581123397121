/**
 * Language-server robustness (hardening issue): training parameters are validated before any work starts,
 * dele/dataInfo reads user files in a worker thread with a size guard, and the cancel notification takes no params.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before } from 'node:test';
import type { DataInfoResult, StatusResult, TrainParams, TrainResult } from '../../src/protocol/lsp';
import { MAX_DATA_FILE_MB } from '../../src/server/panelData';
import { describe, it, ROOT, startSession, type TestSession, TINY_TRAINING } from './lspClient';

const VALID: TrainParams = TINY_TRAINING;

describe('language server robustness', () => {
  let s: TestSession;
  let tmp: string;
  before(async () => {
    s = await startSession();
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'dele-robust-'));
  });
  after(async () => {
    await s.close();
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  const invalid: [string, Record<string, unknown>, RegExp][] = [
    ['a bogus preset', { preset: 'bogus' }, /^invalid training parameters: preset must be one of cpu, paper, tiny, got "bogus"$/],
    ['negative epochs', { epochs: -1 }, /^invalid training parameters: epochs must be an integer >= 1, got -1$/],
    ['fractional pretrainEpochs', { pretrainEpochs: 1.5 }, /^invalid training parameters: pretrainEpochs must be an integer >= 1/],
    ['a ratio of 7', { trainRatio: 7 }, /^invalid training parameters: trainRatio must be a number in \(0, 1\], got 7$/],
    ['an unknown method', { method: 'magic' }, /^invalid training parameters: method must be one of dele, single, vanilla, got "magic"$/],
    ['an unknown encoder', { encoder: 'transformer' }, /^invalid training parameters: encoder must be one of gates, lstm/],
    ['a non-integer seed', { seed: 'x' }, /^invalid training parameters: seed must be an integer/],
    ['experts that are not strings', { experts: [1, 2] }, /^invalid training parameters: experts must be an array of LF column names/],
    ['data that is not a string', { data: 5 }, /^invalid training parameters: data must be/],
    ['an unknown space', { space: 'nb999' }, /^invalid training parameters: space: unknown search space "nb999"$/],
    ['a negative subset seed', { subsetSeed: -2 }, /^invalid training parameters: subsetSeed must be an integer >= 0, got -2$/],
  ];
  for (const [what, patch, message] of invalid) {
    it(`refuses ${what} before starting a worker, and keeps the predictor`, async () => {
      // A cancelled training (another test of this session) leaves an empty predictors/ folder behind: start without one.
      assert.ok(!fs.existsSync(path.join(s.storage, 'predictors', 'nb201')), 'no predictor was trained in this session');
      fs.rmSync(path.join(s.storage, 'predictors'), { recursive: true, force: true });
      const beforeStatus = (await s.client.sendRequest('dele/status')) as StatusResult;
      const progress = s.progress.length;
      const pending = s.client.sendRequest('dele/train', { ...VALID, ...patch }) as Promise<TrainResult>;
      await assert.rejects(pending, (e: Error) => {
        assert.match(e.message, message);
        assert.ok(!e.message.includes('\n'), e.message);
        return true;
      });
      const afterStatus = (await s.client.sendRequest('dele/status')) as StatusResult;
      assert.equal(afterStatus.training, false);
      assert.equal(afterStatus.predictor?.source, 'bundled');
      assert.equal(afterStatus.predictor?.path, beforeStatus.predictor?.path);
      assert.equal(s.progress.length, progress, 'no training progress was started');
      assert.ok(!fs.existsSync(path.join(s.storage, 'predictors')), 'no storage folder appears');
    });
  }

  it('reads a user CSV for dataInfo in a worker thread', async () => {
    // Wrap the worker script so the test sees that a worker ran.
    const marker = path.join(tmp, 'worker-ran');
    const wrapper = path.join(tmp, 'wrapper.cjs');
    fs.writeFileSync(wrapper, `require('node:fs').appendFileSync(${JSON.stringify(marker)}, 'x');\nrequire(${JSON.stringify(path.join(ROOT, 'dist/trainWorker.js'))});\n`);
    const opts = (s.server as unknown as { options: { workerScript: string } }).options;
    const script = opts.workerScript;
    opts.workerScript = wrapper;
    try {
      const info = (await s.client.sendRequest('dele/dataInfo', { data: path.join(ROOT, 'test/fixtures/nb201_sample.csv'), space: 'nb201' })) as DataInfoResult;
      assert.ok(info.archCount > 100, String(info.archCount));
      assert.deepEqual(info.targets, ['val_acc']);
      assert.deepEqual(info.lfs, ['synflow', 'jacov', 'flops']);
      assert.deepEqual(info.defaultExperts, ['synflow', 'jacov', 'flops']);
      assert.ok(fs.existsSync(marker), 'the file was read in a worker');
      // Bundled data stays on the server's thread (cached): no worker.
      fs.rmSync(marker);
      const bundled = (await s.client.sendRequest('dele/dataInfo', { data: 'bundled' })) as DataInfoResult;
      assert.equal(bundled.archCount, 15625);
      assert.ok(!fs.existsSync(marker));
    } finally {
      opts.workerScript = script;
    }
  });

  it('answers dataInfo for a missing file and a bad file with one readable line', async () => {
    const missing = path.join(tmp, 'missing.csv');
    await assert.rejects(s.client.sendRequest('dele/dataInfo', { data: missing }), (e: Error) => {
      assert.equal(e.message, `cannot read ${missing}: no such file`);
      return true;
    });
    const bad = path.join(tmp, 'bad.csv');
    fs.writeFileSync(bad, 'arch,acc\nnot-a-cell,1\n');
    await assert.rejects(s.client.sendRequest('dele/dataInfo', { data: bad }), /bad\.csv:2: invalid architecture/);
  });

  it(`refuses data files over ${MAX_DATA_FILE_MB} MB in dataInfo`, async () => {
    const big = path.join(tmp, 'big.csv');
    fs.writeFileSync(big, 'arch,acc\n');
    fs.truncateSync(big, (MAX_DATA_FILE_MB + 1) * 1024 * 1024); // sparse: no disk used
    const t0 = Date.now();
    await assert.rejects(s.client.sendRequest('dele/dataInfo', { data: big }), (e: Error) => {
      assert.equal(e.message, `${big} is ${MAX_DATA_FILE_MB + 1} MB; data files of at most ${MAX_DATA_FILE_MB} MB can be read here`);
      return true;
    });
    assert.ok(Date.now() - t0 < 2000, 'refused without reading the file');
  });

  it('a cancel notification without params cancels a running training, with no parameter warning', async () => {
    const before = s.notifications.length;
    const pending = s.client.sendRequest('dele/train', { ...VALID, pretrainEpochs: 50, epochs: 20 }) as Promise<TrainResult>;
    await s.waitFor(() => s.notifications.slice(before).some((n) => n.method === 'dele/trainingEpoch'));
    void s.client.sendNotification('dele/cancelTraining');
    const r = await pending;
    assert.equal(r.status, 'cancelled', r.message);
    const st = (await s.client.sendRequest('dele/status')) as StatusResult;
    assert.equal(st.training, false);
    assert.equal(st.predictor?.source, 'bundled');
    const logs = s.notifications.slice(before).filter((n) => n.method === 'window/logMessage').map((n) => (n.params as { message: string }).message);
    assert.ok(!logs.some((m) => m.includes('dele/cancelTraining')), logs.join('\n'));
    assert.ok(!fs.existsSync(path.join(s.storage, 'predictors', 'nb201')));
  });
});

describe('backend selection', () => {
  let hasTfjsNode = true;
  try {
    require.resolve('@tensorflow/tfjs-node');
  } catch {
    hasTfjsNode = false;
  }
  it('--backend tensorflow without tfjs-node falls back to wasm and says so', { skip: hasTfjsNode && 'tfjs-node is installed' }, () => {
    const cell = '|nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+|skip_connect~0|nor_conv_3x3~1|nor_conv_3x3~2|';
    const r = spawnSync(process.execPath, [path.join(ROOT, 'dist/cli.js'), 'predict', '--backend', 'tensorflow', '--model', path.join(ROOT, 'test/fixtures/predictor-tiny'), cell], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stderr, /backend tensorflow requested, but @tensorflow\/tfjs-node is not installed: using wasm/);
  });
});
