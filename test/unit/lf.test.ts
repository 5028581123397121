import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { importDataFile, joinDatasets } from '../../src/data/dataset';
import { LfCache } from '../../src/lf/cache';
import { archSeed } from '../../src/lf/compute';
import { imageBatch, readCifarSample } from '../../src/lf/images';
import { archsInText, lfCsv, parseShard, sampleJobs, shardOfKey } from '../../src/lf/jobs';
import { lfMeasure, settingsTag } from '../../src/lf/measures';
import { nb201Space } from '../../src/space/nb201';
import { at } from './at';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'dele-lf-'));
const A = '|nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+|skip_connect~0|nor_conv_3x3~1|nor_conv_3x3~2|';
const B = '|none~0|+|none~0|none~1|+|none~0|none~1|none~2|';

describe('LF cache', () => {
  it('keeps values across processes (reopen), keyed by space, architecture, measure and settings', () => {
    const file = path.join(tmp, 'c1.jsonl');
    const c = new LfCache(file);
    c.put('nb201', A, { flops: ['v1', 12.5], jacov: ['v1 seed=0', null] });
    const again = new LfCache(file);
    assert.equal(again.get('nb201', A, 'flops', 'v1'), 12.5);
    assert.equal(again.get('nb201', A, 'jacov', 'v1 seed=0'), null, 'a missing (non-finite) value is cached as null');
    assert.equal(again.get('nb201', A, 'jacov', 'v1 seed=1'), undefined, 'other settings are not the same value');
    assert.equal(again.get('nb301', A, 'flops', 'v1'), undefined);
    assert.deepEqual([...again.all('nb201', A).keys()].sort(), ['flops', 'jacov']);
  });

  it('a torn last line (a killed writer) is skipped and does not swallow the next append', () => {
    const file = path.join(tmp, 'c2.jsonl');
    new LfCache(file).put('nb201', A, { flops: ['v1', 1] });
    fs.appendFileSync(file, '{"s":"nb201","k":"x","r":{"flo');
    const c = new LfCache(file);
    assert.equal(c.entries, 1);
    c.put('nb201', B, { flops: ['v1', 2] });
    const again = new LfCache(file);
    assert.equal(again.get('nb201', A, 'flops', 'v1'), 1);
    assert.equal(again.get('nb201', B, 'flops', 'v1'), 2);
  });

  it('ignores lines of the wrong shape', () => {
    const file = path.join(tmp, 'c3.jsonl');
    fs.writeFileSync(file, '[1,2]\n{"s":"nb201","k":"a","r":{"flops":["v1","x"]}}\n{"s":"nb201","k":"a","r":{"params":["v1",3]}}\n');
    const c = new LfCache(file);
    assert.equal(c.entries, 1);
    assert.equal(c.get('nb201', 'a', 'params', 'v1'), 3);
  });
});

describe('LF jobs', () => {
  it('finds each valid architecture of a file once, in document order, and counts the invalid ones', () => {
    const text = `cells = ["${A}", "${B}", "${A}", "|bogus~0|+|none~0|none~1|+|none~0|none~1|none~2|"]`;
    const r = archsInText(nb201Space, text);
    assert.deepEqual(r.jobs.map((j) => j.key), [A, B]);
    assert.equal(r.invalid, 1);
  });

  it('samples distinct architectures, the same for the same seed', () => {
    const a = sampleJobs(nb201Space, 50, 3).map((j) => j.key);
    assert.equal(new Set(a).size, 50);
    assert.deepEqual(sampleJobs(nb201Space, 50, 3).map((j) => j.key), a);
    assert.notDeepEqual(sampleJobs(nb201Space, 50, 4).map((j) => j.key), a);
  });

  it('shards partition the architectures, whatever order they come in', () => {
    const keys = sampleJobs(nb201Space, 300, 1).map((j) => j.key);
    const shards = [0, 1, 2].map((k) => keys.filter((x) => shardOfKey(x, 3) === k));
    assert.equal(shards.reduce((n, s) => n + s.length, 0), keys.length);
    for (const s of shards) assert.ok(s.length > 60, 'roughly balanced');
    const reversed = [...keys].reverse().filter((x) => shardOfKey(x, 3) === 0);
    assert.deepEqual([...reversed].reverse(), shards[0]);
    assert.deepEqual(parseShard('2/3'), { index: 2, count: 3 });
    for (const bad of ['3/3', '1', 'a/b', '-1/3', '0/0']) assert.throws(() => parseShard(bad), /K\/N/);
  });

  it('writes a CSV that imports back and joins ground truth by architecture', () => {
    const jobs = [A, B].map((key) => ({ key, arch: null }));
    const lf = path.join(tmp, 'lf.csv');
    fs.writeFileSync(lf, lfCsv(jobs, ['flops', 'synflow'], new Map([[A, { flops: 220.1, synflow: null }], [B, { flops: 7.9, synflow: 0 }]])));
    const truth = path.join(tmp, 'truth.csv');
    // Ground truth in another order joins by architecture.
    fs.writeFileSync(truth, `arch,val_acc\n"${B}",10\n"${A}",94.1\n`);
    const ds = joinDatasets([importDataFile(lf, { space: nb201Space }), importDataFile(truth, { space: nb201Space })]);
    assert.deepEqual(ds.keys, [A, B]);
    const col = (n: string): number[] => [...at(ds.columns.filter((c) => c.name === n), 0).values];
    assert.deepEqual(col('val_acc'), [94.1, 10]);
    assert.deepEqual(col('flops'), [220.1, 7.9]);
    assert.ok(Number.isNaN(at(col('synflow'), 0)), 'an empty cell is missing');
    assert.equal(at(ds.columns.filter((c) => c.name === 'val_acc'), 0).kind, 'target');
  });

  it('refuses to join two different values of one column for one architecture', () => {
    const a = path.join(tmp, 'a.csv');
    const b = path.join(tmp, 'b.csv');
    fs.writeFileSync(a, `arch,flops\n"${A}",1\n`);
    fs.writeFileSync(b, `arch,flops\n"${A}",2\n"${B}",3\n`);
    assert.throws(() => joinDatasets([importDataFile(a, { space: nb201Space }), importDataFile(b, { space: nb201Space })]), /two values/);
  });
});

