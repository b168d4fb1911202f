#!/usr/bin/env bash
# bsqtrain-local: data-parallel training on one machine. Starts N bsqtrain ranks on the loopback
# interface, with the environment PyTorch's launchers set (MASTER_ADDR, MASTER_PORT, WORLD_SIZE,
# RANK, LOCAL_RANK), and waits for them; if one fails, the others stop as well and the launcher
# exits with the first failing rank's status. Rank 0 alone prints progress and writes --out.
#
# Usage: bsqtrain-local N [BSQTRAIN OPTIONS...]
#   MASTER_PORT (default 29500) is where the ranks meet; BSQTRAIN names the program (default:
#   the bsqtrain beside this script, else the build tree's, else the one on PATH). Unless the
#   options give --threads, each rank gets an equal share of the hardware threads.
set -u
usage() { echo "usage: bsqtrain-local N [BSQTRAIN OPTIONS...] (man bsqtrain, DISTRIBUTED TRAINING)" >&2; exit 2; }
[ $# -ge 1 ] && [[ $1 =~ ^[1-9][0-9]*$ ]] || usage
world=$1
shift

here=$(cd "$(dirname "$0")" && pwd)
bin=${BSQTRAIN:-}
for candidate in "$here/bsqtrain" "$here/../build/trainer/bsqtrain"; do
  [ -n "$bin" ] && break
  [ -x "$candidate" ] && bin=$candidate
done
[ -n "$bin" ] || bin=$(command -v bsqtrain) || { echo "bsqtrain-local: bsqtrain not found; set BSQTRAIN" >&2; exit 3; }

threads=()
if ! printf '%s\n' "$@" | grep -q -- '^--threads'; then
  share=$(($(nproc) / world))
  threads=(--threads $((share > 0 ? share : 1)))
fi

export MASTER_ADDR=127.0.0.1 MASTER_PORT=${MASTER_PORT:-29500} WORLD_SIZE=$world
pids=()
stop_all() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null; done
}
trap 'stop_all; exit 130' INT TERM
for ((r = 0; r < world; r++)); do
  RANK=$r LOCAL_RANK=$r "$bin" "${threads[@]}" "$@" &
  pids+=($!)
done

# The first rank to fail decides the exit status. The others stop on their own when they miss it
# (at once when its connections break, at most --dist-timeout later otherwise); any still running
# a minute after are stopped here.
status=0
watchdog=""
running=("${pids[@]}")
while [ ${#running[@]} -gt 0 ]; do
  wait -n -p finished "${running[@]}"
  rc=$?
  still=()
  for pid in "${running[@]}"; do [ "$pid" = "$finished" ] || still+=("$pid"); done
  running=("${still[@]}")
  if [ "$rc" -ne 0 ] && [ "$status" -eq 0 ]; then
    status=$rc
    # Short sleeps, so that killing the watchdog leaves no long sleep behind.
    (for _ in $(seq 300); do sleep 0.2; done; kill "${running[@]}" 2>/dev/null) &
    watchdog=$!
  fi
done
[ -n "$watchdog" ] && kill "$watchdog" 2>/dev/null
exit "$status"
