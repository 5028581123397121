/**
 * `dele lf --python MODULE:FUNCTION`: python/dele_lf.py run with the user's interpreter on their own builder.
 * The missing-torch and missing-interpreter paths run everywhere (CI has no torch); the tests that compute need
 * `/usr/bin/python3 -c "import torch"` and are skipped, with the reason printed, when it fails.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { LfCache } from '../../src/lf/cache';
import { symmetricEigenvalues } from '../../src/lf/batch/linalg';
import { imageBatch } from '../../src/lf/images';
import { DEFAULT_LF_SETTINGS } from '../../src/lf/measures';
import { builderProblem, PythonLfError, runPythonLf } from '../../src/lf/python/runner';

const CLI = path.resolve(__dirname, '../../dist/cli.js');
const EXAMPLE = path.resolve(__dirname, '../../examples/pytorch-nb201');
const PY = '/usr/bin/python3';
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'dele-pylf-'));
const BEST = '|nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+|skip_connect~0|nor_conv_3x3~1|nor_conv_3x3~2|';
const WORST = '|none~0|+|none~0|none~1|+|none~0|none~1|none~2|';

const hasPython = spawnSync('python3', ['--version']).status === 0;
const torchProbe = spawnSync(PY, ['-c', 'import torch'], { encoding: 'utf8' });
const NO_TORCH = torchProbe.status === 0 ? undefined : `${PY} -c "import torch" failed (${(torchProbe.stderr ?? torchProbe.error?.message ?? '').trim().split('\n').at(-1)}): the tests that compute need PyTorch`;
if (NO_TORCH) process.stdout.write(`# skipping the PyTorch tests: ${NO_TORCH}\n`);

/** A real interpreter without torch anywhere: python3 without its site-packages (-S). */
function pythonWithoutTorch(): string {
  const f = path.join(tmp, 'python-without-site');
  fs.writeFileSync(f, '#!/bin/sh\nexec python3 -S "$@"\n', { mode: 0o755 });
  return f;
}

/** A builder module in its own folder: width-N conv nets, and one architecture that raises, one that sleeps. */
function toyBuilder(dir: string, extra = ''): void {
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(
    path.join(dir, 'toy_model.py'),
    `import time
import torch
from torch import nn
${extra}
def build(arch):
    print('{"type": "result", "id": 1, "values": {}}')  # a chatty builder: its prints must not be taken for answers
    if arch == 'boom':
        raise ValueError('no network for boom')
    if arch == 'slow':
        time.sleep(60)
    if arch == 'relu':  # one ReLU on the images: its units are the pixels
        return nn.Sequential(nn.ReLU())
    if arch == 'identity':  # the Gaussian input itself, seen by two modules
        return nn.Sequential(nn.Identity())
    if arch == 'zero-linear':  # a zero linear classifier on a constant: gradients with a closed form in the labels
        class Constant(nn.Module):
            def forward(self, x):
                return torch.linspace(0.5, 1.5, 16).expand(x.shape[0], 16)
        net = nn.Sequential(Constant(), nn.Linear(16, 10, bias=False))
        nn.init.zeros_(net[1].weight)
        return net
    if arch == 'pool':  # AZ-NAS blocks with known outputs: the images, then their 2x2 averages
        return nn.Sequential(nn.Identity(), nn.AvgPool2d(2))
    w = int(arch)
    return nn.Sequential(nn.Conv2d(3, w, 3, padding=1, bias=False), nn.BatchNorm2d(w), nn.ReLU(), nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(w, 10))
`,
  );
}

const toyJob = (key: string): { key: string; arch: string } => ({ key, arch: key });
const toyOptions = (dir: string, cache: LfCache) => ({ python: PY, builder: 'toy_model:build', cwd: dir, space: 'toy', measures: ['flops', 'params', 'synflow', 'nwot', 'snip'], settings: { ...DEFAULT_LF_SETTINGS, batch: 8 }, jobs: 1, cache });

