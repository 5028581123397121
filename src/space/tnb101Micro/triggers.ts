/**
 * TransNAS-Bench-101 micro cells (`64-41414-0_02_333`).
 * Regular-expression sources for the editor client's start-up check (SearchSpace.triggerPatterns); data only, no
 * parser, so the client bundles them without the space.
 */
export const TNB101_MICRO_TRIGGERS: readonly string[] = [
  '\\b\\d{1,6}-\\d{1,10}-\\d{1,8}_\\d{1,8}_\\d{1,8}\\b',
];
