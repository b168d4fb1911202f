#!/usr/bin/env bash
# bsq_video_psnr on tiny generated clips (FFV1, 32x24, 5 frames): identical clips give infinite
# PSNR, a noisy copy a finite one; a frame-count or size mismatch is one line on stderr and exit 1.
# Usage: video_psnr.sh BSQ_VIDEO_PSNR   (exit 77, skipped, without ffmpeg)
set -u
tool=$1
command -v ffmpeg >/dev/null || { echo "video_psnr: no ffmpeg: skipped"; exit 77; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fails=0
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }

clip() {  # FILE SIZE FRAMES [FILTER]
  ffmpeg -nostdin -v error -y -f lavfi -i "testsrc=size=$2:rate=5" -frames:v "$3" ${4:+-vf "$4"} \
    -c:v ffv1 -pix_fmt bgr0 "$tmp/$1" || fail "ffmpeg could not make $1"
}
clip a.mkv 32x24 5
clip noisy.mkv 32x24 5 noise=alls=20:allf=t
clip short.mkv 32x24 4
clip big.mkv 48x32 5

out=$("$tool" "$tmp/a.mkv" "$tmp/a.mkv" --csv) || fail "identical clips: exit $?"
[ "$out" = "32,24,5,inf,inf" ] || fail "identical clips: '$out', expected 32,24,5,inf,inf"
out=$("$tool" "$tmp/a.mkv" "$tmp/noisy.mkv" --csv) || fail "noisy clip: exit $?"
awk -F, '{exit !($3 == 5 && $4 > 10 && $4 < 60 && $5 > 10 && $5 <= $4 + 1e-9)}' <<<"$out" ||
  fail "noisy clip: '$out', expected a finite PSNR, the total-MSE one not above the per-frame mean"
"$tool" "$tmp/a.mkv" "$tmp/noisy.mkv" --json | grep -q '"frames": 5, "psnr_rgb": [0-9]' || fail "--json"
out=$("$tool" "$tmp/a.mkv" "$tmp/short.mkv" --frames 4 --csv) || fail "--frames 4: exit $?"
[ "${out%%,inf,inf}" = "32,24,4" ] || fail "--frames 4: '$out'"

refuse() {  # REF DEC PATTERN
  "$tool" "$tmp/$1" "$tmp/$2" >/dev/null 2>"$tmp/err"
  local rc=$?
  [ "$rc" -eq 1 ] || fail "$1 vs $2: exit $rc, expected 1"
  [ "$(wc -l <"$tmp/err")" -eq 1 ] || fail "$1 vs $2: expected one line on stderr, got: $(cat "$tmp/err")"
  grep -q "^bsq_video_psnr: .*$3" "$tmp/err" || fail "$1 vs $2: stderr '$(cat "$tmp/err")' lacks '$3'"
}
refuse a.mkv short.mkv "short.mkv' has 4 frames but .*a.mkv' has 5"
refuse short.mkv a.mkv "short.mkv' has 4 frames but .*a.mkv' has 5"
refuse a.mkv big.mkv "is 48x32 but"
refuse a.mkv missing.mkv "missing.mkv"

[ "$fails" -eq 0 ] && echo "video_psnr: all checks passed"
exit $((fails > 0))
