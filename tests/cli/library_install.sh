#!/usr/bin/env bash
# cmake --install into an empty prefix gives an embeddable libbsq: the shared library (exporting
# the public API only), headers that need neither LibTorch nor FFmpeg, bsq.pc and the CMake package.
# A program outside the source tree (tests/library_consumer) is built against the installed files
# with pkg-config and with find_package(bsq), and codes an image with a tiny model; so is it again
# after the prefix moves. Usage: library_install.sh CMAKE BUILD_DIR TINY_MODEL_DIR CONSUMER_DIR
source "$(dirname "$0")/bsqcodec_common.sh"
cmake=$1
build=$2
tiny=$3/tiny1.bsqm
consumer=$4
cxx=${CXX:-c++}
[ -f "$tiny" ] || { echo "FAIL: $tiny missing (the bsqcodec_cli_tiny_model fixture makes it)"; exit 1; }
prefix=$tmp/prefix
"$cmake" --install "$build" --prefix "$prefix" >"$log/install.log" 2>&1 ||
  { echo "FAIL: cmake --install: $(tail -5 "$log/install.log")"; exit 1; }

pc=$(find "$prefix" -name bsq.pc)
[ -n "$pc" ] || { echo "FAIL: bsq.pc not installed"; exit 1; }
export PKG_CONFIG_PATH=$(dirname "$pc")
libdir=$(pkg-config --variable=libdir bsq)
includedir=$(pkg-config --variable=includedir bsq)
modeldir=$(pkg-config --variable=modeldir bsq)
[ "$(realpath "$libdir")" = "$(realpath "$(dirname "$pc")/..")" ] || fail "bsq.pc: libdir $libdir is not where bsq.pc is"
[ "$(realpath "$includedir")" = "$(realpath "$prefix/include")" ] || fail "bsq.pc: includedir is $includedir"
[ -f "$modeldir/default.bsqm" ] || fail "bsq.pc: modeldir $modeldir holds no default.bsqm"
[ "$(pkg-config --modversion bsq)" = "$(pkg-config --modversion bsq | grep -E '^[0-9]+\.[0-9]+\.[0-9]+$')" ] ||
  fail "bsq.pc: version '$(pkg-config --modversion bsq)'"

# The library: a versioned shared object, exporting bsq:: API symbols and none of its internals.
lib=$libdir/libbsq.so
[ -L "$lib" ] && [ -f "$(realpath "$lib")" ] || fail "libbsq.so is not a link to the versioned library"
readelf -d "$(realpath "$lib")" | grep -q 'SONAME.*libbsq\.so\.[0-9]' || fail "libbsq has no versioned SONAME"
nm -D --defined-only "$lib" | c++filt >"$log/exports"
for symbol in "bsq::Tokenizer::open(" "bsq::Tokenizer::fits(" "bsq::encode_image(" "bsq::decode_image(" \
  "bsq::encode_tokens(" "bsq::decode_tokens(" "bsq::read_model_info(" "bsq::psnr(" "bsq::ModelConfig::validate("; do
  grep -qF "$symbol" "$log/exports" || fail "libbsq does not export $symbol"
done
# (Instantiations of LibTorch's templates over bsq types may be exported; bsq's own internals not.)
leaked=$(grep -E '^[0-9a-f]+ [A-Za-z] bsq::(model|entropy|bitstream)::' "$log/exports" | head -3)
[ -z "$leaked" ] || fail "libbsq exports its internals: $leaked"

# The headers: every one installed, and none pulls in LibTorch, FFmpeg or fmt.
for header in codec.h tokenizer.h image.h status.h model_config.h metrics.h export.h exit_codes.h; do
  [ -f "$includedir/bsq/$header" ] || fail "include/bsq/$header not installed"
  echo "#include <bsq/$header>" >"$tmp/one.cpp"
  "$cxx" -std=c++17 -fsyntax-only $(pkg-config --cflags bsq) "$tmp/one.cpp" 2>"$log/err" ||
    fail "<bsq/$header> does not compile on its own: $(head -3 "$log/err")"
