#!/usr/bin/env bash
# End to end against the physical limits, in one run on this machine (DESIGN.md
# "Targets"): runs of ~RUN_BYTES, POST /runs/batch (RUNS per request) → ingest →
# Redis stream → sink pipelines → ClickHouse, all on the local stack.
#   (e2e) sustained runs/s: the highest constant offered rate the whole path
#         holds (found by a short search, then measured over DURATION s),
#         counted as rows that reached ClickHouse in the steady window;
#         lag p99 under that load;
#   (a)   ClickHouse alone: ONE bulk `INSERT … FORMAT JSONEachRow` over HTTP of
#         the very rows of the window (exported from the table as JSONEachRow,
#         in the order they arrived, as the sink sends them) into an identical
#         empty table; the same rows pre-sorted by the table key are printed
#         beside it, for reference;
#   (b)   Redis alone: redis-benchmark pipelined XADD of an entry exactly as
#         ingest writes it;
# then e2e / min(a, b), PASS at ≥ 0.5; and, at the target's operating point —
# 0.5 × min(a, b) offered for DURATION s on a fresh serve — that rate held and
# lag p99 ≤ 2 × worker.batch_age, PASS (DESIGN.md: "sustained runs/s ≥ 50% of
# the slowest component's limit; lag p99 under that sustained load ≤ 2× the
# batch age"). The lag at the highest sustained rate is printed too: near
# saturation a batch waits for a pipeline and the lag grows past the bound.
# A benchmark, not a test: it prints figures.
#
# Load: wrk with bench/e2e_bench.lua at a constant rate (a schedule of send
# slots, not closed loop), every run id distinct over the whole benchmark
# (ReplacingMergeTree would otherwise collapse rows and the counts would lie).
# One `tracepipe serve` (ingest + sink pipelines in one process), restarted on
# an empty table and an empty stream for every rate tried.
#
# A rate counts as sustained when, over the steady window (after WARMUP s):
#   - wrk got 202 for every request and achieved ≥ 98% of the offered rate;
#   - the backlog does not grow: its least-squares trend over the window's
#     1 s samples is under TREND_LIMIT % of the rate (the inserted count
#     itself moves in batch-sized steps, too coarse to judge by; the backlog
#     saws up and down by a batch too, hence not less than 5% on 20 s);
#   - the backlog (tracepipe_queue_depth: entries not yet acked and deleted)
#     never exceeded BACKLOG_LIMIT seconds of input;
#   - after wrk stops, everything enqueued is inserted within DRAIN_LIMIT s.
# Search: start at START_RATE; after a pass go up 25% (or bisect towards the
# lowest failed rate), after a failure go to 95% of what the sink did insert
# per second (its capacity at that load; at most 90% of the failed rate), or
# bisect; stop after STEPS rates or when passed and failed are within 5%. Then
# the final measurement at the best sustained rate, stepped down 5% (at most
# twice) if the longer window does not hold it: a rate held for 20 s can still
# be slowly losing ground. A step that failed while others' load disturbed
# every try is inconclusive: the search tries that rate again (as a new step).
#
# Lag, two ways, both printed:
#   - server side (the platforms' figure): inserted_at − received_at from
#     ClickHouse, for the rows received in the window, and `tracepipe lag`;
#     ClickHouse 18.16 stamps inserted_at in whole seconds (floor), so these
#     read up to 1 s low;
#   - precise: the workers' tracepipe_sink_ack_lag_us histogram (acked_at −
#     received_at, µs; acked after ClickHouse answered 200), its increase over
#     the window, p99 interpolated within its bucket. The lag target is judged
#     on this one (at the target rate), exactly when 2 × batch age is a bucket bound (batch ages
#     0.25, 0.5, 0.75, 1, 1.5, 2 and 2.5 s).
#
# Settings (environment):
#   DURATION=30        seconds of the final steady window
#   STEP_DURATION=20   seconds of the steady window of each search step
#   WARMUP=5           seconds of load before a window starts
#   RATE               runs/s: skip the search, measure this rate only
#   START_RATE=20000   first rate of the search (runs/s)
#   STEPS=4            rates tried by the search
#   PIPELINES=2 BATCH_ROWS=30000 BATCH_BYTES=64MiB BATCH_AGE=2s THREADS=1 COMPRESSION=none
#                      serve's --pipelines, --batch-rows, --batch-bytes, --batch-age,
#                      --threads, --clickhouse-compression: the best found on this
#                      2-CPU machine (see the figures it prints). Fewer, larger
#                      parts than 10000 rows / 1 s cut ClickHouse's merge work
#                      (~38 → ~24–29 µs of its CPU per run) at a lag bound of 4 s;
#                      20000 rows cost ~34 µs, 40000 rows make the inserts (and
#                      the lag: batch age + insert time) longer. 3 pipelines: ~43 µs. Insert bodies travel
#                      uncompressed: on loopback gzip (what `auto` picks for
#                      18.16) only spends CPU on both sides (~15k vs ~18k runs/s)
#   SERVE_ARGS         more flags for tracepipe serve
#   BACKLOG_LIMIT=5    seconds of input the backlog may hold, at most
#   TREND_LIMIT=5      % of the rate the backlog may grow by per second, at most
#   DRAIN_LIMIT=15     seconds to insert everything after the load stops
#   WRK_THREADS=1 CONNECTIONS=32   wrk's -t and -c
#   BODIES=8           distinct body templates (seeds 1..BODIES), ids made unique per request
#   RUNS=100 RUN_BYTES=1024        runs per request, mean bytes of one run's JSON
#   REDIS_N=1000000 REDIS_PIPELINE=64 REDIS_CLIENTS=50   redis-benchmark -n -P -c
#   CLICKHOUSE_REPLICAS=1  3: the stack's ClickHouse is ZooKeeper + 3 replicas of one
#                      shard (the production topology): serve inserts round robin over
#                      them, (a) inserts into a Replicated table of its own, and every
#                      server's CPU (ZooKeeper's too) is charged to "clickhouse"
#   BASELINES=1        0: skip (a) and (b) (for trying settings; no ratio then)
#   PROFILE=0          1: one more pass at the final rate under perf record (figures not used)
#   BUILD=build        build directory holding tracepipe and bench/bench_body
#   KEEP_TMP=0         1: keep the temporary directory (logs, samples, exported rows)
#   QUIET_WAIT=300     seconds to wait, before each measurement, for other load to stop
#   OTHERS_LIMIT=25 TRIES=3   a window in which processes not ours (other users of a
#                      shared machine) took more than OTHERS_LIMIT % of a CPU is
#                      measured again, up to TRIES times in all; the figures say so
#   BASELINE_ROUNDS=2  (a) and (b) are each the best of this many runs (others'
#                      load only ever lowers a figure, and a low baseline flatters
#                      the ratio), more while disturbed, up to TRIES
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"  # the stack finds s3rver under .deps/ from here, whatever BUILD is
source "$root/bench/bench_lib.sh"
build=${BUILD:-$root/build}
DURATION=${DURATION:-30}
STEP_DURATION=${STEP_DURATION:-20}
WARMUP=${WARMUP:-5}
RATE=${RATE:-}
START_RATE=${START_RATE:-20000}
STEPS=${STEPS:-4}
PIPELINES=${PIPELINES:-2}
BATCH_ROWS=${BATCH_ROWS:-30000}
BATCH_BYTES=${BATCH_BYTES:-64MiB}
BATCH_AGE=${BATCH_AGE:-2s}
THREADS=${THREADS:-1}
COMPRESSION=${COMPRESSION:-none}
SERVE_ARGS=${SERVE_ARGS:-}
BACKLOG_LIMIT=${BACKLOG_LIMIT:-5}
TREND_LIMIT=${TREND_LIMIT:-5}
DRAIN_LIMIT=${DRAIN_LIMIT:-15}
WRK_THREADS=${WRK_THREADS:-1}
CONNECTIONS=${CONNECTIONS:-32}
BODIES=${BODIES:-8}
RUNS=${RUNS:-100}
RUN_BYTES=${RUN_BYTES:-1024}
REDIS_N=${REDIS_N:-1000000}
REDIS_PIPELINE=${REDIS_PIPELINE:-64}
REDIS_CLIENTS=${REDIS_CLIENTS:-50}
BASELINES=${BASELINES:-1}
CLICKHOUSE_REPLICAS=${CLICKHOUSE_REPLICAS:-1}
PROFILE=${PROFILE:-0}
OTHERS_LIMIT=${OTHERS_LIMIT:-25}
BASELINE_ROUNDS=${BASELINE_ROUNDS:-2}
TRIES=${TRIES:-3}
KEEP_TMP=${KEEP_TMP:-0}

