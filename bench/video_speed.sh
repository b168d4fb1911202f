#!/usr/bin/env bash
# Video speed and memory of bsq: bsqdec's decode rate in frames per second on a 640x360 clip, and
# the peak RSS of bsqenc and bsqdec on a short and a 10x longer clip of the same size, which should
# be the same if frames stream through (bounded memory, media/video_io.h).
# The clips: the dev clip (tree.avi, 68 pictures) scaled to 640x360 and looped to N frames.
# Usage: bench/video_speed.sh [OUT.md]   (default bench/video_speed.md; needs scripts/setup.sh first)
# Knobs: BSQ_BIN (folder of bsqenc/bsqdec, default build/apps), BSQENC / BSQDEC (the commands
# themselves: a stand-in tests this script's plumbing), VIDEO_Q (bsqenc -q, default 40),
# SHORT_FRAMES / LONG_FRAMES (default 100 / 1000), BSQ_CORPUS_DIR.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
out=${1:-$root/bench/video_speed.md}
bin=${BSQ_BIN:-$root/build/apps}
bsqenc=${BSQENC:-$bin/bsqenc}
bsqdec=${BSQDEC:-$bin/bsqdec}
q=${VIDEO_Q:-40}
short=${SHORT_FRAMES:-100}
long=${LONG_FRAMES:-1000}
corpus=${BSQ_CORPUS_DIR:-$root/data/corpus}
threads=$(nproc)
die() { echo "video_speed: $*" >&2; exit 3; }
for tool in "$bsqenc" "$bsqdec"; do [ -x "$tool" ] || die "no '$tool': build first, or set BSQ_BIN"; done
[[ $("$bsqenc" --help 2>&1 || true) == *--keyint* ]] || die "$bsqenc has no video support (no --keyint in its --help)"
command -v ffmpeg >/dev/null || die "ffmpeg missing (scripts/setup.sh)"
[ -x /usr/bin/time ] || die "/usr/bin/time missing: install the Debian package time (scripts/setup.sh does)"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
load_before=$(cut -d" " -f1-3 /proc/loadavg)

[ "$corpus" != "$root/data/corpus" ] || "$root/scripts/fetch_corpus.sh" --split dev
src=$("$root/scripts/corpus_files.sh" dev videos "$root/data/manifest.tsv" "$corpus" | sed -n 1p)
[ -f "$src" ] || die "no dev clip '$src'"

# make_clip FRAMES: the dev clip's 68 pictures (FFmpeg skips its 376 empty repeat chunks) looped,
# retimed to 15 fps one picture a frame (setpts before the rate, so nothing is duplicated or dropped),
# scaled to 640x360; stored near-losslessly (x264 CRF 10) to keep 1000 frames small.
make_clip() {
  ffmpeg -nostdin -v error -y -stream_loop -1 -i "$src" -map 0:v:0 -an \
    -vf "setpts=N/(15*TB),scale=640:360:flags=bicubic" -r 15 -frames:v "$1" \
    -c:v libx264 -preset veryfast -crf 10 -pix_fmt yuv444p "$tmp/clip$1.mp4"
  local n
  n=$(ffprobe -v error -count_frames -select_streams v:0 -show_entries stream=nb_read_frames -of csv=p=0 "$tmp/clip$1.mp4")
  [ "$n" = "$1" ] || die "the $1-frame clip has $n frames"
}
make_clip "$short"
make_clip "$long"

# run LABEL CMD...: "seconds peak_rss_kb" of one run into $tmp/LABEL (%M is time -v's "Maximum
# resident set size").
run() {
  local label=$1
  shift
  /usr/bin/time -f "%e %M" -o "$tmp/$label" "$@" >"$tmp/stdout" 2>"$tmp/stderr" ||
    die "'$*' failed: $(head -1 "$tmp/stderr")"
  echo "video_speed: $label: $(cat "$tmp/$label") (seconds, peak RSS kB)" >&2
}
enc_cmd="$bsqenc IN.mp4 OUT.bsq -q $q --threads $threads -y --quiet"
dec_cmd="$bsqdec IN.bsq OUT.mkv -y --quiet"
for n in "$short" "$long"; do
  run "enc$n" "$bsqenc" "$tmp/clip$n.mp4" "$tmp/c$n.bsq" -q "$q" --threads "$threads" -y --quiet
  run "dec$n" "$bsqdec" "$tmp/c$n.bsq" "$tmp/back$n.mkv" -y --quiet
  decoded=$(ffprobe -v error -count_frames -select_streams v:0 -show_entries stream=nb_read_frames -of csv=p=0 "$tmp/back$n.mkv")
  [ "$decoded" = "$n" ] || die "bsqdec gave $decoded frames of $n"
  stat -c %s "$tmp/c$n.bsq" >"$tmp/bytes$n"
  rm -f "$tmp/back$n.mkv"
