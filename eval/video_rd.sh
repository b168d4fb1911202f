#!/usr/bin/env bash
# Video rate-distortion evaluation: bsq (inter, and --keyint 1) and x264 / x265 over CRF sweeps, per
# clip; writes OUT_DIR/<clip>/{rd.csv, bdrate.md, bdrate.json, <codec>.json, rd.png}.
# Usage: eval/video_rd.sh [--clip dev|train|PATH]... [--frames N] [--codecs "x264 x265 bsq bsq_intra"]
#                         [--out OUT_DIR]                                      (see eval/README.md, "Video")
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${BSQ_BUILD_DIR:-$root/build}
bin=${BSQ_BIN:-$build/apps}  # where bsqenc and bsqdec are (e.g. /work/main/build/apps)
corpus=${BSQ_CORPUS_DIR:-$root/data/corpus}
# CRF 18 (near transparent on these clips) to 51 (x264's and x265's coarsest), ~8 points each, so
# that the curves reach down to about 0.01 bpp.
x264_crf=${X264_CRF:-18 23 28 33 38 43 48 51}
x265_crf=${X265_CRF:-18 23 28 33 38 43 48 51}
bsq_q=${BSQ_Q:-1 16 32 46 63 80 90 100}
bsq_args=${BSQ_ARGS:-}  # more bsqenc options, e.g. "--model models/fine.bsqm" (split on spaces)
threads=${BSQ_THREADS:-$(nproc)}
at_bpp=${RD_AT_BPP:-0.02,0.05,0.1,0.2,0.5}

die() { echo "video_rd: $*" >&2; exit 3; }
usage() { sed -n 4,5p "$0" | sed 's/^# \{0,1\}//' >&2; exit 2; }
clips=() frames="" codecs="x264 x265 bsq bsq_intra" out=$root/eval/results/video
while [ $# -gt 0 ]; do
  case $1 in
    --clip) [ $# -ge 2 ] || usage; clips+=("$2"); shift 2 ;;
    --frames) [[ ${2:-} =~ ^[1-9][0-9]*$ ]] || die "--frames takes a positive integer"; frames=$2; shift 2 ;;
    --codecs) [ $# -ge 2 ] || usage; codecs=$2; shift 2 ;;
    --out) [ $# -ge 2 ] || usage; out=$2; shift 2 ;;
    -h|--help) usage ;;
    *) echo "video_rd: unknown argument '$1'" >&2; usage ;;
  esac
done
[ ${#clips[@]} -gt 0 ] || clips=(dev train)

need() { command -v "$1" >/dev/null || die "'$1' not found: install the Debian package $2 (scripts/setup.sh does)"; }
need ffmpeg ffmpeg
need gnuplot gnuplot-nox
psnr_tool=$build/eval/bsq_video_psnr
bdrate=$build/eval/bsq_bdrate
{ [ -x "$psnr_tool" ] && [ -x "$bdrate" ]; } || die "no bsq_video_psnr/bsq_bdrate in $build/eval: build first (ninja -C build bsq_video_psnr bsq_bdrate)"
run_codecs=""
encoders=$(ffmpeg -hide_banner -encoders 2>/dev/null)  # not piped into grep -q: SIGPIPE fails it under pipefail
for c in $codecs; do
  case $c in
    x264|x265) [[ $encoders == *" lib$c "* ]] || die "this ffmpeg has no lib$c encoder" ;;
    bsq|bsq_intra)
      # Video support is told by --keyint in bsqenc --help; a build without it is skipped, not an error,
      # so that the standard codecs' curves can be made before bsq codes video.
      if [ ! -x "$bin/bsqenc" ] || [ ! -x "$bin/bsqdec" ]; then
        echo "video_rd: warning: no bsqenc/bsqdec in $bin (set BSQ_BIN or BSQ_BUILD_DIR): $c skipped" >&2; continue
      fi
      if [[ $("$bin/bsqenc" --help 2>&1 || true) != *--keyint* ]]; then
        echo "video_rd: warning: $bin/bsqenc has no video support (no --keyint in its --help): $c skipped" >&2; continue
      fi ;;
    *) die "unknown codec '$c' (x264, x265, bsq, bsq_intra)" ;;
  esac
  run_codecs+=" $c"
