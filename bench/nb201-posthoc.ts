/**
 * Is there ranking left on the table after DELE? (figures only, issue #20's 0.91 / 0.92 targets.) Given saved
 * NB201 predictors (`--model DIR`, repeatable; trained with `dele train --space nb201 --subset-seed S`, split seed
 * 0), two post-hoc checks on their held-out scores:
 *  - the raw LF values: DELE's experts learn each LF column from the cell, but every held-out cell's LF values
 *    are in the table, as the GRAF peer reads them. (a) DELE's normal scores plus w times one expert column's
 *    normal scores, w and the column chosen on the held-out split itself (an upper bound for a mix with w in the grid);
 *    (b) a ridge regression of the target's ranks on DELE's score and all expert columns, fitted on the
 *    predictor's own labelled cells (what a user could do).
 *  - functional equivalence: the held-out scores averaged over each class of cells that compute the same
 *    function (NB201's pruned equivalent cell, `space.equivalent`), which removes any disagreement of the
 *    encoder between equivalent cells.
 * Run: npm run bench:posthoc -- --model DIR [--model DIR ...] [--out FILE]
 */
import { benchCommit, emitReport, runBench } from './provenance';
import { column, groundTruthSubset, loadBundledNb201, splitDataset } from '../src/data/dataset';
import { meanStd, ranks } from '../src/predictor/metrics';
import { Predictor } from '../src/predictor/predictor';
import { initBackend } from '../src/runtime/backend';
import { kendallTau } from '../src/util/kendall';

const argv = process.argv;
const OUT = argv.includes('--out') ? argv[argv.indexOf('--out') + 1] : undefined;
const MODELS = argv.flatMap((a, i) => (a === '--model' && argv[i + 1] ? [argv[i + 1]!] : []));
const WEIGHTS = [0.02, 0.05, 0.1, 0.2];
const ALPHAS = [0.1, 1, 10, 100];
const f4 = (x: number): string => x.toFixed(4);

/** Mid-ranks standardised to mean 0, std 1 (missing values take the median rank). */
function rankScores(x: ArrayLike<number>): Float64Array {
  const v = Array.from(x, (y) => (Number.isFinite(y) ? y : Number.NaN));
  const finite = v.filter(Number.isFinite).sort((a, b) => a - b);
  const median = finite[Math.floor(finite.length / 2)] ?? 0;
  const r = ranks(v.map((y) => (Number.isFinite(y) ? y : median)));
  const { mean, std } = meanStd(Array.from(r));
  return Float64Array.from(r, (y) => (y - mean) / (std || 1));
}

/** Ridge regression (centred, no penalty on the intercept): the coefficients, by Gaussian elimination. */
function ridge(rows: readonly Float64Array[], y: readonly number[], alpha: number): { w: number[]; mu: number[]; ym: number } {
  const p = rows[0]!.length;
  const mu = Array.from({ length: p }, (_, j) => rows.reduce((s, r) => s + r[j]!, 0) / rows.length);
  const ym = y.reduce((s, v) => s + v, 0) / y.length;
  const a = Array.from({ length: p }, (_, i) => Array.from({ length: p + 1 }, (_, j) => (j === p ? 0 : i === j ? alpha : 0)));
  rows.forEach((r, n) => {
    for (let i = 0; i < p; i++) {
      for (let j = 0; j < p; j++) a[i]![j]! += (r[i]! - mu[i]!) * (r[j]! - mu[j]!);
      a[i]![p]! += (r[i]! - mu[i]!) * (y[n]! - ym);
    }
  });
  for (let c = 0; c < p; c++) {
    const piv = a.slice(c).reduce((b, row, k) => (Math.abs(row[c]!) > Math.abs(a[b]![c]!) ? c + k : b), c);
    [a[c], a[piv]] = [a[piv]!, a[c]!];
    for (let i = 0; i < p; i++) {
      if (i === c) continue;
      const f = a[i]![c]! / a[c]![c]!;
      for (let j = c; j <= p; j++) a[i]![j]! -= f * a[c]![j]!;
    }
  }
  return { w: a.map((row, i) => row[p]! / row[i]!), mu, ym };
}

