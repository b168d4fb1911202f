#!/usr/bin/env bash
# Entropy-coding benchmark on the dev images' real tokens; writes bench/token_bits.md.
# Usage: bench/token_bits.sh [MODEL]
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
model=${1:-$root/models/default.bsqm}
bin=$root/build/bench/bsq_token_bits
[ -x "$bin" ] || { echo "token_bits: build first (scripts/setup.sh)" >&2; exit 3; }
out=$root/bench/token_bits.md
{
  echo "# Bits per token on the dev images"
  echo
  echo "Tokens of each dev image (whole image, native size) from \`$(basename "$model")\`; raw = L bits per token;"
  echo "zlib = level 9 on the tokens packed into bytes; prior + coder = the real entropy-coded stream;"
  echo "ideal = sum of -log2 p under the prior's own integer probabilities."
  echo "Machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')."
  echo "Command: \`bench/token_bits.sh\` on $(date -u +%Y-%m-%d)."
  echo
  "$bin" "$model" "$root/data/manifest.tsv" "$root/data/corpus"
} >"$out.tmp"
mv "$out.tmp" "$out"
cat "$out"
