#!/usr/bin/env bash
# Sets bsq up on Debian 12: installs the packages it needs, fetches the fixed corpus and builds
# in Release into build/. Safe to run again: every step skips what is already done.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"

packages=(
  cmake ninja-build g++ pkg-config
  libtorch-dev                 # LibTorch 1.13, CPU
  libgloo-dev                  # the Gloo headers LibTorch's c10d includes: bsqtrain's distributed training
  libopenblas0-openmp          # LibTorch's BLAS: ~25x faster matrix products than the reference BLAS
  libavformat-dev libavcodec-dev libswscale-dev libavutil-dev ffmpeg
  zlib1g-dev libcli11-dev libfmt-dev doctest-dev
  frei0r-plugins-dev           # frei0r.h, for the plugin that lets ffmpeg -vf run frames through bsq
  groff-base man-db            # rendering and checking the man pages
  python3-numpy                # tests/cli/bsqcodec_tokens.sh: numpy.load reads bsqenc --tokens' .npy files
  libjpeg-turbo-progs webp libavif-bin libjxl-tools gnuplot-nox  # eval/rd_eval.sh: reference codecs, plot
  clang libclang-rt-14-dev     # scripts/test.sh's sanitizer and fuzzer build (libFuzzer, ASan and UBSan runtimes)
  clang-format                 # scripts/check_format.sh
  time                         # /usr/bin/time: peak RSS in bench/speed.sh, large_image.sh, video_speed.sh
)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  echo "setup: installing ${missing[*]}" >&2
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

"$root/scripts/fetch_corpus.sh" --split dev   # what the tests and the demo use; training fetches all

cmake -S "$root" -B "$root/build" -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build "$root/build"
echo "setup: done; binaries in build/" >&2
