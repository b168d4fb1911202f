// The .bsq container format: every constant, offset and cap that man/bsq.5 names, and the shared types.
//
// A stream is: a 64-byte header (magic, version, header size, picture and token description,
// header CRC), then chunks of [u32 type][u32 length][payload][u32 CRC-32], ending with a BEND
// chunk. All integers are little-endian. tests/test_bitstream.cpp checks these constants against
// the man page, so the two cannot drift apart: change both or neither.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "bsq/limits.h"
#include "bsq/status.h"

namespace bsq::bitstream {

// --- Magic and version ---------------------------------------------------------------------------
// PNG-style signature: the 0x89 byte catches 7-bit transfers, CR LF / LF catch text-mode
// newline conversion in either direction, 0x1A stops a DOS `type`.
inline constexpr uint8_t kMagic[8] = {0x89, 'B', 'S', 'Q', 0x0D, 0x0A, 0x1A, 0x0A};
inline constexpr uint16_t kVersionMajor = 1;  // a reader refuses any other major version
inline constexpr uint16_t kVersionMinor = 5;  // minor versions only append: readers accept all
// 1.1 adds a frame count of 0 (known only at the end, from BEND) and the gidx index chunk; 1.2 the
// WBIT chunk (bits per window); 1.3 the PRIO chunk (the prior's revision); 1.4 the RESI chunk (a
// still image's residual); 1.5 the FILT chunk (a still image's restoration filter). A writer writes
// the lowest minor version whose features the stream uses.
inline constexpr uint16_t kVersionMinorIndex = 1;
inline constexpr uint16_t kVersionMinorWindowBits = 2;
inline constexpr uint16_t kVersionMinorPrior = 3;
inline constexpr uint16_t kVersionMinorResidual = 4;
inline constexpr uint16_t kVersionMinorFilter = 5;

// --- Header layout (byte offsets from the start of the stream) -----------------------------------
inline constexpr size_t kOffsetMagic = 0;             // 8 bytes
inline constexpr size_t kOffsetVersionMajor = 8;      // u16
inline constexpr size_t kOffsetVersionMinor = 10;     // u16
inline constexpr size_t kOffsetHeaderSize = 12;       // u32, bytes from 0 through the header CRC
inline constexpr size_t kOffsetFingerprint = 16;      // u64
inline constexpr size_t kOffsetWidth = 24;            // u32
inline constexpr size_t kOffsetHeight = 28;           // u32
inline constexpr size_t kOffsetFrames = 32;           // u32
inline constexpr size_t kOffsetFpsNum = 36;           // u32
inline constexpr size_t kOffsetFpsDen = 40;           // u32
inline constexpr size_t kOffsetGridCols = 44;         // u32
inline constexpr size_t kOffsetGridRows = 48;         // u32
inline constexpr size_t kOffsetPatch = 52;            // u8
inline constexpr size_t kOffsetBits = 53;             // u8
inline constexpr size_t kOffsetColourPrimaries = 54;  // u8, H.273 ColourPrimaries
inline constexpr size_t kOffsetTransfer = 55;         // u8, H.273 TransferCharacteristics
inline constexpr size_t kOffsetMatrix = 56;           // u8, H.273 MatrixCoefficients
inline constexpr size_t kOffsetFullRange = 57;        // u8, H.273 VideoFullRangeFlag
inline constexpr size_t kOffsetBitDepth = 58;         // u8
inline constexpr size_t kOffsetReserved = 59;         // u8, written 0, ignored by readers
inline constexpr size_t kHeaderSize = 64;             // version 1.0; the CRC is the last 4 bytes
// A 1.x header may be longer (fields appended before its CRC); this bounds what a reader reads.
inline constexpr size_t kMaxHeaderSize = 4096;

// --- Chunks --------------------------------------------------------------------------------------
inline constexpr size_t kChunkHeadSize = 8;    // u32 type, u32 payload length
inline constexpr size_t kChunkCrcSize = 4;     // CRC-32 of type, length and payload
inline constexpr size_t kFramePrefixSize = 8;  // FRAM payload: u32 first frame, u32 frame count

// FourCC as a little-endian u32: the bytes appear in the stream in reading order.
constexpr uint32_t fourcc(const char (&s)[5]) {
  return uint32_t(uint8_t(s[0])) | uint32_t(uint8_t(s[1])) << 8 | uint32_t(uint8_t(s[2])) << 16 |
         uint32_t(uint8_t(s[3])) << 24;
}
inline constexpr uint32_t kChunkFrames = fourcc("FRAM");    // critical: coded tokens of >= 1 frame
inline constexpr uint32_t kChunkMetadata = fourcc("meta");  // ancillary: key NUL value text
inline constexpr uint32_t kChunkEnd = fourcc("BEND");       // critical: end marker, last chunk
inline constexpr size_t kEndPayloadSize = 8;                // u32 total frames, u32 FRAM chunks
// BEND is fixed-size, so a reader can find it, and the index before it, from the end of the stream.
inline constexpr size_t kEndChunkSize = kChunkHeadSize + kEndPayloadSize + kChunkCrcSize;  // 20

// gidx (1.1, ancillary): where each FRAM chunk (one GOP) starts, written just before BEND when a
// stream has more than one FRAM chunk. Payload: u32 entry count, entries, then the payload length
// again, so that it can be found backwards from BEND.
inline constexpr uint32_t kChunkIndex = fourcc("gidx");
inline constexpr size_t kIndexEntrySize = 16;  // u32 first frame, u32 frame count, u64 chunk offset
inline constexpr size_t kIndexFixedSize = 8;   // u32 entry count + trailing u32 payload length

// WBIT (1.2, critical): the FRAM chunks code a count of kept bits per window of tokens before the
// tokens (entropy/README.md). Payload: u32 window side in tokens. It comes before the first FRAM
// chunk, at most once; a reader that does not know it refuses the stream by name, as it must.
inline constexpr uint32_t kChunkWindowBits = fourcc("WBIT");
inline constexpr size_t kWindowBitsPayloadSize = 4;
inline constexpr uint32_t kMaxBitsWindow = 65536;  // entropy/'s cap on a window side

// PRIO (1.3, critical): the FRAM chunks are coded under revision N of the entropy coder's prior
// (entropy/prior_revision.h); without it, revision 1. Payload: u32 N >= 2. It comes before the
// first FRAM chunk, at most once; a reader that does not know it refuses the stream by name, as it
// must: its bits would decode to garbage. Which revisions a decoder has is for the decoder to say.
inline constexpr uint32_t kChunkPrior = fourcc("PRIO");
inline constexpr size_t kPriorPayloadSize = 4;
inline constexpr uint32_t kPriorWithoutChunk = 1;

// RESI (1.4, critical): a residual the decoder adds to the tokens' decoded picture of a still image,
// coded as quantised 8x8 DCT coefficients of three orthonormal colour planes (entropy/README.md).
// Payload: u32 quantiser step in 1/kResidualStepOne units, then the coded coefficients, opaque here
// as FRAM's tokens. At most once, after the FRAM chunk and before BEND, in a stream of one frame:
// the encoder computes it from the tokens' decoded picture, and the decoder adds it after that.
inline constexpr uint32_t kChunkResidual = fourcc("RESI");
inline constexpr size_t kResidualPrefixSize = 4;                 // u32 quantiser step
inline constexpr uint32_t kResidualStepOne = 256;                // a step of 1.0: the step is fixed-point
inline constexpr uint32_t kMaxResidualStep = uint32_t{1} << 20;  // a step of 4096

// FILT (1.5, critical): a linear filter the decoder applies last to a still image's picture (after the
// residual, if any), fitted by the encoder (libcodec/restoration_filter.h). Payload: its parameters,
// at least one byte, coded as entropy/filter_coder.h says, opaque here. At most once, after the FRAM
// chunk and before BEND, in a stream of one frame.
inline constexpr uint32_t kChunkFilter = fourcc("FILT");

// As in PNG, bit 5 of the first type byte (a lowercase letter) marks a chunk a reader that
// does not know it may skip; an unknown chunk without it is an error.
constexpr bool is_ancillary(uint32_t type) { return (type & 0x20u) != 0; }
std::string fourcc_name(uint32_t type);  // "FRAM", or hex such as "0x00ff1234" if not printable

// --- Caps: every size read from a stream is checked against these before use ---------------------
inline constexpr uint32_t kMaxDimension = static_cast<uint32_t>(bsq::kMaxSide);
inline constexpr uint64_t kMaxPixelsPerFrame = bsq::kMaxPixels;
inline constexpr uint32_t kMaxFrames = bsq::kMaxFrames;
inline constexpr uint32_t kMaxChunkPayload = uint32_t{1} << 30;  // 1 GiB
// The tokenizer pads the picture to whole attention windows, and a window is at most 64 tokens.
inline constexpr uint32_t kMaxGridPadding = 64;
inline constexpr uint32_t kMaxBitDepth = 16;
inline constexpr size_t kMaxMetadataKey = 79;  // as PNG's tEXt keyword
inline constexpr size_t kMaxMetadataChunks = 1024;
constexpr bool valid_patch(uint32_t p) { return p == 2 || p == 4 || p == 8 || p == 16 || p == 32; }

// --- Types ---------------------------------------------------------------------------------------
// Codes as in ITU-T H.273 (also used by AV1, HEVC and PNG cICP), so they map 1:1 onto FFmpeg's.
struct ColourDescription {
  uint8_t primaries = 1;   // 1: BT.709 / sRGB
  uint8_t transfer = 13;   // 13: sRGB (IEC 61966-2-1)
  uint8_t matrix = 0;      // 0: identity, samples are R, G, B
  uint8_t full_range = 1;  // 1: full range (0..2^depth-1); 0: limited ("video") range
  uint8_t bit_depth = 8;   // bits per sample of the decoded picture, 1..16
};

struct StreamHeader {
  uint64_t model_fingerprint = 0;         // the .bsqm's trailing FNV-1a 64 (bsq::Tokenizer::fingerprint())
  uint32_t width = 0, height = 0;         // picture size in pixels
  uint32_t frames = 1;                    // 1 for a still image; 0: not known yet, BEND has it (1.1)
  uint32_t fps_num = 0, fps_den = 1;      // frame rate num/den; 0/1 for a still image or unknown rate
  uint32_t grid_cols = 0, grid_rows = 0;  // tokens per frame, including padding
  uint8_t patch = 8;                      // pixels per token side
  uint8_t bits = 32;                      // bits per token
  ColourDescription colour;
  bool operator==(const StreamHeader& o) const;
};

// Coded tokens of frames [first_frame, first_frame + frame_count).
struct FrameChunk {
  uint32_t first_frame = 0, frame_count = 1;
  std::vector<uint8_t> coded;  // entropy-coded bytes; their format belongs to entropy/
  uint64_t offset = 0;         // reader: where the chunk starts in the stream (for error messages)
};

struct Metadata {
  std::string key;    // 1..79 printable ASCII characters, no NUL
  std::string value;  // any bytes except NUL, UTF-8 by convention
};

// A whole stream, as the reader returns it and write_container takes it.
struct Container {
  StreamHeader header;
  // In frame order, covering frames 0..header.frames-1 exactly. The reader sets header.frames from
  // BEND when the stream's header says 0.
  std::vector<FrameChunk> frames;
  std::vector<Metadata> metadata;
  // Tokens per side of the windows whose kept bits the FRAM chunks code (the WBIT chunk, 1.2);
  // 0: no WBIT chunk, every token has header.bits.
  uint32_t bits_window = 0;
  // The revision of the prior the FRAM chunks are coded with (the PRIO chunk, 1.3); without one, 1.
  uint32_t prior = kPriorWithoutChunk;
  // A still image's residual (the RESI chunk, 1.4): its quantiser step in 1/kResidualStepOne units,
  // 1..kMaxResidualStep, and its entropy-coded bytes, whose format belongs to entropy/.
  uint32_t residual_step = 0;     // 0: no RESI chunk
  std::vector<uint8_t> residual;  // its coded bytes
  uint64_t residual_offset = 0;   // reader: where the RESI chunk starts in the stream (for error messages)
  // A still image's restoration filter (the FILT chunk, 1.5): its coded parameters, whose format
  // belongs to entropy/; empty: no FILT chunk.
  std::vector<uint8_t> filter;
  uint64_t filter_offset = 0;  // reader: where the FILT chunk starts in the stream
};

// Checks every header field against the caps; the message names the field and its offset. A frame
// count of 0 passes (1.1); the reader refuses it in a 1.0 stream.
Status validate_header(const StreamHeader& header);
Status validate_metadata(const Metadata& entry);

// zlib's CRC-32 (ISO-HDLC, as PNG and gzip), over any size.
uint32_t crc32_of(const uint8_t* data, size_t size);

}  // namespace bsq::bitstream
