#!/usr/bin/env bash
# Prints the control room's figures against the running lab:
#   1. idle CPU and RSS of `driftdock` over $IDLE seconds (nothing changing but the clock);
#   2. time from `docker kill` of a lab container to the change on the screen (tmux);
#   3. side by side with oxker, both watching the lab plus $EXTRA extra containers labelled
#      into the lab's project: CPU and RSS of each, dockerd's CPU during each, and the ratios.
# Frame render times come from `cargo bench --bench render`.
# Needs the lab up, tmux, and oxker on PATH or in /var/tmp/oxker/bin (`cargo install oxker`).
set -euo pipefail
cd "$(dirname "$0")/.."
IDLE="${IDLE:-60}"
EXTRA="${EXTRA:-50}"
KILLS="${KILLS:-5}"
PROJECT=driftdock
target_dir="${CARGO_TARGET_DIR:-$PWD/target}"
bin="$target_dir/release/driftdock"
oxker="$(command -v oxker || echo /var/tmp/oxker/bin/oxker)"
session="ddfig$$"

cargo build --release -q --bin driftdock
clk=$(getconf CLK_TCK)

# CPU seconds (user+system) of a pid and its threads.
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
rss_kib() { awk '/^VmRSS/ {print $2}' "/proc/$1/status"; }
dockerd_pid() { pgrep -xo dockerd; }

# Runs one program in a fresh tmux session of 120x40 and prints its pid (tmux execs a
# single command directly, so the pane's pid is the program's).
start_in_tmux() {
  local name="$1" prog="$2" pid
  tmux new-session -d -s "$session-$name" -x 120 -y 40 "$prog"
  sleep 0.5
  pid=$(tmux list-panes -t "$session-$name" -F '#{pane_pid}')
  [ "$(readlink "/proc/$pid/exe")" = "$(readlink -f "$prog")" ] ||
    { echo "pane $pid is not $prog" >&2; exit 1; }
  echo "$pid"
}
stop_tmux() { tmux kill-session -t "$session-$1" 2>/dev/null || true; }

# Measures pid's CPU % and peak RSS over $2 seconds, plus dockerd's CPU % in the same span.
measure() {
  local pid="$1" secs="$2" dpid t0 t1 d0 d1 peak=0 r
  dpid=$(dockerd_pid)
  t0=$(cpu_ticks "$pid"); d0=$(cpu_ticks "$dpid")
  for _ in $(seq 1 "$secs"); do
    sleep 1
    r=$(rss_kib "$pid"); [ "$r" -gt "$peak" ] && peak=$r
  done
  t1=$(cpu_ticks "$pid"); d1=$(cpu_ticks "$dpid")
  awk -v a="$t0" -v b="$t1" -v c="$d0" -v d="$d1" -v s="$secs" -v k="$clk" -v p="$peak" \
    'BEGIN { printf "%.2f %.1f %.2f\n", (b-a)/k/s*100, p/1024, (d-c)/k/s*100 }'
}

cleanup() {
  stop_tmux dd; stop_tmux ox
  docker ps -aq --filter "label=dev.driftdock.figures=extra" | xargs -r docker rm -f >/dev/null
}
trap cleanup EXIT

echo "== idle: driftdock at 120x40 for ${IDLE}s (lab idle, no load)"
pid=$(start_in_tmux dd "$bin")
sleep 5
read -r cpu rss dcpu < <(measure "$pid" "$IDLE")
echo "driftdock idle: CPU ${cpu}%  RSS ${rss} MiB  (dockerd meanwhile: ${dcpu}%)"

echo "== time from docker kill to the screen (${KILLS} kills of the worker)"
tmux send-keys -t "$session-dd" '/' 'worker' Enter
for i in $(seq 1 "$KILLS"); do
  id=$(docker ps -q --filter "label=com.docker.compose.project=$PROJECT" --filter "label=com.docker.compose.service=worker")
  t0=$(date +%s%N)
  docker kill "$id" >/dev/null
  until tmux capture-pane -p -t "$session-dd" | grep -q "exited"; do sleep 0.01; done
  t1=$(date +%s%N)
  echo "kill $i: $(( (t1 - t0) / 1000000 )) ms to show exited"
  docker start "$id" >/dev/null
  until tmux capture-pane -p -t "$session-dd" | grep -q "worker.*running"; do sleep 0.05; done
  sleep 2
done
stop_tmux dd

echo "== side by side with oxker: lab + $EXTRA extra containers in project $PROJECT"
[ -x "$oxker" ] || { echo "oxker not found (cargo install oxker --root /var/tmp/oxker)"; exit 0; }
base=$(docker image inspect -f '{{.Id}}' driftdock/base:latest)
for i in $(seq 1 "$EXTRA"); do
  docker run -d --name "driftdock_extra_$i" --label "com.docker.compose.project=$PROJECT" \
    --label "com.docker.compose.service=extra-$i" --label dev.driftdock.figures=extra \
    "$base" sleep 3600 >/dev/null
done
sleep 3
pid=$(start_in_tmux dd "$bin")
sleep 5
read -r dd_cpu dd_rss dd_dock < <(measure "$pid" "$IDLE")
stop_tmux dd
sleep 2
pid=$(start_in_tmux ox "$oxker")
sleep 5
read -r ox_cpu ox_rss ox_dock < <(measure "$pid" "$IDLE")
stop_tmux ox
echo "driftdock: CPU ${dd_cpu}%  RSS ${dd_rss} MiB  dockerd ${dd_dock}%"
echo "oxker:     CPU ${ox_cpu}%  RSS ${ox_rss} MiB  dockerd ${ox_dock}%"
awk -v a="$dd_cpu" -v b="$ox_cpu" -v c="$dd_rss" -v d="$ox_rss" -v e="$dd_dock" -v f="$ox_dock" 'BEGIN {
  printf "ratio driftdock/oxker: CPU %.2f  RSS %.2f  dockerd CPU %.2f\n", (b>0?a/b:0), (d>0?c/d:0), (f>0?e/f:0) }'
