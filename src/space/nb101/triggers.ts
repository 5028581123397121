/**
 * NAS-Bench-101 `ModelSpec(` calls, and specs as mappings (`{'matrix': [[…]], 'ops': […]}`).
 * Regular-expression sources for the editor client's start-up check (SearchSpace.triggerPatterns); data only, no
 * parser, so the client bundles them without the space.
 */
export const NB101_TRIGGERS: readonly string[] = [
  '\\bModelSpec[ \\t]*\\(',
  '["\']?matrix["\']?\\s*[:=]\\s*(?:np\\.array\\()?\\[\\s*\\[',
];
