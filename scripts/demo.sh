#!/usr/bin/env bash
# The main job: record a few seconds from the default devices to a WebM file.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
mkdir -p out
echo "demo: the recorder and CLI have not landed yet; nothing is recorded" >&2
exit 1
