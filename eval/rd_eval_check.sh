#!/usr/bin/env bash
# CTest check of rd_eval.sh end to end on one small synthetic image with short sweeps (bsq left out:
# the shipped model is checked elsewhere). Usage: rd_eval_check.sh BUILD_DIR
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
build=$1
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/images"
ffmpeg -v error -nostdin -f lavfi -i testsrc2=size=96x64 -frames:v 1 "$work/images/pattern.png"
BSQ_BUILD_DIR=$build RD_CODECS="jpeg webp avif jxl" JPEG_Q="30 60 80 95" WEBP_Q="30 60 80 95" \
  AVIF_Q="40 30 20 10" JXL_Q="30 60 80 95" "$here/rd_eval.sh" "$work/images" "$work/out" >/dev/null
for f in rd.csv jpeg.json webp.json avif.json jxl.json bdrate.md bdrate.json rd.png; do
  [ -s "$work/out/$f" ] || { echo "rd_eval_check: $f missing or empty" >&2; exit 1; }
done
rows=$(($(wc -l < "$work/out/rd.csv") - 1))
[ "$rows" -eq 16 ] || { echo "rd_eval_check: rd.csv has $rows rows, expected 16" >&2; exit 1; }
grep -q '| webp | jpeg | [-+0-9.]* % |' "$work/out/bdrate.md" || { echo "rd_eval_check: no WebP BD-rate" >&2; exit 1; }
echo "rd_eval_check: ok"