tp=$build/tracepipe
lua=$root/bench/e2e_bench.lua
for exe in "$tp" "$build/bench/bench_body"; do
  [[ -x $exe ]] || { log "e2e_bench: $exe is missing; build first (bash tools/build.sh)"; exit 2; }
done
for prog in wrk redis-benchmark redis-cli curl; do
  command -v "$prog" >/dev/null || { log "e2e_bench: $prog is missing (bash tools/setup.sh installs it)"; exit 2; }
done
(( DURATION >= 5 && STEP_DURATION >= 5 )) || { log "e2e_bench: DURATION and STEP_DURATION must be at least 5 s"; exit 2; }
(( WRK_THREADS >= 1 && WRK_THREADS <= 16 )) || { log "e2e_bench: WRK_THREADS must be 1..16"; exit 2; }

# batch_age_ms: BATCH_AGE (as serve takes it: 1s, 500ms, 2s …) in milliseconds.
case $BATCH_AGE in
  *ms) batch_age_ms=${BATCH_AGE%ms} ;;
  *s) batch_age_ms=$(awk -v s="${BATCH_AGE%s}" 'BEGIN { printf "%.0f", s * 1000 }') ;;
  *) log "e2e_bench: BATCH_AGE '$BATCH_AGE': give it as 1s or 500ms"; exit 2 ;;
esac
[[ $batch_age_ms =~ ^[0-9]+$ ]] && (( batch_age_ms > 0 )) || { log "e2e_bench: BATCH_AGE '$BATCH_AGE' is not a duration"; exit 2; }
lag_limit_us=$((2 * batch_age_ms * 1000))

STOP_WAIT=40  # serve finishes its in-flight batches
bench_setup e2e_bench

# ch SQL [PARAMS]: runs SQL on the stack's ClickHouse (credentials in headers,
# PARAMS added to the URL, e.g. settings), prints the answer.
ch() {
  local -a auth=(-H "X-ClickHouse-User: $ch_user")
  [[ -n $ch_password ]] && auth+=(-H "X-ClickHouse-Key: $ch_password")
  curl -sS --fail-with-body "${auth[@]}" --data-binary "$1" "$ch_url/?wait_end_of_query=1${2:+&$2}" ||
    die "ClickHouse refused: $1"
}

now_us() { local t=$EPOCHREALTIME; echo "${t/./}"; }

# metric NAME FILE: the value of an unlabelled metric in a /metrics snapshot.
metric() { awk -v n="$1" '$1 == n { print $2; exit }' "$2"; }

# hist FILE0 FILE1 NAME Q [BOUND]: of the histogram's increase from snapshot
# FILE0 to FILE1, prints "count q_value bucket_lo bucket_hi frac_le_bound":
# the Q quantile interpolated linearly within its bucket (Prometheus'
# histogram_quantile; the top bucket's lower bound when it falls in +Inf),
# the bounds of that bucket, and the fraction of observations ≤ BOUND (-1
# unless BOUND is a bucket bound).
hist() {
  awk -v n="$3_bucket" -v q="$4" -v bound="${5:--1}" '
    function le(line) { sub(/.*le="/, "", line); sub(/".*/, "", line); return line }
    FNR == 1 { file++ }
    index($1, n "{") == 1 {
      b = le($1)
      if (file == 1) before[b] = $2
      else { order[++k] = b; after[b] = $2 }
    }
    END {
      total = after["+Inf"] - before["+Inf"]
      frac = -1
      for (i = 1; i <= k; i++) d[i] = after[order[i]] - before[order[i]]
      for (i = 1; i <= k; i++) if (order[i] != "+Inf" && order[i] + 0 == bound + 0) frac = total ? d[i] / total : 1
      if (total == 0) { printf "0 0 0 0 %s\n", frac; exit }
      target = q * total
      for (i = 1; i <= k && d[i] < target; i++) ;
      lo = i > 1 ? order[i - 1] : 0
      prev = i > 1 ? d[i - 1] : 0
      if (order[i] == "+Inf") { printf "%d %s %s +Inf %s\n", total, lo, lo, frac; exit }
      v = lo + (order[i] - lo) * (target - prev) / (d[i] - prev)
      printf "%d %.0f %s %s %s\n", total, v, lo, order[i], frac
    }' "$1" "$2"
}

# --- the path under test --------------------------------------------------------

stream_key="tracepipe:runs:{0}"

# reset_path: empty table and stream, as if nothing had run (serve stopped).
reset_path() {
  rcli DEL "$stream_key" tracepipe:dead >/dev/null
  # Every table the sink makes, the project index's view before its source:
  # a view left behind would keep a stale index beside a new runs table.
  local t
  for t in runs_merged runs_by_project_mv runs_by_project runs; do
    ch "DROP TABLE IF EXISTS tracepipe.$t$on_cluster" >/dev/null
  done
}

