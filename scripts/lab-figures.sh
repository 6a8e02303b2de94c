#!/usr/bin/env bash
# Prints the lab's end-to-end figures. Needs the lab up; traffic goes to its loopback ports.
# Run it on an otherwise idle lab: phase 1 removes every event newer than its start.
#   1. Throughput: POST /events through the gateway at fixed concurrency for $DURATION s, with
#      p50/p99 request latency. The worker is paused meanwhile and the events this phase made
#      are removed afterwards (rows and jobs), so no backlog is left behind.
#   2. Time from POST to a final row (done/failed), p50/p95/p99, at a rate the worker keeps up
#      with ($RATE events/s for $RESOLVE_SECS s), measured from the rows' own timestamps.
set -euo pipefail
cd "$(dirname "$0")/.."
CONCURRENCY="${CONCURRENCY:-16}"
DURATION="${DURATION:-10}"
# lab-load sends rate × duration requests: a ceiling above what the lab serves, but bounded.
PEAK="${PEAK:-4000}"
RATE="${RATE:-4}"
RESOLVE_SECS="${RESOLVE_SECS:-30}"
PROJECT=driftdock
target_dir="${CARGO_TARGET_DIR:-$PWD/target}"
load="$target_dir/release/lab-load"

cargo build --release -q -p driftdock-lab --bin lab-load
container() {
  docker ps -q --filter "label=com.docker.compose.project=$PROJECT" \
    --filter "label=com.docker.compose.service=$1" | head -n1
}
pg=$(container postgres); redis=$(container redis); worker=$(container worker)
[ -n "$pg" ] && [ -n "$redis" ] && [ -n "$worker" ] || { echo "the lab is not up" >&2; exit 1; }
sql() {
  docker exec "$pg" sh -c 'PGPASSWORD="$POSTGRES_PASSWORD" psql -h 127.0.0.1 -U "$POSTGRES_USER" -d "$POSTGRES_DB" -tAq -c "$0"' "$1"
}
max_id() { sql "SELECT coalesce(max(id), 0) FROM events"; }

# Phase 2's events are ordinary finished rows: the exit clean-up keeps them.
before=$(max_id)
# Drops the jobs of events newer than $before from the queue (redis-cli --eval reads a file,
# so the script goes into the container through stdin first).
drop_new_jobs() {
  docker exec -i "$redis" sh -c 'cat > /tmp/drop.lua && redis-cli --eval /tmp/drop.lua jobs , "$0" && rm -f /tmp/drop.lua' "$before" <<'LUA'
local kept = {}
for _, v in ipairs(redis.call('LRANGE', KEYS[1], 0, -1)) do
  if tonumber(v) <= tonumber(ARGV[1]) then table.insert(kept, v) end
end
redis.call('DEL', KEYS[1])
for i = 1, #kept do redis.call('RPUSH', KEYS[1], kept[i]) end
return #kept
LUA
}
# However this ends: phase 1's jobs and rows go, everything older stays, the worker runs.
cleanup() {
  drop_new_jobs >/dev/null 2>&1 || true
  sql "DELETE FROM events WHERE id > $before" >/dev/null 2>&1 || true
  docker unpause "$worker" >/dev/null 2>&1 || true
}
trap cleanup EXIT

echo "== 1. POST /events through the gateway: concurrency $CONCURRENCY, ${DURATION}s (worker paused)"
docker pause "$worker" >/dev/null
"$load" --target http://127.0.0.1:8080 --rate "$PEAK" --concurrency "$CONCURRENCY" \
  --read-ratio 0 --duration "$DURATION"
made=$(sql "SELECT count(*) FROM events WHERE id > $before")
drop_new_jobs >/dev/null
sql "DELETE FROM events WHERE id > $before" >/dev/null
docker unpause "$worker" >/dev/null 2>&1 || true
echo "removed the $made events this phase made"

echo "== 2. POST to final row at ${RATE}/s for ${RESOLVE_SECS}s"
start_id=$(max_id)
"$load" --target http://127.0.0.1:8080 --rate "$RATE" --concurrency 4 --read-ratio 0 \
  --duration "$RESOLVE_SECS" >/dev/null
# Wait (bounded) for the worker to finish what this phase sent.
for _ in $(seq 1 60); do
  open=$(sql "SELECT count(*) FROM events WHERE id > $start_id AND status IN ('queued','processing')")
  [ "$open" = 0 ] && break
  sleep 1
done
sql "SELECT 'events ' || count(*) || ', final ' || count(*) FILTER (WHERE status IN ('done','failed'))
       || ', p50 ' || round(1000 * percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM updated_at - created_at))) || ' ms'
       || ', p95 ' || round(1000 * percentile_cont(0.95) WITHIN GROUP (ORDER BY extract(epoch FROM updated_at - created_at))) || ' ms'
       || ', p99 ' || round(1000 * percentile_cont(0.99) WITHIN GROUP (ORDER BY extract(epoch FROM updated_at - created_at))) || ' ms'
     FROM events WHERE id > $start_id AND status IN ('done','failed')"
# Phase 2's events are ordinary finished rows: the exit clean-up keeps them.
before=$(max_id)
