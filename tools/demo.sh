#!/usr/bin/env bash
# The main job end to end on a local stack: start Redis + ClickHouse + S3,
# start ingest, send a few hundred SDK-shaped runs in every wire format,
# show them counted in Redis, stop everything.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
bash "$root/tools/build.sh"
tp="$root/build/tracepipe"
dir=$(mktemp -d /tmp/tracepipe-demo-XXXXXX)
ingest_pid=""
cleanup() {
  [ -n "$ingest_pid" ] && kill "$ingest_pid" 2>/dev/null && wait "$ingest_pid" 2>/dev/null
  "$tp" stack down --dir "$dir" 2>/dev/null || true
}
trap cleanup EXIT

echo "== stack up in $dir"
"$tp" stack up --dir "$dir" 2>/dev/null
"$tp" ingest --stack "$dir" --listen 127.0.0.1:0 --shards 2 >"$dir/ingest.out" 2>"$dir/logs/ingest.log" &
ingest_pid=$!
for _ in $(seq 100); do grep -q listening "$dir/ingest.out" 2>/dev/null && break; sleep 0.1; done
url=$(grep -o 'http://[0-9.:]*' "$dir/ingest.out")
echo "== ingest on $url"
curl -sf "$url/ready" >/dev/null || { echo "ingest is not ready"; exit 1; }

echo "== sending 300 runs (a post and a patch each) per wire format"
"$tp" send --target "$url" --runs 300 --format all

echo "== counted in Redis"
. "$dir/stack.env"
total=0
for shard in 0 1; do
  key="tracepipe:runs:{$shard}"
  n=$(redis-cli -u "$REDIS_URL" XLEN "$key")
  echo "  $key: $n entries"
  total=$((total + n))
done
posts=0; patches=0
for shard in 0 1; do
  kinds=$(redis-cli -u "$REDIS_URL" --no-raw XRANGE "tracepipe:runs:{$shard}" - + | grep -A1 '"kind"' | grep -cE '"post"$' || true)
  posts=$((posts + kinds))
done
patches=$((total - posts))
echo "  total $total = $posts posts + $patches patches (expected 1800 = 900 + 900)"
echo "== ingest metrics"
curl -s "$url/metrics" | grep -E '^tracepipe_(ingest_requests_total|ingest_runs_enqueued_total|queue_depth)'
[ "$total" -eq 1800 ] && [ "$posts" -eq 900 ]
echo "== stopping"
