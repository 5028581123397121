import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type Candidate, chooseBatch, type EnsembleScore, proposeBatch, scoreCandidates } from '../../src/search/batch';
import { nb201Space } from '../../src/space/nb201';
import { type Nb201Arch, nb201Code, nb201FromCode } from '../../src/space/nb201/cell';
import { nb301Space } from '../../src/space/nb301';

/** Two experts, weights 0.5/0.5: `a` and `b` are their scores. */
const two = (a: number, b: number): EnsembleScore => ({
  score: 0.5 * a + 0.5 * b,
  experts: [
    { name: 'x', weight: 0.5, score: a },
    { name: 'y', weight: 0.5, score: b },
  ],
});

/** A deterministic pseudo-random value in [0, 1) per integer. */
const hash = (i: number, salt: number): number => ((Math.imul(i ^ salt, 2654435761) >>> 0) % 100_000) / 100_000;

/** NB201 scorer: two experts that mostly agree (conv3x3 count) plus per-cell noise of their own. */
function nb201Scorer(calls?: string[][]): (archs: Nb201Arch[]) => EnsembleScore[] {
  return (archs) => {
    calls?.push(archs.map((a) => nb201Space.key(a)));
    return archs.map((a) => {
      const c = a.filter((o) => o === 3).length;
      return two(c + hash(nb201Code(a), 1), c + hash(nb201Code(a), 2));
    });
  };
}

const cands = (rows: [string, EnsembleScore][]): Candidate<string>[] => rows.map(([key, ensemble]) => ({ arch: key, key, ensemble }));
/** A space of opaque keys with no neighbours: only the ranking matters. */
const flat = { key: (a: string) => a };

describe('propose batch: the ucb rule', () => {
  it('beta 0 is the top k by the ensemble score; a candidate whose experts disagree wins at high beta', () => {
    const pool = cands([
      ['agree-high', two(3, 3)],
      ['agree-mid', two(2, 2)],
      ['disagree', two(4, -1.5)], // ensemble 1.25: the lowest mean, the largest spread
      ['agree-low', two(1.5, 1.5)],
    ]);
    const exploit = chooseBatch(flat, pool, { k: 2, beta: 0 });
    assert.deepEqual(
      exploit.batch.map((p) => p.key),
      ['agree-high', 'agree-mid'],
    );
    const sorted = [...pool].sort((a, b) => b.ensemble.score - a.ensemble.score).map((c) => c.key);
    assert.deepEqual(
      chooseBatch(flat, pool, { k: 4, beta: 0 }).batch.map((p) => p.key),
      sorted,
    );
    const explore = chooseBatch(flat, pool, { k: 1, beta: 5 });
    assert.equal(explore.batch[0]?.key, 'disagree');
    const s = scoreCandidates(pool, 1);
    for (const i of [0, 1, 3]) assert.ok(s[2]!.spread > 2 * s[i]!.spread, 'the disagreeing candidate has the largest spread');
    assert.ok(s[2]!.mean < s[0]!.mean && s[2]!.mean < s[1]!.mean);
    // One expert: no spread, ucb = mean at any beta.
    const single = scoreCandidates(cands([['p', { score: 1, experts: [{ name: 'x', weight: 1, score: 1 }] }], ['q', { score: 2, experts: [{ name: 'x', weight: 1, score: 2 }] }]]), 3);
    assert.deepEqual(single.map((p) => p.spread), [0, 0]);
    assert.deepEqual(single.map((p) => p.ucb), single.map((p) => p.mean));
  });

  it('skips labelled keys and repeated keys; k larger than the pool returns the whole pool', () => {
    const pool = cands([
      ['a', two(3, 3)],
      ['b', two(2, 2)],
      ['a', two(3, 3)],
      ['c', two(1, 1)],
    ]);
    const r = chooseBatch(flat, pool, { k: 10, beta: 1, labelled: new Set(['b']) });
    assert.deepEqual(
      r.batch.map((p) => p.key),
      ['a', 'c'],
    );
    assert.throws(() => chooseBatch(flat, pool, { k: 0 }), /k must be an integer >= 1/);
    assert.throws(() => chooseBatch(flat, pool, { k: 1, beta: -1 }), /beta must be a number >= 0/);
  });

  it('diverse: no two picks one edit apart, unless the batch would stay short', () => {
    const base: Nb201Arch = [3, 3, 3, 3, 3, 3];
    const one: Nb201Arch = [2, 3, 3, 3, 3, 3];
    const far: Nb201Arch = [1, 1, 1, 3, 3, 3];
    const pool: Candidate<Nb201Arch>[] = [
      { arch: base, key: nb201Space.key(base), ensemble: two(3, 3) },
      { arch: one, key: nb201Space.key(one), ensemble: two(2.9, 2.9) },
      { arch: far, key: nb201Space.key(far), ensemble: two(1, 1) },
    ];
    const d = chooseBatch(nb201Space, pool, { k: 2, beta: 0 });
    assert.deepEqual(
      d.batch.map((p) => p.arch),
      [base, far],
    );
    assert.equal(d.passedOver, 1);
    assert.deepEqual(
      chooseBatch(nb201Space, pool, { k: 2, beta: 0, diverse: false }).batch.map((p) => p.arch),
      [base, one],
    );
    const filled = chooseBatch(nb201Space, pool, { k: 3, beta: 0 });
    assert.deepEqual(
      filled.batch.map((p) => p.arch),
      [base, far, one],
    );
    assert.equal(filled.passedOver, 0);
  });
});

