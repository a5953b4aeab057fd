#!/usr/bin/env bash
# Installs what is missing (tools/setup.sh), then configures and builds into
# ./build: every target, or only the TARGETs given. Prints nothing but errors
# when all is up to date.
#   bash tools/build.sh [TARGET…]
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
bash "$root/tools/setup.sh"
cmake -S "$root" -B "$root/build" -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build "$root/build" -j"$(nproc)" ${1:+--target "$@"} -- --no-print-directory 2>&1 | grep -vE '^\[ *[0-9]+%\]' || true
test -x "$root/build/tracepipe"
