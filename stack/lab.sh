#!/usr/bin/env bash
# DriftDock lab driver: ./lab.sh up|down|reset|ps|build|load-start [RATE]|load-stop
#   LOAD=1 ./lab.sh up   also starts the `load` profile.
#   load-start RATE      (re)starts only the lab's `load` container at RATE requests/s;
#   load-stop            stops and removes it. Nothing else in the project is touched.
set -euo pipefail

STACK="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO="$(cd "$STACK/.." && pwd)"
PROJECT=driftdock
WAIT_TIMEOUT="${WAIT_TIMEOUT:-180}"

die() { printf 'lab: %s\n' "$*" >&2; exit 1; }
info() { printf 'lab: %s\n' "$*" >&2; }

# .env values, without overriding what the caller exported.
load_env() {
  local line key val
  [ -f "$STACK/.env" ] || return 0
  while IFS= read -r line || [ -n "$line" ]; do
    case "$line" in ''|'#'*) continue;; esac
    key="${line%%=*}"; val="${line#*=}"
    [[ "$key" =~ ^[A-Za-z_][A-Za-z0-9_]*$ ]] || continue
    [ -n "${!key+x}" ] || export "$key=$val"
  done < "$STACK/.env"
}

COMPOSE=()
preflight_docker() {
  command -v docker >/dev/null 2>&1 || die "docker not found: install Docker Engine"
  docker info >/dev/null 2>&1 || die "cannot reach the Docker engine: is dockerd running? (docker info failed)"
}
preflight_compose() {
  if docker compose version >/dev/null 2>&1; then COMPOSE=(docker compose)
  elif command -v docker-compose >/dev/null 2>&1; then COMPOSE=(docker-compose)
  else die "no compose tool: install the docker compose plugin or docker-compose"; fi
}
compose() { (cd "$STACK" && "${COMPOSE[@]}" -p "$PROJECT" -f compose.yaml "$@"); }

