#!/usr/bin/env bash
# The whole test suite. Brings the lab up first (builds what is missing; seconds when it is
# already up), since most tests run against the real lab. DRIFTDOCK_LAB_READY=1 skips that.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ "${DRIFTDOCK_LAB_READY:-0}" != 1 ]; then
  bash stack/lab.sh up
fi
exec cargo test --workspace --locked --no-fail-fast "$@"
