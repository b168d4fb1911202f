#!/usr/bin/env bash
# End-to-end checks of bsqtrain's command line: help vs man page, and one-line errors with the
# documented exit codes. Usage: bsqtrain_cli.sh BSQTRAIN MAN_PAGE
set -u
bin=$1
man=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fails=0
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }
source "$(dirname "$0")/help_matches_man.sh"

# expect CODE PATTERN -- ARGS...: exit code, exactly one line on stderr matching PATTERN.
expect() {
  local code=$1 pattern=$2
  shift 3
  "$bin" "$@" >"$tmp/out" 2>"$tmp/err"
  local got=$?
  [ "$got" -eq "$code" ] || fail "bsqtrain $*: exit $got, expected $code ($(head -c 300 "$tmp/err"))"
  [ "$(wc -l <"$tmp/err")" -eq 1 ] || fail "bsqtrain $*: expected one line on stderr, got: $(cat "$tmp/err")"
  grep -q -- "$pattern" "$tmp/err" || fail "bsqtrain $*: stderr '$(cat "$tmp/err")' lacks '$pattern'"
}

# --help documents every option, and the man page documents the same ones.
while read -r problem; do fail "bsqtrain: $problem"; done < <(help_matches_man "$bin" "$man" 30 "$tmp")
"$bin" --version | grep -q '^bsqtrain ' || fail "--version"

# Usage errors: exit 2.
expect 2 "no-such-option" -- --no-such-option
expect 2 "steps" -- --steps -5
expect 2 "loss" -- --loss fancy
expect 2 "train" -- --train decoder
expect 2 "rate-weight" -- --rate-weight -0.5
expect 2 "rate-proxy-lr" -- --rate-proxy-lr 0
# Training the encoder alone needs the decoder it trains against.
expect 2 "needs --init" -- --train encoder --out "$tmp/run"
# A missing corpus or manifest: exit 3, and the message says how to fetch it.
mkdir -p "$tmp/corpus/pkg"
printf 'train\tpkg\ta.png\n' >"$tmp/manifest.tsv"
expect 3 "fetch_corpus" -- --manifest "$tmp/manifest.tsv" --corpus "$tmp/nowhere" --out "$tmp/run"
expect 3 "a.png" -- --manifest "$tmp/manifest.tsv" --corpus "$tmp/corpus" --out "$tmp/run"
expect 3 "manifest" -- --manifest "$tmp/none.tsv" --corpus "$tmp/corpus" --out "$tmp/run"
# An unreadable file in the corpus: exit 4 naming it.
echo "hello" >"$tmp/corpus/pkg/a.png"
expect 4 "a.png" -- --manifest "$tmp/manifest.tsv" --corpus "$tmp/corpus" --out "$tmp/run"
# A missing or damaged model for --eval-only.
ffmpeg -v quiet -f lavfi -i testsrc=size=64x48 -frames:v 1 -y "$tmp/corpus/pkg/a.png" || fail "ffmpeg"
printf 'dev\tpkg\ta.png\ntrain\tpkg\ta.png\n' >"$tmp/manifest.tsv"
expect 3 "missing.bsqm" -- --manifest "$tmp/manifest.tsv" --corpus "$tmp/corpus" --eval-only "$tmp/missing.bsqm"
echo "nope" >"$tmp/bad.bsqm"
expect 4 "not a bsq model" -- --manifest "$tmp/manifest.tsv" --corpus "$tmp/corpus" --eval-only "$tmp/bad.bsqm"
# Failed runs leave no run directory content behind except what they were asked to make.
[ ! -e "$tmp/run/checkpoint.pt" ] || fail "a failed run wrote a checkpoint"

[ "$fails" -eq 0 ] && echo "bsqtrain CLI: all checks passed"
exit $((fails > 0))
