import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { applyCalibration, fitIsotonic } from '../../src/predictor/calibration';
import { kendallTau, meanAbsoluteError, meanStd, precisionAtTop, spearman } from '../../src/predictor/metrics';

const close = (a: number, b: number, eps = 1e-9): void => assert.ok(Math.abs(a - b) < eps, `${a} != ${b}`);

describe('metrics', () => {
  it("Kendall's tau: perfect, reversed, and a hand-counted case", () => {
    close(kendallTau([1, 2, 3, 4], [10, 20, 30, 40]), 1);
    close(kendallTau([1, 2, 3, 4], [4, 3, 2, 1]), -1);
    // pairs of [1,2,3,4] vs [1,3,2,4]: 6 pairs, 1 discordant (2,3) -> (5-1)/6
    close(kendallTau([1, 2, 3, 4], [1, 3, 2, 4]), 4 / 6);
  });

  it("Kendall's tau-b with ties matches scipy.stats.kendalltau", () => {
    // scipy.stats.kendalltau([1,2,2,3],[1,2,3,3]).statistic = 0.8
    close(kendallTau([1, 2, 2, 3], [1, 2, 3, 3]), 0.8);
    // scipy: kendalltau([1,1,2,3,4],[2,1,3,3,5]) = 0.8888888888888888 (8 concordant, 1 tie in x, 1 in y: 8/9)
    close(kendallTau([1, 1, 2, 3, 4], [2, 1, 3, 3, 5]), 8 / 9, 1e-12);
  });

  it('skips NaN pairs and returns NaN when undefined', () => {
    close(kendallTau([1, NaN, 2, 3], [1, 5, 2, 3]), 1);
    assert.ok(Number.isNaN(kendallTau([1, 1, 1], [1, 2, 3])));
  });

  it("Spearman's rho with average ranks", () => {
    close(spearman([1, 2, 3, 4, 5], [5, 6, 7, 8, 7]), 0.8207826816681233, 1e-12);
  });

  it('precision@top-K counts the overlap of the top K', () => {
    const truth = [10, 9, 8, 7, 6, 5, 4, 3, 2, 1];
    const pred = [9, 10, 1, 2, 3, 4, 5, 6, 7, 8];
    close(precisionAtTop(pred, truth, 0.2), 1); // top-2 {0,1} both
    close(precisionAtTop(pred, truth, 0.3), 2 / 3); // top-3 truth {0,1,2}, pred {1,0,9}
    close(precisionAtTop(pred, truth, 0.01), 0); // K = 1: truth 0, pred 1
  });

  it('MAE and mean/std', () => {
    close(meanAbsoluteError([1, 2, 3], [2, 2, 5]), 1);
    const m = meanStd([1, 2, 3, 4]);
    close(m.mean, 2.5);
    close(m.std, Math.sqrt(1.25));
  });

  it('isotonic calibration is monotone, fits sorted data exactly and clamps outside', () => {
    const c = fitIsotonic([0, 1, 2, 3], [10, 30, 20, 40]);
    assert.deepEqual(c.y, [10, 25, 40]);
    close(applyCalibration(c, -5), 10);
    close(applyCalibration(c, 100), 40);
    close(applyCalibration(c, 1.5), 25);
    for (let s = -1; s < 4; s += 0.1) assert.ok(applyCalibration(c, s + 0.1) >= applyCalibration(c, s));
  });
});
