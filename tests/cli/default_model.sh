#!/usr/bin/env bash
# The shipped default model loads, reconstructs every dev image at full size, and meets the
# quality floor of its issue: mean dev PSNR >= 25 dB at <= 0.5 bpp raw.
# Usage: default_model.sh BSQTRAIN SOURCE_DIR
set -u
bin=$1
src=$2
model=${BSQ_MODEL:-$src/models/default.bsqm}
[ -f "$model" ] || { echo "FAIL: $model missing"; exit 1; }
[ -d "$src/data/corpus" ] || { echo "FAIL: corpus missing (scripts/fetch_corpus.sh)"; exit 1; }
out=$("$bin" --eval-only "$model" --manifest "$src/data/manifest.tsv" --corpus "$src/data/corpus") || {
  echo "FAIL: bsqtrain --eval-only exited $?"
  exit 1
}
echo "$out"
echo "$out" | awk '/^dev mean PSNR/ {
  psnr = $4; bpp = $7; n = substr($10, 2)
  ok = (psnr >= 25.0 && bpp <= 0.5 && n == 7)
  printf "%s: mean %.2f dB at %.4f bpp over %d images\n", ok ? "PASS" : "FAIL", psnr, bpp, n
  found = 1; exit !ok
} END { if (!found) { print "FAIL: no summary line"; exit 1 } }'
