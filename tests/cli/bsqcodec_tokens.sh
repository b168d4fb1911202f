#!/usr/bin/env bash
# bsqenc --tokens and bsqdec --from-tokens with tiny random models: the .npy header is numpy's
# version 1.0 layout with the documented shape and dtype (and numpy.load reads it, where python3
# has numpy), the sidecar holds bits, fingerprint and size, --from-tokens gives the pixels bsqdec
# gives on the stream, and every bad token file or option fails with one line and its exit code.
# Usage: bsqcodec_tokens.sh BSQENC BSQDEC TINY_MODEL_DIR
source "$(dirname "$0")/bsqcodec_common.sh"
bsqenc=$1
bsqdec=$2
model=$3/tiny1.bsqm
other=$3/tiny2.bsqm
nested=$3/nested.bsqm
for m in "$model" "$other" "$nested"; do
  [ -f "$m" ] || { echo "FAIL: $m missing (the bsqcodec_cli_tiny_model fixtures make it)"; exit 1; }
done
unset BSQ_MODEL
enc() { "$bsqenc" --model "$model" "$@"; }
dec() { "$bsqdec" --model "$model" "$@"; }
cd "$work" || exit 1
make_image in.png 48x32

# The tiny model has 4-pixel patches and windows of 2 tokens: a 48x32 image pads to 48x32 and gives
# 8 rows of 12 tokens, 8 bits each.
enc in.png s.bsq --tokens t.npy 2>"$log/err" || fail "bsqenc --tokens: $(cat "$log/err")"
grep -q "1x8x12 tokens of 8 bits -> t.npy" "$log/err" || fail "bsqenc --tokens summary: $(cat "$log/err")"
[ -f s.bsq ] && [ -f t.npy ] && [ -f t.json ] || fail "bsqenc --tokens did not write s.bsq, t.npy and t.json: $(ls)"

# The .npy header, byte by byte: magic, version 1.0, u16 length, the dict padded to 64 bytes.
[ "$(head -c 8 t.npy | od -An -tx1 | tr -d ' \n')" = 934e554d50590100 ] || fail "t.npy: magic or version: $(head -c 8 t.npy | od -An -tx1)"
header_len=$(od -An -tu2 -j8 -N2 --endian=little t.npy | tr -d ' ')
[ $(((10 + header_len) % 64)) -eq 0 ] || fail "t.npy: header of $header_len bytes does not end on a 64-byte boundary"
dict=$(head -c $((10 + header_len)) t.npy | tail -c +11)
[[ $dict =~ ^"{'descr': '<u8', 'fortran_order': False, 'shape': (1, 8, 12), }"\ *$ ]] ||
  fail "t.npy: header dict is '$dict'"
[ "$(head -c $((10 + header_len)) t.npy | tail -c 1 | od -An -tx1 | tr -d ' ')" = 0a ] || fail "t.npy: header does not end in a newline"
[ "$(wc -c <t.npy)" -eq $((10 + header_len + 1 * 8 * 12 * 8)) ] || fail "t.npy: $(wc -c <t.npy) bytes, not header + 96 uint64"

# The sidecar: bits, model fingerprint (the one bsqdec -v names), size.
fingerprint=$(dec -v s.bsq /dev/null 2>&1 | grep -o 'fingerprint [0-9a-f]*' | head -n 1 | cut -d' ' -f2)
[ "$(json_field format <t.json)" = '"bsq-tokens"' ] || fail "t.json: format: $(cat t.json)"
[ "$(json_field version <t.json)" = 1 ] || fail "t.json: version: $(cat t.json)"
[ "$(json_field model_fingerprint <t.json)" = "\"$fingerprint\"" ] || fail "t.json: fingerprint is not $fingerprint: $(cat t.json)"
[ "$(json_field bits <t.json)" = 8 ] && [ "$(json_field patch <t.json)" = 4 ] || fail "t.json: bits or patch: $(cat t.json)"
[ "$(json_field width <t.json)x$(json_field height <t.json)" = 48x32 ] || fail "t.json: size: $(cat t.json)"

# The round trip: the grid's pixels are the stream's pixels.
dec s.bsq from_stream.png 2>"$log/err" || fail "bsqdec on the stream: $(cat "$log/err")"
"$bsqdec" --model "$other" --model "$model" --from-tokens t.npy from_tokens.png 2>"$log/err" ||
  fail "bsqdec --from-tokens: $(cat "$log/err")"
grep -q "t.npy -> from_tokens.png (48x32): 1x8x12 tokens of 8 bits" "$log/err" || fail "bsqdec --from-tokens summary: $(cat "$log/err")"
cmp -s from_stream.png from_tokens.png || fail "--from-tokens gives other pixels than decoding the stream"
dec --json --from-tokens t.npy -y from_tokens.png >"$log/json" 2>/dev/null || fail "bsqdec --from-tokens --json"
[ "$(json_field grid <"$log/json")" = "[1" ] && [ "$(json_field bits <"$log/json")" = 8 ] ||
  fail "bsqdec --from-tokens --json: $(cat "$log/json")"

