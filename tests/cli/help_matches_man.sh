# Sourced by the CLI tests: help_matches_man BIN PAGE MIN_OPTIONS WORKDIR prints one line per
# problem: too few options in --help, or a long option in --help but not in the man page, or
# the other way round. Prints nothing when --help and the man page agree.
help_matches_man() {
  local bin=$1 page=$2 min=$3 dir=$4
  "$bin" --help >"$dir/help" || { echo "--help exits non-zero"; return; }
  grep -o -- '--[a-z][a-z-]*' "$dir/help" | sort -u >"$dir/help_opts"
  [ "$(wc -l <"$dir/help_opts")" -ge "$min" ] || echo "--help lists only $(wc -l <"$dir/help_opts") options"
  sed 's/\\-/-/g' "$page" | grep -o -- '--[a-z][a-z-]*' | sort -u >"$dir/man_opts"
  local missing extra
  missing=$(comm -23 "$dir/help_opts" "$dir/man_opts" | tr '\n' ' ')
  [ -z "$missing" ] || echo "options in --help but not in the man page: $missing"
  extra=$(comm -13 "$dir/help_opts" "$dir/man_opts" | tr '\n' ' ')
  [ -z "$extra" ] || echo "options in the man page but not in --help: $extra"
}
