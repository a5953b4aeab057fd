#!/usr/bin/env bash
# The main job end to end on a local stack: start Redis + ClickHouse + S3,
# run the whole write path (`tracepipe serve`: ingest + sink workers), send
# SDK-shaped runs in every wire format, wait until every one is in
# ClickHouse, print what landed where and the received → inserted lag, stop.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
bash "$root/tools/build.sh"
tp="$root/build/tracepipe"
dir=$(mktemp -d /tmp/tracepipe-demo-XXXXXX)
serve_pid=""
cleanup() {
  if [ -n "$serve_pid" ]; then kill "$serve_pid" 2>/dev/null; wait "$serve_pid" 2>/dev/null || true; fi
  "$tp" stack down --dir "$dir" 2>/dev/null || true
}
trap cleanup EXIT

echo "== stack up in $dir"
"$tp" stack up --dir "$dir" 2>/dev/null | sed 's/^/   /'
"$tp" serve --stack "$dir" --listen 127.0.0.1:0 --shards 2 --batch-age 500ms \
  >"$dir/serve.out" 2>"$dir/logs/serve.log" &
serve_pid=$!
for _ in $(seq 100); do grep -q listening "$dir/serve.out" 2>/dev/null && break; sleep 0.1; done
url=$(grep -o 'http://[0-9.:]*' "$dir/serve.out")
echo "== tracepipe serve (ingest + 2 sink pipelines) on $url"

runs=300
echo "== sending $runs runs (a post and a patch each) per wire format; every 10th has 30 KB inputs (→ S3)"
"$tp" send --target "$url" --runs "$runs" --format all --large-every 10 --large-bytes 30000
expected=$((3 * 2 * runs))

. "$dir/stack.env"
q() { curl -sf "$CLICKHOUSE_URL/" --data-binary "$1"; }
found=0
for _ in $(seq 300); do
  found=$(q "SELECT count() FROM (SELECT DISTINCT id, kind FROM tracepipe.runs)" 2>/dev/null || echo 0)
  [ "$found" -ge "$expected" ] && break
  sleep 0.1
done
echo "== in ClickHouse: $found of $expected run operations"
q "SELECT kind, count() AS rows, uniqExact(id) AS runs, countIf(inputs_s3 != '' OR outputs_s3 != '') AS with_blobs
   FROM tracepipe.runs FINAL GROUP BY kind ORDER BY kind FORMAT PrettyCompactNoEscapes"
q "SELECT count() AS runs, countIf(patched) AS patched, countIf(end_time_us > 0) AS ended,
   countIf(attachments != '[]') AS with_attachments FROM tracepipe.runs_merged FORMAT PrettyCompactNoEscapes"
echo "== Redis: entries left in the streams (acknowledged entries are deleted)"
for shard in 0 1; do echo "   tracepipe:runs:{$shard}: $(redis-cli -u "$REDIS_URL" XLEN "tracepipe:runs:{$shard}")"; done
echo "== lag, from ClickHouse"
"$tp" lag --stack "$dir" --since 10m | sed 's/^/   /'
echo "== worker metrics"
curl -s "$url/metrics" | grep -E '^tracepipe_sink_(rows_inserted_total|batches_inserted_total|blobs_put_total|dead_lettered_total)' | sed 's/^/   /'
[ "$found" -eq "$expected" ]
echo "== all $expected operations arrived; stopping"
