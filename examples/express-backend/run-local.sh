#!/usr/bin/env bash
# `npm run example` (from the repository root): the example backend against the stack
# `npm start` runs in another shell. It takes that stack's settings from .data/env and
# moves the webhook to its own route, so the renders it previews report to it.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
# LIPSYNC_DATA_DIR: where `npm start` was told to keep its data, if not .data/.
env_file="${LIPSYNC_DATA_DIR:-$here/../../.data}/env"
if [[ ! -f $env_file ]]; then
  echo "run-local: no $env_file; start the stack first with 'npm start' in the repository root" >&2
  exit 1
fi
# shellcheck disable=SC1090
source "$env_file"
export PORT="${PORT:-3000}"
export WEBHOOK_PUBLIC_URL="http://127.0.0.1:${PORT}/hooks/creatify"

cd "$here"
# Installs the library as its tarball would (.npmrc: install-links), which builds it.
# Delete node_modules/ to pick up changes to the library.
if [[ ! -d node_modules/lipsync-orchestrator ]]; then
  echo "run-local: installing (packs and builds the library; a minute the first time)..." >&2
  npm install --no-audit --no-fund
fi
npm run --silent build
exec node dist/main.js
