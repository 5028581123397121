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

const CLI = path.resolve(__dirname, '../../dist/cli.js');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'dele-hard-'));

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
    fs.mkdirSync(path.join(predictors, 'nb201.new-123-1700000000001'));
    fs.mkdirSync(path.join(predictors, 'tnb101-micro'));
    const done = PredictorSet.repairStorage(storage);
    assert.equal(done.length, 2, done.join('\n'));
    assert.deepEqual(fs.readdirSync(predictors).sort(), ['nb201', 'tnb101-micro']);
    assert.ok(fs.existsSync(path.join(predictors, 'nb201', 'model.json')));
  });
});
