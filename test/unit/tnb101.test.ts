import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { loadBundled } from '../../src/data/dataset';
import { BUILTIN_SPACES, resolveSpace } from '../../src/space/registry';
import type { SearchSpace } from '../../src/space/types';
import { parseTnb101Macro, tnb101MacroSpace } from '../../src/space/tnb101Macro';
import { parseTnb101Micro, tnb101MicroSpace } from '../../src/space/tnb101Micro';
import { at } from './at';

type Problem = { message: string; start: number; end: number };

function problemsOf(r: ReturnType<typeof parseTnb101Micro>): [Problem, ...Problem[]] {
  assert.ok(!r.ok, 'expected problems');
  const [first, ...rest] = r.problems;
  assert.ok(first, 'expected at least one problem');
  return [first, ...rest];
}

describe('TransNAS-Bench-101 micro', () => {
  it('parses a cell into 6 op digits in NB201 edge order', () => {
    const r = parseTnb101Micro('64-41414-1_02_333');
    assert.ok(r.ok);
    assert.deepEqual(r.arch, [1, 0, 2, 3, 3, 3]);
    assert.equal(r.key, '64-41414-1_02_333');
    assert.deepEqual(tnb101MicroSpace.features(r.arch), { ops: [1, 0, 2, 3, 3, 3], tokens: [1, 0, 2, 3, 3, 3] });
  });

  it('reports an unknown digit, a wrong node length, channels and skeleton at their exact ranges', () => {
    const text = '64-41414-1_04_333';
    const [p] = problemsOf(parseTnb101Micro(text));
    assert.match(p.message, /unknown op digit 4/);
    assert.equal(text.slice(p.start, p.end), '4');
    const t2 = '64-41414-1_0_333';
    const [q] = problemsOf(parseTnb101Micro(t2));
    assert.match(q.message, /node 2 has 2 input edges .* found 1/);
    assert.equal(t2.slice(q.start, q.end), '0');
    const t3 = '32-41414-1_02_333';
    assert.equal(t3.slice(problemsOf(parseTnb101Micro(t3))[0].start, problemsOf(parseTnb101Micro(t3))[0].end), '32');
    const t4 = '64-41114-1_02_333';
    const [s] = problemsOf(parseTnb101Micro(t4));
    assert.match(s.message, /fixed macro skeleton 41414/);
    assert.equal(t4.slice(s.start, s.end), '41114');
  });

  it('enumerates 4,096 cells; every bundled architecture round-trips through parse and key', () => {
    assert.equal(tnb101MicroSpace.size, 4096);
    const ds = loadBundled('tnb101-micro');
    assert.equal(ds.archs.length, 4096);
    ds.keys.forEach((k, i) => {
      const r = parseTnb101Micro(k);
      assert.ok(r.ok && r.key === k, k);
      assert.equal(tnb101MicroSpace.indexOf?.(r.arch), i);
      assert.deepEqual(tnb101MicroSpace.fromIndex?.(i), r.arch);
    });
  });

  it('notes a cell whose output is unreachable', () => {
    assert.equal(tnb101MicroSpace.lint([1, 3, 3, 0, 0, 0]).length, 1);
    assert.equal(tnb101MicroSpace.lint([1, 3, 3, 0, 0, 3]).length, 0);
  });

  it('finds cell strings in Python and YAML, and leaves dates and version strings alone', () => {
    const py = 'CELLS = ["64-41414-3_33_333", \'64-41414-0_12_301\']\nbad = "64-41414-1_04_333"\nwhen = "2023-01-05_12_30"\nv = "1.2-3-4_5_6"\n';
    const found = tnb101MicroSpace.scan(py);
    assert.equal(found.length, 3);
    assert.equal(py.slice(at(found, 0).start, at(found, 0).end), '64-41414-3_33_333');
    assert.ok(at(found, 0).result.ok && at(found, 1).result.ok);
    const bad = at(found, 2);
    assert.ok(!bad.result.ok);
    assert.equal(py.slice(at(bad.result.problems, 0).start, at(bad.result.problems, 0).end), '4');
    const yaml = 'archs:\n  - 64-41414-3_33_333  # best\n';
    assert.equal(tnb101MicroSpace.scan(yaml).length, 1);
  });
});

