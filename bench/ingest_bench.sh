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
#
# Settings (environment):
#   DURATION=10        seconds of each wrk measurement
#   THREADS="1 2"      ingest --threads values tried; the best is (a)
#   NGINX_WORKERS      nginx worker_processes values tried (default: THREADS); the best is (b)
#   WRK_THREADS=1 CONNECTIONS=32   wrk's -t and -c, the same for ingest and nginx
#   BODIES=16          distinct request bodies wrk rotates through (seeds 1..BODIES)
#   RUNS=100 RUN_BYTES=1024        runs per request, mean bytes of one run's JSON
#   REDIS_N=1000000 REDIS_PIPELINE=64 REDIS_CLIENTS=50   redis-benchmark -n -P -c
#   PROFILE=0          1: one more ingest pass under `perf record` (figures not used)
#   BUILD=build        build directory holding tracepipe and bench/bench_body
#   KEEP_TMP=0         1: keep the temporary directory (logs, configs, perf data)
#   QUIET_WAIT=300     seconds to wait, before each measurement, for other load to stop
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"  # the stack finds s3rver under .deps/ from here, whatever BUILD is
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
PROFILE=${PROFILE:-0}
KEEP_TMP=${KEEP_TMP:-0}
QUIET_WAIT=${QUIET_WAIT:-300}

tp=$build/tracepipe
body_tool=$build/bench/bench_body
lua=$root/bench/ingest_bench.lua
for exe in "$tp" "$body_tool"; do
  [[ -x $exe ]] || { echo "ingest_bench: $exe is missing; build first (bash tools/build.sh)" >&2; exit 2; }
done
for prog in wrk nginx redis-benchmark redis-cli curl; do
  command -v "$prog" >/dev/null || { echo "ingest_bench: $prog is missing (bash tools/setup.sh installs it)" >&2; exit 2; }
done
(( DURATION >= 3 )) || { echo "ingest_bench: DURATION must be at least 3 s" >&2; exit 2; }

tmp=$(mktemp -d "${TMPDIR:-/tmp}/tracepipe-bench.XXXXXX")
stack=$tmp/stack
started=()      # pids of every process this script started and has not stopped yet
stack_up=0
skip_quiet=0    # 1: run_wrk does not wait for the machine to be idle (the caller did)

log() { printf '%s\n' "$*" >&2; }

# stop PID: TERM, up to 10 s for it to exit, then KILL; only our own children.
stop() {
  local pid=$1 i
  kill -TERM "$pid" 2>/dev/null || true
  for ((i = 0; i < 100; i++)); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  kill -KILL "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
  forget "$pid"
}

# forget PID: it has exited and been waited for.
forget() {
  local keep=() p
  for p in "${started[@]}"; do [[ $p == "$1" ]] || keep+=("$p"); done
  started=("${keep[@]}")
}

