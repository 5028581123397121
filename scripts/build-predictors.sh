#!/usr/bin/env bash
# Regenerates the predictors bundled with the extension (media/predictors/<space>/): DELE, the space's default
# encoder and experts, cpu preset, seed 0, split seed 0; 10% of the training split with ground truth, except for
# the small NB301 (725 archs) and NB101 (292) tables, where every training-split arch carries its ground truth.
# `dele train` writes a predictor atomically: the old one stays until the new one is complete.
# Usage: bash scripts/build-predictors.sh [space ...]   (default: nb201 tnb101-micro tnb101-macro nb301 nb101)
set -euo pipefail
cd "$(dirname "$0")/.."
[ -f dist/cli.js ] || node esbuild.mjs
spaces=("$@")
[ ${#spaces[@]} -gt 0 ] || spaces=(nb201 tnb101-micro tnb101-macro nb301 nb101)
for space in "${spaces[@]}"; do
  ratio=0.1
  case "$space" in nb301 | nb101) ratio=1 ;; esac
  echo "== $space -> media/predictors/$space (ground-truth ratio $ratio)"
  node dist/cli.js train --space "$space" --method dele --ratio "$ratio" --seed 0 --split-seed 0 --preset cpu --out "media/predictors/$space"
done
