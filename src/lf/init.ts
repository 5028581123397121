/**
 * PyTorch-default initialisation of a `Network`'s weights, seeded: conv and linear weights and biases
 * ~ U(-1/sqrt(fan_in), 1/sqrt(fan_in)) (kaiming_uniform with a = sqrt(5)); BN gamma 1, beta 0 (implicit).
 * Both engines (Float64 synflow, batch tfjs) and l2_norm read the same numbers, so one seed gives one network.
 */
import { Rng } from '../util/rng';
import { fanIn, type Network, weightCount } from './network';

export interface LayerWeights {
  /** conv: [k, k, cin / groups, cout] (HWIO); linear: [in, out]; row-major. */
  w: Float32Array;
  /** Present when the layer has a bias. */
  b?: Float32Array;
}

/** Weights of every conv and linear layer, by layer index (other layers: undefined). */
export function initWeights(net: Network, seed: number): (LayerWeights | undefined)[] {
  const rng = new Rng(seed);
  return net.layers.map((l, i) => {
    if (l.op !== 'conv' && l.op !== 'linear') return undefined;
    const bound = 1 / Math.sqrt(fanIn(net, i));
    const w = new Float32Array(weightCount(net, i));
    for (let j = 0; j < w.length; j++) w[j] = (2 * rng.next() - 1) * bound;
    const hasBias = l.op === 'linear' || l.bias;
    if (!hasBias) return { w };
    const b = new Float32Array(l.op === 'linear' ? l.out : l.cout);
    for (let j = 0; j < b.length; j++) b[j] = (2 * rng.next() - 1) * bound;
    return { w, b };
  });
}
