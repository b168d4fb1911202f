#!/usr/bin/env bash
# Prints the corpus files of one split, one path a line, as fetched under data/corpus/.
# Usage: scripts/corpus_files.sh train|dev stills|videos [MANIFEST] [CORPUS_DIR]
# A video is told by its extension: the list matches is_video_path() in trainer/corpus.cpp.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
split=${1:?usage: corpus_files.sh train|dev stills|videos [MANIFEST] [CORPUS_DIR]}
kind=${2:?usage: corpus_files.sh train|dev stills|videos [MANIFEST] [CORPUS_DIR]}
manifest=${3:-$root/data/manifest.tsv}
corpus=${4:-$root/data/corpus}
case "$kind" in stills|videos) ;; *) echo "corpus_files: kind is stills or videos, not '$kind'" >&2; exit 2 ;; esac
grep -v '^#' "$manifest" | while IFS=$'\t' read -r s package path; do
  [ "$s" = "$split" ] || continue
  case "${path,,}" in
    *.avi|*.mp4|*.m4v|*.mkv|*.webm|*.mov|*.mpg|*.mpeg|*.ogv|*.y4m) [ "$kind" = videos ] || continue ;;
    *) [ "$kind" = stills ] || continue ;;
  esac
  printf '%s\n' "$corpus/$package/$path"
done
