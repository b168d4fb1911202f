#!/usr/bin/env bash
# Peak memory and time of bsqenc and bsqdec on one large photo: the first dev image scaled to
# WIDTHxHEIGHT (default 8000x6000, 48 megapixels), at the default quality. The network runs in
# stripes (libcodec/model/stripe_runner.h), so memory should grow with the width, not the area.
# Usage: bench/large_image.sh [WIDTH HEIGHT] [OUT.md] [EFFORT]
#   (default 8000 6000 bench/large_image.md 1, bsqenc's default effort: the network alone; at 3 the
#   encoder-side search takes most of the time and sets the memory peak, bench/large_image_effort3.md)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
width=${1:-8000}
height=${2:-6000}
out=${3:-$root/bench/large_image.md}
effort=${4:-1}
for tool in bsqenc bsqdec; do [ -x "$root/build/apps/$tool" ] || { echo "large_image: build first" >&2; exit 3; }; done
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
src=$("$root/scripts/corpus_files.sh" dev stills | sed -n 1p)  # sed reads it all: no SIGPIPE under pipefail
ffmpeg -nostdin -v error -i "$src" -vf "scale=$width:$height:flags=bicubic" -q:v 3 "$tmp/big.jpg"
load_before=$(cut -d" " -f1-3 /proc/loadavg)
/usr/bin/time -f "%e %M" -o "$tmp/enc" "$root/build/apps/bsqenc" -y --quiet -e "$effort" "$tmp/big.jpg" "$tmp/big.bsq"
/usr/bin/time -f "%e %M" -o "$tmp/dec" "$root/build/apps/bsqdec" -y --quiet "$tmp/big.bsq" "$tmp/back.png"
read -r enc_s enc_kb <"$tmp/enc"
read -r dec_s dec_kb <"$tmp/dec"
bytes=$(stat -c %s "$tmp/big.bsq")
{
  echo "# One large photo: peak memory of bsqenc and bsqdec"
  echo
  echo "Made by \`bench/large_image.sh\` on $(date -u +%Y-%m-%d), $(nproc) cores, load average before: $load_before."
  echo "Input: $(basename "$src") of the dev split scaled to ${width}x${height} (JPEG), the default quality (-q 90), encoder effort $effort (-e $effort; 1 is the default)."
  echo
  echo "| step | seconds | peak RSS (MiB) |"
  echo "|---|---|---|"
  awk -v s="$enc_s" -v k="$enc_kb" 'BEGIN {printf "| bsqenc | %.1f | %.0f |\n", s, k / 1024}'
  awk -v s="$dec_s" -v k="$dec_kb" 'BEGIN {printf "| bsqdec (to PNG) | %.1f | %.0f |\n", s, k / 1024}'
  echo
  awk -v b="$bytes" -v w="$width" -v h="$height" 'BEGIN {printf "Stream: %d bytes, %.4f bpp.\n", b, 8 * b / (w * h)}'
} >"$out.tmp"
mv "$out.tmp" "$out"
echo "large_image: wrote $out" >&2
