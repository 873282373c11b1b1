#!/usr/bin/env bash
# The capture pipeline benchmark, side by side with ffmpeg doing the same work:
# a 1920x1080@30 generated source fanned out to native, 1280x720@30, 640x360@15 and
# 320x180@5, in real time for SECONDS seconds (default 30). Prints CPU seconds per media
# second for both and the ratios (ours / ffmpeg, ours / GStreamer; below 1 means we use less
# CPU), and each track's capture-to-sink latency beside GStreamer's.
# A p99 needs 100 frames to be more than the slowest frame: at 5 fps that is 20 seconds, so
# shorter runs give the 320x180 track's maximum as its p99.
# "added p99": a scaled track's latency beyond the native track's for the same source frame,
# i.e. what its adapter and delivery thread added (the native track does no work: its latency
# is the capture thread's lateness). "slowest": the track's slowest frame, and the native
# track's latency for that same frame; when both are high, the frame was late before the
# pipeline had it.
set -euo pipefail
cd "$(dirname "$0")/.."
SECONDS_OF_MEDIA="${1:-30}"
cargo build --release --locked -q -p mediacapture-cli
BIN=./target/release/mediacapture

ours_json=$("$BIN" --json bench --seconds "$SECONDS_OF_MEDIA")
ours=$(printf '%s' "$ours_json" | python3 -c 'import json,sys; print(json.load(sys.stdin)["cpu_seconds_per_media_second"])')

# ffmpeg: testsrc2 at 1080p30 (a moving pattern, like our fake camera), real-time paced,
# one thread, split to the same four outputs with swscale and the fps filter.
TIMEFORMAT='%U %S'
t=$( { time ffmpeg -v error -nostdin -threads 1 -filter_threads 1 -filter_complex_threads 1 -re \
  -t "$SECONDS_OF_MEDIA" -f lavfi -i "testsrc2=size=1920x1080:rate=30,format=yuv420p" \
  -filter_complex "[0:v]split=4[a][b][c][d];[b]scale=1280:720[b2];[c]fps=15,scale=640:360[c2];[d]fps=5,scale=320:180[d2]" \
  -map "[a]" -f null - -map "[b2]" -f null - -map "[c2]" -f null - -map "[d2]" -f null - ; } 2>&1 )
ffmpeg_cpu=$(echo "$t" | tail -1 | awk -v s="$SECONDS_OF_MEDIA" '{print ($1 + $2) / s}')

# GStreamer: videotestsrc at 1080p30 I420, live (real-time paced), a tee to the same four
# outputs with videorate and videoscale, a queue (a thread) per branch as GStreamer needs
# behind a tee (without them the pipeline stalls), as ours has a thread per scaled track.
frames=$((SECONDS_OF_MEDIA * 30))
# The pipeline, once for both GStreamer runs below (the sinks are named for the tracer).
gst_pipeline=(videotestsrc is-live=true num-buffers="$frames"
  ! video/x-raw,format=I420,width=1920,height=1080,framerate=30/1 ! tee name=t
  t. ! queue ! fakesink name=native sync=false
  t. ! queue ! videoscale ! video/x-raw,width=1280,height=720 ! fakesink name=s720 sync=false
  t. ! queue ! videorate ! video/x-raw,framerate=15/1 ! videoscale
     ! video/x-raw,width=640,height=360 ! fakesink name=s360 sync=false
  t. ! queue ! videorate ! video/x-raw,framerate=5/1 ! videoscale
     ! video/x-raw,width=320,height=180 ! fakesink name=s180 sync=false)
t=$( { time gst-launch-1.0 -q "${gst_pipeline[@]}" >/dev/null; } 2>&1 )
gst_cpu=$(echo "$t" | tail -1 | awk -v s="$SECONDS_OF_MEDIA" '{print ($1 + $2) / s}')

# GStreamer's latency, the same pipeline again with its latency tracer (a separate run, so
# that the tracer's logging is not in the CPU figure above). The tracer times a buffer from
# the moment the source pushes it, after the source's wait for its clock: our figures start
# at the frame's capture time, so they also hold our capture thread's lateness in waking,
# and GStreamer's do not. Its videoscale filters bilinearly (its default), ours by area.
gst_log=$(mktemp)
trap 'rm -f "$gst_log"' EXIT
GST_TRACERS="latency(flags=pipeline)" GST_DEBUG="GST_TRACER:7" GST_DEBUG_NO_COLOR=1 \
  GST_DEBUG_FILE="$gst_log" gst-launch-1.0 -q "${gst_pipeline[@]}" >/dev/null

echo "$ours_json" | python3 -c '
import json,sys
r=json.load(sys.stdin)
for t in r["tracks"]:
    added = t.get("added_latency_p99_ms")
    worst = t["slowest_frames"][0] if t.get("slowest_frames") else None
    print("  %-22s %6.2f fps  p50 %6.2f ms  p99 %6.2f ms  added p99 %s  slowest %s"
          % (t["track"], t["fps"], t["latency_p50_ms"], t["latency_p99_ms"],
             "   -   " if added is None else "%4.2f ms" % added,
             "-" if worst is None else "%.2f ms (native %s)" % (worst["latency_ms"],
                 "-" if worst["native_latency_ms"] is None else "%.2f ms" % worst["native_latency_ms"])))
s=r["never_reading_sink"]
print("  never-reading sink: %d buffered, %d dropped, peak RSS %d KiB" % (s["buffered"], s["dropped"], s["peak_rss_kib"]))'
echo "GStreamer, the same four outputs (latency tracer: from the source's push to the sink):"
OURS="$ours_json" python3 - "$gst_log" <<'PY'
import json, os, re, sys
ours = [t["latency_p99_ms"] for t in json.loads(os.environ["OURS"])["tracks"]]
lat = {}
for line in open(sys.argv[1], errors="replace"):
    m = re.search(r"latency, src-element-id=.*?sink-element=\(string\)(\w+),.*?time=\(guint64\)(\d+)", line)
    if m:
        lat.setdefault(m.group(1), []).append(int(m.group(2)) / 1e6)
for i, (name, label) in enumerate([("native", "native 1920x1080@30"), ("s720", "1280x720@30"),
                                   ("s360", "640x360@15"), ("s180", "320x180@5")]):
    v = sorted(lat.get(name, []))
    if not v:
        print("  %-22s no latency records" % label)
        continue
    at = lambda q: v[min(len(v) - 1, round((len(v) - 1) * q))]
    print("  %-22s %4d frames   p50 %6.2f ms  p99 %6.2f ms   p99 ours / GStreamer %.2f"
          % (label, len(v), at(0.5), at(0.99), ours[i] / at(0.99)))
PY
printf '%-10s %8s\n' "" "CPU s per media s"
printf '%-10s %8.3f\n' mediacapture "$ours" ffmpeg "$ffmpeg_cpu" gstreamer "$gst_cpu"
python3 -c "print('ratio (ours / ffmpeg): %.2f' % ($ours / $ffmpeg_cpu))"
python3 -c "print('ratio (ours / gstreamer): %.2f' % ($ours / $gst_cpu))"
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)"
