#!/usr/bin/env bash
# Real-VS-Code tests: installs the toolchain if needed (scripts/e2e-setup.sh), builds, runs test/e2e/run.mjs
# on VS Code 1.139 (code-server 4.139.1) and then on VS Code 1.90 (code-server 4.90.3, the manifest's minimum).
# --vscode=current|min|both or DELE_E2E_VSCODE (default both) chooses; the rest of the arguments go to run.mjs.
set -euo pipefail
cd "$(dirname "$0")/.."
for a in "$@"; do
  case "$a" in --vscode=*) export DELE_E2E_VSCODE="${a#--vscode=}" ;; esac
done
eval "$(bash scripts/e2e-setup.sh)"
node esbuild.mjs
node test/e2e/run.mjs "$@"
