// Exit codes of every bsq tool (bsqenc, bsqdec, bsqtrain), kept once: the man pages list them
// under EXIT STATUS, and a Status from the library maps to one of them the same way in each tool.
#pragma once

#include "bsq/status.h"

namespace bsq {

enum ExitCode : int {
  kExitOk = 0,
  kExitOther = 1,          // a bug or a failure inside a dependency
  kExitUsage = 2,          // bad options, refused output, unknown output extension
  kExitIo = 3,             // a file could not be opened, read or written
  kExitInvalidInput = 4,   // not an image, not a .bsq stream, damaged, truncated, unsupported version
  kExitModelMismatch = 5,  // the stream was made with another model
};

inline int exit_code(StatusCode code) {
  switch (code) {
    case StatusCode::kOk:
      return kExitOk;
    case StatusCode::kInvalidArgument:
      return kExitUsage;
    case StatusCode::kIoError:
      return kExitIo;
    // An unknown stream version or an image over the size caps is, for the user, input this
    // program cannot take: the same answer as a damaged file.
    case StatusCode::kInvalidData:
    case StatusCode::kUnsupported:
      return kExitInvalidInput;
    case StatusCode::kModelMismatch:
      return kExitModelMismatch;
    default:
      return kExitOther;
  }
}

}  // namespace bsq
