#!/usr/bin/env bash
# cmake --install into an empty prefix: the installed bsqenc/bsqdec run from any directory, find the
# installed default model (relative to themselves, so also after the prefix moves), and every man
# page renders. Usage: bsqcodec_install.sh CMAKE BUILD_DIR TINY_MODEL_DIR
source "$(dirname "$0")/bsqcodec_common.sh"
cmake=$1
build=$2
tiny=$3/tiny1.bsqm
[ -f "$tiny" ] || { echo "FAIL: $tiny missing (the bsqcodec_cli_tiny_model fixture makes it)"; exit 1; }
unset BSQ_MODEL
prefix=$tmp/prefix
mkdir "$prefix"
"$cmake" --install "$build" --prefix "$prefix" >"$log/install.log" 2>&1 ||
  { echo "FAIL: cmake --install: $(tail -5 "$log/install.log")"; exit 1; }
for bin in bsqenc bsqdec; do [ -x "$prefix/bin/$bin" ] || fail "bin/$bin not installed"; done

# Man pages: installed and rendered by man itself.
for page in man1/bsqenc.1 man1/bsqdec.1 man1/bsqtrain.1 man5/bsq.5 man7/bsq-frei0r.7; do
  file=$prefix/share/man/$page
  [ -f "$file" ] || { fail "$page not installed"; continue; }
  title=$(basename "$file" | cut -d. -f1 | tr a-z A-Z)
  MANWIDTH=80 man -l -P cat "$file" >"$log/man.txt" 2>"$log/man.err" || fail "man -l $page: $(cat "$log/man.err")"
  grep -q "^$title(" "$log/man.txt" && grep -q "^NAME" "$log/man.txt" || fail "man -l $page renders no page"
done

# From another directory, with the tiny model named explicitly.
cd "$work" || exit 1  # neither the build nor the prefix
make_image in.png 48x32
"$prefix/bin/bsqenc" --model "$tiny" in.png explicit.bsq 2>"$log/err" || fail "installed bsqenc: $(cat "$log/err")"
"$prefix/bin/bsqdec" --model "$tiny" explicit.bsq out.png 2>"$log/err" || fail "installed bsqdec: $(cat "$log/err")"
[ "$(dims out.png)" = 48x32 ] || fail "installed round trip gave $(dims out.png)"

# Without --model: the installed set. -q 1 is the lowest rate of default.bsqm; only the model a
# program needs is loaded, so neither tool reads the weights of the others.
models=share/bsq/models
for root in "$prefix" "$tmp/moved"; do
  "$root/bin/bsqenc" -v -y -q 1 in.png default.bsq 2>"$log/err" || { fail "bsqenc without --model under $root: $(cat "$log/err")"; break; }
  grep -q "quality 1: model $root/$models/default.bsqm, " "$log/err" || fail "bsqenc under $root did not use its installed model: $(cat "$log/err")"
  "$root/bin/bsqdec" -v -y default.bsq default.png 2>"$log/err" || fail "bsqdec without --model under $root: $(cat "$log/err")"
  grep -q "model $root/$models/default.bsqm (fingerprint" "$log/err" || fail "bsqdec under $root did not load default.bsqm: $(cat "$log/err")"
  grep -Eq "fine(32|64)?\.bsqm \(fingerprint" "$log/err" && fail "bsqdec under $root loaded a model the stream does not name: $(cat "$log/err")"
  # The frei0r plugin, when built, finds the same installed models (relative to itself).
  if [ -f "$build/apps/frei0r/bsq.so" ]; then
    FREI0R_PATH=$root/lib/frei0r-1 ffmpeg -v error -i in.png -vf frei0r=bsq:0.01 -y frei0r.png 2>"$log/err" ||
      fail "ffmpeg -vf frei0r=bsq under $root: $(cat "$log/err")"
    grep -q "^bsq (frei0r): 1 frame of 48x32 at quality 1 ($root/$models/default.bsqm, " "$log/err" ||
      fail "the frei0r plugin under $root did not use the installed models: $(cat "$log/err")"
  fi
  [ "$root" = "$prefix" ] && mv "$prefix" "$tmp/moved"  # a relocated install still finds its models
done

finish "bsqenc/bsqdec install"
