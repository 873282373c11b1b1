#!/usr/bin/env bash
# Installs what building and testing mediacapture needs on Debian: C libraries for the codec
# and device crates, and the real servers and outside judges the tests use. Idempotent.
set -euo pipefail
PKGS=(pkg-config clang libclang-dev cmake nasm g++ libasound2-dev libpulse-dev libvpx-dev
      libopus-dev libturbojpeg0-dev xvfb x11-utils x11-apps pulseaudio pulseaudio-utils alsa-utils sox espeak-ng
      ffmpeg mkvtoolnix
      # The hal's `pipewire` feature and its tests (scripts/pipewire-stack.sh): a private
      # PipeWire + WirePlumber with GStreamer test cameras.
      libpipewire-0.3-dev libspa-0.2-dev pipewire pipewire-bin wireplumber dbus
      gstreamer1.0-tools gstreamer1.0-plugins-base gstreamer1.0-pipewire
      # The `portal` feature's test: headless sway, xdg-desktop-portal, and what
      # scripts/build-xdpw.sh needs to build xdg-desktop-portal-wlr without a GPU.
      sway foot xdg-desktop-portal xdg-desktop-portal-wlr meson ninja-build libdrm-dev
      libinih-dev libgbm-dev libwayland-dev wayland-protocols libsystemd-dev
      # The Camera portal test: xdg-desktop-portal offers the Camera interface only next to an
      # Access dialog implementation (GTK's).
      xdg-desktop-portal-gtk
      # The "stop sharing" tests: a stand-in ScreenCast portal backend in Python
      # (scripts/fake-screencast-portal.py), and pw-dump (pipewire-bin) to find its node.
      python3-dbus python3-gi
      # scripts/bench-frames.sh: the reference converters it compiles against.
      libyuv-dev libswscale-dev libavutil-dev
      # WebRTC interop tests: headless Chromium, a loopback-only network namespace.
      chromium iproute2
      # `mediacapture send --whip` against a real SFU (crates/mediacapture-cli/tests/whip.rs):
      # Janus with its VideoRoom plugin.
      janus)
missing=()
for p in "${PKGS[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ "${#missing[@]}" -gt 0 ]; then
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  echo "setup: installing ${missing[*]}" >&2
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# The WHIP server in front of Janus for the same test: Debian's simple-whip-server (Meetecho's,
# Node.js). Installing it with apt would pull Debian's Node.js 18 and its node-* packages, which
# conflict with the Node.js the addon is built with, so its package is downloaded and its two
# sources unpacked into /opt/simple-whip-server; its JavaScript dependencies come from npm
# (crates/mediacapture-cli/tests/whip-server/package.json, installed by scripts/test.sh).
SWS_DIR=/opt/simple-whip-server
if [ ! -f "$SWS_DIR/src/server.js" ]; then
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  work="$(mktemp -d)"; chmod 777 "$work"
  (cd "$work" && apt-get download -qq simple-whip-server 2>/dev/null) || {
    $SUDO apt-get update -qq
    (cd "$work" && apt-get download -qq simple-whip-server)
  }
  dpkg-deb -x "$work"/simple-whip-server_*.deb "$work/root"
  $SUDO mkdir -p "$SWS_DIR/src"
  $SUDO cp "$work/root/usr/share/simple-whip-server/src/server.js" \
    "$work/root/usr/share/simple-whip-server/src/whip-janus.js" "$SWS_DIR/src/"
  $SUDO cp "$work/root/usr/share/doc/simple-whip-server/copyright" "$SWS_DIR/"
  rm -rf "$work"
fi

# The Debian archive this system installs from (its first Debian entry), for the extra suites
# below.
debian_uri() {
  local uri
  uri="$(grep -hoE '^URIs: *[^ ]+/debian$' /etc/apt/sources.list.d/*.sources 2>/dev/null | head -n1 | sed 's/^URIs: *//')"
  [ -n "$uri" ] || uri="$(grep -hoE '^deb +[^ ]+/debian ' /etc/apt/sources.list 2>/dev/null | head -n1 | awk '{print $2}')"
  if [ -z "$uri" ]; then echo "setup: no Debian archive entry found" >&2; exit 1; fi
  echo "$uri"
}

# WebRTC's audio processing module (the `webrtc-audio-processing` crate, feature `bundled`) is
# built from source with ninja and meson >= 1.1 (the crate runs `meson setup --reconfigure` on
# a fresh directory, which Debian 12's meson 1.0 refuses: meson comes from Debian 12's
# backports), and needs Abseil >= 20240722, newer than Debian 12 ships: Abseil is built once
# from Debian 13's source package (static, position-independent so that it can go into the
# Node addon) into /usr/local, where pkg-config finds it.
if ! meson --version 2>/dev/null | grep -qvE '^(0\.|1\.0\.)'; then
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  list="/etc/apt/sources.list.d/mediacapture-backports.sources"
  printf 'Types: deb\nURIs: %s\nSuites: bookworm-backports\nComponents: main\nSigned-By: /usr/share/keyrings/debian-archive-keyring.gpg\n' "$(debian_uri)" \
    | $SUDO tee "$list" >/dev/null
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends -t bookworm-backports meson >/dev/null
  $SUDO rm -f "$list"
  $SUDO apt-get update -qq
fi
ABSL_VERSION=20240722
if ! pkg-config --atleast-version="$ABSL_VERSION" absl_base 2>/dev/null; then
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  work="$(mktemp -d)"; chmod 755 "$work"
  list="/etc/apt/sources.list.d/mediacapture-abseil-src.sources"
  # Source packages of the next Debian release only, from the system's own archive.
  uri="$(debian_uri)"
  printf 'Types: deb-src\nURIs: %s\nSuites: trixie\nComponents: main\nSigned-By: /usr/share/keyrings/debian-archive-keyring.gpg\n' "$uri" \
    | $SUDO tee "$list" >/dev/null
  $SUDO apt-get update -qq
  (cd "$work" && apt-get source --download-only -qq "abseil=${ABSL_VERSION}.0-4" >/dev/null)
  $SUDO rm -f "$list"
  $SUDO apt-get update -qq
  tar -xzf "$work/abseil_${ABSL_VERSION}.0.orig.tar.gz" -C "$work"
  src="$(find "$work" -maxdepth 1 -type d -name 'abseil*' | head -n1)"
  cmake -S "$src" -B "$work/build" -G Ninja -DCMAKE_BUILD_TYPE=Release \
    -DCMAKE_POSITION_INDEPENDENT_CODE=ON -DCMAKE_CXX_STANDARD=17 -DABSL_PROPAGATE_CXX_STD=ON \
    -DBUILD_SHARED_LIBS=OFF -DBUILD_TESTING=OFF -DABSL_ENABLE_INSTALL=ON \
    -DCMAKE_INSTALL_PREFIX=/usr/local >/dev/null
  cmake --build "$work/build" >/dev/null
  $SUDO cmake --install "$work/build" >/dev/null
  rm -rf "$work"
fi
