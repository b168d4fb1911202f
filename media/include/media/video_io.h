// Video clips in and out of bsq::Image (RGB8) frames through FFmpeg, one frame at a time.
//
// Usage (a transcoding loop; the codec puts its own coding between next() and write()):
//   bsq::StatusOr<bsq::media::VideoReader> reader = bsq::media::VideoReader::open("clip.mp4");
//   if (!reader.ok()) { std::fprintf(stderr, "%s\n", reader.status().message().c_str()); return 1; }
//   bsq::StatusOr<bsq::media::VideoWriter> writer =
//       bsq::media::VideoWriter::open("out.mkv", reader->format(), /*overwrite=*/false);
//   if (!writer.ok()) { ... }
//   bsq::Image frame;
//   while (true) {
//     bsq::StatusOr<bool> more = reader->next(&frame);
//     if (!more.ok()) { ... more.status() ... }       // the writer's destructor removes its temporary file
//     if (!more.value()) break;
//     if (bsq::Status st = writer->write(frame); !st.ok()) { ... }
//   }
//   bsq::Status st = writer->finish();                 // out.mkv appears only now, whole
//
// Memory: a reader holds the demuxer's and decoder's few frames plus the one being converted,
// whatever the clip's length; a writer holds the encoder's look-ahead. Neither reads a file whole.
// Errors are one line and name the file: "cannot read 'a.ts': frame 31 is 320x240 but the clip is 64x48".
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "bsq/image.h"
#include "bsq/limits.h"
#include "bsq/status.h"

namespace bsq::media {

// What a clip is, as a reader found it or as a writer should store it. Colour fields are ITU-T
// H.273 code points (the numbers FFmpeg's AVColorPrimaries etc. use): 1 = BT.709, 2 = unspecified,
// 6 = BT.601 (SMPTE 170M), 9 = BT.2020, 13 = sRGB/IEC 61966-2-1 transfer, matrix 0 = RGB (GBR).
// They describe the R'G'B' values; frames are never converted between colour spaces, only between
// RGB and the file's YUV matrix.
struct VideoFormat {
  int width = 0;
  int height = 0;
  int fps_num = 0;  // exact rational frame rate, e.g. 30000/1001; 0/1 when the file does not say
  int fps_den = 1;
  int64_t frame_count = -1;  // from the container when it records it (mp4, avi, y4m), else -1
  int sar_num = 1;           // pixel aspect ratio (a pixel's width over its height), 1/1 = square,
  int sar_den = 1;           // as DVD and broadcast anamorphic video need; frames are never resized
  int color_primaries = 2;
  int color_transfer = 2;
  int color_matrix = 2;     // the file's YUV<->RGB matrix; 0 when it stores RGB
  bool full_range = false;  // YUV levels 0-255 (JPEG) rather than 16-235 (TV); RGB is always full
  int bit_depth = 8;        // bits per sample in the file; frames are RGB8 whatever it is
  std::string codec;        // FFmpeg codec name: "h264", "ffv1", "rawvideo", ...
};
// A writer uses width, height, the rate, the aspect ratio and the colour fields; it ignores
// frame_count, bit_depth and codec (the path decides the codec, frames are 8-bit). Matrix and range
// describe how a file codes RGB as YUV, so they pass from a YUV file to a YUV file (mp4 -> mp4 keeps
// BT.709 TV range); a file that stores RGB (mkv, PNG) records matrix 0 and no range, and y4m is
// always BT.601 full range.
// Primaries and transfer, which say what the RGB values mean, are stored as given wherever the
// container has room for them (not in y4m or PNG sequences).

// Reads any clip FFmpeg demuxes and decodes (mp4, mkv, avi, webm, mov, ts, y4m, ...), frame by frame.
// The container is recognised by content, never by the file name. The first video stream is read;
// audio and other streams are skipped. Frames come in presentation order, one per decoded picture
// (a variable-rate clip is not resampled to format().fps; an AVI's drop chunks, which repeat the
// picture before, give no frame, though format().frame_count counts them).
class VideoReader {
 public:
  // path "-" reads stdin: y4m, or any container that can be read without seeking (mkv, ts, nut; not
  // an mp4 whose index is at its end).
  // Fails when the file is not a video, is empty, or its size is beyond kMaxSide / kMaxPixels.
  static StatusOr<VideoReader> open(const std::string& path);

  VideoReader(VideoReader&&) noexcept;
  VideoReader& operator=(VideoReader&&) noexcept;
  ~VideoReader();

  // Decodes the next frame into *frame (its buffer is reused when the size matches). Returns
  // false at the end of the clip. Errors (kInvalidData): damaged or truncated data, a frame whose
  // size differs from the first, more than kMaxFrames frames. After an error, do not call again.
  StatusOr<bool> next(Image* frame);

  // Valid after open(); width and height are the first frame's.
  const VideoFormat& format() const;
  int64_t frames_read() const;

 private:
  struct Impl;
  explicit VideoReader(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// Writes a clip; what is stored follows the path:
//   "x.y4m", "-" (stdout)  raw YUV 4:4:4, full range, BT.601 matrix (y4m has no matrix field and
//                          readers assume BT.601), tagged XCOLORRANGE=FULL; 8-bit RGB comes back
//                          within +-1 per channel (measured on noise frames, test_video_io)
//   "x.mkv"                FFV1 (lossless) on bgr0: pixels survive exactly
//   "frame%04d.png"        one PNG per frame, numbered from 1 (any one printf integer conversion)
//   anything else          the muxer FFmpeg picks for the extension, with its default video codec
//                          (mp4/mov: H.264, webm: VP9, avi: MPEG-4), 4:2:0 when the sizes are even
//                          and the codec takes it, else the codec's closest format to RGB
// The frame rate (0/1 means 25/1), the aspect ratio and the colour description are stored where the
// format can hold them (y4m holds the rate, aspect ratio and range only; PNG sequences none of them). Every frame must
// have format.width x format.height pixels.
//
// Files are written to a temporary file beside the path and renamed on finish(); a writer destroyed
// or failed before finish() removes it, so no half-written file appears. stdout and PNG sequences are
// written as they go: after a failure, the frames already written stay.
class VideoWriter {
 public:
  // Without `overwrite`, an existing file (or, for a sequence, an existing frame file) is an error.
  static StatusOr<VideoWriter> open(const std::string& path, const VideoFormat& format, bool overwrite = false);

  VideoWriter(VideoWriter&&) noexcept;
  VideoWriter& operator=(VideoWriter&&) noexcept;
  ~VideoWriter();  // without finish(): discards the temporary file

  Status write(const Image& frame);
  // Flushes the encoder, writes the container's trailer and moves the file into place.
  Status finish();
  int64_t frames_written() const;

 private:
  struct Impl;
  explicit VideoWriter(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace bsq::media
