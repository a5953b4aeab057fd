#!/usr/bin/env bash
# CI's sanitizer step: the unit + integration suite (and report_browser) once
# under AddressSanitizer + UndefinedBehaviorSanitizer, built by
# tools/sanitized_build.sh in ./build-sanitize; prints build and test seconds.
# Exit 0 only when every test passed and no instrumented process (tests, and
# the tracepipe processes they start) wrote a sanitizer report.
#   bash tools/sanitize.sh                  unit tests, then integration + report_browser
#   bash tools/sanitize.sh [ctest args…]    one ctest run with these instead
#   bash tools/sanitize.sh --build-only     builds what the tests need, runs nothing
#
# Not run (and not built):
#   chdb_statements  libchdb.so (prebuilt ClickHouse, third party, dlopen()ed)
#                    crashes in its own static initializers under ASan
#                    (SEGV calling a null function pointer inside dlopen, before
#                    any of our code runs); our statements are the same either way.
#   faults           its scenarios assert performance, not memory safety (ingest
#                    RSS under 256 MiB: ASan's shadow memory and quarantine alone
#                    exceed it; 503s seen during a 2 s Redis outage at the target
#                    rate: not reached at ASan speed), and take ~6 min under it.
#   scenarios        the shipped lab scenarios' expectations compare rates and
#                    drain times measured on an optimised build (tools/test.sh
#                    runs them in ./build).
#   IngestOpenFiles  runs ingest out of file descriptors on purpose; UBSan's
#                    vptr check then cannot test whether memory is readable
#                    (it needs a pipe, i.e. two descriptors) and reports every
#                    object it looks at as having an "invalid vptr".
# report_browser stays: it renders our binary's report.html in Chromium (~12 s).
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build="$root/build-sanitize"
bash "$root/tools/setup.sh" >/dev/null
start=$(date +%s)
bash "$root/tools/sanitized_build.sh" tracepipe unit_tests integration_tests report_browser_test
test -x "$build/tracepipe"
[[ ${1:-} == --build-only ]] && exit 0
built=$(date +%s)
# Reports go to files, one per process: a tracepipe child whose exit status a
# test ignores (std::system, a terminated server) is caught too. halt_on_error
# is ASan's default; detect_leaks: the suite must not leak either.
logs="$build/sanitizer-reports"
rm -rf "$logs" && mkdir -p "$logs"
export ASAN_OPTIONS="detect_leaks=1:abort_on_error=1:log_path=$logs/report:${ASAN_OPTIONS:-}"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1:log_path=$logs/report:${UBSAN_OPTIONS:-}"
export GTEST_FILTER="-IngestOpenFiles.*"
rc=0
if (($#)); then
  nice -n 19 ctest --test-dir "$build" --output-on-failure --timeout 1800 "$@" || rc=$?
else
  # The unit tests in one process (~12 s) rather than ctest's one per test
  # (295 starts of a 90 MB ASan binary, ~55 s even at -j2).
  (cd "$build/tests" && nice -n 19 ./unit_tests --gtest_brief=1) || rc=$?
  nice -n 19 ctest --test-dir "$build" --output-on-failure --timeout 1800 -R '^(integration|report_browser)$' || rc=$?
fi
done_at=$(date +%s)
if compgen -G "$logs/report.*" >/dev/null; then
  for f in "$logs"/report.*; do echo "=== $f"; cat "$f"; done
  echo "sanitize: $(ls "$logs" | wc -l) process(es) wrote a sanitizer report (above; kept in $logs)"
  ((rc)) || rc=1
fi
echo "sanitize: build $((built - start)) s, tests $((done_at - built)) s, total $((done_at - start)) s, exit $rc"
exit "$rc"
