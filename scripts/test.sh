#!/usr/bin/env bash
# The project's test command: installs what it needs, starts the real servers the tests use,
# then runs formatting, lints and every test suite.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
source scripts/servers.sh
start_servers
trap stop_servers EXIT

cargo fmt --all -- --check
# The CLI turns the `portal` feature on (PipeWire cameras, Wayland screens and the Camera
# portal), and cargo unifies features across the workspace: these lints and tests include the
# PipeWire and portal code, whose tests start private PipeWire + WirePlumber + headless sway +
# xdg-desktop-portal stacks of their own (scripts/pipewire-stack.sh).
cargo clippy --workspace --all-targets --locked -- -D warnings
# The recorder without its `stream` feature (the sans-I/O core alone, as
# scripts/bench-recorder.sh builds it): workspace builds always turn the feature on, so code
# only that build leaves unused would go unseen.
cargo clippy -p mediacapture-recorder --no-default-features --lib --examples --locked -- -D warnings
# The JavaScript dependencies of simple-whip-server, the WHIP server of the CLI's WHIP test.
(
  cd crates/mediacapture-cli/tests/whip-server
  npm install --no-audit --no-fund
)
# --no-fail-fast: one failing test binary does not hide the results of the rest.
cargo test --workspace --locked --no-fail-fast
# The library crates package for crates.io (metadata, licence, readme, files). The full check,
# `cargo publish --dry-run --workspace --exclude mediacapture-node --exclude
# mediacapture-test-support`, also builds every package against the others (cargo resolves
# the unpublished ones locally) but takes minutes: run it before a release. Cargo treats those
# local packages as registry crates, which never change: before running it again after the
# sources changed, remove the previous run's copies (`cargo clean -p` each library crate, and
# the mediacapture-* directories its overlay extracted under $CARGO_HOME/registry/src/), or it
# verifies against the old ones.
cargo package --workspace --locked --no-verify --allow-dirty \
  --exclude mediacapture-node --exclude mediacapture-test-support >/dev/null

# The Node.js addon: build it (release) and run its node --test suite.
(
  cd crates/mediacapture-node
  npm install --no-audit --no-fund
  npm run build
  npm test
)

# WebRTC interop: headless Chromium and libwebrtc in Node (@roamhq/wrtc) as remote peers. They
# run in a network namespace of their own with loopback only, so no peer can gather or reach
# any other address.
(
  cd crates/mediacapture-webrtc/interop
  npm install --no-audit --no-fund
)
MEDIACAPTURE_TEST_BROWSER=1 unshare --net sh -c \
  'ip link set lo up && cargo test --locked --offline -p mediacapture-webrtc --test chromium --test wrtc'
