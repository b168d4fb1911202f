// A stream's prior revision (its PRIO chunk, man/bsq.5) against those this build's entropy coder
// has: shared by the image and video decoders (internal).
#pragma once

#include <fmt/format.h>

#include <cstdint>

#include "bsq/status.h"
#include "prior_revision.h"

namespace bsq::codec_detail {

inline Status check_prior_revision(uint32_t revision) {
  if (revision <= static_cast<uint32_t>(entropy::kLatestPriorRevision) &&
      entropy::is_prior_revision(static_cast<int>(revision)))
    return Status::Ok();
  return Status(StatusCode::kUnsupported,
                fmt::format("the stream is coded with prior revision {}; this decoder has revisions {} to {}", revision,
                            entropy::kFirstPriorRevision, entropy::kLatestPriorRevision));
}

}  // namespace bsq::codec_detail
