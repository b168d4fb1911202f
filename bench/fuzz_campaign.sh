#!/usr/bin/env bash
# The fuzz campaign of bench/fuzz_campaign.md: runs each libFuzzer target for RUNS inputs (default
# 10^6), one after the other, from its seeds, and prints a Markdown row per target: runs, seconds,
# exec/s, coverage (edges, features), corpus size, peak RSS, and the crash file if one was found.
# Usage: bench/fuzz_campaign.sh BUILD_DIR [RUNS] [WORK_DIR] [TARGET...]
# BUILD_DIR: a clang build with -DBSQ_FUZZ=ON and the bsq_fuzzers target built (scripts/test.sh's build-asan/).
set -uo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=$(cd "${1:?usage: fuzz_campaign.sh BUILD_DIR [RUNS] [WORK_DIR] [TARGET...]}" && pwd)
runs=${2:-1000000}
work=${3:-$build/fuzz_campaign}
shift $(($# < 3 ? $# : 3))
declare -A binary=(
  [container_reader_fuzzer]=bitstream/container_reader_fuzzer
  [entropy_decoder_fuzzer]=entropy/entropy_decoder_fuzzer
  [token_formats_fuzzer]=apps/token_formats_fuzzer
  [decoder_fuzzer]=libcodec/fuzz/decoder_fuzzer
)
declare -A seeds=(
  [container_reader_fuzzer]=$root/conformance/streams
  [entropy_decoder_fuzzer]=$root/entropy/fuzz/seeds
  [token_formats_fuzzer]=$root/apps/fuzz/seeds
  [decoder_fuzzer]=$root/conformance/streams
)
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(container_reader_fuzzer entropy_decoder_fuzzer token_formats_fuzzer decoder_fuzzer)
echo "| target | runs | seconds | exec/s | coverage (edges / features) | corpus | peak RSS | crashes |"
echo "|---|---:|---:|---:|---|---|---:|---|"
for t in "${targets[@]}"; do
  mkdir -p "$work/$t/corpus"
  log=$work/$t/log
  start=$SECONDS
  UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 "$build/${binary[$t]}" -runs="$runs" -timeout=25 -rss_limit_mb=4096 \
    -print_final_stats=1 -artifact_prefix="$work/$t/" "$work/$t/corpus" "${seeds[$t]}" >"$log" 2>&1
  rc=$?
  secs=$((SECONDS - start))
  done_line=$(grep -a -E '^#[0-9]+[[:space:]]+(DONE|NEW|REDUCE|pulse)' "$log" | tail -1)
  executed=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
  cov=$(grep -Eo 'cov: [0-9]+ ft: [0-9]+' <<<"$done_line" | sed 's/cov: //; s/ ft: / \/ /')
  corp=$(grep -Eo 'corp: [0-9]+/[0-9]+[a-zA-Z]*' <<<"$done_line" | sed 's/corp: //')
  rss=$(sed -n 's/^stat::peak_rss_mb: *//p' "$log")
  crash=$(ls "$work/$t" | grep -E '^(crash|leak|timeout|oom)-' | head -3 | tr '\n' ' ')
  [ $rc = 0 ] || crash="exit $rc: ${crash:-see $log}"
  echo "| $t | ${executed:-?} | $secs | $(( ${executed:-0} / (secs > 0 ? secs : 1) )) | ${cov:-?} | ${corp:-?} | ${rss:-?} MB | ${crash:-none} |"
done
