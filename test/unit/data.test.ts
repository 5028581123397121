import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { DEFAULT_NB201_EXPERTS, PAPER_NB201_EXPERTS } from '../../src/space/nb201/benchmark';
import {
  column,
  DataError,
  groundTruthSubset,
  importDataFile,
  lfNames,
  loadBundledNb201,
  splitDataset,
  targetNames,
} from '../../src/data/dataset';
import { kendallTau } from '../../src/predictor/metrics';
import { resolveExperts } from '../../src/predictor/predictor';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'dele-data-'));
function write(name: string, text: string): string {
  const p = path.join(tmp, name);
  fs.writeFileSync(p, text);
  return p;
}
const A = '|nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+|skip_connect~0|nor_conv_3x3~1|nor_conv_3x3~2|';
const B = '|none~0|+|skip_connect~0|none~1|+|none~0|none~1|avg_pool_3x3~2|';

describe('bundled NB201 data', () => {
  const ds = loadBundledNb201();

  it('has all 15,625 unique cells with the targets and the default experts', () => {
    assert.equal(ds.archs.length, 15625);
    assert.equal(new Set(ds.keys).size, 15625);
    assert.ok(targetNames(ds).includes('c10_test_200ep'));
    assert.ok(targetNames(ds).includes('naslib_c100_val_200ep'));
    for (const n of [...DEFAULT_NB201_EXPERTS, ...PAPER_NB201_EXPERTS]) assert.ok(lfNames(ds).includes(n), n);
    assert.ok(!ds.columns.some((c) => /robust|pgd|fgsm/i.test(c.name)), 'no GPL robustness columns');
  });

  it('named expert sets: "paper" is DELE\'s set, no name is the default, and a set name is not taken for a column', () => {
    assert.deepEqual(resolveExperts(ds, 'dele'), DEFAULT_NB201_EXPERTS);
    assert.deepEqual(resolveExperts(ds, 'dele', ['paper']), PAPER_NB201_EXPERTS);
    assert.deepEqual(resolveExperts(ds, 'dele', ['default']), DEFAULT_NB201_EXPERTS);
    assert.notDeepEqual(PAPER_NB201_EXPERTS, DEFAULT_NB201_EXPERTS);
    assert.deepEqual(resolveExperts(ds, 'dele', ['zc_c10_snip']), ['zc_c10_snip']);
    assert.throws(() => resolveExperts(ds, 'dele', ['paper', 'zc_c10_snip']), /unknown column "paper"|no column "paper"|paper/);
  });

  it('values agree with the published NB201 numbers', () => {
    const acc = column(ds, 'c10_test_200ep').values;
    assert.equal(Math.max(...acc), 94.3733);
    // data.md: tau(12-epoch C10 test, C10 test 200ep) = 0.700 over all cells
    const tau = kendallTau(column(ds, 'c10_test_12ep').values, acc);
    assert.ok(Math.abs(tau - 0.7) < 0.005, String(tau));
  });

  it('splits 7,813 / 7,812 deterministically with nested ground-truth subsets', () => {
    const s = splitDataset(15625);
    assert.equal(s.train.length, 7813);
    assert.equal(s.heldOut.length, 7812);
    assert.equal(new Set([...s.train, ...s.heldOut]).size, 15625);
    assert.deepEqual(splitDataset(15625), s);
    assert.deepEqual(groundTruthSubset(s.train, 0.05).slice(0, 78), groundTruthSubset(s.train, 0.01));
    assert.equal(groundTruthSubset(s.train, 0.01).length, 78);
  });
});

