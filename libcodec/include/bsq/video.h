// Video coding: frames -> .bsq stream -> frames, one group of pictures (GOP) at a time.
//
// A clip is coded in GOPs of `keyint` frames. The first frame of a GOP (the key frame) is coded as
// a still image; each later frame is coded against the frame before it: for every token the encoder
// either repeats the previous frame's token (a static background costs almost nothing) or sends a
// fresh one, whichever costs less distortion + lambda * bits, with lambda set by the quality. The
// prior that codes fresh tokens also sees the previous frame's tokens. Each GOP is one FRAM chunk
// and starts the prior afresh, so any GOP decodes on its own: an index at the end of the stream
// lets a decoder start at any key frame (man bsq.5).
//
// Usage, encoding (frames come and go one at a time; memory does not grow with the clip):
//   auto set = bsq::ModelSet::open(paths);
//   bsq::VideoEncodeOptions options;                 // quality, keyint
//   bsq::VideoDescription clip{640, 360, 30000, 1001};
//   auto encoder = bsq::VideoEncoder::start(set.value(), clip, options);
//   while (reader.next(&frame)) {
//     auto bytes = encoder->push(frame);             // stream bytes ready to write, maybe none
//     out.write(bytes.value());
//   }
//   out.write(encoder->finish().value());            // the last GOP, the index, the end marker
//
// Decoding:
//   auto decoder = bsq::VideoDecoder::open(set.value(), "clip.bsq");   // "-": stdin
//   decoder->seek(100);                                // optional: frame 100 comes next
//   bsq::Image frame;
//   while (decoder->next(&frame).value()) show(frame);
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "bsq/export.h"
#include "bsq/image.h"
#include "bsq/model_set.h"
#include "bsq/quality.h"
#include "bsq/status.h"

namespace bsq {

// What a clip is, as the stream records it. Colour fields are ITU-T H.273 code points. The coded
// samples are always R'G'B'; color_matrix and full_range say how the source stored them (its YUV
// matrix and range), so that a decoder can write the clip back as it came (metadata in the stream).
struct VideoDescription {
  int width = 0, height = 0;
  int fps_num = 0, fps_den = 1;  // exact rate, e.g. 30000/1001; 0/1: unknown
  int color_primaries = 1;       // 1: BT.709 / sRGB
  int color_transfer = 13;       // 13: sRGB
  int color_matrix = 0;          // 0: the decoded samples are R, G, B
  bool full_range = true;
};

// The GOP length when VideoEncodeOptions::keyint is 0: about two seconds at the clip's rate
// (rounded, at least 1), kDefaultKeyintUnknownRate frames when the rate is unknown.
inline constexpr int kDefaultKeyintSeconds = 2;
inline constexpr int kDefaultKeyintUnknownRate = 50;
inline constexpr int kMaxKeyint = 1000;
BSQ_API int default_keyint(int fps_num, int fps_den);

struct VideoEncodeOptions {
  int quality = kDefaultQuality;  // 0..100: the model and bits, as for stills, and lambda
  int keyint = 0;                 // frames per GOP, 1..kMaxKeyint; 0: default_keyint(); 1: all key frames
  int effort = kDefaultEffort;    // kMinEffort..kMaxEffort, as for stills: every frame's tokens are
                                  // searched, then the inter coder picks which to repeat
};

struct VideoFrameStats {
  uint64_t bits = 0;          // ideal code length of the frame's tokens and decisions
  uint32_t fresh_tokens = 0;  // tokens sent; the rest repeat the previous frame's
  uint32_t tokens = 0;
  bool key = false;
};

class BSQ_API VideoEncoder {
 public:
  // Picks the model for options.quality and loads it. kInvalidArgument for a bad size or keyint.
  static StatusOr<VideoEncoder> start(const ModelSet& models, const VideoDescription& clip,
                                      const VideoEncodeOptions& options = {});
  VideoEncoder(VideoEncoder&&) noexcept;
  VideoEncoder& operator=(VideoEncoder&&) noexcept;
  ~VideoEncoder();

  // Codes one frame (clip.width x clip.height). Returns the stream bytes that are complete so far
  // (the header with the first frame, a whole GOP when one closes; often none). With `decoded`,
  // also gives the picture a decoder will show for the frame (a filter that shows the codec's
  // effect needs no decoder of its own).
  StatusOr<std::vector<uint8_t>> push(const Image& frame, Image* decoded = nullptr);
  // Closes the last GOP and appends the index and the end marker. A clip needs at least one frame.
  StatusOr<std::vector<uint8_t>> finish();

  int keyint() const;
  size_t model() const;  // index into the set of the model coding the clip
  int bits() const;      // bits per token
  const VideoFrameStats& last_frame() const;
  uint64_t frames() const;

 private:
  struct Impl;
  explicit VideoEncoder(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// One GOP, as a stream's index lists it.
struct VideoGop {
  uint32_t first_frame = 0, frame_count = 0;
  uint64_t offset = 0;  // where its FRAM chunk starts in the stream
};

struct VideoStreamInfo {
  VideoDescription clip;
  int64_t frames = -1;         // -1: not known before the end (a pipe without an index)
  size_t model = 0;            // index into the set
  int bits = 0;                // bits per token
  std::vector<VideoGop> gops;  // from the index: empty on a pipe or a stream without one
};

class BSQ_API VideoDecoder {
 public:
  // Reads the header and, from a file, the index; loads the model the stream names.
  static StatusOr<VideoDecoder> open(const ModelSet& models, const std::string& path);
  // The same over bytes in memory (not copied: they must outlive the decoder).
  static StatusOr<VideoDecoder> open(const ModelSet& models, const uint8_t* data, size_t size);
  VideoDecoder(VideoDecoder&&) noexcept;
  VideoDecoder& operator=(VideoDecoder&&) noexcept;
  ~VideoDecoder();

  const VideoStreamInfo& info() const;
  // The next next() returns frame `frame`: decoding starts at its GOP's key frame, and the frames
  // before it in that GOP are decoded but not returned. Needs the index (kUnsupported on a pipe);
  // kInvalidArgument past the last frame.
  Status seek(uint32_t frame);
  // The next frame into *frame; false after the last one. Errors name the GOP's frames and byte.
  StatusOr<bool> next(Image* frame);
  uint64_t frames_returned() const;
  // The token grid of the frame next() returned last (integer-decoded: the same on every machine).
  const TokenGrid& tokens() const;

 private:
  struct Impl;
  explicit VideoDecoder(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace bsq
