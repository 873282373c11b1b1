#!/usr/bin/env bash
# Recorder benchmark: our VP8 + Opus WebM recorder against ffmpeg (libvpx + libopus) on the
# same raw input (1280x720@30 I420 + 48 kHz stereo f32) with the same settings. The rate
# control's buffer is the recorder's (WebRTC's): 1 s, starting half full, undershoot 100 %,
# overshoot 15 % (ffmpeg sets the optimal level to 5/6 of the buffer where ours is 0.6 s;
# it cannot be given on its command line).
#   scripts/bench-recorder.sh [SECONDS] [CPU_USED] [THREADS] [REPEAT=5]
# Prints wall time, real-time factor and CPU seconds per media second for both in each round,
# and the ratio of the median CPU times.
set -euo pipefail
cd "$(dirname "$0")/.."
SECONDS_MEDIA=${1:-10}
CPU_USED=${2:--6}
# Default: the recorder's automatic choice for 720p (WebRTC's rule): 2 threads from 3 CPUs on.
THREADS=${3:-$(( $(nproc) >= 3 ? 2 : 1 ))}
REPEAT=${4:-5}
VBR=2500000
ABR=128000
W=1280 H=720 FPS=30
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-target}
command -v ffmpeg >/dev/null || { echo "ffmpeg is required (scripts/setup.sh)" >&2; exit 1; }

cargo build --release -q -p mediacapture-recorder --no-default-features --example bench_recorder
BIN="$CARGO_TARGET_DIR/release/examples/bench_recorder"
DIR=$(mktemp -d)
trap 'rm -rf "$DIR"' EXIT
"$BIN" gen "$DIR" --seconds "$SECONDS_MEDIA" --width $W --height $H --fps $FPS

TIMEFORMAT='%R %U %S'
measure() { # prints "wall user sys" of the command (bash's time: the command and its children)
  { time "$@" >"$DIR/out.txt" 2>"$DIR/err.txt"; } 2>&1 | tail -1
}

run_ours() {
  measure "$BIN" run "$DIR" "$DIR/ours.webm" --seconds "$SECONDS_MEDIA" --width $W --height $H \
    --fps $FPS --video-bitrate $VBR --audio-bitrate $ABR --cpu-used "$CPU_USED" --threads "$THREADS"
}
run_ffmpeg() {
  measure ffmpeg -nostdin -y -v error \
    -f rawvideo -pix_fmt yuv420p -s ${W}x${H} -r $FPS -i "$DIR/video.yuv" \
    -f f32le -ar 48000 -ac 2 -i "$DIR/audio.f32" \
    -c:v libvpx -deadline realtime -cpu-used "$CPU_USED" -b:v $VBR -threads "$THREADS" \
    -lag-in-frames 0 -g 100 -qmin 2 -qmax 52 \
    -undershoot-pct 100 -overshoot-pct 15 -bufsize $VBR -rc_init_occupancy $((VBR / 2)) \
    -c:a libopus -b:a $ABR -vbr on -frame_duration 20 -application audio \
    "$DIR/ffmpeg.webm"
}

report() { # name "wall user sys" file
  read -r wall user sys <<<"$2"
  awk -v n="$1" -v m="$SECONDS_MEDIA" -v w="$wall" -v u="$user" -v s="$sys" -v b="$(stat -c %s "$3")" \
    'BEGIN { printf "%-8s wall %6.2f s  rtf %6.2fx  cpu %6.2f s  cpu/media-s %5.3f  size %6.0f kB\n", n, w, m/w, u+s, (u+s)/m, b/1000 }'
}
cpu_of() { read -r _ u s <<<"$1"; awk -v u="$u" -v s="$s" 'BEGIN { printf "%.3f", u + s }'; }
median() { tr ' ' '\n' | grep . | sort -g | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs); ${SECONDS_MEDIA} s of ${W}x${H}@${FPS} VP8 ${VBR} bit/s cpu-used ${CPU_USED} threads ${THREADS} + Opus ${ABR} bit/s"
# A shared VM's speed wanders by 10 % or more from one run to the next, so both encode the
# input REPEAT times, alternately, and the ratio is that of the medians.
ours_cpu="" ffmpeg_cpu=""
for i in $(seq "$REPEAT"); do
  ours=$(run_ours)
  [ "$i" = 1 ] && { echo "ours (self-reported):"; cat "$DIR/out.txt"; }
  theirs=$(run_ffmpeg)
  echo "round $i:"
  report ours "$ours" "$DIR/ours.webm"
  report ffmpeg "$theirs" "$DIR/ffmpeg.webm"
  ours_cpu+=" $(cpu_of "$ours")" ffmpeg_cpu+=" $(cpu_of "$theirs")"
done
om=$(echo "$ours_cpu" | median) fm=$(echo "$ffmpeg_cpu" | median)
echo "cpu s, ours:$ours_cpu; ffmpeg:$ffmpeg_cpu"
awk -v o="$om" -v f="$fm" -v n="$REPEAT" \
  'BEGIN { printf "ratio ours/ffmpeg (medians of %d): cpu %.2f (ours %.2f s, ffmpeg %.2f s)\n", n, o/f, o, f }'
