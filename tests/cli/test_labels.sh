#!/usr/bin/env bash
# Every CTest test of the build carries one of the labels unit, cli, corpus, slow (tests/CMakeLists.txt).
# Usage: test_labels.sh CTEST BUILD_DIR
set -euo pipefail
ctest=${1:?usage: test_labels.sh CTEST BUILD_DIR}
build=${2:?usage: test_labels.sh CTEST BUILD_DIR}
count() { "$ctest" --test-dir "$build" -N "$@" | sed -n 's/^Total Tests: //p'; }
all=$(count)
labelled=$(count -L '^(unit|cli|corpus|slow)$')
if [ "$all" != "$labelled" ]; then
  echo "FAIL: $((all - labelled)) of $all tests have none of the labels unit, cli, corpus, slow:" >&2
  comm -23 <("$ctest" --test-dir "$build" -N | sed -n 's/^ *Test *#[0-9]*: //p' | sort) \
           <("$ctest" --test-dir "$build" -N -L '^(unit|cli|corpus|slow)$' | sed -n 's/^ *Test *#[0-9]*: //p' | sort) >&2
  exit 1
fi
echo "all $all tests labelled"
