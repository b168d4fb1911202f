#!/usr/bin/env bash
# Checks this build's decoder against the conformance set, with 1 and 2 threads: every stream of
# expected.tsv gives exactly the listed size, bits and token hash (or is refused for the listed
# reason), and its pixels are within 40 dB PSNR of the reference decode.
# Usage: conformance/run.sh BSQ_CONFORMANCE
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
check=${1:?usage: run.sh BSQ_CONFORMANCE}
min_psnr=40
fails=0 runs=0
while IFS=$'\t' read -r name expected; do
  [[ -z $name || $name == \#* ]] && continue
  for threads in 1 2; do
    runs=$((runs + 1))
    stream=$here/streams/$name.bsq
    if [[ $name == bad_* ]]; then
      got=$("$check" --threads "$threads" "$here/model.bsqm" "$stream")
      rc=$?
      got=$(cut -d' ' -f1,2 <<<"$got")
      [ "$rc" = 1 ] && [ "$got" = "$expected" ] && continue
    else
      got=$("$check" --threads "$threads" --reference "$here/reference/$name.png" "$here/model.bsqm" "$stream")
      rc=$?
      psnr=${got##* psnr=}
      got=${got% psnr=*}
      [ "$rc" = 0 ] && [ "$got" = "$expected" ] &&
        { [ "$psnr" = inf ] || awk -v p="$psnr" -v m="$min_psnr" 'BEGIN { exit !(p + 0 >= m) }'; } && continue
      got="$got psnr=$psnr"
    fi
    echo "FAIL: $name (threads $threads): exit $rc, got '$got', expected '$expected'"
    fails=$((fails + 1))
  done
done < "$here/expected.tsv"
[ "$runs" -gt 0 ] || { echo "FAIL: no streams in $here/expected.tsv"; exit 1; }
[ "$fails" = 0 ] && echo "conformance: $runs decodes as expected"
exit $((fails > 0))
