#!/usr/bin/env bash
# Frame throughput of mediacapture-frame next to libyuv, ffmpeg's swscale and libjpeg-turbo,
# on this machine, in one run, on the same inputs.
#
#   scripts/bench-frames.sh              # every case, 5 interleaved rounds, then a table
#   ROUNDS=9 FRAMES=300 scripts/bench-frames.sh
#   CASES="yuyv_to_i420 nv12_to_i420" scripts/bench-frames.sh
#
# Both sides are timed the same way: the CPU time of the converting thread
# (CLOCK_THREAD_CPUTIME_ID) over FRAMES frames after 5 warm-up frames, per frame. Ours is
# crates/mediacapture-frame/examples/frame_throughput.rs; the others are
# scripts/bench-frames.c, compiled here against Debian's libyuv, libswscale and libturbojpeg.
# CPU time, not wall time, because the machine is shared: other jobs stretch wall time but
# not the CPU time of our thread (they still cost some through caches and memory bandwidth,
# so the runs are interleaved: each round runs every side once, case by case, and each
# figure is the median of the rounds).
#
# Levels: "ours" is the best SIMD level this CPU has, "ours avx2" is forced to AVX2 at most;
# "libyuv avx2" masks libyuv's AVX-512 flags (MaskCpuFlags). Inputs: 1920x1080, one
# testsrc2 frame with noise (ffmpeg), converted by ffmpeg to each input format; the MJPEG
# input is that frame as a 4:2:2 JPEG of about 170 kB (a camera's 1080p MJPEG frame).
set -euo pipefail
cd "$(dirname "$0")/.."

FRAMES=${FRAMES:-200}
ROUNDS=${ROUNDS:-5}
CASES=${CASES:-"yuyv_to_i420 uyvy_to_i420 nv12_to_i420 nv21_to_i420 rgb24_to_i420 bgra_to_i420 i420_to_rgba i420_to_bgra scale_i420_to_720p scale_i420_to_360p scale_i420_to_180p mjpeg_to_i420"}
TARGET_DIR=${CARGO_TARGET_DIR:-target}
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT

echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')"
echo "cpu flags: $(grep -o -w 'avx2\|avx512bw' /proc/cpuinfo | sort -u | tr '\n' ' ')"
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "libyuv: $(dpkg-query -W -f='${Version}' libyuv-dev 2>/dev/null || echo '?')," \
    "libswscale: $(dpkg-query -W -f='${Version}' libswscale-dev 2>/dev/null || echo '?')," \
    "libjpeg-turbo: $(dpkg-query -W -f='${Version}' libturbojpeg0-dev 2>/dev/null || echo '?')"

cargo build -q --release -p mediacapture-frame --example frame_throughput
OURS="$TARGET_DIR/release/examples/frame_throughput"
C="$WORK/bench-frames-c"
cc -O2 -o "$C" scripts/bench-frames.c -lyuv -lswscale -lavutil -lturbojpeg

SRC="testsrc2=size=1920x1080:rate=30,noise=alls=4:allf=t"
for p in "yuyv yuyv422" "uyvy uyvy422" "nv12 nv12" "nv21 nv21" "rgb24 rgb24" "bgra bgra" "i420 yuv420p"; do
    set -- $p
    ffmpeg -v error -y -f lavfi -i "$SRC" -frames:v 1 -pix_fmt "$2" -f rawvideo "$WORK/in_$1.raw"
done
ffmpeg -v error -y -f lavfi -i "$SRC" -frames:v 1 -pix_fmt yuvj422p -q:v 3 "$WORK/in_mjpeg.jpg"
echo "MJPEG input: $(stat -c %s "$WORK/in_mjpeg.jpg") bytes, 4:2:2"

# The sides of a case: name and command (without FRAMES).
sides_of() {
    local c=$1
    echo "ours|$OURS $c $WORK"
    if [[ $c != scale_* && $c != mjpeg_* ]]; then echo "ours avx2|$OURS $c $WORK - avx2"; fi
    if [[ $c == mjpeg_* ]]; then
        echo "libjpeg-turbo|$C turbojpeg $c $WORK"
    else
        echo "libyuv|$C libyuv $c $WORK"
        echo "libyuv avx2|$C libyuv $c $WORK - avx2"
        echo "swscale|$C swscale $c $WORK"
    fi
}

# Runs one side: prints nanoseconds per frame.
run() {
    local cmd=$1 n=$FRAMES
    [[ $cmd == *mjpeg* ]] && n=$((FRAMES / 4))
    # "- LEVEL" in a command puts the frame count before the level.
    if [[ $cmd == *" - "* ]]; then
        local head=${cmd% - *} level=${cmd##* - }
        $head "$n" "$level"
    else
        $cmd "$n"
    fi
}

declare -A NS
for round in $(seq "$ROUNDS"); do
    for c in $CASES; do
        while IFS='|' read -r side cmd; do
            NS["$c|$side"]+="$(run "$cmd") "
        done < <(sides_of "$c")
    done
done
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "frames per run: $FRAMES (MJPEG: $((FRAMES / 4))), rounds: $ROUNDS, figure: median of the rounds"
echo

median_ms() { tr ' ' '\n' <<<"$1" | grep . | sort -n | awk '{a[NR]=$1} END {m = (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2; printf "%.3f", m / 1e6}'; }
ratio() { python3 -c "import sys; a, b = map(float, sys.argv[1:]); print(f'{b / a:.2f}x' if a > 0 and b > 0 else '-')" "$1" "$2"; }

printf '| %-22s | %8s | %9s | %8s | %11s | %8s | %13s | %13s | %11s |\n' \
    "1920x1080, ms CPU/frame" ours "ours avx2" libyuv "libyuv avx2" swscale "vs libyuv" "avx2 vs avx2" "vs swscale"
printf '|%s|%s|%s|%s|%s|%s|%s|%s|%s|\n' ------------------------ ---------- ----------- ---------- \
    ------------- ---------- --------------- --------------- -------------
for c in $CASES; do
    get() { local v=${NS["$c|$1"]:-}; [[ -n $v ]] && median_ms "$v" || echo "-"; }
    ours=$(get ours) ours2=$(get "ours avx2") swscale=$(get swscale)
    if [[ $c == mjpeg_* ]]; then
        lib=$(get libjpeg-turbo) lib2="-"
    else
        lib=$(get libyuv) lib2=$(get "libyuv avx2")
    fi
    vs_lib=$(ratio "$ours" "$lib")
    vs_lib2=$([[ $ours2 != - && $lib2 != - ]] && ratio "$ours2" "$lib2" || echo "-")
    vs_sws=$([[ $swscale != - ]] && ratio "$ours" "$swscale" || echo "-")
    printf '| %-22s | %8s | %9s | %8s | %11s | %8s | %13s | %13s | %11s |\n' \
        "$c" "$ours" "$ours2" "$lib" "$lib2" "$swscale" "$vs_lib" "$vs_lib2" "$vs_sws"
done
echo
echo "Ratios are the other side's time over ours: above 1 means ours is faster. The MJPEG row's"
echo "'libyuv' column is libjpeg-turbo (decode to planes) + libyuv I422ToI420."
