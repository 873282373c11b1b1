#!/usr/bin/env bash
# getUserMedia -> first frame, ours (the Node addon on fake devices: getUserMedia, then the
# first requestVideoFrameCallback on an HTMLVideoElement) beside headless Chromium doing the
# same on its fake camera in a page served on 127.0.0.1, both timed with performance.now(),
# RUNS times each (each run opens the camera afresh). Prints both medians and the ratio
# (ours / Chromium; the goal is 0.5 or less), and the first (cold) run of each apart.
# DEBUG=1 builds and measures the addon's debug build instead of the release one.
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS="${1:-10}"
node crates/mediacapture-node/scripts/build.js ${DEBUG:+--debug} >/dev/null
dir=scripts/bench-first-frame
ours=$(MEDIACAPTURE_FAKE=1 node "$dir/node.js" "$RUNS")
chromium=$(python3 "$dir/chromium.py" "$RUNS")
python3 - "$ours" "$chromium" <<'PY'
import json, statistics, sys
ours = json.loads(sys.argv[1])["times"]
chrome = json.loads(sys.argv[2])["times"]
def row(name, t):
    print("%-10s median %7.2f ms   first run %7.2f ms   runs 2..n median %7.2f ms" % (
        name, statistics.median(t), t[0], statistics.median(t[1:]) if len(t) > 1 else float("nan")))
row("ours", ours)
row("chromium", chrome)
print("ratio (ours / chromium, medians): %.2f" % (statistics.median(ours) / statistics.median(chrome)))
PY
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)"
