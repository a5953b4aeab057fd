# Helpers of the end-to-end benchmark scripts (sourced): CPU accounting from
# /proc, waiting for a quiet machine, free loopback ports. Needs bash ≥ 5.

clk_tck=$(getconf CLK_TCK)
ncpu=$(nproc)
QUIET_WAIT=${QUIET_WAIT:-300}

log() { printf '%s\n' "$*" >&2; }

# The sampling below runs every half second during a measurement, so it uses
# bash builtins only: a fork per read would cost a measurable share of a core.

# ticks PID...: sets TICKS to the user+system clock ticks of the processes (all
# their threads); for +PID, of its children instead, running or exited
# (redis-server's AOF rewrite children): an exited child's ticks move to its
# parent's cutime/cstime.
ticks() {
  TICKS=0
  local p line kids k
  local -a f
  for p in "$@"; do
    if [[ $p == +* ]]; then
      p=${p#+}
      read -r line 2>/dev/null <"/proc/$p/stat" || continue
      read -ra f <<<"${line##*) }"
      TICKS=$((TICKS + f[13] + f[14]))
      kids=""
      read -r kids 2>/dev/null <"/proc/$p/task/$p/children" || true
      for k in $kids; do
        read -r line 2>/dev/null <"/proc/$k/stat" || continue
        read -ra f <<<"${line##*) }"
        TICKS=$((TICKS + f[11] + f[12]))
      done
      continue
    fi
    read -r line 2>/dev/null <"/proc/$p/stat" || continue
    read -ra f <<<"${line##*) }"
    TICKS=$((TICKS + f[11] + f[12]))
  done
}

# machine_ticks: sets BUSY to the clock ticks all CPUs spent not idle since
# boot, and IRQ to those in interrupts, which no process is charged with
# (loopback TCP is largely softirq work).
machine_ticks() {
  local cpu user nice system idle iowait irq softirq steal rest
  read -r cpu user nice system idle iowait irq softirq steal rest </proc/stat
  BUSY=$((user + nice + system + irq + softirq + steal)) IRQ=$((irq + softirq))
}

# cpu_window WAIT_PID NAME=PID,PID... : polls until WAIT_PID exits and prints
# each group's CPU % over the window from 0.5 s in to the last poll before the
# exit (so start-up and shut-down do not count), then the whole machine's.
# "Not charged to the above" is anything else running on the machine, seen by
# this PID namespace or not, plus interrupt time the kernel charged to no
# process (with IRQ time accounting, softirq work is not in any process's time).
cpu_window() {
  local wait_pid=$1; shift
  local -a names=() lists=() first=() last=() now=()
  local spec i t_first t_last busy_first busy_last irq_first irq_last
  for spec in "$@"; do names+=("${spec%%=*}"); lists+=("${spec#*=}"); done
  sleep 0.5
  t_first=$EPOCHREALTIME
  machine_ticks
  busy_first=$BUSY irq_first=$IRQ
  for i in "${!lists[@]}"; do ticks ${lists[i]//,/ }; first[i]=$TICKS last[i]=$TICKS; done
  t_last=$t_first busy_last=$busy_first irq_last=$irq_first
  while kill -0 "$wait_pid" 2>/dev/null; do
    sleep 0.5
    for i in "${!lists[@]}"; do ticks ${lists[i]//,/ }; now[i]=$TICKS; done
    kill -0 "$wait_pid" 2>/dev/null || break  # it may have stopped mid-read
    t_last=$EPOCHREALTIME
    machine_ticks
    busy_last=$BUSY irq_last=$IRQ
    for i in "${!lists[@]}"; do last[i]=${now[i]}; done
  done
  if [[ $t_last == "$t_first" ]]; then
    echo "(over too soon to sample)"
    return
  fi
  local out="" secs ours=0
  secs=$(awk -v a="$t_first" -v b="$t_last" 'BEGIN { printf "%.3f", b - a }')
  for i in "${!names[@]}"; do
    ours=$((ours + last[i] - first[i]))
    out+=$(awk -v n="${names[i]}" -v d=$((last[i] - first[i])) -v s="$secs" -v hz="$clk_tck" \
      'BEGIN { printf "%s %.0f%%  ", n, 100 * d / hz / s }')
  done
  out+=$(awk -v d=$((busy_last - busy_first)) -v q=$((irq_last - irq_first)) -v o="$ours" -v s="$secs" \
    -v hz="$clk_tck" -v n="$ncpu" 'BEGIN { f = 100 / hz / s
      printf "(machine busy %.0f%% of %d%%, of which irq/softirq %.0f%%; not charged to the above %.0f%%; over %.1f s)",
             d * f, 100 * n, q * f, (d - o) * f, s }')
  echo "$out"
}

# wait_quiet: up to QUIET_WAIT s for the machine to be idle (under 25% of one
# CPU busy over a second), so that others' work does not skew a measurement.
wait_quiet() {
  local start=$SECONDS b0 pct
  while :; do
    machine_ticks
    b0=$BUSY
    sleep 1
    machine_ticks
    pct=$((100 * (BUSY - b0) / clk_tck))
    (( pct < 25 )) && return
    if (( SECONDS - start >= QUIET_WAIT )); then
      log "    warning: the machine is still ${pct}% busy without us after ${QUIET_WAIT} s; measuring anyway"
      return
    fi
  done
}

# free_port: a loopback port nothing listens on right now.
free_port() {
  local p i
  for ((i = 0; i < 100; i++)); do
    p=$((20000 + RANDOM % 40000))
    (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null || { echo "$p"; return; }
  done
  log "no free loopback port found"
  return 1
}

# nginx_202_start DIR WORKERS [PREFIX...]: nginx with worker_processes WORKERS
# answering every request `return 202` (it reads and discards the body) on
# 127.0.0.1 and a free port, run as PREFIX nginx … (e.g. taskset -c 0; the
# workers inherit it); config, logs and temp files under DIR. Sets nginx_pid,
# nginx_url and nginx_workers (their pids, comma-separated). The caller
# uses started, stop and die (bench_setup, below).
nginx_202_start() {
  local dir=$1 workers=$2 attempt port i user_line=""
  shift 2
  mkdir -p "$dir/body" "$dir/proxy" "$dir/fastcgi" "$dir/uwsgi" "$dir/scgi"
  # As root, workers would drop to nobody, who cannot enter a private temp dir.
  if (( EUID == 0 )); then user_line="user root;"; fi
  for ((attempt = 0; attempt < 5; attempt++)); do
    port=$(free_port)
    cat >"$dir/nginx.conf" <<NGINX
$user_line
worker_processes $workers;
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
NGINX
    "$@" nginx -p "$dir" -c "$dir/nginx.conf" -e "$dir/error.log" >"$dir/stdout.log" 2>&1 &
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

# --- a benchmark's scratch directory and the processes it starts -------------

# bench_setup NAME: makes $tmp (a scratch directory, kept with KEEP_TMP=1) and
# $stack inside it for a stack of the benchmark's own; sets an EXIT trap
# (bench_cleanup) that stops every pid in $started, takes the stack down when
# $stack_up is 1 and removes $tmp; and copies $tp there, so that every
# measurement uses one binary even if the build directory is rebuilt meanwhile.
# die and stop's messages name NAME. STOP_WAIT: seconds stop gives a process
# after TERM before KILL (default 10).
bench_setup() {
  bench_name=$1
  tmp=$(mktemp -d "${TMPDIR:-/tmp}/tracepipe-$1.XXXXXX")
  stack=$tmp/stack
  started=()  # pids of every process the benchmark started and has not stopped yet
  stack_up=0
  trap bench_cleanup EXIT
  trap 'exit 130' INT TERM
  cp "$tp" "$tmp/tracepipe"
  tp=$tmp/tracepipe
}

die() { log "${bench_name:-bench}: $*"; exit 1; }

# stop PID: TERM, up to STOP_WAIT s for it to exit, then KILL; only our own children.
stop() {
  local pid=$1 i
  kill -TERM "$pid" 2>/dev/null || true
  for ((i = 0; i < ${STOP_WAIT:-10} * 10; i++)); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
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

bench_cleanup() {
  local status=$? p
  trap - EXIT INT TERM
  for p in "${started[@]}"; do stop "$p"; done
  if (( stack_up )); then
    "$tp" stack down --dir "$stack" >/dev/null 2>&1 || log "$bench_name: stack down failed; see $stack/logs"
  fi
  if (( ${KEEP_TMP:-0} )); then log "$bench_name: kept $tmp"; else rm -rf "$tmp"; fi
  exit "$status"
}

# field NAME LINE: the value of NAME=value in a line of NAME=value pairs (wrk_result lines).
field() { sed -n "s/.*[ ]$1=\([^ ]*\).*/\1/p" <<<"$2"; }

# rcli ARGS: redis-cli against $redis_host:$redis_port.
rcli() { redis-cli -h "$redis_host" -p "$redis_port" "$@"; }

# redis_forks: how many times redis-server has forked (AOF rewrites here), which
# puts a third busy process on the machine.
redis_forks() { rcli INFO stats | tr -d '\r' | sed -n 's/^total_forks://p'; }