describe('user data import', () => {
  it('reads CSV with quoted arch strings, missing LF values kept as NaN', () => {
    const ds = importDataFile(write('ok.csv', `arch,val_acc,synflow,jacov\n"${A}",93.1,5.5,\n${B},10.2,nan,-3\n`));
    assert.deepEqual(targetNames(ds), ['val_acc']);
    assert.deepEqual(lfNames(ds), ['synflow', 'jacov']);
    assert.equal(ds.archs.length, 2);
    assert.ok(Number.isNaN(column(ds, 'jacov').values[0]));
    assert.ok(Number.isNaN(column(ds, 'synflow').values[1]));
  });

  it('reads a JSON column named like an Object property ("constructor") as data, missing where a row lacks it', () => {
    const ds = importDataFile(write('proto.json', JSON.stringify([{ arch: A, accuracy: 93, constructor: 1 }, { arch: B, accuracy: 10 }])));
    assert.deepEqual(lfNames(ds), ['constructor']);
    assert.equal(column(ds, 'constructor').values[0], 1);
    assert.ok(Number.isNaN(column(ds, 'constructor').values[1]));
  });

  it('reads signed decimals with a point or an exponent', () => {
    const ds = importDataFile(write('decimal.csv', `arch,acc,flops\n${A},+93.5,-1.5e-3\n${B},.5,2E+2\n`));
    assert.deepEqual([...column(ds, 'acc').values], [93.5, 0.5]);
    assert.deepEqual([...column(ds, 'flops').values], [-1.5e-3, 200]);
  });

  it('reads JSON arrays of objects', () => {
    const ds = importDataFile(write('ok.json', JSON.stringify([{ arch: A, accuracy: 93, flops: 1 }, { arch: B, accuracy: 10, flops: null }])));
    assert.deepEqual(targetNames(ds), ['accuracy']);
    assert.ok(Number.isNaN(column(ds, 'flops').values[1]));
  });

  const bad: [string, string, RegExp][] = [
    ['no-arch.csv', 'cell,acc\nx,1\n', /no "arch" column; columns are: cell, acc/],
    ['bad-arch.csv', `arch,acc\n${A},1\n|conv~0|+|none~0|none~1|+|none~0|none~1|none~2|,2\n`, /bad-arch.csv:3: invalid architecture .*unknown op "conv"/],
    ['bad-number.csv', `arch,acc,flops\n${A},1,abc\n`, /bad-number.csv:2: column "flops" has "abc"/],
    ['hex.csv', `arch,acc,flops\n${A},1,2.5e-3\n${B},2,0x5A\n`, /hex.csv:3: column "flops" has "0x5A", expected a \(decimal\) number/],
    ['binary.csv', `arch,acc,flops\n${A},0b101,1\n`, /binary.csv:2: column "acc" has "0b101"/],
    ['octal.json', JSON.stringify([{ arch: A, acc: 1, flops: '0o7' }]), /octal.json item 0: column "flops" has "0o7"/],
    ['ragged.csv', `arch,acc\n${A},1,2\n`, /ragged.csv:2: 3 cells, but the header has 2/],
    ['dup.csv', `arch,acc\n${A},1\n${A},2\n`, /dup.csv:3: duplicate architecture .*first at .*dup.csv:2/],
    ['dup-col.csv', `arch,acc,x,x\n${A},1,2,3\n`, /dup-col.csv: column "x" appears twice \(columns 3 and 4\); column names must be unique/],
    ['empty.csv', '', /empty file/],
    ['bad.json', '{"arch": 1', /invalid JSON/],
    ['obj.json', '{"arch": "x"}', /expected a JSON array/],
  ];
  for (const [name, text, re] of bad) {
    it(`rejects ${name} with a clear error`, () => {
      assert.throws(() => importDataFile(write(name, text)), (e: unknown) => DataError.is(e) && re.test(e.message));
    });
  }

  it('rejects a missing file and unknown requested columns', () => {
    assert.throws(() => importDataFile(path.join(tmp, 'nope.csv')), (e: unknown) => DataError.is(e) && /cannot read/.test(e.message));
    const p = write('cols.csv', `arch,acc\n${A},1\n`);
    assert.throws(() => importDataFile(p, { targets: ['top1'] }), (e: unknown) => DataError.is(e) && /no column "top1"/.test(e.message));
  });
});