# Tokens alone (no OUTPUT): the same files, and no stream.
mkdir alone && enc in.png --tokens alone/t.npy 2>"$log/err" || fail "bsqenc --tokens without OUTPUT: $(cat "$log/err")"
cmp -s alone/t.npy t.npy && cmp -s alone/t.json t.json || fail "bsqenc --tokens alone wrote other files"
[ "$(ls alone | tr '\n' ' ')" = "t.json t.npy " ] || fail "bsqenc --tokens alone wrote: $(ls alone)"

# A nested-bit model at its lowest rate: 2 bits per token in the sidecar, and the same round trip.
"$bsqenc" --model "$nested" -q 1 in.png n.bsq --tokens n.npy 2>/dev/null || fail "bsqenc --tokens with a nested model"
[ "$(json_field bits <n.json)" = 2 ] || fail "n.json: bits at -q 1: $(cat n.json)"
"$bsqdec" --model "$nested" n.bsq n_stream.png 2>/dev/null && "$bsqdec" --model "$nested" --from-tokens n.npy n_tokens.png 2>/dev/null ||
  fail "bsqdec of the nested model's stream or tokens"
cmp -s n_stream.png n_tokens.png || fail "nested model: --from-tokens gives other pixels than the stream"

# numpy reads the file with the documented shape and dtype, and writes one bsqdec reads back.
python=""
for p in python3 /usr/bin/python3; do
  if command -v "$p" >/dev/null && "$p" -c 'import numpy' 2>/dev/null; then python=$p; break; fi
done
if [ -z "$python" ]; then
  echo "SKIP: no python3 with numpy (Debian: python3-numpy): numpy.load is not checked; the header was"
else
  "$python" - >"$log/py" 2>&1 <<'EOF' || fail "numpy: $(cat "$log/py")"
import json, numpy as np
a = np.load("t.npy")
side = json.load(open("t.json"))
assert a.shape == (1, 8, 12), a.shape
assert a.dtype == np.uint64, a.dtype
assert int(a.max()) < 2 ** side["bits"], a.max()
assert len(np.unique(a)) > 1, "every token is the same"
# What a generative model would hand back: numpy's default int64, under another name.
np.save("gen.npy", a.astype(np.int64))
json.dump(side, open("gen.json", "w"), indent=2)
EOF
  dec --from-tokens gen.npy gen.png 2>"$log/err" || fail "bsqdec --from-tokens of numpy's int64 array: $(cat "$log/err")"
  cmp -s gen.png from_stream.png || fail "numpy's int64 copy of the grid decodes to other pixels"
fi

# Errors: one line, the documented exit code, no file left behind.
expect 2 "OUTPUT is required, unless --tokens" -- "$bsqenc" --model "$model" in.png
expect 2 "must end in .npy" -- "$bsqenc" --model "$model" in.png x.bsq --tokens x.tok
expect 2 "is one of the --tokens files" -- "$bsqenc" --model "$model" in.png x.json --tokens x.npy
expect 2 "t.npy' exists; use -y" -- "$bsqenc" --model "$model" in.png --tokens t.npy
expect 2 "one file argument, OUTPUT" -- "$bsqdec" --model "$model" --from-tokens t.npy s.bsq out.png
expect 2 "exclude each other" -- "$bsqdec" --model "$model" --from-tokens t.npy --info
expect 3 "cannot read 'missing.npy'" -- "$bsqdec" --model "$model" --from-tokens missing.npy out.png
cp t.npy lone.npy
expect 3 "cannot read 'lone.json'" -- "$bsqdec" --model "$model" --from-tokens lone.npy out.png
mkdir bad && cd bad || exit 1
# Each bad copy: NAME, a sed expression on the sidecar, the exit code and the message expected.
bad_copy() {
  cp ../t.npy "$1.npy" && sed "$2" ../t.json >"$1.json"
}
while IFS='|' read -r name edit code pattern; do
  bad_copy "$name" "$edit"
  expect "$code" "$pattern" -- "$bsqdec" --model "$model" --from-tokens "$name.npy" out.png </dev/null
done <<'CASES'
fingerprint|s/"model_fingerprint":"[0-9a-f]*"/"model_fingerprint":"0123456789abcdef"/|5|tokens were made with model 0123456789abcdef
bits|s/"bits":8/"bits":9/|4|9 bits per token; the model takes 8
size|s/"width":48/"width":64/|4|8x12 tokens, but a 64x32 image has 8x16
patch|s/"patch":4/"patch":8/|4|tokens of 8-pixel patches
format|s/bsq-tokens/other/|4|"format" is not
json|s/}/,}/|4|json.json: JSON error
version|s/"version":1/"version":2/|4|sidecar version 2
CASES
# And bad arrays beside a good sidecar.
bad_copy wide ''
printf '\001' | dd of=wide.npy bs=1 seek=$((10 + header_len + 1)) conv=notrunc 2>/dev/null  # token 0 = code | 256
expect 4 "has more than 8 bits" -- "$bsqdec" --model "$model" --from-tokens wide.npy out.png
bad_copy short ''
head -c $(($(wc -c <../t.npy) - 8)) ../t.npy >short.npy
expect 4 "not a valid .npy file" -- "$bsqdec" --model "$model" --from-tokens short.npy out.png
bad_copy garbage ''
echo "not numpy" >garbage.npy
expect 4 "garbage.npy: not a valid .npy file: no" -- "$bsqdec" --model "$model" --from-tokens garbage.npy out.png
cd ..

finish "bsqenc --tokens / bsqdec --from-tokens"
