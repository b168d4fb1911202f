// The training corpus: the manifest's stills, decoded through the FFmpeg I/O layer.
#include "corpus.h"

#include <fmt/format.h>

#include <filesystem>

#include "media/image_io.h"

namespace bsq::train {

StatusOr<Corpus> load_corpus(const std::string& manifest, const std::string& corpus_dir, CorpusSplits splits) {
  auto entries = read_manifest(manifest);
  if (!entries.ok()) return entries.status();
  if (!std::filesystem::is_directory(corpus_dir))
    return Status(StatusCode::kIoError,
                  fmt::format("corpus directory '{}' not found (run scripts/fetch_corpus.sh)", corpus_dir));
  Corpus corpus;
  for (const auto& [split, package, path] : entries.value()) {
    if (is_video_path(path) || (splits == CorpusSplits::kDevOnly && split != "dev")) continue;
    const std::string file = (std::filesystem::path(corpus_dir) / package / path).string();
    if (!std::filesystem::exists(file))
      return Status(StatusCode::kIoError, fmt::format("corpus file '{}' missing (run scripts/fetch_corpus.sh)", file));
    auto image = media::read_image(file);
    if (!image.ok()) return image.status();
    (split == "train" ? corpus.train : corpus.dev).push_back({path, std::move(image).value()});
  }
  if (splits == CorpusSplits::kTrainAndDev && corpus.train.empty())
    return Status(StatusCode::kInvalidData, fmt::format("manifest '{}' lists no training image", manifest));
  return corpus;
}

}  // namespace bsq::train
