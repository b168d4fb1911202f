#!/usr/bin/env bash
# Fetches the fixed corpus listed in data/manifest.tsv: downloads each Debian package named there
# and extracts the listed files under data/corpus/PACKAGE/PATH.
# Usage: scripts/fetch_corpus.sh [--split train|dev|all] [MANIFEST] [DEST]
# --split dev (what the tests and the demo use) fetches only the packages of dev files; the
# default, all, is what training needs. A path ARCHIVE.rcc!/INNER/PATH names a file inside a Qt
# resource archive of the package; it is stored under DEST/PACKAGE/ARCHIVE.rcc!/INNER/PATH.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
split=all
if [ "${1:-}" = "--split" ]; then
  split=${2:?--split takes train, dev or all}
  shift 2
fi
case "$split" in train|dev|all) ;; *) echo "fetch_corpus: --split takes train, dev or all, not '$split'" >&2; exit 2 ;; esac
manifest=${1:-$root/data/manifest.tsv}
dest=${2:-$root/data/corpus}
[ -f "$manifest" ] || { echo "fetch_corpus: manifest '$manifest' not found" >&2; exit 3; }
mkdir -p "$dest"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# package <TAB> path of every wanted file.
awk -F'\t' -v s="$split" '!/^#/ && NF >= 3 && (s == "all" || $1 == s) {print $2 "\t" $3}' "$manifest" >"$work/wanted"

rcc_tool=$dest/.tools/rcc_extract
rcc_extract() {
  if [ ! -x "$rcc_tool" ] || [ "$root/trainer/rcc_extract.cpp" -nt "$rcc_tool" ]; then
    mkdir -p "$(dirname "$rcc_tool")"
    c++ -O2 -std=c++17 -o "$rcc_tool.tmp" "$root/trainer/rcc_extract.cpp" && mv "$rcc_tool.tmp" "$rcc_tool"
  fi
  "$rcc_tool" "$@"
}

for pkg in $(cut -f1 "$work/wanted" | sort -u); do
  # Skip packages whose wanted files are all present already.
  if awk -F'\t' -v p="$pkg" '$1 == p {print $2}' "$work/wanted" | while read -r f; do [ -f "$dest/$pkg/$f" ] || exit 1; done; then
    continue
  fi
  echo "fetch_corpus: downloading $pkg" >&2
  (cd "$work" && apt-get download "$pkg" >/dev/null 2>&1) || { echo "fetch_corpus: cannot download $pkg (apt-get update?)" >&2; exit 3; }
  mkdir -p "$work/x"
  dpkg -x "$work"/"$pkg"_*.deb "$work/x"
  awk -F'\t' -v p="$pkg" '$1 == p {print $2}' "$work/wanted" | while read -r f; do
    mkdir -p "$dest/$pkg/$(dirname "$f")"
    case "$f" in
      *'!'/*)
        archive=${f%%!/*}
        [ -f "$work/x/$archive" ] || { echo "fetch_corpus: '$pkg/$archive' is not in its package" >&2; exit 4; }
        rcc_extract "$work/x/$archive" "/${f#*!/}" "$dest/$pkg/$f" || exit 4 ;;
      *)
        [ -f "$work/x/$f" ] && cp "$work/x/$f" "$dest/$pkg/$f" ;;
    esac
  done
  rm -rf "$work/x" "$work"/*.deb
done
while IFS=$'\t' read -r pkg f; do
  [ -f "$dest/$pkg/$f" ] || { echo "fetch_corpus: '$pkg/$f' is not in its package" >&2; exit 4; }
done <"$work/wanted"
echo "fetch_corpus: $(wc -l <"$work/wanted") files ($split) in $dest" >&2
