#!/usr/bin/env bash
# Prints the absolute path of the pinned Temporal CLI (v1.5.1) on stdout, and nothing
# else there; builds it into a cache outside the repo first if needed. Progress and
# errors go to stderr. Everything that runs a Temporal server finds it through here.
set -euo pipefail

VERSION="v1.5.1"
MODULE="github.com/temporalio/cli/cmd/temporal"

if [[ -n "${TEMPORAL_CLI_PATH:-}" ]]; then
  if [[ ! -x "$TEMPORAL_CLI_PATH" ]]; then
    echo "temporal-cli.sh: TEMPORAL_CLI_PATH=$TEMPORAL_CLI_PATH is not an executable file" >&2
    exit 1
  fi
  echo "$(cd "$(dirname "$TEMPORAL_CLI_PATH")" && pwd)/$(basename "$TEMPORAL_CLI_PATH")"
  exit 0
fi

CACHE_ROOT="${LIPSYNC_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/lipsync-orchestrator}"
BIN_DIR="$CACHE_ROOT/temporal-cli/$VERSION"
BIN="$BIN_DIR/temporal"

if [[ -x "$BIN" ]]; then
  echo "$BIN"
  exit 0
fi

# $GO names the go binary to use (tests point it at nothing to see the no-Go message).
GO="${GO:-$(command -v go || echo /usr/local/go/bin/go)}"
if [[ ! -x "$GO" ]]; then
  cat >&2 <<MSG
temporal-cli.sh: the Temporal CLI $VERSION is not cached at $BIN and Go is not installed.
Install Go (https://go.dev/dl/) and run this script again, or install the Temporal CLI
yourself and point TEMPORAL_CLI_PATH at the binary.
MSG
  exit 1
fi

mkdir -p "$BIN_DIR"
# Only one build at a time per cache, so parallel callers wait instead of racing.
exec 9>"$BIN_DIR/.lock"
flock 9
if [[ -x "$BIN" ]]; then
  echo "$BIN"
  exit 0
fi

echo "temporal-cli.sh: building Temporal CLI $VERSION with go install, once; it usually takes 3-5 minutes (about 3 on 2 cores)..." >&2
STAGE="$(mktemp -d "$BIN_DIR/.build.XXXXXX")"
# shellcheck source=go-install.sh
source "$(dirname "${BASH_SOURCE[0]}")/go-install.sh"
# go install leaves the CLI reporting 0.0.0-DEV; stamp the version as its release build does.
status=0
go_install_with_progress temporal-cli.sh "Temporal CLI $VERSION" "3-5 min" "$STAGE" -- -trimpath \
  -ldflags "-s -w -X github.com/temporalio/cli/temporalcli.Version=${VERSION#v}" \
  "$MODULE@$VERSION" || status=$?
(( status == 0 )) || exit "$status"
mv "$STAGE/temporal" "$BIN"
echo "temporal-cli.sh: built $BIN in ${_go_install_seconds}s" >&2
echo "$BIN"
