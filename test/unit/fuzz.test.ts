/**
 * Property-based tests (fast-check): every space's parser and scanner on arbitrary text, key round trips, the
 * scanner on architectures embedded in random code, and the CSV reader on random bytes. Bounded: a few hundred
 * runs per property, a fixed seed so a failure reproduces.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, describe, it } from 'node:test';
import fc from 'fast-check';
import { DataError, importDataFile } from '../../src/data/dataset';
import { declaredSpace } from '../../src/space/declared';
import { BUILTIN_SPACES } from '../../src/space/registry';
import type { ArchProblem, SearchSpace } from '../../src/space/types';
import { at } from './at';

// FUZZ_SEED / FUZZ_SCALE explore further (e.g. FUZZ_SEED=7 FUZZ_SCALE=20); the default is fixed and bounded.
const SEED = Number(process.env.FUZZ_SEED ?? 20240611);
const SCALE = Number(process.env.FUZZ_SCALE ?? 1);
const params = (numRuns = 300): fc.Parameters<unknown> => ({ numRuns: Math.round(numRuns * SCALE), seed: SEED });

const SEQUENCE = declaredSpace(
  { name: 'fuzz-seq', kind: 'sequence', positions: 5, choices: ['mb3_e3', 'mb3_e6', 'mb5_e3', 'mb5_e6', 'skip'], find: { keys: ['arch', 'blocks'] } },
  'test',
);
const EDGE_CELL = declaredSpace({ name: 'fuzz-edge-cell', kind: 'cell', nodes: 4, ops: ['none', 'skip', 'conv1x1', 'conv3x3'], none: 'none', find: { keys: ['cell'] } }, 'test');
const NODE_CELL = declaredSpace(
  { name: 'fuzz-node-cell', kind: 'cell', opsOn: 'nodes', nodes: 7, ops: ['conv3x3-bn-relu', 'conv1x1-bn-relu', 'maxpool3x3'], find: { keys: ['spec', 'cell'] } },
  'test',
);

interface Case {
  space: SearchSpace;
  /** The space's own tokens, mixed with SEPARATORS into near-valid text. */
  tokens: string[];
  /** The variable name the scanner looks for (declared spaces look only under their `find` keys). */
  name: string;
}

const SEPARATORS = [' ', '  ', '\n', '\r\n', '\t', '"', "'", '`', '[', ']', '{', '}', '(', ')', ',', ':', '=', '-', '_', '|', '~', '+', '#', ';', '.', '\\', '0', '1', '2', '3', '4', '5', '6', '64', '41414', '~0', '~1', '~2', '- '];
const FIND_WORDS = ['arch', 'ops', 'nb201_ops', 'cell', 'blocks', 'spec', 'matrix', 'ops:', 'arch:', 'arch =', '"arch": ', 'matrix: ', 'input', 'output'];

const CASES: Case[] = [
  ...BUILTIN_SPACES.map((space) => ({
    space,
    name: 'x',
    tokens:
      space.id === 'nb201'
        ? ['none', 'skip_connect', 'nor_conv_1x1', 'nor_conv_3x3', 'avg_pool_3x3', '|', '~', '+', '|+|', 'conv_7x7']
        : space.id === 'tnb101-micro'
          ? ['64-41414-', '64', '41414', '-', '_', '0', '1', '2', '3', '4', '9', '0_02_333', '99999999999']
          : space.id === 'nb301'
            ? ['Genotype(', 'normal=', 'reduce=', 'normal_concat=', 'reduce_concat=', 'range(2, 6)', "('sep_conv_3x3', 0)", "('skip_connect', 1)", "'sep_conv_7x7'", '(0, 3)', '(1, 6)', '[2, 3, 4, 5]', '"""', 'f"', 'r"', '\\']
            : space.id === 'nb101'
              ? ['ModelSpec(', 'api.', 'matrix=', 'ops=', 'INPUT', 'CONV3X3', 'OUTPUT', "'conv1x1-bn-relu'", 'np.array(', '[0, 1, 1]', '[[0, 1], [0, 0]]', '{', "'matrix':", '"""']
              : ['64-', '-basic', 'basic', '1', '2', '3', '4', '5', '0', '1234', '123412341234'],
  })),
  { space: SEQUENCE, name: 'arch', tokens: ['mb3_e3', 'mb3_e6', 'mb5_e3', 'mb5_e6', 'skip', 'skipp', '0', '4', '5', '-1', '1e3', 'null', '~', 'true'] },
  { space: EDGE_CELL, name: 'cell', tokens: ['none', 'skip', 'conv1x1', 'conv3x3', 'conv5x5', '0', '3', '4', '-'] },
  { space: NODE_CELL, name: 'spec', tokens: ['input', 'output', 'conv3x3-bn-relu', 'conv1x1-bn-relu', 'maxpool3x3', '[[0,1],[0,0]]', '[0,1,1]', '0', '1', '2'] },
];

