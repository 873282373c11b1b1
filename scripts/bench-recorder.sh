#!/usr/bin/env bash
# Recorder benchmark: our VP8 + Opus WebM recorder against ffmpeg (libvpx + libopus) on the
# same raw input (1280x720@30 I420 + 48 kHz stereo f32) with the same settings.
#   scripts/bench-recorder.sh [SECONDS] [CPU_USED] [THREADS]
# Prints wall time, real-time factor and CPU seconds per media second for both, and the ratio.
set -euo pipefail
cd "$(dirname "$0")/.."
SECONDS_MEDIA=${1:-10}
CPU_USED=${2:--6}
# Default: the recorder's automatic choice for 720p (WebRTC's rule): 2 threads from 3 CPUs on.
THREADS=${3:-$(( $(nproc) >= 3 ? 2 : 1 ))}
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

ours=$(measure "$BIN" run "$DIR" "$DIR/ours.webm" --seconds "$SECONDS_MEDIA" --width $W --height $H \
  --fps $FPS --video-bitrate $VBR --audio-bitrate $ABR --cpu-used "$CPU_USED" --threads "$THREADS")
echo "ours (self-reported):"; cat "$DIR/out.txt"
theirs=$(measure ffmpeg -nostdin -y -v error \
  -f rawvideo -pix_fmt yuv420p -s ${W}x${H} -r $FPS -i "$DIR/video.yuv" \
  -f f32le -ar 48000 -ac 2 -i "$DIR/audio.f32" \
  -c:v libvpx -deadline realtime -cpu-used "$CPU_USED" -b:v $VBR -threads "$THREADS" \
  -lag-in-frames 0 -g 100 -qmin 2 -qmax 52 \
  -c:a libopus -b:a $ABR -vbr on -frame_duration 20 -application audio \
  "$DIR/ffmpeg.webm")

report() { # name "wall user sys" file
  read -r wall user sys <<<"$2"
  awk -v n="$1" -v m="$SECONDS_MEDIA" -v w="$wall" -v u="$user" -v s="$sys" -v b="$(stat -c %s "$3")" \
    'BEGIN { printf "%-8s wall %6.2f s  rtf %6.2fx  cpu %6.2f s  cpu/media-s %5.3f  size %6.0f kB\n", n, w, m/w, u+s, (u+s)/m, b/1000 }'
}
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs); ${SECONDS_MEDIA} s of ${W}x${H}@${FPS} VP8 ${VBR} bit/s cpu-used ${CPU_USED} threads ${THREADS} + Opus ${ABR} bit/s"
report ours "$ours" "$DIR/ours.webm"
report ffmpeg "$theirs" "$DIR/ffmpeg.webm"
read -r ow ou os <<<"$ours"
read -r fw fu fs <<<"$theirs"
awk -v ow="$ow" -v fw="$fw" -v ou="$ou" -v os="$os" -v fu="$fu" -v fs="$fs" \
  'BEGIN { printf "ratio ours/ffmpeg: wall %.2f, cpu %.2f\n", ow/fw, (ou+os)/(fu+fs) }'
