import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { searchSpace, seededRandom } from '../../src/search';
import { nb101Space } from '../../src/space/nb101';
import { nb201Space } from '../../src/space/nb201';
import { type Nb201Arch, nb201Code, nb201FromCode, nb201ToString } from '../../src/space/nb201/cell';
import { type Nb301Arch, NB301_OPS, nb301Space } from '../../src/space/nb301';
import { at } from './at';

const CONV3 = 3; // NB201_OPS.indexOf('nor_conv_3x3')
const SEP3 = NB301_OPS.indexOf('sep_conv_3x3');

/** NB201: conv3x3 edges, ties broken by a fixed tiny per-cell value; the unique optimum is all conv3x3. */
const convScore = (a: Nb201Arch): number => a.filter((o) => o === CONV3).length + (((nb201Code(a) * 2654435761) >>> 0) / 2 ** 32) * 1e-3;
const NB201_OPT = nb201ToString([CONV3, CONV3, CONV3, CONV3, CONV3, CONV3]);

/** NB301: sep_conv_3x3 edges in both cells (0..16) plus a tie-break from the key. */
function sepScore(a: Nb301Arch): number {
  const n = [...a.normal, ...a.reduce].filter((e) => e.op === SEP3).length;
  let h = 0;
  for (const ch of nb301Space.key(a)) h = (Math.imul(h, 31) + ch.charCodeAt(0)) >>> 0;
  return n + (h / 2 ** 32) * 1e-3;
}

/** A scorer that records every call, to check the budget and that no key is scored twice. */
function recording<A>(key: (a: A) => string, f: (a: A) => number): { score: (archs: A[]) => number[]; calls: string[][] } {
  const calls: string[][] = [];
  return {
    calls,
    score: (archs) => {
      calls.push(archs.map(key));
      return archs.map(f);
    },
  };
}

const hamming = (a: Nb201Arch, b: Nb201Arch): number => a.filter((o, i) => o !== b[i]).length;

