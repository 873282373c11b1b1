#!/usr/bin/env bash
# Installs what building and testing mediacapture needs on Debian: C libraries for the codec
# and device crates, and the real servers and outside judges the tests use. Idempotent.
set -euo pipefail
PKGS=(pkg-config clang libclang-dev cmake nasm g++ libasound2-dev libpulse-dev libvpx-dev
      libopus-dev xvfb x11-utils x11-apps pulseaudio pulseaudio-utils alsa-utils sox espeak-ng
      ffmpeg mkvtoolnix
      # The hal's `pipewire` feature and its tests (scripts/pipewire-stack.sh): a private
      # PipeWire + WirePlumber with GStreamer test cameras.
      libpipewire-0.3-dev libspa-0.2-dev pipewire pipewire-bin wireplumber dbus
      gstreamer1.0-tools gstreamer1.0-plugins-base gstreamer1.0-pipewire
      # The `portal` feature's test: headless sway, xdg-desktop-portal, and what
      # scripts/build-xdpw.sh needs to build xdg-desktop-portal-wlr without a GPU.
      sway foot xdg-desktop-portal xdg-desktop-portal-wlr meson ninja-build libdrm-dev
      libinih-dev libgbm-dev libwayland-dev wayland-protocols libsystemd-dev
      # scripts/bench-frames.sh: the reference converters it compiles against.
      libyuv-dev libswscale-dev libavutil-dev libturbojpeg0-dev)
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
