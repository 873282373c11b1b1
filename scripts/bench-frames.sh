#!/usr/bin/env bash
# Frame throughput of mediacapture-frame next to ffmpeg's swscale, on this machine, in one run.
#
#   scripts/bench-frames.sh            # criterion (release) + ffmpeg, then a table
#   FRAMES=300 scripts/bench-frames.sh # more ffmpeg frames per case (default 200)
#   SKIP_CRITERION=1 ...               # reuse the last criterion results
#
# Ours: criterion's mean time per 1920x1080 frame on one thread (benches/frames.rs).
# ffmpeg: single-threaded (-threads 1 -filter_threads 1), rawvideo in, null out. swscale
# alone is isolated by running each case twice, with and without the conversion, and taking
# the difference of the CPU time (user + sys) that `-benchmark` reports.
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

# Mean nanoseconds per frame of criterion benchmark $1.
ours_ns() {
    python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["mean"]["point_estimate"])' \
        "$TARGET_DIR/criterion/frames_1080p/$1/new/estimates.json"
}

# 10 distinct source frames per input format, looped to $FRAMES frames at run time.
for fmt in yuyv422 nv12 yuv420p; do
    ffmpeg -v error -f lavfi -i testsrc2=size=1920x1080:rate=30 -frames:v 10 \
        -pix_fmt "$fmt" -f rawvideo "$WORK/in_$fmt.raw"
done
LOOPS=$(((FRAMES + 9) / 10 - 1))

# CPU seconds (user + sys) of one single-threaded ffmpeg run: $1 = input pix_fmt, rest = output options.
ffmpeg_cpu() {
    local in=$1
    shift
    ffmpeg -hide_banner -nostdin -benchmark -threads 1 -filter_threads 1 \
        -f rawvideo -pix_fmt "$in" -s 1920x1080 -stream_loop "$LOOPS" -i "$WORK/in_$in.raw" \
        -threads 1 -sws_flags bilinear "$@" -f null - 2>&1 |
        sed -n 's/.*bench: utime=\([0-9.]*\)s stime=\([0-9.]*\)s.*/\1 \2/p' |
        awk '{ printf "%.6f", $1 + $2 }'
}

# swscale frames per second: (CPU with conversion - CPU without) over the frame count; the
# best of 3 of each, to keep other processes' noise out.
ffmpeg_fps() {
    local in=$1 conv_args=$2 base_args=$3 best_conv="" best_base="" t
    for _ in 1 2 3; do
        # shellcheck disable=SC2086
        t=$(ffmpeg_cpu "$in" $conv_args)
        best_conv=$(python3 -c "import sys; a=sys.argv[1]; b=float(sys.argv[2]); print(b if a=='' else min(float(a), b))" "$best_conv" "$t")
        # shellcheck disable=SC2086
        t=$(ffmpeg_cpu "$in" $base_args)
        best_base=$(python3 -c "import sys; a=sys.argv[1]; b=float(sys.argv[2]); print(b if a=='' else min(float(a), b))" "$best_base" "$t")
    done
    python3 -c "import sys; c,b,n=map(float,sys.argv[1:]); print(f'{n/(c-b):.1f}' if c>b else 'nan')" \
        "$best_conv" "$best_base" "$((LOOPS * 10 + 10))"
}

declare -A FF
FF[yuyv_to_i420]=$(ffmpeg_fps yuyv422 "-pix_fmt yuv420p" "-pix_fmt yuyv422")
FF[nv12_to_i420]=$(ffmpeg_fps nv12 "-pix_fmt yuv420p" "-pix_fmt nv12")
FF[i420_to_rgba]=$(ffmpeg_fps yuv420p "-pix_fmt rgba" "-pix_fmt yuv420p")
FF[scale_i420_to_720p]=$(ffmpeg_fps yuv420p "-vf scale=1280:720:flags=bilinear -pix_fmt yuv420p" "-pix_fmt yuv420p")

echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
echo
printf '| %-28s | %12s | %12s | %7s |\n' "1920x1080, one core" "ours fps" "swscale fps" "ratio"
printf '|%s|%s|%s|%s|\n' "------------------------------" "--------------" "--------------" "---------"
for case in yuyv_to_i420 nv12_to_i420 i420_to_rgba scale_i420_to_720p; do
    ns=$(ours_ns "$case")
    python3 -c '
import sys
case, ns, ff = sys.argv[1], float(sys.argv[2]), sys.argv[3]
ours = 1e9 / ns
ratio = f"{ours / float(ff):.2f}x" if ff != "nan" else "n/a"
label = {"yuyv_to_i420": "YUYV -> I420", "nv12_to_i420": "NV12 -> I420",
         "i420_to_rgba": "I420 -> RGBA", "scale_i420_to_720p": "I420 scale to 1280x720"}[case]
print(f"| {label:<28} | {ours:12.1f} | {ff:>12} | {ratio:>7} |")
' "$case" "$ns" "${FF[$case]}"
done
