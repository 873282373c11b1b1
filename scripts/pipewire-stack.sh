#!/usr/bin/env bash
# A private PipeWire stack for the PipeWire tests: a session D-Bus, PipeWire and WirePlumber in
# their own runtime directory, and test cameras made with GStreamer's pipewiresink. Nothing
# here touches another user's or another run's servers: every process is started here, its pid
# kept in the directory, and `stop` ends exactly those.
#
#   pipewire-stack.sh start DIR        start the stack with DIR as XDG_RUNTIME_DIR; the
#                                      PipeWire socket is DIR/pipewire-0
#   pipewire-stack.sh camera DIR NAME FORMAT WIDTH HEIGHT FPS
#                                      add a test camera node NAME (FORMAT: YUY2, NV12, I420…)
#   pipewire-stack.sh uncamera DIR NAME  remove it again (the node goes away)
#   pipewire-stack.sh sway DIR [refuse|count]
#                                      add a headless sway session (run as `nobody`: sway
#                                      refuses root) with a client redrawing known content,
#                                      and xdg-desktop-portal with the wlr backend (built by
#                                      scripts/build-xdpw.sh) casting output HEADLESS-1; with
#                                      `refuse`, the wlr backend's output chooser outputs
#                                      nothing and fails, so every cast request is refused;
#                                      with `count`, the chooser (the portal's dialog, which
#                                      the wlr backend runs for every cast it starts) picks
#                                      HEADLESS-1 and appends a line to DIR/chooser-runs.
#                                      Prints WAYLAND_DISPLAY=NAME.
#   pipewire-stack.sh camera-permission DIR yes|no
#                                      store the Camera portal's answer for programs outside
#                                      a sandbox (app id "") in the portal's permission store,
#                                      as a user answering its dialog once would (the dialog
#                                      itself needs a desktop to show on)
#   pipewire-stack.sh unportal DIR     kill xdg-desktop-portal-wlr: the cast's PipeWire node
#                                      goes away (a cast stopped outside the capturing app)
#   pipewire-stack.sh fakecast DIR NODE WIDTH HEIGHT
#                                      instead of `sway`: xdg-desktop-portal with a stand-in
#                                      ScreenCast backend (scripts/fake-screencast-portal.py)
#                                      that grants the PipeWire node NODE (a `camera` made
#                                      first) as a WIDTHxHEIGHT screen, without a compositor
#   pipewire-stack.sh closecast DIR    the stand-in backend ends every cast the way a desktop
#                                      does when the user clicks "stop sharing": the portal
#                                      closes its sessions and tells the programs (Closed)
#
# The screen (1280x720) shows a foot terminal without borders whose background is #2060c0,
# redrawing the current time on its first line 20 times a second (the wlr portal only sends
# frames when the screen changes): below the first line the screen is that colour.
#   pipewire-stack.sh stop DIR         stop everything started in DIR
#
# Exit status 77 means a component is not installed (the tests then skip, saying which).
set -euo pipefail

die() { echo "pipewire-stack: $*" >&2; exit 1; }
need() {
  for c in "$@"; do
    command -v "$c" >/dev/null || { echo "pipewire-stack: $c is not installed" >&2; exit 77; }
  done
}

# Waits until "$@" succeeds; fails at once when the process of pid file $PIDFILE died, and
# after 20 s (a bound only reached on failure).
wait_for() {
  local what="$1"; shift
  for _ in $(seq 200); do
    if "$@" >/dev/null 2>&1; then return 0; fi
    if [ -n "${PIDFILE:-}" ] && ! kill -0 "$(cat "$PIDFILE")" 2>/dev/null; then
      die "$what failed to start: $(tail -n 3 "${PIDFILE%.pid}.log" 2>/dev/null)"
    fi
    sleep 0.1
  done
  die "timed out waiting for $what"
}

start_bg() { # start_bg DIR NAME CMD...: runs CMD in the background, pid in DIR/NAME.pid
  local dir="$1" name="$2"; shift 2
  "$@" >"$dir/$name.log" 2>&1 &
  echo $! >"$dir/$name.pid"
}

# Whether NAME is owned on the session bus in DBUS_SESSION_BUS_ADDRESS.
has_name() {
  dbus-send --session --print-reply --dest=org.freedesktop.DBus /org/freedesktop/DBus \
    org.freedesktop.DBus.NameHasOwner "string:$1" | grep -q 'boolean true'
}

