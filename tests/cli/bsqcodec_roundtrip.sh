#!/usr/bin/env bash
# bsqenc | bsqdec end to end with a tiny random model: every input kind and odd size, pipes, output
# formats, deterministic decoding, --json, --compare, --info and -q with a nested-bit model.
# Usage: bsqcodec_roundtrip.sh BSQENC BSQDEC TINY_MODEL_DIR
source "$(dirname "$0")/bsqcodec_common.sh"
bsqenc=$1
bsqdec=$2
model=$3/tiny1.bsqm
[ -f "$model" ] || { echo "FAIL: $model missing (the bsqcodec_cli_tiny_model fixture makes it)"; exit 1; }
unset BSQ_MODEL
enc() { "$bsqenc" --model "$model" "$@"; }
dec() { "$bsqdec" --model "$model" "$@"; }
cd "$work" && mkdir in out || exit 1

# Inputs: name, size, ffmpeg output options.
make_image in/rgb.png 64x48
make_image in/photo.jpg 64x48 -q:v 3
make_image in/lossless.webp 64x48 -c:v libwebp -lossless 1
make_image in/deep.png 64x48 -pix_fmt rgb48be
make_image in/gray.png 64x48 -pix_fmt gray
make_image in/gray.pgm 40x24 -pix_fmt gray
make_image in/pic.bmp 64x48
make_image in/pic.tif 64x48
make_image in/pic.ppm 64x48
make_image in/one.png 1x1
make_image in/tiny.png 3x5
make_image in/strip.png 1000x7
# Half-transparent: alpha that is really there, so the warning must appear.
ffmpeg -v error -f lavfi -i "testsrc=size=64x48,format=rgba,colorchannelmixer=aa=0.5" -frames:v 1 -y in/alpha.png ||
  fail "ffmpeg could not make in/alpha.png"

