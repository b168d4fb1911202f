# Helpers sourced by the bsqcodec_*.sh tests: a scratch directory, failure counting, exit-code and
# message checks, and small image probes. Not a test itself.
set -u
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# Captured output lives in $log, apart from $work, where the commands run and files are counted.
log=$tmp/log
work=$tmp/work
mkdir "$log" "$work" || exit 1
fails=0
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }

# finish NAME: prints the verdict and exits with the test's status.
finish() {
  [ "$fails" -eq 0 ] && echo "$1: all checks passed"
  exit $((fails > 0))
}

# expect CODE PATTERN -- CMD ARGS...: CMD exits with CODE and prints exactly one line on stderr,
# starting with "<program>: " and matching PATTERN; the current directory gains no file, not even
# a temporary one.
expect() {
  local code=$1 pattern=$2
  shift 3
  local before after prog
  prog=$(basename "$1")
  before=$(ls -A)
  "$@" >"$log/out" 2>"$log/err"
  local got=$?
  after=$(ls -A)
  local what="$prog ${*:2}"
  [ "$got" -eq "$code" ] || fail "$what: exit $got, expected $code ($(head -c 300 "$log/err"))"
  [ "$(wc -l <"$log/err")" -eq 1 ] || fail "$what: expected one line on stderr, got: $(cat "$log/err")"
  grep -q "^$prog: " "$log/err" || fail "$what: stderr does not start with '$prog: ': $(cat "$log/err")"
  grep -q -- "$pattern" "$log/err" || fail "$what: stderr '$(cat "$log/err")' lacks '$pattern'"
  [ "$before" = "$after" ] || fail "$what: left files behind: $(diff <(echo "$before") <(echo "$after") | grep '^>' | tr '\n' ' ')"
}

# make_image FILE WxH [FFMPEG ARGS...]: a test pattern of that size.
make_image() {
  local file=$1 size=$2
  shift 2
  ffmpeg -v error -f lavfi -i "testsrc=size=$size" -frames:v 1 "$@" -y "$file" || fail "ffmpeg could not make $file"
}

# dims FILE: "WxH" as ffprobe sees it.
dims() { ffprobe -v error -select_streams v:0 -show_entries stream=width,height -of csv=p=0:s=x "$1" 2>/dev/null; }

# json_field KEY < JSON: the raw value of KEY in a one-line JSON object (no nesting needed here).
json_field() { grep -o "\"$1\":[^,}]*" | head -n 1 | cut -d: -f2-; }
