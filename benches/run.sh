#!/usr/bin/env bash
# One command for the load harness: build the release server, then run every scenario.
# Extra arguments go to the harness, e.g. `benches/run.sh --soak-secs 120 --markdown`.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release
cargo bench --bench load -- --scenario all "$@"
