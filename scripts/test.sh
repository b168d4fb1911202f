#!/usr/bin/env bash
# Runs the whole test suite: sets up (idempotent) and builds first, then every CTest test.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
"$root/scripts/setup.sh"
ctest --test-dir "$root/build" --output-on-failure
