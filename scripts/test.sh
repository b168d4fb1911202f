#!/usr/bin/env bash
# Runs the whole test suite: sets up (idempotent) and builds first, then every CTest test; then
# the hardening steps: a clang build with AddressSanitizer + UBSan and the libFuzzer targets
# (build-asan/) running the unit and conformance tests, and a smoke run of each fuzzer. Every step
# runs even when an earlier one failed; the summary at the end lists each with its time.
set -uo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
asan=$root/build-asan
fuzz_seconds=${BSQ_FUZZ_SECONDS:-60}

summary=() failed=0
step() {  # step NAME COMMAND...: runs it, records pass/fail and seconds
  local name=$1 start=$SECONDS rc=0
  shift
  echo "test: == $name" >&2
  "$@" || rc=$?
  local line
  line=$(printf '%-24s %5ds  %s' "$name" $((SECONDS - start)) "$([ $rc = 0 ] && echo ok || echo "FAILED (exit $rc)")")
  summary+=("$line")
  [ $rc = 0 ] || failed=1
}

# Any sanitizer report fails the test that caused it (ASan and LeakSanitizer do by default).
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1}

step setup "$root/scripts/setup.sh"
step ctest ctest --test-dir "$root/build" --output-on-failure
# One clang build for the sanitizers and the fuzzers, so the LibTorch-heavy sources are compiled
# once more, not twice; no trainer, and only the targets the steps below run.
step asan-configure cmake -S "$root" -B "$asan" -G Ninja -DCMAKE_BUILD_TYPE=Release -DCMAKE_CXX_COMPILER=clang++ \
  -DBSQ_SANITIZE=ON -DBSQ_FUZZ=ON -DBSQ_BUILD_TRAINER=OFF
step asan-build cmake --build "$asan" --target bsq_unit_tests bsq_conformance bsq_fuzzers
# The doctest suites, the container and entropy ones among them, and the conformance streams.
step asan-ctest ctest --test-dir "$asan" --output-on-failure -L unit -E '^(format|test_labels)$'
step asan-conformance ctest --test-dir "$asan" --output-on-failure -R '^conformance$'
step fuzz-smoke "$root/scripts/fuzz_smoke.sh" "$asan" "$fuzz_seconds"

echo "test: summary" >&2
printf '  %s\n' "${summary[@]}" >&2
exit $failed
