#!/usr/bin/env bash
# The whole test suite. Lab tests need the lab up (`driftdock lab up`); they say so if it is not.
set -euo pipefail
cd "$(dirname "$0")/.."
exec cargo test --workspace --locked "$@"
