#!/usr/bin/env bash
# Ingest against its physical limits, in one run on this machine (DESIGN.md
# "Targets"): POST /runs/batch, RUNS runs of ~RUN_BYTES each per request.
#   (a) ingest: runs/s answered 202 (parsed, validated, XADDed), checked
#       against the stream's XLEN afterwards;
#   (b) transport: the same requests from the same wrk to nginx `return 202`
#       (nginx reads and discards the body), × RUNS runs per request;
#   (c) queue: redis-benchmark pipelined XADD of the very entry ingest wrote;
# then a / min(b, c), PASS at ≥ 0.5. A benchmark, not a test: it prints figures.
#
# Fairness: ingest and nginx get the same wrk (-t1 -c32 by default), the same
# bodies and the same thread/worker counts to choose from. On a 2-core machine
# wrk itself takes up to a core, so the server side (ingest + redis-server and
# its AOF-rewrite children, or nginx) shares what is left; the CPU lines say who
# used what. redis-benchmark needs little CPU itself, so (c) gives Redis a whole
# core. The bodies repeat every BODIES requests, so run ids repeat too: ingest
# does not deduplicate (the sink does), so every 202 still adds RUNS entries.
# ingest runs with its queue high watermark raised so that no 429 cuts in.
# Each figure is the best over its settings and ROUNDS: others' load on a
# shared machine only ever lowers a figure.
#
# Settings (environment):
#   DURATION=10        seconds of each wrk measurement
#   THREADS="1 2"      ingest --threads values tried
#   NGINX_WORKERS      nginx worker_processes values tried (default: THREADS)
#   WRK_THREADS=1 CONNECTIONS=32   wrk's -t and -c, the same for ingest and nginx
#   BODIES=16          distinct request bodies wrk rotates through (seeds 1..BODIES)
#   RUNS=100 RUN_BYTES=1024        runs per request, mean bytes of one run's JSON
#   REDIS_N=1000000 REDIS_PIPELINE=64 REDIS_CLIENTS=50   redis-benchmark -n -P -c
#   ROUNDS=1           times (a), (b) and (c) are measured, interleaved
#   PROFILE=0          1: one more ingest pass under perf record/stat (figures not used)
#   BUILD=build        build directory holding tracepipe and bench/bench_body
#   KEEP_TMP=0         1: keep the temporary directory (logs, configs, perf data)
#   QUIET_WAIT=300     seconds to wait, before each measurement, for other load to stop
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"  # the stack finds s3rver under .deps/ from here, whatever BUILD is
source "$root/bench/bench_lib.sh"
build=${BUILD:-$root/build}
DURATION=${DURATION:-10}
THREADS=${THREADS:-"1 2"}
NGINX_WORKERS=${NGINX_WORKERS:-$THREADS}
WRK_THREADS=${WRK_THREADS:-1}
CONNECTIONS=${CONNECTIONS:-32}
BODIES=${BODIES:-16}
RUNS=${RUNS:-100}
RUN_BYTES=${RUN_BYTES:-1024}
REDIS_N=${REDIS_N:-1000000}
REDIS_PIPELINE=${REDIS_PIPELINE:-64}
REDIS_CLIENTS=${REDIS_CLIENTS:-50}
ROUNDS=${ROUNDS:-1}
PROFILE=${PROFILE:-0}
KEEP_TMP=${KEEP_TMP:-0}

tp=$build/tracepipe
lua=$root/bench/ingest_bench.lua
for exe in "$tp" "$build/bench/bench_body"; do
  [[ -x $exe ]] || { log "ingest_bench: $exe is missing; build first (bash tools/build.sh)"; exit 2; }
done
for prog in wrk nginx redis-benchmark redis-cli curl; do
  command -v "$prog" >/dev/null || { log "ingest_bench: $prog is missing (bash tools/setup.sh installs it)"; exit 2; }