/** Any UTF-16 string, lone surrogates included. */
const utf16 = fc.string({ unit: fc.integer({ min: 0, max: 0xffff }).map((c) => String.fromCharCode(c)), maxLength: 200 });

function textArbs(c: Case): fc.Arbitrary<string> {
  const mix = fc.array(fc.constantFrom(...c.tokens, ...SEPARATORS, ...FIND_WORDS), { maxLength: 60 }).map((xs) => xs.join(''));
  return fc.oneof(fc.string({ maxLength: 200 }), fc.string({ unit: 'binary', maxLength: 200 }), utf16, mix, mix, mix);
}

function checkRanges(problems: ArchProblem[], textLength: number, where: string): void {
  for (const p of problems) {
    assert.ok(
      Number.isInteger(p.start) && Number.isInteger(p.end) && p.start >= 0 && p.start < p.end && p.end <= textLength,
      `${where}: range ${p.start}..${p.end} outside 0..${textLength} (${p.message.slice(0, 120)})`,
    );
    assert.equal(typeof p.message, 'string');
  }
}

function checkParse(space: SearchSpace, text: string): void {
  const r = space.parse(text);
  if (r.ok) {
    assert.equal(typeof r.key, 'string');
    space.lint(r.arch);
    space.features(r.arch);
  } else {
    assert.ok(r.problems.length > 0, 'a failed parse names a problem');
    // An empty text has no character to point at; the range may cover the (empty) text only.
    if (text.length === 0) for (const p of r.problems) assert.ok(p.start === 0 && p.end <= 1, `empty text: range ${p.start}..${p.end}`);
    else checkRanges(r.problems, text.length, `parse ${JSON.stringify(text.slice(0, 80))}`);
  }
}

function checkScan(space: SearchSpace, text: string): void {
  for (const f of space.scan(text)) {
    assert.ok(f.start >= 0 && f.start < f.end && f.end <= text.length, `found ${f.start}..${f.end} outside 0..${text.length}`);
    assert.equal(text.slice(f.start, f.end), f.text);
    if (!f.result.ok) checkRanges(f.result.problems, text.length, `scan ${JSON.stringify(text.slice(0, 80))}`);
  }
}

const ident = fc.stringMatching(/^[A-Za-z_][A-Za-z0-9_]{0,11}$/);
const PYTHON_SPACES = ['nb301', 'nb101'];
const indent = fc.constantFrom('', '  ', '    ', '\t');
/** A line of ordinary code: assignments, calls, comments or blank. */
const codeLine = fc.oneof(
  fc.tuple(indent, ident, ident).map(([i, a, b]) => `${i}${a} = ${b}`),
  fc.tuple(indent, ident, ident).map(([i, a, b]) => `${i}${a}(${b})`),
  fc.tuple(indent, ident).map(([i, a]) => `${i}# ${a}`),
  fc.constantFrom('', '   ', '\t'),
);

