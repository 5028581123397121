/**
 * TransNAS-Bench-101 macro skeletons (`64-41414-basic`).
 * Regular-expression sources for the editor client's start-up check (SearchSpace.triggerPatterns); data only, no
 * parser, so the client bundles them without the space.
 */
export const TNB101_MACRO_TRIGGERS: readonly string[] = [
  '\\b\\d{1,6}-\\d{1,12}-basic\\b',
];
