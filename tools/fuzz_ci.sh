#!/usr/bin/env bash
# CI's fuzz step: builds the fuzz/ targets (bench/fuzz.sh, in ./build-sanitize) and
# runs each for FUZZ_SECONDS (default 30) on its committed seeds; any finding
# (crash, sanitizer report, broken invariant, timeout, out of memory) fails.
# Longer runs: bash bench/fuzz.sh [SECONDS].
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
exec bash "$root/bench/fuzz.sh" "${FUZZ_SECONDS:-30}"
