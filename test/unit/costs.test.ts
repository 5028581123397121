import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { column, importDataFile, lfNames } from '../../src/data/dataset';
import { declaredSpace } from '../../src/space/declared';
import { parseSpaceFile } from '../../src/space/registry';
import { parseOrThrow } from '../../src/space/types';
import { defined } from './at';

const SEQ = 'name: s\nkind: sequence\npositions: 3\nchoices: [none, skip, conv1x1, conv3x3]\n';
const CELL = 'name: c\nkind: cell\nnodes: 3\nops: [none, skip, conv]\nnone: none\n';

describe('per-choice cost tables in space files', () => {
  it('a sequence space sums a shared table over positions; a choice the table does not name costs 0', () => {
    const { space, declaration } = parseSpaceFile(`${SEQ}costs:\n  lat_ms: { conv3x3: 2.5, conv1x1: 1, skip: 0.25 }\n`, 's.space.yaml');
    const cost = defined(space.costs?.[0]);
    assert.equal(cost.name, 'cost_lat_ms');
    assert.equal(cost.value(parseOrThrow(space, '[conv3x3, skip, none]')), 2.75);
    assert.equal(cost.value(parseOrThrow(space, '[conv3x3, conv3x3, conv1x1]')), 6);
    // The stored declaration (what a predictor keeps) builds the same space again.
    const again = declaredSpace(JSON.parse(JSON.stringify(declaration)), 'stored');
    assert.equal(defined(again.costs?.[0]).value(parseOrThrow(again, '[conv3x3, skip, none]')), 2.75);
  });

  it('one table per position, and per edge for an edge cell', () => {
    const { space } = parseSpaceFile(`${SEQ}costs:\n  lat:\n    - { conv3x3: 1 }\n    - { conv3x3: 10 }\n    - { conv3x3: 100, skip: 5 }\n`, 's.space.yaml');
    assert.equal(defined(space.costs?.[0]).value(parseOrThrow(space, '[conv3x3, none, conv3x3]')), 101);
    assert.equal(defined(space.costs?.[0]).value(parseOrThrow(space, '[skip, skip, skip]')), 5);
    const cell = parseSpaceFile(`${CELL}costs:\n  params: { conv: 3, skip: 0 }\n`, 'c.space.yaml').space;
    assert.equal(defined(cell.costs?.[0]).value(parseOrThrow(cell, '[conv, conv, skip]')), 6, 'three edges: 1<-0, 2<-0, 2<-1');
  });

  it('bad tables are errors naming the field: unknown choice, wrong count, not a number, bad name', () => {
    const bad: [string, RegExp][] = [
      ['costs:\n  lat: { conv5x5: 1 }\n', /costs\.lat\.conv5x5: "conv5x5" is not a choice \(choices: none, skip, conv1x1, conv3x3\)/],
      ['costs:\n  lat: [{ skip: 1 }]\n', /costs\.lat: one mapping per position: expected 3, found 1/],
      ['costs:\n  lat: { skip: fast }\n', /costs\.lat\.skip: expected a number, found "fast"/],
      ['costs:\n  9lat: { skip: 1 }\n', /costs\.9lat: a cost name is 1-64 letters/],
      ['costs: 3\n', /costs: expected a mapping of cost names to tables/],
    ];
    for (const [text, re] of bad) assert.throws(() => parseSpaceFile(SEQ + text, 's.space.yaml'), re, text);
    assert.throws(() => parseSpaceFile(`name: n\nkind: cell\nopsOn: nodes\nnodes: 4\nops: [a]\ncosts: { x: { a: 1 } }\n`, 'n.space.yaml'), /costs: unknown field/);
  });

  it('a data file of a space with costs gets them as LF columns for every architecture; a column of the file wins', () => {
    const { space } = parseSpaceFile(`${SEQ}costs:\n  lat: { conv3x3: 2, conv1x1: 1 }\n  mem: { conv3x3: 9 }\n`, 's.space.yaml');
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dele-costs-'));
    const file = path.join(dir, 'd.csv');
    fs.writeFileSync(file, 'arch,acc,cost_mem\nconv3x3-conv3x3-none,90,7\nconv1x1-none-none,80,1\nnone-none-none,10,0\n');
    const ds = importDataFile(file, { space });
    assert.deepEqual(lfNames(ds), ['cost_mem', 'cost_lat']);
    assert.deepEqual([...column(ds, 'cost_lat').values], [4, 1, 0]);
    assert.deepEqual([...column(ds, 'cost_mem').values], [7, 1, 0], "the file's own column, not the table's");
    assert.match(column(ds, 'cost_lat').description, /computed/);
  });
});
