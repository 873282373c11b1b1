#!/usr/bin/env bash
# Frame throughput of mediacapture-frame next to ffmpeg's swscale, on this machine, in one run.
#
#   scripts/bench-frames.sh            # criterion (release) + ffmpeg, then a table
#   FRAMES=300 scripts/bench-frames.sh # more ffmpeg frames per case (default 200)
#   SKIP_CRITERION=1 ...               # reuse the last criterion results
#
# Both sides are measured the same way: the CPU time (user + sys) of a single-threaded process
# converting FRAMES frames, minus the same process doing everything but the conversion (ours:
# N = 0 iterations of examples/frame_throughput.rs; ffmpeg: the same rawvideo -> null run
# without -pix_fmt change / scale, -threads 1 -filter_threads 1), best of 3. CPU time, not
# wall time, because the machine is shared: other jobs stretch wall time but not CPU time.
# Criterion's wall-clock figures (benches/frames.rs) are printed too, for reference.
set -euo pipefail
cd "$(dirname "$0")/.."

FRAMES=${FRAMES:-200}
TARGET_DIR=${CARGO_TARGET_DIR:-target}
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT

echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')"
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "ffmpeg: $(ffmpeg -version | head -1)"

if [[ -z "${SKIP_CRITERION:-}" ]]; then
    cargo bench -p mediacapture-frame --bench frames -- frames_1080p >"$WORK/criterion.log" 2>&1 || {
        cat "$WORK/criterion.log"
        exit 1
    }
fi
cargo build -q --release -p mediacapture-frame --example frame_throughput
OURS="$TARGET_DIR/release/examples/frame_throughput"

# Criterion's mean wall-clock frames per second for benchmark $1 ("-" when not run).
criterion_fps() {
    local f="$TARGET_DIR/criterion/frames_1080p/$1/new/estimates.json"
    [[ -f $f ]] || { echo "-"; return; }
    python3 -c 'import json,sys; m = json.load(open(sys.argv[1]))["mean"]["point_estimate"]; print("%.1f" % (1e9 / m))' "$f"
}

# CPU seconds (user + sys) of a command.
cpu_of() {
    local TIMEFORMAT='%U %S'
    { time "$@" >/dev/null 2>&1; } 2>&1 | awk '{ printf "%.4f", $1 + $2 }'
}

# Frames per CPU second: $1 = frame count, then two commands separated by "--": the one that
# converts and the baseline; best (lowest) of 3 runs each.
fps_of() {
    local n=$1
    shift
    local conv=() base=()
    while [[ $1 != -- ]]; do conv+=("$1"); shift; done
    shift
    base=("$@")
    local bc=999 bb=999 t
    for _ in 1 2 3; do
        t=$(cpu_of "${conv[@]}"); bc=$(python3 -c "print(min($bc, $t))")
        t=$(cpu_of "${base[@]}"); bb=$(python3 -c "print(min($bb, $t))")
    done
    python3 -c "c, b = $bc, $bb; print(f'{$n / (c - b):.1f}' if c > b else 'nan')"
}

# 10 distinct source frames per input format, looped to $FRAMES frames at run time.
for fmt in yuyv422 nv12 yuv420p; do
    ffmpeg -v error -f lavfi -i testsrc2=size=1920x1080:rate=30 -frames:v 10 \
        -pix_fmt "$fmt" -f rawvideo "$WORK/in_$fmt.raw"
done
LOOPS=$(((FRAMES + 9) / 10 - 1))

# A single-threaded ffmpeg run: $1 = input pix_fmt, rest = output options.
ff() {
    local in=$1
    shift
    ffmpeg -hide_banner -nostdin -v error -threads 1 -filter_threads 1 \
        -f rawvideo -pix_fmt "$in" -s 1920x1080 -stream_loop "$LOOPS" -i "$WORK/in_$in.raw" \
        -threads 1 -sws_flags bilinear "$@" -f null -
}
N=$((LOOPS * 10 + 10))

declare -A FF US
FF[yuyv_to_i420]=$(fps_of $N ff yuyv422 -pix_fmt yuv420p -- ff yuyv422 -pix_fmt yuyv422)
FF[nv12_to_i420]=$(fps_of $N ff nv12 -pix_fmt yuv420p -- ff nv12 -pix_fmt nv12)
FF[i420_to_rgba]=$(fps_of $N ff yuv420p -pix_fmt rgba -- ff yuv420p -pix_fmt yuv420p)
FF[scale_i420_to_720p]=$(fps_of $N ff yuv420p -vf scale=1280:720:flags=bilinear -pix_fmt yuv420p \
    -- ff yuv420p -pix_fmt yuv420p)
for case in yuyv_to_i420 nv12_to_i420 i420_to_rgba scale_i420_to_720p; do
    US[$case]=$(fps_of $N "$OURS" "$case" $N -- "$OURS" "$case" 0)
done

echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "frames per case: $N (ffmpeg's source: testsrc2, 10 frames looped)"
echo
printf '| %-24s | %14s | %14s | %7s | %16s |\n' "1920x1080, one core" "ours fps (CPU)" "swscale fps" "ratio" "ours fps (wall)"
printf '|%s|%s|%s|%s|%s|\n' "--------------------------" "----------------" "----------------" "---------" "------------------"
for case in yuyv_to_i420 nv12_to_i420 i420_to_rgba scale_i420_to_720p; do
    python3 -c '
import sys
case, ours, ff, wall = sys.argv[1:]
ratio = f"{float(ours) / float(ff):.2f}x" if "nan" not in (ours, ff) else "n/a"
label = {"yuyv_to_i420": "YUYV -> I420", "nv12_to_i420": "NV12 -> I420",
         "i420_to_rgba": "I420 -> RGBA", "scale_i420_to_720p": "I420 -> I420 1280x720"}[case]
print(f"| {label:<24} | {ours:>14} | {ff:>14} | {ratio:>7} | {wall:>16} |")
' "$case" "${US[$case]}" "${FF[$case]}" "$(criterion_fps "$case")"
done
