#!/usr/bin/env bash
# CTest check of rd_eval.sh end to end on one small synthetic image with short sweeps; bsq runs a set
# of two tiny random models (the shipped ones are checked elsewhere).
# Usage: rd_eval_check.sh BUILD_DIR TINY_MODEL_DIR
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
build=$1
tiny=$2
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/images"
ffmpeg -v error -nostdin -f lavfi -i testsrc2=size=96x64 -frames:v 1 "$work/images/pattern.png"
# Operating points over a model set (colon-separated, absolute paths): -q 1 codes with the nested
# model at its lowest rate (2 bits), -q 100 with the fixed 8-bit tiny1, listed first (bsqenc(1), -q).
set_field=$tiny/tiny1.bsqm:$tiny/nested.bsqm
printf '# comment\nlow\t%s\t1\nhigh\t%s\t100\n' "$set_field" "$set_field" > "$work/points.tsv"
# Effort 1: the search's small effects on the rate of random tiny models would blur the check below.
BSQ_EFFORT=1 BSQ_BUILD_DIR=$build BSQ_OPERATING_POINTS=$work/points.tsv RD_CODECS="bsq jpeg webp avif jxl" JPEG_Q="30 60 80 95" WEBP_Q="30 60 80 95" \
  AVIF_Q="40 30 20 10" JXL_Q="30 60 80 95" "$here/rd_eval.sh" "$work/images" "$work/out" >/dev/null
for f in rd.csv bsq.json jpeg.json webp.json avif.json jxl.json bdrate.md bdrate.json rd.png; do
  [ -s "$work/out/$f" ] || { echo "rd_eval_check: $f missing or empty" >&2; exit 1; }
done
rows=$(($(wc -l < "$work/out/rd.csv") - 1))
[ "$rows" -eq 18 ] || { echo "rd_eval_check: rd.csv has $rows rows, expected 18" >&2; exit 1; }
# The two bsq points coded at different rates: the set's two models were both used.
low=$(awk -F, '$1 == "bsq" && $2 == "low" {print $6}' "$work/out/rd.csv")
high=$(awk -F, '$1 == "bsq" && $2 == "high" {print $6}' "$work/out/rd.csv")
[ -n "$low" ] && [ -n "$high" ] && [ "$low" -lt "$high" ] ||
  { echo "rd_eval_check: bsq bytes low '$low', high '$high': expected low < high" >&2; exit 1; }
grep -q '| webp | jpeg | [-+0-9.]* % |' "$work/out/bdrate.md" || { echo "rd_eval_check: no WebP BD-rate" >&2; exit 1; }
echo "rd_eval_check: ok"
