#!/usr/bin/env bash
# deploy/'s offline check (no cluster, no Docker engine; CI runs it from
# tools/test.sh): renders every overlay, validates every document against
# the Kubernetes and KEDA schemas (unknown fields too), checks the tracepipe
# subcommands, flags, variables and configuration keys the manifests use
# against BINARY, the rules between the documents, and the image definition.
# Installs its npm packages (deploy/check/package-lock.json) on first use.
#   bash deploy/check.sh [BINARY]        BINARY: build/tracepipe by default
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
binary=${1:-$here/../build/tracepipe}
[ -x "$binary" ] || { echo "deploy/check.sh: no tracepipe binary at $binary (build it: bash tools/build.sh tracepipe)" >&2; exit 2; }
binary=$(realpath "$binary")
cd "$here/check"
# npm ci empties node_modules first: only when the lock file is newer.
if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --no-audit --no-fund --loglevel=error >/dev/null
fi
exec node check.mjs "$binary"