cmd="${1:-}"; dir="${2:-}"
[ -n "$cmd" ] && [ -n "$dir" ] || die "usage: $0 start|camera|uncamera|stop DIR ..."
case "$cmd" in
  start)
    need dbus-daemon pipewire wireplumber pw-cli
    mkdir -p "$dir"; chmod 700 "$dir"
    export XDG_RUNTIME_DIR="$dir"
    # --nofork with the address on fd 3: with --fork it leaves zombies behind.
    dbus-daemon --session --nofork --print-address=3 3>"$dir/dbus-address" >"$dir/dbus.log" 2>&1 &
    echo $! >"$dir/dbus.pid"
    wait_for "the session bus" test -s "$dir/dbus-address"
    DBUS_SESSION_BUS_ADDRESS="$(head -n1 "$dir/dbus-address")"
    export DBUS_SESSION_BUS_ADDRESS
    start_bg "$dir" pipewire pipewire
    PIDFILE="$dir/pipewire.pid" wait_for "PipeWire" test -S "$dir/pipewire-0"
    start_bg "$dir" wireplumber wireplumber
    # WirePlumber is up once it shows as a client of PipeWire.
    PIDFILE="$dir/wireplumber.pid" wait_for "WirePlumber" sh -c "pw-cli ls Client | grep -qi wireplumber"
    ;;
  camera)
    need gst-launch-1.0
    name="$3" format="$4" width="$5" height="$6" fps="$7"
    gst-inspect-1.0 pipewiresink >/dev/null 2>&1 \
      || { echo "pipewire-stack: GStreamer's pipewiresink is not installed" >&2; exit 77; }
    export XDG_RUNTIME_DIR="$dir" PIPEWIRE_RUNTIME_DIR="$dir"
    # identity drop-allocation=true: without it a consumer connecting later gets no buffers.
    start_bg "$dir" "camera-$name" gst-launch-1.0 -q videotestsrc is-live=true \
      ! "video/x-raw,format=$format,width=$width,height=$height,framerate=$fps/1" \
      ! identity drop-allocation=true \
      ! pipewiresink mode=provide client-name="$name" \
        stream-properties="p,media.class=Video/Source,node.name=$name,node.description=Test-camera-$name,media.role=Camera"
    PIDFILE="$dir/camera-$name.pid" wait_for "camera $name" sh -c "pw-cli ls Node | grep -q 'node.name = \"$name\"'"
    ;;
  uncamera)
    name="$3"
    if [ -f "$dir/camera-$name.pid" ]; then
      kill "$(cat "$dir/camera-$name.pid")" 2>/dev/null || true
      rm -f "$dir/camera-$name.pid"
    fi
    ;;
  sway)
    need sway foot setpriv dbus-send /usr/libexec/xdg-desktop-portal
    xdpw="$(bash "$(dirname "$0")/build-xdpw.sh")" || exit $?
    DBUS_SESSION_BUS_ADDRESS="$(head -n1 "$dir/dbus-address")"
    export XDG_RUNTIME_DIR="$dir" DBUS_SESSION_BUS_ADDRESS
    chown nobody:nogroup "$dir"
    # Something that redraws all the time: the wlr portal only sends frames on damage. The
    # time is written over the same first line, so the rest of the screen keeps the colour.
    cat >"$dir/redraw.sh" <<'SH'
while :; do printf '\r%s' "$(date +%T.%N)"; sleep 0.05; done
SH
    cat >"$dir/sway.conf" <<CONF
