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
cargo clippy --workspace --all-targets --locked -- -D warnings
cargo test --workspace --locked
# The PipeWire backend and the ScreenCast portal are features off by default (they link
# libpipewire): their lints and tests, against private PipeWire (+ headless sway and portal)
# stacks the tests start (scripts/pipewire-stack.sh).
cargo clippy -p mediacapture-hal --features portal --all-targets --locked -- -D warnings
cargo test -p mediacapture-hal --features portal --locked

# The Node.js addon: build it (release) and run its node --test suite.
(
  cd crates/mediacapture-node
  npm install --no-audit --no-fund
  npm run build
  npm test
)
