#!/usr/bin/env bash
# bsqenc | bsqdec on videos with a tiny random model: y4m, mp4 and avi in; y4m, mkv and PNG
# sequences out; pipes; odd sizes; a one-frame clip; the exact rate; --start/--frames against a
# full decode; --info; and the one-line errors for cut and damaged streams and size changes.
# Usage: bsqcodec_video.sh BSQENC BSQDEC TINY_MODEL_DIR
source "$(dirname "$0")/bsqcodec_common.sh"
bsqenc=$1
bsqdec=$2
model=$3/tiny1.bsqm
[ -f "$model" ] || { echo "FAIL: $model missing (the bsqcodec_cli_tiny_model fixture makes it)"; exit 1; }
unset BSQ_MODEL
enc() { "$bsqenc" --model "$model" "$@"; }
dec() { "$bsqdec" --model "$model" "$@"; }
cd "$work" && mkdir in out || exit 1

# make_clip FILE WxH FRAMES [FFMPEG ARGS...]: a moving test pattern at 30000/1001 fps.
make_clip() {
  local file=$1 size=$2 frames=$3
  shift 3
  ffmpeg -v error -f lavfi -i "testsrc=size=$size:rate=30000/1001" -frames:v "$frames" "$@" -y "$file" ||
    fail "ffmpeg could not make $file"
}
# frames_in FILE: the number of video frames ffprobe decodes.
frames_in() {
  ffprobe -v error -count_frames -select_streams v:0 -show_entries stream=nb_read_frames -of csv=p=0 "$1" 2>/dev/null
}
# rate_of FILE: the frame rate ffprobe reads, as NUM/DEN.
rate_of() { ffprobe -v error -select_streams v:0 -show_entries stream=r_frame_rate -of csv=p=0 "$1" 2>/dev/null; }
# hashes FILE_OR_PATTERN: one MD5 per frame of its pixels as RGB24 (timestamps left out).
hashes() {
  ffmpeg -v error -i "$1" -map 0:v -pix_fmt rgb24 -f framemd5 - 2>/dev/null | grep -v '^#' | awk -F, '{print $NF}'
}
# info_field KEY STREAM: a top-level field of bsqdec --info --json.
info_field() { dec --info --json "$2" | json_field "$1"; }

make_clip in/clip.y4m 64x48 5 -pix_fmt yuv444p
make_clip in/clip.mp4 64x48 5 -c:v libx264 -pix_fmt yuv420p
make_clip in/clip.avi 64x48 5 -c:v mpeg4
make_clip in/odd.y4m 7x13 5 -pix_fmt yuv444p
make_clip in/one.y4m 64x48 1 -pix_fmt yuv444p

# Each input to a stream, and each stream to y4m, mkv and a PNG sequence.
for input in in/clip.y4m in/clip.mp4 in/clip.avi in/odd.y4m in/one.y4m; do
  name=$(basename "$input")
  want=$(frames_in "$input")
  size=$(dims "$input")
  enc --json "$input" "out/$name.bsq" >"$log/json" 2>"$log/err" || { fail "bsqenc $name: exit $? ($(cat "$log/err"))"; continue; }
  [ "$(json_field frames <"$log/json")" = "$want" ] || fail "bsqenc $name --json: frames, expected $want: $(cat "$log/json")"
  [ "$(json_field bytes <"$log/json")" = "$(wc -c <"out/$name.bsq")" ] || fail "bsqenc $name --json: bytes: $(cat "$log/json")"
  for key in keyint bpp seconds fps model bits fresh_token_share; do
    grep -q "\"$key\":" "$log/json" || fail "bsqenc $name --json lacks $key: $(cat "$log/json")"
  done
  [ "$(info_field frames "out/$name.bsq")" = "$want" ] || fail "bsqdec --info $name: frames"
  [ "$(info_field fps_num "out/$name.bsq")/$(info_field fps_den "out/$name.bsq")" = 30000/1001 ] ||
    fail "bsqdec --info $name: the rate is not 30000/1001: $(dec --info --json "out/$name.bsq")"
  [ "$(info_field video "out/$name.bsq")" = true ] || fail "bsqdec --info $name: not a video"
  mkdir "out/$name.png.d"
  for output in "out/$name.y4m" "out/$name.mkv" "out/$name.png.d/f%03d.png"; do
    dec "out/$name.bsq" "$output" 2>"$log/err" || { fail "bsqdec $name -> $output: exit $? ($(cat "$log/err"))"; continue; }
  done
  for output in "out/$name.y4m" "out/$name.mkv" "out/$name.png.d/f%03d.png"; do
    [ "$(frames_in "$output")" = "$want" ] || fail "$output: $(frames_in "$output") frames, expected $want"
    [ "$(dims "$output")" = "$size" ] || fail "$output: $(dims "$output"), expected $size"
  done
  for output in "out/$name.y4m" "out/$name.mkv"; do
    [ "$(rate_of "$output")" = 30000/1001 ] || fail "$output: rate $(rate_of "$output"), expected 30000/1001"
  done
  # mkv (FFV1) and PNG are both lossless: the same pixels, frame by frame.
  [ -n "$(hashes "out/$name.mkv")" ] && [ "$(hashes "out/$name.mkv")" = "$(hashes "out/$name.png.d/f%03d.png")" ] ||
    fail "$name: the mkv and the PNG sequence differ"
  ls -A "out/$name.png.d" | grep -q '^\.' && fail "$name: a hidden staging directory was left beside the PNGs"
