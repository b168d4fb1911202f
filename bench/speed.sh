#!/usr/bin/env bash
# Speed and memory of bsq beside the codecs a user would pick instead, in one run so that the
# ratios compare: encode and decode megapixels per second and peak RSS on the dev images (PNG in,
# PPM out), and on two 640x360 clips of up to 30 frames, each coded as one stream: the dev clip scaled
# up (nearly still) and a pan across the first dev photo (every frame moves, so few tokens repeat).
# Usage: bench/speed.sh [OUT.md]   (default bench/speed.md; needs scripts/setup.sh first)
# BSQ_BEFORE=DIR (a folder holding bsqenc and bsqdec built from an older commit) adds their rows,
# for a before/after comparison on the same machine in the same run.
# Every tool gets both cores where it has an option for it. bsq's times are the whole process
# (start, model load, file I/O); for the clip, bsqdec's own decode rate (--json "fps") is reported
# too.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
out=${1:-$root/bench/speed.md}
build=$root/build
for tool in "$build/apps/bsqenc" "$build/apps/bsqdec"; do [ -x "$tool" ] || { echo "speed: build first" >&2; exit 3; }; done
for tool in cwebp dwebp avifenc avifdec cjxl djxl ffmpeg; do
  command -v "$tool" >/dev/null || { echo "speed: $tool missing (scripts/setup.sh)" >&2; exit 3; }
done
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
threads=$(nproc)
load_before=$(cut -d" " -f1-3 /proc/loadavg)

# The inputs: dev stills as PNG, the clips as y4m.
mkdir -p "$tmp/img"
"$root/scripts/fetch_corpus.sh" --split dev
while IFS= read -r f; do
  ffmpeg -nostdin -v error -i "$f" -frames:v 1 "$tmp/img/$(basename "${f%.*}").png"
done < <("$root/scripts/corpus_files.sh" dev stills)
clip=$("$root/scripts/corpus_files.sh" dev videos | sed -n 1p)
frames=30  # of each clip
ffmpeg -nostdin -v error -i "$clip" -vf scale=640:360:flags=bicubic -frames:v "$frames" -pix_fmt yuv420p "$tmp/clip.y4m"
# The pan: a 640x360 window moving 7 pixels right and 3 down a frame (no multiple of a patch).
pan_source=$("$root/scripts/corpus_files.sh" dev stills | sed -n 1p)
ffmpeg -nostdin -v error -loop 1 -framerate 15 -i "$pan_source" -vf "crop=640:360:x='7*n':y='3*n',format=yuv420p" \
  -frames:v "$frames" "$tmp/pan.y4m"

# run LABEL CMD...: appends "seconds max_rss_kb" of one run to $tmp/LABEL.
run() {
  local label=$1
  shift
  /usr/bin/time -f "%e %M" -o "$tmp/time" "$@" >"$tmp/stdout" 2>"$tmp/stderr" || {
    echo "speed: '$*' failed: $(head -1 "$tmp/stderr")" >&2
    exit 1
  }
  cat "$tmp/time" >>"$tmp/$label"
}

