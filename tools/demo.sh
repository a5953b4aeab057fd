#!/usr/bin/env bash
# The main job end to end on a local stack (README's first command): installs
# what is missing, builds, then `tracepipe demo` — stack up, ingest + sink
# workers, a 30 s staged load watched behind the target, reconcile, the
# summary and report.html, stack down. Arguments go to `tracepipe demo`.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
bash "$root/tools/build.sh"
exec "$root/build/tracepipe" demo "$@"
