#!/usr/bin/env bash
# The main job on the shipped models: compresses every dev image of the corpus with bsqenc at its
# default quality, decodes it with bsqdec, and prints size, rate and PSNR. Outputs go to out/demo/.
# Usage: scripts/demo.sh [MODEL...]   (default: the shipped set: models/default.bsqm, fine32.bsqm, fine.bsqm, fine64.bsqm)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
models=("$@")
[ $# -gt 0 ] || models=("$root/models/default.bsqm" "$root/models/fine32.bsqm" "$root/models/fine.bsqm" "$root/models/fine64.bsqm")
set_args=()
for m in "${models[@]}"; do set_args+=(--model "$m"); done
enc=$root/build/apps/bsqenc
dec=$root/build/apps/bsqdec
[ -x "$enc" ] && [ -x "$dec" ] || { echo "demo: build first (scripts/setup.sh)" >&2; exit 3; }
out=$root/out/demo
mkdir -p "$out"
printf '%-22s %11s %9s %7s %8s\n' image size bytes bpp PSNR
: >"$out/summary.txt"
while IFS= read -r src; do
  name=$(basename "${src%.*}")
  "$enc" -y --quiet "${set_args[@]}" "$src" "$out/$name.bsq"
  json=$("$dec" -y --quiet --json "${set_args[@]}" --compare "$src" "$out/$name.bsq" "$out/$name.png")
  w=$(sed -E 's/.*"width": ?([0-9]+).*/\1/' <<<"$json")
  h=$(sed -E 's/.*"height": ?([0-9]+).*/\1/' <<<"$json")
  psnr=$(sed -E 's/.*"psnr": ?([0-9.]+|null).*/\1/' <<<"$json")
  bytes=$(stat -c %s "$out/$name.bsq")
  awk -v n="$name" -v w="$w" -v h="$h" -v b="$bytes" -v p="$psnr" \
    'BEGIN {printf "%-22s %11s %9d %7.4f %8.2f\n", n, w "x" h, b, 8 * b / (w * h), p}' | tee -a "$out/summary.txt"
done < <("$root/scripts/corpus_files.sh" dev stills)
awk '{bpp += $4; psnr += $5; n++} END {printf "%-22s %11s %9s %7.4f %8.2f\n", "mean of " n, "", "", bpp / n, psnr / n}' "$out/summary.txt"
echo "streams and decoded images are in $out" >&2
