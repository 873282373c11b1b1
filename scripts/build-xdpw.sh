#!/usr/bin/env bash
# Builds xdg-desktop-portal-wlr from Debian's source for machines without a GPU, into OUTDIR
# (default target/tools), and prints the binary's path. Stock 0.7.0 refuses to start a cast
# when wlroots offers no DMA-BUF format ("unable to receive a valid format from
# wlr_screencopy"), which is always the case with the pixman renderer; this build drops that
# requirement and casts through shared memory. Needs deb-src entries, meson, ninja and the
# build dependencies listed in scripts/setup.sh. Exit status 77: cannot be built here.
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
out="${1:-$repo/target/tools}"
bin="$out/xdg-desktop-portal-wlr"
if [ -x "$bin" ]; then echo "$bin"; exit 0; fi
# Tests running side by side build it once: the others wait here, then find it.
mkdir -p "$out"
exec 9>"$out/.xdpw.lock"
flock 9
if [ -x "$bin" ]; then echo "$bin"; exit 0; fi
for c in apt-get meson ninja; do
  command -v "$c" >/dev/null || { echo "build-xdpw: $c is not installed" >&2; exit 77; }
done
work="$(mktemp -d)"
list=/etc/apt/sources.list.d/mediacapture-xdpw-src.sources
trap 'rm -rf "$work"' EXIT
if ! (cd "$work" && apt-get source -qq xdg-desktop-portal-wlr >/dev/null 2>&1); then
  # No deb-src entry (the usual case): one for this release's own archive, for this download
  # only, as scripts/setup.sh does for Abseil.
  . /etc/os-release
  uri="$(grep -hoE '^URIs: *[^ ]+/debian$' /etc/apt/sources.list.d/*.sources 2>/dev/null | head -n1 | sed 's/^URIs: *//')"
  [ -n "$uri" ] || uri="$(grep -hoE '^deb +[^ ]+/debian ' /etc/apt/sources.list 2>/dev/null | head -n1 | awk '{print $2}')"
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  if [ -n "$uri" ] && [ -n "${VERSION_CODENAME:-}" ]; then
    printf 'Types: deb-src\nURIs: %s\nSuites: %s\nComponents: main\nSigned-By: /usr/share/keyrings/debian-archive-keyring.gpg\n' \
      "$uri" "$VERSION_CODENAME" | $SUDO tee "$list" >/dev/null
    $SUDO apt-get update -qq >/dev/null 2>&1 || true
    (cd "$work" && apt-get source -qq xdg-desktop-portal-wlr >/dev/null 2>&1) || true
    $SUDO rm -f "$list"
    $SUDO apt-get update -qq >/dev/null 2>&1 || true
  fi
  find "$work" -maxdepth 1 -type d -name 'xdg-desktop-portal-wlr-*' | grep -q . \
    || { echo "build-xdpw: apt-get source xdg-desktop-portal-wlr failed (no deb-src?)" >&2; exit 77; }
fi
src="$(find "$work" -maxdepth 1 -type d -name 'xdg-desktop-portal-wlr-*' | head -n1)"
file="$src/src/screencast/screencast.c"
grep -q 'cast->screencopy_frame_info\[DMABUF\].format == DRM_FORMAT_INVALID' "$file" \
  || { echo "build-xdpw: $file does not have the expected DMA-BUF check" >&2; exit 1; }
# `(A || (B && C))` becomes `(A || (0 && B && C))`: only the shared-memory format is required.
sed -i 's/(cast->ctx->state->screencast_version >= 3 \&\&/(0 \&\& cast->ctx->state->screencast_version >= 3 \&\&/' "$file"
grep -q '(0 && cast->ctx->state->screencast_version' "$file" \
  || { echo "build-xdpw: patching $file failed" >&2; exit 1; }
meson setup -Dsd-bus-provider=libsystemd -Dman-pages=disabled "$src/build" "$src" >/dev/null
ninja -C "$src/build" >/dev/null
mkdir -p "$out"
cp "$src/build/xdg-desktop-portal-wlr" "$bin"
echo "$bin"
