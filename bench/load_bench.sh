#!/usr/bin/env bash
# Generator efficiency of `tracepipe load`, in one run on this machine: the
# same POST /runs/batch bodies to nginx `location / { return 202; }` (it reads
# and discards the body), from
#   (a) wrk -t1 -cN, closed loop, as fast as nginx answers: requests/s;
#   (b) tracepipe load --connections N, open loop: the highest constant rate it
#       holds (see below), found by doubling from START_RATE runs/s, then
#       bisecting, then measured over DURATION s;
#   (c) tracepipe load --concurrency N, closed loop like (a): requests/s;
# each generator pinned to CPU GEN_CPU, nginx (one worker) to CPU SERVER_CPU.
# Prints (a), (c) and their ratio c / a (like for like: PASS at ≥ 0.9, though
# tracepipe load builds every body, fresh ids and all, where wrk replays
# canned ones), (b)'s requests/s at its highest held rate (achieved runs/s /
# batch size) with b / a for information only (an open loop held at a p99
# limit against a closed loop flat out), the rate error (achieved − target) /
# target there, and that achieved runs/s (PASS at ≥ 100000: the issue's "one
# core drives ≥ 100k runs/s at batch 100"). A benchmark, not a
# test: it prints figures.
#
# Bodies: a tiny capture server (python3) answers 202 to a short
# `tracepipe load` run with the same flags (LOAD_ARGS, --batch-size) and keeps
# its request bodies; wrk rotates through BODIES of them (requests 1..BODIES:
# request 0 of the post-patch pattern carries no patches). So wrk sends byte for
# byte what tracepipe load sends, but for the run ids, which tracepipe load
# stamps fresh per request (same length). By default that is the SDK pattern:
# each request posts 100 runs (~670 B each, --payload-bytes 200) and patches the
# previous request's 100 (~510 B each), ~118 KB per request.
#
# A rate is held when, over the measurement: achieved ≥ (1 − HOLD_ERROR %) ×
# target, every request sent was answered 202 (no errors, drops, rejections),
# and the corrected (coordinated-omission) p99 ≤ P99_LIMIT_MS: a generator that
# falls behind its schedule shows there first, as queueing delay that grows.
#
# Settings (environment):
#   DURATION=10        seconds of the wrk measurement and of the final tracepipe load one
#   STEP_DURATION=5    seconds of each search step
#   START_RATE=50000   runs/s of the first step; doubled while held, then bisected
#   MAX_STEPS=12       search steps at most; bisection stops within 4%
#   BATCH=100          --batch-size (runs per request)
#   CONNECTIONS=32     wrk -c and tracepipe load --connections
#   BODIES=16          distinct captured bodies wrk rotates through
#   LOAD_ARGS          more tracepipe load flags, for the capture and every step
#                      (e.g. "--pattern post --payload-bytes 700"); /runs/batch only
#   HOLD_ERROR=1 P99_LIMIT_MS=10   the "holds" rule above
#   GEN_CPU=1 SERVER_CPU=0   taskset CPUs of the generators and of nginx
#   BUILD=build        build directory holding tracepipe; TRACEPIPE overrides the binary
#   KEEP_TMP=0         1: keep the temporary directory (bodies, summaries, logs)
#   QUIET_WAIT=30      seconds to wait, before each measurement, for the machine to go idle
#                      (5 after a wait that timed out)
#   OTHERS_WAIT=900    seconds, over the whole run, to wait for another benchmark (e2e_bench,
#                      ingest_bench) to end before a measurement
#   OTHERS_LIMIT=25 TRIES=3   a measurement during which processes not ours took more
#                      than OTHERS_LIMIT % of a CPU is disturbed: wrk's is taken again
#                      (the best of TRIES counts), a search step that failed is tried
#                      again, up to TRIES times in all; the figures say so. A tracepipe
#                      load that does not exit DURATION + 20 s after it started is
#                      killed and tried again likewise
# --quick: DURATION=5 STEP_DURATION=3 MAX_STEPS=9 (about a minute).
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
QUIET_WAIT=${QUIET_WAIT:-30}  # before bench_lib.sh, which defaults it to 300
source "$root/bench/bench_lib.sh"
if [[ ${1:-} == --quick ]]; then
  DURATION=${DURATION:-5} STEP_DURATION=${STEP_DURATION:-3} MAX_STEPS=${MAX_STEPS:-9}
  shift
