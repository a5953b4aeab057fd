#!/usr/bin/env bash
# Builds TARGETs in ./build-sanitize: clang, AddressSanitizer +
# UndefinedBehaviorSanitizer (-fno-sanitize-recover: any finding aborts), and
# libFuzzer's coverage instrumentation over the project's libraries, so the
# fuzz targets (tools/fuzz_ci.sh, bench/fuzz.sh) and the sanitized test suite
# (tools/sanitize.sh) share one compile of everything. -O1 -g1: ASan's
# recommended level, line tables for file:line in reports, half the compile
# time of -O2 -g. A failed build fails the script: nothing stale is run.
#   bash tools/sanitized_build.sh TARGET…
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build="$root/build-sanitize"
(($#)) || { echo "usage: tools/sanitized_build.sh TARGET…" >&2; exit 2; }
command -v clang++ >/dev/null || { echo "sanitized build: clang++ is missing (tools/setup.sh installs it)" >&2; exit 2; }
flags="-fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer"
nice -n 19 cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DCMAKE_C_COMPILER=clang -DCMAKE_CXX_COMPILER=clang++ -DCMAKE_C_FLAGS="$flags" -DCMAKE_CXX_FLAGS="$flags" \
  -DCMAKE_C_FLAGS_RELWITHDEBINFO="-O1 -g1 -DNDEBUG" -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O1 -g1 -DNDEBUG" \
  -DCMAKE_EXE_LINKER_FLAGS="-fsanitize=address,undefined" \
  -DTRACEPIPE_FUZZ=ON -DTRACEPIPE_JEMALLOC=OFF -DTRACEPIPE_BUILD_TESTS=ON -DTRACEPIPE_BUILD_BENCH=OFF >/dev/null
nice -n 19 cmake --build "$build" -j"$(nproc)" --target "$@" -- --no-print-directory 2>&1 |
  { grep -vE '^\[ *[0-9]+%\]' || true; }
