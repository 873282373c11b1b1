#!/usr/bin/env bash
# CPU cost of recording an X11 screen: `mediacapture record --display` next to
# `ffmpeg -f x11grab` with the same libvpx settings, on a private 1280x720 Xvfb, for a still
# screen and for a changing one (ffplay showing testsrc2 over the whole screen).
#
# Usage: scripts/bench-display.sh [SECONDS=5] [RUNS=2] [OTHER_MEDIACAPTURE_BINARY...]
# Builds the CLI in release (set CARGO_TARGET_DIR if you use one). Extra binaries (e.g. one
# built from an older commit) are timed the same way, for before/after comparisons.
# Prints user + sys CPU seconds of each run (GNU time), measured process only.
set -euo pipefail
cd "$(dirname "$0")/.."
SECONDS_=${1:-5}
RUNS=${2:-2}
shift $(($# > 2 ? 2 : $#))
cargo build --release --locked -p mediacapture-cli >/dev/null
BIN="${CARGO_TARGET_DIR:-target}/release/mediacapture"
BINS=("$BIN" "$@")
TMP=$(mktemp -d)
exec 3>"$TMP/display"
Xvfb -displayfd 3 -screen 0 1280x720x24 -nolisten tcp >/dev/null 2>&1 &
XVFB=$!
PLAYER=
cleanup() {
  [ -n "$PLAYER" ] && kill "$PLAYER" 2>/dev/null
  kill "$XVFB" 2>/dev/null
  rm -rf "$TMP"
}
trap cleanup EXIT
command -v /usr/bin/time >/dev/null || { echo "needs GNU time (Debian package: time)" >&2; exit 1; }
for _ in $(seq 50); do [ -s "$TMP/display" ] && break; sleep 0.1; done
[ -s "$TMP/display" ] || { echo "Xvfb did not start" >&2; exit 1; }
export DISPLAY=":$(head -n1 "$TMP/display")"
unset MEDIACAPTURE_FAKE

cpu() { # prints user+sys seconds of the command; fails when the command fails
  /usr/bin/time -f "%U %S" -o "$TMP/time" "$@" >/dev/null 2>&1 || return 1
  awk '{ printf "%.2f", $1 + $2 }' "$TMP/time"
}

frames() { # video frames in a file
  ffprobe -v error -count_frames -select_streams v:0 -show_entries stream=nb_read_frames \
    -of csv=p=0 "$1"
}

player_alive() { # the changing scene is only changing while ffplay runs
  [ -z "$PLAYER" ] || kill -0 "$PLAYER" 2>/dev/null || { echo "ffplay stopped" >&2; exit 1; }
}

run_scene() {
  local scene=$1
  for r in $(seq "$RUNS"); do
    for b in "${BINS[@]}"; do
      t=$(cpu "$b" record --display \
        -c '{"video":{"frameRate":30,"cursor":"always"}}' --duration "${SECONDS_}s" \
        -o "$TMP/out.webm") || { echo "$b record failed" >&2; exit 1; }
      player_alive
      printf '%s\trun %s\t%s\t%s s\t%s frames\n' "$scene" "$r" "$b" "$t" "$(frames "$TMP/out.webm")"
    done
    t=$(cpu ffmpeg -nostdin -y \
      -f x11grab -framerate 30 -video_size 1280x720 -draw_mouse 1 -i "$DISPLAY" \
      -t "$SECONDS_" -pix_fmt yuv420p -c:v libvpx -deadline realtime -cpu-used -6 \
      -b:v 2500k -lag-in-frames 0 -g 100 -qmin 2 -qmax 52 -threads 1 "$TMP/ff.webm") ||
      { echo "ffmpeg x11grab failed" >&2; exit 1; }
    player_alive
    printf '%s\trun %s\tffmpeg x11grab\t%s s\t%s frames\n' "$scene" "$r" "$t" "$(frames "$TMP/ff.webm")"
  done
}

run_scene still
ffplay -loglevel error -an -noborder -left 0 -top 0 \
  -f lavfi -i testsrc2=size=1280x720:rate=30 >/dev/null 2>&1 &
PLAYER=$!
sleep 2
player_alive
run_scene changing
