#!/usr/bin/env bash
# Slowloris (issue #5), in one run on this machine: normal clients' corrected
# p99 with and without SLOW slowloris connections held against the same
# `tracepipe serve` (ingest + sink workers) on the local stack:
#   (a) baseline: tracepipe load --rate RATE --batch-size BATCH --duration DURATION;
#   (b) the same load while bench/slowloris.py holds SLOW connections, each
#       trickling a byte every INTERVAL s and never finishing its request (half
#       the request line and headers, half complete headers with
#       Content-Length: 1000 and then the body), reopening every connection the
#       server closes at once, so the pool stays full all along;
# then b / a of the corrected (coordinated-omission) p99, PASS at ≤ 2.0. Both
# loads must be answered 202 throughout (any error, drop or rejection is
# printed and fails the verdict), the server must have closed the slow
# connections on its deadline (READ_TIMEOUT, shortened so that it fires
# several times within DURATION): each no sooner than READ_TIMEOUT after its
# connect started and within 1 s after that (lifetimes printed), none answered.
# A benchmark, not a test: it prints figures. (The bodies declare 1000 bytes:
# ingest reserves a body's declared length against ingest.inflight_high_watermark
# while it arrives, so ~21 slow bodies declaring up to body_limit would hold the
# whole watermark and every other request would get 429 — a different attack.)
#
# Settings (environment):
#   RATE=5000 BATCH=100 DURATION=20   tracepipe load: runs/s, runs per request, seconds
#   CONNECTIONS=32     tracepipe load --connections
#   SLOW=1000 INTERVAL=0.2            slowloris connections and seconds between their bytes
#   READ_TIMEOUT=5s    serve's --read-timeout (the slow connections' deadline)
#   THREADS=1          serve's --threads
#   SERVE_ARGS         more flags for tracepipe serve
#   ROUNDS=3           (a), (b) pairs measured, interleaved; the figures are the medians
#                      over the pairs not disturbed (below), or over all if every one was
#                      (a p99 of 1000 requests is the 10th slowest: one pair is noisy)
#   OTHERS_LIMIT=25 TRIES=3   a pair during either of whose measurements processes not ours
#                      took more than OTHERS_LIMIT % of a CPU is disturbed and measured
#                      again, up to TRIES times in all (the last try counts; the figures say so)
#   BUILD=build        build directory holding tracepipe; TRACEPIPE overrides the binary
#   KEEP_TMP=0         1: keep the temporary directory (summaries, logs)
#   QUIET_WAIT=60      seconds to wait, before each measurement, for the machine to go idle
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"  # the stack finds s3rver under .deps/ from here, whatever BUILD is
QUIET_WAIT=${QUIET_WAIT:-60}  # before bench_lib.sh, which defaults it to 300
source "$root/bench/bench_lib.sh"
(( $# == 0 )) || { log "usage: bench/slowloris_bench.sh  (settings in the environment, see the script)"; exit 2; }
build=${BUILD:-$root/build}
tp=${TRACEPIPE:-$build/tracepipe}
RATE=${RATE:-5000}
BATCH=${BATCH:-100}
DURATION=${DURATION:-20}
CONNECTIONS=${CONNECTIONS:-32}
SLOW=${SLOW:-1000}
INTERVAL=${INTERVAL:-0.2}
READ_TIMEOUT=${READ_TIMEOUT:-5s}
THREADS=${THREADS:-1}
SERVE_ARGS=${SERVE_ARGS:-}
ROUNDS=${ROUNDS:-3}
OTHERS_LIMIT=${OTHERS_LIMIT:-25}
TRIES=${TRIES:-3}
KEEP_TMP=${KEEP_TMP:-0}
helper=$root/bench/slowloris.py

[[ -x $tp ]] || { log "slowloris_bench: $tp is missing; build first (bash tools/build.sh) or set BUILD / TRACEPIPE"; exit 2; }
for prog in python3 curl redis-cli; do
  command -v "$prog" >/dev/null || { log "slowloris_bench: $prog is missing (bash tools/setup.sh installs it)"; exit 2; }
done
(( DURATION >= 5 )) || { log "slowloris_bench: DURATION must be at least 5 s"; exit 2; }

# The slow connections' two ends are file descriptors of serve and of the helper.
hard=$(ulimit -Hn)
if [[ $hard == unlimited ]] || (( hard >= 4 * SLOW + 1024 )); then
  (( $(ulimit -Sn) >= 4 * SLOW + 1024 )) || ulimit -Sn $((4 * SLOW + 1024))
else
  log "slowloris_bench: the hard limit on open files ($hard) is too low for SLOW=$SLOW"; exit 2
fi

STOP_WAIT=30  # serve finishes what it holds
bench_setup slowloris_bench

# start_serve: sets serve_pid and serve_url.
start_serve() {
  local logf=$tmp/serve.log i
  # shellcheck disable=SC2086  # SERVE_ARGS is a list of flags
  "$tp" serve --stack "$stack" --listen 127.0.0.1:0 --threads "$THREADS" --read-timeout "$READ_TIMEOUT" \
    $SERVE_ARGS >"$logf" 2>&1 &
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
    [[ $(curl -s -o /dev/null -w '%{http_code}' "$serve_url/ready") == 200 ]] && return
    kill -0 "$serve_pid" 2>/dev/null || die "serve exited: $(cat "$logf")"
    sleep 0.1
  done
  die "serve at $serve_url never became ready: $(cat "$logf")"
}

# connections_gauge: tracepipe_ingest_connections from serve's /metrics (counting the asking one).
connections_gauge() { curl -s "$serve_url/metrics" | sed -n 's/^tracepipe_ingest_connections \([0-9]*\).*/\1/p'; }

# slow_start: the helper with SLOW connections, once all are open; sets slow_pid.
slow_start() {
  local out=$tmp/slowloris_$1 i
  python3 "$helper" --target "${serve_url#http://}" --connections "$SLOW" --interval "$INTERVAL" \
    >"$out.out" 2>"$out.err" &
  slow_pid=$!
  started+=("$slow_pid")
  for ((i = 0; i < 300; i++)); do
    grep -q '^ready ' "$out.out" && return
    kill -0 "$slow_pid" 2>/dev/null || die "the slowloris helper exited: $(cat "$out.err")"
    sleep 0.1
  done
  die "the slowloris helper did not open $SLOW connections in 30 s: $(cat "$out.err")"
}

# measure LABEL: one tracepipe load run (the caller waited for a quiet machine); sets p99
# (corrected, ms), p99u, p50, pmax, sent, ok (0/1), why, cpu.
measure() {
  local label=$1 out=$tmp/load_$1 lpid status=0 figures
  "$tp" load --target "$serve_url" --rate "$RATE" --duration "${DURATION}s" --batch-size "$BATCH" \
    --connections "$CONNECTIONS" --quiet --out "$out" >"$out.log" 2>&1 &
  lpid=$!
  started+=("$lpid")
  cpu=$(cpu_window "$lpid" "serve=$serve_pid" "load=$lpid" "redis-server=$redis_pid" \
    "clickhouse=$clickhouse_pid" ${slow_pid:+"slowloris=$slow_pid"} $bystanders)
  wait "$lpid" || status=$?
  forget "$lpid"
  [[ -s $out/summary.json ]] || die "tracepipe load ($label) wrote no summary.json (exit $status): $(cat "$out.log")"
  figures=$(python3 - "$out/summary.json" <<'PY'
import json, sys
s = json.load(open(sys.argv[1]))
c, u = s["http_latency_ms"]["corrected"], s["http_latency_ms"]["uncorrected"]
rejected = sum(s["rejected"].values())
why = []
if s["errors"] or s["dropped"] or rejected or s["accepted"] != s["sent"]:
    why.append("sent %d accepted %d rejected %d errors %d dropped %d" % (s["sent"], s["accepted"], rejected,
                                                                        s["errors"], s["dropped"]))
if s["achieved_rate"] < 0.99 * s["target_rate"]:
    why.append("achieved %.2f%% of the target rate" % (100 * s["achieved_rate"] / s["target_rate"]))
print("%.3f %.3f %.3f %.3f %d %d %s" % (c["p99"], u["p99"], c["p50"], c["max"], s["sent"], 0 if why else 1,
                                        "; ".join(why) or "-"))
PY
) || die "cannot read $out/summary.json"
  read -r p99 p99u p50 pmax sent ok why <<<"$figures"
  log "$(printf '    %-9s corrected p50 %.2f ms, p99 %.2f ms, max %.2f ms; uncorrected p99 %.2f ms; %d requests%s' \
    "$label" "$p50" "$p99" "$pmax" "$p99u" "$sent" "$( ((ok)) || echo "; NOT all answered 202: $why")")"
  log "      cpu: $cpu"
}

# slow_report LABEL: stops the helper and prints what it saw; sets slow_ok (0/1) and slow_line.
slow_report() {
  local out=$tmp/slowloris_$1
  kill -TERM "$slow_pid" 2>/dev/null || true
  wait "$slow_pid" 2>/dev/null || true
  forget "$slow_pid"
  slow_pid=""
  slow_line=$(python3 - "$out.out" "$READ_TIMEOUT" <<'PY'
import json, re, sys
lines = [l for l in open(sys.argv[1]) if l.startswith("{")]
if not lines:
    print("0 the helper printed no summary"); sys.exit()
s = json.loads(lines[-1])
m = re.fullmatch(r"(\d+(?:\.\d+)?)(ms|s|m)", sys.argv[2])
limit = float(m.group(1)) * {"ms": 0.001, "s": 1, "m": 60}[m.group(2)]
bad = []
parts = []
for kind, c in s["closed_by_server"].items():
    if not c:
        bad.append("no %s connection was closed by the server" % kind); continue
    parts.append("%s: %d closed after %.2f / %.2f / %.2f s" % (kind, c["n"], c["min_s"], c["median_s"], c["max_s"]))
    # The deadline counts from the accept, which follows the connect's start: never sooner, and soon after.
    if c["max_s"] > limit + 1.0 or c["min_s"] < limit - 0.001:
        bad.append("%s lifetimes outside [%g, %g] s" % (kind, limit, limit + 1.0))
if s["answered_bytes"]:
    bad.append("the server answered %d bytes to slow connections, e.g. %r" % (s["answered_bytes"], s["answers"][:1]))
if s["connect_failed"]:
    bad.append("%d connects failed" % s["connect_failed"])
print("%d %s (min / median / max); ends %s; %d opened, %d open at the end%s" % (
    0 if bad else 1, "; ".join(parts), s["ends"], s["opened"], s["open_at_end"],
    "; PROBLEM: " + "; ".join(bad) if bad else ""))
PY
)
  slow_ok=${slow_line%% *}
  slow_line=${slow_line#* }
  log "      slowloris: $slow_line"
}

# others CPU_LINE: % of a CPU that processes not ours took during a cpu_window
# (not charged to ours, less interrupt time, which loopback TCP causes).
others() {
  local nc irq
  nc=$(sed -n 's/.*not charged to the above \(-\?[0-9]*\)%.*/\1/p' <<<"$1")
  irq=$(sed -n 's/.*irq\/softirq \([0-9]*\)%.*/\1/p' <<<"$1")
  echo $(( ${nc:-0} - ${irq:-0} > 0 ? ${nc:-0} - ${irq:-0} : 0 ))
}

# median of the arguments
median() { printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 } END { print (NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2) }'; }

# --- main ----------------------------------------------------------------------

log "slowloris_bench: tracepipe load --rate $RATE --batch-size $BATCH --duration ${DURATION}s --connections $CONNECTIONS" \
  "against serve --threads $THREADS --read-timeout $READ_TIMEOUT; $SLOW slow connections, a byte every ${INTERVAL} s;" \
  "$ncpu CPUs (load average now $(cut -d' ' -f1-3 /proc/loadavg))"
"$tp" stack up --dir "$stack" >"$tmp/stack_up.log" 2>&1 || { cat "$tmp/stack_up.log" >&2; die "stack up failed"; }
stack_up=1
redis_url=$(sed -n 's/^REDIS_URL=//p' "$stack/stack.env")
hostport=${redis_url#redis://}
hostport=${hostport##*@}
hostport=${hostport%%/*}
redis_pid=$(redis-cli -h "${hostport%:*}" -p "${hostport##*:}" INFO server | tr -d '\r' | sed -n 's/^process_id://p')
clickhouse_pid=$(cut -d' ' -f1 "$stack/pids/clickhouse.pid")
# Not measured, but on the machine: s3rver of the stack (idle) and the kernel's
# softirq threads (loopback TCP), so that "not charged" is others' load only.
bystanders="s3rver=$(cut -d' ' -f1 "$stack/pids/s3.pid")"
bystanders+=" ksoftirqd=$(pgrep -d, '^ksoftirqd/' || true)"
slow_pid=""
start_serve
log "  serve: $serve_url (pid $serve_pid); stack $redis_url"

base=() under=() clean_base=() clean_under=() each_base=() each_under=()
all_ok=1 slow_all_ok=1 gauge_lines=() pairs_disturbed=0
for ((round = 1; round <= ROUNDS; round++)); do
  for ((try = 1; try <= TRIES; try++)); do
    log "  round $round of $ROUNDS$( ((try > 1)) && echo ", try $try of $TRIES")"
    log "  (a) baseline"
    wait_quiet
    measure "baseline"
    pa=$p99 oka=$ok oa=$(others "$cpu")
    log "  (b) with $SLOW slowloris connections"
    wait_quiet
    slow_start "$round.$try"
    gauge=$(connections_gauge)
    log "      connections gauge with the slow ones open: $gauge"
    measure "slowloris"
    pb=$p99 okb=$ok ob=$(others "$cpu")
    slow_report "$round.$try"
    disturbed=$(( oa > OTHERS_LIMIT || ob > OTHERS_LIMIT ))
    if (( disturbed )); then
      log "    disturbed: processes not ours took $oa% / $ob% of a CPU during (a) / (b) (limit $OTHERS_LIMIT%)"
      (( try < TRIES )) && continue
      pairs_disturbed=$((pairs_disturbed + 1))
    fi
    break
  done
  base+=("$pa") under+=("$pb") gauge_lines+=("$gauge")
  if (( disturbed )); then
    each_base+=("$pa*") each_under+=("$pb*")
  else
    clean_base+=("$pa") clean_under+=("$pb") each_base+=("$pa") each_under+=("$pb")
  fi
  (( oka && okb )) || all_ok=0
  (( slow_ok )) || slow_all_ok=0
done
sleep 1
gauge_after=$(connections_gauge)

# The medians over the undisturbed pairs, if any.
if (( ${#clean_base[@]} )); then base=("${clean_base[@]}") under=("${clean_under[@]}"); fi
a=$(median "${base[@]}")
b=$(median "${under[@]}")
over="median of ${#base[@]} pair(s)"
if (( pairs_disturbed )); then
  over+="; * disturbed by others' load in every try, $( ((${#clean_base[@]})) && echo "left out" || echo "all were")"
fi
ratio=$(awk -v a="$a" -v b="$b" 'BEGIN { printf "%.2f", b / a }')
verdict=$(awk -v r="$ratio" -v ok="$all_ok" -v s="$slow_all_ok" 'BEGIN { print (r <= 2.0 && ok && s ? "PASS" : "FAIL") }')
cat <<EOF
slowloris_bench: tracepipe load --rate $RATE runs/s (batch $BATCH, $((RATE / BATCH)) requests/s, ${DURATION} s, $CONNECTIONS connections) → serve --threads $THREADS --read-timeout $READ_TIMEOUT, $ncpu CPUs; $over
  (a) baseline corrected p99          $a ms   (each: ${each_base[*]})
  (b) with $SLOW slowloris conns     $b ms   (each: ${each_under[*]})   (connections gauge: ${gauge_lines[*]}; after: $gauge_after)
  slow connections (last pair)        $slow_line
  b / a                               $ratio   target ≤ 2.0: $verdict$( ((all_ok)) || echo "  (not every normal request was answered 202)")$( ((slow_all_ok)) || echo "  (the slow connections were not closed as due)")
EOF
