import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { nb201Space } from '../../src/space/nb201';

// Runs the bundled CLI (npm test builds dist/ first), as a user would, on the tiny NB201 fixture predictor.
const CLI = path.resolve(__dirname, '../../dist/cli.js');
const MODEL = path.resolve(__dirname, '../fixtures/predictor-tiny');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'dele-batch-'));

function dele(args: string[]): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', timeout: 120_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

const lines = (text: string): string[] => text.split('\n').filter(Boolean);

describe('dele propose-batch', () => {
  it('writes k architectures of the space, one a line, none of the labelled file; the same for a seed', () => {
    const first = dele(['propose-batch', '--model', MODEL, '--k', '6']);
    assert.equal(first.code, 0, first.stderr);
    const archs = lines(first.stdout);
    assert.equal(archs.length, 6);
    assert.equal(new Set(archs).size, 6);
    for (const a of archs) assert.ok(nb201Space.parse(a).ok, a);
    assert.match(first.stderr, /scored the whole space: 15625 candidates/);
    assert.deepEqual(lines(dele(['propose-batch', '--model', MODEL, '--k', '6']).stdout), archs);

    // Label the first batch (CSV with an accuracy column, as the cluster returns it): the next batch is all new.
    const labelled = path.join(tmp, 'labelled.csv');
    fs.writeFileSync(labelled, `arch,val_acc\n${archs.map((a, i) => `${a},${90 + i}`).join('\n')}\n`);
    const out = path.join(tmp, 'sub', 'next.arch');
    const next = dele(['propose-batch', '--model', MODEL, '--k', '6', '--labelled', labelled, '--out', out, '--seed', '3']);
    assert.equal(next.code, 0, next.stderr);
    assert.equal(next.stdout, '');
    assert.match(next.stderr, /6 labelled architecture\(s\) excluded/);
    const again = lines(fs.readFileSync(out, 'utf8'));
    assert.equal(again.length, 6);
    for (const a of again) {
      assert.ok(nb201Space.parse(a).ok, a);
      assert.ok(!archs.includes(a), `${a} was labelled`);
    }
  });

  it('--out FILE.csv writes arch,predicted,ucb,spread; beta 0 is the predictor\'s own top k', () => {
    const csv = path.join(tmp, 'batch.csv');
    const r = dele(['propose-batch', '--model', MODEL, '--k', '4', '--beta', '0', '--out', csv]);
    assert.equal(r.code, 0, r.stderr);
    const rows = lines(fs.readFileSync(csv, 'utf8'));
    assert.equal(rows[0], 'arch,predicted,ucb,spread');
    assert.equal(rows.length, 5);
    const ucb = rows.slice(1).map((l) => Number(l.split(',')[2]));
    for (let i = 1; i < ucb.length; i++) assert.ok(ucb[i - 1]! >= ucb[i]!, rows.join('\n'));
    for (const l of rows.slice(1)) {
      const [arch, predicted, , spread] = l.split(',');
      assert.ok(nb201Space.parse(arch!).ok, arch);
      assert.ok(Number(predicted) > 0 && Number(spread) >= 0, l);
    }
  });

  it('bad input: one-line errors, exit 2 for usage, 1 for bad files', () => {
    const k0 = dele(['propose-batch', '--model', MODEL, '--k', '0']);
    assert.equal(k0.code, 2);
    assert.match(k0.stderr, /^dele: --k 0: not a valid value\n/);
    assert.match(k0.stderr, /dele propose-batch --model DIR/);
    const beta = dele(['propose-batch', '--model', MODEL, '--beta=-1']);
    assert.equal(beta.code, 2);
    assert.match(beta.stderr, /--beta -1: not a valid value/);
    const space = dele(['propose-batch', '--model', MODEL, '--space', 'nb301']);
    assert.equal(space.code, 2);
    assert.match(space.stderr, /the predictor is for space nb201, not nb301/);
    const dir = dele(['propose-batch', '--model', MODEL, '--out', tmp]);
    assert.equal(dir.code, 2);
    assert.equal(lines(dir.stderr).length, 1);
    assert.match(dir.stderr, /--out .* exists and is not a regular file/);
    const missing = dele(['propose-batch', '--model', MODEL, '--labelled', path.join(tmp, 'nope.csv')]);
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /dele: cannot read .*nope\.csv/);
    const bad = path.join(tmp, 'bad.csv');
    fs.writeFileSync(bad, 'arch\nnot-an-arch\n');
    const badArch = dele(['propose-batch', '--model', MODEL, '--labelled', bad]);
    assert.equal(badArch.code, 1);
    assert.match(badArch.stderr, /bad\.csv:2: invalid architecture/);
    const noModel = dele(['propose-batch', '--k', '3']);
    assert.equal(noModel.code, 2);
    assert.match(noModel.stderr, /needs --model DIR/);
  });
});