done
(( DURATION >= 3 )) || { log "ingest_bench: DURATION must be at least 3 s"; exit 2; }

bench_setup ingest_bench
skip_quiet=0    # 1: run_wrk does not wait for the machine to be idle (the caller did)

# post_check URL WHAT: one body by curl must get 202, else stop with the answer.
post_check() {
  local code
  code=$(curl -sS -o "$tmp/check.out" -w '%{http_code}' -H 'Content-Type: application/json' \
    --data-binary @"$tmp/bodies/batch_0.json" "$1/runs/batch") || die "$2 did not answer POST $1/runs/batch"
  [[ $code == 202 ]] || die "$2 answered $code, not 202, to the benchmark body: $(head -c 600 "$tmp/check.out")"
}

# run_wrk URL LABEL NAME=PIDS...: one wrk measurement; sets wrk_line, s202 and rate (runs/s).
run_wrk() {
  local url=$1 label=$2; shift 2
  local out=$tmp/wrk_$label.out cpu wpid dur
  (( skip_quiet )) || wait_quiet
  wrk -t"$WRK_THREADS" -c"$CONNECTIONS" -d"${DURATION}s" --timeout 10s -s "$lua" "$url" -- /runs/batch \
    "${bodies[@]}" >"$out" 2>&1 &
  wpid=$!
  started+=("$wpid")
  cpu=$(cpu_window "$wpid" "$@" "wrk=$wpid" $bystanders)
  wait "$wpid" || die "wrk failed: $(cat "$out")"
  forget "$wpid"
  wrk_line=$(grep '^wrk_result ' "$out") || die "wrk printed no result: $(cat "$out")"
  log "    wrk: ${wrk_line#wrk_result }"
  log "    cpu: $cpu"
  s202=$(field s202 "$wrk_line") dur=$(field duration_us "$wrk_line")
  local other=$(field other "$wrk_line")
  (( other == 0 )) || log "    note: $other answers were not 202 ($(field statuses "$wrk_line"))"
  rate=$(awk -v n="$s202" -v r="$RUNS" -v d="$dur" 'BEGIN { printf "%.0f", n * r / (d / 1e6) }')
}

# keep_best KEY RATE: best[KEY] = max(best[KEY], RATE).
declare -A best=()
keep_best() { if (( $2 > ${best[$1]:-0} )); then best[$1]=$2; fi; }

# --- (a) ingest ----------------------------------------------------------------

# start_ingest THREADS STREAM: sets ingest_pid and ingest_url.
start_ingest() {
  local logf=$tmp/ingest_$1.log i
  "$tp" ingest --stack "$stack" --listen 127.0.0.1:0 --threads "$1" --stream "$2" \
    --queue-high-watermark 1000000000000 >"$logf" 2>&1 &
  ingest_pid=$!
  started+=("$ingest_pid")
  ingest_url=""
  for ((i = 0; i < 100; i++)); do
    ingest_url=$(sed -n 's/.*listening on \(http:[^ ]*\).*/\1/p' "$logf")
    [[ -n $ingest_url ]] && break
    kill -0 "$ingest_pid" 2>/dev/null || die "ingest exited: $(cat "$logf")"
    sleep 0.1
  done
  [[ -n $ingest_url ]] || die "ingest did not say where it listens: $(cat "$logf")"
  for ((i = 0; i < 50; i++)); do
    [[ $(curl -s -o /dev/null -w '%{http_code}' "$ingest_url/ready") == 200 ]] && return
    sleep 0.1
  done
  die "ingest at $ingest_url never became ready: $(cat "$logf")"
}

