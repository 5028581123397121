/** Regressions of defects found by trying the product as a hostile user would (issue: hardening). */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { importDataFile } from '../../src/data/dataset';
import { parseNb201, parseNb201OrThrow } from '../../src/space/nb201/cell';
import { scanNb201 } from '../../src/space/nb201/scan';
import { PredictorSet } from '../../src/server/predictorSet';
import * as crypto from 'node:crypto';
import { ABLATION_LIMITS, parseAblationSpec } from '../../src/experiment/ablation';
import { replaceDirectory, repairDirectorySwap } from '../../src/util/files';

const CLI = path.resolve(__dirname, '../../dist/cli.js');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'dele-hard-'));
const TINY = path.resolve(__dirname, '../fixtures/predictor-tiny');
const BEST = '|nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+|skip_connect~0|nor_conv_3x3~1|nor_conv_3x3~2|';

function dele(args: string[], timeout = 60_000): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', timeout });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** A one-line `dele: ...` error, no stack trace. */
function assertOneLineError(r: { code: number | null; stderr: string }, code: number, re: RegExp, what: string): void {
  assert.equal(r.code, code, `${what}: ${r.stderr}`);
  assert.match(r.stderr, re, what);
  assert.doesNotMatch(r.stderr, /\n\s+at |internal error/, what);
  if (code === 1) assert.equal(r.stderr.trim().split('\n').length, 1, `${what}: ${r.stderr}`);
}

