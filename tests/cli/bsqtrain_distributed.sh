#!/usr/bin/env bash
# bsqtrain over c10d/Gloo on 127.0.0.1, with a tiny model on a synthetic corpus:
#  - 2 ranks (through bsqtrain-local) and 3 ranks (uneven shards of 8 crops, log-MSE loss) end with
#    the weights one process gets on the whole batches, within float tolerance; rank 0 alone writes;
#  - a 2-rank run resumed from its checkpoint ends where the uninterrupted one does (exactly), and
#    where 3 ranks resuming it end (within tolerance);
#  - a rank killed with SIGKILL, either rank 0 or another, makes the survivor stop within a bound
#    with one clear line (exit 3), and so does a rank that never joins; ranks started with
#    different options refuse to train (exit 2).
# Usage: bsqtrain_distributed.sh BSQTRAIN COMPARE_CHECKPOINTS LAUNCHER
set -u
bsqtrain=$1
compare=$2
launcher=$3
tmp=$(mktemp -d)
pids=()
trap 'for p in "${pids[@]}"; do kill -9 "$p" 2>/dev/null; done; rm -rf "$tmp"' EXIT
fails=0
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }
# Weights of N ranks against one process: sums in another order, then a few Adam steps.
tolerance=1e-6

# Four train images and one dev image.
mkdir -p "$tmp/corpus/pkg"
for i in 1 2 3 4; do
  ffmpeg -v error -f lavfi -i "testsrc=size=$((32 + 8 * i))x40" -vf "hue=h=$((40 * i))" -frames:v 1 -y "$tmp/corpus/pkg/t$i.png" ||
    fail "ffmpeg could not make t$i.png"
  printf 'train\tpkg\tt%s.png\n' "$i" >>"$tmp/manifest.tsv"
done
ffmpeg -v error -f lavfi -i testsrc=size=32x24 -frames:v 1 -y "$tmp/corpus/pkg/d.png" || fail "ffmpeg could not make d.png"
printf 'dev\tpkg\td.png\n' >>"$tmp/manifest.tsv"

# A tiny nested-bit model whose quantiser is binary from step 2 on, so that the entropy terms
# (the codebook entropy is a statistic of the whole batch) count in every later step.
common=(--manifest "$tmp/manifest.tsv" --corpus "$tmp/corpus" --threads 1 --patch 4 --width 16 --encoder-depth 1
  --decoder-depth 1 --heads 2 --bits 8 --min-bits 4 --window 2 --stem-channels 8 --max-frames 1 --crop 16
  --continuous-steps 1 --ramp-steps 1 --entropy-weight 0.5 --log-every 1)
# What most runs add: 8 crops a step, and a bound on waiting for a peer.
usual=(--batch 8 --dist-timeout 20)

