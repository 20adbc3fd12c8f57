#!/usr/bin/env bash
# Prints the absolute path of the directory that holds the pinned Temporal server
# (v1.29.1, the version the pinned CLI v1.5.1 embeds) as `temporal-server` and its SQL
# schema tool as `temporal-sql-tool`, on stdout and nothing else there; builds both with
# `go install` into the cache the CLI uses (scripts/temporal-cli.sh) first if needed.
# Progress and errors go to stderr. `npm run cluster`, its test and the soak find them here.
set -euo pipefail

VERSION="v1.29.1"
SERVER_MODULE="go.temporal.io/server/cmd/server"
SQL_TOOL_MODULE="go.temporal.io/server/cmd/tools/sql"

CACHE_ROOT="${LIPSYNC_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/lipsync-orchestrator}"
BIN_DIR="$CACHE_ROOT/temporal-server/$VERSION"
SERVER="$BIN_DIR/temporal-server"
SQL_TOOL="$BIN_DIR/temporal-sql-tool"

if [[ -x "$SERVER" && -x "$SQL_TOOL" ]]; then
  echo "$BIN_DIR"
  exit 0
fi

# $GO names the go binary to use (tests point it at nothing to see the no-Go message).
GO="${GO:-$(command -v go || echo /usr/local/go/bin/go)}"
if [[ ! -x "$GO" ]]; then
  cat >&2 <<MSG
temporal-server.sh: the Temporal server $VERSION is not cached in $BIN_DIR and Go is not installed.
Install Go (https://go.dev/dl/) and run this script again, or put temporal-server and
temporal-sql-tool ($VERSION) there yourself.
MSG
  exit 1
fi

mkdir -p "$BIN_DIR"
# Only one build at a time per cache, so parallel callers wait instead of racing.
exec 9>"$BIN_DIR/.lock"
flock 9
if [[ -x "$SERVER" && -x "$SQL_TOOL" ]]; then
  echo "$BIN_DIR"
  exit 0
fi

echo "temporal-server.sh: building Temporal server $VERSION and its SQL tool with go install, once; it usually takes 5-10 minutes on 2 cores..." >&2
STAGE="$(mktemp -d "$BIN_DIR/.build.XXXXXX")"
build_pid=""
trap '[[ -n "$build_pid" ]] && kill "$build_pid" 2>/dev/null; rm -rf "$STAGE"' EXIT
start=$(date +%s)
# It says nothing for minutes, so it runs in the background while we report the time spent.
GOBIN="$STAGE" "$GO" install -trimpath -ldflags "-s -w" "$SERVER_MODULE@$VERSION" "$SQL_TOOL_MODULE@$VERSION" >&2 &
build_pid=$!
TICK="${LIPSYNC_BUILD_TICK_SECONDS:-10}"
while kill -0 "$build_pid" 2>/dev/null; do
  for (( i = 0; i < TICK * 10; i++ )); do
    kill -0 "$build_pid" 2>/dev/null || break 2
    sleep 0.1
  done
  echo "temporal-server.sh: still building Temporal server $VERSION: $(( $(date +%s) - start ))s so far (usually 5-10 min)" >&2
done
status=0
wait "$build_pid" || status=$?
build_pid=""
if (( status != 0 )); then
  echo "temporal-server.sh: go install failed (exit $status) after $(( $(date +%s) - start ))s" >&2
  exit "$status"
fi
# go install names the binaries after their package directories.
mv "$STAGE/sql" "$SQL_TOOL"
mv "$STAGE/server" "$SERVER"
echo "temporal-server.sh: built $SERVER and $SQL_TOOL in $(( $(date +%s) - start ))s" >&2
echo "$BIN_DIR"
