// Manifest parsing and image decoding (through the FFmpeg I/O layer) for the trainer.
#include "corpus.h"

#include <fmt/format.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "media/image_io.h"

namespace bsq::train {
namespace {

bool is_video(const std::string& path) {
  const auto ext = std::filesystem::path(path).extension().string();
  return ext == ".avi" || ext == ".mp4" || ext == ".mkv" || ext == ".webm" || ext == ".mov" || ext == ".y4m";
}

}  // namespace

StatusOr<Corpus> load_corpus(const std::string& manifest, const std::string& corpus_dir) {
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
    if (is_video(path)) continue;
    const std::string file = (std::filesystem::path(corpus_dir) / package / path).string();
    if (!std::filesystem::exists(file))
      return Status(StatusCode::kIoError, fmt::format("corpus file '{}' missing (run scripts/fetch_corpus.sh)", file));
    auto image = media::read_image(file);
    if (!image.ok()) return image.status();
    (split == "train" ? corpus.train : corpus.dev).push_back({path, std::move(image).value()});
  }
  if (corpus.train.empty()) return Status(StatusCode::kInvalidData, fmt::format("manifest '{}' lists no training image", manifest));
  return corpus;
}

}  // namespace bsq::train