fi
(( $# == 0 )) || { log "usage: bench/load_bench.sh [--quick]  (settings in the environment, see the script)"; exit 2; }
build=${BUILD:-$root/build}
tp=${TRACEPIPE:-$build/tracepipe}
DURATION=${DURATION:-10}
STEP_DURATION=${STEP_DURATION:-5}
START_RATE=${START_RATE:-50000}
MAX_STEPS=${MAX_STEPS:-12}
BATCH=${BATCH:-100}
CONNECTIONS=${CONNECTIONS:-32}
BODIES=${BODIES:-16}
LOAD_ARGS=${LOAD_ARGS:-}
HOLD_ERROR=${HOLD_ERROR:-1}
P99_LIMIT_MS=${P99_LIMIT_MS:-10}
GEN_CPU=${GEN_CPU:-1}
SERVER_CPU=${SERVER_CPU:-0}
KEEP_TMP=${KEEP_TMP:-0}
OTHERS_WAIT=${OTHERS_WAIT:-900}
OTHERS_LIMIT=${OTHERS_LIMIT:-25}
TRIES=${TRIES:-3}
lua=$root/bench/load_bench.lua

[[ -x $tp ]] || { log "load_bench: $tp is missing; build first (bash tools/build.sh) or set BUILD / TRACEPIPE"; exit 2; }
for prog in wrk nginx curl python3 taskset; do
  command -v "$prog" >/dev/null || { log "load_bench: $prog is missing (bash tools/setup.sh installs it)"; exit 2; }
done
(( DURATION >= 3 && STEP_DURATION >= 2 )) || { log "load_bench: DURATION ≥ 3 and STEP_DURATION ≥ 2 s"; exit 2; }

bench_setup load_bench

loadavg() { cut -d' ' -f1-3 /proc/loadavg; }

# wait_turn: no other benchmark running (waiting OTHERS_WAIT s at most over
# the whole run, not per measurement), then wait_quiet.
others_waited=0
wait_turn() {
  local said=0
  while (( others_waited < OTHERS_WAIT )) && pgrep -f 'e2e_bench\.sh|ingest_bench\.sh' >/dev/null; do
    (( said )) || { log "    waiting for another benchmark to end: $(pgrep -af 'e2e_bench\.sh|ingest_bench\.sh' | head -n1)"; said=1; }
    sleep 2
    others_waited=$((others_waited + 2))
    (( others_waited < OTHERS_WAIT )) || log "    warning: another benchmark still runs; ${OTHERS_WAIT} s of waiting used up, measuring anyway"
  done
  local t0=$SECONDS
  wait_quiet
  # A machine that stayed busy through one whole wait will likely stay so: wait less from now on.
  if (( SECONDS - t0 >= QUIET_WAIT && QUIET_WAIT > 5 )); then QUIET_WAIT=5; fi
}

# others CPU_LINE: % of a CPU that processes not ours took during a cpu_window
# (not charged to ours, less interrupt time, which loopback TCP causes).
others() {
  local nc irq
  nc=$(sed -n 's/.*not charged to the above \([0-9]*\)%.*/\1/p' <<<"$1")
  irq=$(sed -n 's/.*irq\/softirq \([0-9]*\)%.*/\1/p' <<<"$1")
  echo $(( ${nc:-0} - ${irq:-0} > 0 ? ${nc:-0} - ${irq:-0} : 0 ))
}

# --- the bodies ------------------------------------------------------------------

# capture_bodies: tracepipe load, 1 s at 20 requests/s over one connection, to
# a python3 server that keeps every body; bodies 1..BODIES go to $tmp/bodies.
capture_bodies() {
  local dir=$tmp/capture i port="" cap_pid n
  mkdir -p "$dir" "$tmp/bodies"
  cat >"$dir/capture.py" <<'PY'
import http.server, os, sys
out, n = sys.argv[1], [0]
class H(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    def log_message(self, *a): pass
    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        with open(os.path.join(out, "body_%d" % n[0]), "wb") as f: f.write(body)
        with open(os.path.join(out, "requests.tsv"), "a") as f:
            f.write("%d\t%s\t%s\t%s\t%d\n" % (n[0], self.command, self.path, self.headers.get("Content-Type"), len(body)))
        n[0] += 1
        self.send_response(202); self.send_header("Content-Length", "0"); self.end_headers()
    do_PATCH = do_POST
s = http.server.ThreadingHTTPServer(("127.0.0.1", 0), H)
print(s.server_address[1], flush=True)
s.serve_forever()
PY
  python3 "$dir/capture.py" "$dir" >"$dir/port" 2>"$dir/stderr" &
  cap_pid=$!
  started+=("$cap_pid")
  for ((i = 0; i < 100; i++)); do
    port=$(cat "$dir/port")
    [[ -n $port ]] && break
    kill -0 "$cap_pid" 2>/dev/null || die "the capture server exited: $(cat "$dir/stderr")"
    sleep 0.1
  done
  [[ -n $port ]] || die "the capture server did not start"
  # shellcheck disable=SC2086  # LOAD_ARGS is a list of flags
  "$tp" load --target "http://127.0.0.1:$port" --rate $((BATCH * 20)) --duration 1s --batch-size "$BATCH" \
    --connections 1 --quiet $LOAD_ARGS >"$dir/load.out" 2>&1 || die "tracepipe load (capture) failed: $(cat "$dir/load.out")"
  stop "$cap_pid"
  n=$(wc -l <"$dir/requests.tsv")
  (( n > BODIES )) || die "captured $n requests, need $((BODIES + 1))"
  awk -F'\t' '$2 != "POST" || $3 != "/runs/batch" || $4 != "application/json" { exit 1 }' "$dir/requests.tsv" ||
    die "tracepipe load sent other than POST /runs/batch application/json: $(sort -u -k2,4 "$dir/requests.tsv" | head -n3)"
  bodies=()
  for ((i = 1; i <= BODIES; i++)); do
    cp "$dir/body_$i" "$tmp/bodies/batch_$i.json"
    bodies+=("$tmp/bodies/batch_$i.json")
  done
  body_bytes=$(awk -F'\t' -v b="$BODIES" '$1 >= 1 && $1 <= b { s += $5 } END { printf "%.0f", s / b }' "$dir/requests.tsv")
  body_shape=$(python3 - "$tmp/bodies/batch_1.json" <<'PY'
import json, sys
b = json.load(open(sys.argv[1]))
def mean(xs): return sum(len(json.dumps(x, separators=(",", ":"))) for x in xs) / max(1, len(xs))
print("%d posts of ~%.0f B, %d patches of ~%.0f B" % (len(b.get("post", [])), mean(b.get("post", [])),
                                                     len(b.get("patch", [])), mean(b.get("patch", []))))
PY
)
}

# --- (a) wrk -----------------------------------------------------------------------

# measure_wrk: sets wrk_rps (the best of up to TRIES tries while disturbed), wrk_p99, wrk_load, wrk_note.
measure_wrk() {
  local out=$tmp/wrk.out wpid cpu line dur other try rps load oth
  wrk_rps=0 wrk_note=""
  for ((try = 1; try <= TRIES; try++)); do
    wait_turn
    load=$(loadavg)
    log "  (a) taskset -c $GEN_CPU wrk -t1 -c$CONNECTIONS -d${DURATION}s   (load average $load)"
    taskset -c "$GEN_CPU" wrk -t1 -c"$CONNECTIONS" -d"${DURATION}s" --timeout 10s -s "$lua" "$nginx_url" -- /runs/batch \
      "${bodies[@]}" >"$out" 2>&1 &
    wpid=$!
    started+=("$wpid")
    cpu=$(cpu_window "$wpid" "wrk=$wpid" "nginx=$nginx_pid,$nginx_workers")
    wait "$wpid" || die "wrk failed: $(cat "$out")"
    forget "$wpid"
    line=$(grep '^wrk_result ' "$out") || die "wrk printed no result: $(cat "$out")"
    log "    ${line#wrk_result }"
    log "    cpu: $cpu"
    other=$(($(field errors "$line") + $(field non2xx "$line")))
    (( other == 0 )) || log "    note: $other requests failed or were not answered 2xx"
    dur=$(field duration_us "$line")
    rps=$(awk -v n="$(field requests "$line")" -v o="$other" -v d="$dur" 'BEGIN { printf "%.0f", (n - o) / (d / 1e6) }')
    oth=$(others "$cpu")
    log "    (a) = $rps requests/s ($((rps * BATCH)) runs/s), p99 $(field p99_us "$line") µs$( ((oth > OTHERS_LIMIT)) && echo " [disturbed: others took $oth% of a CPU]")"
    if (( rps > wrk_rps )); then
      wrk_rps=$rps wrk_load=$load
      wrk_p99=$(awk -v u="$(field p99_us "$line")" 'BEGIN { printf "%.2f", u / 1000 }')
      wrk_note=$( ((oth > OTHERS_LIMIT)) && echo " [disturbed: others took $oth% of a CPU]" || true)
    fi
    (( oth > OTHERS_LIMIT )) || break
  done
}

# --- (b) tracepipe load ------------------------------------------------------------

# measure_load RATE SECONDS: one tracepipe load run, again (up to TRIES in all)
# while it did not hold and others disturbed it; sets held (0/1), why, m_note
# and m_* figures from its summary.json.
measure_load() {
  local try
  for ((try = 1; try <= TRIES; try++)); do
    measure_load_once "$1" "$2" "$try"
    if (( held || (m_others <= OTHERS_LIMIT && !m_hung) )); then break; fi
  done
  return 0
}

measure_load_once() {
  local rate=$1 secs=$2 out=$tmp/load_${1}_${2}s_$3 lpid cpu status=0 figures dog limit
  # tracepipe load drains for up to 10 s after its schedule; one that has not
  # exited well after that is hung: the watchdog kills it.
  limit=$((secs + 20))
  m_hung=0
  wait_turn
  m_load=$(loadavg)
  # shellcheck disable=SC2086  # LOAD_ARGS is a list of flags
  taskset -c "$GEN_CPU" "$tp" load --target "$nginx_url" --rate "$rate" --duration "${secs}s" --batch-size "$BATCH" \
    --connections "$CONNECTIONS" --quiet --out "$out" $LOAD_ARGS >"$out.log" 2>&1 &
  lpid=$!
  started+=("$lpid")
  (
    trap 'kill "$nap" 2>/dev/null; exit 0' TERM
    sleep "$limit" &
    nap=$!
    wait "$nap"
    kill -KILL "$lpid" 2>/dev/null && echo hung >"$out.hung"
  ) &
  dog=$!
  started+=("$dog")
  cpu=$(cpu_window "$lpid" "tracepipe=$lpid" "nginx=$nginx_pid,$nginx_workers")
  wait "$lpid" || status=$?
  forget "$lpid"
  stop "$dog"
  if [[ -e $out.hung ]]; then
    m_hung=1 held=0 m_others=0 m_note=" [tracepipe load hung]"
    m_target=$rate m_achieved=0 m_error=-1 m_rps=0 m_sent=0 m_p99=0 m_p99u=0 m_max=0 m_load=${m_load:-}
    why="tracepipe load did not exit ${limit} s after it started (killed; see the report: a timer that keeps re-arming)"
    log "    rate $rate runs/s (${secs}s): $why"
    return
  fi
  [[ -s $out/summary.json ]] || die "tracepipe load --rate $rate wrote no summary.json (exit $status): $(cat "$out.log")"
  figures=$(python3 - "$out/summary.json" "$HOLD_ERROR" "$P99_LIMIT_MS" <<'PY'
import json, sys
s = json.load(open(sys.argv[1]))
hold_error, p99_limit = float(sys.argv[2]), float(sys.argv[3])
t, a = s["target_rate"], s["achieved_rate"]
c, u = s["http_latency_ms"]["corrected"], s["http_latency_ms"]["uncorrected"]
rejected = sum(s["rejected"].values())
why = []
if a < (1 - hold_error / 100) * t: why.append("achieved %.2f%% of target" % (100 * a / t))
if s["errors"] or s["dropped"] or rejected or s["accepted"] != s["sent"]:
    why.append("sent %d accepted %d rejected %d errors %d dropped %d" % (s["sent"], s["accepted"], rejected,
                                                                        s["errors"], s["dropped"]))
if c["p99"] > p99_limit: why.append("corrected p99 %.2f ms > %g ms" % (c["p99"], p99_limit))
print(t, a, (a - t) / t, a / s["runs_per_request"], s["sent"], c["p99"], u["p99"], c["max"], 0 if why else 1,
      "; ".join(why) or "-")
PY
) || die "cannot read $out/summary.json"
  read -r m_target m_achieved m_error m_rps m_sent m_p99 m_p99u m_max held why <<<"$figures"
  log "$(printf '    rate %8d runs/s (%ds): achieved %.0f (%+.3f%%) = %.0f requests/s, corrected p99 %.2f ms (max %.2f), uncorrected p99 %.2f ms → %s' \
    "$rate" "$secs" "$m_achieved" "$(awk -v e="$m_error" 'BEGIN { print e * 100 }')" "$m_rps" "$m_p99" "$m_max" "$m_p99u" \
    "$( ((held)) && echo holds || echo "does not hold: $why")")"
  m_others=$(others "$cpu")
  m_note=$( ((m_others > OTHERS_LIMIT)) && echo " [disturbed: others took $m_others% of a CPU]" || true)
  log "      cpu: $cpu   (load average before $m_load)$m_note"
}

# search: the highest rate held over STEP_DURATION s (a multiple of 1000 runs/s); sets lo.
search() {
  local rate=$START_RATE steps=0 hi=0 mid
  lo=0
  log "  (b) taskset -c $GEN_CPU tracepipe load --batch-size $BATCH --connections $CONNECTIONS${LOAD_ARGS:+ $LOAD_ARGS}: search, ${STEP_DURATION} s per step"
  while (( steps < MAX_STEPS )); do
    measure_load "$rate" "$STEP_DURATION"
    steps=$((steps + 1))
    if (( held )); then lo=$rate; else hi=$rate; fi
    if (( hi == 0 )); then rate=$((rate * 2)); continue; fi
    if (( lo == 0 )); then
      rate=$(( (rate / 2 + 999) / 1000 * 1000 ))
      (( rate >= 1000 && rate < hi )) || break
      continue
    fi
    (( hi * 100 <= lo * 104 )) && break
    mid=$(( (lo + hi) / 2 / 1000 * 1000 ))
    (( mid > lo && mid < hi )) || break
    rate=$mid
  done
  (( lo > 0 )) || die "tracepipe load held no rate tried (down to $rate runs/s)"
}

# --- (c) tracepipe load, closed loop ------------------------------------------------

# measure_closed: tracepipe load --concurrency CONNECTIONS for DURATION s, the
# same closed loop as wrk's (a); sets c_rps (the best of up to TRIES tries while
# disturbed), c_p99, c_note.
measure_closed() {
  local out try lpid cpu oth figures
  c_rps=0 c_note=""
  for ((try = 1; try <= TRIES; try++)); do
    out=$tmp/closed_$try
    wait_turn
    log "  (c) taskset -c $GEN_CPU tracepipe load --concurrency $CONNECTIONS --duration ${DURATION}s   (load average $(loadavg))"
    # shellcheck disable=SC2086  # LOAD_ARGS is a list of flags
    taskset -c "$GEN_CPU" "$tp" load --target "$nginx_url" --concurrency "$CONNECTIONS" --duration "${DURATION}s" \
      --batch-size "$BATCH" --quiet --out "$out" $LOAD_ARGS >"$out.log" 2>&1 &
    lpid=$!
    started+=("$lpid")
    cpu=$(cpu_window "$lpid" "tracepipe=$lpid" "nginx=$nginx_pid,$nginx_workers")
    wait "$lpid" || die "tracepipe load --concurrency failed: $(cat "$out.log")"
    forget "$lpid"
    figures=$(python3 - "$out/summary.json" <<'PY'
import json, sys
s = json.load(open(sys.argv[1]))
bad = s["errors"] + s["dropped"] + sum(s["rejected"].values())
print("%.0f %.2f %d" % (s["achieved_rate"] / s["runs_per_request"], s["http_latency_ms"]["uncorrected"]["p99"], bad))
PY
) || die "cannot read $out/summary.json"
    read -r rps p99 bad <<<"$figures"
    (( bad == 0 )) || log "    note: $bad requests failed or were not answered 202"
    oth=$(others "$cpu")
    log "    (c) = $rps requests/s, p99 $p99 ms; cpu: $cpu$( ((oth > OTHERS_LIMIT)) && echo " [disturbed: others took $oth% of a CPU]")"
    if (( rps > c_rps )); then
      c_rps=$rps c_p99=$p99
      c_note=$( ((oth > OTHERS_LIMIT)) && echo " [disturbed: others took $oth% of a CPU]" || true)
    fi
    (( oth > OTHERS_LIMIT )) || break
  done
}

# --- main --------------------------------------------------------------------------

log "load_bench: $ncpu CPUs, generators on CPU $GEN_CPU, nginx on CPU $SERVER_CPU (load average now $(loadavg))"
capture_bodies
log "  bodies: $BODIES captured from tracepipe load --batch-size $BATCH${LOAD_ARGS:+ $LOAD_ARGS}, ~$body_bytes B each ($body_shape)"
nginx_202_start "$tmp/nginx" 1 taskset -c "$SERVER_CPU"
log "  nginx: $nginx_url (master $nginx_pid, worker $nginx_workers), location / { return 202; }"

measure_wrk
measure_closed
search
log "  (b) final: the highest rate held over ${STEP_DURATION} s, over ${DURATION} s (stepped down 5% at most twice if not held)"
final=$lo
for ((try = 0; try < 3; try++)); do
  measure_load "$final" "$DURATION"
  (( held )) && break
  (( try < 2 )) && final=$((final * 95 / 100 / 1000 * 1000))
done
(( held )) || log "    note: not held over ${DURATION} s even at $final runs/s; its figures are printed anyway"

ratio=$(awk -v a="$c_rps" -v b="$wrk_rps" 'BEGIN { printf "%.3f", a / b }')
open_ratio=$(awk -v a="$m_rps" -v b="$wrk_rps" 'BEGIN { printf "%.3f", a / b }')
cat <<EOF
load_bench: POST /runs/batch to nginx return 202, batch $BATCH, ~$body_bytes B bodies ($body_shape), $CONNECTIONS connections, generator on CPU $GEN_CPU, nginx (1 worker) on CPU $SERVER_CPU
  (a) wrk -t1 -c$CONNECTIONS                 $wrk_rps requests/s   (${DURATION} s, p99 $wrk_p99 ms; load average before $wrk_load)$wrk_note
  (c) tracepipe load --concurrency $CONNECTIONS  $c_rps requests/s   (${DURATION} s closed loop like wrk's, p99 $c_p99 ms)$c_note
  c / a  (same closed loop)      $ratio   target ≥ 0.9: $(awk -v r="$ratio" 'BEGIN { print (r >= 0.9 ? "PASS" : "FAIL") }')
  (b) tracepipe load open loop    $(printf '%.0f' "$m_rps") requests/s   at its highest held rate $final runs/s$( ((held)) || echo " (NOT held)") (${DURATION} s; corrected p99 $m_p99 ms, uncorrected p99 $m_p99u ms; load average before $m_load)$m_note
  b / a  (open loop held at p99 ≤ ${P99_LIMIT_MS} ms vs closed loop flat out)   $open_ratio   (for information: an open loop at a closed loop's saturation queues without bound)
  rate error at $final runs/s    $(awk -v e="$m_error" 'BEGIN { printf "%+.3f%%", e * 100 }')   (achieved $(printf '%.0f' "$m_achieved") runs/s)
  runs/s on one core              $(printf '%.0f' "$m_achieved")   target ≥ 100000: $(awk -v a="$m_achieved" -v h="$held" 'BEGIN { print (a >= 100000 && h ? "PASS" : "FAIL") }')
  holds: achieved ≥ $((100 - HOLD_ERROR))% of target, all 202, corrected p99 ≤ $P99_LIMIT_MS ms
EOF
