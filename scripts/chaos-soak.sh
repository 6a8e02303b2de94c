#!/usr/bin/env bash
# chaos-soak.sh N: N cycles of `driftdock chaos kill SERVICE --for 3s` whose runner is killed
# by SIGKILL at a random moment (before, during or after its fault), each followed by
# `driftdock chaos recover`. A cycle is recovered when the service is healthy again within
# 60 s and the ledger is empty; lost otherwise. SERVICE is $SOAK_SERVICE (default worker).
# Uses a scratch ledger and audit log; the lab must be up.
set -euo pipefail
cd "$(dirname "$0")/.."
n="${1:?usage: scripts/chaos-soak.sh N}"
service="${SOAK_SERVICE:-worker}"
bin="${DRIFTDOCK_BIN:-${CARGO_TARGET_DIR:-target}/debug/driftdock}"
[ -x "$bin" ] || { echo "no $bin: cargo build first (or set DRIFTDOCK_BIN)" >&2; exit 2; }
scratch="$(mktemp -d /tmp/driftdock-soak.XXXXXX)"
export DRIFTDOCK_LEDGER="$scratch/ledger.json" DRIFTDOCK_AUDIT_LOG="$scratch/audit.jsonl"

container() {
  docker ps -aq --filter "label=com.docker.compose.project=driftdock" \
    --filter "label=com.docker.compose.service=$service" | head -n1
}
healthy() {
  local s
  s="$(docker inspect -f '{{.State.Status}}/{{if .State.Health}}{{.State.Health.Status}}{{end}}' "$(container)")"
  [ "$s" = running/healthy ] || [ "$s" = running/ ]
}
wait_healthy() {
  for _ in $(seq 1 240); do healthy && return 0; sleep 0.25; done
  return 1
}

recovered=0 lost=0 applied=0 finished=0
trap '"$bin" chaos stop-all >/dev/null 2>&1 || true; rm -rf "$scratch"' EXIT
for i in $(seq 1 "$n"); do
  wait_healthy || { echo "cycle $i: $service not healthy before the cycle" >&2; }
  "$bin" chaos kill "$service" --for 3s >"$scratch/out" 2>&1 &
  pid=$!
  # Anywhere from before the fault to after its undo (the runner lives ~3.2 s).
  sleep "$(awk -v s="$RANDOM" 'BEGIN { printf "%.2f", (s % 450) / 100 }')"
  kill -9 "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
  if grep -q "^recovered " "$scratch/out"; then
    finished=$((finished + 1))
  elif grep -q "applied in" "$scratch/out"; then
    applied=$((applied + 1))
  fi
  started=$(date +%s.%N)
  "$bin" chaos recover >/dev/null 2>&1 || true
  left="$("$bin" chaos list --json | grep -c '"id"' || true)"
  if [ "$left" = 0 ] && wait_healthy; then
    recovered=$((recovered + 1))
    took=$(awk -v a="$started" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }')
    echo "cycle $i: recovered (healthy ${took}s after recover)"
  else
    lost=$((lost + 1))
    echo "cycle $i: LOST (ledger entries left: $left, state $(docker inspect -f '{{.State.Status}}' "$(container)"))"
  fi
done
echo "soak: $n cycles ($applied killed with the fault in force, $finished after their own undo," \
  "$((n - applied - finished)) before the fault was applied): $recovered recovered, $lost lost"
[ "$lost" = 0 ]