describe('fuzz: parsers and scanners of every space', () => {
  for (const c of CASES) {
    describe(c.space.id, () => {
      it('parse never throws, and problem ranges lie inside the text', () => {
        fc.assert(fc.property(textArbs(c), (text) => checkParse(c.space, text)), params());
      });

      it('scan never throws, and found and problem ranges lie inside the text', () => {
        fc.assert(fc.property(textArbs(c), (text) => checkScan(c.space, text)), params());
      });

      const size = c.space.size;
      const fromIndex = c.space.fromIndex?.bind(c.space);
      if (size !== undefined && fromIndex) {
        it('key(fromIndex(i)) parses back to the same key (and index)', () => {
          fc.assert(
            fc.property(fc.integer({ min: 0, max: size - 1 }), (i) => {
              const a = fromIndex(i);
              const k = c.space.key(a);
              const r = c.space.parse(k);
              assert.ok(r.ok, `${k}: ${JSON.stringify(!r.ok && r.problems)}`);
              assert.equal(r.key, k);
              assert.equal(c.space.key(r.arch), k);
              if (c.space.indexOf) assert.equal(c.space.indexOf(r.arch), i);
            }),
            params(),
          );
        });
      } else {
        it('the key of a sampled architecture parses back to itself', () => {
          fc.assert(
            fc.property(fc.integer({ min: 1, max: 2 ** 31 - 1 }), (seed) => {
              let s = seed;
              const random = (): number => ((s = (Math.imul(s, 48271) >>> 0) % 2147483647) / 2147483647);
              const [a] = c.space.sample(random, 1);
              const k = c.space.key(a);
              const r = c.space.parse(k);
              assert.ok(r.ok, `${k}: ${JSON.stringify(!r.ok && r.problems)}`);
              assert.equal(r.key, k);
            }),
            params(100),
          );
        });
      }

      it('scan finds every valid architecture embedded in random code, at its offsets', () => {
        const archIndex = size !== undefined ? fc.integer({ min: 0, max: size - 1 }) : fc.integer({ min: 1, max: 2 ** 31 - 1 });
        const keyOf = (n: number): string => {
          if (size !== undefined && fromIndex) return c.space.key(fromIndex(n));
          let s = n;
          const random = (): number => ((s = (Math.imul(s, 48271) >>> 0) % 2147483647) / 2147483647);
          return c.space.key(c.space.sample(random, 1)[0]);
        };
        const doc = fc.array(fc.oneof({ arbitrary: codeLine, weight: 3 }, { arbitrary: fc.tuple(indent, archIndex), weight: 1 }), { minLength: 1, maxLength: 20 });
        fc.assert(
          fc.property(doc, (lines) => {
            const want: { key: string; start: number; end: number }[] = [];
            let text = '';
            for (const l of lines) {
              if (typeof l === 'string') {
                if (l.trim() === c.name) continue;
                text += `${l}\n`;
              } else {
                // `x = "<key>"`; a key that holds quotes (a node cell's JSON) as a literal: `spec = {...}`.
                const key = keyOf(l[1]);
                // Spaces read as Python expressions find literals, not strings: no quotes for them.
                const q = key.includes('"') || PYTHON_SPACES.includes(c.space.id) ? '' : '"';
                const head = `${l[0]}${c.name} = ${q}`;
                want.push({ key, start: text.length + head.length - q.length, end: text.length + head.length + key.length + q.length });
                text += `${head}${key}${q}\n`;
              }
            }
            const found = c.space.scan(text);
            for (const w of want) {
              // The found range covers the key, within its quotes.
              const hit = found.find((f) => f.result.ok && f.result.key === w.key && f.start >= w.start && f.end <= w.end && f.end - f.start >= w.key.length);
              assert.ok(hit, `${w.key} at ${w.start} not found in ${JSON.stringify(text)}: ${JSON.stringify(found.map((f) => [f.start, f.end, f.result.ok]))}`);
            }
            assert.equal(found.filter((f) => f.result.ok).length, want.length, `exactly the embedded architectures in ${JSON.stringify(text)}`);
          }),
          params(200),
        );
      });
    });
  }
});

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'dele-fuzz-'));
after(() => fs.rmSync(tmp, { recursive: true, force: true }));

function importText(name: string, text: string | Uint8Array, opts: Parameters<typeof importDataFile>[1] = {}): ReturnType<typeof importDataFile> {
  const p = path.join(tmp, name);
  fs.writeFileSync(p, text);
  return importDataFile(p, opts);
}