for input in in/*; do
  name=$(basename "$input")
  enc "$input" "out/$name.bsq" 2>"$log/err" || { fail "bsqenc $name: exit $? ($(cat "$log/err"))"; continue; }
  # Only the summary line, plus the documented warnings for what the conversion lost.
  case $name in
    alpha.png) grep -q "warning: .*alpha" "$log/err" || fail "bsqenc $name: no alpha warning: $(cat "$log/err")" ;;
    deep.png) grep -q "warning: .*16-bit" "$log/err" || fail "bsqenc $name: no 16-bit warning: $(cat "$log/err")" ;;
    *) ! grep -q warning "$log/err" || fail "bsqenc $name: unexpected warning: $(cat "$log/err")" ;;
  esac
  dec --json --compare "$input" "out/$name.bsq" "out/$name.png" >"$log/json" 2>"$log/err" ||
    { fail "bsqdec $name: exit $? ($(cat "$log/err"))"; continue; }
  [ "$(dims "out/$name.png")" = "$(dims "$input")" ] || fail "$name: decoded $(dims "out/$name.png"), input $(dims "$input")"
  size=$(json_field width <"$log/json")x$(json_field height <"$log/json")
  [ "$size" = "$(dims "$input")" ] || fail "$name: --json says $size"
  psnr=$(json_field psnr <"$log/json")
  # A random model reconstructs badly, but the PSNR must be a real, finite number; or null (an
  # exact copy) for the one pixel, which the residual layer of the default quality restores.
  [ "$name/$psnr" = one.png/null ] ||
    [[ $psnr =~ ^[0-9]+(\.[0-9]+)?([eE][-+]?[0-9]+)?$ ]] || fail "$name: PSNR '$psnr' is not a finite number ($(cat "$log/json"))"
  dec "out/$name.bsq" "out/$name.again.png" 2>/dev/null || fail "bsqdec $name: second decode failed"
  cmp -s "out/$name.png" "out/$name.again.png" || fail "$name: two decodes differ"
done

# Pipes: stdin and stdout on both sides give the same bytes as files.
cat in/rgb.png | enc - - | dec - out/pipe.png 2>"$log/err" || fail "cat | bsqenc - - | bsqdec - out: $(cat "$log/err")"
cmp -s out/pipe.png out/rgb.png.png || fail "the pipe round trip differs from the file round trip"
enc - - <in/rgb.png >out/stdin.bsq 2>/dev/null || fail "bsqenc - - exit $?"
cmp -s out/stdin.bsq out/rgb.png.bsq || fail "encoding from stdin differs from encoding the file"
dec out/rgb.png.bsq - >out/stdout.png 2>/dev/null || fail "bsqdec to stdout exit $?"
cmp -s out/stdout.png out/rgb.png.png || fail "decoding to stdout differs from decoding to a file"
enc --json in/rgb.png - >/dev/null 2>"$log/json" || fail "bsqenc --json to stdout"
[ "$(json_field bytes <"$log/json")" = "$(wc -c <out/rgb.png.bsq)" ] || fail "bsqenc --json to stdout: $(cat "$log/json")"

# Thread counts do not change the tiny model's stream or pixels: products this small are not
# split across threads (larger ones can be: man bsqdec).
enc --threads 1 in/strip.png out/t1.bsq 2>/dev/null && enc --threads 2 in/strip.png out/t2.bsq 2>/dev/null ||
  fail "bsqenc --threads"
cmp -s out/t1.bsq out/t2.bsq || fail "the stream depends on --threads"
dec --threads 1 out/t1.bsq out/t1.png 2>/dev/null && dec --threads 2 out/t1.bsq out/t2.png 2>/dev/null ||
  fail "bsqdec --threads"
cmp -s out/t1.png out/t2.png || fail "the decoded image depends on --threads"

# Output formats by extension, and special files written in place.
for ext in ppm bmp tif jpg webp; do
  dec out/rgb.png.bsq "out/rgb.$ext" 2>/dev/null || { fail "bsqdec to .$ext: exit $?"; continue; }
  [ "$(dims "out/rgb.$ext")" = 64x48 ] || fail ".$ext output is $(dims "out/rgb.$ext")"
done
dec out/rgb.png.bsq /dev/null 2>/dev/null || fail "bsqdec to /dev/null"
enc in/rgb.png /dev/null 2>/dev/null || fail "bsqenc to /dev/null"

# -y replaces; --quiet is silent; the JSON of bsqenc has its keys; $BSQ_MODEL is the default model.
cp in/rgb.png out/replace.png
dec -y out/rgb.png.bsq out/replace.png 2>/dev/null && cmp -s out/replace.png out/rgb.png.png || fail "-y did not replace"
enc --quiet -y in/rgb.png out/rgb.png.bsq 2>"$log/err" || fail "bsqenc --quiet exit $?"
[ ! -s "$log/err" ] || fail "bsqenc --quiet printed: $(cat "$log/err")"
enc --json -y in/alpha.png out/alpha.bsq >"$log/json" 2>/dev/null || fail "bsqenc --json exit $?"
for key in input output width height bytes bpp quality bits raw_bpp seconds source_format alpha_dropped model device; do
  grep -q "\"$key\":" "$log/json" || fail "bsqenc --json lacks $key: $(cat "$log/json")"
done
[ "$(json_field alpha_dropped <"$log/json")" = true ] || fail "bsqenc --json: alpha_dropped is not true"
BSQ_MODEL=$model "$bsqenc" in/rgb.png out/env.bsq 2>/dev/null || fail "bsqenc with \$BSQ_MODEL exit $?"
cmp -s out/env.bsq out/rgb.png.bsq || fail "\$BSQ_MODEL gave another stream"

# --info: header and chunk sizes, without a model.
"$bsqdec" --model /nonexistent --info out/rgb.png.bsq >"$log/info" 2>&1 || fail "bsqdec --info exit $?: $(cat "$log/info")"
grep -q "64x48" "$log/info" && grep -q FRAM "$log/info" && grep -q BEND "$log/info" || fail "--info: $(cat "$log/info")"
"$bsqdec" --info --json - <out/rgb.png.bsq >"$log/json" || fail "bsqdec --info --json exit $?"
[ "$(json_field width <"$log/json")" = 64 ] && grep -q '"type":"FRAM"' "$log/json" || fail "--info --json: $(cat "$log/json")"
[ "$(json_field bytes <"$log/json")" = "$(wc -c <out/rgb.png.bsq)" ] || fail "--info --json bytes: $(cat "$log/json")"

# -q with a fixed-rate model: below -q 17 the one rate, and a warning that -q did nothing; from
# there up a residual layer, whose step -q sets: larger and closer streams, no warning.
enc -q 10 in/rgb.png out/q10.bsq 2>"$log/err" || fail "bsqenc -q 10 exit $?"
grep -q "warning: .*single rate" "$log/err" || fail "bsqenc -q with a fixed-rate model: no warning: $(cat "$log/err")"
enc -q 1 in/rgb.png out/q1.bsq 2>/dev/null || fail "bsqenc -q 1 exit $?"
cmp -s out/q10.bsq out/q1.bsq || fail "-q changed the stream of a fixed-rate model below -q 17"
enc --no-residual -q 60 in/rgb.png out/q60plain.bsq 2>"$log/err" || fail "bsqenc --no-residual -q 60 exit $?"
grep -q "warning: .*single rate" "$log/err" || fail "bsqenc --no-residual -q 60 with a fixed-rate model: no warning"
cmp -s out/q60plain.bsq out/q1.bsq || fail "--no-residual -q 60 changed the stream of a fixed-rate model"
last_bytes=$(wc -c <out/q1.bsq)
for q in 17 70 100; do
  enc --json -q "$q" in/rgb.png "out/r$q.bsq" >"$log/json" 2>"$log/err" || fail "bsqenc -q $q exit $?"
  ! grep -q warning "$log/err" || fail "bsqenc -q $q: unexpected warning: $(cat "$log/err")"
  bytes=$(wc -c <"out/r$q.bsq")
  [ "$bytes" -gt "$last_bytes" ] || fail "-q $q: $bytes bytes, not more than $last_bytes below it"
  last_bytes=$bytes
  "$bsqdec" --info --json "out/r$q.bsq" >"$log/info" || fail "-q $q: --info"
  grep -q '"type":"RESI"' "$log/info" || fail "-q $q: no residual layer: $(cat "$log/info")"
  # 1.4, or 1.5 with the restoration filter (the encoder's choice; a random model always needs it).
  grep -q '"version":"1.5"' "$log/info" && grep -q '"type":"FILT"' "$log/info" ||
    fail "-q $q: not a 1.5 stream with a filter: $(cat "$log/info")"
done
# --no-filter: the same tokens and layer, no FILT chunk, version 1.4.
enc --no-filter -q 70 in/rgb.png out/r70plain.bsq 2>"$log/err" || fail "bsqenc --no-filter -q 70 exit $?"
"$bsqdec" --info --json out/r70plain.bsq >"$log/info" || fail "--no-filter: --info"
grep -q '"version":"1.4"' "$log/info" && grep -q '"type":"RESI"' "$log/info" && ! grep -q '"type":"FILT"' "$log/info" ||
  fail "--no-filter -q 70: $(cat "$log/info")"
[ "$(wc -c <out/r70plain.bsq)" -lt "$(wc -c <out/r70.bsq)" ] || fail "--no-filter -q 70: not smaller than with the filter"

# -q with a nested-bit model (2..8 bits per token), the same bits everywhere: bits and size grow
# with the quality, every stream decodes, and --info reports the bits the stream carries.
nested=$3/nested.bsqm
last_bits=0
last_bytes=0
for q in 0 30 60 100; do
  "$bsqenc" --model "$nested" --uniform-bits --no-residual --no-filter --json -q "$q" in/photo.jpg "out/n$q.bsq" >"$log/json" 2>"$log/err" || fail "nested -q $q: exit $? ($(cat "$log/err"))"
  bits=$(json_field bits <"$log/json")
  bytes=$(wc -c <"out/n$q.bsq")
  [ "$bits" -ge "$last_bits" ] && [ "$bytes" -ge "$last_bytes" ] || fail "nested -q $q: $bits bits, $bytes bytes after $last_bits, $last_bytes"
  last_bits=$bits
  last_bytes=$bytes
  "$bsqdec" --model "$nested" "out/n$q.bsq" "out/n$q.png" 2>"$log/err" || fail "nested -q $q: bsqdec exit $? ($(cat "$log/err"))"
  [ "$(dims "out/n$q.png")" = 64x48 ] || fail "nested -q $q: decoded $(dims "out/n$q.png")"
  "$bsqdec" --info --json "out/n$q.bsq" >"$log/info" || fail "nested -q $q: --info"
  [ "$(json_field bits <"$log/info")" = "$bits" ] || fail "nested -q $q: --info says $(cat "$log/info"), bsqenc $bits bits"
done
[ "$(json_field bits <"$log/json")" = 8 ] || fail "nested -q 100 does not use all 8 bits: $(cat "$log/json")"
# Bits per window (the default): the stream decodes to the same size, and keeps at most the
# model's 8 bits; every stream is version 1.3 (the PRIO chunk: prior revision 2) or, with a
# residual layer, 1.4, or with a restoration filter 1.5, and one whose windows differ has its WBIT
# chunk too.
for q in 30 60; do
  "$bsqenc" --model "$nested" -q "$q" in/photo.jpg "out/w$q.bsq" 2>"$log/err" || fail "per-window -q $q: exit $? ($(cat "$log/err"))"
  "$bsqdec" --model "$nested" "out/w$q.bsq" "out/w$q.png" 2>"$log/err" || fail "per-window -q $q: bsqdec exit $? ($(cat "$log/err"))"
  [ "$(dims "out/w$q.png")" = 64x48 ] || fail "per-window -q $q: decoded $(dims "out/w$q.png")"
  "$bsqdec" --info --json "out/w$q.bsq" >"$log/info" || fail "per-window -q $q: --info"
  bits=$(json_field bits <"$log/info")
  [ "$bits" -ge 2 ] && [ "$bits" -le 8 ] || fail "per-window -q $q: $bits bits"
  # From -q 17 up the stream has a residual layer too (version 1.4).
  version=1.3
  [ "$q" -ge 17 ] && version=1.4
  grep -q '"type":"FILT"' "$log/info" && version=1.5
  case "$(json_field version <"$log/info" | tr -d '"')/$(json_field prior <"$log/info")/$(json_field bits_window <"$log/info")" in
    $version/2/0 | $version/2/[1-9]*) ;;
    *) fail "per-window -q $q: --info says $(cat "$log/info")" ;;
  esac
done
"$bsqenc" --model "$nested" --json -q 0 in/photo.jpg - 2>&1 >/dev/null | grep -q '"bits":2' || fail "nested -q 0 does not use the lowest 2 bits"
# A stream of 2-bit tokens names the nested model; another model refuses it.
"$bsqdec" --model "$model" out/n0.bsq out/wrong.png 2>/dev/null
[ $? = 5 ] || fail "a fixed-rate model decoded the nested model's stream"

# A model set (--model twice): tokens alone (no filter), -q 100 reaches the fixed 8-bit model, listed first,
# lower qualities the nested one; bsqdec takes the model each stream names, whatever the order.
for q in 30 100; do
  "$bsqenc" --model "$model" --model "$nested" --no-residual --no-filter --json -q "$q" in/photo.jpg "out/set$q.bsq" >"$log/json" 2>"$log/err" ||
    fail "set -q $q: exit $? ($(cat "$log/err"))"
  want=$nested
  [ "$q" = 100 ] && want=$model
  grep -q "\"model\":\"$want\"" "$log/json" || fail "set -q $q: not coded with $want: $(cat "$log/json")"
  "$bsqdec" --model "$nested" --model "$model" "out/set$q.bsq" "out/set$q.png" 2>"$log/err" ||
    fail "set -q $q: bsqdec exit $? ($(cat "$log/err"))"
  BSQ_MODEL="$nested:$model" "$bsqdec" "out/set$q.bsq" "out/env$q.png" 2>"$log/err" ||
    fail "set -q $q: bsqdec with a \$BSQ_MODEL list: exit $? ($(cat "$log/err"))"
  cmp -s "out/set$q.png" "out/env$q.png" || fail "set -q $q: --model and \$BSQ_MODEL decode differently"
done
cmp -s out/set30.bsq out/n30.bsq || fail "set -q 30: another stream than the nested model alone"
# A stream neither model of the set made: 5, naming both.
"$bsqdec" --model "$nested" --model "$nested" out/rgb.png.bsq out/wrong.png 2>"$log/err"
[ $? = 5 ] && grep -q "nested.bsqm, .*nested.bsqm" "$log/err" || fail "a set without the stream's model: $(cat "$log/err")"

finish "bsqenc/bsqdec round trips"