# start_serve: sets serve_pid and serve_url.
start_serve() {
  local logf=$tmp/serve_$1.log i
  "$tp" serve --stack "$stack" --listen 127.0.0.1:0 --threads "$THREADS" --pipelines "$PIPELINES" \
    --batch-rows "$BATCH_ROWS" --batch-bytes "$BATCH_BYTES" --batch-age "$BATCH_AGE" --clickhouse-compression "$COMPRESSION" \
    --queue-high-watermark 1000000000000 \
    --inflight-high-watermark 64GiB $SERVE_ARGS >"$logf" 2>&1 &
  serve_pid=$!
  started+=("$serve_pid")
  serve_url=""
  for ((i = 0; i < 100; i++)); do
    serve_url=$(sed -n 's/.*listening on \(http:[^ ]*\).*/\1/p' "$logf")
    [[ -n $serve_url ]] && break
    kill -0 "$serve_pid" 2>/dev/null || die "serve exited: $(cat "$logf")"
    sleep 0.1
  done
  [[ -n $serve_url ]] || die "serve did not say where it listens: $(cat "$logf")"
  for ((i = 0; i < 100; i++)); do
    # Ready, and the workers have created the table.
    if [[ $(curl -s -o /dev/null -w '%{http_code}' "$serve_url/ready") == 200 ]] &&
      [[ $(ch "EXISTS TABLE tracepipe.runs") == 1 ]]; then return; fi
    kill -0 "$serve_pid" 2>/dev/null || die "serve exited: $(cat "$logf")"
    sleep 0.1
  done
  die "serve at $serve_url never became ready: $(cat "$logf")"
}

# sampler FILE: every second, "time_us depth enqueued inserted" from /metrics.
# Cheap (one cat per sample, parsed by bash builtins): curl + awk every second
# would cost a few % of a CPU taken from the path under test.
sampler() {
  local hostport=${serve_url#http://} k v d e r t
  while :; do
    t=${EPOCHREALTIME/./} d="" e="" r=""
    if exec 3<>"/dev/tcp/${hostport%:*}/${hostport##*:}"; then
      printf 'GET /metrics HTTP/1.0\r\nHost: %s\r\n\r\n' "$hostport" >&3
      cat <&3 >"$1.metrics"
      exec 3<&-
      while read -r k v; do
        case $k in
          tracepipe_queue_depth) d=$v ;;
          tracepipe_ingest_runs_enqueued_total) e=$v ;;
          tracepipe_sink_rows_inserted_total) r=$v ;;
        esac
      done <"$1.metrics"
    fi
    [[ -n $d && -n $e && -n $r ]] && echo "$t ${d%$'\r'} ${e%$'\r'} ${r%$'\r'}" >>"$1"
    sleep 1
  done
}

epoch=0   # distinct per wrk run: run ids never repeat over the benchmark

