// Where the models come from, for every program that hosts the codec (bsqenc, bsqdec, the frei0r
// plugin): the ones named, else $BSQ_MODEL, else the shipped set next to the program.
#pragma once

#include <string>
#include <vector>

#include "bsq/status.h"

namespace bsq::cli {

// The shipped model set, in the order quality picks from: where ranges of raw rates touch, the
// earlier model codes (default.bsqm's 32 bits rather than fine.bsqm's 8; fine32.bsqm, trained at
// 32 bits alone, rather than fine.bsqm at 32). fine64.bsqm, 64 bits per 4x4 patch, is the top rate.
const std::vector<std::string>& shipped_models();

// "a.bsqm:b.bsqm" -> {"a.bsqm", "b.bsqm"}; empty entries are dropped.
std::vector<std::string> split_paths(const std::string& list);

// GIVEN when not empty, else $BSQ_MODEL (paths separated by ':'), else the shipped set in the
// first of PLACES (directories) that holds all of it. kIoError naming the places otherwise.
StatusOr<std::vector<std::string>> find_models(const std::vector<std::string>& given,
                                               const std::vector<std::string>& places);

}  // namespace bsq::cli