# codec NAME ENCODE DECODE EXT: encodes and decodes every dev image; ENCODE and DECODE are shell
# snippets using $in, $coded and $back.
codec() {
  local name=$1 encode=$2 decode=$3 ext=$4 in coded back
  : >"$tmp/$name.enc"
  : >"$tmp/$name.dec"
  : >"$tmp/$name.bytes"
  for in in "$tmp"/img/*.png; do
    coded=$tmp/c.$ext
    back=$tmp/back.ppm
    rm -f "$coded" "$back"
    run "$name.enc" bash -c "in='$in' coded='$coded'; $encode"
    run "$name.dec" bash -c "coded='$coded' back='$back'; $decode"
    stat -c %s "$coded" >>"$tmp/$name.bytes"
  done
}

# Megapixels of the dev images, once.
mp=$(for f in "$tmp"/img/*.png; do ffprobe -v error -show_entries stream=width,height -of csv=p=0 "$f"; done |
  awk -F, '{s += $1 * $2} END {printf "%.4f", s / 1e6}')

bsq_enc="$build/apps/bsqenc -y --quiet --threads $threads"
bsq_dec="$build/apps/bsqdec -y --quiet --threads $threads"
codec bsq_q30 "$bsq_enc -q 30 \$in \$coded" "$bsq_dec \$coded \$back" bsq
codec bsq_q60 "$bsq_enc -q 60 \$in \$coded" "$bsq_dec \$coded \$back" bsq
codec bsq_q90 "$bsq_enc -q 90 \$in \$coded" "$bsq_dec \$coded \$back" bsq
codec bsq_q90_f32 "$bsq_enc --precision float32 -q 90 \$in \$coded" "$bsq_dec --precision float32 \$coded \$back" bsq
codec bsq_q90_e3 "$bsq_enc -e 3 -q 90 \$in \$coded" "$bsq_dec \$coded \$back" bsq
before=${BSQ_BEFORE:-}
before_name=${BSQ_BEFORE_NAME:-older build}
if [ -n "$before" ]; then
  codec before_q30 "$before/bsqenc -y --quiet --threads $threads -q 30 \$in \$coded" "$before/bsqdec -y --quiet --threads $threads \$coded \$back" bsq
  codec before_q90 "$before/bsqenc -y --quiet --threads $threads -q 90 \$in \$coded" "$before/bsqdec -y --quiet --threads $threads \$coded \$back" bsq
fi
codec webp "cwebp -quiet -mt -m 6 -q 75 \$in -o \$coded" "dwebp -quiet -mt \$coded -ppm -o \$back" webp
codec avif "avifenc -j $threads -s 6 --min 24 --max 32 \$in \$coded >/dev/null" "avifdec -j $threads -d 8 \$coded \$back.png >/dev/null" avif
codec jxl "cjxl --num_threads $threads -e 7 -d 1 \$in \$coded 2>/dev/null" "djxl --num_threads $threads \$coded \$back 2>/dev/null" jxl

# The clips: bsq through its video path (one process each way, as x264), x264. clip_run keeps bsqdec's
# own decode rate (--json "fps": entropy decoding, network and pixels, after the model is loaded).
# Frames as decoded (the dev clip may be shorter than $frames) and their megapixels.
frames_of() { ffprobe -v error -count_frames -select_streams v:0 -show_entries stream=nb_read_frames -of csv=p=0 "$1"; }
clip_frames=$(frames_of "$tmp/clip.y4m")
pan_frames=$(frames_of "$tmp/pan.y4m")
clip_mp=$(awk -v n="$clip_frames" 'BEGIN {printf "%.4f", n * 640 * 360 / 1e6}')
pan_mp=$(awk -v n="$pan_frames" 'BEGIN {printf "%.4f", n * 640 * 360 / 1e6}')
clip_run() {  # LABEL BSQENC BSQDEC Q INPUT
  : >"$tmp/$1.enc"
  : >"$tmp/$1.dec"
  run "$1.enc" "$2" -y --quiet --threads "$threads" -q "$4" "$5" "$tmp/clip.bsq"
  run "$1.dec" "$3" -y --quiet --threads "$threads" --json "$tmp/clip.bsq" "$tmp/back.y4m"
  sed -nE 's/.*"fps": ?([0-9.]+).*/\1/p' "$tmp/stdout" >"$tmp/$1.fps"
  [ -s "$tmp/$1.fps" ] || { echo "speed: bsqdec --json gave no fps for the clip" >&2; exit 1; }
  stat -c %s "$tmp/clip.bsq" >"$tmp/$1.bytes"
}
before_video=""  # an older build codes the clip only if it has a video path
[ -z "$before" ] || [[ $("$before/bsqenc" --help 2>&1 || true) != *--keyint* ]] || before_video=yes
for q in 40 90; do
  clip_run "clip_q$q" "$build/apps/bsqenc" "$build/apps/bsqdec" "$q" "$tmp/clip.y4m"
  clip_run "pan_q$q" "$build/apps/bsqenc" "$build/apps/bsqdec" "$q" "$tmp/pan.y4m"
  [ -z "$before_video" ] || clip_run "clip_before_q$q" "$before/bsqenc" "$before/bsqdec" "$q" "$tmp/clip.y4m"
done
for c in clip pan; do
  : >"$tmp/x264_$c.enc"
  : >"$tmp/x264_$c.dec"
  run "x264_$c.enc" ffmpeg -nostdin -v error -y -i "$tmp/$c.y4m" -c:v libx264 -preset medium -crf 23 -threads "$threads" "$tmp/x.mp4"
  run "x264_$c.dec" ffmpeg -nostdin -v error -threads "$threads" -i "$tmp/x.mp4" -f null -
done

