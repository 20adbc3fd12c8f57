# Sourced by scripts/temporal-cli.sh and scripts/temporal-server.sh: one `go install`
# into a staging directory, in the background, with a progress line every
# LIPSYNC_BUILD_TICK_SECONDS (10) on stderr, since go says nothing for minutes.
#
#   go_install_with_progress PREFIX WHAT USUALLY STAGE -- <go install arguments>
#
# PREFIX starts each line ("temporal-cli.sh"), WHAT names the build ("Temporal CLI v1.5.1"),
# USUALLY how long it takes ("3-5 min"). Returns go's exit status (and says so on failure);
# the caller owns STAGE (and removes it on exit). $GO is the go binary.
go_install_with_progress() {
  local prefix="$1" what="$2" usually="$3" stage="$4"
  shift 5
  local start status=0 i
  start=$(date +%s)
  GOBIN="$stage" "$GO" install "$@" >&2 &
  _go_install_pid=$!
  # A caller that exits early (Ctrl-C) must not leave go running.
  trap '[[ -n "${_go_install_pid:-}" ]] && kill "$_go_install_pid" 2>/dev/null; rm -rf "$STAGE"' EXIT
  local tick="${LIPSYNC_BUILD_TICK_SECONDS:-10}"
  while kill -0 "$_go_install_pid" 2>/dev/null; do
    for (( i = 0; i < tick * 10; i++ )); do
      kill -0 "$_go_install_pid" 2>/dev/null || break 2
      sleep 0.1
    done
    echo "$prefix: still building $what: $(( $(date +%s) - start ))s so far (usually $usually)" >&2
  done
  wait "$_go_install_pid" || status=$?
  _go_install_pid=""
  if (( status != 0 )); then
    echo "$prefix: go install failed (exit $status) after $(( $(date +%s) - start ))s" >&2
    return "$status"
  fi
  _go_install_seconds=$(( $(date +%s) - start ))
}
