#!/usr/bin/env bash
# bsqenc and bsqdec: --help lists the same long options as the man page, --version works, and the
# man pages render without groff warnings. Usage: bsqcodec_help.sh BSQENC BSQDEC MAN_DIR
source "$(dirname "$0")/bsqcodec_common.sh"
source "$(dirname "$0")/help_matches_man.sh"
bsqenc=$1
bsqdec=$2
man_dir=$3

for tool in bsqenc bsqdec; do
  bin=${!tool}
  page=$man_dir/$tool.1
  while read -r problem; do fail "$tool: $problem"; done < <(help_matches_man "$bin" "$page" 9 "$log")
  # The short options of --help appear in the man page too.
  for short in $(grep -o -- ' -[a-z],' "$log/help" | tr -d ' ,'); do
    grep -q -- "^\.BR \\\\$short " "$page" || fail "$tool: $short is not documented in the man page"
  done
  "$bin" --version | grep -q "^$tool [0-9]" || fail "$tool --version"
  # Every exit code is documented.
  for code in 0 1 2 3 4 5; do
    sed -n '/^\.SH EXIT STATUS/,/^\.SH /p' "$page" | grep -q "^\.B $code\$" || fail "$tool.1 does not document exit status $code"
  done
  warnings=$(groff -man -Tutf8 -ww "$page" 2>&1 >/dev/null)
  [ -z "$warnings" ] || fail "$tool.1: groff warnings: $warnings"
  for section in NAME SYNOPSIS DESCRIPTION OPTIONS "EXIT STATUS" FILES EXAMPLES "SEE ALSO"; do
    grep -q "^\.SH \"\?$section\"\?\$" "$page" || fail "$tool.1 lacks the $section section"
  done
done

finish "bsqenc/bsqdec help and man pages"
