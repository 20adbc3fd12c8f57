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
# shellcheck source=go-install.sh
source "$(dirname "${BASH_SOURCE[0]}")/go-install.sh"
status=0
go_install_with_progress temporal-server.sh "Temporal server $VERSION" "5-10 min" "$STAGE" -- -trimpath -ldflags "-s -w" \
  "$SERVER_MODULE@$VERSION" "$SQL_TOOL_MODULE@$VERSION" || status=$?
(( status == 0 )) || exit "$status"
# go install names the binaries after their package directories.
mv "$STAGE/sql" "$SQL_TOOL"
mv "$STAGE/server" "$SERVER"
echo "temporal-server.sh: built $SERVER and $SQL_TOOL in ${_go_install_seconds}s" >&2
echo "$BIN_DIR"
