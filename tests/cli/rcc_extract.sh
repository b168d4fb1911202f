#!/usr/bin/env bash
# rcc_extract (the corpus fetcher's reader of Qt resource archives) on a hand-made version-3
# archive holding /a/b.txt = "hello": the file comes out whole; a missing entry, a directory,
# a compressed entry, a truncated archive and a non-archive are refused with one line, no output.
# Usage: rcc_extract.sh RCC_EXTRACT
set -u
tool=$1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fails=0
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }

# header (24 bytes) | tree: 3 nodes of 22 bytes at 24 | names at 90 | data at 114
node() { printf "$1"; printf '\0\0\0\0\0\0\0\0'; }  # node fields, then 8 bytes of modification time
archive() {  # $1: flags of b.txt
  printf 'qres\0\0\0\3\0\0\0\x18\0\0\0\x72\0\0\0\x5a\0\0\0\0'
  node '\0\0\0\0\0\2\0\0\0\1\0\0\0\1'   # root: directory, 1 child from node 1
  node '\0\0\0\0\0\2\0\0\0\1\0\0\0\2'   # "a": directory, 1 child from node 2
  node "\\0\\0\\0\\x08\\0\\x$1\\0\\0\\0\\0\\0\\0\\0\\0"  # "b.txt": file, data at 0
  printf '\0\1\0\0\0\0\0a'                              # name "a"
  printf '\0\5\0\0\0\0\0b\0.\0t\0x\0t'                  # name "b.txt"
  printf '\0\0\0\5hello'                                # data
}
archive 00 >"$tmp/ok.rcc"
"$tool" "$tmp/ok.rcc" /a/b.txt "$tmp/out" || fail "extract exited $?"
[ "$(cat "$tmp/out" 2>/dev/null)" = hello ] || fail "extracted content"

refuse() {  # ARCHIVE PATH PATTERN
  "$tool" "$1" "$2" "$tmp/no" 2>"$tmp/err"
  local rc=$?
  [ "$rc" -ne 0 ] || fail "$2 in $(basename "$1"): exit 0"
  [ "$(wc -l <"$tmp/err")" -eq 1 ] && grep -q "$3" "$tmp/err" || fail "$2: message '$(cat "$tmp/err")'"
  [ ! -e "$tmp/no" ] && [ ! -e "$tmp/no.part" ] || fail "$2: output left behind"
}
refuse "$tmp/ok.rcc" /a/c.txt "no entry 'c.txt'"
refuse "$tmp/ok.rcc" /a "directory"
archive 01 >"$tmp/zlib.rcc"
refuse "$tmp/zlib.rcc" /a/b.txt "compressed"
head -c 100 "$tmp/ok.rcc" >"$tmp/cut.rcc"
refuse "$tmp/cut.rcc" /a/b.txt "outside the file"
printf 'not an archive at all' >"$tmp/text.rcc"
refuse "$tmp/text.rcc" /a/b.txt "not an rcc archive"

[ "$fails" -eq 0 ] && echo "rcc_extract: all checks passed"
exit $((fails > 0))
