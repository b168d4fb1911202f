#!/usr/bin/env bash
# Fetches the fixed corpus listed in data/manifest.tsv: downloads each Debian package named there
# and extracts it under data/corpus/PACKAGE/. Usage: scripts/fetch_corpus.sh [MANIFEST] [DEST]
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
manifest=${1:-$root/data/manifest.tsv}
dest=${2:-$root/data/corpus}
[ -f "$manifest" ] || { echo "fetch_corpus: manifest '$manifest' not found" >&2; exit 3; }
mkdir -p "$dest"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
missing=0
for pkg in $(awk -F'\t' '!/^#/ && NF >= 3 {print $2}' "$manifest" | sort -u); do
  # Skip packages whose files are all present already.
  if awk -F'\t' -v p="$pkg" '$2 == p {print $3}' "$manifest" | while read -r f; do [ -f "$dest/$pkg/$f" ] || exit 1; done; then
    continue
  fi
  echo "fetch_corpus: downloading $pkg" >&2
  (cd "$work" && apt-get download "$pkg" >/dev/null) || { echo "fetch_corpus: cannot download $pkg (apt-get update?)" >&2; exit 3; }
  mkdir -p "$work/x"
  dpkg -x "$work"/"$pkg"_*.deb "$work/x"
  awk -F'\t' -v p="$pkg" '$2 == p {print $3}' "$manifest" | while read -r f; do
    mkdir -p "$dest/$pkg/$(dirname "$f")"
    cp "$work/x/$f" "$dest/$pkg/$f"
  done
  rm -rf "$work/x" "$work"/*.deb
done
awk -F'\t' '!/^#/ && NF >= 3 {print $2 "/" $3}' "$manifest" | while read -r f; do
  [ -f "$dest/$f" ] || { echo "fetch_corpus: '$f' is not in its package" >&2; exit 4; }
done
echo "fetch_corpus: $(awk -F'\t' '!/^#/ && NF >= 3' "$manifest" | wc -l) files in $dest" >&2
