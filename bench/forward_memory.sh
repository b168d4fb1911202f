#!/usr/bin/env bash
# Peak memory and time of one encode + decode at 512^2, 1024^2 and 2048^2 pixels, each in a fresh
# process; writes bench/forward_memory.md. Usage: bench/forward_memory.sh [MODEL] [THREADS]
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
model=${1:-$root/models/default.bsqm}
threads=${2:-0}
bin=$root/build/bench/bsq_forward_memory
[ -x "$bin" ] || { echo "forward_memory: build first (scripts/setup.sh)" >&2; exit 3; }
out=$root/bench/forward_memory.md
{
  echo "# Forward-pass peak memory"
  echo
  echo "One encode + decode of a noise image through \`$(basename "$model")\`, each size in a fresh process"
  echo "(peak RSS from getrusage: it includes LibTorch and the model, hence the 256x256 baseline given below)."
  echo "Machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'); threads: $threads (0 = all)."
  echo "Command: \`bench/forward_memory.sh\` on $(date -u +%Y-%m-%d)."
  echo
  echo "| size | megapixels | seconds | peak RSS MiB | MiB per megapixel added since the previous size |"
  echo "|---|---|---|---|---|"
} >"$out.tmp"
read -r _ _ prev_mp _ base < <("$bin" "$model" 256 256 "$threads")
prev_peak=$base
for side in 512 1024 2048; do
  read -r w h mp s peak < <("$bin" "$model" "$side" "$side" "$threads")
  per=$(awk -v p="$peak" -v q="$prev_peak" -v mp="$mp" -v pm="$prev_mp" 'BEGIN {printf "%.0f", (p - q) / (mp - pm)}')
  echo "| ${w}x${h} | $mp | $s | $peak | $per |" >>"$out.tmp"
  prev_peak=$peak prev_mp=$mp
done
echo >>"$out.tmp"
echo "Baseline (256x256): $base MiB. Linear growth shows as a flat last column, quadratic growth" >>"$out.tmp"
echo "(global attention) as one that quadruples with each doubling of the side." >>"$out.tmp"
mv "$out.tmp" "$out"
cat "$out"
