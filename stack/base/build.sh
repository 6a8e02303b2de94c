#!/usr/bin/env bash
# Build the offline base image driftdock/base:<hash> with debootstrap + docker import.
# Idempotent: exits at once when the tag already exists. The tag is printed as the last line.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
PKG_FILE="$HERE/packages.txt"
SUITE="${DRIFTDOCK_SUITE:-bookworm}"
BUILD_ROOT="${DRIFTDOCK_BUILD_DIR:-/var/tmp/driftdock-base}"
IMAGE_PATH="/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin:/usr/lib/postgresql/15/bin"

log() { printf '[base %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { printf 'base/build.sh: %s\n' "$*" >&2; exit 1; }

hash="$(cat "$PKG_FILE" "$HERE/build.sh" | sha256sum | cut -c1-12)"
TAG="driftdock/base:$hash"

command -v docker >/dev/null 2>&1 || die "docker not found: install Docker Engine"
if docker image inspect "$TAG" >/dev/null 2>&1; then
  log "$TAG already present; nothing to do"
  docker tag "$TAG" driftdock/base:latest
  echo "$TAG"
  exit 0
fi

[ "$(id -u)" -eq 0 ] || die "debootstrap needs root (run as root or with sudo)"
command -v debootstrap >/dev/null 2>&1 || die "debootstrap not found: apt-get install -y debootstrap"

# Mirror: first non-security Debian URI from the host's apt sources (one-line or deb822).
mirror_from_host() {
  local f
  for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
    [ -f "$f" ] || continue
    awk '$1=="deb" { for (i=2;i<=NF;i++) if ($i ~ /^https?:\/\//) { print $i; break } }' "$f"
  done
  for f in /etc/apt/sources.list.d/*.sources; do
    [ -f "$f" ] || continue
    awk 'tolower($1)=="uris:" { for (i=2;i<=NF;i++) print $i }' "$f"
  done
}
MIRROR="${DRIFTDOCK_MIRROR:-}"
if [ -z "$MIRROR" ]; then
  MIRROR="$(mirror_from_host | grep -E '/debian/?$' | grep -v security | head -n1 || true)"
fi
MIRROR="${MIRROR:-http://deb.debian.org/debian}"

packages="$(grep -vE '^\s*(#|$)' "$PKG_FILE" | tr -s ' \n' ',' | sed 's/,$//')"
[ -n "$packages" ] || die "no packages in $PKG_FILE"

WORK="$BUILD_ROOT/$hash"
ROOT="$WORK/root"
cleanup() { rm -rf "$WORK"; }
trap cleanup EXIT
rm -rf "$WORK"
mkdir -p "$ROOT"

t0=$(date +%s)
log "building $TAG"
log "suite=$SUITE mirror=$MIRROR"
log "packages: $packages"
log "phase 1/3: debootstrap (a few minutes; output follows)"
debootstrap --variant=minbase --include="$packages" "$SUITE" "$ROOT" "$MIRROR" 2>&1 \
  | while IFS= read -r line; do printf '[debootstrap +%ss] %s\n' "$(( $(date +%s) - t0 ))" "$line" >&2; done
[ "${PIPESTATUS[0]}" -eq 0 ] || die "debootstrap failed (see output above)"
t1=$(date +%s)
log "debootstrap done in $((t1 - t0))s ($(du -sh "$ROOT" | cut -f1))"

log "phase 2/3: trimming"
rm -rf "$ROOT"/var/cache/apt/archives/*.deb "$ROOT"/var/cache/apt/*.bin \
       "$ROOT"/var/lib/apt/lists/* "$ROOT"/var/log/*.log "$ROOT"/var/log/apt/* \
       "$ROOT"/usr/share/doc/* "$ROOT"/usr/share/man/* "$ROOT"/usr/share/info/* \
       "$ROOT"/var/cache/debconf/*-old "$ROOT"/tmp/* 2>/dev/null || true
# Our postgres entrypoint runs initdb itself; drop the cluster Debian created.
rm -rf "$ROOT"/var/lib/postgresql/15/main "$ROOT"/etc/postgresql/15/main
# Keep apt usable inside the image if ever needed.
printf 'deb %s %s main\n' "$MIRROR" "$SUITE" > "$ROOT/etc/apt/sources.list"
: > "$ROOT/etc/machine-id"
t2=$(date +%s)
log "trimmed in $((t2 - t1))s ($(du -sh "$ROOT" | cut -f1))"

log "phase 3/3: docker import"
tar -C "$ROOT" --numeric-owner -c . | docker import \
  --change "ENV PATH=$IMAGE_PATH" \
  --change 'ENV LANG=C.UTF-8' \
  --change 'CMD ["/bin/bash"]' \
  --message "driftdock base ($SUITE minbase: $packages)" \
  - "$TAG" >/dev/null
docker tag "$TAG" driftdock/base:latest
t3=$(date +%s)
log "imported in $((t3 - t2))s; total $((t3 - t0))s; size $(docker image inspect -f '{{.Size}}' "$TAG" | awk '{printf "%.0f MB", $1/1e6}')"
echo "$TAG"