done

# The decode rate at the default quality too (a larger model than -q 40's, with 4x4-pixel tokens).
default_q=90
run "enc_default" "$bsqenc" "$tmp/clip$short.mp4" "$tmp/default.bsq" -q "$default_q" --threads "$threads" -y --quiet
run "dec_default" "$bsqdec" "$tmp/default.bsq" "$tmp/default.mkv" -y --quiet

field() { cut -d" " -f"$2" "$tmp/$1"; }
mib() { awk -v k="$(field "$1" 2)" 'BEGIN {printf "%.0f", k / 1024}'; }
{
  echo "# Video speed and memory: bsqdec frames per second, peak RSS of bsqenc and bsqdec"
  echo
  echo "Made by \`bench/video_speed.sh\` on $(date -u +%Y-%m-%d), $threads cores ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)),"
  echo "load average before the run: $load_before."
  echo "Input: $(basename "$src") of the dev split (its 68 pictures) scaled to 640x360 (bicubic), looped to"
  echo "$short and $long frames at 15 fps, stored as x264 CRF 10 4:4:4; bsq at -q $q."
  echo "Times are the whole process (start, model load, reading and writing the clips), peak RSS is"
  echo "\`/usr/bin/time\`'s \"Maximum resident set size\"."
  echo
  echo "## Decode speed (640x360, $short frames)"
  echo
  echo "| step | seconds | frames per second |"
  echo "|---|---|---|"
  awk -v s="$(field "enc$short" 1)" -v n="$short" 'BEGIN {printf "| bsqenc | %.2f | %.2f |\n", s, n / s}'
  awk -v s="$(field "dec$short" 1)" -v n="$short" 'BEGIN {printf "| bsqdec (to FFV1 mkv) | %.2f | %.2f |\n", s, n / s}'
  echo
  echo "At the default quality, -q $default_q ($(stat -c %s "$tmp/default.bsq") bytes, $(awk -v b="$(stat -c %s "$tmp/default.bsq")" -v n="$short" 'BEGIN {printf "%.4f", 8 * b / (640 * 360 * n)}') bpp):"
  echo
  echo "| step | seconds | frames per second |"
  echo "|---|---|---|"
  awk -v s="$(field enc_default 1)" -v n="$short" 'BEGIN {printf "| bsqenc | %.2f | %.2f |\n", s, n / s}'
  awk -v s="$(field dec_default 1)" -v n="$short" 'BEGIN {printf "| bsqdec (to FFV1 mkv) | %.2f | %.2f |\n", s, n / s}'
  echo
  echo "## Peak RSS against clip length (640x360)"
  echo
  echo "| frames | stream bytes | bpp | bsqenc seconds | bsqenc peak RSS (MiB) | bsqdec seconds | bsqdec peak RSS (MiB) |"
  echo "|---|---|---|---|---|---|---|"
  for n in "$short" "$long"; do
    awk -v n="$n" -v b="$(cat "$tmp/bytes$n")" -v es="$(field "enc$n" 1)" -v em="$(mib "enc$n")" \
      -v ds="$(field "dec$n" 1)" -v dm="$(mib "dec$n")" \
      'BEGIN {printf "| %d | %d | %.4f | %.1f | %d | %.1f | %d |\n", n, b, 8 * b / (640 * 360 * n), es, em, ds, dm}'
  done
  echo
  echo "Commands (\`/usr/bin/time -f \"%e %M\"\` around each):"
  echo
  echo '```sh'
  echo "ffmpeg -stream_loop -1 -i tree.avi -map 0:v:0 -an -vf \"setpts=N/(15*TB),scale=640:360:flags=bicubic\" -r 15 -frames:v N -c:v libx264 -preset veryfast -crf 10 -pix_fmt yuv444p IN.mp4"
  echo "${enc_cmd/#$root\//}"
  echo "${dec_cmd/#$root\//}"
  echo '```'
} >"$out.tmp"
mv "$out.tmp" "$out"
echo "video_speed: wrote $out" >&2
cat "$out"