done
"$cxx" -std=c++17 -M $(pkg-config --cflags bsq) "$consumer/codec_roundtrip.cpp" >"$log/deps" ||
  fail "c++ -M on the consumer failed"
tr ' \\' '\n\n' <"$log/deps" | grep '^/' | xargs realpath >"$log/dep_paths"
grep -qx "$(realpath "$prefix/include")/bsq/codec.h" "$log/dep_paths" ||
  fail "the consumer did not read the installed headers: $(head -3 "$log/dep_paths")"
heavy=$(grep -E '/(torch|ATen|c10|libav[a-z]*|libswscale|fmt)/' "$log/dep_paths" | head -3)
[ -z "$heavy" ] || fail "the public headers include LibTorch, FFmpeg or fmt headers: $heavy"

# pkg-config, outside the source tree.
cd "$work" || exit 1
build_with_pkg_config() {
  "$cxx" -std=c++17 "$consumer/codec_roundtrip.cpp" -o "$1" $(pkg-config --cflags --libs bsq) \
    -Wl,-rpath,"$(pkg-config --variable=libdir bsq)" 2>"$log/err" || fail "c++ \$(pkg-config bsq): $(head -5 "$log/err")"
}
build_with_pkg_config pc_roundtrip
./pc_roundtrip "$tiny" >pc.out 2>"$log/err" || fail "the pkg-config build: $(cat "$log/err")"
grep -q "^45x17 -> [0-9]* bytes -> 45x17, PSNR [0-9.]* dB, 6x12 tokens of 8 bits; truncated: refused$" pc.out ||
  fail "the pkg-config build printed: $(cat pc.out)"
ldd pc_roundtrip | grep -q "libbsq.so.* => $libdir" || fail "the pkg-config build does not load the installed libbsq: $(ldd pc_roundtrip | grep bsq)"

# find_package(bsq), outside the source tree.
"$cmake" -S "$consumer" -B cmake_build -G Ninja -DCMAKE_PREFIX_PATH="$prefix" >"$log/cmake" 2>&1 ||
  fail "find_package(bsq): $(tail -5 "$log/cmake")"
"$cmake" --build cmake_build >"$log/cmake" 2>&1 || fail "building against bsq::bsq: $(tail -5 "$log/cmake")"
cmake_build/codec_roundtrip "$tiny" >cmake.out 2>"$log/err" || fail "the CMake build: $(cat "$log/err")"
cmp -s pc.out cmake.out || fail "the CMake build printed '$(cat cmake.out)', the pkg-config one '$(cat pc.out)'"
[ "$(realpath "$(cat cmake_build/model_dir.txt)")" = "$(realpath "$modeldir")" ] ||
  fail "bsq_MODEL_DIR is '$(cat cmake_build/model_dir.txt)', not $modeldir"

# A moved prefix: bsq.pc and the package follow it.
mv "$prefix" "$tmp/moved"
export PKG_CONFIG_PATH=${PKG_CONFIG_PATH/$prefix/$tmp/moved}
[ "$(realpath "$(pkg-config --variable=includedir bsq)")" = "$(realpath "$tmp/moved/include")" ] ||
  fail "bsq.pc after the move: includedir $(pkg-config --variable=includedir bsq)"
build_with_pkg_config moved_roundtrip
./moved_roundtrip "$tiny" >moved.out 2>"$log/err" && cmp -s pc.out moved.out ||
  fail "the build against the moved prefix: $(cat moved.out "$log/err")"
"$cmake" -S "$consumer" -B moved_build -G Ninja -DCMAKE_PREFIX_PATH="$tmp/moved" >"$log/cmake" 2>&1 &&
  "$cmake" --build moved_build >"$log/cmake" 2>&1 || fail "find_package(bsq) after the move: $(tail -5 "$log/cmake")"
[ "$(realpath "$(cat moved_build/model_dir.txt)")" = "$(realpath "$tmp/moved/share/bsq/models")" ] ||
  fail "bsq_MODEL_DIR after the move: $(cat moved_build/model_dir.txt)"

finish "libbsq install (pkg-config and find_package)"
