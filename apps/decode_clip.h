// bsqdec for a video stream: frames from bsq::VideoDecoder into a media::VideoWriter (y4m, any
// container by extension, or a numbered PNG sequence), then the report (summary line or --json).
#pragma once

#include <cstdint>
#include <string>

#include "bsq/model_set.h"
#include "bsq/video.h"
#include "cli_common.h"
#include "encode_clip.h"

namespace bsq::cli {

// Decodes range.frames frames from range.start (all from 0 by default) into options.output, which
// appears whole or not at all (a PNG sequence too); returns the exit code. `stream_bytes` is the
// stream's size, for the report.
int decode_clip(VideoDecoder& decoder, const ModelSet& models, const FrameRange& range, uint64_t stream_bytes,
                const CommonOptions& options, const Console& console);

}  // namespace bsq::cli
