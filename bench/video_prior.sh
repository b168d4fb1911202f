#!/usr/bin/env bash
# What the prior gains from earlier frames on the corpus clips' real tokens; writes bench/video_prior.md.
# Usage: bench/video_prior.sh [MODEL BITS [MAX_FRAMES]]   (default: the -q 90 model and bits, 60 frames)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
model=${1:-$root/models/fine32.bsqm}
bits=${2:-32}
max_frames=${3:-60}
bin=$root/build/bench/bsq_video_prior
[ -x "$bin" ] || { echo "video_prior: build first (scripts/setup.sh)" >&2; exit 3; }
out=$root/bench/video_prior.md
{
  echo "# The prior across frames, on the corpus clips"
  echo
  echo "Tokens of each clip's first $max_frames frames from \`$(basename "$model")\` at $bits bits per token (bsqenc -q 90);"
  echo "ideal code lengths under the integer prior, in bits per token. *Stills*: each frame alone, as"
  echo "\`--keyint 1\` codes it. *Sequence*: all frames in one coded sequence (the prior keeps learning and"
  echo "sees the previous frame's co-located token), every token sent. *+ repeat flags*: the same with a"
  echo "flag per token that repeats the previous frame's token exactly (lossless; the encoder also repeats"
  echo "tokens that differ when distortion + lambda * rate says so, which this table leaves out)."
  echo "Machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')."
  echo "Command: \`bench/video_prior.sh\` on $(date -u +%Y-%m-%d)."
  echo
  echo "| clip | frames | size | bits | stills | sequence | + repeat flags | tokens equal to the previous frame's |"
  echo "|---|---|---|---|---|---|---|---|"
  while IFS=$'\t' read -r split package path; do
    case "$split" in train | dev) ;; *) continue ;; esac
    case "$path" in *.avi | *.mp4 | *.webm | *.mkv | *.y4m | *.mov) ;; *) continue ;; esac
    row=$("$bin" "$model" "$bits" "$root/data/corpus/$package/$path" "$max_frames") || continue
    echo "${row/| /| ($split) }"
  done <"$root/data/manifest.tsv"
} >"$out.tmp"
mv "$out.tmp" "$out"
cat "$out"
