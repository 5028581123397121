/** The batch engine (forward + hand-written backward on tfjs): NASLib's nwot, jacov, snip, grad_norm, fisher, plain. */
export { type BatchInput, type BatchResult, type BatchWants, runBatchMeasures } from './engine';
