# Sourced by scripts/test.sh: real servers for the backend tests (PulseAudio with a null sink,
# Xvfb). Exports PULSE_SERVER-related variables and DISPLAY for the tests.
start_servers() {
  export XDG_RUNTIME_DIR="${XDG_RUNTIME_DIR:-$(mktemp -d)}"
  chmod 700 "$XDG_RUNTIME_DIR"
  if command -v pulseaudio >/dev/null; then
    pulseaudio --daemonize=yes --exit-idle-time=-1 --disallow-exit -n \
      --load=module-native-protocol-unix \
      --load="module-null-sink sink_name=testsink sink_properties=device.description=TestSink" \
      --load=module-always-sink >/dev/null 2>&1 || echo "servers: pulseaudio did not start" >&2
    export MEDIACAPTURE_TEST_PULSE=1
  fi
  if command -v Xvfb >/dev/null; then
    Xvfb :99 -screen 0 1280x720x24 -nolisten tcp >/dev/null 2>&1 &
    XVFB_PID=$!
    export DISPLAY=:99 MEDIACAPTURE_TEST_X11=1
    for _ in $(seq 50); do xdpyinfo >/dev/null 2>&1 && break; sleep 0.1; done
  fi
}
stop_servers() {
  pulseaudio --kill >/dev/null 2>&1 || true
  [ -n "${XVFB_PID:-}" ] && kill "$XVFB_PID" 2>/dev/null || true
}
