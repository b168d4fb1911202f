#!/usr/bin/env bash
# The frei0r plugin inside stock ffmpeg: the frames it codes equal bsqenc + bsqdec of the clip at
# the same quality, alpha passes through, the run ends with a summary line, and a model that cannot
# be loaded stops ffmpeg with bsq's one-line reason. Usage: frei0r.sh PLUGIN_DIR BSQENC BSQDEC TINY_MODEL_DIR
source "$(dirname "$0")/bsqcodec_common.sh"
plugin_dir=$1
enc=$2
dec=$3
tiny=$4/nested.bsqm  # nested bits, so the quality matters
[ -f "$plugin_dir/bsq.so" ] || { echo "FAIL: $plugin_dir/bsq.so missing"; exit 1; }
[ -f "$tiny" ] || { echo "FAIL: $tiny missing (the bsqcodec_cli_tiny_model fixture makes it)"; exit 1; }
export FREI0R_PATH=$plugin_dir BSQ_MODEL=$tiny
cd "$work" || exit 1
size=64x48
frame_bytes=$((64 * 48 * 4))

# Three RGBA frames of a moving pattern with a varying alpha (the gradient of the alpha plane).
ffmpeg -v error -f lavfi -i "testsrc2=size=$size:rate=5" -f lavfi -i "gradients=size=$size:rate=5" -frames:v 3 \
  -filter_complex "[1]format=gray[a];[0][a]alphamerge,format=rgba" -f rawvideo in.rgba || fail "ffmpeg could not make the input"
[ "$(stat -c %s in.rgba)" -eq $((3 * frame_bytes)) ] || fail "input has $(stat -c %s in.rgba) bytes"
raw_in=(-f rawvideo -pix_fmt rgba -s "$size" -framerate 5)

# Quality 0.5 is bsqenc -q 50; the plugin codes at effort 1 (no search), so bsqenc below does too.
ffmpeg -v error "${raw_in[@]}" -i in.rgba -vf frei0r=bsq:0.5 -f rawvideo -pix_fmt rgba out.rgba 2>"$log/err" ||
  fail "ffmpeg -vf frei0r=bsq:0.5: $(cat "$log/err")"
[ "$(stat -c %s out.rgba 2>/dev/null)" = $((3 * frame_bytes)) ] || fail "output has $(stat -c %s out.rgba 2>/dev/null) bytes"
grep -q "^bsq (frei0r): 3 frames of $size at quality 50 ($tiny, [0-9]* of 8 bits per token): [0-9.]* bpp on average$" "$log/err" ||
  fail "no summary line: $(cat "$log/err")"
cmp -s in.rgba out.rgba && fail "the plugin left the frames unchanged"

# The plugin codes the frames as a video: the same as bsqenc + bsqdec of the clip at that quality
# (three frames are one GOP both ways), and frame 0, the key frame, as bsqenc of that one picture.
ffmpeg -v error "${raw_in[@]}" -i in.rgba -c:v ffv1 -pix_fmt bgr0 in.mkv || fail "ffmpeg could not write in.mkv"
"$enc" -y -q 50 -e 1 in.mkv clip.bsq 2>"$log/err" || fail "bsqenc (video): $(cat "$log/err")"
"$dec" -y clip.bsq clip_bsq.mkv 2>"$log/err" || fail "bsqdec (video): $(cat "$log/err")"
ffmpeg -v error -i clip_bsq.mkv -f rawvideo -pix_fmt rgb24 want.rgb || fail "ffmpeg could not read clip_bsq.mkv"
ffmpeg -v error -f rawvideo -pix_fmt rgba -s "$size" -i out.rgba -f rawvideo -pix_fmt rgb24 got.rgb
cmp -s want.rgb got.rgb || fail "the plugin's frames differ from bsqenc -q 50 + bsqdec of the clip"
head -c $frame_bytes in.rgba >f0.rgba
ffmpeg -v error -f rawvideo -pix_fmt rgba -s "$size" -i f0.rgba -pix_fmt rgb24 f0.png || fail "ffmpeg could not write f0.png"
# A clip's frames have no residual layer: the still's tokens alone.
"$enc" -y -q 50 -e 1 --no-residual --no-filter f0.png f0.bsq 2>"$log/err" || fail "bsqenc: $(cat "$log/err")"
"$dec" -y f0.bsq f0_bsq.png 2>"$log/err" || fail "bsqdec: $(cat "$log/err")"
ffmpeg -v error -i f0_bsq.png -f rawvideo -pix_fmt rgb24 want0.rgb || fail "ffmpeg could not read f0_bsq.png"
head -c $((64 * 48 * 3)) got.rgb >got0.rgb
cmp -s want0.rgb got0.rgb || fail "frame 0 from the plugin differs from bsqenc -q 50 --no-residual --no-filter + bsqdec of that picture"
head -c $((2 * frame_bytes)) in.rgba | tail -c $frame_bytes >f2.rgba
head -c $((2 * frame_bytes)) out.rgba | tail -c $frame_bytes >got2.rgba
# Alpha: byte 4 of every pixel, unchanged.
alpha() { od -An -v -tu1 -w4 "$1" | awk '{print $4}' | md5sum; }
[ "$(alpha f2.rgba)" = "$(alpha got2.rgba)" ] || fail "alpha changed"

# A model that cannot be loaded: ffmpeg fails, and bsq's line says why.
BSQ_MODEL=$work/missing.bsqm ffmpeg -v error "${raw_in[@]}" -i in.rgba -vf frei0r=bsq -f rawvideo -y bad.rgba 2>"$log/err" &&
  fail "ffmpeg succeeded without a model"
grep -q "^bsq (frei0r): cannot open model '$work/missing.bsqm'$" "$log/err" || fail "no reason given: $(cat "$log/err")"
printf 'not a model' >foreign.bsqm
BSQ_MODEL=$work/foreign.bsqm ffmpeg -v error "${raw_in[@]}" -i in.rgba -vf frei0r=bsq -f rawvideo -y bad.rgba 2>"$log/err" &&
  fail "ffmpeg succeeded with a foreign model file"
grep -q "^bsq (frei0r): model '$work/foreign.bsqm': not a bsq model file$" "$log/err" || fail "no reason given: $(cat "$log/err")"

finish "frei0r plugin"
