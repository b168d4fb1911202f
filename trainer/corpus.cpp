// Manifest parsing and image decoding (through the FFmpeg I/O layer) for the trainer.
#include "corpus.h"

#include <fmt/format.h>

#include <cctype>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "media/image_io.h"

namespace bsq::train {

bool is_video_path(const std::string& path) {
  std::string ext = std::filesystem::path(path).extension().string();
  for (char& c : ext) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  for (const char* video : {".avi", ".mp4", ".m4v", ".mkv", ".webm", ".mov", ".mpg", ".mpeg", ".ogv", ".y4m"})
    if (ext == video) return true;
  return false;
}

StatusOr<Corpus> load_corpus(const std::string& manifest, const std::string& corpus_dir, CorpusSplits splits) {
  std::ifstream in(manifest);
  if (!in) return Status(StatusCode::kIoError, fmt::format("cannot open manifest '{}'", manifest));
  if (!std::filesystem::is_directory(corpus_dir))
    return Status(StatusCode::kIoError,
                  fmt::format("corpus directory '{}' not found (run scripts/fetch_corpus.sh)", corpus_dir));
  Corpus corpus;
  std::string line;
  int line_no = 0;
  while (std::getline(in, line)) {
    ++line_no;
    if (line.empty() || line[0] == '#') continue;
    std::istringstream fields(line);
    std::string split, package, path;
    if (!std::getline(fields, split, '\t') || !std::getline(fields, package, '\t') || !std::getline(fields, path))
      return Status(StatusCode::kInvalidData, fmt::format("{}:{}: expected split, package, path", manifest, line_no));
    if (split != "train" && split != "dev")
      return Status(StatusCode::kInvalidData, fmt::format("{}:{}: unknown split '{}'", manifest, line_no, split));
    if (is_video_path(path) || (splits == CorpusSplits::kDevOnly && split != "dev")) continue;
    const std::string file = (std::filesystem::path(corpus_dir) / package / path).string();
    if (!std::filesystem::exists(file))
      return Status(StatusCode::kIoError, fmt::format("corpus file '{}' missing (run scripts/fetch_corpus.sh)", file));
    auto image = media::read_image(file);
    if (!image.ok()) return image.status();
    (split == "train" ? corpus.train : corpus.dev).push_back({path, std::move(image).value()});
  }
  if (splits == CorpusSplits::kTrainAndDev && corpus.train.empty()) return Status(StatusCode::kInvalidData, fmt::format("manifest '{}' lists no training image", manifest));
  return corpus;
}

}  // namespace bsq::train
