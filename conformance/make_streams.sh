#!/usr/bin/env bash
# Regenerates the conformance set: model.bsqm (only when missing: it is fixed once committed),
# streams/*.bsq, reference/*.png and expected.tsv. Run it only when the format or the reference
# decoder changes on purpose, and say why in the commit. Usage: conformance/make_streams.sh BUILD_DIR
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
build=${1:?usage: make_streams.sh BUILD_DIR}
enc=$build/apps/bsqenc
check=$build/conformance/bsq_conformance
maker=$build/tests/bsq_make_tiny_model
for tool in "$enc" "$check" "$maker"; do [ -x "$tool" ] || { echo "make_streams: $tool missing: build first" >&2; exit 2; }; done
command -v ffmpeg >/dev/null || { echo "make_streams: ffmpeg missing" >&2; exit 2; }

# A small nested-bit model (2 to 8 bits per token), so that the set covers several rates and runs
# in seconds. Its weights are random: conformance is about decoding, not about picture quality.
model=$here/model.bsqm
[ -f "$model" ] || "$maker" 7 "$model" 2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
"$maker" 8 "$tmp/other.bsqm" 2

rm -rf "$here/streams" "$here/reference"
mkdir -p "$here/streams" "$here/reference"
# name, lavfi graph, quality, bits ("uniform": the quality's bits everywhere; "windows": the
# encoder's counts per window, a WBIT chunk; "residual": a residual layer). Since 2026-12-05 every
# stream the encoder writes is version 1.3 (1.4 with a residual layer), its tokens coded under prior
# revision 2 (a PRIO chunk); the set keeps the streams made before that as they were (revision 1:
# 1.0, 1.1 with the index, 1.2 with WBIT), and the prior2_* ones, made by this script on that day,
# repeat two of them under revision 2. (The encoder
# no longer chooses counts per window for this random model, whose rate gains nothing from them, so
# windows_q60 has no revision-2 twin: tests/test_codec.cpp and test_entropy.cpp code such grids.)
# residual_q80 (2026-12-05) is a still with a residual layer: its token hash covers the tokens, its
# reference picture the layer too (a decoder that drops or misreads it falls far below 40 dB).
# filter_q10 and filter_q80 (2026-12-06) are stills with the restoration filter (a FILT chunk,
# container 1.5), the first over tokens alone, the second over residual_q80's tokens and layer;
# their reference pictures cover the filter. Every other still is made without it (--no-filter),
# as it was before the filter existed.
while read -r name graph quality bits; do
  ffmpeg -v error -nostdin -f lavfi -i "$graph" -frames:v 1 -pix_fmt rgb24 -y "$tmp/$name.png"
  # Tokens alone (--no-residual), as these streams were made before the residual layer existed;
  # "residual": the encoder's default from -q 17 up, a RESI chunk after the tokens (container 1.4);
  # "filter": the restoration filter too (the encoder's default), a FILT chunk (container 1.5).
  choice=(--uniform-bits --no-residual --no-filter)
  [ "$bits" = windows ] && choice=(-e 2 --no-residual --no-filter)  # counts per window need effort > 1
  [ "$bits" = residual ] && choice=(--uniform-bits --no-filter)
  [ "$bits" = filter ] && choice=(--uniform-bits)
  "$enc" --quiet --threads 1 --model "$model" -q "$quality" "${choice[@]}" "$tmp/$name.png" "$here/streams/$name.bsq"
done <<'LIST'
one_pixel testsrc2=size=16x16,scale=1:1 100 uniform
testsrc_q1 testsrc2=size=64x48 1 uniform
testsrc_q50 testsrc2=size=64x48 50 uniform
testsrc_q100 testsrc2=size=64x48 100 uniform
mandelbrot_odd mandelbrot=size=257x131 75 uniform
bars_wide smptebars=size=200x40 100 uniform
windows_q60 mandelbrot=size=96x64 60 windows
prior2_q50 testsrc2=size=64x48 50 uniform
residual_q80 testsrc2=size=64x48 80 residual
filter_q10 testsrc2=size=64x48 10 filter
filter_q80 testsrc2=size=64x48 80 filter
LIST

# A video: 7 frames of a moving pattern at 30000/1001 frames/s in GOPs of 3 (frames 0-2, 3-5, 6),
# from a lossless RGB clip.
ffmpeg -v error -nostdin -f lavfi -i testsrc2=size=64x48:rate=30000/1001 -frames:v 7 -c:v ffv1 -pix_fmt bgr0 \
  -y "$tmp/clip.mkv"
"$enc" --quiet --threads 1 --model "$model" -q 100 --keyint 3 "$tmp/clip.mkv" "$here/streams/video_gops.bsq"
"$enc" --quiet --threads 1 --model "$model" -q 100 --keyint 3 "$tmp/clip.mkv" "$here/streams/prior2_video.bsq"

# Streams a decoder must refuse, each for one reason.
s=$here/streams
good=$s/testsrc_q100.bsq
size=$(stat -c %s "$good")
head -c $((size / 2)) "$good" > "$s/bad_truncated.bsq"
cp "$good" "$s/bad_payload_flipped.bsq"
offset=$((size - 20))  # inside the last frame chunk's coded bytes, before its CRC and the end chunk
byte=$(od -An -tu1 -j "$offset" -N1 "$good" | tr -d ' ')
printf "\\$(printf '%03o' $((byte ^ 255)))" | dd of="$s/bad_payload_flipped.bsq" bs=1 seek="$offset" conv=notrunc 2>/dev/null
: > "$s/bad_empty.bsq"
cp "$tmp/testsrc_q1.png" "$s/bad_not_bsq.bsq"
# flip BYTE_OFFSET IN OUT: a copy of IN with one byte inverted.
flip() {
  cp "$2" "$3"
  local b
  b=$(od -An -tu1 -j "$1" -N1 "$2" | tr -d ' ')
  printf "\\$(printf '%03o' $((b ^ 255)))" | dd of="$3" bs=1 seek="$1" conv=notrunc 2>/dev/null
}
video=$s/video_gops.bsq
vsize=$(stat -c %s "$video")
flip $((vsize - 20 - 8 - 4)) "$video" "$s/bad_video_index.bsq"  # in the index's last entry (gidx, before BEND)
flip $((vsize / 2)) "$video" "$s/bad_video_gop.bsq"              # inside a GOP's coded tokens
"$enc" --quiet --threads 1 --model "$tmp/other.bsqm" "$tmp/testsrc_q1.png" "$s/bad_other_model.bsq"

{
  echo "# stream<TAB>what bsq_conformance prints (made by make_streams.sh; see README.md)"
  for f in "$s"/*.bsq; do
    name=$(basename "$f" .bsq)
    if [[ $name == bad_* ]]; then
      line=$("$check" "$model" "$f") && { echo "make_streams: $name decoded" >&2; exit 1; }
      line=$(cut -d' ' -f1,2 <<<"$line")  # error and class: the message may be reworded
    else
      line=$("$check" --write-reference "$here/reference/$name.png" "$model" "$f")
    fi
    printf '%s\t%s\n' "$name" "$line"
  done
} > "$here/expected.tsv"
cat "$here/expected.tsv"
