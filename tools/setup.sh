#!/usr/bin/env bash
# Installs everything a fresh Debian 12 machine lacks to build, test and run
# tracepipe. Idempotent: a second run only checks.
#   apt: compiler toolchain, Boost, hiredis, libcurl, simdjson, zstd, zlib,
#        yaml-cpp, CLI11, fmt, protobuf (OTLP), GoogleTest, Google Benchmark, redis-server,
#        clickhouse-server, zookeeper (replicated stacks; Java 17), wrk, nginx
#        (benchmark baseline), chromium (renders
#        report.html in tests/report), clang + libFuzzer's runtime (fuzz/)
#   npm: s3rver, the LangSmith and Langfuse JS SDKs, OpenTelemetry JS and libchdb into ./.deps (git-ignored)
#   bash tools/setup.sh --build-only   only what building the tracepipe target
#                                      needs (the container image's build stage,
#                                      deploy/image/Dockerfile): no servers, no npm
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
deps="$root/.deps"

build_packages=(
  build-essential cmake pkg-config libprotobuf-dev protobuf-compiler
  libboost1.81-dev libboost-json1.81-dev libboost-url1.81-dev libhiredis-dev libcurl4-openssl-dev libsimdjson-dev
  libzstd-dev libjemalloc-dev zlib1g-dev libyaml-cpp-dev libcli11-dev libfmt-dev libssl-dev
)
apt_packages=(
  "${build_packages[@]}" clang libclang-rt-14-dev
  libgtest-dev libgmock-dev libbenchmark-dev
  redis-server redis-tools clickhouse-server clickhouse-client zookeeper
  wrk nginx-light curl procps
  chromium
)
build_only=0
if [ "${1:-}" = --build-only ]; then build_only=1; apt_packages=("${build_packages[@]}"); fi

missing=()
for p in "${apt_packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
# node and npm run s3rver and the JS SDK test; the machine image may bring its
# own Node (newer than Debian's, and conflicting with Debian's npm package).
if ((!build_only)); then
  command -v node >/dev/null && command -v npm >/dev/null || missing+=(nodejs npm)
fi
if ((${#missing[@]})); then
  echo "setup: installing ${missing[*]}"
  sudo_cmd=""; [ "$(id -u)" -eq 0 ] || sudo_cmd="sudo"
  # Debian packages with services try to start them; we start our own on
  # free loopback ports, so keep the package scripts from doing it.
  export DEBIAN_FRONTEND=noninteractive RUNLEVEL=1
  policy=/usr/sbin/policy-rc.d
  if [ ! -e "$policy" ]; then
    printf '#!/bin/sh\nexit 101\n' | $sudo_cmd tee "$policy" >/dev/null
    $sudo_cmd chmod +x "$policy"
    trap '$sudo_cmd rm -f "$policy"' EXIT
  fi
  $sudo_cmd apt-get update -q
  $sudo_cmd apt-get install -y -q --no-install-recommends "${missing[@]}"
fi

if ((build_only)); then echo "setup: ok (build only)"; exit 0; fi

# Exact versions: the JS SDK test asserts what this SDK version sends.
mkdir -p "$deps"
chdb_lib="$deps/node_modules/@chdb/lib-linux-x64-gnu/libchdb.so"  # ClickHouse 26.x in-process, for tests/chdb
# OpenTelemetry JS: the exporters (protobuf and JSON) as real OTLP clients,
# and what the LangSmith SDK's OTel mode loads; 0.223/2.12 are the last that
# run on Node 20 (newer exporters want Node 22), api 1.9 what they accept.
otel_packages=(@opentelemetry/api@1.9.0 @opentelemetry/sdk-trace-base@2.12.1 @opentelemetry/context-async-hooks@2.12.1
               @opentelemetry/exporter-trace-otlp-proto@0.223.1 @opentelemetry/exporter-trace-otlp-http@0.223.1)
if [ ! -x "$deps/node_modules/.bin/s3rver" ] || [ ! -d "$deps/node_modules/langsmith" ] || [ ! -f "$chdb_lib" ] ||
   [ ! -d "$deps/node_modules/@opentelemetry/exporter-trace-otlp-http" ] || [ ! -d "$deps/node_modules/langfuse" ]; then
  echo "setup: npm install s3rver, langsmith, langfuse, OpenTelemetry JS and @chdb/lib-linux-x64-gnu (~180 MB) into $deps"
  (cd "$deps" && [ -f package.json ] || echo '{"private":true}' > package.json
   npm install --no-audit --no-fund --loglevel=error s3rver@3.7.1 langsmith@0.3.87 langfuse@3.39.2 \
     @chdb/lib-linux-x64-gnu@26.5.3 "${otel_packages[@]}" >/dev/null)
fi
echo "setup: ok"