cleanup() {
  local status=$? p
  trap - EXIT INT TERM
  for p in "${started[@]}"; do stop "$p"; done
  if (( stack_up )); then "$tp" stack down --dir "$stack" >/dev/null 2>&1 || log "ingest_bench: stack down failed; see $stack/logs"; fi
  if (( KEEP_TMP )); then log "ingest_bench: kept $tmp"; else rm -rf "$tmp"; fi
  exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

die() { log "ingest_bench: $*"; exit 1; }

# --- CPU accounting from /proc -------------------------------------------------

clk_tck=$(getconf CLK_TCK)
ncpu=$(nproc)

# ticks PID...: user+system clock ticks of the processes (all their threads);
# for +PID, of its children that have exited and been waited for (redis-server's
# AOF rewrite children).
ticks() {
  local sum=0 p s f
  for p in "$@"; do
    s=$(cat "/proc/${p#+}/stat" 2>/dev/null) || continue
    read -ra f <<<"${s##*) }"
    if [[ $p == +* ]]; then sum=$((sum + f[13] + f[14])); else sum=$((sum + f[11] + f[12])); fi
  done
  echo "$sum"
}

# busy_ticks: clock ticks all CPUs spent not idle, since boot; irq_ticks:
# those in interrupts, which no process is charged with (loopback TCP is
# largely softirq work).
busy_ticks() {
  local cpu user nice system idle iowait irq softirq steal rest
  read -r cpu user nice system idle iowait irq softirq steal rest </proc/stat
  echo $((user + nice + system + irq + softirq + steal))
}
irq_ticks() {
  local cpu user nice system idle iowait irq softirq rest
  read -r cpu user nice system idle iowait irq softirq rest </proc/stat
  echo $((irq + softirq))
}

# cpu_window WAIT_PID NAME=PID,PID... : polls until WAIT_PID exits and prints
# each group's CPU % over the window from 0.5 s in to the last poll before the
# exit (so start-up and shut-down do not count), plus the machine's.
cpu_window() {
  local wait_pid=$1; shift
  local -a names=() lists=() first=() last=()
  local spec i t_first t_last busy_first busy_last irq_first irq_last
  for spec in "$@"; do names+=("${spec%%=*}"); lists+=("${spec#*=}"); done
  sleep 0.5
  t_first=$EPOCHREALTIME busy_first=$(busy_ticks) irq_first=$(irq_ticks)
  for i in "${!lists[@]}"; do first[i]=$(ticks ${lists[i]//,/ }); last[i]=${first[i]}; done
  t_last=$t_first busy_last=$busy_first irq_last=$irq_first
  while kill -0 "$wait_pid" 2>/dev/null; do
    sleep 0.5
    kill -0 "$wait_pid" 2>/dev/null || break
    local -a now=()
    for i in "${!lists[@]}"; do now[i]=$(ticks ${lists[i]//,/ }); done
    kill -0 "$wait_pid" 2>/dev/null || break  # the wait pid may have gone mid-read
    t_last=$EPOCHREALTIME busy_last=$(busy_ticks) irq_last=$(irq_ticks)
    for i in "${!lists[@]}"; do last[i]=${now[i]}; done
  done
  local out="" secs ours=0
  secs=$(awk -v a="$t_first" -v b="$t_last" 'BEGIN { printf "%.3f", b - a }')
  for i in "${!names[@]}"; do
    ours=$((ours + last[i] - first[i]))
    out+=$(awk -v n="${names[i]}" -v d=$((last[i] - first[i])) -v s="$secs" -v hz="$clk_tck" \
      'BEGIN { printf "%s %.0f%%  ", n, (s > 0 ? 100 * d / hz / s : 0) }')
  done
  out+=$(awk -v d=$((busy_last - busy_first)) -v q=$((irq_last - irq_first)) -v o="$ours" -v s="$secs" \
    -v hz="$clk_tck" -v n="$ncpu" 'BEGIN { if (s <= 0) exit; f = 100 / hz / s
      printf "(machine busy %.0f%% of %d%%: irq/softirq %.0f%%, other processes %.0f%%; over %.1f s)",
             d * f, 100 * n, q * f, (d - q - o) * f, s }')
  echo "$out"
}

# wait_quiet: up to QUIET_WAIT s for the machine to be idle (under 25% of one
# CPU busy over a second), so that others' work does not skew a measurement.
wait_quiet() {
  local start=$SECONDS b0 b1 pct
  while :; do
    b0=$(busy_ticks); sleep 1; b1=$(busy_ticks)
    pct=$((100 * (b1 - b0) / clk_tck))
    (( pct < 25 )) && return
    if (( SECONDS - start >= QUIET_WAIT )); then
      log "    warning: the machine is still ${pct}% busy without us after ${QUIET_WAIT} s; measuring anyway"
      return
    fi
  done
}

# --- helpers -------------------------------------------------------------------

rcli() { redis-cli -h "$redis_host" -p "$redis_port" "$@"; }

# redis_forks: how many times redis-server has forked (AOF rewrites here), which
# puts a third busy process on the machine.
redis_forks() { rcli INFO stats | tr -d '\r' | sed -n 's/^total_forks://p'; }

# post_check URL WHAT: one body by curl must get 202, else stop with the answer.
post_check() {
  local code
  code=$(curl -sS -o "$tmp/check.out" -w '%{http_code}' -H 'Content-Type: application/json' \
    --data-binary @"$tmp/bodies/batch_0.json" "$1/runs/batch") || die "$2 did not answer POST $1/runs/batch"
  [[ $code == 202 ]] || die "$2 answered $code, not 202, to the benchmark body: $(head -c 600 "$tmp/check.out")"
}

# free_port: a loopback port nothing listens on right now.
free_port() {
  local p i
  for ((i = 0; i < 100; i++)); do
    p=$((20000 + RANDOM % 40000))
    (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null || { echo "$p"; return; }
  done
  die "no free loopback port found"
}

# run_wrk URL LABEL NAME=PIDS...: one wrk measurement; sets wrk_line.
run_wrk() {
  local url=$1 label=$2; shift 2
  local out=$tmp/wrk_$label.out cpu
  (( skip_quiet )) || wait_quiet
  wrk -t"$WRK_THREADS" -c"$CONNECTIONS" -d"${DURATION}s" --timeout 10s -s "$lua" "$url" -- /runs/batch \
    "${bodies[@]}" >"$out" 2>&1 &
  local wpid=$!
  started+=("$wpid")
  cpu=$(cpu_window "$wpid" "$@" "wrk=$wpid")
  wait "$wpid" || die "wrk failed: $(cat "$out")"
  forget "$wpid"
  wrk_line=$(grep '^wrk_result ' "$out") || die "wrk printed no result: $(cat "$out")"
  log "    wrk: ${wrk_line#wrk_result }"
  log "    cpu: $cpu"
}

# field NAME LINE: the value of NAME=value in a wrk_result line.
field() { sed -n "s/.*[ ]$1=\([^ ]*\).*/\1/p" <<<"$2"; }

# --- setup ---------------------------------------------------------------------

log "ingest_bench: $RUNS runs of ~$RUN_BYTES B per request, $BODIES distinct bodies, wrk -t$WRK_THREADS -c$CONNECTIONS" \
  "-d${DURATION}s, $ncpu CPUs (load average now $(cut -d' ' -f1-3 /proc/loadavg))"
mkdir -p "$tmp/bodies"
"$body_tool" "$tmp/bodies" "$BODIES" "$RUNS" "$RUN_BYTES"
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
log "  stack: $redis_url (redis-server pid $redis_pid); ClickHouse and s3rver idle alongside"

# --- (a) ingest ----------------------------------------------------------------

# start_ingest THREADS STREAM: sets ingest_pid and ingest_url.
start_ingest() {
  local logf=$tmp/ingest_$1.log i
  "$tp" ingest --stack "$stack" --listen 127.0.0.1:0 --threads "$1" --stream "$2" \
    --queue-high-watermark 1000000000000 >"$logf" 2>&1 &
  ingest_pid=$!
  started+=("$ingest_pid")
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

best_a=0 best_a_threads=""
for threads in $THREADS; do
  stream=bench:t$threads key="bench:t$threads:{0}"
  log "  (a) ingest --threads $threads → $key"
  start_ingest "$threads" "$stream"
  post_check "$ingest_url" ingest
  if [[ ! -s $tmp/entry.txt ]]; then
    rcli --raw XRANGE "$key" - + COUNT 1 >"$tmp/entry.txt"
  fi
  before=$(rcli XLEN "$key") forks=$(redis_forks)
  run_wrk "$ingest_url" "ingest_$threads" "ingest=$ingest_pid" "redis-server=$redis_pid" "aof-rewrite=+$redis_pid"
  sleep 1  # requests wrk gave up on at its stop may still be finishing
  after=$(rcli XLEN "$key") forks=$(($(redis_forks) - forks))
  (( forks == 0 )) || log "    redis-server forked $forks times (AOF rewrite) during the run"
  s202=$(field s202 "$wrk_line") other=$(field other "$wrk_line") dur=$(field duration_us "$wrk_line")
  added=$((after - before)) expected=$((s202 * RUNS))
  extra=$((added - expected))
  # A request is one MULTI/EXEC: all its runs are in the stream or none. Up to
  # one request per connection may be in the stream unanswered, cut off by wrk's stop.
  if (( extra < 0 || extra % RUNS != 0 || extra / RUNS > CONNECTIONS )); then
    die "XLEN check failed: the stream grew by $added entries for $s202 answers 202 × $RUNS runs"
  fi
  (( other == 0 )) || log "    note: $other answers were not 202 ($(field statuses "$wrk_line"))"
  log "    XLEN check: +$added entries = $s202 answers 202 × $RUNS runs$( ((extra)) && echo " + $((extra / RUNS)) requests cut off unanswered by wrk's stop")"
  rate=$(awk -v n="$s202" -v r="$RUNS" -v d="$dur" 'BEGIN { printf "%.0f", n * r / (d / 1e6) }')
  log "    (a) = $rate runs/s accepted ($(awk -v n="$s202" -v d="$dur" 'BEGIN { printf "%.0f", n / (d / 1e6) }') requests/s)"
  if (( rate > best_a )); then best_a=$rate best_a_threads=$threads; fi
  stop "$ingest_pid"
  rcli UNLINK "$key" >/dev/null
done

# --- (b) nginx return 202 ------------------------------------------------------

# start_nginx WORKERS: sets nginx_pid, nginx_url and nginx_workers (pids).
start_nginx() {
  local dir=$tmp/nginx_$1 attempt port i user_line=""
  mkdir -p "$dir/body" "$dir/proxy" "$dir/fastcgi" "$dir/uwsgi" "$dir/scgi"
  # As root, workers would drop to nobody, who cannot enter the private temp dir.
  (( EUID == 0 )) && user_line="user root;"
  for ((attempt = 0; attempt < 5; attempt++)); do
    port=$(free_port)
    cat >"$dir/nginx.conf" <<EOF
$user_line
worker_processes $1;
daemon off;
pid $dir/nginx.pid;
error_log $dir/error.log warn;
events { worker_connections 4096; }
http {
  access_log off;
  client_body_temp_path $dir/body;
  proxy_temp_path $dir/proxy;
  fastcgi_temp_path $dir/fastcgi;
  uwsgi_temp_path $dir/uwsgi;
  scgi_temp_path $dir/scgi;
  client_max_body_size 0;
  keepalive_requests 100000000;
  keepalive_timeout 300s;
  server {
    listen 127.0.0.1:$port;
    location / { return 202; }
  }
}
EOF
    nginx -p "$dir" -c "$dir/nginx.conf" -e "$dir/error.log" >"$dir/stdout.log" 2>&1 &
    nginx_pid=$!
    started+=("$nginx_pid")
    nginx_url=http://127.0.0.1:$port
    for ((i = 0; i < 50; i++)); do
      kill -0 "$nginx_pid" 2>/dev/null || break
      if [[ $(curl -s -o /dev/null -w '%{http_code}' "$nginx_url/" 2>/dev/null) == 202 ]]; then
        nginx_workers=$(pgrep -d, -P "$nginx_pid")
        return
      fi
      sleep 0.1
    done
    stop "$nginx_pid"
  done
  die "nginx did not start: $(cat "$dir/error.log" "$dir/stdout.log" 2>/dev/null)"
}

best_b=0 best_b_workers=""
for workers in $NGINX_WORKERS; do
  log "  (b) nginx worker_processes $workers, location / { return 202; }"
  start_nginx "$workers"
  post_check "$nginx_url" nginx
  run_wrk "$nginx_url" "nginx_$workers" "nginx=$nginx_pid,$nginx_workers"
  s202=$(field s202 "$wrk_line") other=$(field other "$wrk_line") dur=$(field duration_us "$wrk_line")
  (( other == 0 )) || log "    note: $other answers were not 202 ($(field statuses "$wrk_line"))"
  rate=$(awk -v n="$s202" -v r="$RUNS" -v d="$dur" 'BEGIN { printf "%.0f", n * r / (d / 1e6) }')
  log "    (b) = $rate runs/s ($(awk -v n="$s202" -v d="$dur" 'BEGIN { printf "%.0f", n / (d / 1e6) }') requests/s × $RUNS)"
  if (( rate > best_b )); then best_b=$rate best_b_workers=$workers; fi
  stop "$nginx_pid"
done

# --- (c) redis-benchmark XADD --------------------------------------------------

# The exact fields and values of an entry ingest wrote: one per line, after the id.
mapfile -t entry <"$tmp/entry.txt"
(( ${#entry[@]} >= 3 && ${#entry[@]} % 2 == 1 )) || die "cannot read back an ingest entry (a value holds a newline?)"
entry=("${entry[@]:1}")
entry_bytes=0
for f in "${entry[@]}"; do entry_bytes=$((entry_bytes + ${#f})); done
n=$(((REDIS_N + REDIS_PIPELINE - 1) / REDIS_PIPELINE * REDIS_PIPELINE))
log "  (c) redis-benchmark -n $n -P $REDIS_PIPELINE -c $REDIS_CLIENTS XADD bench:xadd * <the $(( ${#entry[@]} / 2 )) fields of an ingest entry, $entry_bytes B>"
wait_quiet
forks=$(redis_forks)
redis-benchmark -h "$redis_host" -p "$redis_port" -n "$n" -P "$REDIS_PIPELINE" -c "$REDIS_CLIENTS" --csv \
  XADD bench:xadd '*' "${entry[@]}" >"$tmp/redis_benchmark.csv" 2>&1 &
rb_pid=$!
started+=("$rb_pid")
cpu=$(cpu_window "$rb_pid" "redis-server=$redis_pid" "aof-rewrite=+$redis_pid" "redis-benchmark=$rb_pid")
wait "$rb_pid" || die "redis-benchmark failed: $(head -c 600 "$tmp/redis_benchmark.csv")"
forget "$rb_pid"
best_c=$(tail -n1 "$tmp/redis_benchmark.csv" | awk -F, '{ gsub(/"/, "", $(NF-6)); printf "%.0f", $(NF-6) }')
xlen=$(rcli XLEN bench:xadd)
(( xlen >= n && xlen < n + REDIS_PIPELINE * REDIS_CLIENTS )) || die "XLEN bench:xadd is $xlen after $n XADDs"
log "    cpu: $cpu"
forks=$(($(redis_forks) - forks))
(( forks == 0 )) || log "    redis-server forked $forks times (AOF rewrite) during the run"
log "    XLEN check: $xlen entries"
log "    (c) = $best_c XADD/s"
rcli UNLINK bench:xadd >/dev/null

# --- optional profile ------------------------------------------------------------

if (( PROFILE )); then
  command -v perf >/dev/null || die "PROFILE=1 needs perf"
  log "  profile: ingest --threads $best_a_threads under perf record + perf stat (figures not used)"
  start_ingest "$best_a_threads" bench:profile
  wait_quiet
  skip_quiet=1
  # Both cover wrk's run but its first and last second.
  (sleep 1; exec perf record -F 999 -o "$tmp/perf.data" -p "$ingest_pid,$redis_pid" -- sleep "$((DURATION - 2))") \
    >"$tmp/perf_record.log" 2>&1 &
  record_pid=$!
  started+=("$record_pid")
  # System calls of ingest per request: how the body is read, how Redis is written.
  calls=(recvmsg sendmsg read write epoll_wait epoll_ctl futex)
  events=$(printf 'syscalls:sys_enter_%s,' "${calls[@]}")
  (sleep 1; exec perf stat -x, -e "${events%,}" -o "$tmp/perf_stat.csv" -p "$ingest_pid" -- sleep "$((DURATION - 2))") \
    >/dev/null 2>&1 &
  stat_pid=$!
  started+=("$stat_pid")
  x0=$(rcli XLEN "bench:profile:{0}")
  run_wrk "$ingest_url" profile "ingest=$ingest_pid" "redis-server=$redis_pid" "aof-rewrite=+$redis_pid"
  wait "$record_pid" || true
  forget "$record_pid"
  wait "$stat_pid" || true
  forget "$stat_pid"
  x1=$(rcli XLEN "bench:profile:{0}")
  stop "$ingest_pid"
  rcli UNLINK "bench:profile:{0}" >/dev/null
  skip_quiet=0
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
fi

# --- verdict -------------------------------------------------------------------

min_bc=$(( best_b < best_c ? best_b : best_c ))
limit=$([[ $best_b -le $best_c ]] && echo "transport (nginx)" || echo "queue (redis XADD)")
ratio=$(awk -v a="$best_a" -v m="$min_bc" 'BEGIN { printf "%.3f", a / m }')
verdict=$(awk -v r="$ratio" 'BEGIN { print (r >= 0.5 ? "PASS" : "FAIL") }')
cat <<EOF
ingest_bench: POST /runs/batch, $RUNS runs × ~$RUN_BYTES B ($body_bytes B bodies, $BODIES distinct), wrk -t$WRK_THREADS -c$CONNECTIONS -d${DURATION}s
  (a) ingest             $best_a runs/s   (--threads $best_a_threads of: $THREADS)
  (b) nginx return 202   $best_b runs/s   (worker_processes $best_b_workers of: $NGINX_WORKERS)
  (c) redis XADD -P $REDIS_PIPELINE  $best_c entries/s
  min(b, c)              $min_bc runs/s   ($limit)
  a / min(b, c)          $ratio   target ≥ 0.5: $verdict
EOF
