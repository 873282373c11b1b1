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
