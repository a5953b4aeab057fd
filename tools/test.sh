#!/usr/bin/env bash
# The whole test suite on a fresh machine: installs dependencies, then
#  1. builds ./build (gcc, RelWithDebInfo) and runs there what cannot run
#     sanitized: the fault scenarios (they assert rates and RSS), the replica
#     tests (ZooKeeper + 3 ClickHouse replicas; their faults assert rates
#     too), the Redis Cluster tests (3 masters + 3 replicas), the shipped
#     lab scenarios in their short form (their expectations compare rates)
#     and the libchdb statement check (libchdb.so crashes under ASan);
#  2. builds ./build-sanitize (clang, ASan + UBSan; as an idle task while
#     step 1's fault tests run) and runs the unit and
#     integration tests and report_browser there (real Redis, ClickHouse 18.16
#     and s3rver started by the test binary itself on free loopback ports) —
#     tools/sanitize.sh;
#  3. runs every libFuzzer target of fuzz/ for 30 s — tools/fuzz_ci.sh.
# Unit and integration tests run once, sanitized: running them in ./build too
# cost CI ~5 min and found nothing the sanitized run does not.
#   bash tools/test.sh                 all of the above
#   bash tools/test.sh [ctest args…]   builds every target in ./build and runs
#                                      ctest there with these arguments only
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
if (($#)); then
  bash "$root/tools/build.sh"
  exec ctest --test-dir "$root/build" --output-on-failure --timeout 1200 "$@"
fi
# Each step's seconds, so a CI run that nears its 30 min shows where they went.
t0=$(date +%s) t=$t0
took() { local now; now=$(date +%s); echo "test.sh: $1 in $((now - t)) s (total $((now - t0)) s)"; t=$now; }
bash "$root/tools/build.sh" tracepipe fault_tests replica_tests redis_cluster_tests scenario_tests chdb_statement_test \
  bench_body ingest_micro_bench
took "setup + optimised build"
bash "$root/deploy/check.sh" "$root/build/tracepipe"  # the Kubernetes manifests and the image, offline
took "deploy/ check"
# The sanitized build (~11 min of both cores) compiles meanwhile, as an idle
# task (SCHED_IDLE): the fault tests keep the CPU they ask for — their loads
# run at fixed rates and wait on servers much of the time — and the compile
# takes what they leave. Its output waits in a log until the tests are done.
sanitized_log="$root/build-sanitize.log"
set -m  # a process group of its own: stopped, resumed, and killed on exit as one
chrt --idle 0 bash "$root/tools/sanitize.sh" --build-only >"$sanitized_log" 2>&1 &
sanitized_build=$!
set +m
# Both kills fail once the build has ended; errexit holds in traps too, so
# the braces' status is forgiven — or the exit status would be theirs.
trap '{ kill -CONT -- -"$sanitized_build"; kill -- -"$sanitized_build"; } 2>/dev/null || true' EXIT
tests_rc=0
ctest --test-dir "$root/build" --output-on-failure --timeout 1200 -R '^(faults|replicas|replica_faults|redis_cluster|redis_cluster_faults)$' ||
  tests_rc=$?
# The lab scenarios compare rates between their phases: a compile sharing
# the CPU made one phase slower than the other. It waits (SIGSTOP) meanwhile.
kill -STOP -- -"$sanitized_build" 2>/dev/null || true
ctest --test-dir "$root/build" --output-on-failure --timeout 1200 -R '^(scenarios|chdb_statements)$' || tests_rc=$?
kill -CONT -- -"$sanitized_build" 2>/dev/null || true
# The fault scenarios' Jepsen-style counts (tests/faults/README.md), the replica and Redis Cluster faults' too.
cat "$root/build/tests/fault_tests-results.txt" "$root/build/tests/replica_tests-results.txt" \
  "$root/build/tests/redis_cluster_tests-results.txt"
took "faults, replicas, replica_faults, redis_cluster, redis_cluster_faults, scenarios, chdb_statements"
((tests_rc == 0)) || exit "$tests_rc"
build_rc=0
wait "$sanitized_build" || build_rc=$?
cat "$sanitized_log"
((build_rc == 0)) || { echo "test.sh: the sanitized build failed (exit $build_rc)" >&2; exit "$build_rc"; }
took "the rest of the sanitized build"
bash "$root/tools/sanitize.sh"
took "sanitized tests"
bash "$root/tools/fuzz_ci.sh"
took "fuzzing"
