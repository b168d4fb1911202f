#!/usr/bin/env bash
# A shipped model, end to end on the dev images:
#  1. it meets its quality floor: mean dev PSNR >= MIN_PSNR dB at its highest rate <= MAX_RAW_BPP bpp raw;
#  2. its real tokens round-trip losslessly through the entropy coder, which saves >= 20% of the raw bits;
#  3. a stream encoded with 2 threads equals one encoded with 1 thread, and decodes with 1 thread.
# Usage: shipped_model.sh SOURCE_DIR BSQTRAIN BSQ_TOKEN_BITS BSQENC BSQDEC MODEL MAX_RAW_BPP MIN_PSNR
# (MODEL relative to SOURCE_DIR)
set -u
src=$1 train=$2 token_bits=$3 enc=$4 dec=$5 model=$1/$6 max_bpp=$7 min_psnr=$8
[ -f "$model" ] || { echo "FAIL: $model missing"; exit 1; }
[ -d "$src/data/corpus" ] || { echo "FAIL: corpus missing (scripts/fetch_corpus.sh)"; exit 1; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fails=0
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }

out=$("$train" --eval-only "$model" --manifest "$src/data/manifest.tsv" --corpus "$src/data/corpus") ||
  fail "bsqtrain --eval-only exited $?"
echo "$out"
# A nested-bit model prints one summary line per rate: judge the highest rate within MAX_RAW_BPP.
echo "$out" | awk -v max_bpp="$max_bpp" -v min_psnr="$min_psnr" '/^dev mean PSNR/ {
  if ($7 <= max_bpp && $7 >= bpp) { psnr = $4; bpp = $7; n = substr($10, 2); found = 1 }
} END {
  if (!found) { print "FAIL: no summary line at <= " max_bpp " bpp raw"; exit 1 }
  ok = (psnr >= min_psnr && n == 7)
  printf "%s: mean %.2f dB at %.4f bpp raw over %d images\n", ok ? "PASS" : "FAIL", psnr, bpp, n
  exit !ok
}' || fails=$((fails + 1))

bits=$("$token_bits" "$model" "$src/data/manifest.tsv" "$src/data/corpus") || fail "token round trip (exit $?)"
echo "$bits"
saving=$(echo "$bits" | awk -F'|' '/all dev images/ {gsub(/[ %]/, "", $8); print $8}')
awk -v s="$saving" 'BEGIN {exit !(s + 0 >= 20)}' || fail "entropy coder saves ${saving}% of the raw bits, want >= 20%"

image=$src/data/corpus/opencv-doc/usr/share/doc/opencv-doc/examples/data/butterfly.jpg
# The same input, options and thread count give the same stream. Another thread count may give
# another one: the search's float products round in another order (man bsqenc, --threads).
"$enc" --quiet --threads 2 --model "$model" "$image" "$tmp/a.bsq" || fail "bsqenc --threads 2"
"$enc" --quiet --threads 2 --model "$model" "$image" "$tmp/b.bsq" || fail "bsqenc --threads 2, again"
cmp -s "$tmp/a.bsq" "$tmp/b.bsq" || fail "two encodes with the same options differ"
"$enc" --quiet --threads 1 --model "$model" "$image" "$tmp/c.bsq" || fail "bsqenc --threads 1"
"$dec" --quiet --threads 2 --model "$model" "$tmp/c.bsq" "$tmp/c.png" || fail "bsqdec of the one-thread stream"
json=$("$dec" --quiet --json --threads 1 --model "$model" --compare "$image" "$tmp/a.bsq" "$tmp/a.png") || fail "bsqdec"
echo "$json"
psnr=$(sed -E 's/.*"psnr": ?([0-9.]+).*/\1/' <<<"$json")
awk -v p="$psnr" 'BEGIN {exit !(p + 0 >= 18)}' || fail "decoded butterfly PSNR $psnr, want >= 18 dB"

[ "$fails" -eq 0 ] && echo "$model: all checks passed"
exit $((fails > 0))