# A free port for each run: nothing answers a connection there.
port=$((20000 + RANDOM % 20000))
next_port() {
  port=$((port + 1))
  while (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; do port=$((port + 1)); done
}

# ranks N OUT [OPTIONS...]: N ranks in the background, rank r's stderr in OUT.r.err; sets rank_pids.
ranks() {
  local n=$1 out=$2
  shift 2
  next_port
  rank_pids=()
  for ((r = 0; r < n; r++)); do
    MASTER_ADDR=127.0.0.1 MASTER_PORT=$port WORLD_SIZE=$n RANK=$r "$bsqtrain" "${common[@]}" "${usual[@]}" --out "$out" "$@" \
      >/dev/null 2>"$out.$r.err" &
    rank_pids+=($!)
    pids+=($!)
  done
}
# wait_all: waits for rank_pids; sets codes to their exit statuses.
wait_all() {
  codes=()
  for p in "${rank_pids[@]}"; do
    wait "$p"
    codes+=($?)
  done
}

# One process on the whole batches.
"$bsqtrain" "${common[@]}" "${usual[@]}" --out "$tmp/one" --steps 4 --eval-every 2 2>"$tmp/one.err" ||
  fail "one process: $(tail -3 "$tmp/one.err")"

# Two ranks through the launcher.
next_port
BSQTRAIN=$bsqtrain MASTER_PORT=$port "$launcher" 2 "${common[@]}" "${usual[@]}" --out "$tmp/two" --steps 4 --eval-every 2 >"$tmp/two.out" 2>"$tmp/two.err" ||
  fail "bsqtrain-local 2: $(tail -3 "$tmp/two.err")"
"$compare" "$tmp/one/checkpoint.pt" "$tmp/two/checkpoint.pt" "$tolerance" >"$tmp/cmp" 2>&1 ||
  fail "2 ranks against one process: $(cat "$tmp/cmp")"
echo "2 ranks against 1 process: $(cat "$tmp/cmp")"
# Rank 0 alone wrote the run: one CSV row per evaluation, one progress stream.
[ "$(grep -c '^[0-9]' "$tmp/two/train.csv")" -eq 2 ] || fail "2 ranks: train.csv has $(grep -c '^[0-9]' "$tmp/two/train.csv") rows, not 2"
[ "$(grep -c '^step 4/4' "$tmp/two.err")" -eq 1 ] || fail "2 ranks: progress lines are not rank 0's alone: $(cat "$tmp/two.err")"
[ -f "$tmp/two/model.bsqm" ] || fail "2 ranks: no model.bsqm"

# Three ranks on 8 crops (2, 3 and 3 of them) with the log-MSE loss, whose logarithm of the batch
# MSE is no sum over crops: the same weights again.
"$bsqtrain" "${common[@]}" "${usual[@]}" --out "$tmp/one_log" --steps 3 --eval-every 3 --loss log-mse 2>"$tmp/one_log.err" ||
  fail "one process, log-mse: $(tail -3 "$tmp/one_log.err")"
ranks 3 "$tmp/three" --steps 3 --eval-every 3 --loss log-mse
wait_all
[ "${codes[*]}" = "0 0 0" ] || fail "3 ranks exited ${codes[*]}: $(tail -2 "$tmp"/three.*.err)"
"$compare" "$tmp/one_log/checkpoint.pt" "$tmp/three/checkpoint.pt" "$tolerance" >"$tmp/cmp" 2>&1 ||
  fail "3 ranks against one process (log-mse): $(cat "$tmp/cmp")"
echo "3 ranks against 1 process (log-mse, uneven shards): $(cat "$tmp/cmp")"
for r in 1 2; do [ ! -s "$tmp/three.$r.err" ] || fail "rank $r printed: $(cat "$tmp/three.$r.err")"; done

# Resume with the same world size: 2 steps, then 2 more from the checkpoint. (The learning rate is
# still warming up, so --steps does not change it.)
ranks 2 "$tmp/resumed" --steps 2 --eval-every 2
wait_all
ranks 2 "$tmp/resumed" --steps 4 --eval-every 2 --resume
wait_all
[ "${codes[*]}" = "0 0" ] || fail "resumed ranks exited ${codes[*]}: $(tail -2 "$tmp"/resumed.*.err)"
grep -q "resuming from step 2" "$tmp/resumed.0.err" || fail "rank 0 did not resume: $(cat "$tmp/resumed.0.err")"
"$compare" "$tmp/two/checkpoint.pt" "$tmp/resumed/checkpoint.pt" 0 >"$tmp/cmp" 2>&1 ||
  fail "a resumed 2-rank run differs from the uninterrupted one: $(cat "$tmp/cmp")"
# Another world size may resume it too: the batches do not depend on it (the sums' order does).
ranks 2 "$tmp/regrouped" --steps 2 --eval-every 2
wait_all
ranks 3 "$tmp/regrouped" --steps 4 --eval-every 2 --resume
wait_all
[ "${codes[*]}" = "0 0 0" ] || fail "3 ranks resuming 2 exited ${codes[*]}: $(tail -2 "$tmp"/regrouped.*.err)"
"$compare" "$tmp/two/checkpoint.pt" "$tmp/regrouped/checkpoint.pt" "$tolerance" >"$tmp/cmp" 2>&1 ||
  fail "3 ranks resuming a 2-rank run: $(cat "$tmp/cmp")"

# expect_stop CODE PATTERN SECONDS ERR PID: PID exits with CODE within SECONDS, its last line matching.
expect_stop() {
  local code=$1 pattern=$2 bound=$3 err=$4 pid=$5 start=$SECONDS
  while kill -0 "$pid" 2>/dev/null && [ $((SECONDS - start)) -le "$bound" ]; do sleep 0.2; done
  if kill -0 "$pid" 2>/dev/null; then
    fail "still running ${bound} s after its peer stopped: $(tail -2 "$err")"
    kill -9 "$pid"
    return
  fi
  wait "$pid"
  local got=$?
  [ "$got" -eq "$code" ] || fail "exit $got, expected $code: $(tail -2 "$err")"
  tail -n 1 "$err" | grep -q -- "$pattern" || fail "last line '$(tail -n 1 "$err")' lacks '$pattern'"
  echo "stopped with exit $got after $((SECONDS - start)) s: $(tail -n 1 "$err")"
}

# A rank killed mid-run: the other stops at once (its connection breaks), well within the bound.
for victim in 1 0; do
  ranks 2 "$tmp/killed$victim" --steps 1000000 --eval-every 1000000
  start=$SECONDS
  until grep -q "^step 3/" "$tmp/killed$victim.0.err" 2>/dev/null || [ $((SECONDS - start)) -gt 60 ]; do sleep 0.2; done
  grep -q "^step 3/" "$tmp/killed$victim.0.err" || fail "the ranks did not start training: $(tail -2 "$tmp"/killed$victim.*.err)"
  kill -9 "${rank_pids[$victim]}"
  wait "${rank_pids[$victim]}" 2>/dev/null
  survivor=$((1 - victim))
  expect_stop 3 "^bsqtrain: rank $survivor of 2: lost contact with the other ranks" 30 "$tmp/killed$victim.$survivor.err" \
    "${rank_pids[$survivor]}"
done

# lone_rank R PATTERN: rank R of 2 alone gives up after --dist-timeout (3 s here): rank 0 when no
# other rank joins, another rank when rank 0 is not there.
lone_rank() {
  next_port
  MASTER_ADDR=127.0.0.1 MASTER_PORT=$port WORLD_SIZE=2 RANK=$1 "$bsqtrain" "${common[@]}" --out "$tmp/lone$1" \
    --steps 2 --batch 8 --dist-timeout 3 2>"$tmp/lone$1.err" &
  pids+=($!)
  expect_stop 3 "^bsqtrain: rank $1 of 2: $2" 30 "$tmp/lone$1.err" $!
}
lone_rank 0 'not every rank joined at 127.0.0.1:[0-9]* within 3 s (missing: rank 1)'
lone_rank 1 'cannot reach rank 0 at 127.0.0.1:[0-9]* within 3 s'

# Ranks started with different options refuse to train together.
next_port
rank_pids=()
for r in 0 1; do
  MASTER_ADDR=127.0.0.1 MASTER_PORT=$port WORLD_SIZE=2 RANK=$r "$bsqtrain" "${common[@]}" "${usual[@]}" --out "$tmp/differ" \
    --steps 2 --seed $((r + 1)) 2>"$tmp/differ.$r.err" &
  rank_pids+=($!)
  pids+=($!)
done
wait_all
[ "${codes[*]}" = "2 2" ] || fail "ranks with different seeds exited ${codes[*]}: $(cat "$tmp"/differ.*.err)"
grep -q "rank 1 of 2: the ranks differ in their training options" "$tmp/differ.1.err" ||
  fail "ranks with different seeds: $(cat "$tmp/differ.1.err")"

# Option and environment checks.
WORLD_SIZE=two "$bsqtrain" "${common[@]}" "${usual[@]}" --out "$tmp/bad" 2>"$tmp/bad.err"
[ $? -eq 2 ] && grep -q "WORLD_SIZE='two' is not a number" "$tmp/bad.err" || fail "WORLD_SIZE=two: $(cat "$tmp/bad.err")"
"$bsqtrain" "${common[@]}" "${usual[@]}" --out "$tmp/bad" --world-size 2 --rank 2 2>"$tmp/bad.err"
[ $? -eq 2 ] && grep -q "rank 2 is not below the world size 2" "$tmp/bad.err" || fail "--rank 2 of 2: $(cat "$tmp/bad.err")"
WORLD_SIZE=4 "$bsqtrain" "${common[@]}" --out "$tmp/bad" --world-size 9 --rank 0 --batch 8 2>"$tmp/bad.err"
[ $? -eq 2 ] && grep -q "batch 8 is smaller than the world size 9" "$tmp/bad.err" ||
  fail "--world-size overrides WORLD_SIZE, and needs a crop per rank: $(cat "$tmp/bad.err")"

[ "$fails" -eq 0 ] && echo "bsqtrain distributed: all checks passed"
exit $((fails > 0))