describe('dele lf --python without PyTorch', () => {
  it('says once that torch is missing, with the install hint, and exits with code 2 (no CSV)', { skip: hasPython ? false : 'no python3 on PATH' }, () => {
    const out = path.join(tmp, 'no-torch.csv');
    const r = spawnSync(process.execPath, [CLI, 'lf', '--space', 'nb201', '--python', 'nb201_model:build_model', '--python-path', pythonWithoutTorch(), '--sample', '2', '--no-cache', '--out', out], { encoding: 'utf8', cwd: EXAMPLE, timeout: 60_000 });
    assert.equal(r.status, 2, r.stderr);
    const lines = r.stderr.split('\n').filter((l) => /torch/i.test(l) && !l.startsWith('dele lf: 2 nb201'));
    assert.equal(lines.length, 1, r.stderr);
    assert.match(lines[0] as string, /PyTorch is not installed .*pip install torch.*apt-get install python3-torch/);
    assert.equal(fs.existsSync(out), false);
  });

  it('names the interpreter it cannot run and the setting that picks another', async () => {
    await assert.rejects(
      runPythonLf([toyJob('8')], { ...toyOptions(tmp, new LfCache()), python: path.join(tmp, 'no-such-python') }),
      (e: Error) => e instanceof PythonLfError && /cannot run the Python interpreter .*no-such-python.*dele\.pythonPath/.test(e.message),
    );
  });

  it('refuses a builder that is not MODULE:FUNCTION before starting anything', () => {
    assert.equal(builderProblem('pkg.models:build_model'), undefined);
    assert.match(builderProblem('pkg/models.py') ?? '', /MODULE:FUNCTION/);
    const r = spawnSync(process.execPath, [CLI, 'lf', '--space', 'nb201', '--python', 'models.py', '--sample', '2', '--no-cache', '--out', path.join(tmp, 'x.csv')], { encoding: 'utf8', timeout: 60_000 });
    assert.equal(r.status, 2);
    assert.match(r.stderr, /--python: the builder must be MODULE:FUNCTION/);
  });
});

describe('the newer proxies are PyTorch-only', () => {
  it('dele lf without --python refuses them and says where they are computed', () => {
    const r = spawnSync(process.execPath, [CLI, 'lf', '--space', 'nb201', '--measures', 'flops,zico', '--sample', '2', '--no-cache', '--out', path.join(tmp, 'tfjs.csv')], { encoding: 'utf8', timeout: 60_000 });
    assert.equal(r.status, 2, r.stderr);
    assert.match(r.stderr, /--measures: zico is computed on a PyTorch model only \(--python MODULE:FUNCTION\)/);
    assert.equal(fs.existsSync(path.join(tmp, 'tfjs.csv')), false);
  });
});

