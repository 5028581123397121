#!/usr/bin/env bash
# Regenerates the predictors bundled with the extension (media/predictors/<space>/): DELE, the space's default
# encoder and experts, cpu preset, 10% of the training split with ground truth, seed 0, split seed 0.
# `dele train` writes a predictor atomically: the old one stays until the new one is complete.
# Usage: bash scripts/build-predictors.sh [space ...]   (default: nb201 tnb101-micro tnb101-macro)
set -euo pipefail
cd "$(dirname "$0")/.."
[ -f dist/cli.js ] || node esbuild.mjs
spaces=("$@")
[ ${#spaces[@]} -gt 0 ] || spaces=(nb201 tnb101-micro tnb101-macro)
for space in "${spaces[@]}"; do
  echo "== $space -> media/predictors/$space"
  node dist/cli.js train --space "$space" --method dele --ratio 0.1 --seed 0 --split-seed 0 --preset cpu --out "media/predictors/$space"
done
