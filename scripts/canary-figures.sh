#!/usr/bin/env bash
# Prints the canary's figures against the running lab:
#   1. `driftdock canary set N`: from the command to the new split read back at the gateway
#      (/gateway/canary) and seen in traffic (the first response from the new side, fresh
#      connection per request), and until the command returns; $SHIFTS runs, 0↔100.
#   2. The same from a key press in the control room (tmux: `s`, `100`, Enter).
#   3. A plan at 50% under load, v2 healthy and judged so; then v2's fault knob set to 30%
#      errors: the time from the fault to 0% at the gateway, with the guard's defaults
#      (30 s window, read every 5 s, 3 samples) and with a fast guard (15 s, 2 s, 3).
# Needs the lab up, tmux, curl and jq. Restores the split (0), the fault and the load
# generator however it ends.
set -euo pipefail
cd "$(dirname "$0")/.."
SHIFTS="${SHIFTS:-5}"
RATE="${RATE:-30}"
GW="${GW:-http://127.0.0.1:8080}"
target_dir="${CARGO_TARGET_DIR:-$PWD/target}"
bin="$target_dir/release/driftdock"
session="ddcanary$$"
work="$(mktemp -d)"
export DRIFTDOCK_AUDIT_LOG="$work/audit.jsonl"

cargo build --release -q --bin driftdock

cleanup() {
  tmux kill-session -t "$session" 2>/dev/null || true
  curl -s -o /dev/null -X DELETE "$GW/admin/v2/fault" || true
  "$bin" canary set 0 >/dev/null 2>&1 || true
  [ "${load_started:-0}" = 1 ] && { "$bin" load stop >/dev/null 2>&1 || true; }
  [ -n "${plan_pid:-}" ] && kill "$plan_pid" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

now_ms() { date +%s%3N; }
applied() { curl -s --max-time 2 "$GW/gateway/canary" | jq -r '.canary_percent // empty'; }
# The version that answers a fresh request.
version() { curl -s --max-time 2 -o /dev/null -w '%header{x-api-version}' "$GW/health"; }

# Polls from t0 until the gateway reports $1 and a response comes from $2; prints
# "json_ms traffic_ms".
watch_shift() {
  local want="$1" side="$2" t0="$3" t_json="" t_traffic=""
  local deadline=$(($(now_ms) + 15000))
  while [ -z "$t_json" ] || [ -z "$t_traffic" ]; do
    [ -z "$t_json" ] && [ "$(applied)" = "$want" ] && t_json=$(now_ms)
    [ -z "$t_traffic" ] && [ "$(version)" = "$side" ] && t_traffic=$(now_ms)
    [ "$(now_ms)" -gt "$deadline" ] && { echo "timeout"; return 1; }
  done
  echo "$((t_json - t0)) $((t_traffic - t0))"
}

stats() { # min median max of the numbers on stdin
  sort -n | awk '{a[NR]=$1} END {printf "min %d  median %d  max %d ms", a[1], a[int((NR+1)/2)], a[NR]}'
}

echo "== 1. driftdock canary set: command to split in effect ($SHIFTS shifts, 0↔100)"
"$bin" canary set 0 >/dev/null
: >"$work/json"; : >"$work/traffic"; : >"$work/cmd"
for i in $(seq "$SHIFTS"); do
  for to in 100 0; do
    side=v2; [ "$to" = 0 ] && side=v1
    t0=$(now_ms)
    "$bin" canary set "$to" >/dev/null &
    pid=$!
    read -r j t < <(watch_shift "$to" "$side" "$t0")
    wait "$pid"; t_cmd=$(( $(now_ms) - t0 ))
    echo "$j" >>"$work/json"; echo "$t" >>"$work/traffic"; echo "$t_cmd" >>"$work/cmd"
    printf '  set %3s: gateway reports it after %4s ms, traffic follows after %4s ms, command done by %4s ms\n' "$to" "$j" "$t" "$t_cmd"
    sleep 0.5
  done
done
echo "  gateway read-back: $(stats <"$work/json")"
echo "  traffic:           $(stats <"$work/traffic")"
echo "  command done by:   $(stats <"$work/cmd")"

echo "== 2. key press in the control room to split in effect"
"$bin" canary set 0 >/dev/null
tmux new-session -d -s "$session" -x 120 -y 40 "$bin"
sleep 3
tmux send-keys -t "$session" 6
sleep 0.5
tmux send-keys -t "$session" s 1 0 0
sleep 0.3
t0=$(now_ms)
tmux send-keys -t "$session" Enter
read -r j t < <(watch_shift 100 v2 "$t0")
echo "  Enter on \`s 100\`: gateway reports 100% after $j ms, traffic follows after $t ms"
sleep 0.5
tmux send-keys -t "$session" a
t0=$(now_ms)
read -r j t < <(watch_shift 0 v1 "$t0")
echo "  \`a\` (abort):      gateway reports 0% after $j ms, traffic follows after $t ms"
tmux kill-session -t "$session"

echo "== 3. v2 goes bad mid-plan: fault to abort (load at $RATE req/s)"
"$bin" load start --rate "$RATE" >/dev/null
load_started=1
breach_to_abort() { # name, [guard] table body
  local name="$1" guard="$2" line t0 t1 code
  printf '[[step]]\nweight = 50\nhold = "10m"\n[guard]\n%b' "$guard" >"$work/plan.toml"
  "$bin" canary set 0 >/dev/null
  "$bin" canary plan run "$work/plan.toml" --json >"$work/plan.out" 2>&1 &
  plan_pid=$!
  # Wait until the guard has judged v2 healthy at 50% (one window after the start).
  local deadline=$((SECONDS + 120))
  until grep -q '"decision_kind":"healthy"' "$work/plan.out"; do
    [ $SECONDS -gt $deadline ] && { echo "  $name: no healthy verdict within 120 s"; tail -3 "$work/plan.out"; return 1; }
    sleep 0.2
  done
  t0=$(now_ms)
  curl -s -o /dev/null -X PUT -H 'Content-Type: application/json' \
    -d '{"error_rate":0.3}' "$GW/admin/v2/fault"
  until [ "$(applied)" = 0 ]; do
    [ "$(( $(now_ms) - t0 ))" -gt 180000 ] && { echo "  $name: no abort within 180 s"; return 1; }
    sleep 0.1
  done
  t1=$(now_ms)
  code=0; wait "$plan_pid" || code=$?
  plan_pid=""
  curl -s -o /dev/null -X DELETE "$GW/admin/v2/fault"
  line=$(grep '"result"' "$work/plan.out" | tail -1)
  echo "  $name: fault set → 0% at the gateway after $(( (t1 - t0) )) ms; plan exit $code; $(jq -r '.reason' <<<"$line")"
}
breach_to_abort "default guard (30s window, every 5s, 3 in a row)" ""
# The next plan judges only windows of its own, so the errors just seen cannot abort it.
breach_to_abort "fast guard (15s window, every 2s, 3 in a row)" 'window = "15s"\ninterval = "2s"\n'