describe('LF inputs and seeds', () => {
  it('reads the shipped CIFAR-10 sample (labels as in SOURCE.md) and normalises as NASLib', () => {
    const raw = readCifarSample();
    assert.equal(raw.length, 256 * 3073);
    const b = imageBatch(64, 0, raw);
    assert.deepEqual([...b.labels.slice(0, 10)], [6, 9, 9, 4, 1, 1, 2, 7, 8, 3]);
    assert.equal(b.images.length, 64 * 32 * 32 * 3);
    let sum = 0;
    for (const v of b.images) sum += v;
    const mean = sum / b.images.length;
    assert.ok(Math.abs(mean) < 0.5, `normalised mean ${mean}`);
    // Without augmentation image 0's first red pixel is 59 (SOURCE.md); some crop of it shows 59 or a zero pad.
    const red0 = at(b.images, 0) * 0.24703233 + 0.49139968;
    assert.ok(Math.abs(red0 * 255 - Math.round(red0 * 255)) < 1e-3, 'pixels are whole bytes before normalisation');
  });

  it('one seed gives one batch; another seed other crops, the same images', () => {
    const raw = readCifarSample();
    const a = imageBatch(8, 0, raw);
    assert.deepEqual(imageBatch(8, 0, raw).images, a.images);
    const c = imageBatch(8, 1, raw);
    assert.notDeepEqual(c.images, a.images);
    assert.equal(c.fingerprint, a.fingerprint);
    assert.throws(() => imageBatch(1000, 0, raw), /batch must be/);
  });

  it('the weights seed depends on space, architecture and seed only', () => {
    assert.equal(archSeed('nb201', A, 0), archSeed('nb201', A, 0));
    assert.notEqual(archSeed('nb201', A, 0), archSeed('nb201', A, 1));
    assert.notEqual(archSeed('nb201', A, 0), archSeed('nb201', B, 0));
    assert.notEqual(archSeed('nb201', A, 0), archSeed('nb301', A, 0));
  });

  it('cache tags hold exactly the settings a measure depends on', () => {
    const s = { batch: 64, seed: 0 };
    assert.equal(settingsTag(lfMeasure('flops'), s, 'img'), settingsTag(lfMeasure('flops'), { batch: 32, seed: 5 }, 'other'));
    assert.notEqual(settingsTag(lfMeasure('synflow'), s, 'img'), settingsTag(lfMeasure('synflow'), { ...s, seed: 1 }, 'img'));
    assert.equal(settingsTag(lfMeasure('synflow'), s, 'img'), settingsTag(lfMeasure('synflow'), { ...s, batch: 32 }, 'other'));
    assert.notEqual(settingsTag(lfMeasure('snip'), s, 'img'), settingsTag(lfMeasure('snip'), { ...s, batch: 32 }, 'img'));
    assert.notEqual(settingsTag(lfMeasure('snip'), s, 'img'), settingsTag(lfMeasure('snip'), s, 'other'));
  });
});
