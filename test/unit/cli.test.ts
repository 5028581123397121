import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, it } from 'node:test';

// Runs the bundled CLI (npm test builds dist/ first), as a user would.
const CLI = path.resolve(__dirname, '../../dist/cli.js');
const FIXTURE = path.resolve(__dirname, '../fixtures/nb201_sample.csv');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'dele-cli-'));
const BEST = '|nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+|skip_connect~0|nor_conv_3x3~1|nor_conv_3x3~2|';
const WORST = '|none~0|+|none~0|none~1|+|none~0|none~1|none~2|';

function dele(args: string[], input?: string): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', input, timeout: 120_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('dele CLI', () => {
  const model = path.join(tmp, 'model');

  it('train on a user CSV writes a predictor and prints held-out metrics', () => {
    const r = dele(['train', '--data', FIXTURE, '--target', 'val_acc', '--preset', 'tiny', '--ratio', '0.5', '--pretrain-epochs', '3', '--epochs', '40', '--seed', '1', '--out', model]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /backend (wasm|tensorflow|cpu)/);
    const tau = Number(/Kendall's tau\s+(-?[\d.]+)/.exec(r.stdout)?.[1]);
    assert.ok(tau > 0.3, r.stdout);
    assert.ok(fs.existsSync(path.join(model, 'model.json')) && fs.existsSync(path.join(model, 'weights.bin')));
  });

  it('predict returns accuracy and gate weights per arch (arguments and stdin)', () => {
    const r = dele(['predict', '--model', model, BEST, WORST]);
    assert.equal(r.code, 0, r.stderr);
    const out = JSON.parse(r.stdout) as { arch: string; accuracy: number; experts: { name: string; weight: number }[] }[];
    assert.equal(out.length, 2);
    assert.equal(out[0].arch, BEST);
    assert.deepEqual(out[0].experts.map((e) => e.name).sort(), ['flops', 'jacov', 'synflow']);
    assert.ok(out[0].accuracy > out[1].accuracy);
    const s = dele(['predict', '--model', model], `${BEST}\n`);
    assert.equal(s.code, 0, s.stderr);
    assert.equal(JSON.parse(s.stdout)[0].accuracy, out[0].accuracy);
  });

  it('eval and rank use the saved predictor', () => {
    const e = dele(['eval', '--model', model, '--data', FIXTURE]);
    assert.equal(e.code, 0, e.stderr);
    assert.match(e.stdout, /held-out split .* target val_acc/);
    const r = dele(['rank', '--model', model, '--data', FIXTURE, '--top', '5']);
    assert.equal(r.code, 0, r.stderr);
    const rows = JSON.parse(r.stdout) as { rank: number; predicted: number }[];
    assert.equal(rows.length, 5);
    assert.ok(rows[0].predicted >= rows[4].predicted);
  });

  it('bad input gives a clear error and exit code 1, not a crash', () => {
    const badArch = dele(['predict', '--model', model, '|conv9~0|+|none~0|none~1|+|none~0|none~1|none~2|']);
    assert.equal(badArch.code, 1);
    assert.match(badArch.stderr, /unknown op "conv9"/);
    const csv = path.join(tmp, 'bad.csv');
    fs.writeFileSync(csv, 'arch,acc\nnot-an-arch,1\n');
    const badCsv = dele(['train', '--data', csv, '--out', path.join(tmp, 'x')]);
    assert.equal(badCsv.code, 1);
    assert.match(badCsv.stderr, /bad.csv:2: invalid architecture/);
    const broken = path.join(tmp, 'broken');
    fs.mkdirSync(broken);
    fs.writeFileSync(path.join(broken, 'model.json'), 'garbage');
    const badModel = dele(['predict', '--model', broken, BEST]);
    assert.equal(badModel.code, 1);
    assert.match(badModel.stderr, /cannot read predictor/);
    const wrongCol = dele(['train', '--data', FIXTURE, '--target', 'synflow', '--out', path.join(tmp, 'y')]);
    assert.equal(wrongCol.code, 1);
    assert.match(wrongCol.stderr, /"synflow" is an LF measure, not a target/);
    const usage = dele(['train', '--ratio', '7', '--out', path.join(tmp, 'z')]);
    assert.equal(usage.code, 2);
    assert.match(usage.stderr, /--ratio 7: not a valid value/);
  });

  it('bench --report re-prints the tables of a saved run, and rejects a missing file', () => {
    const r = dele(['bench', '--report', path.resolve(__dirname, '../../bench-results/nb201-cpu.json')]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /GATES\s+DELE\s+0\.8\d{3} \(0\.\d{4}\)/);
    assert.match(r.stdout, /LSTM\s+vanilla/);
    const bad = dele(['bench', '--report', path.join(tmp, 'missing.json')]);
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /cannot read bench results/);
  });
});
