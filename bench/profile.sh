#!/usr/bin/env bash
# Where encode and decode time goes, stage by stage, with the multiply-adds of each stage and the
# rate they run at: bsq_stage_profile on the models of -q 30 (default.bsqm, 22 bits) and of the
# default -q 90 (fine32.bsqm), at 512x512 and 2560x1600, in bfloat16 and float32, then LibTorch's
# operator profile of one decoder block and of the head. Writes bench/profile.md.
# Usage: bench/profile.sh [OUT.md] [BEFORE_PROFILER]
# BEFORE_PROFILER: bsq_stage_profile built from an older commit (same source file), profiled too,
# in bfloat16 (the codec's default where the CPU has it), for a before/after comparison;
# BSQ_BEFORE_NAME names it in the headings (default "before").
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
profiler=$root/build/bench/bsq_stage_profile
out=${1:-$root/bench/profile.md}
before=${2:-}
[ -x "$profiler" ] || { echo "profile: build first ($profiler)" >&2; exit 3; }
threads=$(nproc)

# section PROFILER PRECISION TITLE
section() {
  local model bits label size
  for point in "models/default.bsqm 22 (-q 30)" "models/fine32.bsqm 32 (-q 90, the default)"; do
    read -r model bits label <<<"$point"
    for size in "512 512" "2560 1600"; do
      echo
      echo "## $3: $2, $model, $bits bits $label, ${size/ /x}"
      echo
      echo '```'
      "$1" "$root/$model" $size "$bits" "$threads" 3 "$2" | grep -v '^#'
      echo '```'
    done
  done
}

{
  echo "# Stage profile of encode and decode"
  echo
  echo "Made by \`bench/profile.sh\` on $(date -u +%Y-%m-%d), $threads threads, load average before: $(cut -d' ' -f1-3 /proc/loadavg)."
  echo "Median of 3 runs per stage. GFLOPS = 2 x GMAC / time. For scale, a plain 1024x1024 matrix"
  echo "product on this CPU, $threads threads (LibTorch, oneDNN; best of 5):"
  echo
  echo '```'
  "$profiler" gemm "$threads"
  echo '```'
  section "$profiler" bfloat16 now
  section "$profiler" float32 now
  [ -z "$before" ] || section "$before" bfloat16 "${BSQ_BEFORE_NAME:-before}"
  echo
  echo "## Operators of the default model (fine32.bsqm) at 512x512, bfloat16, self time"
  echo
  echo '```'
  "$profiler" "$root/models/fine32.bsqm" 512 512 32 "$threads" 1 bfloat16 ops | sed -n '/^# operators/,/^# models/p' | grep -v '^# models'
  echo '```'
} >"$out.tmp"
mv "$out.tmp" "$out"
echo "profile: wrote $out" >&2