describe('searchSpace', () => {
  it('enumerates a space within the budget and returns its exact top N', async () => {
    // A score with no structure to exploit: a seeded random value per cell.
    const r = seededRandom(11);
    const values = Array.from({ length: 15625 }, () => r());
    const rec = recording(nb201Space.key, (a: Nb201Arch) => values[nb201Code(a)] as number);
    const res = await searchSpace(nb201Space, rec.score, { top: 10, budget: 15625, seed: 0 });
    assert.equal(res.method, 'enumerate');
    assert.equal(res.evaluated, 15625);
    assert.equal(res.cancelled, false);
    const expected = values
      .map((v, i) => ({ v, i }))
      .sort((x, y) => y.v - x.v)
      .slice(0, 10)
      .map((x) => nb201ToString(nb201FromCode(x.i)));
    assert.deepEqual(
      res.proposals.map((p) => p.key),
      expected,
    );
    assert.equal(at(res.proposals, 0).score, Math.max(...values));
    assert.equal(new Set(rec.calls.flat()).size, 15625, 'every cell scored once');
  });

  it('excluded keys are never proposed (enumeration skips them, evolution may breed from them)', async () => {
    const all = Array.from({ length: 15625 }, (_, i) => nb201FromCode(i)).sort((a, b) => convScore(b) - convScore(a));
    const exclude = new Set(all.slice(0, 3).map(nb201ToString));
    let last = { evaluated: 0, budget: 0 };
    const en = await searchSpace(nb201Space, (as) => as.map(convScore), { top: 5, budget: 20000, seed: 0, exclude, onProgress: (p) => (last = p) });
    assert.deepEqual(
      en.proposals.map((p) => p.key),
      all.slice(3, 8).map(nb201ToString),
    );
    assert.equal(en.evaluated, 15625 - 3);
    assert.deepEqual([last.evaluated, last.budget], [15622, 15622], 'progress ends at 100%');
    const ev = await searchSpace(nb201Space, (as) => as.map(convScore), { top: 20, budget: 800, seed: 2, exclude, from: [all[0] as Nb201Arch] });
    assert.equal(ev.method, 'evolution');
    assert.equal(ev.proposals.length, 20);
    for (const p of ev.proposals) assert.ok(!exclude.has(p.key), `${p.key} is excluded`);
    // The 4th best cell is one edit from the excluded optimum it started from: found.
    assert.equal(at(ev.proposals, 0).key, nb201ToString(at(all, 3)));
  });

  it('evolution finds the NB201 optimum of a synthetic score well within the budget', async () => {
    for (const seed of [0, 1, 2]) {
      const rec = recording(nb201Space.key, convScore);
      const res = await searchSpace(nb201Space, rec.score, { top: 10, budget: 600, seed });
      assert.equal(res.method, 'evolution');
      assert.equal(at(res.proposals, 0).key, NB201_OPT, `seed ${seed}`);
      assert.equal(res.proposals.length, 10);
      assert.equal(new Set(res.proposals.map((p) => p.key)).size, 10, 'distinct proposals');
      for (let i = 1; i < res.proposals.length; i++) assert.ok(at(res.proposals, i - 1).score >= at(res.proposals, i).score, 'best first');
    }
  });

  it('evolution on NB301 (about 10^18 cells) beats random sampling with the same budget', async () => {
    const budget = 500;
    let evo = 0;
    let rnd = 0;
    for (const seed of [0, 1, 2]) {
      const res = await searchSpace(nb301Space, (as) => as.map(sepScore), { top: 1, budget, seed });
      evo += at(res.proposals, 0).score;
      rnd += Math.max(...nb301Space.sample(seededRandom(100 + seed), budget).map(sepScore));
    }
    // Random draws average 16/7 sep_conv_3x3 edges; the best of 500 has about 7. Evolution climbs much higher.
    assert.ok(evo / 3 > rnd / 3 + 3, `evolution ${evo / 3} vs random ${rnd / 3}`);
  });

  it('scores exactly the budget, in batches of at most `batch`, never a key twice', async () => {
    for (const [budget, batch] of [
      [137, 32],
      [50, 7],
      [1, 32],
    ] as const) {
      const rec = recording(nb301Space.key, sepScore);
      const res = await searchSpace(nb301Space, rec.score, { top: 5, budget, batch, seed: 4 });
      const scored = rec.calls.flat();
      assert.equal(scored.length, budget, `budget ${budget}`);
      assert.equal(res.evaluated, budget);
      assert.equal(new Set(scored).size, scored.length, 'no key scored twice');
      for (const c of rec.calls) assert.ok(c.length >= 1 && c.length <= batch, `call of ${c.length}`);
      assert.equal(res.proposals.length, Math.min(5, budget));
    }
    // Enumeration does not start when the budget is below the space's size.
    const stop = new AbortController();
    const res = await searchSpace(nb201Space, (as) => as.map(convScore), { top: 3, budget: 15624, seed: 0, signal: stop.signal, onProgress: () => stop.abort() });
    assert.deepEqual([res.method, res.evaluated], ['evolution', 32]);
    const none = await searchSpace(nb201Space, (as) => as.map(convScore), { top: 3, budget: 0, seed: 0 });
    assert.deepEqual([none.evaluated, none.proposals.length], [0, 0]);
  });

  it('is deterministic for a seed and differs between seeds', async () => {
    const run = async (seed: number): Promise<string[]> => {
      const rec = recording(nb301Space.key, sepScore);
      await searchSpace(nb301Space, rec.score, { top: 5, budget: 200, seed });
      return rec.calls.flat();
    };
    const a = await run(7);
    assert.deepEqual(await run(7), a);
    assert.notDeepEqual(await run(8), a);
  });

  it('starts from `from` and its neighbours', async () => {
    const from = nb201FromCode(1234);
    const neighbours = nb201Space.neighbours?.(from) ?? [];
    assert.equal(neighbours.length, 24);
    const rec = recording(nb201Space.key, convScore);
    const res = await searchSpace(nb201Space, rec.score, { top: 25, budget: 25, seed: 3, from: [from], population: 25 });
    const scored = rec.calls.flat();
    assert.equal(scored[0], nb201ToString(from));
    assert.deepEqual([...scored].sort(), [from, ...neighbours.map((n) => n.arch)].map(nb201ToString).sort());
    for (const p of res.proposals) assert.ok(hamming(p.arch, from) <= 1);
    // NB301: the first architecture scored is the start.
    const start = at(nb301Space.sample(seededRandom(5), 1), 0);
    const r301 = recording(nb301Space.key, sepScore);
    await searchSpace(nb301Space, r301.score, { top: 1, budget: 40, seed: 0, from: [start] });
    assert.equal(at(at(r301.calls, 0), 0), nb301Space.key(start));
  });

  it('a space without neighbours mutates by resampling', async () => {
    assert.equal(nb101Space.neighbours, undefined);
    const rec = recording(nb101Space.key, () => 0);
    const res = await searchSpace(nb101Space, rec.score, { top: 3, budget: 120, seed: 1 });
    assert.equal(res.method, 'evolution');
    assert.equal(res.evaluated, 120);
    assert.equal(new Set(rec.calls.flat()).size, 120);
  });

  it('cancels promptly through an AbortSignal and keeps what it found', async () => {
    const ac = new AbortController();
    let calls = 0;
    const t0 = Date.now();
    const res = await searchSpace(
      nb301Space,
      async (as) => {
        calls++;
        await new Promise((r) => setTimeout(r, 5));
        return as.map(sepScore);
      },
      {
        top: 5,
        budget: 100_000,
        seed: 0,
        signal: ac.signal,
        onProgress: (p) => {
          if (p.evaluated >= 82) ac.abort(); // 32 + 18 (the initial 50), then 32 children
        },
      },
    );
    assert.equal(res.cancelled, true);
    assert.equal(res.evaluated, 82);
    assert.equal(calls, 3);
    assert.equal(res.proposals.length, 5);
    assert.ok(Date.now() - t0 < 2000);
    // Aborted from outside while a call is pending: no further call starts.
    const ac2 = new AbortController();
    let n = 0;
    const p = searchSpace(
      nb201Space,
      (as) => {
        n++;
        return as.map(convScore);
      },
      { top: 3, budget: 15625, seed: 0, signal: ac2.signal },
    );
    ac2.abort();
    const r2 = await p;
    assert.equal(r2.cancelled, true);
    assert.equal(n, 1, 'the first chunk runs synchronously; none after the abort');
  });

  it('reports progress after every call and refuses a scorer that returns the wrong number of scores', async () => {
    const seen: { evaluated: number; budget: number; bestScore: number }[] = [];
    await searchSpace(nb201Space, (as) => as.map(convScore), { top: 1, budget: 100, seed: 0, onProgress: (p) => seen.push(p) });
    assert.deepEqual(
      seen.map((p) => p.evaluated),
      [32, 50, 82, 100],
    );
    assert.ok(seen.every((p) => p.budget === 100));
    for (let i = 1; i < seen.length; i++) assert.ok(at(seen, i).bestScore >= at(seen, i - 1).bestScore);
    await assert.rejects(searchSpace(nb201Space, (as) => as.slice(1).map(convScore), { top: 1, budget: 100, seed: 0 }), /returned 31 scores for 32/);
    await assert.rejects(searchSpace(nb201Space, () => [], { top: 0, budget: 100, seed: 0 }), /top must be an integer >= 1/);
  });
});
