import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { loadBundled } from '../../src/data/dataset';
import { nb201Benchmark } from '../../src/space/nb201/benchmark';
import { BUILTIN_SPACES, builtinSpace, parseSpaceFile } from '../../src/space/registry';
import { ARCH_TRIGGER_PATTERNS } from '../../src/space/triggers';
import { defined } from './at';

// What a document of each built-in space typically holds: its own triggers must fire on it.
const WRITTEN: Record<string, string> = {
  nb201: 'arch = "|nor_conv_3x3~0|+|nor_conv_3x3~0|avg_pool_3x3~1|+|skip_connect~0|nor_conv_3x3~1|skip_connect~2|"',
  'tnb101-micro': 'cell: 64-41414-0_02_333',
  'tnb101-macro': 'macro: 64-41414-basic',
  nb301: "DARTS_V2 = Genotype(normal=[('sep_conv_3x3', 0)], normal_concat=[2, 3, 4, 5], reduce=[], reduce_concat=[2])",
  nb101: 'spec = api.ModelSpec(matrix=m, ops=o)',
};

describe('the space seam: what a built-in space declares in its own folder', () => {
  it('every built-in space declares trigger patterns, and the client’s list is exactly their union in registry order', () => {
    const union: string[] = [];
    for (const space of BUILTIN_SPACES) {
      const own = defined(space.triggerPatterns, `${space.id} triggerPatterns`);
      assert.ok(own.length > 0, space.id);
      union.push(...own);
    }
    assert.deepEqual([...ARCH_TRIGGER_PATTERNS], union);
  });

  it('each space’s triggers fire on its own written form, and none fires on ordinary code', () => {
    for (const space of BUILTIN_SPACES) {
      const own = defined(space.triggerPatterns).map((p) => new RegExp(p));
      const text = defined(WRITTEN[space.id], `a written ${space.id} architecture`);
      assert.ok(own.some((r) => r.test(text)), `${space.id}: ${text}`);
    }
    const ordinary = 'import torch\nx = [1, 2, 3]\nm = matrix @ other\ny = [[1, 2], [3, 4]]\nprint(f"{a} | {b}")\n';
    assert.ok(!ARCH_TRIGGER_PATTERNS.some((p) => new RegExp(p).test(ordinary)));
  });

  it('NB201’s table conventions come from its space: default target, expert sets, the 6-digit stored form', () => {
    const nb201 = defined(builtinSpace('nb201'));
    assert.equal(nb201.benchmark, nb201Benchmark);
    const ds = loadBundled('nb201');
    assert.equal(ds.defaultTarget, nb201Benchmark.defaultTarget);
    assert.deepEqual(ds.defaultExperts, nb201Benchmark.defaultExperts);
    assert.deepEqual(Object.keys(ds.expertSets ?? {}).sort(), ['default', 'paper']);
    const decoded = defined(nb201Benchmark.decode?.('130224'));
    const parsed = nb201.parse('|skip_connect~0|+|nor_conv_3x3~0|none~1|+|nor_conv_1x1~0|nor_conv_1x1~1|avg_pool_3x3~2|');
    assert.ok(parsed.ok);
    assert.deepEqual(decoded, parsed.arch);
    assert.equal(nb201Benchmark.decode?.('|none~0|+|none~0|none~1|+|none~0|none~1|none~2|'), undefined, 'not the compact form: parsed in the space syntax');
    // Spaces without conventions keep what their table says.
    for (const id of ['tnb101-micro', 'nb301']) assert.equal(defined(builtinSpace(id)).benchmark, undefined);
  });

  it('the built-in spaces\' ids are reserved by the registry itself: no space file may take one', () => {
    const file = (name: string): string => `name: ${name}\nkind: sequence\npositions: 2\nchoices: [a, b]\n`;
    for (const { id } of BUILTIN_SPACES) assert.throws(() => parseSpaceFile(file(id), 'x.space.yaml'), new RegExp(`name: "${id}" is a built-in space`), id);
    assert.equal(parseSpaceFile(file('my-space'), 'x.space.yaml').space.id, 'my-space');
  });
});
