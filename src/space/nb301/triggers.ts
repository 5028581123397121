/**
 * DARTS / NAS-Bench-301 genotypes in Python (`Genotype(`), and NASLib's compact form (`[[(0, 0), (1, 5), …` as lists or tuples, over lines).
 * Regular-expression sources for the editor client's start-up check (SearchSpace.triggerPatterns); data only, no
 * parser, so the client bundles them without the space.
 */
export const NB301_TRIGGERS: readonly string[] = [
  '\\bGenotype[ \\t]*\\(',
  '[\\[(]\\s*[\\[(]\\s*[\\[(]\\s*\\d\\s*,\\s*\\d\\s*[\\])]\\s*,',
];
