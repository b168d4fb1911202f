// A set of models used as one codec: headers read up front, networks loaded on first use.
#include "bsq/model_set.h"

#include <fmt/format.h>

#include <algorithm>
#include <filesystem>
#include <mutex>
#include <optional>
#include <utility>

#include "bsq/metrics.h"

namespace bsq {

struct ModelSet::Impl {
  std::vector<std::string> paths;
  std::vector<ModelFileInfo> infos;
  RuntimeOptions runtime;
  std::mutex loading;                            // guards `loaded`
  std::vector<std::optional<Tokenizer>> loaded;  // one slot per model; a slot, once filled, never changes

  std::string names() const {
    std::string out;
    for (const auto& p : paths) out += (out.empty() ? "" : ", ") + p;
    return out;
  }
  // "stream was made with model 0123456789abcdef, not with a.bsqm, b.bsqm"
  Status mismatch(uint64_t fingerprint, const char* made) const {
    return Status(StatusCode::kModelMismatch,
                  fmt::format("{} made with model {:016x}, not with {}", made, fingerprint, names()));
  }
};

ModelSet::ModelSet(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
ModelSet::ModelSet(ModelSet&&) noexcept = default;
ModelSet& ModelSet::operator=(ModelSet&&) noexcept = default;
ModelSet::~ModelSet() = default;

StatusOr<ModelSet> ModelSet::open(const std::vector<std::string>& paths, const RuntimeOptions& runtime) {
  if (paths.empty()) return Status(StatusCode::kInvalidArgument, "a model set needs at least one model");
  auto impl = std::make_unique<Impl>();
  for (const auto& path : paths) {
    // A directory opens as a stream that fails to read; say what it is.
    std::error_code ec;
    if (std::filesystem::is_directory(path, ec))
      return Status(StatusCode::kIoError, fmt::format("cannot open model '{}': is a directory", path));
    auto info = read_model_info(path);
    if (!info.ok()) return info.status();
    impl->paths.push_back(path);
    impl->infos.push_back(info.value());
  }
  impl->runtime = runtime;
  impl->loaded.resize(paths.size());
  return ModelSet(std::move(impl));
}

size_t ModelSet::size() const { return impl_->paths.size(); }
const std::string& ModelSet::path(size_t i) const { return impl_->paths.at(i); }
const ModelFileInfo& ModelSet::info(size_t i) const { return impl_->infos.at(i); }

std::vector<ModelConfig> ModelSet::configs() const {
  std::vector<ModelConfig> out;
  for (const auto& info : impl_->infos) out.push_back(info.config);
  return out;
}

OperatingPoint ModelSet::operating_point(int quality) const { return bsq::operating_point(configs(), quality); }

StatusOr<size_t> ModelSet::find(uint64_t fingerprint) const {
  for (size_t i = 0; i < impl_->infos.size(); ++i)
    if (impl_->infos[i].fingerprint == fingerprint) return i;
  return Status(StatusCode::kModelMismatch, fmt::format("model {:016x} is none of {}", fingerprint, impl_->names()));
}

StatusOr<const Tokenizer*> ModelSet::model(size_t i) const {
  if (i >= size()) return Status(StatusCode::kInvalidArgument, fmt::format("no model {} in a set of {}", i, size()));
  std::lock_guard<std::mutex> lock(impl_->loading);
  auto& slot = impl_->loaded[i];
  if (!slot) {
    auto opened = Tokenizer::open(impl_->paths[i], impl_->runtime);
    if (!opened.ok()) return opened.status();
    // The header read at open() named a model; the file may have changed since.
    if (opened->fingerprint() != impl_->infos[i].fingerprint)
      return Status(StatusCode::kInvalidData, fmt::format("model '{}' changed while in use", impl_->paths[i]));
    slot.emplace(std::move(opened.value()));
  }
  return &*slot;
}

namespace {

// The gap whose ends an image chooses between at this quality and effort (none at kMinEffort).
std::optional<RateGap> gap_to_choose_in(const std::vector<ModelConfig>& configs, int quality, int effort) {
  return effort > kMinEffort ? rate_gap(configs, quality) : std::nullopt;
}

}  // namespace

StatusOr<size_t> ModelSet::model_for_quality(int quality, int effort) const {
  if (const auto gap = gap_to_choose_in(configs(), quality, effort))
    for (const size_t end : {gap->lower.model, gap->upper.model})
      if (auto tokenizer = model(end); !tokenizer.ok()) return tokenizer.status();
  const size_t i = operating_point(quality).model;
  auto tokenizer = model(i);
  if (!tokenizer.ok()) return tokenizer.status();
  return i;
}

StatusOr<size_t> ModelSet::model_for_image(int quality, int effort, bool residual_layer) const {
  return model_for_quality(residual_layer ? token_quality(quality) : quality, effort);
}

StatusOr<size_t> ModelSet::model_for_stream(const uint8_t* data, size_t size) const {
  auto fingerprint = stream_model_fingerprint(data, size);
  if (!fingerprint.ok()) return fingerprint.status();
  auto i = find(fingerprint.value());
  if (!i.ok()) return impl_->mismatch(fingerprint.value(), "stream was");
  auto tokenizer = model(i.value());
  if (!tokenizer.ok()) return tokenizer.status();
  return i;
}

StatusOr<size_t> ModelSet::model_for_tokens(uint64_t fingerprint) const {
  auto i = find(fingerprint);
  if (!i.ok()) return impl_->mismatch(fingerprint, "tokens were");
  auto tokenizer = model(i.value());
  if (!tokenizer.ok()) return tokenizer.status();
  return i;
}

StatusOr<OperatingPoint> ModelSet::choose(const Image& image, int quality, int effort) const {
  auto loaded = model_for_quality(quality, effort);
  if (!loaded.ok()) return loaded.status();
  const auto gap = gap_to_choose_in(configs(), quality, effort);
  if (!gap) return operating_point(quality);
  // Each end coded by its encoder network alone, as measured as the decoder will see it: the
  // search that follows adds about as much PSNR to either. (encode() then runs the chosen end's
  // encoder network once more, for the search's latent: a few percent of an effort-3 encode.)
  double score[2] = {};
  const OperatingPoint ends[2] = {gap->lower, gap->upper};
  for (int e = 0; e < 2; ++e) {
    const Tokenizer& tokenizer = *model(ends[e].model).value();  // loaded above
    auto grid = tokenizer.encode(image, ends[e].bits, kMinEffort, false);
    if (!grid.ok()) return grid.status();
    auto stream = encode_tokens(tokenizer, grid.value());
    if (!stream.ok()) return stream.status();
    auto decoded = tokenizer.decode(grid.value());
    if (!decoded.ok()) return decoded.status();
    auto db = psnr(image, decoded.value());
    if (!db.ok()) return db.status();
    // Capped: a perfect copy (+infinity) still scores finitely.
    const double capped_db = std::min(db.value(), 100.0);
    const double bpp = 8.0 * static_cast<double>(stream->size()) / (static_cast<double>(image.width) * image.height);
    score[e] = capped_db - gap->price * bpp;
  }
  return score[1] > score[0] ? ends[1] : ends[0];
}

StatusOr<ModelSet::Encoded> ModelSet::encode(const Image& image, const EncodeOptions& options) const {
  const double step = options.residual_layer ? residual_step(options.quality) : 0.0;
  auto point = choose(image, step > 0 ? token_quality(options.quality) : options.quality, options.effort);
  if (!point.ok()) return point.status();
  const Tokenizer& tokenizer = *model(point->model).value();  // choose() loaded it
  auto grid = tokenizer.encode(image, point->bits, options.effort, options.per_window_bits);
  if (!grid.ok()) return grid.status();
  auto stream = step > 0 || options.filter ? encode_tokens(tokenizer, grid.value(), image, step, options.filter)
                                           : encode_tokens(tokenizer, grid.value());
  if (!stream.ok()) return stream.status();
  return Encoded{std::move(stream.value()), std::move(grid.value()), point->model, step};
}

StatusOr<ModelSet::Decoded> ModelSet::decode(const uint8_t* data, size_t size) const {
  auto i = model_for_stream(data, size);
  if (!i.ok()) return i.status();
  auto image = decode_image(*model(i.value()).value(), data, size);
  // A stream can name a model and still not fit it (crafted): naming the file tells the user which
  // of their models was the wrong one.
  if (!image.ok() && image.status().code() == StatusCode::kModelMismatch)
    return Status(StatusCode::kModelMismatch, fmt::format("{} ({})", image.status().message(), path(i.value())));
  if (!image.ok()) return image.status();
  return Decoded{std::move(image.value()), i.value()};
}

StatusOr<ModelSet::Decoded> ModelSet::decode(const TokenGrid& grid, uint64_t fingerprint) const {
  auto i = model_for_tokens(fingerprint);
  if (!i.ok()) return i.status();
  const Tokenizer& tokenizer = *model(i.value()).value();
  // A grid that does not fit the model it names is a bad input, whoever made it.
  if (const Status fits = tokenizer.fits(grid); !fits.ok())
    return Status(StatusCode::kInvalidData, fmt::format("{} (model {})", fits.message(), path(i.value())));
  auto image = tokenizer.decode(grid);
  if (!image.ok()) return image.status();
  return Decoded{std::move(image.value()), i.value()};
}

}  // namespace bsq