# measure_ingest THREADS
measure_ingest() {
  local threads=$1 key="bench:t$1:{0}" before after forks added extra
  log "  (a) ingest --threads $threads → $key"
  start_ingest "$threads" "bench:t$threads"
  post_check "$ingest_url" ingest
  # The exact fields and values of an entry ingest wrote, for (c).
  [[ -s $tmp/entry.txt ]] || rcli --raw XRANGE "$key" - + COUNT 1 >"$tmp/entry.txt"
  before=$(rcli XLEN "$key") forks=$(redis_forks)
  run_wrk "$ingest_url" "ingest_$threads" "ingest=$ingest_pid" "redis-server=$redis_pid" "aof-rewrite=+$redis_pid"
  sleep 1  # requests wrk gave up on at its stop may still be finishing
  after=$(rcli XLEN "$key") forks=$(($(redis_forks) - forks))
  (( forks == 0 )) || log "    redis-server forked $forks times (AOF rewrite) during the run"
  added=$((after - before))
  extra=$((added - s202 * RUNS))
  # A request is one MULTI/EXEC: all its runs are in the stream or none. Up to
  # one request per connection may be in the stream unanswered, cut off by wrk's stop.
  if (( extra < 0 || extra % RUNS != 0 || extra / RUNS > CONNECTIONS )); then
    die "XLEN check failed: the stream grew by $added entries for $s202 answers 202 × $RUNS runs"
  fi
  log "    XLEN check: +$added entries = $s202 answers 202 × $RUNS runs$( ((extra)) && echo " + $((extra / RUNS)) requests cut off unanswered by wrk's stop")"
  log "    (a) = $rate runs/s accepted"
  keep_best "a" "$rate"
  keep_best "a:$threads" "$rate"
  stop "$ingest_pid"
  rcli UNLINK "$key" >/dev/null
}

# --- (b) nginx return 202 ------------------------------------------------------

# start_nginx WORKERS: sets nginx_pid, nginx_url and nginx_workers (pids).
start_nginx() { nginx_202_start "$tmp/nginx_$1" "$1"; }

# measure_nginx WORKERS
measure_nginx() {
  log "  (b) nginx worker_processes $1, location / { return 202; }"
  start_nginx "$1"
  post_check "$nginx_url" nginx
  run_wrk "$nginx_url" "nginx_$1" "nginx=$nginx_pid,$nginx_workers"
  log "    (b) = $rate runs/s ($s202 answers 202 × $RUNS runs)"
  keep_best "b" "$rate"
  keep_best "b:$1" "$rate"
  stop "$nginx_pid"
}

# --- (c) redis-benchmark XADD --------------------------------------------------

