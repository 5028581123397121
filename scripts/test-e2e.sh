#!/usr/bin/env bash
# Real-VS-Code tests: installs the toolchain if needed (scripts/e2e-setup.sh), builds, runs test/e2e/run.mjs.
set -euo pipefail
cd "$(dirname "$0")/.."
eval "$(bash scripts/e2e-setup.sh)"
node esbuild.mjs
node test/e2e/run.mjs "$@"
