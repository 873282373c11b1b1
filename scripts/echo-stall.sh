#!/usr/bin/env bash
# Echo cancellation through a stall: runs the `pulse_echo` test (speech played through our
# player to a PulseAudio null sink, its monitor captured with echo cancellation) and, STALL_AT
# seconds in, stops the test process, the PulseAudio server or both for STALL_MS, as a loaded
# machine or a VM paused by its host does. Prints the test's ERLE lines.
#   usage: scripts/echo-stall.sh [all|test|pulse|none] [STALL_MS] [STALL_AT]
# Needs a debug build of the test: cargo test -p mediacapture --test pulse_echo --no-run
set -uo pipefail
cd "$(dirname "$0")/.."
what="${1:-all}" ms="${2:-150}" at="${3:-8}"
source scripts/servers.sh
XDG_RUNTIME_DIR="$(mktemp -d)"
export XDG_RUNTIME_DIR
start_servers >/dev/null 2>&1
trap stop_servers EXIT
sleep 1
server=$(pgrep -u "$(id -u)" -n pulseaudio)
bin=$(ls -t target/debug/deps/pulse_echo-* | grep -v '\.d$' | head -1)
out=$(mktemp)
"$bin" --nocapture >"$out" 2>&1 &
test_pid=$!
if [ "$what" != none ]; then
  sleep "$at"
  case "$what" in
    all) pids="$test_pid $server" ;;
    test) pids=$test_pid ;;
    pulse) pids=$server ;;
    *) echo "what: all, test, pulse or none" >&2; exit 2 ;;
  esac
  # shellcheck disable=SC2086
  kill -STOP $pids
  sleep "$(awk -v ms="$ms" 'BEGIN { print ms / 1000 }')"
  # shellcheck disable=SC2086
  kill -CONT $pids
fi
wait "$test_pid"
rc=$?
grep -E "ERLE|panicked" "$out"
rm -f "$out"
exit $rc
