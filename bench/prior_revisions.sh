#!/usr/bin/env bash
# Each revision of the entropy coder's prior on real tokens: the dev images coded by the shipped
# model set at several qualities (effort 2, so that the nested models' counts per window are in
# the streams), each stream's tokens then measured under every revision. Writes
# bench/prior_revisions.md. Usage: bench/prior_revisions.sh [QUALITIES] (default "16 46 63 80 100").
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
qualities=${1:-16 46 63 80 100}
enc=$root/build/apps/bsqenc
bin=$root/build/bench/bsq_prior_revisions
for tool in "$enc" "$bin"; do [ -x "$tool" ] || { echo "prior_revisions: $tool missing: build first" >&2; exit 3; }; done
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
"$root/scripts/fetch_corpus.sh" --split dev >/dev/null
streams=()
for q in $qualities; do
  for f in $("$root/scripts/corpus_files.sh" dev stills); do
    name=$(basename "${f%.*}")_q$q.bsq
    "$enc" -y --quiet -q "$q" -e 2 "$f" "$tmp/$name"
    streams+=("$tmp/$name")
  done
done
out=$root/bench/prior_revisions.md
{
  echo "# The prior's revisions on real tokens"
  echo
  echo "The dev images coded by the shipped models (\`bsqenc -q Q -e 2\`, counts per window where the model"
  echo "is nested); each stream's tokens measured under every revision of the prior"
  echo "(\`entropy/prior_revision.h\`): ideal code length of tokens and counts, the coded size to a few bytes."
  echo "Machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')."
  echo "Command: \`bench/prior_revisions.sh \"$qualities\"\` on $(date -u +%Y-%m-%d), code of $(git -C "$root" rev-parse --short HEAD)."
  echo
  "$bin" "${streams[@]}"
} >"$out.tmp"
mv "$out.tmp" "$out"
cat "$out"
