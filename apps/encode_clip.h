// bsqenc for a video INPUT: frames from a media::VideoReader into bsq::VideoEncoder, the stream
// appended to OUTPUT GOP by GOP, then the report (summary line or --json).
#pragma once

#include <cstdint>
#include <string>

#include "bsq/model_set.h"
#include "cli_common.h"
#include "media/video_io.h"
#include "output_file.h"

namespace bsq::cli {

// --start and --frames: which frames of the input to code (or, in bsqdec, to return).
struct FrameRange {
  int64_t start = 0;
  int64_t frames = -1;  // -1: to the end
};

struct EncodeClipRequest {
  int quality = 0;
  int keyint = 0;  // 0: the library's default_keyint()
  int effort = kDefaultEffort;
  FrameRange range;
};

// Codes the clip and commits `out`; returns the exit code (0, or that of the error it printed).
int encode_clip(media::VideoReader& reader, const ModelSet& models, OutputFile& out, const EncodeClipRequest& request,
                const CommonOptions& options, const Console& console);

}  // namespace bsq::cli
