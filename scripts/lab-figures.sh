#!/usr/bin/env bash
# Prints the lab's end-to-end figures: events/s through the gateway at fixed concurrency,
# request latency p50/p99, and time from POST to a final row (p50/p95/p99 from the worker's
# resolution histogram). Needs the lab up. Traffic goes to the lab's loopback ports only.
set -euo pipefail
cd "$(dirname "$0")/.."
CONCURRENCY="${CONCURRENCY:-16}"
DURATION="${DURATION:-20}"
PROM="${PROM:-http://127.0.0.1:9090}"
target_dir="${CARGO_TARGET_DIR:-$PWD/target}"

cargo build --release -q -p driftdock-lab --bin lab-load
echo "POST /events through the gateway: concurrency $CONCURRENCY, ${DURATION}s"
"$target_dir/release/lab-load" --target http://127.0.0.1:8080 --rate 100000 \
  --concurrency "$CONCURRENCY" --read-ratio 0 --duration "$DURATION" | tee /tmp/driftdock-figures.json

# Let the worker drain and Prometheus scrape before reading the resolution histogram.
for _ in $(seq 1 60); do
  depth=$(curl -s http://127.0.0.1:8080/stats | python3 -c 'import json,sys; s=json.load(sys.stdin); print(s["queue_depth"]+s["processing_depth"])')
  [ "$depth" = 0 ] && break
  sleep 1
done
sleep 6
window="$((DURATION + 70))s"
for q in 0.5 0.95 0.99; do
  v=$(curl -s "$PROM/api/v1/query" --data-urlencode \
    "query=histogram_quantile($q, sum by (le) (increase(lab_job_resolution_seconds_bucket[$window])))" |
    python3 -c 'import json,sys; r=json.load(sys.stdin)["data"]["result"]; print(f"{float(r[0]["value"][1])*1000:.0f} ms" if r else "n/a")')
  echo "POST -> final row p$(python3 -c "print(int($q*100))"): $v"
done
