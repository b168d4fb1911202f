// The size limits of a picture and a clip, kept once: the container refuses streams beyond them
// (man bsq.5), the tokenizer refuses images, and the I/O layer refuses files, all with these.
#pragma once

#include <cstdint>

namespace bsq {

// Pixels per side. 32768 leaves every product of two sides (and the token grid's padded
// dimensions) far inside 32-bit arithmetic.
inline constexpr int kMaxSide = 1 << 15;

// Pixels per picture: 268 Mpixel, 805 MB as RGB8 (an 8000x6000 photo is 48 Mpixel).
inline constexpr uint64_t kMaxPixels = uint64_t{1} << 28;

// Frames per stream.
inline constexpr uint32_t kMaxFrames = 100000;

}  // namespace bsq