/** A copy of the tiny fixture predictor, its model.json and weights.bin changed by `edit` (checksum kept matching unless told). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- corrupting arbitrary fields of a parsed model.json
function editedPredictor(name: string, edit: (meta: Record<string, any>, weights: Float32Array) => Float32Array | void): string {
  const dir = path.join(tmp, name);
  fs.mkdirSync(dir, { recursive: true });
  const meta = JSON.parse(fs.readFileSync(path.join(TINY, 'model.json'), 'utf8'));
  const raw = fs.readFileSync(path.join(TINY, 'weights.bin'));
  const floats = new Float32Array(raw.buffer.slice(raw.byteOffset, raw.byteOffset + raw.length));
  const out = edit(meta, floats) ?? floats;
  const bytes = Buffer.from(out.buffer, out.byteOffset, out.byteLength);
  meta.weights.bytes = bytes.length;
  meta.weights.sha256 = crypto.createHash('sha256').update(bytes).digest('hex');
  fs.writeFileSync(path.join(dir, 'weights.bin'), bytes);
  fs.writeFileSync(path.join(dir, 'model.json'), JSON.stringify(meta));
  return dir;
}

describe('hardening', () => {
  it('an error message quotes a long invalid architecture once, briefly', () => {
    const long = `|${'x'.repeat(7000)}~0|+|none~0|none~1|+|none~0|none~1|none~2|`;
    assert.throws(
      () => parseNb201OrThrow(long),
      (e: Error) => e.message.length < 600 && e.message.split('xxxxxxxxxx').length < 40,
    );
    const many = Array.from({ length: 300 }, () => '|conv~0|').join('+');
    assert.throws(() => parseNb201OrThrow(many), (e: Error) => e.message.length < 2000);
  });

  it('tolerates whitespace around op names and inputs, as documented', () => {
    const r = parseNb201('| none ~0|+|none~ 0|none~1|+|none~0|none~1|none~2|');
    assert.ok(r.ok, JSON.stringify(!r.ok && r.problems));
  });

  it('an empty op name gets a non-empty range', () => {
    const r = parseNb201('|~0|+|none~0|none~1|+|none~0|none~1|none~2|');
    assert.ok(!r.ok);
    assert.ok(r.problems.every((p) => p.end > p.start));
  });

  it('an unterminated op list on a long line finds nothing and does not hang', () => {
    const line = `ops = [${'nor_conv_3x3, '.repeat(20000)}`;
    assert.deepEqual(scanNb201(line), []);
    // Every `|a~|` is a broken cell candidate: found (the server caps diagnostics), none valid.
    const found = scanNb201('|a~'.repeat(50000));
    assert.ok(found.length > 0 && found.every((f) => !f.result.ok));
  });

  it('a JSON data file with a byte-order mark is read', () => {
    const f = path.join(tmp, 'bom.json');
    fs.writeFileSync(f, `\uFEFF${JSON.stringify([{ arch: '|nor_conv_3x3~0|+|none~0|none~1|+|none~0|none~1|none~2|', acc: 50, flops: 1 }, { arch: '|skip_connect~0|+|none~0|none~1|+|none~0|none~1|none~2|', acc: 40, flops: 0.5 }])}`);
    assert.equal(importDataFile(f).archs.length, 2);
  });

  it('dele train refuses an --out that is a file before training, and leaves it alone', () => {
    const file = path.join(tmp, 'not-a-dir');
    fs.writeFileSync(file, 'keep me');
    const r = spawnSync(process.execPath, [CLI, 'train', '--preset', 'tiny', '--out', file], { encoding: 'utf8', timeout: 60_000 });
    assert.equal(r.status, 2);
    assert.match(r.stderr, /--out .* exists and is not a folder/);
    assert.doesNotMatch(r.stderr, /\[(pre)?train\] epoch/);
    assert.equal(fs.readFileSync(file, 'utf8'), 'keep me');
  });

  it('start-up completes a predictor swap a crash interrupted, and removes temporary folders', () => {
    const storage = fs.mkdtempSync(path.join(tmp, 'storage-'));
    const predictors = path.join(storage, 'predictors');
    // Crash after "final -> old" and before "new -> final": only the old one is complete.
    fs.mkdirSync(path.join(predictors, 'nb201.old-1700000000000'), { recursive: true });
    fs.writeFileSync(path.join(predictors, 'nb201.old-1700000000000', 'model.json'), '{}');
    fs.mkdirSync(path.join(predictors, 'nb201.new-99999999-1700000000001'));
    fs.mkdirSync(path.join(predictors, 'tnb101-micro'));
    const done = PredictorSet.repairStorage(storage);
    assert.equal(done.length, 2, done.join('\n'));
    assert.deepEqual(fs.readdirSync(predictors).sort(), ['nb201', 'tnb101-micro']);
    assert.ok(fs.existsSync(path.join(predictors, 'nb201', 'model.json')));
  });

  it('predictor files with non-finite weights, a reversed calibration, a truncated or a non-regular weights file are refused in one line', () => {
    const cases: [string, string, RegExp][] = [
      ['all-NaN weights', editedPredictor('nan', (_m, w) => void w.fill(NaN)), /weights\.bin: weight \S+ holds values that are not finite/],
      ['one infinite weight', editedPredictor('inf', (_m, w) => void (w[7] = Infinity)), /holds values that are not finite/],
      ['reversed calibration', editedPredictor('reversed', (m) => void m.calibration.y.reverse()), /invalid calibration: its knots must be finite and non-decreasing/],
      ['truncated weights, checksum rewritten', editedPredictor('truncated', (_m, w) => w.subarray(0, 1000)), /the weight manifest holds \d+ float32 values \(\d+ bytes\), not the 4000 bytes it names/],
    ];
    const zero = path.join(tmp, 'zero');
    fs.mkdirSync(zero);
    fs.copyFileSync(path.join(TINY, 'model.json'), path.join(zero, 'model.json'));
    fs.symlinkSync('/dev/zero', path.join(zero, 'weights.bin'));
    cases.push(['weights.bin -> /dev/zero', zero, /weights\.bin: not a regular file/]);
    const longer = path.join(tmp, 'longer');
    fs.mkdirSync(longer);
    fs.copyFileSync(path.join(TINY, 'model.json'), path.join(longer, 'model.json'));
    fs.writeFileSync(path.join(longer, 'weights.bin'), Buffer.concat([fs.readFileSync(path.join(TINY, 'weights.bin')), Buffer.alloc(4096)]));
    cases.push(['weights.bin longer than model.json says', longer, /weights\.bin is corrupt: 107288 bytes, model\.json names 103192/]);
    for (const [what, dir, re] of cases) assertOneLineError(dele(['predict', '--model', dir, BEST], 20_000), 1, re, what);
  });

  it('an ablation file bounds every count, naming the field and the limit', () => {
    const file = path.join(tmp, 'huge.yaml');
    fs.writeFileSync(file, 'seeds: 1000000000\nvariants:\n  - name: a\n');
    const r = dele(['bench', '--ablation', file, '--no-cache'], 20_000);
    assertOneLineError(r, 1, /ablation file: seeds must be at most 100 \(got 1000000000\)/, 'seeds');
    const variant = (v: Record<string, unknown>): unknown => ({ variants: [{ name: 'a', ...v }] });
    const cases: [unknown, RegExp][] = [
      [{ ...(variant({}) as object), validation: 1e9 }, /validation must be at most 1000000/],
      [{ ...(variant({}) as object), ratios: Array.from({ length: 50 }, () => 0.1) }, /the number of ratios must be at most 20/],
      [{ variants: Array.from({ length: 500 }, (_, i) => ({ name: `v${i}` })) }, /the number of variants must be at most 200/],
      [variant({ ensemble: 1e6 }), /"a": ensemble must be at most 20/],
      [variant({ optim: { epochs: 1e9 } }), /"a": optim.epochs must be at most 10000/],
      [variant({ optim: { pretrainEpochs: 1e9 } }), /"a": optim.pretrainEpochs must be at most 10000/],
      [variant({ optim: { batchSize: 1e12 } }), /"a": optim.batchSize must be at most/],
      [variant({ optim: { lr: Infinity } }), /"a": optim.lr must be a positive number/],
      [variant({ ratios: Array.from({ length: 50 }, () => 0.1) }), /"a": the number of ratios must be at most 20/],
      [variant({ experts: { top: 1000 } }), /"a": experts.top must be at most 32/],
      [variant({ experts: Array.from({ length: 5000 }, (_, i) => `c${i}`) }), /"a": the number of experts must be at most 1000/],
    ];
    for (const [raw, re] of cases) assert.throws(() => parseAblationSpec(raw), re);
    assert.equal(parseAblationSpec({ seeds: ABLATION_LIMITS.seeds, variants: [{ name: 'a', optim: { epochs: 200 } }] }).seeds, ABLATION_LIMITS.seeds);
  });

  it('a folder swap interrupted between its renames is mended: the old version restored, leftovers removed', () => {
    const final = path.join(tmp, 'swap', 'pred');
    fs.mkdirSync(final, { recursive: true });
    fs.writeFileSync(path.join(final, 'model.json'), 'v1');
    const next = `${final}.new-1-1`;
    fs.mkdirSync(next);
    fs.writeFileSync(path.join(next, 'model.json'), 'v2');
    replaceDirectory(next, final);
    assert.equal(fs.readFileSync(path.join(final, 'model.json'), 'utf8'), 'v2');
    assert.deepEqual(fs.readdirSync(path.dirname(final)), ['pred']);
    // A crash after "final -> old" and before "new -> final".
    fs.renameSync(final, `${final}.old-99999999-1700000000000`);
    fs.mkdirSync(`${final}.new-99999999-1700000000001`);
    const done = repairDirectorySwap(final, (d) => fs.existsSync(path.join(d, 'model.json')));
    assert.equal(done.length, 2, done.join('\n'));
    assert.deepEqual(fs.readdirSync(path.dirname(final)), ['pred']);
    assert.equal(fs.readFileSync(path.join(final, 'model.json'), 'utf8'), 'v2');
  });

  it('dele predict and dele train mend a predictor folder a crash left between the two renames of a save', () => {
    const model = path.join(tmp, 'crashed', 'model');
    fs.mkdirSync(path.dirname(model));
    fs.cpSync(TINY, `${model}.old-4242-1700000000000`, { recursive: true });
    const r = dele(['predict', '--model', model, BEST], 20_000);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /restored .*model from an interrupted swap/);
    assert.deepEqual(fs.readdirSync(path.dirname(model)), ['model']);
    // A whole folder next to a leftover: the leftover goes; train repairs before it reads anything.
    fs.cpSync(TINY, `${model}.old-4242-1700000000001`, { recursive: true });
    const csv = path.join(tmp, 'crashed', 'bad.csv');
    fs.writeFileSync(csv, 'arch,acc\nnot-an-arch,1\n');
    const t = dele(['train', '--data', csv, '--out', model], 20_000);
    assert.equal(t.code, 1, t.stderr);
    assert.match(t.stderr, /removed .*model\.old-4242-1700000000001/);
    assert.deepEqual(fs.readdirSync(path.dirname(model)).sort(), ['bad.csv', 'model']);
    fs.rmSync(model, { recursive: true });
    fs.cpSync(TINY, `${model}.old-4242-1700000000002`, { recursive: true });
    assert.equal(dele(['train', '--data', csv, '--out', model], 20_000).code, 1);
    assert.ok(fs.existsSync(path.join(model, 'model.json')), 'the previous predictor is back');
  });

  it('every output path is checked before the work starts: exit code 2, one clear line, nothing computed', { skip: !fs.existsSync('/proc/self') }, () => {
    const ablation = path.join(tmp, 'small-ablation.yaml');
    fs.writeFileSync(ablation, 'preset: tiny\nseeds: 1\nvalidation: 100\nvariants:\n  - name: a\n    optim: { pretrainEpochs: 1, epochs: 1 }\n');
    const cases: [string[], RegExp][] = [
      [['train', '--preset', 'tiny', '--out', '/proc/dele-x'], /--out \/proc\/dele-x: cannot write in \/proc/],
      [['search', '--space', 'nb201', '--budget', '50', '--csv', '/proc/dele-x.csv'], /--csv \/proc\/dele-x\.csv: cannot write in \/proc/],
      [['search', '--space', 'nb201', '--budget', '50', '--csv', tmp], /--csv .* exists and is not a regular file/],
      [['search', '--space', 'nb201', '--budget', '50', '--csv', '/dev/null'], /--csv \/dev\/null exists and is not a regular file/],
      [['bench', '--space', 'nb101', '--counts', '10', '--methods', 'vanilla', '--encoder', 'gates', '--preset', 'tiny', '--seeds', '1', '--epochs', '1', '--json', '/proc/dele-x.json'], /--json \/proc\/dele-x\.json: cannot write in \/proc/],
      [['bench', '--ablation', ablation, '--no-cache', '--json', '/proc/dele-x.json'], /--json \/proc\/dele-x\.json: cannot write in \/proc/],
      [['bench', '--ablation', ablation, '--step1-cache', '/proc/dele-cache'], /--step1-cache \/proc\/dele-cache: cannot write in \/proc/],
      [['lf', '--space', 'nb201', '--sample', '2', '--measures', 'flops', '--no-cache', '--out', '/proc/dele-x.csv'], /--out \/proc\/dele-x\.csv: cannot write in \/proc/],
      [['lf', '--space', 'nb201', '--sample', '2', '--measures', 'flops', '--cache', '/proc/dele-cache.jsonl', '--out', path.join(tmp, 'lf.csv')], /--cache \/proc\/dele-cache\.jsonl: cannot write in \/proc/],
      [['train', '--preset', 'tiny', '--out', path.join(TINY, 'model.json', 'sub')], /model\.json is not a folder/],
    ];
    for (const [args, re] of cases) {
      const r = dele(args, 30_000);
      assertOneLineError(r, 2, re, args.join(' '));
      assert.doesNotMatch(r.stderr, /epoch|scored|bench:|ablation:|dele lf:/, args.join(' '));
      assert.equal(r.stdout, '', args.join(' '));
    }
    assert.ok(!fs.existsSync(path.join(tmp, 'lf.csv')));
  });

  it('numeric options are decimal only: 0x10, 0b1, 0o7 and an empty value are usage errors, not numbers', () => {
    for (const v of ['0x10', '0b1', '0o7', '']) {
      const r = dele(['train', '--preset', 'tiny', '--epochs', v, '--out', path.join(tmp, 'never')]);
      assertOneLineError(r, 2, new RegExp(`--epochs ${v}: not a valid value`), `--epochs ${JSON.stringify(v)}`);
      assert.ok(!fs.existsSync(path.join(tmp, 'never')));
    }
  });
});