done
[ -n "$run_codecs" ] || die "no codec left to run"

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# The corpus file of a split's clip, fetched (its one package only) when missing.
corpus_clip() {
  local split=$1 package path
  case $split in
    dev) package=opencv-doc path=usr/share/doc/opencv-doc/examples/data/tree.avi ;;
    train) package=kphotoalbum path=usr/share/kphotoalbum/demo/movie.avi ;;
  esac
  if [ ! -f "$corpus/$package/$path" ]; then
    grep -P "^$split\t$package\t" "$root/data/manifest.tsv" >"$tmp/manifest.tsv" || die "$path is not in data/manifest.tsv"
    "$root/scripts/fetch_corpus.sh" --split all "$tmp/manifest.tsv" "$corpus" >&2
  fi
  echo "$corpus/$package/$path"
}

# seconds since T0 (bash's EPOCHREALTIME), 3 decimals.
since() { awk -v a="$1" -v b="$EPOCHREALTIME" 'BEGIN {printf "%.3f", b - a}'; }

# One point: encode the reference, decode, measure. Prints its CSV row.
measure() {
  local codec=$1 setting=$2 ref=$3 name=$4 file dec t0 enc_s dec_s
  case $codec in
    x264|x265)
      local args=(-c:v libx264 -preset medium -crf "$setting" -bsf:v filter_units=remove_types=6 -f h264)
      file=$tmp/c.264
      # x265's info SEI (~2 KB of its settings) is left out, as x264's SEI is: at 0.01 bpp on the train
      # clip it would be over half the stream. The rate is the elementary stream; no container.
      [ "$codec" = x265 ] && args=(-c:v libx265 -preset medium -crf "$setting" -x265-params log-level=error:info=0 -f hevc) file=$tmp/c.265
      t0=$EPOCHREALTIME
      nice -n 5 ffmpeg -nostdin -v error -y -i "$ref" -map 0:v:0 -fps_mode passthrough -an -pix_fmt yuv420p "${args[@]}" "$file" >&2
      enc_s=$(since "$t0")
      t0=$EPOCHREALTIME
      nice -n 5 ffmpeg -nostdin -v error -i "$file" -f null - >&2
      dec_s=$(since "$t0")
      dec=$file ;;  # bsq_video_psnr decodes the stream itself
    bsq|bsq_intra)
      local extra=()
      [ "$codec" = bsq_intra ] && extra=(--keyint 1)
      file=$tmp/c.bsq dec=$tmp/dec.mkv
      t0=$EPOCHREALTIME
      # shellcheck disable=SC2086  # BSQ_ARGS is a list of options
      nice -n 5 "$bin/bsqenc" "$ref" "$file" -q "$setting" "${extra[@]}" --threads "$threads" $bsq_args -y --quiet >&2
      enc_s=$(since "$t0")
      t0=$EPOCHREALTIME
      nice -n 5 "$bin/bsqdec" "$file" "$dec" -y --quiet >&2
      dec_s=$(since "$t0") ;;
  esac
  local m bytes
  m=$("$psnr_tool" "$ref" "$dec" --csv) || die "$codec $setting on $name: measuring failed (above)"
  bytes=$(stat -c %s "$file")
  # m = width,height,frames,psnr_rgb,psnr_rgb_total_mse
  IFS=, read -r w h n psnr psnr_total <<<"$m"
  local bpp
  bpp=$(awk -v b="$bytes" -v w="$w" -v h="$h" -v n="$n" 'BEGIN {printf "%.6f", 8 * b / (w * h * n)}')
  echo "$codec,$setting,$name,$w,$h,$n,$bytes,$bpp,$psnr,$psnr_total,$enc_s,$dec_s"
  rm -f "$file" "$tmp/dec.mkv"
}

header="codec,quality,image,width,height,frames,bytes,bpp,psnr_rgb,psnr_rgb_total_mse,encode_s,decode_s"
terminal=png
[[ $(gnuplot -e 'set terminal' 2>&1) == *pngcairo* ]] && terminal="pngcairo enhanced font 'sans,10'"