measure_redis() {
  local -a entry
  local f entry_bytes=0 n rb_pid cpu forks rate xlen
  mapfile -t entry <"$tmp/entry.txt"  # the entry's id, then one field or value per line
  (( ${#entry[@]} >= 3 && ${#entry[@]} % 2 == 1 )) || die "cannot read back an ingest entry (a value holds a newline?)"
  entry=("${entry[@]:1}")
  for f in "${entry[@]}"; do entry_bytes=$((entry_bytes + ${#f})); done
  n=$(((REDIS_N + REDIS_PIPELINE - 1) / REDIS_PIPELINE * REDIS_PIPELINE))
  log "  (c) redis-benchmark -n $n -P $REDIS_PIPELINE -c $REDIS_CLIENTS XADD bench:xadd *" \
    "<the $((${#entry[@]} / 2)) fields of an ingest entry, $entry_bytes B>"
  wait_quiet
  forks=$(redis_forks)
  redis-benchmark -h "$redis_host" -p "$redis_port" -n "$n" -P "$REDIS_PIPELINE" -c "$REDIS_CLIENTS" --csv \
    XADD bench:xadd '*' "${entry[@]}" >"$tmp/redis_benchmark.csv" 2>&1 &
  rb_pid=$!
  started+=("$rb_pid")
  cpu=$(cpu_window "$rb_pid" "redis-server=$redis_pid" "aof-rewrite=+$redis_pid" "redis-benchmark=$rb_pid" $bystanders)
  wait "$rb_pid" || die "redis-benchmark failed: $(head -c 600 "$tmp/redis_benchmark.csv")"
  forget "$rb_pid"
  # The command, 1 KB of JSON with commas, is the first CSV column: count from the end.
  rate=$(tail -n1 "$tmp/redis_benchmark.csv" | awk -F, '{ gsub(/"/, "", $(NF-6)); printf "%.0f", $(NF-6) }')
  xlen=$(rcli XLEN bench:xadd)
  (( xlen >= n && xlen < n + REDIS_PIPELINE * REDIS_CLIENTS )) || die "XLEN bench:xadd is $xlen after $n XADDs"
  log "    cpu: $cpu"
  forks=$(($(redis_forks) - forks))
  (( forks == 0 )) || log "    redis-server forked $forks times (AOF rewrite) during the run"
  log "    XLEN check: $xlen entries"
  log "    (c) = $rate XADD/s"
  keep_best "c" "$rate"
  rcli UNLINK bench:xadd >/dev/null
}

# --- optional profile ------------------------------------------------------------

# profile_ingest THREADS: perf record of ingest and redis-server, perf stat of
# ingest's system calls per request, during one more wrk run.
profile_ingest() {
  local key="bench:profile:{0}" x0 x1 requests record_pid stat_pid who events
  command -v perf >/dev/null || die "PROFILE=1 needs perf"
  log "  profile: ingest --threads $1 under perf record + perf stat (figures not used)"
  start_ingest "$1" bench:profile
  wait_quiet
  skip_quiet=1
  # Both cover wrk's run but its first and last second.
  (sleep 1; exec perf record -F 999 -o "$tmp/perf.data" -p "$ingest_pid,$redis_pid" -- sleep "$((DURATION - 2))") \
    >"$tmp/perf_record.log" 2>&1 &
  record_pid=$!
  started+=("$record_pid")
  events=$(printf 'syscalls:sys_enter_%s,' recvmsg sendmsg read write epoll_wait epoll_ctl futex)
  (sleep 1; exec perf stat -x, -e "${events%,}" -o "$tmp/perf_stat.csv" -p "$ingest_pid" -- sleep "$((DURATION - 2))") \
    >/dev/null 2>&1 &
  stat_pid=$!
  started+=("$stat_pid")
  x0=$(rcli XLEN "$key")
  run_wrk "$ingest_url" profile "ingest=$ingest_pid" "redis-server=$redis_pid" "aof-rewrite=+$redis_pid"
  skip_quiet=0
  wait "$record_pid" || true
  forget "$record_pid"
  wait "$stat_pid" || true
  forget "$stat_pid"
  x1=$(rcli XLEN "$key")
  stop "$ingest_pid"
  rcli UNLINK "$key" >/dev/null
  # perf stat saw DURATION - 2 of wrk's DURATION seconds; scale the requests alike.
  requests=$(awk -v n=$(((x1 - x0) / RUNS)) -v d="$DURATION" 'BEGIN { printf "%.0f", n * (d - 2) / d }')
  echo "--- perf stat: system calls of ingest per request (~$requests requests in the window) ---"
  awk -F, -v n="$requests" '$3 ~ /sys_enter_/ { sub(/.*sys_enter_/, "", $3); printf "  %-11s %8.1f\n", $3, $1 / n }' \
    "$tmp/perf_stat.csv"
  for who in tracepipe redis-server; do
    echo "--- perf record: $who, self time by symbol (% of $who's samples) ---"
    perf report -i "$tmp/perf.data" --stdio --no-children --comms "$who" --percentage relative \
      --sort dso,symbol --percent-limit 1.5 -g none 2>/dev/null | grep -v '^#' | grep -v '^$' |
      sed 's/ \+- \+- *$//' | cut -c1-160 | head -n 25
  done
}

# --- main ----------------------------------------------------------------------

log "ingest_bench: $RUNS runs of ~$RUN_BYTES B per request, $BODIES distinct bodies, wrk -t$WRK_THREADS" \
  "-c$CONNECTIONS -d${DURATION}s, $ncpu CPUs (load average now $(cut -d' ' -f1-3 /proc/loadavg))"
mkdir -p "$tmp/bodies"
"$build/bench/bench_body" "$tmp/bodies" "$BODIES" "$RUNS" "$RUN_BYTES"
bodies=()
for ((i = 0; i < BODIES; i++)); do bodies+=("$tmp/bodies/batch_$i.json"); done
body_bytes=$(stat -c %s "$tmp/bodies/batch_0.json")
log "  body: $body_bytes bytes ($(stat -c %s "$tmp/bodies/run.json") B for the first run's JSON)"

"$tp" stack up --dir "$stack" >"$tmp/stack_up.log" 2>&1 || { cat "$tmp/stack_up.log" >&2; die "stack up failed"; }
stack_up=1
redis_url=$(sed -n 's/^REDIS_URL=//p' "$stack/stack.env")
hostport=${redis_url#redis://}
hostport=${hostport##*@}
hostport=${hostport%%/*}
redis_host=${hostport%:*} redis_port=${hostport##*:}
redis_pid=$(rcli INFO server | tr -d '\r' | sed -n 's/^process_id://p')
[[ -n $redis_pid ]] || die "cannot read redis-server's pid from INFO"
# Not measured, but on the machine during every measurement: ClickHouse and
# s3rver of the stack, idle; the kernel's softirq threads (loopback TCP).
bystanders="clickhouse+s3rver=$(cat "$stack/pids/clickhouse.pid" "$stack/pids/s3.pid" 2>/dev/null | cut -d' ' -f1 | paste -sd,)"
bystanders+=" ksoftirqd=$(pgrep -d, '^ksoftirqd/' || true)"
log "  stack: $redis_url (redis-server pid $redis_pid); ClickHouse and s3rver idle alongside"

for ((round = 1; round <= ROUNDS; round++)); do
  (( ROUNDS == 1 )) || log "  round $round of $ROUNDS"
  for threads in $THREADS; do measure_ingest "$threads"; done
  for workers in $NGINX_WORKERS; do measure_nginx "$workers"; done
  measure_redis
done

best_key() {  # best_key LETTER SETTINGS: the setting with the highest best[LETTER:setting]
  local k top="" v=0
  for k in $2; do if (( ${best[$1:$k]:-0} > v )); then v=${best[$1:$k]}; top=$k; fi; done
  echo "$top"
}
a=${best[a]} b=${best[b]} c=${best[c]}
each_a="" each_b=""
for t in $THREADS; do each_a+=" --threads $t: ${best[a:$t]};"; done
for w in $NGINX_WORKERS; do each_b+=" $w: ${best[b:$w]};"; done
min_bc=$((b < c ? b : c))
limit=$( ((b <= c)) && echo "transport (nginx)" || echo "queue (redis XADD)")
ratio=$(awk -v a="$a" -v m="$min_bc" 'BEGIN { printf "%.3f", a / m }')
verdict=$(awk -v r="$ratio" 'BEGIN { print (r >= 0.5 ? "PASS" : "FAIL") }')

(( PROFILE )) && profile_ingest "$(best_key a "$THREADS")"

cat <<EOF
ingest_bench: POST /runs/batch, $RUNS runs × ~$RUN_BYTES B ($body_bytes B bodies, $BODIES distinct), wrk -t$WRK_THREADS -c$CONNECTIONS -d${DURATION}s, best of $ROUNDS round(s)
  (a) ingest             $a runs/s   (--threads $(best_key a "$THREADS"); each:${each_a%;})
  (b) nginx return 202   $b runs/s   (worker_processes $(best_key b "$NGINX_WORKERS"); each:${each_b%;})
  (c) redis XADD -P $REDIS_PIPELINE  $c entries/s
  min(b, c)              $min_bc runs/s   ($limit)
  a / min(b, c)          $ratio   target ≥ 0.5: $verdict
EOF