done

# Pipes on both sides: the same stream and the same y4m as with files.
enc - - <in/clip.y4m >out/stdin.bsq 2>"$log/err" || fail "bsqenc - - < y4m: $(cat "$log/err")"
cmp -s out/stdin.bsq out/clip.y4m.bsq || fail "encoding y4m from stdin differs from encoding the file"
cat in/clip.y4m | enc - - 2>/dev/null | dec - - >out/pipe.y4m 2>"$log/err" || fail "cat | bsqenc - - | bsqdec - -: $(cat "$log/err")"
cmp -s out/pipe.y4m out/clip.y4m.y4m || fail "the pipe round trip differs from the file round trip"
ffmpeg -v error -i in/clip.mp4 -c:v ffv1 -f matroska - | enc - out/stdin_mkv.bsq 2>"$log/err" ||
  fail "bsqenc of mkv on stdin: $(cat "$log/err")"
[ "$(info_field frames out/stdin_mkv.bsq)" = 5 ] || fail "mkv on stdin: not 5 frames"
# An image on stdin is still an image.
make_image in/still.png 64x48
enc - out/still.bsq <in/still.png 2>/dev/null || fail "bsqenc of a PNG on stdin"
[ "$(info_field video out/still.bsq)" = false ] || fail "a PNG on stdin was coded as a video"
dec out/still.bsq out/still.png 2>/dev/null && [ "$(dims out/still.png)" = 64x48 ] || fail "the still stream does not decode"

# GOPs: --keyint 2 makes GOPs of frames 0-1, 2-3, 4; --info lists them; --keyint 1 makes 5.
enc --keyint 2 in/clip.y4m out/k2.bsq 2>/dev/null || fail "bsqenc --keyint 2"
gops=$(dec --info --json out/k2.bsq | grep -o '"gops":\[[^]]*\]')
[ "$(grep -o '"first_frame":[0-9]*' <<<"$gops" | cut -d: -f2 | tr '\n' ' ')" = "0 2 4 " ] ||
  fail "--keyint 2: GOPs $gops"
dec --info out/k2.bsq | grep -q "3 GOPs" || fail "bsqdec --info text does not count the GOPs: $(dec --info out/k2.bsq)"
enc --keyint 1 --json in/clip.y4m out/k1.bsq >"$log/json" 2>/dev/null || fail "bsqenc --keyint 1"
[ "$(json_field key_frames <"$log/json")" = 5 ] || fail "--keyint 1: $(cat "$log/json")"

# --start/--frames in bsqdec: exactly those frames of a full decode, also from mid-GOP.
dec out/k2.bsq "out/full%02d.png" 2>/dev/null || fail "bsqdec k2 to PNGs"
dec --start 3 --frames 2 out/k2.bsq "out/part%02d.png" 2>"$log/err" || fail "bsqdec --start 3 --frames 2: $(cat "$log/err")"
[ -f out/part01.png ] && [ -f out/part02.png ] && [ ! -e out/part03.png ] || fail "--start 3 --frames 2: $(ls out)"
cmp -s out/part01.png out/full04.png && cmp -s out/part02.png out/full05.png ||
  fail "--start 3 --frames 2 differs from frames 3 and 4 of the full decode"
