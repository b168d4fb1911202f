#!/usr/bin/env bash
# Rate-distortion evaluation: bsq at each operating point, and JPEG, WebP, AVIF, JPEG XL over quality
# sweeps, on a folder of images (default: the dev split); writes rd.csv, <codec>.json, bdrate.md/.json
# and rd.png into OUT_DIR. Usage: eval/rd_eval.sh [IMAGE_DIR|--dev] [OUT_DIR]   (see eval/README.md)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
source_arg=${1:---dev}
out=${2:-$root/eval/results/dev}
build=${BSQ_BUILD_DIR:-$root/build}
points_file=${BSQ_OPERATING_POINTS:-$root/eval/operating_points.tsv}
codecs=${RD_CODECS:-bsq jpeg webp avif jxl}
jobs=${RD_JOBS:-$(nproc)}
effort=${BSQ_EFFORT-3}  # bsqenc --effort: 3, the level the committed results were measured at; empty: bsqenc's default
# Sweeps from each encoder's lowest setting (cjxl refuses -q below 5) to about 3 bpp on photos, so
# that every curve reaches down to bsq's lowest rates. AVIF's are quantizers (63 = worst) when the
# avifenc present has no -q (Debian 12's 0.11 has only --min/--max); qualities otherwise.
jpeg_q=${JPEG_Q:-1 3 5 10 15 20 30 40 50 60 70 80 90 95}
webp_q=${WEBP_Q:-0 2 5 10 20 30 40 50 60 70 80 90 95}
avif_q=${AVIF_Q:-63 60 56 48 40 34 28 22 16 10}
jxl_q=${JXL_Q:-5 10 20 30 40 50 60 70 80 90 95}

die() { echo "rd_eval: $*" >&2; exit 3; }
need() { command -v "$1" >/dev/null || die "'$1' not found: install the Debian package $2 (scripts/setup.sh does)"; }
need ffmpeg ffmpeg
need gnuplot gnuplot-nox
for c in $codecs; do
  case $c in
    jpeg) need cjpeg libjpeg-turbo-progs; need djpeg libjpeg-turbo-progs ;;
    webp) need cwebp webp; need dwebp webp ;;
    avif) need avifenc libavif-bin; need avifdec libavif-bin ;;
    jxl) need cjxl libjxl-tools; need djxl libjxl-tools ;;
    bsq) [ -x "$build/apps/bsqenc" ] && [ -x "$build/apps/bsqdec" ] || die "no bsqenc/bsqdec in $build: build first (scripts/setup.sh)" ;;
    *) die "unknown codec '$c' in RD_CODECS" ;;
  esac
done
rd_point=$build/eval/bsq_rd_point
bdrate=$build/eval/bsq_bdrate
[ -x "$rd_point" ] && [ -x "$bdrate" ] || die "no bsq_rd_point/bsq_bdrate in $build/eval: build first (ninja -C build bsq_rd_point bsq_bdrate)"

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$out" "$tmp/ref" "$tmp/rows" "$tmp/plot"

# The images: every still of the dev split (videos skipped), or every image file of IMAGE_DIR.
sources=()
if [ "$source_arg" = --dev ]; then
  "$root/scripts/fetch_corpus.sh" --split dev
  while IFS= read -r f; do sources+=("$f"); done < <("$root/scripts/corpus_files.sh" dev stills)
else
  [ -d "$source_arg" ] || die "'$source_arg' is not a folder (usage: rd_eval.sh [IMAGE_DIR|--dev] [OUT_DIR])"
  while IFS= read -r f; do sources+=("$f"); done < <(find "$source_arg" -maxdepth 1 -type f \
    \( -iname '*.png' -o -iname '*.jpg' -o -iname '*.jpeg' -o -iname '*.ppm' -o -iname '*.bmp' -o -iname '*.tif' \
       -o -iname '*.tiff' -o -iname '*.webp' \) | sort)
