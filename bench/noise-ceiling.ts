/**
 * How well can any predictor rank NB201's target? (figures only, issue #20's 0.91 / 0.92 targets.) The target,
 * `c10_test_200ep`, is one 200-epoch training per cell (NB201's seed average) scored on CIFAR-10's test images.
 * NB201 trained every cell a second time (`c10valid_*_200ep`: on CIFAR-10's training half, other seeds), so
 * Kendall's tau between the two is how well a full re-run of every cell ranks the target. A predictor can do
 * better than a re-run, since it may learn each cell's expected accuracy without either run's noise; the
 * estimate of that ceiling here assumes a Gaussian copula and equal, independent noise in both runs: with r the
 * Pearson correlation of the two runs' normal scores, the expected accuracy correlates sqrt(r) with each, and
 * tau = (2/pi) asin(correlation). Given saved NB201 predictors (`--model DIR`, repeatable), their held-out
 * scores are ranked against the target and against the re-run. Run:
 *   npm run bench:noise-ceiling [-- --model DIR [--model DIR ...] --out FILE]
 */
import { benchCommit, emitReport, runBench } from './provenance';
import { column, loadBundledNb201, splitDataset } from '../src/data/dataset';
import { pearson, ranks } from '../src/predictor/metrics';
import { Predictor } from '../src/predictor/predictor';
import { initBackend } from '../src/runtime/backend';
import { kendallTau } from '../src/util/kendall';

const argv = process.argv;
const OUT = argv.includes('--out') ? argv[argv.indexOf('--out') + 1] : undefined;
const MODELS = argv.flatMap((a, i) => (a === '--model' && argv[i + 1] ? [argv[i + 1]!] : []));
const TARGET = 'c10_test_200ep';
/** The second training of every cell: scored on the same test images, and on CIFAR-10's validation images. */
const RERUNS = ['c10valid_test_200ep', 'c10valid_xvalid_200ep'];

/** Inverse of the standard normal CDF (Acklam's rational approximation, relative error < 1.2e-9). */
function probit(p: number): number {
  const a = [-39.69683028665376, 220.9460984245205, -275.9285104469687, 138.357751867269, -30.66479806614716, 2.506628274631];
  const b = [-54.47609879822406, 161.5858368580409, -155.6989798598866, 66.80131188771972, -13.28068155288572];
  const c = [-0.007784894002430293, -0.3223964580411365, -2.400758277161838, -2.549732539343734, 4.374664141464968, 2.938163982698783];
  const d = [0.007784695709041462, 0.3224671290700398, 2.445134137142996, 3.754408661907416];
  const tail = (q: number): number => (((((c[0]! * q + c[1]!) * q + c[2]!) * q + c[3]!) * q + c[4]!) * q + c[5]!) / ((((d[0]! * q + d[1]!) * q + d[2]!) * q + d[3]!) * q + 1);
  if (p < 0.02425) return tail(Math.sqrt(-2 * Math.log(p)));
  if (p > 1 - 0.02425) return -tail(Math.sqrt(-2 * Math.log(1 - p)));
  const q = p - 0.5;
  const r = q * q;
  return ((((((a[0]! * r + a[1]!) * r + a[2]!) * r + a[3]!) * r + a[4]!) * r + a[5]!) * q) / (((((b[0]! * r + b[1]!) * r + b[2]!) * r + b[3]!) * r + b[4]!) * r + 1);
}

/** Normal scores of the values' mid-ranks (ties share one score). */
const normalScores = (x: readonly number[]): number[] => Array.from(ranks(x), (r) => probit(r / (x.length + 1)));

const f4 = (x: number): string => x.toFixed(4);

async function main(): Promise<void> {
  const commit = benchCommit();
  const ds = loadBundledNb201();
  const split = splitDataset(ds.archs.length, 0);
  const held = split.heldOut;
  const at = (name: string): number[] => {
    const values = column(ds, name).values;
    return held.map((i) => values[i]!);
  };
  const target = at(TARGET);
  const lines = [
    `NB201's target against a second 200-epoch training of every cell: held-out split (${held.length} of ${ds.archs.length} cells, split seed 0)`,
    `data ${ds.source}, fingerprint ${ds.fingerprint}; target ${TARGET}; commit ${commit}; command: npm run bench:noise-ceiling${argv.slice(2).length ? ` -- ${argv.slice(2).join(' ')}` : ''}`,
    '',
    'second training (column)     Kendall tau with the target   normal-score r   ceiling estimate (tau of the expected accuracy)',
  ];
  for (const name of RERUNS) {
    const rerun = at(name);
    const r = pearson(normalScores(target), normalScores(rerun));
    const ceiling = (2 / Math.PI) * Math.asin(Math.sqrt(r));
    lines.push(`${name.padEnd(29)}${f4(kendallTau(rerun, target)).padEnd(30)}${f4(r).padEnd(17)}${f4(ceiling)}`);
  }
  if (MODELS.length > 0) {
    await initBackend('auto');
    const rerun = at(RERUNS[0]!);
    lines.push('', `saved predictors, held-out scores ranked against the target and the re-run (${RERUNS[0]})`, 'predictor                                  labels  tau with the target   tau with the re-run   trained as');
    for (const dir of MODELS) {
      const p = Predictor.load(dir);
      try {
        if (p.meta.dataset.fingerprint !== ds.fingerprint || p.meta.splitSeed !== 0) throw new Error(`${dir}: not trained on the bundled NB201 data with split seed 0`);
        const scores = Array.from(p.scores(held.map((i) => ds.archs[i])));
        lines.push(`${dir.padEnd(43)}${String(p.meta.dataset.groundTruthSize).padEnd(8)}${f4(kendallTau(scores, target)).padEnd(22)}${f4(kendallTau(scores, rerun)).padEnd(22)}${p.meta.method}, ${p.meta.model.encoder}, ${p.meta.model.experts.length} experts, seed ${p.meta.seed}, subset seed ${p.meta.subsetSeed ?? 'none'}, step 1 ${p.meta.optim.pretrainEpochs} epochs, ${p.meta.createdAt}`);
      } finally {
        p.dispose();
      }
    }
  }
  emitReport(lines, OUT);
}

runBench(main);
