#!/usr/bin/env bash
# bsqenc / bsqdec failures: each gives its documented exit code and one line on stderr, creates no
# file (not even a temporary one) and leaves existing files untouched.
# Usage: bsqcodec_errors.sh BSQENC BSQDEC TINY_MODEL_DIR
source "$(dirname "$0")/bsqcodec_common.sh"
bsqenc=$1
bsqdec=$2
model=$3/tiny1.bsqm
other_model=$3/tiny2.bsqm
for m in "$model" "$other_model"; do
  [ -f "$m" ] || { echo "FAIL: $m missing (the bsqcodec_cli_tiny_model fixtures make it)"; exit 1; }
done
unset BSQ_MODEL
cd "$work" || exit 1
make_image in.png 64x48
make_image small.png 8x8
"$bsqenc" --model "$model" --quiet in.png good.bsq || fail "cannot make good.bsq"
mkdir dir
echo "hello, not an image" >notes.txt
: >empty.png
: >empty.bsq
cp good.bsq existing.bsq
cp in.png existing.png
size=$(wc -c <good.bsq)
head -c $((size / 2)) good.bsq >truncated.bsq
# Flip every bit of the last byte of coded tokens (before the FRAM chunk's CRC and the 20-byte end
# marker): the chunk's CRC must catch it.
cp good.bsq corrupt.bsq
mid=$((size - 25))
byte=$(od -An -tu1 -j"$mid" -N1 good.bsq | tr -d ' ')
printf "\\$(printf '%03o' $((byte ^ 255)))" | dd of=corrupt.bsq bs=1 seek="$mid" conv=notrunc 2>/dev/null
cmp -s good.bsq corrupt.bsq && fail "corrupt.bsq is not corrupted"
enc() { expect "$1" "$2" -- "$bsqenc" --model "$model" "${@:4}"; }
dec() { expect "$1" "$2" -- "$bsqdec" --model "$model" "${@:4}"; }

# Usage errors: 2.
enc 2 "not expected" -- --no-such-option in.png out.bsq
enc 2 "required" -- in.png
enc 2 "101" -- -q 101 in.png out.bsq
enc 2 "exclude" -- --quiet -v in.png out.bsq
enc 2 "overwrite" -- in.png existing.bsq
cmp -s existing.bsq good.bsq || fail "bsqenc changed an existing output without -y"
enc 2 "input file" -- in.png in.png
enc 2 "input file" -- -y in.png ./dir/../in.png
ln in.png hardlink.png
enc 2 "input file" -- -y in.png hardlink.png
rm hardlink.png
cmp -s in.png existing.png || fail "bsqenc changed its input"
dec 2 "required" -- good.bsq
dec 2 "overwrite" -- good.bsq existing.png
cmp -s existing.png in.png || fail "bsqdec changed an existing output without -y"
dec 2 "input file" -- -y good.bsq good.bsq
dec 2 "extension" -- good.bsq out.xyz
dec 2 "info" -- --info good.bsq out.png
dec 2 "8x8" -- --compare small.png good.bsq out.png

# I/O errors: 3.
enc 3 "nope.png" -- nope.png out.bsq
enc 3 "directory" -- dir out.bsq
enc 3 "directory" -- in.png dir
enc 3 "no-such-dir" -- in.png no-such-dir/out.bsq
expect 3 "nowhere.bsqm" -- "$bsqenc" --model nowhere.bsqm in.png out.bsq
expect 3 "directory" -- "$bsqdec" --model dir good.bsq out.png
[ -e /dev/full ] && enc 3 "/dev/full" -- in.png /dev/full
dec 3 "nope.bsq" -- nope.bsq out.png
dec 3 "directory" -- dir out.png
dec 3 "directory" -- good.bsq dir
dec 3 "nope.png" -- --compare nope.png good.bsq out.png

# Invalid input: 4.
enc 4 "notes.txt" -- notes.txt out.bsq
enc 4 "empty" -- empty.png out.bsq
expect 4 "notes.txt" -- "$bsqenc" --model notes.txt in.png out.bsq
dec 4 "not a .bsq" -- notes.txt out.png
dec 4 "empty" -- empty.bsq out.png
dec 4 "CRC" -- corrupt.bsq out.png
dec 4 "truncated" -- truncated.bsq out.png
dec 4 "truncated" -- --info truncated.bsq
dec 4 "notes.txt" -- --compare notes.txt good.bsq out.png

# A stream made with another model: 5, naming the model file.
expect 5 "tiny2.bsqm" -- "$bsqdec" --model "$other_model" good.bsq out.png

# Whatever failed, the existing files are as they were.
cmp -s existing.bsq good.bsq && cmp -s existing.png in.png || fail "an existing file changed"
finish "bsqenc/bsqdec errors"
