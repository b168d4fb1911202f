#!/usr/bin/env bash
# The main job on the shipped default model: compresses every dev image of the corpus with
# bsqenc, decodes it with bsqdec, and prints size, rate and PSNR. Outputs go to out/demo/.
# Usage: scripts/demo.sh [MODEL]
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
model=${1:-$root/models/default.bsqm}
enc=$root/build/apps/bsqenc
dec=$root/build/apps/bsqdec
[ -x "$enc" ] && [ -x "$dec" ] || { echo "demo: build first (scripts/setup.sh)" >&2; exit 3; }
out=$root/out/demo
mkdir -p "$out"
printf '%-22s %11s %9s %7s %8s\n' image size bytes bpp PSNR
while IFS=$'\t' read -r split package path; do
  [ "$split" = dev ] || continue
  case "$path" in *.avi|*.mp4|*.mkv) continue ;; esac
  src=$root/data/corpus/$package/$path
  name=$(basename "${path%.*}")
  "$enc" -y --quiet --model "$model" "$src" "$out/$name.bsq"
  json=$("$dec" -y --quiet --json --model "$model" --compare "$src" "$out/$name.bsq" "$out/$name.png")
  w=$(sed -E 's/.*"width": ?([0-9]+).*/\1/' <<<"$json")
  h=$(sed -E 's/.*"height": ?([0-9]+).*/\1/' <<<"$json")
  psnr=$(sed -E 's/.*"psnr": ?([0-9.]+|null).*/\1/' <<<"$json")
  bytes=$(stat -c %s "$out/$name.bsq")
  printf '%-22s %11s %9d %7.4f %8s\n' "$name" "${w}x${h}" "$bytes" "$(awk -v b="$bytes" -v w="$w" -v h="$h" 'BEGIN {print 8 * b / (w * h)}')" "$psnr"
done < <(grep -v '^#' "$root/data/manifest.tsv")
echo "streams and decoded images are in $out" >&2
