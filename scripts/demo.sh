#!/usr/bin/env bash
# The main job: record 3 seconds from the default devices (fake ones where no hardware exists)
# to out/demo.webm, and say where the file is.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
mkdir -p out
cargo build --release --locked -q -p mediacapture-cli
./target/release/mediacapture record --duration 3s -o out/demo.webm
echo "demo: $(pwd)/out/demo.webm"