fi
[ ${#sources[@]} -gt 0 ] || die "no images found"

# Every codec starts from the same 8-bit RGB reference (PNG; PPM for cjpeg), and is measured against it.
names=()
for src in "${sources[@]}"; do
  name=$(basename "${src%.*}")
  ffmpeg -v error -nostdin -y -i "$src" -frames:v 1 -pix_fmt rgb24 "$tmp/ref/$name.png"
  ffmpeg -v error -nostdin -y -i "$tmp/ref/$name.png" -pix_fmt rgb24 "$tmp/ref/$name.ppm"
  names+=("$name")
done
echo "rd_eval: ${#names[@]} images, codecs: $codecs" >&2

# One measurement: encode, decode with the real decoder, measure. Writes one CSV row to $tmp/rows/ID.
encode_decode() {
  local codec=$1 q=$2 name=$3 id=$4 models=${5:-}
  local ref=$tmp/ref/$name.png work=$tmp/work_$id
  mkdir -p "$work"
  local file dec=$work/dec.png
  case $codec in
    jpeg) file=$work/c.jpg dec=$work/dec.ppm
          # cjpeg warns on stderr about coarse tables at low -quality on every run: shown only on failure.
          cjpeg -quality "$q" -sample 2x2 -outfile "$file" "$tmp/ref/$name.ppm" 2>"$work/log" || { cat "$work/log" >&2; return 1; }
          djpeg -outfile "$dec" "$file" ;;
    webp) file=$work/c.webp
          cwebp -quiet -m 6 -q "$q" "$ref" -o "$file"
          dwebp -quiet "$file" -o "$dec" ;;
    avif) file=$work/c.avif
          if [ "$avif_has_q" = 1 ]; then avifenc -s 4 -q "$q" "$ref" "$file" >/dev/null
          else avifenc -s 4 --min "$q" --max "$q" "$ref" "$file" >/dev/null; fi
          avifdec -d 8 "$file" "$dec" >/dev/null ;;
    jxl)  file=$work/c.jxl
          cjxl "$ref" "$file" -e 7 -q "$q" >/dev/null 2>&1 || { echo "rd_eval: cjxl failed on $name at $q" >&2; return 1; }
          djxl "$file" "$dec" --bits_per_sample=8 >/dev/null 2>&1 || { echo "rd_eval: djxl failed on $name" >&2; return 1; } ;;
    bsq)  file=$work/c.bsq
          local model_list=() m
          IFS=: read -ra model_list <<<"$models"
          local args=()
          for m in "${model_list[@]}"; do args+=(--model "$m"); done
          local enc_args=("${args[@]}")
          [ -z "$effort" ] || enc_args+=(--effort "$effort")
          "$build/apps/bsqenc" -y --quiet "${enc_args[@]}" -q "${q#*:}" "$ref" "$file"
          "$build/apps/bsqdec" -y --quiet "${args[@]}" "$file" "$dec"
          q=${q%%:*} ;;  # the row names the operating point
  esac
  local measured
  measured=$("$rd_point" "$ref" "$dec" "$file")
  echo "$codec,$q,$name,$measured" > "$tmp/rows/$id.csv"
  rm -rf "$work"
}
export -f encode_decode
avif_has_q=0  # libavif >= 1.0 has -q/--qcolor (0-100); older ones only quantizers
[[ " $codecs " == *" avif "* && "$(avifenc --help 2>&1 || true)" == *--qcolor* ]] && avif_has_q=1
[ "$avif_has_q" = 1 ] && [ -z "${AVIF_Q:-}" ] && avif_q="0 5 10 20 30 40 50 60 70 80 90"
export tmp build rd_point avif_has_q effort

# bsq first, one image at a time (bsqenc/bsqdec use every core themselves).
id=0
if [[ " $codecs " == *" bsq "* ]]; then
  while IFS=$'\t' read -r point set_field quality; do
    [ -n "$point" ] || continue
    # The model set: colon-separated paths, each absolute or relative to the repository root.
    models="" missing=""
    IFS=: read -ra set_paths <<<"$set_field"
    for model in "${set_paths[@]}"; do
      case $model in /*) ;; *) model=$root/$model ;; esac
      [ -f "$model" ] || missing=$model
      models=${models:+$models:}$model
    done
    if [ -n "$missing" ]; then echo "rd_eval: warning: bsq operating point '$point': no model '$missing'; skipped" >&2; continue; fi
    for name in "${names[@]}"; do
      id=$((id + 1))
      encode_decode bsq "$point:$quality" "$name" "$(printf %06d $id)" "$models"
    done
  done < <(grep -v '^#' "$points_file")
fi

# The standard codecs: single-threaded encoders, so run RD_JOBS measurements at once.
for codec in $codecs; do
  case $codec in jpeg) qs=$jpeg_q ;; webp) qs=$webp_q ;; avif) qs=$avif_q ;; jxl) qs=$jxl_q ;; *) continue ;; esac
  for q in $qs; do for name in "${names[@]}"; do printf '%s %s %s %06d\n' "$codec" "$q" "$name" $((id += 1)); done; done
done > "$tmp/tasks"
xargs -r -P "$jobs" -L 1 bash -c 'set -eo pipefail; encode_decode "$@"' _ < "$tmp/tasks" || die "an encode, decode or measurement failed (see above)"

{ echo "codec,quality,image,width,height,bytes,bpp,psnr_rgb,ms_ssim_rgb"; cat "$tmp"/rows/*.csv; } > "$out/rd.csv"
"$bdrate" "$out/rd.csv" "$out" --plot-data "$tmp/plot" >/dev/null

# PSNR versus bpp, every curve; bsq's operating points as larger markers.
terminal=png
gnuplot -e 'set terminal' 2>&1 | grep -q pngcairo && terminal="pngcairo enhanced font 'sans,10'"
plots=()
for dat in "$tmp"/plot/*.dat; do
  c=$(basename "$dat" .dat)
  style="linespoints lw 2 pt 7 ps 0.6"
  [ "$c" = bsq ] && style="linespoints lw 2 pt 5 ps 1.5"
  plots+=("'$dat' using 1:2 with $style title '$c'")
done
(IFS=,; gnuplot <<GP
set terminal $terminal size 900,600
set output '$out/rd.png'
set title "RGB PSNR vs rate (mean over ${#names[@]} images per point)"
set xlabel 'bits per pixel'
set ylabel 'RGB PSNR (dB)'
set xrange [0:${RD_PLOT_MAX_BPP:-2}]
set grid
set key bottom right
plot ${plots[*]}
GP
)
echo "rd_eval: wrote $out/{rd.csv,*.json,bdrate.md,bdrate.json,rd.png}" >&2
cat "$out/bdrate.md"
