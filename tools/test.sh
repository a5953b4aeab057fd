#!/usr/bin/env bash
# The whole test suite on a fresh machine: installs dependencies, builds, and
# runs unit tests and integration tests (real Redis, ClickHouse 18.16 and
# s3rver started by the test binary itself on free loopback ports), the fault
# scenarios, then — built once more with clang, ASan + UBSan — the unit and
# integration suite again under the sanitizers and the libFuzzer targets of
# fuzz/ for a bounded time.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
bash "$root/tools/build.sh"
ctest --test-dir "$root/build" --output-on-failure --timeout 1200 "$@"
# The fault scenarios' Jepsen-style counts (tests/faults/README.md), when they ran.
results="$root/build/tests/fault-results.txt"
if [[ -f $results && $results -nt "$root/build/tests/fault_tests" ]]; then cat "$results"; fi
# Then the sanitized suite (tools/sanitize.sh) and every fuzz target for 30 s
# (tools/fuzz_ci.sh), one build for both; skipped when ctest arguments pick
# some tests only.
if ((!$#)); then
  bash "$root/tools/sanitize.sh"
  bash "$root/tools/fuzz_ci.sh"
fi
