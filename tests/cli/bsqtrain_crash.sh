#!/usr/bin/env bash
# bsqtrain killed with SIGKILL in the middle of a checkpoint write (a test hook stalls the write
# half way, BSQ_TEST_STALL_CHECKPOINT=STEP) leaves a run that resumes: the previous checkpoint is
# intact, the half-written file is not taken for it, and the resumed run ends with exactly the
# weights of an uninterrupted one. The evaluation log keeps one row per step. A checkpoint damaged
# otherwise is refused with one line and exit 3.
# Usage: bsqtrain_crash.sh BSQTRAIN COMPARE_CHECKPOINTS
set -u
bsqtrain=$1
compare=$2
tmp=$(mktemp -d)
pid=
trap '[ -n "$pid" ] && kill -9 "$pid" 2>/dev/null; rm -rf "$tmp"' EXIT
fails=0
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }

mkdir -p "$tmp/corpus/pkg"
for i in 1 2 3; do
  ffmpeg -v error -f lavfi -i "testsrc=size=$((32 + 8 * i))x40" -frames:v 1 -y "$tmp/corpus/pkg/t$i.png" || fail "ffmpeg"
  printf 'train\tpkg\tt%s.png\n' "$i" >>"$tmp/manifest.tsv"
done
ffmpeg -v error -f lavfi -i testsrc=size=32x24 -frames:v 1 -y "$tmp/corpus/pkg/d.png" || fail "ffmpeg"
printf 'dev\tpkg\td.png\n' >>"$tmp/manifest.tsv"
run=(--manifest "$tmp/manifest.tsv" --corpus "$tmp/corpus" --threads 1 --patch 4 --width 16 --encoder-depth 1
  --decoder-depth 1 --heads 2 --bits 8 --window 2 --stem-channels 8 --max-frames 1 --crop 16 --batch 4
  --continuous-steps 1 --ramp-steps 1 --steps 6 --eval-every 2 --log-every 1 --resume)

"$bsqtrain" "${run[@]}" --out "$tmp/whole" 2>"$tmp/whole.err" || fail "uninterrupted run: $(tail -1 "$tmp/whole.err")"

# Killed while writing step 4's checkpoint: step 2's must be the one on disk, whole.
BSQ_TEST_STALL_CHECKPOINT=4 "$bsqtrain" "${run[@]}" --out "$tmp/killed" 2>"$tmp/killed.err" &
pid=$!
for _ in $(seq 600); do
  grep -q "checkpoint write stalled at step 4" "$tmp/killed.err" && break
  kill -0 "$pid" 2>/dev/null || break
  sleep 0.1
done
grep -q "checkpoint write stalled at step 4" "$tmp/killed.err" || fail "the hook never stalled: $(tail -2 "$tmp/killed.err")"
kill -9 "$pid"
wait "$pid" 2>/dev/null
pid=
[ -s "$tmp/killed/checkpoint.pt.tmp" ] || fail "no half-written checkpoint was left to test with"
"$compare" "$tmp/killed/checkpoint.pt" "$tmp/killed/checkpoint.pt" 0 >"$tmp/cmp" 2>&1 ||
  fail "the checkpoint on disk does not load after the kill: $(cat "$tmp/cmp")"

"$bsqtrain" "${run[@]}" --out "$tmp/killed" 2>"$tmp/resumed.err" || fail "resume after the kill: $(tail -1 "$tmp/resumed.err")"
grep -q "resuming from step 2" "$tmp/resumed.err" || fail "did not resume from step 2: $(head -3 "$tmp/resumed.err")"
"$compare" "$tmp/whole/checkpoint.pt" "$tmp/killed/checkpoint.pt" 0 >"$tmp/cmp" 2>&1 ||
  fail "the resumed run differs from the uninterrupted one: $(cat "$tmp/cmp")"
[ ! -e "$tmp/killed/checkpoint.pt.tmp" ] || fail "the half-written file is still there after a checkpoint"
cut -d, -f1 "$tmp/killed/train.csv" | sort | uniq -d | grep -q . && fail "train.csv repeats a step: $(cat "$tmp/killed/train.csv")"
cmp -s <(cut -d, -f1 "$tmp/whole/train.csv") <(cut -d, -f1 "$tmp/killed/train.csv") ||
  fail "train.csv rows differ from the uninterrupted run's"

# A checkpoint damaged some other way is refused with one line and exit 3, and left as it was.
mkdir -p "$tmp/damaged"
head -c 3000 "$tmp/whole/checkpoint.pt" >"$tmp/damaged/checkpoint.pt"
cp "$tmp/damaged/checkpoint.pt" "$tmp/damaged.copy"
"$bsqtrain" "${run[@]}" --out "$tmp/damaged" 2>"$tmp/damaged.err"
code=$?
[ "$code" = 3 ] || fail "a damaged checkpoint: exit $code, expected 3"
[ "$(wc -l <"$tmp/damaged.err")" = 1 ] && grep -q "cannot read checkpoint" "$tmp/damaged.err" ||
  fail "a damaged checkpoint: stderr '$(cat "$tmp/damaged.err")'"
cmp -s "$tmp/damaged/checkpoint.pt" "$tmp/damaged.copy" || fail "the damaged checkpoint was changed"

[ "$fails" -eq 0 ] && echo "bsqtrain crash safety: all checks passed"
exit $((fails > 0))
