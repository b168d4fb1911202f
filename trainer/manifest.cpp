// The corpus manifest reader.
#include "manifest.h"

#include <fmt/format.h>

#include <cctype>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace bsq::train {

StatusOr<std::vector<ManifestEntry>> read_manifest(const std::string& manifest) {
  std::ifstream in(manifest);
  if (!in) return Status(StatusCode::kIoError, fmt::format("cannot open manifest '{}'", manifest));
  std::vector<ManifestEntry> entries;
  std::string line;
  for (int line_no = 1; std::getline(in, line); ++line_no) {
    if (line.empty() || line[0] == '#') continue;
    std::istringstream fields(line);
    ManifestEntry e;
    if (!std::getline(fields, e.split, '\t') || !std::getline(fields, e.package, '\t') || !std::getline(fields, e.path))
      return Status(StatusCode::kInvalidData, fmt::format("{}:{}: expected split, package, path", manifest, line_no));
    if (e.split != "train" && e.split != "dev")
      return Status(StatusCode::kInvalidData, fmt::format("{}:{}: unknown split '{}'", manifest, line_no, e.split));
    entries.push_back(std::move(e));
  }
  return entries;
}

bool is_video_path(const std::string& path) {
  std::string ext = std::filesystem::path(path).extension().string();
  for (char& c : ext) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  for (const char* video : {".avi", ".mp4", ".m4v", ".mkv", ".webm", ".mov", ".mpg", ".mpeg", ".ogv", ".y4m"})
    if (ext == video) return true;
  return false;
}

}  // namespace bsq::train
