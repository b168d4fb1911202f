#!/usr/bin/env bash
# Training speed with 1 and 2 local ranks (bsqtrain-local, c10d/Gloo on 127.0.0.1), a small model
# on a synthetic corpus, and whether the 2-rank weights match the 1-process ones; writes
# bench/distributed.md. Takes a minute or two. Usage: bench/distributed.sh [STEPS]
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
steps=${1:-30}
bin=$root/build/trainer/bsqtrain
compare=$root/build/tests/bsq_compare_checkpoints
launcher=$root/trainer/bsqtrain-local.sh
[ -x "$bin" ] && [ -x "$compare" ] || { echo "distributed: build first (scripts/setup.sh)" >&2; exit 3; }
out=$root/bench/distributed.md
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# Eight 160x120 train images, one dev image.
mkdir -p "$tmp/corpus/pkg"
for i in 1 2 3 4 5 6 7 8; do
  ffmpeg -v error -f lavfi -i "testsrc2=size=160x120" -vf "hue=h=$((45 * i)),rotate=$i" -frames:v 1 -y "$tmp/corpus/pkg/t$i.png"
  printf 'train\tpkg\tt%s.png\n' "$i" >>"$tmp/manifest.tsv"
done
ffmpeg -v error -f lavfi -i testsrc2=size=64x48 -frames:v 1 -y "$tmp/corpus/pkg/d.png"
printf 'dev\tpkg\td.png\n' >>"$tmp/manifest.tsv"

model=(--patch 4 --width 64 --encoder-depth 2 --decoder-depth 2 --heads 4 --bits 16 --window 4 --stem-channels 32)
run=(--manifest "$tmp/manifest.tsv" --corpus "$tmp/corpus" "${model[@]}" --crop 64 --batch 8 --steps "$steps"
  --eval-every "$steps" --continuous-steps 5 --ramp-steps 5 --log-every "$steps")
port=$((20000 + RANDOM % 20000))

# steps/s over the training time bsqtrain reports (train.csv's elapsed_s, evaluation excluded).
rate() { awk -F, -v n="$steps" 'NR == 2 {printf "%.2f", n / $2}' "$1/train.csv"; }
# train_one NAME RANKS THREADS_PER_RANK: one run; prints "wall-seconds".
train_one() {
  local name=$1 world=$2 threads=$3 start end
  start=$(date +%s.%N)
  if [ "$world" -eq 1 ]; then
    "$bin" "${run[@]}" --threads "$threads" --out "$tmp/$name" 2>"$tmp/$name.err"
  else
    port=$((port + 1))
    BSQTRAIN=$bin MASTER_PORT=$port "$launcher" "$world" "${run[@]}" --threads "$threads" --out "$tmp/$name" 2>"$tmp/$name.err"
  fi || { echo "distributed: $name failed: $(tail -3 "$tmp/$name.err")" >&2; exit 1; }
  end=$(date +%s.%N)
  awk -v a="$start" -v b="$end" 'BEGIN {printf "%.1f", b - a}'
}

{
  echo "# Data-parallel training: steps per second with 1 and 2 local ranks"
  echo
  echo "\`bench/distributed.sh $steps\` on $(date -u +%Y-%m-%d): $steps steps of 8 crops of 64x64 pixels, a small model"
  echo "(\`${model[*]}\`), synthetic corpus. Ranks meet on 127.0.0.1 through c10d's TCPStore and"
  echo "all-reduce over Gloo (\`bsqtrain-local 2\`). steps/s: over bsqtrain's own training time (train.csv's"
  echo "elapsed_s, evaluation excluded); wall: the whole command, start-up and the final evaluation included."
  echo "Machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'); load average before the runs:"
  echo "$(cut -d' ' -f1-3 /proc/loadavg) (the machine is shared, so the figures are noisy)."
  echo
  echo "1 and 2 ranks on one thread each, three times, interleaved, so that the load of the moment falls on"
  echo "both alike (the median, then each value); one process on both threads once, for comparison."
  echo
  echo "| run | ranks | threads per rank | steps/s (median) | steps/s, each run | wall s, each run |"
  echo "|---|---|---|---|---|---|"
} >"$out.tmp"
specs=("one_t1 1 1" "one_t2 1 2" "two_t1 2 1")
declare -A rates walls
for round in 1 2 3; do
  for spec in "${specs[@]}"; do
    read -r name world threads <<<"$spec"
    [ "$name" = one_t2 ] && [ "$round" -gt 1 ] && continue  # slow on a busy machine: once is enough
    walls[$name]+="$(train_one "$name.$round" "$world" "$threads") "
    rates[$name]+="$(rate "$tmp/$name.$round") "
  done
done
for spec in "${specs[@]}"; do
  read -r name world threads <<<"$spec"
  median=$(tr ' ' '\n' <<<"${rates[$name]}" | grep . | sort -g | awk '{v[NR] = $1} END {print v[int((NR + 1) / 2)]}')
  echo "| $name | $world | $threads | $median | ${rates[$name]% } | ${walls[$name]% } |" >>"$out.tmp"
done
agreement=$("$compare" "$tmp/one_t1.1/checkpoint.pt" "$tmp/two_t1.1/checkpoint.pt" 1e-6 || true)
{
  echo
  echo "Weights after $steps steps, 2 ranks against 1 process: $agreement."
  echo
  echo "No speed-up is expected here: two ranks on two cores do the work one process does on two threads, plus"
  echo "a gradient all-reduce and a few small all-reduces of batch statistics per step. The point is that"
  echo "N ranks train the same model (tests/cli/bsqtrain_distributed.sh checks it within 1e-6) and that the"
  echo "exchange costs little; the gain comes with more machines, or GPUs (NCCL), than one process can use."
  echo "On a busy machine one process on 2 threads can be far slower than on 1: LibTorch's OpenMP threads wait"
  echo "for each other whenever another program takes a core. That is why bsqtrain-local gives each rank an"
  echo "equal share of the hardware threads (here 1) unless told otherwise."
} >>"$out.tmp"
mv "$out.tmp" "$out"
cat "$out"
