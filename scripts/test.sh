#!/usr/bin/env bash
# The project's one test command (`npm test`): installs what it needs, then type-checks
# and runs every suite against a real Temporal dev server, the sandbox and (for the
# browser test) headless Chromium. Extra arguments go to jest.
set -euo pipefail
cd "$(dirname "$0")/.."

# npm dependencies: a clean clone has none; a lock file newer than the install means stale.
if [[ ! -f node_modules/.package-lock.json || package-lock.json -nt node_modules/.package-lock.json ]]; then
  echo "test.sh: installing npm dependencies (npm ci)..." >&2
  npm ci --no-audit --no-fund >&2
fi

# The pinned Temporal CLI (built into ~/.cache on first use; minutes). The jest global
# setup starts the dev server from it, and each suite starts its own sandbox.
# (On its own line: inside `echo "$(...)"` a failed build would not stop the script.)
cli="$(scripts/temporal-cli.sh)"
echo "test.sh: Temporal CLI at $cli" >&2
# The Temporal server and its SQL tool, for the cluster test (test/cluster) on PostgreSQL.
server_dir="$(scripts/temporal-server.sh)"
echo "test.sh: Temporal server at $server_dir" >&2

# ts-node keeps V8's compiled code in one blob store under the system temp dir, shared by
# every process and written in place (blob, then map): a worker process spawned by one
# suite while another's exits can read a half-written pair, and V8 dies deserializing it.
export DISABLE_V8_COMPILE_CACHE=1

npx tsc -p tsconfig.json --noEmit
exec npx jest "$@"