describe('proposeBatch', () => {
  it('enumerates a space within the budget and never proposes (nor scores) a labelled key', async () => {
    const first = await proposeBatch(nb201Space, nb201Scorer(), { k: 10, budget: 15625, seed: 0, beta: 1 });
    assert.equal(first.method, 'enumerate');
    assert.equal(first.pool, 15625);
    // Label what was proposed, plus some cells: the next batch is all new.
    const labelled = new Set([...first.batch.map((p) => p.key), ...Array.from({ length: 100 }, (_, i) => nb201Space.key(nb201FromCode(i * 97)))]);
    const calls: string[][] = [];
    const r = await proposeBatch(nb201Space, nb201Scorer(calls), { k: 25, budget: 15625, seed: 0, beta: 1, labelled });
    assert.equal(r.batch.length, 25);
    assert.equal(new Set(r.batch.map((p) => p.key)).size, 25);
    for (const p of r.batch) assert.ok(!labelled.has(p.key), `${p.key} is labelled`);
    assert.ok(!calls.flat().some((k) => labelled.has(k)), 'enumeration does not even score labelled keys');
    assert.equal(r.pool, 15625 - labelled.size);
  });

  it('is deterministic for a seed (evolution in a space larger than the budget), and differs across seeds', async () => {
    const scorer = (archs: unknown[]): EnsembleScore[] =>
      archs.map((a) => {
        const key = nb301Space.key(a as never);
        let h = 0;
        for (const ch of key) h = (Math.imul(h, 31) + ch.charCodeAt(0)) >>> 0;
        return two(hash(h, 3), hash(h, 4));
      });
    const o = { k: 8, budget: 300, seed: 5, beta: 1 };
    const a = await proposeBatch(nb301Space, scorer, o);
    const b = await proposeBatch(nb301Space, scorer, o);
    assert.equal(a.method, 'evolution');
    assert.equal(a.pool, 300);
    assert.deepEqual(
      a.batch.map((p) => p.key),
      b.batch.map((p) => p.key),
    );
    const c = await proposeBatch(nb301Space, scorer, { ...o, seed: 6 });
    assert.notDeepEqual(
      c.batch.map((p) => p.key),
      a.batch.map((p) => p.key),
    );
  });

  it('k larger than the pool returns every unlabelled candidate', async () => {
    const r = await proposeBatch(nb201Space, nb201Scorer(), { k: 50, budget: 30, seed: 1, diverse: false });
    assert.equal(r.method, 'evolution');
    assert.equal(r.pool, 30);
    assert.equal(r.batch.length, 30);
  });
});
