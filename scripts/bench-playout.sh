#!/usr/bin/env bash
# Microphone-to-speaker latency and playback CPU (48 kHz stereo) of our media element, side
# by side with paplay and ffplay -nodisp doing the same on the same PulseAudio null sink.
# Starts a private PulseAudio (own XDG_RUNTIME_DIR, as scripts/servers.sh does) with a
# 48 kHz stereo null sink "benchsink", runs `mediacapture bench --playout` for each player
# (the players' defaults, then with --low-latency), and stops that server only.
# Usage: scripts/bench-playout.sh [SECONDS]   (seconds per phase, default 30)
set -euo pipefail
cd "$(dirname "$0")/.."
SECONDS_OF_MEDIA="${1:-30}"
cargo build --release --locked -q -p mediacapture-cli
BIN=./target/release/mediacapture

export XDG_RUNTIME_DIR="$(mktemp -d)"
chmod 700 "$XDG_RUNTIME_DIR"
pulseaudio --daemonize=yes --exit-idle-time=-1 --disallow-exit -n \
  --load=module-native-protocol-unix \
  --load="module-null-sink sink_name=benchsink rate=48000 channels=2 sink_properties=device.description=benchsink" \
  --load=module-always-sink >/dev/null 2>&1
trap 'pulseaudio --kill >/dev/null 2>&1 || true; rm -rf "$XDG_RUNTIME_DIR"' EXIT

run() {
  "$BIN" --json bench --seconds "$SECONDS_OF_MEDIA" --playout "$@"
}
results=$(mktemp)
run element >>"$results"
run paplay >>"$results"
run paplay --low-latency >>"$results"
if command -v ffplay >/dev/null; then
  run ffplay >>"$results"
  run ffplay --low-latency >>"$results"
else
  echo "ffplay: not installed, not measured"
fi

python3 - "$results" <<'EOF'
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
ours = rows[0]
print("%-22s %6s %6s %6s %9s %9s %10s %9s %9s" % ("player", "in", "out", "paired", "p50 ms", "p99 ms",
      "CPU %core", "p50/ours", "CPU/ours"))
for r in rows:
    name = r["player"] + (" (low latency)" if r.get("low_latency") else "")
    cpu = r["cpu_seconds_per_media_second"]
    print("%-22s %6d %6d %6d %9.1f %9.1f %10.3f %9.2f %9.2f" % (
        name, r["onsets_in"], r["onsets_out"], r["paired"], r["latency_p50_ms"], r["latency_p99_ms"],
        cpu * 100, r["latency_p50_ms"] / ours["latency_p50_ms"],
        cpu / ours["cpu_seconds_per_media_second"]))
EOF
rm -f "$results"
