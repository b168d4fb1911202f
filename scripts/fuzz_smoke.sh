#!/usr/bin/env bash
# Runs each libFuzzer target for a while on its seed corpus (CI's smoke run; bench/fuzz_campaign.md
# has the long runs). Fails on the first crash, leak, timeout or sanitizer report, and leaves the
# input that caused it in WORK_DIR. Usage: fuzz_smoke.sh BUILD_DIR [SECONDS_EACH=60] [WORK_DIR]
# BUILD_DIR is a clang build with -DBSQ_FUZZ=ON and the bsq_fuzzers target built.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=$(cd "${1:?usage: fuzz_smoke.sh BUILD_DIR [SECONDS_EACH] [WORK_DIR]}" && pwd)
seconds=${2:-60}
work=${3:-$build/fuzz_smoke}
# fuzzer binary, then its seed directories
targets=(
  "bitstream/container_reader_fuzzer $root/conformance/streams"
  "entropy/entropy_decoder_fuzzer $root/entropy/fuzz/seeds"
  "apps/token_formats_fuzzer $root/apps/fuzz/seeds"
  "libcodec/fuzz/decoder_fuzzer $root/conformance/streams $root/tests/fuzz_regressions"
)
fails=0
for t in "${targets[@]}"; do
  read -r binary dirs <<<"$t"
  seeds=""
  for d in $dirs; do [ -d "$d" ] && seeds+=" $d"; done
  name=$(basename "$binary")
  mkdir -p "$work/$name/corpus"
  log=$work/$name/log
  # -timeout: no input may take this long (the slowest seed takes well under a second).
  # shellcheck disable=SC2086
  if UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 "$build/$binary" -max_total_time="$seconds" -timeout=25 \
       -rss_limit_mb=4096 -print_final_stats=1 -artifact_prefix="$work/$name/" "$work/$name/corpus" $seeds \
       >"$log" 2>&1; then
    cov=$(grep -a -E '^#[0-9]+[[:space:]]+DONE' "$log" | grep -Eo 'cov: [0-9]+ ft: [0-9]+' | tail -1)
    echo "fuzz_smoke: $name: $(sed -n 's/^stat::number_of_executed_units: *//p' "$log") runs in ${seconds}s, $cov"
  else
    echo "fuzz_smoke: FAIL: $name (log: $log)" >&2
    tail -30 "$log" >&2
    fails=$((fails + 1))
  fi
done
[ "$fails" -eq 0 ]