async function main(): Promise<void> {
  if (MODELS.length === 0) throw new Error('give at least one NB201 predictor: --model DIR');
  const commit = benchCommit();
  const ds = loadBundledNb201();
  const split = splitDataset(ds.archs.length, 0);
  const held = split.heldOut;
  const truth = column(ds, 'c10_test_200ep').values;
  const heldTruth = held.map((i) => truth[i]!);
  const classOf = ds.archs.map((a) => ds.space.key(ds.space.equivalent ? ds.space.equivalent(a) : a));
  await initBackend('auto');
  const lines = [
    `Post-hoc checks of saved NB201 predictors on the held-out split (${held.length} of ${ds.archs.length} cells, split seed 0)`,
    `data ${ds.source}, fingerprint ${ds.fingerprint}; target c10_test_200ep; commit ${commit}; command: npm run bench:posthoc -- ${argv.slice(2).join(' ')}`,
  ];
  for (const dir of MODELS) {
    const p = Predictor.load(dir);
    try {
      if (p.meta.dataset.fingerprint !== ds.fingerprint || p.meta.splitSeed !== 0) throw new Error(`${dir}: not trained on the bundled NB201 data with split seed 0`);
      const n = p.meta.dataset.groundTruthSize;
      const labelled = groundTruthSubset(split.train, (n + 0.5) / split.train.length, p.meta.subsetSeed);
      if (labelled.length !== n) throw new Error(`${dir}: could not rebuild its ${n} labelled cells`);
      const dele = rankScores(p.scores(ds.archs));
      const experts = p.meta.model.experts;
      const lf = experts.map((e) => rankScores(column(ds, e).values));
      const tauHeld = (s: ArrayLike<number>): number => kendallTau(held.map((i) => s[i]!), heldTruth);
      const base = tauHeld(dele);
      lines.push('', `${dir}: ${p.meta.method}, ${p.meta.model.encoder}, ${n} labels (subset seed ${p.meta.subsetSeed ?? 'none'}), ${experts.length} experts, created ${p.meta.createdAt}`);
      lines.push(`  DELE alone: held-out tau ${f4(base)}`);
      for (const w of WEIGHTS) {
        const best = experts.map((e, k) => ({ e, tau: tauHeld(Float64Array.from(dele, (s, i) => s + w * lf[k]![i]!)) })).sort((a, b) => b.tau - a.tau)[0]!;
        lines.push(`  (a) DELE + ${w} x one expert column, the best column on held-out (${best.e}): ${f4(best.tau)} (${best.tau >= base ? '+' : ''}${f4(best.tau - base)})`);
      }
      const features = (i: number): Float64Array => Float64Array.from([dele[i]!, ...lf.map((c) => c[i]!)]);
      const targetRanks = Array.from(ranks(labelled.map((i) => truth[i]!)));
      for (const alpha of ALPHAS) {
        const m = ridge(labelled.map(features), targetRanks, alpha);
        const fitted = Float64Array.from(ds.archs, (_, i) => features(i).reduce((s, x, j) => s + (x - m.mu[j]!) * m.w[j]!, m.ym));
        const t = tauHeld(fitted);
        lines.push(`  (b) ridge (alpha ${alpha}) of the target's ranks on DELE + ${experts.length} expert columns, fitted on the ${n} labelled cells: ${f4(t)} (${t >= base ? '+' : ''}${f4(t - base)})`);
      }
      const sums = new Map<string, { s: number; c: number }>();
      classOf.forEach((k, i) => {
        const e = sums.get(k) ?? { s: 0, c: 0 };
        e.s += dele[i]!;
        e.c++;
        sums.set(k, e);
      });
      const averaged = Float64Array.from(classOf, (k) => sums.get(k)!.s / sums.get(k)!.c);
      const t = tauHeld(averaged);
      lines.push(`  functional-equivalence classes (${sums.size} of ${ds.archs.length} cells): scores averaged per class ${f4(t)} (${t >= base ? '+' : ''}${f4(t - base)})`);
    } finally {
      p.dispose();
    }
  }
  emitReport(lines, OUT);
}

runBench(main);
