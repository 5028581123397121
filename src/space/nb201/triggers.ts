/**
 * NAS-Bench-201: cell strings (`|nor_conv_3x3~0|+|…`) and the op-list form (`ops: [nor_conv_3x3, skip_connect, …]`).
 * Regular-expression sources for the editor client's start-up check (SearchSpace.triggerPatterns); data only, no
 * parser, so the client bundles them without the space.
 */
export const NB201_TRIGGERS: readonly string[] = [
  '\\|[ \\t]*[A-Za-z_]\\w{0,40}[ \\t]*~[ \\t]*\\d',
  '(?:nb201_)?ops["\']?[ \\t]*[:=][ \\t]*\\[[^\\]\\n]{0,300}(?:nor_conv_|skip_connect|avg_pool_3x3)',
];
