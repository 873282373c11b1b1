# Sourced by scripts/test.sh: real servers for the backend tests (PulseAudio with a null sink,
# Xvfb). Exports XDG_RUNTIME_DIR (where the PulseAudio socket is) and DISPLAY for the tests.
# Both servers are private to this run: PulseAudio lives in its own runtime directory, and Xvfb
# picks a free display number itself (-displayfd), so two runs on one machine never collide.
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
    # Xvfb writes the display number it chose to the file once it accepts connections.
    local displayfile
    displayfile="$(mktemp)"
    Xvfb -displayfd 3 -screen 0 1280x720x24 -nolisten tcp 3>"$displayfile" >/dev/null 2>&1 &
    XVFB_PID=$!
    local n=""
    for _ in $(seq 100); do
      if [ "$(wc -l <"$displayfile")" -ge 1 ]; then
        n="$(tr -dc 0-9 <"$displayfile")"
        break
      fi
      kill -0 "$XVFB_PID" 2>/dev/null || break
      sleep 0.1
    done
    rm -f "$displayfile"
    if [ -n "$n" ]; then
      export DISPLAY=":$n" MEDIACAPTURE_TEST_X11=1
    else
      echo "servers: Xvfb did not start" >&2
    fi
  fi
}
stop_servers() {
  pulseaudio --kill >/dev/null 2>&1 || true
  [ -n "${XVFB_PID:-}" ] && kill "$XVFB_PID" 2>/dev/null || true
}
