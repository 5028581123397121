/**
 * Step 2's weight averaging (OptimConfig.finetuneAverage): how many final epochs it averages, and the running
 * uniform average of the networks' weights at the end of each of them.
 */
import * as tf from '@tensorflow/tfjs-core';

/**
 * How many final epochs step 2 averages (OptimConfig.finetuneAverage): ceil(fraction × epochs), at most all of
 * them; 0 without a positive fraction. The product is rounded first, so 0.07 × 100 is 7 epochs, not 8.
 */
export function averagedEpochs(fraction: number | undefined, epochs: number): number {
  if (fraction === undefined || !(fraction > 0)) return 0;
  return Math.min(epochs, Math.ceil(Number((fraction * epochs).toPrecision(12))));
}

/** A running uniform average of some variables' values (OptimConfig.finetuneAverage), in float64. */
export class WeightAverage {
  private readonly sums: Float64Array[];
  private count = 0;

  constructor(private readonly vars: readonly tf.Variable[]) {
    this.sums = vars.map((v) => new Float64Array(v.size));
  }

  add(): void {
    this.vars.forEach((v, i) => {
      const x = v.dataSync();
      const sum = this.sums[i]!;
      for (let j = 0; j < sum.length; j++) sum[j]! += x[j]!;
    });
    this.count++;
  }

  /** Sets each variable to its average (no-op before the first add). */
  assign(): void {
    if (this.count === 0) return;
    this.vars.forEach((v, i) => {
      const mean = Float32Array.from(this.sums[i]!, (x) => x / this.count);
      tf.tidy(() => v.assign(tf.tensor(mean, v.shape, 'float32')));
    });
  }
}
