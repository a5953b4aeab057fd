#!/usr/bin/env bash
# The read path, two arms in one run on this machine. By default two keys
# of the runs table: the key the sink creates (the baseline, ORDER BY (id,
# kind)) and CANDIDATE_KEY (default Langfuse's shape: tenant, project, the
# start day, then id, kind — a key for project and time-window reads that
# keeps the deduplication). With BASELINE_TRACEPIPE=path/to/an/older/
# tracepipe, two builds instead: that one (the baseline) and this one, each
# with the schema it creates — a change's before and after. This build's
# arms run with clickhouse.project_index PROJECT_INDEX (true). For each arm:
# `tracepipe serve` on a fresh table,
# PROJECTS projects written at WRITE_RATE runs/s for WRITE_S s each, then
# each kind of read alone (`tracepipe load --read-rate READ_RATE
# --read-mix KIND:1` beside a trickle of writes) for READ_S s; prints read
# p50/p99 per kind and key, and the candidate's ratio to the baseline.
# The write path's own cost of the key is bench/e2e_bench.sh's to measure.
# A benchmark, not a test: it prints figures.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
bin=${TRACEPIPE:-$root/build/tracepipe}
PROJECTS=${PROJECTS:-3} WRITE_RATE=${WRITE_RATE:-4000} WRITE_S=${WRITE_S:-15}
READ_RATE=${READ_RATE:-20} READ_S=${READ_S:-15}
CANDIDATE_KEY=${CANDIDATE_KEY:-tenant, project, toDate(toDateTime(intDiv(start_time_us, 1000000))), id, kind}
dir=$(mktemp -d /tmp/tracepipe-read-bench.XXXXXX)
serve_pid=""
cleanup() {
  [[ -n $serve_pid ]] && kill "$serve_pid" 2>/dev/null && wait "$serve_pid" 2>/dev/null || true
  "$bin" stack down --dir "$dir/stack" >/dev/null 2>&1 || true
  rm -rf "$dir"
}
trap cleanup EXIT
"$bin" stack up --dir "$dir/stack" >/dev/null
set -a; . "$dir/stack/stack.env"; set +a
ch() { curl -sS --fail-with-body "$CLICKHOUSE_URL/" --data-binary "$1"; }

BASELINE_TRACEPIPE=${BASELINE_TRACEPIPE:-}
PROJECT_INDEX=${PROJECT_INDEX:-true}  # clickhouse.project_index of this build's arms (a baseline build keeps its own)
declare -A bin_of=([rb_sink]=${BASELINE_TRACEPIPE:-$bin} [rb_candidate]=$bin)

start_serve() {  # TABLE
  local index=()
  [[ ${bin_of[$1]} == "$bin" ]] && index=(--project-index "$PROJECT_INDEX")
  "${bin_of[$1]}" serve --stack "$dir/stack" --listen 127.0.0.1:0 --clickhouse-table "$1" --stream "rb:$1" \
    --read-query-timeout 30s "${index[@]}" >"$dir/serve-$1.log" 2>&1 &
  serve_pid=$!
  for _ in $(seq 100); do
    url=$(grep -o 'http://127.0.0.1:[0-9]*' "$dir/serve-$1.log" | head -1 || true)
    [[ -n $url ]] && return
    sleep 0.1
  done
  echo "serve did not start: $(cat "$dir/serve-$1.log")" >&2
  exit 1
}
stop_serve() { kill "$serve_pid"; wait "$serve_pid" 2>/dev/null || true; serve_pid=""; }

# The candidate key: the sink's own DDL with the other key, made before
# serve starts (serve then finds it and keeps it, and adds what it lacks).
if [[ -z $BASELINE_TRACEPIPE ]]; then
  start_serve rb_sink
  stop_serve
  ch "SHOW CREATE TABLE tracepipe.rb_sink FORMAT TSVRaw" |
    sed -e 's/tracepipe\.rb_sink/tracepipe.rb_candidate/' -e "s/ORDER BY .* SETTINGS/ORDER BY ($CANDIDATE_KEY) SETTINGS/" \
      >"$dir/candidate.sql"
  grep -qF "ORDER BY ($CANDIDATE_KEY)" "$dir/candidate.sql" || { echo "could not derive the candidate's DDL" >&2; exit 1; }
  ch "$(cat "$dir/candidate.sql")"
fi

declare -A p50 p99
for table in rb_sink rb_candidate; do
  start_serve "$table"
  for p in $(seq "$PROJECTS"); do
    "$bin" load --target "$url" --rate "$WRITE_RATE" --duration "${WRITE_S}s" --project "bench-$p" --quiet >/dev/null
  done
  sleep 3  # the last batches
  rows=$(ch "SELECT count() FROM tracepipe.$table")
  for kind in get trace project; do
    "$bin" load --target "$url" --rate 50 --duration "${READ_S}s" --project bench-1 --read-rate "$READ_RATE" \
      --read-mix "$kind:1" --out "$dir/$table-$kind" --quiet >/dev/null
    read -r a b < <(python3 -c "
import json,sys; r=json.load(open('$dir/$table-$kind/summary.json'))['reads']
c=r['latency_ms']['uncorrected']; print(c['p50'], c['p99'])")
    p50[$table-$kind]=$a p99[$table-$kind]=$b
  done
  stop_serve
  printf '%s: %s rows\n' "$table" "$rows"
done
if [[ -n $BASELINE_TRACEPIPE ]]; then
  printf '\nbaseline: %s\ncandidate: %s\n' "$BASELINE_TRACEPIPE" "$bin"
  printf '%-8s %22s %22s %14s\n' read "baseline p50 / p99" "candidate p50 / p99" "ratio"
else
  printf '\nsink key: %s\ncandidate: %s\n' "$(ch "SHOW CREATE TABLE tracepipe.rb_sink FORMAT TSVRaw" | grep -o 'ORDER BY .* SETTINGS' | sed 's/ SETTINGS//')" "$CANDIDATE_KEY"
  printf '%-8s %22s %22s %14s\n' read "sink key p50 / p99" "candidate p50 / p99" "ratio"
fi
for kind in get trace project; do
  printf '%-8s %10.1f / %7.1f ms %10.1f / %7.1f ms %6.2f / %5.2f\n' "$kind" "${p50[rb_sink-$kind]}" \
    "${p99[rb_sink-$kind]}" "${p50[rb_candidate-$kind]}" "${p99[rb_candidate-$kind]}" \
    "$(python3 -c "print(${p50[rb_candidate-$kind]}/max(${p50[rb_sink-$kind]},0.001))")" \
    "$(python3 -c "print(${p99[rb_candidate-$kind]}/max(${p99[rb_sink-$kind]},0.001))")"
done