output HEADLESS-1 resolution 1280x720
default_border none
default_floating_border none
exec foot -o colors.background=2060c0 -o colors.foreground=ffffff sh $dir/redraw.sh
CONF
    chmod 644 "$dir/redraw.sh"
    chmod 644 "$dir/sway.conf"
    start_bg "$dir" sway setpriv --reuid=nobody --regid=nogroup --clear-groups \
      env HOME="$dir" XDG_RUNTIME_DIR="$dir" WLR_BACKENDS=headless WLR_LIBINPUT_NO_DEVICES=1 \
      WLR_RENDERER=pixman sway -c "$dir/sway.conf"
    PIDFILE="$dir/sway.pid" wait_for "sway" sh -c "ls '$dir' | grep -q '^wayland-[0-9]*\$'"
    WAYLAND_DISPLAY="$(ls "$dir" | grep '^wayland-[0-9]*$' | head -n1)"
    export WAYLAND_DISPLAY XDG_CURRENT_DESKTOP=sway
    if [ "${3:-}" = refuse ]; then
      # The chooser prints no output and fails: the portal answers "cancelled".
      printf '[screencast]\nchooser_type=simple\nchooser_cmd=false\n' >"$dir/xdpw.conf"
    elif [ "${3:-}" = count ]; then
      printf 'echo run >>%s/chooser-runs\necho HEADLESS-1\n' "$dir" >"$dir/chooser.sh"
      printf '[screencast]\nchooser_type=simple\nchooser_cmd=sh %s/chooser.sh\n' "$dir" >"$dir/xdpw.conf"
    else
      printf '[screencast]\nchooser_type=none\noutput_name=HEADLESS-1\n' >"$dir/xdpw.conf"
    fi
    start_bg "$dir" xdpw "$xdpw" -c "$dir/xdpw.conf"
    PIDFILE="$dir/xdpw.pid" wait_for "xdg-desktop-portal-wlr" has_name org.freedesktop.impl.portal.desktop.wlr
    # xdg-desktop-portal-gtk, when installed: xdg-desktop-portal offers its Camera interface
    # only next to an implementation of the Access dialog, which GTK's is. It connects to the
    # system bus and exits without one (a container has none): it gets a private bus of its
    # own as its system bus, with nothing on it. No accessibility bus.
    gtk=/usr/libexec/xdg-desktop-portal-gtk
    if [ -x "$gtk" ]; then
      dbus-daemon --session --nofork --print-address=3 3>"$dir/sysbus-address" >"$dir/sysbus.log" 2>&1 &
      echo $! >"$dir/sysbus.pid"
      PIDFILE="$dir/sysbus.pid" wait_for "the stand-in system bus" test -s "$dir/sysbus-address"
      start_bg "$dir" gtk env DBUS_SYSTEM_BUS_ADDRESS="$(head -n1 "$dir/sysbus-address")" \
        NO_AT_BRIDGE=1 GTK_A11Y=none GDK_BACKEND=wayland "$gtk" -r
      PIDFILE="$dir/gtk.pid" wait_for "xdg-desktop-portal-gtk" has_name org.freedesktop.impl.portal.desktop.gtk
    fi
    start_bg "$dir" portal /usr/libexec/xdg-desktop-portal
    PIDFILE="$dir/portal.pid" wait_for "xdg-desktop-portal" has_name org.freedesktop.portal.Desktop
    echo "WAYLAND_DISPLAY=$WAYLAND_DISPLAY"
    ;;
  camera-permission)
    [ -f "$dir/gtk.pid" ] || { echo "pipewire-stack: xdg-desktop-portal-gtk is not installed (no Camera portal without it)" >&2; exit 77; }
    DBUS_SESSION_BUS_ADDRESS="$(head -n1 "$dir/dbus-address")"
    export DBUS_SESSION_BUS_ADDRESS
    dbus-send --session --print-reply=literal --dest=org.freedesktop.impl.portal.PermissionStore \
      /org/freedesktop/impl/portal/PermissionStore \
      org.freedesktop.impl.portal.PermissionStore.SetPermission \
      string:devices boolean:true string:camera string: "array:string:$3" >/dev/null \
      || die "cannot set the camera permission"
    ;;
  fakecast)
    need /usr/bin/python3 pw-dump dbus-send /usr/libexec/xdg-desktop-portal
    /usr/bin/python3 -c 'import dbus, gi' 2>/dev/null \
      || { echo "pipewire-stack: python3-dbus or python3-gi is not installed" >&2; exit 77; }
    DBUS_SESSION_BUS_ADDRESS="$(head -n1 "$dir/dbus-address")"
    export XDG_RUNTIME_DIR="$dir" PIPEWIRE_RUNTIME_DIR="$dir" DBUS_SESSION_BUS_ADDRESS
    start_bg "$dir" fakecast /usr/bin/python3 "$(dirname "$0")/fake-screencast-portal.py" \
      "$3" "$4" "$5" "$dir/fakecast.ready"
    PIDFILE="$dir/fakecast.pid" wait_for "the stand-in ScreenCast backend" test -s "$dir/fakecast.ready"
    # xdg-desktop-portal finds its backends in .portal files; this directory has only the
    # stand-in, for this "desktop".
    mkdir -p "$dir/portals"
    printf '[portal]\nDBusName=org.freedesktop.impl.portal.desktop.mediacapturetest\nInterfaces=org.freedesktop.impl.portal.ScreenCast;\nUseIn=mediacapturetest\n' \
      >"$dir/portals/mediacapturetest.portal"
    start_bg "$dir" portal env XDG_DESKTOP_PORTAL_DIR="$dir/portals" \
      XDG_CURRENT_DESKTOP=mediacapturetest /usr/libexec/xdg-desktop-portal
    PIDFILE="$dir/portal.pid" wait_for "xdg-desktop-portal" has_name org.freedesktop.portal.Desktop
    ;;
  closecast)
    [ -f "$dir/fakecast.pid" ] || die "no stand-in ScreenCast backend runs in $dir"
    kill -USR1 "$(cat "$dir/fakecast.pid")"
    ;;
  unportal)
    if [ -f "$dir/xdpw.pid" ]; then
      kill "$(cat "$dir/xdpw.pid")" 2>/dev/null || true
      rm -f "$dir/xdpw.pid"
    fi
    ;;
  stop)
    for f in "$dir/portal.pid" "$dir/fakecast.pid" "$dir/gtk.pid" "$dir/sysbus.pid" "$dir/xdpw.pid" "$dir/sway.pid" "$dir"/camera-*.pid "$dir/wireplumber.pid" "$dir/pipewire.pid" "$dir/dbus.pid"; do
      [ -f "$f" ] || continue
      kill "$(cat "$f")" 2>/dev/null || true
      rm -f "$f"
    done
    ;;
  *) die "unknown command $cmd" ;;
esac