# Report.
sum() { awk '{s += $1} END {printf "%.3f", s}' "$1"; }
peak() { awk '{if ($2 > m) m = $2} END {printf "%.0f", m / 1024}' "$1"; }
row() {  # LABEL NAME MEGAPIXELS
  local e d
  e=$(sum "$tmp/$2.enc")
  d=$(sum "$tmp/$2.dec")
  awk -v l="$1" -v mp="$3" -v e="$e" -v d="$d" -v re="$(peak "$tmp/$2.enc")" -v rd="$(peak "$tmp/$2.dec")" \
    'BEGIN {printf "| %s | %.2f | %.2f | %d | %d |\n", l, mp / e, mp / d, re, rd}'
}
bpp() { awk -v mp="$2" '{s += $1} END {printf "%.3f", 8 * s / (mp * 1e6)}' "$tmp/$1.bytes"; }
{
  echo "# Speed and memory: bsq beside the alternatives"
  echo
  echo "Made by \`bench/speed.sh\` on $(date -u +%Y-%m-%d), $(nproc) cores ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)),"
  echo "load average before the run: $load_before. Megapixels per second over the whole"
  echo "process (start, model load, file I/O included); peak RSS is the largest of the runs. bsq encodes"
  echo "at its default effort (1: the encoder network alone, man bsqenc) unless a row says otherwise."
  echo
  echo "## Dev images ($(ls "$tmp"/img/*.png | wc -l) stills, $mp megapixels in all; PNG in, PPM out)"
  echo
  echo "| codec | encode MP/s | decode MP/s | encode peak RSS (MiB) | decode peak RSS (MiB) |"
  echo "|---|---|---|---|---|"
  row "bsq -q 30 ($(bpp bsq_q30 "$mp") bpp)" bsq_q30 "$mp"
  row "bsq -q 60 ($(bpp bsq_q60 "$mp") bpp)" bsq_q60 "$mp"
  row "bsq -q 90, the default ($(bpp bsq_q90 "$mp") bpp)" bsq_q90 "$mp"
  row "bsq -q 90 --precision float32" bsq_q90_f32 "$mp"
  row "bsq -q 90 -e 3, the search of eval/ ($(bpp bsq_q90_e3 "$mp") bpp)" bsq_q90_e3 "$mp"
  [ -z "$before" ] || row "bsq -q 30 before ($before_name)" before_q30 "$mp"
  [ -z "$before" ] || row "bsq -q 90 before ($before_name)" before_q90 "$mp"
  row "cwebp -m 6 -q 75 ($(bpp webp "$mp") bpp)" webp "$mp"
  row "avifenc -s 6 --min 24 --max 32 ($(bpp avif "$mp") bpp)" avif "$mp"
  row "cjxl -e 7 -d 1 ($(bpp jxl "$mp") bpp)" jxl "$mp"
  echo
  echo "## 640x360 clips (the dev clip scaled up, $clip_frames frames, nearly still; a pan across $(basename "$pan_source"), $pan_frames frames, 7 pixels right and 3 down a frame)"
  echo
  echo "| codec | encode MP/s | decode MP/s | encode peak RSS (MiB) | decode peak RSS (MiB) |"
  echo "|---|---|---|---|---|"
  row "dev clip: bsq -q 40 ($(bpp clip_q40 "$clip_mp") bpp)" clip_q40 "$clip_mp"
  row "dev clip: bsq -q 90, the default ($(bpp clip_q90 "$clip_mp") bpp)" clip_q90 "$clip_mp"
  [ -z "$before_video" ] || row "dev clip: bsq -q 40 before ($before_name)" clip_before_q40 "$clip_mp"
  [ -z "$before_video" ] || row "dev clip: bsq -q 90 before ($before_name)" clip_before_q90 "$clip_mp"
  row "dev clip: x264 -preset medium -crf 23 (ffmpeg)" x264_clip "$clip_mp"
  row "pan: bsq -q 40 ($(bpp pan_q40 "$pan_mp") bpp)" pan_q40 "$pan_mp"
  row "pan: bsq -q 90, the default ($(bpp pan_q90 "$pan_mp") bpp)" pan_q90 "$pan_mp"
  row "pan: x264 -preset medium -crf 23 (ffmpeg)" x264_pan "$pan_mp"
  echo
  echo "bsq's decode rate inside bsqdec (its --json \"fps\": entropy decoding, network and pixels of the"
  echo "whole clip, after the model is loaded; no process start or model load), 640x360 frames. On the"
  echo "nearly still dev clip the encoder repeats tokens, even whole frames, and bsqdec runs the network"
  echo "once for a frame whose tokens are all the previous frame's; on the pan every frame moves:"
  echo
  echo "| quality | dev clip, frames per second | pan, frames per second |"
  echo "|---|---|---|"
  for q in 40 90; do
    printf '| -q %s | %.2f | %.2f |\n' "$q" "$(cat "$tmp/clip_q$q.fps")" "$(cat "$tmp/pan_q$q.fps")"
    [ -z "$before_video" ] || printf '| -q %s before (%s) | %.2f | |\n' "$q" "$before_name" "$(cat "$tmp/clip_before_q$q.fps")"
  done
} >"$out.tmp"
mv "$out.tmp" "$out"
echo "speed: wrote $out" >&2
