// Internal to bsq_bitstream: what the whole-buffer reader, the chunk reader and the writer share
// (header parsing, the gidx payload, the CRC policy). Not installed.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "bsq/status.h"
#include "container_format.h"
#include "container_stream.h"

namespace bsq::bitstream::detail {

// Fuzzing builds (libFuzzer users define this macro by convention; bsq's fuzzer targets alone
// define it) compute every CRC but ignore a mismatch: random mutations almost never keep a CRC-32
// valid, so otherwise the fuzzer would never get past the checksums to the decoder behind them.
#ifdef FUZZING_BUILD_MODE_UNSAFE_FOR_PRODUCTION
inline constexpr bool kEnforceCrc = false;
#else
inline constexpr bool kEnforceCrc = true;
#endif

inline Status invalid_data(std::string message) { return {StatusCode::kInvalidData, std::move(message)}; }
Status truncated(const std::string& what, uint64_t at, uint64_t needs, uint64_t left);

struct ParsedHeader {
  StreamHeader header;
  size_t size = 0;  // where the first chunk starts
  uint16_t version_minor = 0;
};
// Magic, version, header size, CRC and fields, in the order man/bsq.5 VALIDATION gives; `size` may
// be less than the header (the message then says how much is missing).
StatusOr<ParsedHeader> parse_header(const uint8_t* data, size_t size);

// The gidx payload (man/bsq.5): u32 N, N x {u32 first frame, u32 frame count, u64 offset}, u32 length.
std::vector<uint8_t> encode_index(const std::vector<GopEntry>& gops);
// Only the payload's own structure (sizes, count, trailing length); `where` names the chunk in
// messages. What the entries must agree with is the caller's to check.
StatusOr<std::vector<GopEntry>> decode_index(const uint8_t* payload, size_t length, const std::string& where);

// Reads until n bytes or the end of the data (fewer only at the end).
StatusOr<size_t> read_fully(ByteSource& src, uint8_t* dst, size_t n);
inline std::string frame_range(uint32_t first, uint32_t count) {
  return "frames " + std::to_string(first) + "-" + std::to_string(uint64_t{first} + count - 1);
}

// The index at the end of a seekable source (man/bsq.5, gidx), validated against BEND; nullopt when
// the stream has none. Moves the read position: the caller restores it.
StatusOr<std::optional<StreamIndex>> find_index(ByteSource& src, size_t header_size, const StreamHeader& header,
                                                int version_minor);

}  // namespace bsq::bitstream::detail
