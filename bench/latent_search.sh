#!/usr/bin/env bash
# The encoder's effort levels (issue 13, lever 3; libcodec/model/latent_search.h), measured:
#  1. what each level gives and costs on the dev images (centre crops of at most 512x512, searched
#     whole), for the default quality's model and one of default.bsqm's rates: PSNR and coded size
#     against the encoder network alone, and the search's seconds per megapixel;
#  2. bsqenc's wall time and peak RSS per level on a whole 2560x1600 dev photo (searched in tiles),
#     at the default quality.
# Usage: bench/latent_search.sh [OUT.md] [MAX_EFFORT_FOR_THE_WHOLE_PHOTO]   (default bench/latent_search.md 5)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
out=${1:-$root/bench/latent_search.md}
max_whole=${2:-5}
study=$root/build/bench/bsq_latent_search_study
for tool in "$study" "$root/build/apps/bsqenc"; do [ -x "$tool" ] || { echo "latent_search: build first" >&2; exit 3; }; done
"$root/scripts/fetch_corpus.sh" --split dev >/dev/null
mapfile -t images < <("$root/scripts/corpus_files.sh" dev stills)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
load_before=$(cut -d" " -f1-3 /proc/loadavg)

# The effort levels bsqenc takes ("-e,--effort INT:INT in [1 - 9]=3" in its help).
read -r min_effort max_effort < <("$root/build/apps/bsqenc" --help | sed -nE 's/.*--effort INT:INT in \[([0-9]+) - ([0-9]+)\].*/\1 \2/p')
[ -n "$max_effort" ] || { echo "latent_search: no effort range in bsqenc --help" >&2; exit 3; }

levels() {  # MODEL BITS: one table row per effort above the lowest (the codec's tile)
  local model=$1 bits=$2 e line
  for e in $(seq $((min_effort + 1)) "$max_effort"); do
    line=$("$study" "$root/models/$model" "$bits" "$e" 0 bfloat16 "${images[@]}" | tail -1)
    # mean: A bpp B dB -> C bpp D dB (+X dB, +Y % bits); search Z s/MP
    awk -v e="$e" '{gsub(/[(),;]/, ""); printf "| %d | %.4f | %.2f | %.4f | %.2f | %s | %s | %s |\n", e, $2, $4, $7, $9, $11, $13, $17}' <<<"$line"
  done
}
header() {
  echo "| effort | bpp, effort 1 | PSNR, effort 1 | bpp | PSNR | PSNR gain (dB) | more bits (%) | search s/MP |"
  echo "|---|---|---|---|---|---|---|---|"
}

big=${images[0]}
size=$(ffprobe -v error -select_streams v:0 -show_entries stream=width,height -of csv=p=0:s=x "$big")
megapixels=$(awk -v s="$size" 'BEGIN {split(s, d, "x"); print d[1] * d[2] / 1e6}')
crop_megapixels=$(for f in "${images[@]}"; do
  ffprobe -v error -select_streams v:0 -show_entries stream=width,height -of csv=p=0:s=x "$f"
done | awk -F x '{w = $1 < 512 ? $1 : 512; h = $2 < 512 ? $2 : 512; n += w * h} END {printf "%.1f", n / 1e6}')
whole_rows=""
for e in $(seq "$min_effort" "$max_whole"); do
  /usr/bin/time -f "%e %M" -o "$tmp/t" "$root/build/apps/bsqenc" -y --json --effort "$e" "$big" "$tmp/e$e.bsq" >"$tmp/j" 2>/dev/null
  read -r _ kb <"$tmp/t"
  "$root/build/apps/bsqdec" -y --quiet --json --compare "$big" "$tmp/e$e.bsq" "$tmp/back.png" >"$tmp/d"
  psnr=$(sed -E 's/.*"psnr": ?([0-9.]+).*/\1/' "$tmp/d")
  bpp=$(sed -E 's/.*"bpp": ?([0-9.]+).*/\1/' "$tmp/j")
  enc=$(sed -E 's/.*"seconds": ?([0-9.]+).*/\1/' "$tmp/j")
  whole_rows+=$(awk -v e="$e" -v b="$bpp" -v p="$psnr" -v s="$enc" -v k="$kb" \
    -v mp="$megapixels" 'BEGIN {printf "| %d | %.4f | %.2f | %.1f | %.2f | %.0f |\\n", e, b, p, s, s / mp, k / 1024}')
done

{
  echo "# Encoder effort: what each level gives and costs"
  echo
  echo "Made by \`bench/latent_search.sh\` on $(date -u +%Y-%m-%d), $(nproc) cores, load average before: $load_before."
  echo "The search (\`libcodec/model/latent_search.h\`) runs gradient steps on the encoder's latent through"
  echo "the decoder, bfloat16 where the CPU has it (as the codec does); levels in \`search_for_effort()\`."
  echo
  echo "## The dev images, centre crops of at most 512x512 ($crop_megapixels megapixels in all)"
  echo
  echo "Means over the 7 images; bits are the prior's code length of the tokens (the coded size to a few"
  echo "bytes); \"search s/MP\" is the search alone, per megapixel (the whole photo's effort-$min_effort row below gives the encode without it)."
  echo
  echo "\`models/fine32.bsqm\` (the default quality, -q 90):"
  echo
  header
  levels fine32.bsqm 0
  echo
  echo "\`models/default.bsqm\` at 16 bits per token (-q 20 or so):"
  echo
  header
  levels default.bsqm 16
  echo
  echo "## A whole photo: $(basename "$big"), $size, bsqenc at the default quality (searched in tiles with their halo)"
  echo
  echo "| effort | bpp | PSNR (dB) | encode s | encode s/MP | peak RSS (MiB) |"
  echo "|---|---|---|---|---|---|"
  printf "%b" "$whole_rows"
} >"$out.tmp"
mv "$out.tmp" "$out"
echo "latent_search: wrote $out" >&2