dec --start 1 out/k2.bsq out/tail.mkv 2>/dev/null || fail "bsqdec --start 1 to mkv"
[ "$(hashes out/tail.mkv)" = "$(hashes out/full%02d.png | tail -n 4)" ] || fail "--start 1 differs from the full decode"
# --start/--frames in bsqenc: that range of the input.
enc --start 1 --frames 3 --json in/clip.y4m out/range.bsq >"$log/json" 2>/dev/null || fail "bsqenc --start 1 --frames 3"
[ "$(info_field frames out/range.bsq)" = 3 ] || fail "bsqenc --start 1 --frames 3: $(info_field frames out/range.bsq) frames"

# Errors: one line, the documented exit code, no file left.
cd out || exit 1
e_enc() { expect "$1" "$2" -- "$bsqenc" --model "$model" "${@:4}"; }
e_dec() { expect "$1" "$2" -- "$bsqdec" --model "$model" "${@:4}"; }
size=$(wc -c <k2.bsq)
# Cut in the middle of the last GOP.
last=$(grep -o '"offset":[0-9]*,"bytes":[0-9]*' <<<"$gops" | tail -n 1 | sed 's/"offset":\([0-9]*\),"bytes":\([0-9]*\)/\1 + \2 \/ 2/')
[ -n "$last" ] || fail "no GOP offsets in --info: $gops"
head -c $((last)) k2.bsq >cut.bsq
e_dec 4 "" -- cut.bsq cut.y4m
e_dec 4 "" -- cut.bsq cut.mkv
e_dec 4 "" -- cut.bsq "cut%02d.png"
# The index sits after the last GOP: damage a byte between the last GOP's end and the end.
fram_end=$(dec --info --json k2.bsq | grep -o '"type":"FRAM","offset":[0-9]*,"bytes":[0-9]*' | tail -n 1 |
  sed 's/.*"offset":\([0-9]*\),"bytes":\([0-9]*\)/\1 + \2/')
fram_end=$((fram_end))
at=$(((fram_end + size) / 2))
[ "$at" -gt "$fram_end" ] || fail "no index after the last GOP ($fram_end of $size bytes)"
cp k2.bsq bad.bsq
byte=$(od -An -tu1 -j"$at" -N1 k2.bsq | tr -d ' ')
printf "\\$(printf '%03o' $((byte ^ 255)))" | dd of=bad.bsq bs=1 seek="$at" conv=notrunc 2>/dev/null
cmp -s k2.bsq bad.bsq && fail "bad.bsq is not damaged"
e_dec 4 "" -- bad.bsq bad.y4m
e_dec 4 "" -- --start 3 bad.bsq bad.mkv
e_dec 2 "start" -- --start 5 k2.bsq past.y4m
e_dec 2 "still" -- --start 1 still.bsq s.png
e_dec 2 "video" -- --compare ../in/still.png k2.bsq c.y4m
e_enc 2 "still" -- --keyint 2 ../in/still.png s.bsq
e_enc 2 "video" -- --tokens t.npy ../in/clip.y4m t.bsq
e_enc 2 "start" -- --start 9 ../in/clip.y4m late.bsq
cp k2.bsq exists.y4m
e_dec 2 "exists" -- k2.bsq exists.y4m
rm exists.y4m
# A clip whose frame size changes: two MPEG-TS clips of two sizes, end to end.
ffmpeg -v error -f lavfi -i testsrc=size=64x48:rate=25 -frames:v 3 -c:v mpeg2video -y "$tmp/a.ts" &&
  ffmpeg -v error -f lavfi -i testsrc=size=32x32:rate=25 -frames:v 3 -c:v mpeg2video -y "$tmp/b.ts" &&
  cat "$tmp/a.ts" "$tmp/b.ts" >"$tmp/ab.ts" || fail "ffmpeg could not make the size-changing clip"
e_enc 4 "32x32" -- "$tmp/ab.ts" ab.bsq
cd ..

finish "bsqenc/bsqdec video"
