import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { before, describe, it } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import { type Dataset, loadBundledNb201, makeDataset } from '../../src/data/dataset';
import { bestSoFar, deleLoop, type LoopRun, lfPool, type Oracle, randomArchs, randomSearch, regularisedEvolution, summariseRuns, tableOracle } from '../../src/experiment/loop';
import { lineChartSvg, niceTicks } from '../../src/experiment/loopPlot';
import { Step1Cache } from '../../src/experiment/step1Cache';
import { initBackend } from '../../src/runtime/backend';
import { at } from './at';
import { nb201Slice } from './slice';

const TRUTH = 'c10_test_200ep';
const LF = ['c10valid_xvalid_12ep', 'zc_c10_synflow', 'zc_c10_nwot'];
const TINY = { encoder: 'gates' as const, preset: 'tiny' as const, optim: { pretrainEpochs: 2, epochs: 8 } };

const keysOf = (r: LoopRun): string[] => r.evaluations.map((e) => e.key);

function assertDistinct(r: LoopRun): void {
  assert.equal(new Set(keysOf(r)).size, r.evaluations.length, `${r.method}: an architecture was evaluated twice`);
}

describe('the practitioner’s loop on a benchmark table (src/experiment/loop.ts)', () => {
  let full: Dataset;
  let oracle: Oracle;
  /** 800 NB201 rows with 3 LF columns and the target (lfPool drops it). */
  let small: Dataset;
  before(async () => {
    await initBackend('wasm');
    full = loadBundledNb201();
    oracle = tableOracle(full, TRUTH);
    small = nb201Slice([...LF, TRUTH], { size: 800, stride: 19, source: 'test-pool' });
  });

  it('the oracle looks up the table by canonical key, knows the best of the space, refuses LF columns and unknown archs', () => {
    assert.equal(oracle.size, 15625);
    assert.equal(Number(oracle.best.toFixed(2)), 94.37);
    assert.equal(oracle.value(at(full.keys, 7)), at(full.columns.find((c) => c.name === TRUTH)!.values, 7));
    assert.throws(() => oracle.value('|none~0|+|none~0|none~1|+|'), /no "c10_test_200ep" value/);
    assert.throws(() => tableOracle(full, 'zc_c10_nwot'), /LF measure, not a target/);
  });

  it('the pool keeps the LF columns and the default experts only: no target reaches DELE', () => {
    const pool = lfPool(small);
    assert.deepEqual(pool.columns.map((c) => c.name).sort(), [...LF].sort());
    assert.ok(pool.columns.every((c) => c.kind === 'lf'));
    const bundledPool = lfPool(full);
    assert.equal(bundledPool.columns.filter((c) => c.kind === 'target').length, 0);
    assert.deepEqual(bundledPool.defaultExperts, full.defaultExperts);
    assert.equal(bundledPool.archs.length, 15625);
  });

  it('random search: distinct architectures, the same for the same seed, and its first n are every method’s start', async () => {
    const a = randomSearch(oracle, { budget: 110, seed: 3 });
    assert.equal(a.evaluations.length, 110);
    assertDistinct(a);
    assert.deepEqual(randomSearch(oracle, { budget: 110, seed: 3 }), a);
    assert.notDeepEqual(keysOf(randomSearch(oracle, { budget: 110, seed: 4 })), keysOf(a));
    const first10 = randomArchs(full.space, 3, 10).map((x) => full.space.key(x));
    assert.deepEqual(keysOf(a).slice(0, 10), first10);
    const evo = await regularisedEvolution(oracle, { budget: 30, seed: 3, population: 10, tournament: 3 });
    assert.deepEqual(keysOf(evo).slice(0, 10), first10);
  });

  it('regularised evolution: exactly the budget of distinct evaluations, children one edit from an earlier one, seeded', async () => {
    const o = { budget: 110, seed: 1, population: 10, tournament: 3 };
    const r = await regularisedEvolution(oracle, o);
    assert.equal(r.evaluations.length, 110);
    assertDistinct(r);
    assert.deepEqual(await regularisedEvolution(oracle, o), r);
    // After the random population, a child is a mutation of an evaluated parent (a random draw only when every
    // mutation tried was evaluated already, rare this early).
    const archOf = new Map(full.keys.map((k, i) => [k, full.archs[i]]));
    const seen = new Set(keysOf(r).slice(0, o.population));
    let mutations = 0;
    for (const e of r.evaluations.slice(o.population)) {
      const isNeighbour = [...seen].some((k) => full.space.neighbours!(archOf.get(k)).some((n) => full.space.key(n.arch) === e.key));
      if (isNeighbour) mutations++;
      seen.add(e.key);
    }
    assert.ok(mutations >= 95, `${mutations} of 100 children are one edit from an evaluated architecture`);
    // Evolution beats its own random start on NB201.
    assert.ok(Math.max(...r.evaluations.map((e) => e.value)) > Math.max(...r.evaluations.slice(0, 10).map((e) => e.value)));
    await assert.rejects(regularisedEvolution(oracle, { ...o, budget: 15625 }), /covers the whole space/);
  });

  it('the DELE loop: labels grow by k a round, nothing proposed twice, step 1 once per seed, best so far never drops, seeded', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dele-loop-'));
    const pool = lfPool(small);
    const tensors = tf.memory().numTensors;
    const seen: number[] = [];
    const o = { ...TINY, seed: 2, initial: 4, rounds: 2, k: 3, step1: new Step1Cache(dir), onRound: (r: { labelled: number }) => void seen.push(r.labelled) };
    const run = await deleLoop(pool, oracle, o);
    assert.equal(tf.memory().numTensors, tensors, 'the loop leaks tensors');
    assert.equal(run.evaluations.length, 4 + 2 * 3);
    assertDistinct(run);
    assert.deepEqual(keysOf(run).slice(0, 4), randomArchs(full.space, 2, 4).map((a) => full.space.key(a)));
    assert.deepEqual(seen, [4, 7]);
    assert.deepEqual(run.rounds.map((r) => r.labelled), [4, 7]);
    assert.deepEqual(run.rounds.map((r) => r.batch.length), [3, 3]);
    assert.deepEqual(run.rounds.map((r) => r.step1Cached), [false, true]);
    assert.deepEqual(run.experts.sort(), [...LF].sort());
    for (const e of run.evaluations) assert.equal(e.value, oracle.value(e.key));
    const curve = bestSoFar(run, Array.from({ length: 10 }, (_, i) => i + 1));
    for (let i = 1; i < curve.length; i++) assert.ok(at(curve, i) >= at(curve, i - 1));
    assert.equal(at(run.rounds, 1).best, at(curve, 9));
    // Same seed, same loop (step 1 now from the store for both rounds).
    const again = await deleLoop(pool, oracle, { ...o, onRound: undefined });
    assert.deepEqual(keysOf(again), keysOf(run));
    assert.deepEqual(again.rounds.map((r) => r.step1Cached), [true, true]);
  });

  it('beta 0 is named as such; a pool of another space is refused', async () => {
    const other = makeDataset('x', { ...full.space, id: 'other' }, [], []);
    await assert.rejects(deleLoop(other, oracle, { ...TINY, seed: 0, initial: 4, rounds: 1, k: 3 }), /pool is of space other/);
    const zero = await deleLoop(lfPool(small), oracle, { ...TINY, seed: 0, initial: 4, rounds: 1, k: 3, beta: 0 });
    assert.equal(zero.method, 'dele-beta0');
    assert.equal(zero.evaluations.length, 7);
  });

  it('best so far and regret: prefix maxima, mean and population std over seeds, NaN past a run’s end', () => {
    const runs: LoopRun[] = [
      { method: 'm', seed: 0, evaluations: [90, 92, 91, 93].map((value, i) => ({ key: `a${i}`, value })) },
      { method: 'm', seed: 1, evaluations: [94, 90].map((value, i) => ({ key: `b${i}`, value })) },
    ];
    assert.deepEqual(bestSoFar(at(runs, 0), [1, 2, 3, 4, 5]), [90, 92, 92, 93, NaN]);
    const s = summariseRuns(runs, [1, 2, 4], 95);
    assert.deepEqual(s.map((p) => p.runs), [2, 2, 1]);
    assert.deepEqual(s.map((p) => p.best.mean), [92, 93, 93]);
    assert.deepEqual(s.map((p) => p.best.std), [2, 1, 0]);
    assert.deepEqual(s.map((p) => p.regret.mean), [3, 2, 2]);
  });

  it('the SVG chart: a band and a line per method and panel, round ticks, escaped labels', () => {
    assert.deepEqual(niceTicks(10, 110), [20, 40, 60, 80, 100]);
    assert.deepEqual(niceTicks(93.1, 94.4), [93.2, 93.4, 93.6, 93.8, 94, 94.2, 94.4]);
    const series = (label: string, base: number) => ({ label, points: [10, 60, 110].map((x, i) => ({ x, mean: base + i, std: 0.5 })) });
    const panel = (title: string) => ({ title, xLabel: 'true evaluations', yLabel: 'best accuracy (%)', series: [series('DELE <ucb>', 90), series('random', 89)], reference: { label: 'best of the space', value: 94 } });
    const svg = lineChartSvg([panel('NB201'), panel('TransNAS')], 'caption');
    assert.match(svg, /^<svg xmlns="http:\/\/www.w3.org\/2000\/svg" width="920"/);
    assert.equal(svg.match(/<polyline class="mean"/g)?.length, 4);
    assert.equal(svg.match(/<polygon class="band"/g)?.length, 4);
    assert.ok(svg.includes('DELE &lt;ucb&gt;') && !svg.includes('DELE <ucb>'));
    assert.equal(svg.match(/<g /g)?.length, svg.match(/<\/g>/g)?.length);
    assert.ok(svg.trimEnd().endsWith('</svg>'));
  });
});