# measure RUNS_PER_S WINDOW LABEL: one rate on a fresh serve, empty table and
# stream. Sets m_* (figures) and m_ok (1: sustained), prints a summary; leaves
# serve running (stop it with stop "$serve_pid").
measure() {
  local rate=$1 window=$2 label=$3
  local req_rate per_thread wrk_secs out wpid spid sampler_pid t_start t0 t1 secs m0 m1 drained
  local wrk_line s202 other errors dur enq0 enq1 ins0 ins1 bat0 bat1 depth_max why=()
  req_rate=$(awk -v r="$rate" -v n="$RUNS" 'BEGIN { printf "%.6f", r / n }')
  per_thread=$(awk -v r="$req_rate" -v t="$WRK_THREADS" 'BEGIN { printf "%.6f", r / t }')
  log "  [$label] offered $rate runs/s ($req_rate requests/s × $RUNS runs), window ${window}s after ${WARMUP}s warm-up"
  reset_path
  start_serve "$label"
  wait_quiet
  out=$tmp/wrk_$label.out
  m0=$tmp/metrics_${label}_0.txt m1=$tmp/metrics_${label}_1.txt
  : >"$tmp/samples_$label.txt"
  sampler "$tmp/samples_$label.txt" &
  sampler_pid=$!
  started+=("$sampler_pid")
  wrk_secs=$((WARMUP + window + 2))
  t_start=$EPOCHREALTIME
  wrk -t"$WRK_THREADS" -c"$CONNECTIONS" -d"${wrk_secs}s" --timeout 30s -s "$lua" "$serve_url" -- /runs/batch \
    "$per_thread" "$epoch" "${bodies[@]}" >"$out" 2>&1 &
  wpid=$!
  started+=("$wpid")
  epoch=$((epoch + 1))
  # The window starts on a whole second (ClickHouse 18.16's inserted_at resolution).
  sleep "$(awk -v s="$t_start" -v w="$WARMUP" 'BEGIN { t = s + w; printf "%.3f", int(t) + 1 - s }')"
  t0=$(now_us)
  curl -s "$serve_url/metrics" >"$m0"
  sleep "$window" &
  spid=$!
  started+=("$spid")
  m_cpu=$(cpu_window "$spid" "serve=$serve_pid" "redis-server=$redis_pid" "aof-rewrite=+$redis_pid" \
    "clickhouse=$ch_pid" "wrk=$wpid" "s3rver=$s3_pid" "sampler=$sampler_pid,+$sampler_pid" \
    "ksoftirqd=$(pgrep -d, '^ksoftirqd/' || true)")
  m_others=$(sed -n 's/.*not charged to the above \([0-9]*\)%.*/\1/p' <<<"$m_cpu")
  wait "$spid" || true
  forget "$spid"
  t1=$(now_us)
  curl -s "$serve_url/metrics" >"$m1"
  m_parts_window=$(ch "SELECT count() FROM system.parts WHERE active AND database = 'tracepipe' AND table = 'runs'")
  wait "$wpid" || die "wrk failed: $(cat "$out")"
  forget "$wpid"
  local t_end=$EPOCHREALTIME
  wrk_line=$(grep '^wrk_result ' "$out") || die "wrk printed no result: $(cat "$out")"
  # Drain: everything enqueued inserted (and the backlog empty).
  drained=""
  while :; do
    curl -s "$serve_url/metrics" >"$tmp/metrics_drain.txt"
    if [[ $(metric tracepipe_sink_rows_inserted_total "$tmp/metrics_drain.txt") == \
          "$(metric tracepipe_ingest_runs_enqueued_total "$tmp/metrics_drain.txt")" &&
          $(metric tracepipe_queue_depth "$tmp/metrics_drain.txt") == 0 ]]; then
      drained=$(awk -v a="$t_end" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.1f", b - a }')
      break
    fi
    if awk -v a="$t_end" -v b="$EPOCHREALTIME" -v l="$DRAIN_LIMIT" 'BEGIN { exit !(b - a > l) }'; then break; fi
    sleep 0.2
  done
  stop "$sampler_pid"
  cp "$tmp/metrics_drain.txt" "$tmp/metrics_${label}_2.txt"

  secs=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f", (b - a) / 1e6 }')
  s202=$(field s202 "$wrk_line") other=$(field other "$wrk_line") errors=$(field errors "$wrk_line")
  dur=$(field duration_us "$wrk_line")
  enq0=$(metric tracepipe_ingest_runs_enqueued_total "$m0") enq1=$(metric tracepipe_ingest_runs_enqueued_total "$m1")
  ins0=$(metric tracepipe_sink_rows_inserted_total "$m0") ins1=$(metric tracepipe_sink_rows_inserted_total "$m1")
  bat0=$(metric tracepipe_sink_batches_inserted_total "$m0") bat1=$(metric tracepipe_sink_batches_inserted_total "$m1")
  m_rate=$rate m_window=$window m_t0=$t0 m_t1=$t1 m_secs=$secs m_label=$label m_drain=${drained:-"> $DRAIN_LIMIT"}
  m_accepted=$(awk -v n="$s202" -v r="$RUNS" -v d="$dur" 'BEGIN { printf "%.0f", n * r / (d / 1e6) }')
  m_enq_rate=$(awk -v a="$enq0" -v b="$enq1" -v s="$secs" 'BEGIN { printf "%.0f", (b - a) / s }')
  m_ins_rate=$(awk -v a="$ins0" -v b="$ins1" -v s="$secs" 'BEGIN { printf "%.0f", (b - a) / s }')
  m_batches=$((bat1 - bat0))
  m_batch_rate=$(awk -v n="$m_batches" -v s="$secs" 'BEGIN { printf "%.1f", n / s }')
  m_rows_per_batch=$(awk -v r=$((ins1 - ins0)) -v n="$m_batches" 'BEGIN { printf "%.0f", n ? r / n : 0 }')
  # Backlog over the window, from the samples: max, mean, and its trend (least-squares slope, entries/s).
  read -r depth_max m_depth_mean m_trend < <(awk -v a="$t0" -v b="$t1" '$1 >= a && $1 <= b {
      x = ($1 - a) / 1e6; y = $2; if (y > m) m = y; n++; sx += x; sy += y; sxx += x * x; sxy += x * y }
      END { d = n * sxx - sx * sx
            printf "%d %.0f %.0f\n", m, n ? sy / n : 0, (n > 2 && d > 0) ? (n * sxy - sx * sy) / d : 0 }' \
    "$tmp/samples_$label.txt")
  m_depth_max=$depth_max
  m_wrk="${wrk_line#wrk_result }"

  (( other == 0 && errors == 0 )) || why+=("$other answers not 202, $errors wrk errors ($(field statuses "$wrk_line"))")
  awk -v a="$m_accepted" -v r="$rate" 'BEGIN { exit !(a < 0.98 * r) }' && why+=("accepted only $m_accepted runs/s")
  # Not "inserted ≥ x% of enqueued in the window": inserts come in batches of
  # thousands of rows, so that count moves in steps of several % of a window.
  awk -v t="$m_trend" -v r="$rate" -v l="$TREND_LIMIT" 'BEGIN { exit !(t > l / 100 * r) }' &&
    why+=("backlog growing by $m_trend entries/s (> $TREND_LIMIT% of the rate)")
  awk -v d="$depth_max" -v r="$rate" -v l="$BACKLOG_LIMIT" 'BEGIN { exit !(d > r * l) }' &&
    why+=("backlog reached $depth_max entries (> ${BACKLOG_LIMIT} s of input)")
  [[ -n $drained ]] || why+=("not drained ${DRAIN_LIMIT} s after the load stopped")
  m_disturbed=$(( ${m_others:-0} > OTHERS_LIMIT ))
  m_ok=$(( ${#why[@]} == 0 ))
  m_why=$(IFS=';'; echo "${why[*]:-}")
  log "    wrk: $m_wrk"
  log "    cpu: $m_cpu"
  log "    accepted $m_accepted runs/s; in the window: enqueued $m_enq_rate/s, inserted $m_ins_rate/s" \
    "($m_batch_rate batches/s × $m_rows_per_batch rows); backlog mean $m_depth_mean max $depth_max trend $m_trend/s;" \
    "drained in ${m_drain} s → $( ((m_ok)) && echo sustained || echo "NOT sustained: $m_why")"
  (( m_disturbed )) && log "    disturbed: ${m_others}% of a CPU went to processes not ours (limit $OTHERS_LIMIT%)"
  return 0
}

# disturbed_note: " [disturbed …]" after a disturbed measurement, else nothing.
disturbed_note() { if (( m_disturbed )); then echo " [disturbed: others used $m_others% of a CPU]"; fi; }

# measure_rate RUNS_PER_S WINDOW LABEL: measure, again (up to TRIES times in
# all) while others' load disturbed the window. Leaves serve running.
measure_rate() {
  local try
  for ((try = 1; try <= TRIES; try++)); do
    measure "$1" "$2" "$3$( ((try > 1)) && echo "_try$try")"
    (( m_disturbed && try < TRIES )) || break
    stop "$serve_pid"
  done
}

# --- (a) one bulk INSERT of the same rows ----------------------------------------

# bulk_insert FILE ROWS: one INSERT of FILE into a fresh e2e_bulk.runs, with
# ClickHouse otherwise idle; sets secs, rate and cpu.
bulk_insert() {
  local file=$1 rows=$2 out=$tmp/bulk_insert.out ipid got i
  ch "DROP TABLE IF EXISTS e2e_bulk.runs$on_cluster" >/dev/null
  if [[ -z $on_cluster ]]; then
    ch "CREATE TABLE e2e_bulk.runs AS tracepipe.runs" >/dev/null
  else
    # Replicated as the runs table is, under a ZooKeeper path of its own.
    ch "$(ch "SHOW CREATE TABLE tracepipe.runs FORMAT TSVRaw" |
      sed "s#^CREATE TABLE tracepipe.runs#CREATE TABLE e2e_bulk.runs$on_cluster#; s#/tracepipe/runs'#/e2e_bulk/runs'#")" >/dev/null
  fi
  # ClickHouse alone: no merge of the runs table left running beside the INSERT.
  for ((i = 0; i < 600; i++)); do
    [[ $(ch "SELECT count() FROM system.merges") == 0 ]] && break
    sleep 0.1
  done
  wait_quiet
  # Streamed from stdin (chunked): --data-binary @file reads the file into
  # memory first and curl refuses files over 1 GiB ("out of memory").
  curl -sS --fail-with-body "${auth[@]}" -H 'Expect:' -H 'Content-Type: text/plain; charset=UTF-8' \
    -X POST -T - -o "$out" -w '%{time_total}\n' \
    "$ch_url/?wait_end_of_query=1&query=INSERT%20INTO%20e2e_bulk.runs%20FORMAT%20JSONEachRow" \
    <"$file" >"$tmp/bulk_time.txt" &
  ipid=$!
  started+=("$ipid")
  cpu=$(cpu_window "$ipid" "clickhouse=$ch_pid" "curl=$ipid" "ksoftirqd=$(pgrep -d, '^ksoftirqd/' || true)")
  wait "$ipid" || die "the bulk INSERT failed: $(head -c 600 "$out")"
  forget "$ipid"
  secs=$(cat "$tmp/bulk_time.txt")
  got=$(ch "SELECT count() FROM e2e_bulk.runs")
  (( got == rows )) || die "bulk INSERT: $got rows in the table, $rows sent"
  rate=$(awk -v r="$rows" -v s="$secs" 'BEGIN { printf "%.0f", r / s }')
}

measure_bulk() {
  local file=$tmp/bulk.json sorted=$tmp/bulk_sorted.json rows bytes cpu secs try rate others undisturbed=0
  local -a auth=(-H "X-ClickHouse-User: $ch_user")
  [[ -n $ch_password ]] && auth+=(-H "X-ClickHouse-Key: $ch_password")
  log "  (a) export the window's rows as JSONEachRow, one bulk INSERT into an identical empty table"
  # In the order they arrived (received_at_us), as the sink sends them. An
  # INSERT sorts its block by the table key (id, kind); the export used to
  # come in the table's own order, sorted the more the fewer parts the table
  # had just then, and pre-sorted rows can insert faster (600,000 rows, three
  # paired tries: 48-58k rows/s sorted, 32-39k in arrival order; but one run
  # of 816,700 rows: 39k sorted, 43k arrival). The sorted figure is printed
  # beside the baseline, not used. Numbers unquoted, as the sink sends them.
  ch "SELECT * FROM tracepipe.runs WHERE received_at_us >= $m_t0 AND received_at_us < $m_t1 ORDER BY received_at_us
      FORMAT JSONEachRow" output_format_json_quote_64bit_integers=0 >"$file"
  rows=$(wc -l <"$file") bytes=$(stat -c %s "$file")
  (( rows > 0 )) || die "no rows to export"
  log "    $rows rows, $bytes B ($((bytes / rows)) B/row)"
  ch "CREATE DATABASE IF NOT EXISTS e2e_bulk$on_cluster" >/dev/null
  a=0
  for ((try = 1; try <= TRIES + BASELINE_ROUNDS - 1; try++)); do
    bulk_insert "$file" "$rows"
    log "    INSERT took $secs s → $rate rows/s; cpu: $cpu"
    if (( rate > a )); then
      a=$rate a_secs=$secs a_cpu=$cpu
      a_parts=$(ch "SELECT count() FROM system.parts WHERE active AND database = 'e2e_bulk' AND table = 'runs'")
    fi
    others=$(sed -n 's/.*not charged to the above \([0-9]*\)%.*/\1/p' <<<"$cpu")
    if (( ${others:-0} > OTHERS_LIMIT )); then
      log "    disturbed: ${others}% of a CPU went to processes not ours; again"
    elif (( ++undisturbed >= BASELINE_ROUNDS )); then
      break
    fi
  done
  a_rows=$rows a_bytes=$bytes
  log "    (a) = $a rows/s"
  # For reference only: the same rows already in the table's key order.
  ch "SELECT * FROM tracepipe.runs WHERE received_at_us >= $m_t0 AND received_at_us < $m_t1 ORDER BY id, kind
      FORMAT JSONEachRow" output_format_json_quote_64bit_integers=0 >"$sorted"
  bulk_insert "$sorted" "$rows"
  a_sorted=$rate
  log "    the same rows sorted by the table key: $a_sorted rows/s (not the baseline: the sink never sends that)"
  # Replicated: left to the stack's teardown. A DROP … ON CLUSTER right after
  # the bulk INSERT was refused here (HTTP 500; its cause not read yet).
  [[ -n $on_cluster ]] || ch "DROP TABLE e2e_bulk.runs" >/dev/null
  rm -f "$file" "$sorted"
}

# --- (b) redis-benchmark XADD of an ingest entry ---------------------------------

# grab_entry: one entry exactly as ingest writes it, into $tmp/entry.txt.
grab_entry() {
  local logf=$tmp/ingest_entry.log pid url="" code i
  "$tp" ingest --stack "$stack" --listen 127.0.0.1:0 --stream e2e:entry >"$logf" 2>&1 &
  pid=$!
  started+=("$pid")
  for ((i = 0; i < 100; i++)); do
    url=$(sed -n 's/.*listening on \(http:[^ ]*\).*/\1/p' "$logf")
    [[ -n $url && $(curl -s -o /dev/null -w '%{http_code}' "$url/ready") == 200 ]] && break
    kill -0 "$pid" 2>/dev/null || die "ingest exited: $(cat "$logf")"
    sleep 0.1
  done
  code=$(curl -sS -o "$tmp/check.out" -w '%{http_code}' -H 'Content-Type: application/json' \
    --data-binary @"${bodies[0]}" "$url/runs/batch") || die "ingest did not answer POST $url/runs/batch"
  [[ $code == 202 ]] || die "ingest answered $code, not 202, to the benchmark body: $(head -c 600 "$tmp/check.out")"
  rcli --raw XRANGE "e2e:entry:{0}" - + COUNT 1 >"$tmp/entry.txt"
  stop "$pid"
  rcli UNLINK "e2e:entry:{0}" >/dev/null
}

measure_redis() {
  local -a entry
  local f entry_bytes=0 n rb_pid cpu forks xlen try rate others undisturbed=0
  mapfile -t entry <"$tmp/entry.txt"  # the entry's id, then one field or value per line
  (( ${#entry[@]} >= 3 && ${#entry[@]} % 2 == 1 )) || die "cannot read back an ingest entry (a value holds a newline?)"
  entry=("${entry[@]:1}")
  for f in "${entry[@]}"; do entry_bytes=$((entry_bytes + ${#f})); done
  n=$(((REDIS_N + REDIS_PIPELINE - 1) / REDIS_PIPELINE * REDIS_PIPELINE))
  log "  (b) redis-benchmark -n $n -P $REDIS_PIPELINE -c $REDIS_CLIENTS XADD bench:xadd *" \
    "<the $((${#entry[@]} / 2)) fields of an ingest entry, $entry_bytes B>"
  b=0
  for ((try = 1; try <= TRIES + BASELINE_ROUNDS - 1; try++)); do
    wait_quiet
    forks=$(redis_forks)
    redis-benchmark -h "$redis_host" -p "$redis_port" -n "$n" -P "$REDIS_PIPELINE" -c "$REDIS_CLIENTS" --csv \
      XADD bench:xadd '*' "${entry[@]}" >"$tmp/redis_benchmark.csv" 2>&1 &
    rb_pid=$!
    started+=("$rb_pid")
    cpu=$(cpu_window "$rb_pid" "redis-server=$redis_pid" "aof-rewrite=+$redis_pid" "redis-benchmark=$rb_pid" \
      "ksoftirqd=$(pgrep -d, '^ksoftirqd/' || true)")
    wait "$rb_pid" || die "redis-benchmark failed: $(head -c 600 "$tmp/redis_benchmark.csv")"
    forget "$rb_pid"
    # The command, 1 KB of JSON with commas, is the first CSV column: count from the end.
    rate=$(tail -n1 "$tmp/redis_benchmark.csv" | awk -F, '{ gsub(/"/, "", $(NF-6)); printf "%.0f", $(NF-6) }')
    xlen=$(rcli XLEN bench:xadd)
    (( xlen >= n && xlen < n + REDIS_PIPELINE * REDIS_CLIENTS )) || die "XLEN bench:xadd is $xlen after $n XADDs"
    rcli UNLINK bench:xadd >/dev/null
    forks=$(($(redis_forks) - forks))
    log "    $rate XADD/s (XLEN check: $xlen entries); cpu: $cpu"
    (( forks == 0 )) || log "    redis-server forked $forks times (AOF rewrite) during the run"
    (( rate > b )) && b=$rate
    others=$(sed -n 's/.*not charged to the above \([0-9]*\)%.*/\1/p' <<<"$cpu")
    if (( ${others:-0} > OTHERS_LIMIT )); then
      log "    disturbed: ${others}% of a CPU went to processes not ours; again"
    elif (( ++undisturbed >= BASELINE_ROUNDS )); then
      break
    fi
  done
  log "    (b) = $b XADD/s"
  b_entry_bytes=$entry_bytes
}

# --- optional profile --------------------------------------------------------------

profile_e2e() {
  local rate=$1 record_pid who
  command -v perf >/dev/null || die "PROFILE=1 needs perf"
  log "  profile: one more pass at $rate runs/s under perf record (figures not used)"
  # perf record starts with the window and covers all of it.
  (sleep "$((WARMUP + 1))"; exec perf record -F 499 -g -o "$tmp/perf.data" -a -- sleep "$STEP_DURATION") \
    >"$tmp/perf_record.log" 2>&1 &
  record_pid=$!
  started+=("$record_pid")
  measure "$rate" "$STEP_DURATION" profile
  stop "$serve_pid"
  wait "$record_pid" || true
  forget "$record_pid"
  # report LINES ARGS…: the first LINES of perf report's table, without comments and blank lines.
  report() {
    local lines=$1; shift
    perf report -i "$tmp/perf.data" --stdio --no-children -g none "$@" >"$tmp/perf_report.txt" 2>/dev/null || true
    grep -v -e '^#' -e '^$' "$tmp/perf_report.txt" | cut -c1-160 | head -n "$lines" || true
  }
  echo "--- perf record, whole machine over the window: share of all samples by command ---"
  report 12 --sort comm
  echo "--- by thread (tracepipe: the ingest I/O thread and one per pipeline; ClickHouse:" \
    "HTTPHandler parses inserts, BackgrProcPool merges parts) ---"
  report 16 --sort pid
  for who in tracepipe redis-server HTTPHandler BackgrProcPool; do
    echo "--- $who, self time by symbol (% of $who's samples) ---"
    report 25 --comms "$who" --percentage relative --sort dso,symbol --percent-limit 1.5
  done
}

# judge_lag LABEL: the precise ack lag over LABEL's window (ack_p50, ack_p99,
# ack_line) and lag_verdict / lag_how against 2 × batch age, exact when that
# is a bucket bound.
judge_lag() {
  local f0=$tmp/metrics_$1_0.txt f1=$tmp/metrics_$1_1.txt n lo hi frac
  read -r n ack_p99 lo hi frac < <(hist "$f0" "$f1" tracepipe_sink_ack_lag_us 0.99 "$lag_limit_us")
  read -r _ ack_p50 _ _ _ < <(hist "$f0" "$f1" tracepipe_sink_ack_lag_us 0.5)
  ack_line="ack lag p99 $(ms "$ack_p99") (p50 $(ms "$ack_p50"), $n runs, bucket $(ms "$lo")–$( [[ $hi == +Inf ]] && echo "∞" || ms "$hi"))"
  if awk -v f="$frac" 'BEGIN { exit !(f >= 0) }'; then
    lag_verdict=$(awk -v f="$frac" 'BEGIN { print (f >= 0.99 ? "PASS" : "FAIL") }')
    lag_how=$(awk -v f="$frac" -v l="$lag_limit_us" 'BEGIN { printf "%.2f%% of runs acked within %.0f ms, exact from the bucket bound", 100 * f, l / 1000 }')
  elif [[ $hi != "+Inf" ]] && (( hi <= lag_limit_us )); then
    lag_verdict=PASS lag_how="p99's bucket ends at $((hi / 1000)) ms"
  elif (( lo >= lag_limit_us )); then
    lag_verdict=FAIL lag_how="p99's bucket starts at $((lo / 1000)) ms"
  else
    lag_verdict=$(awk -v v="$ack_p99" -v l="$lag_limit_us" 'BEGIN { print (v <= l ? "PASS" : "FAIL") }')
    lag_how="interpolated within the bucket, approximate"
  fi
}

ms() { awk -v u="$1" 'BEGIN { printf "%.0f ms", u / 1000 }'; }

# --- main ----------------------------------------------------------------------

log "e2e_bench: $RUNS runs of ~$RUN_BYTES B per request, serve --pipelines $PIPELINES --batch-rows $BATCH_ROWS" \
  "--batch-bytes $BATCH_BYTES --batch-age $BATCH_AGE --threads $THREADS --clickhouse-compression $COMPRESSION $SERVE_ARGS; wrk -t$WRK_THREADS -c$CONNECTIONS; $ncpu CPUs" \
  "(load average now $(cut -d' ' -f1-3 /proc/loadavg))"
mkdir -p "$tmp/bodies"
"$build/bench/bench_body" "$tmp/bodies" "$BODIES" "$RUNS" "$RUN_BYTES"
bodies=()
for ((i = 0; i < BODIES; i++)); do bodies+=("$tmp/bodies/batch_$i.json"); done
body_bytes=$(stat -c %s "$tmp/bodies/batch_0.json")
log "  body: $body_bytes bytes ($(stat -c %s "$tmp/bodies/run.json") B for the first run's JSON)"

"$tp" stack up --dir "$stack" --clickhouse-replicas "$CLICKHOUSE_REPLICAS" >"$tmp/stack_up.log" 2>&1 ||
  { cat "$tmp/stack_up.log" >&2; die "stack up failed"; }
stack_up=1
redis_url=$(sed -n 's/^REDIS_URL=//p' "$stack/stack.env")
hostport=${redis_url#redis://}
hostport=${hostport##*@}
hostport=${hostport%%/*}
redis_host=${hostport%:*} redis_port=${hostport##*:}
redis_pid=$(rcli INFO server | tr -d '\r' | sed -n 's/^process_id://p')
[[ -n $redis_pid ]] || die "cannot read redis-server's pid from INFO"
ch_url=$(sed -n 's/^CLICKHOUSE_URL=//p' "$stack/stack.env")
ch_user=$(sed -n 's/^CLICKHOUSE_USER=//p' "$stack/stack.env")
ch_password=$(sed -n 's/^CLICKHOUSE_PASSWORD=//p' "$stack/stack.env")
# Every ClickHouse server, and ZooKeeper with a replicated stack: one CPU group.
ch_pid=$(for f in "$stack"/pids/clickhouse*.pid "$stack"/pids/zookeeper.pid; do
  [[ -f $f ]] || continue; cut -d' ' -f1 "$f"; done | paste -sd,)
ch_cluster=$(sed -n 's/^CLICKHOUSE_CLUSTER=//p' "$stack/stack.env")
on_cluster=${ch_cluster:+ ON CLUSTER $ch_cluster}
s3_pid=$(cut -d' ' -f1 "$stack/pids/s3.pid")
ch_version=$(ch "SELECT version()")
log "  stack: $redis_url (pid $redis_pid), $ch_url (ClickHouse $ch_version, pid $ch_pid${ch_cluster:+; $CLICKHOUSE_REPLICAS replicas of cluster $ch_cluster with ZooKeeper}), s3rver pid $s3_pid"

# --- e2e: the search, then the final measurement ---
declare -A tried=()   # rate → 1 sustained, 0 not
results=()
pass_lo=0 fail_hi=0
if [[ -n $RATE ]]; then
  final_rate=$RATE
else
  rate=$START_RATE
  for ((step = 1; step <= STEPS; step++)); do
    rate=$(( (rate + RUNS / 2) / RUNS * RUNS ))   # whole requests
    [[ -n ${tried[$rate]:-} ]] && break
    measure_rate "$rate" "$STEP_DURATION" "step$step"
    stop "$serve_pid"
    results+=("$rate runs/s: $( ((m_ok)) && echo "sustained (inserted $m_ins_rate/s, backlog max $m_depth_max)" || echo "not sustained ($m_why)")$(disturbed_note)")
    if (( !m_ok && m_disturbed )); then
      results[-1]+=" — inconclusive, tried again"
      continue
    fi
    tried[$rate]=$m_ok
    if (( m_ok )); then
      (( rate > pass_lo )) && pass_lo=$rate
    else
      (( fail_hi == 0 || rate < fail_hi )) && fail_hi=$rate
    fi
    if (( fail_hi == 0 )); then
      rate=$((pass_lo * 5 / 4))
    elif (( pass_lo == 0 )); then
      # 95% of what the sink managed at this load, and below the failed rate.
      rate=$(awk -v i="$m_ins_rate" -v f="$fail_hi" 'BEGIN { r = 0.95 * i; if (r > 0.9 * f) r = 0.9 * f; printf "%.0f", r }')
    else
      rate=$(( (pass_lo + fail_hi) / 2 ))
      (( fail_hi - pass_lo <= fail_hi / 20 )) && break   # within 5%: good enough
    fi
  done
  (( pass_lo > 0 )) || die "no rate tried was sustained: ${results[*]}"
  final_rate=$pass_lo
fi

for ((attempt = 0; attempt < 3; attempt++)); do
  measure_rate "$final_rate" "$DURATION" "final$attempt"
  (( m_ok )) && break
  results+=("$final_rate runs/s over ${DURATION}s: not sustained ($m_why)$(disturbed_note)")
  (( attempt < 2 )) || break
  stop "$serve_pid"
  final_rate=$(( final_rate * 95 / 100 / RUNS * RUNS ))
done
final_ok=$m_ok
final_label=$m_label

# Figures of the final window.
f0=$tmp/metrics_${final_label}_0.txt f1=$tmp/metrics_${final_label}_1.txt f2=$tmp/metrics_${final_label}_2.txt
T0=$m_t0 T1=$m_t1
T0s=$(( (T0 + 500000) / 1000000 )) T1s=$(( (T1 + 500000) / 1000000 ))  # whole seconds (T0 is just past one)
read -r ch_rows_in_window ch_ins_count < <(ch "SELECT
    countIf(inserted_at_us >= $((T0s * 1000000)) AND inserted_at_us < $((T1s * 1000000))),
    count() FROM tracepipe.runs FORMAT TSV")
# Rows inserted in the window, but never more than ingest accepted per second:
# a backlog left from the warm-up drains into the window and is not extra capacity.
sustained=$(awk -v n="$ch_rows_in_window" -v s=$((T1s - T0s)) -v acc="$m_accepted" \
  'BEGIN { r = n / s; if (acc > 0 && r > acc) r = acc; printf "%.0f", r }')
read -r recv_rows recv_ids lag_p50 lag_p99 lag_max < <(ch "SELECT count(), uniqExact(id),
    quantileExact(0.5)(lag), quantileExact(0.99)(lag), max(lag) FROM (
      SELECT id, greatest(toInt64(inserted_at_us) - toInt64(received_at_us), 0) / 1000 AS lag
      FROM tracepipe.runs WHERE received_at_us >= $T0 AND received_at_us < $T1) FORMAT TSV")
read -r all_rows all_ids < <(ch "SELECT count(), uniqExact(id) FROM tracepipe.runs FORMAT TSV")
(( all_rows == all_ids )) || die "$all_rows rows but $all_ids distinct ids: run ids repeated, counts would lie"
parts_end=$(ch "SELECT count() FROM system.parts WHERE active AND database = 'tracepipe' AND table = 'runs'")
judge_lag "$final_label"
final_lag="$ack_line: $lag_verdict ($lag_how)"
read -r ins_n ins_p99 ins_lo ins_hi _ < <(hist "$f0" "$f1" tracepipe_sink_insert_latency_us 0.99)
body_sum0=$(metric tracepipe_sink_batch_bytes_sum "$f0") body_sum1=$(metric tracepipe_sink_batch_bytes_sum "$f1")
since=$(( ($(now_us) - T0) / 1000000 + 1 ))
tp_lag=$("$tp" lag --stack "$stack" --since "${since}s" 2>&1) || tp_lag="tracepipe lag failed: $tp_lag"
dead=$(metric tracepipe_sink_dead_lettered_total "$f2")
retries=$(awk '/^tracepipe_sink_retries_total/ { s += $2 } END { print s + 0 }' "$f2")
forks=$(redis_forks)
stop "$serve_pid"

# --- the component limits ---
if (( BASELINES )); then
  measure_bulk
  grab_entry
  measure_redis
else
  a=0 b=0 a_rows=0 a_bytes=0 a_secs=0 a_parts=0 a_sorted=0 b_entry_bytes=0 a_cpu=""
fi

min_ab=$((a < b ? a : b))
limit=$( ((a <= b)) && echo "ClickHouse bulk INSERT" || echo "Redis XADD")

# The operating point of the target: 0.5 × min(a, b) held, lag p99 judged there.
target_line="(not measured: BASELINES=0)" target_lag_verdict="(not measured)" target_lag=""
if (( BASELINES )); then
  target_rate=$(( (min_ab / 2 + RUNS - 1) / RUNS * RUNS ))
  for v in "${!m_@}"; do declare "final_$v=${!v}"; done  # the report below is of the final window
  measure_rate "$target_rate" "$DURATION" "target"
  stop "$serve_pid"
  judge_lag target
  target_lag_verdict=$lag_verdict target_lag="$ack_line: $lag_verdict ($lag_how)"
  target_line="$target_rate runs/s offered, $( ((m_ok)) && echo "held" || echo "NOT held ($m_why)"); inserted $m_ins_rate/s, backlog max $m_depth_max$(disturbed_note)"
  (( m_ok )) || target_lag_verdict=FAIL
  for v in "${!final_m_@}"; do declare "${v#final_}=${!v}"; done
fi
ratio=$(awk -v s="$sustained" -v m="$min_ab" 'BEGIN { printf "%.3f", m ? s / m : 0 }')
verdict=$(awk -v r="$ratio" 'BEGIN { print (r >= 0.5 ? "PASS" : "FAIL") }')
(( BASELINES )) || verdict="(not measured: BASELINES=0)"
(( final_ok )) || verdict="FAIL (the final rate was not sustained: $m_why)"

(( PROFILE )) && profile_e2e "$final_rate"

# CPU time per run of each group of a cpu_window line ("name N%  …") at RATE runs/s.
per_run() {
  awk -v r="$2" '{ for (i = 1; i < NF; i++) if ($(i + 1) ~ /^[0-9]+%$/ && $i !~ /^\(/) {
      v = $(i + 1); sub(/%/, "", v); if (v > 0) printf "%s%s %.1f µs", sep, $i, v * 1e4 / r; sep = ", " } }' <<<"$1"
}
cpu_per_run=$(per_run "${m_cpu%%(*}" "$sustained")
bulk_per_row=$(awk -v c="$(sed -n 's/.*clickhouse \([0-9]*\)%.*/\1/p' <<<"$a_cpu")" -v a="$a" \
  'BEGIN { if (c != "" && a > 0) printf "%.1f µs", c * 1e4 / a; else printf "?" }')
cat <<EOF
e2e_bench: POST /runs/batch, $RUNS runs × ~$RUN_BYTES B ($body_bytes B bodies, distinct run ids), wrk -t$WRK_THREADS -c$CONNECTIONS at a constant rate
  serve --pipelines $PIPELINES --batch-rows $BATCH_ROWS --batch-bytes $BATCH_BYTES --batch-age $BATCH_AGE --threads $THREADS --clickhouse-compression $COMPRESSION $SERVE_ARGS
    (ClickHouse $ch_version: $(grep -q 'async inserts' "$tmp/serve_$final_label.log" && echo "no async inserts, client batching only" || echo "async inserts"))
  search: $(printf '%s\n          ' "${results[@]:-(none: RATE given)}" | sed '$d')
  final: offered $final_rate runs/s, ${DURATION}s window after ${WARMUP}s warm-up: $m_wrk$( ((m_disturbed)) && echo "
         DISTURBED: processes not ours took $m_others% of a CPU in every try; the figures are low")
  sustained              $sustained runs/s   (rows with inserted_at in the ${DURATION}s window; the sink's own count: $m_ins_rate/s, ingest enqueued $m_enq_rate/s)
    received in window   $recv_rows rows, $recv_ids distinct ids, all in ClickHouse $m_drain s after the load stopped
    backlog              mean $m_depth_mean, max $m_depth_max entries (limit: ${BACKLOG_LIMIT} s of input = $((final_rate * BACKLOG_LIMIT))), trend $m_trend entries/s
    batches              $m_batch_rate/s × $m_rows_per_batch rows ($(awk -v a="$body_sum0" -v b="$body_sum1" -v n="$m_batches" 'BEGIN { printf "%.1f MB", n ? (b - a) / n / 1e6 : 0 }') of JSONEachRow, sent with compression $COMPRESSION); insert latency p99 $(ms "$ins_p99") (bucket $(ms "$ins_lo")–$( [[ $ins_hi == +Inf ]] && echo "∞" || ms "$ins_hi"))
    parts                $m_parts_window active at the end of the window, $parts_end after the drain; dead-lettered $dead, retries $retries; redis forks so far $forks
    cpu                  $m_cpu
    cpu per run          $cpu_per_run   (ClickHouse in the bulk INSERT: $bulk_per_row per row)
  lag p99 (server)       $(printf '%.0f' "$lag_p99") ms  (inserted_at − received_at in ClickHouse, rows received in the window; p50 $(printf '%.0f' "$lag_p50") ms, max $(printf '%.0f' "$lag_max") ms; $( [[ $ch_version == 18.* || $ch_version == 19.* || $ch_version == 20.[0-4].* ]] && echo "whole-second inserted_at: up to 1 s low" || echo "µs inserted_at"))
    tracepipe lag        $(tr '\n' ' ' <<<"$tp_lag")
  lag (precise)          $final_lag   (tracepipe_sink_ack_lag_us over the window: acked − received)
  (a) ClickHouse bulk    $a rows/s   (one INSERT … FORMAT JSONEachRow of the window's $a_rows rows in arrival order, $a_bytes B, in $a_secs s → $a_parts parts; already sorted by the table key: $a_sorted rows/s)
  (b) Redis XADD -P $REDIS_PIPELINE  $b entries/s   (the ingest entry, $b_entry_bytes B)
  min(a, b)              $min_ab /s   ($limit)
  sustained / min(a, b)  $ratio   target ≥ 0.5: $verdict
  at the target rate     $target_line
    lag (precise)        $target_lag
  lag p99 ≤ 2 × batch age ($((2 * batch_age_ms)) ms) at 0.5 × min(a, b), on the precise ack lag: $target_lag_verdict
EOF