function dataError(fn: () => unknown): DataError {
  try {
    fn();
  } catch (e) {
    assert.ok(DataError.is(e), `expected a DataError, got ${(e as Error)?.stack ?? e}`);
    return e;
  }
  return assert.fail('expected a DataError');
}

const A = '|nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+|skip_connect~0|nor_conv_3x3~1|nor_conv_3x3~2|';
const B = '|none~0|+|none~0|none~1|+|none~0|none~1|none~2|';

describe('CSV import (RFC 4180)', () => {
  it('reads quoted fields holding commas, doubled quotes and line breaks', () => {
    const text = `arch,acc,note\n"${A}",93.1,"two, words"\n${B},10.5,"a ""quoted""\r\nnote\n\n# not a comment\nstill the note"\n`;
    const ds = importText('multi.csv', text, { targets: ['acc'], lfs: [] });
    assert.deepEqual(ds.keys, [A, B]);
    assert.deepEqual([...at(ds.columns, 0).values], [93.1, 10.5]);
    // A declared space whose architecture is written with commas, quoted, across two lines.
    const seq = importText('seq.csv', 'arch,acc\r\n"[mb3_e3, skip,\r\n mb5_e6, mb3_e3, skip]",1\r\n"0-4-3-0-0",2\r\n', { space: SEQUENCE });
    assert.deepEqual(seq.keys, ['mb3_e3-skip-mb5_e6-mb3_e3-skip', 'mb3_e3-skip-mb5_e6-mb3_e3-mb3_e3']);
  });

  it('names the physical line where a record starts, after multi-line records, comments and blank lines', () => {
    const head = `# a comment\narch,acc,note\n${A},1,"one\ntwo\r\nthree"\n\n# comment\n`;
    // The next record starts on line 8: after the header (2), a 3-line record (3-5), a blank line and a comment.
    assert.match(dataError(() => importText('ragged.csv', `${head}${B},2\n`)).message, /ragged\.csv:8: 2 cells, but the header has 3/);
    assert.match(dataError(() => importText('bad.csv', `${head}"${B}\nx",2,"y\nz"\n`, { targets: ['acc'], lfs: [] })).message, /bad\.csv:8: invalid architecture/);
    assert.match(dataError(() => importText('num.csv', `${head}${B},"\nabc",z\n`, { targets: ['acc'], lfs: [] })).message, /num\.csv:8: column "acc" has "abc"/);
    assert.match(dataError(() => importText('dup.csv', `${head}"${A}",2,"\n"\n`, { targets: ['acc'], lfs: [] })).message, /dup\.csv:8: duplicate architecture .*first at .*dup\.csv:3/);
    assert.match(dataError(() => importText('open.csv', `${head}${B},2,"never\nclosed\n`)).message, /open\.csv:8: unterminated quote$/);
    assert.match(dataError(() => importText('open1.csv', `arch,acc\n"${A},1\n`)).message, /open1\.csv:2: unterminated quote$/);
    assert.match(dataError(() => importText('stray.csv', `${head}${B},2,x"y\n`)).message, /stray\.csv:8: a quote inside an unquoted field/);
  });

  it('strips a BOM and reads CRLF', () => {
    const ds = importText('bom.csv', `\uFEFFarch,acc\r\n${A},1\r\n\r\n${B},2\r\n`);
    assert.deepEqual(ds.keys, [A, B]);
  });

  it('throws only DataError on random bytes and on random CSV-like text', () => {
    const csvish = fc
      .array(fc.constantFrom('arch', 'acc', 'flops', ',', '"', '""', '\n', '\r\n', '\r', '#', ' ', '\uFEFF', 'nan', '1', '-2.5e3', A, B, '|none~0|', 'x'), { maxLength: 40 })
      .map((xs) => xs.join(''));
    const input = fc.oneof(fc.uint8Array({ maxLength: 300 }), csvish, csvish.map((t) => `arch,acc\n${t}`));
    let n = 0;
    fc.assert(
      fc.property(input, (data) => {
        try {
          importText(`r${n++ % 8}.csv`, data);
        } catch (e) {
          assert.ok(DataError.is(e), `expected a DataError, got ${(e as Error)?.stack ?? e}`);
        }
      }),
      params(),
    );
  });
});
