// Model lookup shared by the command lines and the frei0r plugin.
#include "model_paths.h"

#include <fmt/format.h>

#include <cstdlib>
#include <filesystem>

namespace bsq::cli {
namespace fs = std::filesystem;

const std::vector<std::string>& shipped_models() {
  static const std::vector<std::string> names = {"default.bsqm", "fine32.bsqm", "fine.bsqm", "fine64.bsqm"};
  return names;
}

std::vector<std::string> split_paths(const std::string& list) {
  std::vector<std::string> paths;
  size_t start = 0;
  for (size_t end; (end = list.find(':', start)) != std::string::npos; start = end + 1)
    if (end > start) paths.push_back(list.substr(start, end - start));
  if (start < list.size()) paths.push_back(list.substr(start));
  return paths;
}

StatusOr<std::vector<std::string>> find_models(const std::vector<std::string>& given,
                                               const std::vector<std::string>& places) {
  if (!given.empty()) return given;
  if (const char* env = std::getenv("BSQ_MODEL"); env != nullptr && *env != '\0') {
    auto paths = split_paths(env);
    if (!paths.empty()) return paths;
  }
  std::string looked;
  std::error_code ec;
  for (const auto& place : places) {
    std::vector<std::string> paths;
    for (const auto& name : shipped_models())
      if (fs::is_regular_file(fs::path(place) / name, ec)) paths.push_back((fs::path(place) / name).string());
    if (paths.size() == shipped_models().size()) return paths;
    looked += (looked.empty() ? "" : ", ") + place;
  }
  std::string names;
  for (const auto& name : shipped_models()) names += (names.empty() ? "" : ", ") + name;
  return Status(
      StatusCode::kIoError,
      fmt::format("no model: give --model or set BSQ_MODEL (the shipped set, {}, is not in {})", names, looked));
}

}  // namespace bsq::cli