describe('TransNAS-Bench-101 macro', () => {
  it('parses 4 to 6 module codes, padded to 6 tokens for the encoders', () => {
    const r = parseTnb101Macro('64-1234-basic');
    assert.ok(r.ok);
    assert.deepEqual(r.arch, [1, 2, 3, 4]);
    assert.deepEqual(tnb101MacroSpace.features(r.arch).tokens, [1, 2, 3, 4, 0, 0]);
  });

  it('reports bad codes, lengths and the downsampling / channel-doubling limits', () => {
    const t1 = '64-1254-basic';
    const [p] = problemsOf(parseTnb101Macro(t1));
    assert.match(p.message, /module code 5/);
    assert.equal(t1.slice(p.start, p.end), '5');
    assert.match(problemsOf(parseTnb101Macro('64-123-basic'))[0].message, /4 to 6 modules, this has 3/);
    assert.match(problemsOf(parseTnb101Macro('64-1111-basic'))[0].message, /1 to 4 modules must downsample/);
    assert.match(problemsOf(parseTnb101Macro('64-4444-basic'))[0].message, /1 to 3 modules must double/);
    const t2 = '64-1111-basic';
    const q = problemsOf(parseTnb101Macro(t2))[0];
    assert.equal(t2.slice(q.start, q.end), '1111');
  });

  it('has exactly the 3,256 bundled architectures; each round-trips', () => {
    assert.equal(tnb101MacroSpace.size, 3256);
    const ds = loadBundled('tnb101-macro');
    assert.equal(ds.archs.length, 3256);
    ds.keys.forEach((k, i) => {
      const r = parseTnb101Macro(k);
      assert.ok(r.ok && r.key === k, k);
      assert.equal(tnb101MacroSpace.indexOf?.(r.arch), i);
    });
  });

  it('finds macro strings in JSON', () => {
    const json = '{"candidates": ["64-1234-basic", "64-41515-basic", "64-123-basic"]}';
    const f = tnb101MacroSpace.scan(json);
    assert.equal(f.length, 3);
    assert.ok(at(f, 0).result.ok && !at(f, 1).result.ok && !at(f, 2).result.ok);
  });
});

describe('single-edit neighbours', () => {
  it('NB201 and TNB101 micro: every other op on each edge; macro: every other module code that stays in the space', () => {
    for (const [sp, text, n] of [
      [BUILTIN_SPACES.find((x) => x.id === 'nb201'), '|nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+|skip_connect~0|nor_conv_3x3~1|nor_conv_3x3~2|', 24],
      [tnb101MicroSpace, '64-41414-1_02_333', 18],
    ] as [SearchSpace | undefined, string, number][]) {
      assert.ok(sp?.neighbours);
      const r = sp.parse(text);
      assert.ok(r.ok);
      const ns = sp.neighbours(r.arch);
      assert.equal(ns.length, n);
      assert.equal(new Set(ns.map((x) => sp.key(x.arch))).size, n);
    }
    const r = parseTnb101Macro('64-2311-basic');
    assert.ok(r.ok);
    const ns = tnb101MacroSpace.neighbours?.(r.arch) ?? [];
    assert.ok(ns.length > 0 && ns.length < 12, String(ns.length));
    for (const x of ns) {
      const back = parseTnb101Macro(tnb101MacroSpace.key(x.arch));
      assert.ok(back.ok, tnb101MacroSpace.key(x.arch));
      assert.equal(x.arch.filter((c, i) => c !== r.arch[i]).length, 1);
    }
    // 64-2311 -> 64-1311 has no channel doubling, 64-2111 no downsampling: outside the space, not offered.
    assert.ok(!ns.some((x) => ['64-1311-basic', '64-2111-basic'].includes(tnb101MacroSpace.key(x.arch))));
  });
});

describe('space registry', () => {
  it('has unique ids, and every enumerable built-in space maps indices and keys one to one', () => {
    assert.equal(new Set(BUILTIN_SPACES.map((s) => s.id)).size, BUILTIN_SPACES.length);
    for (const sp of BUILTIN_SPACES.filter((s) => s.size !== undefined)) {
      const keys = new Set<string>();
      for (let i = 0; i < (sp.size as number); i += 7) {
        const a = sp.fromIndex?.(i);
        assert.equal(sp.indexOf?.(a), i);
        keys.add(sp.key(a));
        const f = sp.features(a);
        assert.equal(f.tokens.length, sp.encoderInput.seqLength);
        assert.ok(f.tokens.every((t) => t >= 0 && t < sp.encoderInput.seqVocab));
      }
      assert.equal(keys.size, Math.ceil((sp.size as number) / 7));
    }
  });

  it('samples distinct architectures deterministically', () => {
    let x = 1;
    const rnd = (): number => ((x = (x * 16807) % 2147483647) / 2147483647);
    const a = tnb101MicroSpace.sample(rnd, 100).map((v) => tnb101MicroSpace.key(v));
    x = 1;
    const b = tnb101MicroSpace.sample(rnd, 100).map((v) => tnb101MicroSpace.key(v));
    assert.deepEqual(a, b);
    assert.equal(new Set(a).size, 100);
  });

  it('refuses an unknown space id with the list of built-in spaces', () => {
    assert.throws(() => resolveSpace('nb999'), /unknown search space "nb999"; built-in spaces: nb201, tnb101-micro, tnb101-macro/);
  });
});