for clip in "${clips[@]}"; do
  case $clip in dev|train) src=$(corpus_clip "$clip") ;; *) src=$clip ;; esac
  [ -f "$src" ] || die "no clip '$src'"
  name=$(basename "${src%.*}")
  dir=$out/$name
  mkdir -p "$dir" "$tmp/plot_$name"
  # The reference every codec codes and is measured against: the clip's decoded frames as lossless
  # RGB (FFV1). passthrough keeps one frame per decoded picture: tree.avi's index lists 444 frames,
  # of which 376 are empty chunks (repeat the previous picture) that FFmpeg does not decode, 68 are pictures.
  ref=$tmp/ref_$name.mkv
  ffmpeg -nostdin -v error -y -i "$src" -map 0:v:0 -fps_mode passthrough -an ${frames:+-frames:v "$frames"} \
    -c:v ffv1 -pix_fmt bgr0 "$ref"
  info=$("$psnr_tool" "$ref" "$ref" --csv)
  IFS=, read -r width height count _ <<<"$info"
  echo "video_rd: $name: ${width}x$height, $count frames, codecs:$run_codecs" >&2

  # Rows of codecs not rerun are kept when they were measured on the same frames.
  rows=$tmp/rows_$name.csv
  : >"$rows"
  if [ -f "$dir/rd.csv" ] && [ "$(head -1 "$dir/rd.csv")" = "$header" ]; then
    awk -F, -v keep=" $run_codecs " -v n="$count" -v w="$width" 'NR > 1 && index(keep, " " $1 " ") == 0 {
        if ($6 == n && $4 == w) print; else dropped[$1] = 1 }
      END {for (c in dropped) printf "video_rd: warning: %s rows were over other frames: dropped\n", c > "/dev/stderr"}' \
      "$dir/rd.csv" >>"$rows"
  fi
  for codec in $run_codecs; do
    case $codec in x264) sweep=$x264_crf ;; x265) sweep=$x265_crf ;; *) sweep=$bsq_q ;; esac
    for s in $sweep; do
      row=$(measure "$codec" "$s" "$ref" "$name")
      echo "video_rd: $row" >&2
      echo "$row" >>"$rows"
    done
  done
  { echo "$header"; sort -t, -k1,1 -k8,8g "$rows"; } >"$dir/rd.csv"

  rm -f "$dir"/*.json  # a codec whose rows were dropped leaves no stale curve
  "$bdrate" "$dir/rd.csv" "$dir" --anchor x264 --subject bsq --plot-data "$tmp/plot_$name" --at-bpp "$at_bpp" \
    --description "Each point: one clip ($name, ${width}x$height, $count frames) at one setting (CRF or -q); \
bpp = 8 * bytes / (width * height * frames); RGB PSNR = mean over frames of the per-frame PSNR. \
x264 and x265 code 4:2:0 (yuv420p), bsq RGB; bsq_intra is bsq with --keyint 1." >/dev/null
  plots=()
  for dat in "$tmp/plot_$name"/*.dat; do
    c=$(basename "$dat" .dat)
    case $c in  # one colour per codec whichever curves a run has
      bsq) style="linespoints lw 2 pt 5 ps 1.2 lc rgb '#9400d3'" ;;
      bsq_intra) style="linespoints lw 2 dt 2 pt 4 ps 1.2 lc rgb '#009e73'" ;;
      x264) style="linespoints lw 2 pt 7 ps 0.6 lc rgb '#56b4e9'" ;;
      *) style="linespoints lw 2 pt 7 ps 0.6 lc rgb '#e69f00'" ;;
    esac
    plots+=("'$dat' using 1:2 with $style title '$c' noenhanced")
  done
  (IFS=,; gnuplot <<GP
set terminal $terminal size 900,600
set output '$dir/rd.png'
set title "$name (${width}x$height, $count frames): RGB PSNR (mean of per-frame) vs rate"
set xlabel 'bits per pixel per frame (log)'
set ylabel 'RGB PSNR (dB)'
set logscale x
set grid
set key bottom right
plot ${plots[*]}
GP
  )
  echo "video_rd: wrote $dir/{rd.csv,*.json,bdrate.md,bdrate.json,rd.png}" >&2
done