describe('dele lf --python with PyTorch', { skip: NO_TORCH ?? false }, () => {
  it('computes every architecture, gives a raising builder an error row, and answers a re-run from the cache', async () => {
    const dir = path.join(tmp, 'toy');
    toyBuilder(dir);
    const cacheFile = path.join(tmp, 'toy-cache.jsonl');
    const first = await runPythonLf(['8', 'boom', '16'].map(toyJob), toyOptions(dir, new LfCache(cacheFile)));
    assert.equal(first.computed, 2);
    assert.deepEqual(first.failed.map((f) => f.key), ['boom']);
    assert.match(first.failed[0]?.message ?? '', /ValueError: no network for boom \(toy_model\.py:\d+\)/);
    // Conv 3*3*3*8*32*32 + BN 2*8*1024 + ReLU 8*1024 + adaptive pool 8*33*33 + linear 80, in millions.
    assert.equal(first.values.get('8')?.flops, (221184 + 16384 + 8192 + 8 * 33 * 33 + 80) / 1e6);
    assert.equal(first.values.get('8')?.params, (216 + 16 + 90) / 1e6);
    for (const m of ['synflow', 'nwot', 'snip']) assert.ok(Number.isFinite(first.values.get('16')?.[m]), `${m}: ${first.values.get('16')?.[m]}`);
    assert.ok((first.values.get('16')?.snip as number) !== (first.values.get('8')?.snip as number));
    const again = await runPythonLf(['8', '16'].map(toyJob), toyOptions(dir, new LfCache(cacheFile)));
    assert.deepEqual([again.computed, again.cached], [0, 2]);
    assert.deepEqual(again.values.get('16'), first.values.get('16'));
  });

  it('recomputes when the builder file changes (its hash is part of the cache key)', async () => {
    const dir = path.join(tmp, 'toy-edit');
    toyBuilder(dir);
    const cacheFile = path.join(tmp, 'toy-edit-cache.jsonl');
    const a = await runPythonLf([toyJob('8')], toyOptions(dir, new LfCache(cacheFile)));
    toyBuilder(dir, '# edited');
    const b = await runPythonLf([toyJob('8')], toyOptions(dir, new LfCache(cacheFile)));
    assert.deepEqual([a.computed, b.computed, b.cached], [1, 1, 0]);
  });

  it('cancel kills the process at once and keeps what was computed', async () => {
    const dir = path.join(tmp, 'toy-cancel');
    toyBuilder(dir);
    const abort = new AbortController();
    const t0 = Date.now();
    const r = await runPythonLf(['8', 'slow', '16'].map(toyJob), {
      ...toyOptions(dir, new LfCache()),
      signal: abort.signal,
      onProgress: (p) => {
        if (p.key === '8') abort.abort();
      },
    });
    assert.equal(r.cancelled, true);
    assert.equal(r.computed, 1);
    assert.ok(Date.now() - t0 < 30_000, 'the sleeping builder was not waited for');
  });

  it('SWAP counts the distinct sign patterns of the ReLU units over the batch (exact, beyond 62 images too)', async () => {
    const dir = path.join(tmp, 'toy-swap');
    toyBuilder(dir);
    for (const batch of [8, 64, 70]) {
      const r = await runPythonLf([toyJob('relu')], { ...toyOptions(dir, new LfCache()), measures: ['swap'], settings: { ...DEFAULT_LF_SETTINGS, batch } });
      // Independently: each pixel's pattern is the string of its signs over the batch's images.
      const b = imageBatch(batch, DEFAULT_LF_SETTINGS.seed);
      const units = b.images.length / batch;
      const patterns = new Set<string>();
      for (let u = 0; u < units; u++) patterns.add(Array.from({ length: batch }, (_, k) => ((b.images[k * units + u] as number) > 0 ? '1' : '0')).join(''));
      assert.equal(r.values.get('relu')?.swap, patterns.size, `batch ${batch}`);
    }
  });

  it('MeCo sums the smallest eigenvalue of the channel correlation over every module; ZiCo follows its closed form', async () => {
    const dir = path.join(tmp, 'toy-newer');
    toyBuilder(dir);
    const settings = { ...DEFAULT_LF_SETTINGS, batch: 8 };
    const run = (archs: string[], measures: string[]) => runPythonLf(archs.map(toyJob), { ...toyOptions(dir, new LfCache()), measures, settings });
    const [r, z] = [await run(['identity', '16'], ['meco']), await run(['zero-linear', '16'], ['zico'])];
    // Three independent Gaussian channels of 1,024 pixels: a correlation near the identity, smallest eigenvalue a
    // little below 1, seen by the Sequential and by the Identity inside it.
    const meco = r.values.get('identity')?.meco as number;
    assert.ok(meco > 1.7 && meco < 2, `meco ${meco}`);
    // A zero linear layer on a constant c: logits 0, so over a half h, dL/dW[k][j] = c[j] (0.1 - f_h(k)), f_h(k) the
    // share of class k in h; each entry's mean|g| / std(g) is then (|0.1 - f_1| + |0.1 - f_2|) / |f_1 - f_2| (c[j]
    // cancels) for the 16 inputs j, and a class with f_1 = f_2 has std 0 and is skipped.
    const labels = imageBatch(8, settings.seed).labels;
    const share = (from: number, k: number): number => [0, 1, 2, 3].filter((s) => labels[from + s] === k).length / 4;
    let sum = 0;
    for (let k = 0; k < 10; k++) {
      const [f1, f2] = [share(0, k), share(4, k)];
      if (f1 !== f2) sum += (16 * (Math.abs(0.1 - f1) + Math.abs(0.1 - f2))) / Math.abs(f1 - f2);
    }
    assert.ok(Math.abs((z.values.get('zero-linear')?.zico as number) - Math.log(sum)) < 1e-5, `zico ${z.values.get('zero-linear')?.zico} vs ${Math.log(sum)}`);
    assert.ok(Number.isFinite(r.values.get('16')?.meco) && Number.isFinite(z.values.get('16')?.zico), 'the conv net has both');
  });

  it('AZ-NAS: entropies of the blocks\' channel covariances, their smallest rise, and the probed Jacobian\'s norm', async () => {
    const dir = path.join(tmp, 'toy-az');
    toyBuilder(dir);
    const settings = { ...DEFAULT_LF_SETTINGS, batch: 16 };
    const r = await runPythonLf([toyJob('pool')], { ...toyOptions(dir, new LfCache()), measures: ['az_expressivity', 'az_progressivity', 'az_trainability'], settings });
    const b = imageBatch(16, settings.seed);
    // Independently: the entropy of the normalised eigenvalues of the 3x3 channel covariance of (pooled) images.
    const entropy = (side: number, pixel: (s: number, row: number, col: number, ch: number) => number): number => {
      const rows: number[][] = [];
      for (let s = 0; s < 16; s++) for (let row = 0; row < side; row++) for (let col = 0; col < side; col++) rows.push([0, 1, 2].map((ch) => pixel(s, row, col, ch)));
      const mean = [0, 1, 2].map((c) => rows.reduce((a, v) => a + (v[c] as number), 0) / rows.length);
      const cov = new Float64Array(9);
      for (const v of rows) for (let i = 0; i < 3; i++) for (let j = 0; j < 3; j++) cov[i * 3 + j] = (cov[i * 3 + j] as number) + (((v[i] as number) - (mean[i] as number)) * ((v[j] as number) - (mean[j] as number))) / rows.length;
      const lam = Array.from(symmetricEigenvalues(cov, 3));
      const total = lam.reduce((a, x) => a + x, 0);
      return lam.reduce((a, x) => a - (x / total) * Math.log(x / total + 1e-8), 0);
    };
    const px = (s: number, row: number, col: number, ch: number): number => b.images[((s * 32 + row) * 32 + col) * 3 + ch] as number;
    const h0 = entropy(32, px);
    const h1 = entropy(16, (s, row, col, ch) => (px(s, 2 * row, 2 * col, ch) + px(s, 2 * row + 1, 2 * col, ch) + px(s, 2 * row, 2 * col + 1, ch) + px(s, 2 * row + 1, 2 * col + 1, ch)) / 4);
    const v = r.values.get('pool') ?? {};
    assert.ok(Math.abs((v.az_expressivity as number) - (h0 + h1)) < 1e-6, `expressivity ${v.az_expressivity} vs ${h0 + h1}`);
    assert.ok(Math.abs((v.az_progressivity as number) - (h1 - h0)) < 1e-6, `progressivity ${v.az_progressivity} vs ${h1 - h0}`);
    // The pooling's Jacobian, pixel-unshuffled, is 0.25 on each of the four offsets of its channel: spectral norm 0.5
    // (the Rademacher probe over 4,096 positions adds about 0.01).
    assert.ok(Math.abs((v.az_trainability as number) - (2 - 0.5 - 1 / 0.5)) < 0.05, `trainability ${v.az_trainability}`);
  });

  it('the NB201 example builder gives NAS-Bench-Suite-Zero\'s flops and params through the CLI', () => {
    const archs = path.join(tmp, 'cells.txt');
    fs.writeFileSync(archs, `${BEST}\n${WORST}\n`);
    const out = path.join(tmp, 'nb201.csv');
    const r = spawnSync(process.execPath, [CLI, 'lf', '--space', 'nb201', '--python', 'nb201_model:build_model', '--python-path', PY, '--measures', 'flops,params,synflow', '--archs', archs, '--no-cache', '--out', out], { encoding: 'utf8', cwd: EXAMPLE, timeout: 300_000 });
    assert.equal(r.status, 0, r.stderr);
    const lines = fs.readFileSync(out, 'utf8').trim().split('\n');
    assert.equal(lines[0], 'arch,flops,params,synflow');
    // The closed forms (lf-compute.md §2.1), equal to the published values on all 9,445 cells.
    assert.match(lines[1] as string, /^\|nor_conv_3x3~0\|.*,187\.041472,1\.288506,\d+\.\d+$/);
    assert.match(lines[2] as string, /^\|none~0\|.*,7\.943872,0\.073306,0$/);
  });
});