# Host ports in use by anything that is not one of this project's containers.
preflight_ports() {
  local ours p var who
  ours="$(docker ps --filter "label=com.docker.compose.project=$PROJECT" --format '{{.Ports}}')"
  for var in GATEWAY_PORT:8080 API_V1_PORT:8081 API_V2_PORT:8082 PROMETHEUS_PORT:9090 \
             WORKER_METRICS_PORT:9100 POSTGRES_PORT:5432 REDIS_PORT:6379; do
    local name="${var%%:*}" def="${var#*:}"
    p="${!name:-$def}"
    grep -q ":$p->" <<<"$ours" && continue
    if command -v ss >/dev/null 2>&1; then
      who="$(ss -Hltnp "sport = :$p" 2>/dev/null | head -n1 || true)"
      [ -z "$who" ] && continue
      who="$(grep -o 'users:(("[^"]*",pid=[0-9]*' <<<"$who" | sed 's/users:(("\([^"]*\)",pid=\([0-9]*\)/\1 (pid \2)/' || true)"
      die "port $p is in use by ${who:-another process}; free it or set $name in stack/.env"
    elif (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then
      die "port $p is in use by another process; free it or set $name in stack/.env"
    fi
  done
}

hash_files() { (cd "$STACK" && cat "$@" | sha256sum | cut -c1-12); }

# Build (only what changed) and export the *_TAG variables compose uses.
build() {
  local t0=$SECONDS base target_dir bin
  base="$(bash "$STACK/base/build.sh" | tail -n1)"
  [[ "$base" == driftdock/base:* ]] || die "base/build.sh did not print a tag"
  export BASE_IMAGE="$base"

  target_dir="${CARGO_TARGET_DIR:-$REPO/target}"
  if [ "${LAB_SKIP_CARGO:-0}" != 1 ]; then
    command -v cargo >/dev/null 2>&1 || die "cargo not found: install Rust (rustup) to build the lab services"
    info "cargo build --release -p driftdock-lab"
    (cd "$REPO" && cargo build --release -q -p driftdock-lab) || die "cargo build of driftdock-lab failed"
  fi
  mkdir -p "$STACK/.build/bin"
  for bin in lab-api lab-worker lab-load; do
    [ -x "$target_dir/release/$bin" ] || die "missing $target_dir/release/$bin (cargo build --release -p driftdock-lab)"
    cmp -s "$target_dir/release/$bin" "$STACK/.build/bin/$bin" || cp "$target_dir/release/$bin" "$STACK/.build/bin/$bin"
  done

  build_image gateway  gateway/Dockerfile  gateway/nginx.conf gateway/canary.conf gateway/set-canary gateway/entrypoint.sh
  build_image postgres postgres/Dockerfile postgres/entrypoint.sh
  build_image redis    redis/Dockerfile
  build_image prometheus prometheus/Dockerfile prometheus/prometheus.yml
  build_image lab      lab.Dockerfile .build/bin/lab-api .build/bin/lab-worker .build/bin/lab-load
  info "images ready in $((SECONDS - t0))s (base $BASE_IMAGE)"
}
build_image() {
  local name="$1" dockerfile="$2" tag var
  shift
  tag="$( { printf '%s\n' "$BASE_IMAGE"; (cd "$STACK" && cat "$@"); } | sha256sum | cut -c1-12)"
  var="$(tr 'a-z-' 'A-Z_' <<<"$name")_TAG"
  export "$var=$tag"
  if docker image inspect "driftdock/$name:$tag" >/dev/null 2>&1; then
    info "driftdock/$name:$tag up to date"
  else
    info "building driftdock/$name:$tag"
    local out; out="$(mktemp)"
    if ! docker build --build-arg "BASE_IMAGE=$BASE_IMAGE" -f "$STACK/$dockerfile" \
        -t "driftdock/$name:$tag" "$STACK" >"$out" 2>&1; then
      tail -n 20 "$out" | sed 's/^/  | /' >&2; rm -f "$out"; die "docker build of $name failed"
    fi
    rm -f "$out"
  fi
  docker tag "driftdock/$name:$tag" "driftdock/$name:latest"
}

project_containers() { docker ps -aq --filter "label=com.docker.compose.project=$PROJECT"; }
inspect_states() {
  local ids; ids="$(project_containers)"
  [ -n "$ids" ] || return 0
  # shellcheck disable=SC2086
  docker inspect -f '{{index .Config.Labels "com.docker.compose.service"}} {{.State.Status}} {{if .State.Health}}{{.State.Health.Status}}{{else}}none{{end}} {{.Name}}' $ids | sort
}

wait_healthy() {
  local deadline=$((SECONDS + WAIT_TIMEOUT)) last="" pending svc state health name bad
  while :; do
    pending=(); bad=""
    while read -r svc state health name; do
      [ -n "$svc" ] || continue
      case "$state/$health" in
        running/healthy|running/none) ;;
        running/unhealthy|exited/*|dead/*|restarting/*) bad="$svc ${name#/} ($state/$health)";;
        *) pending+=("$svc ($([ "$state" = running ] && echo "$health" || echo "$state"))");;
      esac
      [ -n "$bad" ] && break
    done < <(inspect_states)
    if [ -n "$bad" ]; then
      info "unhealthy: $bad, exit code $(docker inspect -f '{{.State.ExitCode}}' "$(awk '{print $2}' <<<"$bad")"); last 20 log lines:"
      docker logs --tail 20 "$(awk '{print $2}' <<<"$bad")" 2>&1 | sed 's/^/  | /' >&2
      exit 1
    fi
    [ ${#pending[@]} -eq 0 ] && return 0
    local now="waiting for: ${pending[*]}"
    [ "$now" != "$last" ] && { info "$now"; last="$now"; }
    if [ $SECONDS -ge $deadline ]; then
      info "timed out after ${WAIT_TIMEOUT}s; $now"
      read -r svc _ <<<"${pending[0]}"
      docker logs --tail 20 "$(docker ps -aq --filter "label=com.docker.compose.project=$PROJECT" --filter "label=com.docker.compose.service=$svc" | head -n1)" 2>&1 | sed 's/^/  | /' >&2
      exit 1
    fi
    sleep 1
  done
}

ps_table() {
  local ids; ids="$(project_containers)"
  [ -n "$ids" ] || { info "no containers in project $PROJECT"; return 0; }
  {
    echo "SERVICE STATE HEALTH PORTS"
    for id in $ids; do
      docker inspect -f '{{index .Config.Labels "com.docker.compose.service"}} {{.State.Status}} {{if .State.Health}}{{.State.Health.Status}}{{else}}-{{end}} {{range $p, $b := .NetworkSettings.Ports}}{{range $b}}{{.HostIp}}:{{.HostPort}}->{{$p}},{{end}}{{end}}' "$id"
    done | sed 's/,$//; s/ $/ -/' | sort
  } | column -t
}

cmd="${1:-}"; shift || true
load_env
case "$cmd" in
  build)
    preflight_docker; build ;;
  up)
    t0=$SECONDS
    preflight_docker; preflight_compose; preflight_ports; build
    profile=(); [ "${LOAD:-0}" = 1 ] && profile=(--profile load)
    # A failed depends_on condition makes compose exit non-zero; wait_healthy names the culprit.
    compose "${profile[@]}" up -d --no-build --remove-orphans >&2 || info "compose up reported errors"
    wait_healthy
    ps_table
    info "lab up in $((SECONDS - t0))s: gateway http://127.0.0.1:${GATEWAY_PORT:-8080}  prometheus http://127.0.0.1:${PROMETHEUS_PORT:-9090}"
    ;;
  down)  preflight_docker; preflight_compose; compose --profile load down --remove-orphans ;;
  reset) preflight_docker; preflight_compose; compose --profile load down -v --remove-orphans ;;
  ps)    preflight_docker; ps_table ;;
  load-start)
    rate="${1:-${LOAD_RATE:-10}}"
    [[ "$rate" =~ ^[0-9]+$ ]] && [ "$rate" -ge 1 ] && [ "$rate" -le 10000 ] \
      || die "load-start: expected a rate from 1 to 10000 requests per second, got '$rate'"
    preflight_docker; preflight_compose
    export LOAD_RATE="$rate"
    # --no-deps: the gateway and everything else stay as they are; only `load` is (re)created.
    compose --profile load up -d --no-build --no-deps load >&2
    info "load generator running at $rate req/s"
    ;;
  load-stop)
    preflight_docker; preflight_compose
    compose --profile load rm -sf load >&2
    info "load generator stopped"
    ;;
  *) echo "usage: $0 up|down|reset|ps|build|load-start [RATE]|load-stop   (LOAD=1 $0 up adds the load generator)" >&2; exit 2 ;;
esac
