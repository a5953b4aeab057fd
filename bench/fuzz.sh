#!/usr/bin/env bash
# Builds the libFuzzer targets of fuzz/ in ./build-sanitize
# (tools/sanitized_build.sh: clang, ASan + UBSan + coverage over the
# project's libraries too) and
# runs each for SECONDS (default 600), one per core at a time, on its committed seeds plus what earlier
# runs found (build-sanitize/corpus/<target>, never committed). Prints per target
# the runs executed, coverage and findings; exits 1 on any finding, whose
# input is kept in build-sanitize/findings/ (reproduce: build-sanitize/fuzz/<target> FILE).
#   bash bench/fuzz.sh [SECONDS] [TARGET…]
# tools/fuzz_ci.sh is the bounded CI run of the same.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
seconds=${1:-600}
shift || true
build="$root/build-sanitize"
all_targets=(http_request_fuzz run_reader_fuzz multipart_fuzz redis_reply_fuzz clickhouse_reply_fuzz otlp_export_fuzz
             langfuse_reader_fuzz stored_entries_fuzz)
targets=("$@")
((${#targets[@]})) || targets=("${all_targets[@]}")

bash "$root/tools/sanitized_build.sh" "${targets[@]}"

export ASAN_OPTIONS="abort_on_error=1:detect_leaks=1:${ASAN_OPTIONS:-}"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1:${UBSAN_OPTIONS:-}"
findings_dir="$build/findings"
mkdir -p "$findings_dir"
# One target per core at a time: each still gets SECONDS of a whole core, and
# CI's five 30 s runs take 90 s on two cores instead of 150 s.
results="$build/fuzz-results"
rm -rf "$results" && mkdir -p "$results"
fuzz_one() {
  local t=$1 bin="$build/fuzz/$1" work="$build/corpus/$1" log="$build/$1.log" rc=0 before after
  mkdir -p "$work"
  before=$(find "$findings_dir" -name "$t-*" | wc -l)
  # The first corpus dir receives new inputs; the committed seeds are read only.
  nice -n 19 "$bin" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -max_len=65536 \
    -print_final_stats=1 -artifact_prefix="$findings_dir/$t-" "$work" "$root/fuzz/corpus/$t" >"$log" 2>&1 || rc=$?
  after=$(find "$findings_dir" -name "$t-*" | wc -l)
  echo "$rc $((after - before))" >"$results/$t"
}
for t in "${targets[@]}"; do
  test -x "$build/fuzz/$t" || { echo "fuzz: $build/fuzz/$t was not built" >&2; exit 2; }
done
for t in "${targets[@]}"; do
  while (($(jobs -rp | wc -l) >= $(nproc))); do wait -n || true; done
  fuzz_one "$t" &
done
wait

failed=0
printf '%-24s %12s %8s %8s %9s\n' target runs cov ft findings
for t in "${targets[@]}"; do
  bin="$build/fuzz/$t"
  log="$build/$t.log"
  read -r rc found <"$results/$t" || { rc=?; found=0; }
  runs=$(grep -oE '^stat::number_of_executed_units: *[0-9]+' "$log" | grep -oE '[0-9]+$' | tail -1 || true)
  cov=$(grep -oE 'cov: [0-9]+' "$log" | tail -1 | grep -oE '[0-9]+' || true)
  ft=$(grep -oE 'ft: [0-9]+' "$log" | tail -1 | grep -oE '[0-9]+' || true)
  printf '%-24s %12s %8s %8s %9s\n' "$t" "${runs:-?}" "${cov:-?}" "${ft:-?}" "$found"
  if [[ $rc != 0 ]] || ((found > 0)); then
    failed=1
    echo "fuzz: $t failed (exit $rc); log $log; inputs:" >&2
    find "$findings_dir" -name "$t-*" -newer "$bin" >&2 || true
    grep -m1 -A25 -E '^==[0-9]+==ERROR|runtime error|fuzz invariant failed|deadly signal' "$log" >&2 || true
  fi
done
exit "$failed"
